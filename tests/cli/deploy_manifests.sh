# The fleet deployment (deploy/, docs/fleet.md): every Kubernetes manifest parses and says what the
# doc says — an indexed Job with parallelism == completions, one pod per node by anti-affinity on
# its own label, privileged (the doc's capability list beside it), the doc's volumes, mounts, env
# and image placeholder, a Guaranteed pod of whole CPUs — so the two cannot drift apart. The
# entrypoint and the ssh loop are run against stubs of tare and ssh. Needs no build.
. "$ROOT/tests/lib.sh"
python3 -c 'import yaml' 2>/dev/null || skip "needs PyYAML: apt-get install python3-yaml"
K=$ROOT/deploy/kubernetes
S=$ROOT/deploy/ssh/run-hosts.sh

python3 - "$ROOT" <<'PY' || fail "the manifests and docs/fleet.md disagree (above)"
import glob, os, re, sys, yaml
root = sys.argv[1]
kdir = os.path.join(root, "deploy", "kubernetes")
doc = open(os.path.join(root, "docs", "fleet.md")).read()
bad = []
def check(ok, msg):
    if not ok:
        bad.append(msg)

docs = []
files = sorted(glob.glob(os.path.join(kdir, "*.yaml")) + glob.glob(os.path.join(kdir, "*.yml")))
check(files, "no YAML in deploy/kubernetes/")
for f in files:
    try:
        docs += [(os.path.basename(f), d) for d in yaml.safe_load_all(open(f)) if d is not None]
    except yaml.YAMLError as e:
        bad.append("%s does not parse: %s" % (f, e))
jobs = [d for f, d in docs if d.get("kind") == "Job"]
cms = [d for f, d in docs if d.get("kind") == "ConfigMap"]
check(len(jobs) == 1, "want one Job, found %d" % len(jobs))
if bad:
    print("\n".join(bad)); sys.exit(1)
job = jobs[0]
js = job["spec"]
check(js.get("completionMode") == "Indexed", "the Job is not Indexed")
check(isinstance(js.get("completions"), int) and js.get("parallelism") == js.get("completions"),
      "parallelism %r != completions %r" % (js.get("parallelism"), js.get("completions")))
pod = js["template"]["spec"]
labels = js["template"]["metadata"].get("labels", {})
check(pod.get("restartPolicy") in ("Never", "OnFailure"), "a Job's pods need restartPolicy Never or OnFailure")

# one pod per node: a required anti-affinity (or a DoNotSchedule spread) on the pod's own label
def own(sel):
    ml = (sel or {}).get("matchLabels", {})
    return bool(ml) and all(labels.get(k) == v for k, v in ml.items())
anti = pod.get("affinity", {}).get("podAntiAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", [])
spread = pod.get("topologySpreadConstraints", [])
check(any(own(t.get("labelSelector")) and t.get("topologyKey") == "kubernetes.io/hostname" for t in anti) or
      any(own(t.get("labelSelector")) and t.get("topologyKey") == "kubernetes.io/hostname" and
          t.get("whenUnsatisfiable") == "DoNotSchedule" for t in spread),
      "no required anti-affinity (or DoNotSchedule spread) on the pod's own label by kubernetes.io/hostname")
for k, v in labels.items():
    check("%s: %s" % (k, v) in doc or "%s=%s" % (k, v) in doc, "the doc does not name the pod label %s: %s" % (k, v))
check(not pod.get("hostPID"), "hostPID is set; the doc says the Job does without it")

cs = pod["containers"]
check(len(cs) == 1, "want one container")
c = cs[0]
# the image: the placeholder the doc and the Dockerfile tell users to replace
m = re.search(r"`image: (\S+)`", doc)
check(m and c.get("image") == m.group(1), "image %r is not the doc's placeholder %r" % (c.get("image"), m and m.group(1)))
dockerfile = open(os.path.join(kdir, "Dockerfile")).read()
check(m and ("-t %s " % m.group(1)) in dockerfile, "the Dockerfile's build line does not tag %s" % (m and m.group(1)))
check("FROM debian:bookworm" in dockerfile, "the Dockerfile is not Debian bookworm")
ep = re.search(r'ENTRYPOINT \["/opt/tare/([^"]+)"\]', dockerfile)
check(ep and os.access(os.path.join(root, ep.group(1)), os.X_OK), "the Dockerfile's ENTRYPOINT is not an executable file of the tree")

# securityContext: privileged, and the capability list the doc names is the one job.yaml names
sc = c.get("securityContext", {})
capre = r"[Cc]apabilities instead of privileged: ([A-Z_ ]+)"
dcaps = re.search(capre, doc)
jcaps = re.search(capre, open(os.path.join(kdir, "job.yaml")).read())
added = set(sc.get("capabilities", {}).get("add", []))
check(sc.get("privileged") is True or (dcaps and set(dcaps.group(1).split()) <= added),
      "securityContext is neither privileged nor given the doc's capabilities")
check(dcaps and jcaps and dcaps.group(1).split() == jcaps.group(1).split(),
      "the capability lists differ: doc %r, job.yaml %r" % (dcaps and dcaps.group(1), jcaps and jcaps.group(1)))
for cap in (dcaps.group(1).split() if dcaps else []):
    check("CAP_" + cap in doc, "the doc lists %s but does not say what CAP_%s is for" % (cap, cap))

# a Guaranteed pod of whole CPUs
res = c.get("resources", {})
check(res.get("requests") and res.get("requests") == res.get("limits"), "requests != limits: not a Guaranteed pod")
cpu = str(res.get("requests", {}).get("cpu", ""))
check(cpu.isdigit() and int(cpu) >= 1, "cpu %r is not a whole number of CPUs" % cpu)
check(("`cpu: \"%s\"`" % cpu) in doc, "the doc does not give the pod's CPUs (cpu: \"%s\")" % cpu)

# volumes: the doc's table (| `name` | source | `mountPath` | ...) against the Job's volumes and mounts
def table(head):
    rows, on = [], False
    for line in doc.splitlines():
        if line.startswith("| " + head + " |"):
            on = True; continue
        if on and not line.startswith("|"):
            break
        if on and not line.startswith("| ---"):
            rows.append([x.strip() for x in line.strip("|").split("|")])
    return rows
vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = {mt["name"]: mt for mt in c.get("volumeMounts", [])}
drows = table("volume")
dvols = {r[0].strip("`"): r for r in drows}
check(drows, "the doc has no volume table")
check(set(dvols) == set(vols), "volumes: doc %s, job.yaml %s" % (sorted(dvols), sorted(vols)))
check(set(mounts) == set(vols), "mounted %s, declared %s" % (sorted(mounts), sorted(vols)))
for name, r in dvols.items():
    v, mt = vols.get(name, {}), mounts.get(name, {})
    src = [k for k in v if k != "name"]
    check(src and r[1].startswith(src[0]), "volume %s: doc says %r, job.yaml %s" % (name, r[1], src))
    if "hostPath" in v:
        check("`%s`" % v["hostPath"]["path"] in r[1], "volume %s: hostPath %s not in the doc's row" % (name, v["hostPath"]["path"]))
    if "configMap" in v:
        check("`%s`" % v["configMap"]["name"] in r[1], "volume %s: ConfigMap %s not in the doc's row" % (name, v["configMap"]["name"]))
        check(any(cm["metadata"]["name"] == v["configMap"]["name"] for cm in cms),
              "volume %s: no ConfigMap %s in deploy/kubernetes/" % (name, v["configMap"]["name"]))
    check(r[2] == "`%s`" % mt.get("mountPath"), "volume %s: doc mounts it at %s, job.yaml at %s" % (name, r[2], mt.get("mountPath")))
# the doc says the pod's own cgroupfs is used: nothing mounted over it, and no debugfs
for mt in mounts.values():
    check(not mt["mountPath"].startswith("/sys/fs/cgroup") and not mt["mountPath"].startswith("/sys/kernel/debug"),
          "%s is mounted; docs/fleet.md says it is not" % mt["mountPath"])

# env: the doc's table against the Job's, SCRIPT and PUSHGATEWAY_URL among them, and the image's
env = {e["name"]: e for e in c.get("env", [])}
denv = {r[0].strip("`"): r for r in table("env")}
check(set(denv) == set(env), "env: doc %s, job.yaml %s" % (sorted(denv), sorted(env)))
for need in ("SCRIPT", "TARE_ARGS", "PUSHGATEWAY_URL"):
    check(need in env, "env %s missing from the Job" % need)
for name, e in env.items():
    if "value" in e and e["value"] and name in denv:
        check(denv[name][1] == "`%s`" % e["value"], "env %s: doc default %s, job.yaml %r" % (name, denv[name][1], e["value"]))
dfenv = re.search(r"^ENV (.*?)(?=^\S)", dockerfile, re.M | re.S)
for name in re.findall(r"([A-Z_]+)=", dfenv.group(1) if dfenv else ""):
    check(name in denv, "the Dockerfile sets %s, which the doc's env table lacks" % name)
entry = open(os.path.join(kdir, "entrypoint.sh")).read()
for name in denv:
    check(name in entry, "the entrypoint does not read %s" % name)
# a ConfigMap script the doc points SCRIPT at exists under that key
for path in set(re.findall(r"/experiments/([\w.-]+\.lua)", doc)):
    check(any(path in cm.get("data", {}) for cm in cms), "the doc names /experiments/%s; no ConfigMap has it" % path)

if bad:
    print("\n".join(bad)); sys.exit(1)
print("manifests: %d files, %d documents; Job %s: %d x Indexed, volumes %s, env %s"
      % (len(files), len(docs), job["metadata"]["name"], js["completions"], sorted(vols), sorted(env)))
PY

for f in "$S" "$K/entrypoint.sh"; do
	sh -n "$f" || fail "$f: syntax"
	[ -x "$f" ] || fail "$f is not executable"
	if command -v shellcheck >/dev/null 2>&1; then
		shellcheck "$f" || fail "$f: shellcheck"
	fi
done

# The entrypoint against a stub tare: results found, {node} filled into the push URL, tare run's
# exit code kept.
mkdir -p "$T/home/build" "$T/res"
cat >"$T/home/build/tare" <<'STUB'
#!/bin/sh
case $1 in
run) mkdir -p "$4/20250101T000000Z-x" && echo '{}' >"$4/20250101T000000Z-x/results.json"; echo "run $*" >>"$T/calls"; exit 4 ;;
export) echo "export $*" >>"$T/calls"; exit 0 ;;
esac
exit 2
STUB
chmod +x "$T/home/build/tare"
out=$(TARE_HOME="$T/home" RESULTS_DIR="$T/res" NODE_NAME=n1 SCRIPT=x.lua TARE_ARGS="blocks=2 -q" \
	PUSHGATEWAY_URL="http://pgw:9091/metrics/job/tare/instance/{node}" sh "$K/entrypoint.sh" 2>&1); rc=$?
[ "$rc" -eq 4 ] || fail "entrypoint exited $rc, want tare run's 4: $out"
grep -qx "run run x.lua -o $T/res/n1 blocks=2 -q" "$T/calls" || fail "tare run was called as: $(cat "$T/calls")"
grep -qx "export export --openmetrics $T/res/n1/20250101T000000Z-x --push http://pgw:9091/metrics/job/tare/instance/n1" "$T/calls" ||
	fail "tare export was called as: $(cat "$T/calls")"
# a second run beside the first: its own new directory is the one exported, not the older one,
# even when its file's time does not order after the run's start (file times tick at the
# kernel's timer: a fast run shares the tick; here the time is the epoch's)
cat >"$T/home/build/tare" <<'STUB'
#!/bin/sh
case $1 in
run) mkdir -p "$4/20250102T000000Z-x" && echo '{}' >"$4/20250102T000000Z-x/results.json" &&
	touch -d @0 "$4/20250102T000000Z-x/results.json"; echo "run $*" >>"$T/calls"; exit 4 ;;
export) echo "export $*" >>"$T/calls"; exit 0 ;;
esac
exit 2
STUB
: >"$T/calls"
TARE_HOME="$T/home" RESULTS_DIR="$T/res" NODE_NAME=n1 SCRIPT=x.lua PUSHGATEWAY_URL="http://pgw/{node}" \
	sh "$K/entrypoint.sh" >"$T/second.out" 2>&1
grep -qx "export export --openmetrics $T/res/n1/20250102T000000Z-x --push http://pgw/n1" "$T/calls" ||
	fail "the second run exported: $(cat "$T/calls"; cat "$T/second.out")"

# The ssh loop against stub ssh and scp that run each remote command in a directory per host.
mkdir -p "$T/bin"
cat >"$T/bin/ssh" <<'STUB'
#!/bin/sh
while [ $# -gt 0 ]; do case $1 in -o) shift 2 ;; *) break ;; esac; done
h=${1#*@}; shift
mkdir -p "$T/hosts/$h"
echo "$h" >>"$T/ssh-calls"
cmd=$(printf '%s\n' "$*" | sed "s|/opt/tare|$T/hosts/$h/tree|g")
case $cmd in
*"scripts/setup.sh"*) echo "setup+make on $h"; exit 0 ;;
*"build/tare run"*)
	d=$(printf '%s\n' "$cmd" | sed 's/.* -o \([^ ]*\).*/\1/')
	mkdir -p "$T/hosts/$h/tree/$d/20250101T000000Z-canary" && echo '{}' >"$T/hosts/$h/tree/$d/20250101T000000Z-canary/results.json"
	[ "$h" = bad ] && exit 3; exit 0 ;;
esac
sh -c "$cmd"
STUB
cat >"$T/bin/scp" <<'STUB'
#!/bin/sh
while [ $# -gt 0 ]; do case $1 in -q|-r) shift ;; -o) shift 2 ;; *) break ;; esac; done
src=$1; h=${src%%:*}; h=${h#*@}; p=${src#*:}
cp -r "$T/hosts/$h/tree${p#/opt/tare}" "$2"
STUB
chmod +x "$T/bin/ssh" "$T/bin/scp"
out=$(PATH="$T/bin:$PATH" sh "$S" -o "$T/out" h1 root@h2 h1 bad -- blocks=2 2>&1); rc=$?
[ "$rc" -eq 1 ] || fail "run-hosts exited $rc, want 1 (host bad exits 3): $out"
printf '%s\n' "$out" | grep -q "^bad  *exit 3 " || fail "no summary line for host bad: $out"
[ "$(grep -c '^h1$' "$T/ssh-calls")" -eq 3 ] || fail "h1 named twice must run once: $(cat "$T/ssh-calls")"
[ -f "$T/hosts/h1/tree/scripts/setup.sh" ] || fail "the tree was not copied to h1"
[ ! -e "$T/hosts/h1/tree/build" ] || fail "build/ was copied"
for h in h1 h2 bad; do
	[ -s "$T/out/$h/run.log" ] || fail "no log for $h"
	ls "$T/out/$h"/*/20250101T000000Z-canary/results.json >/dev/null 2>&1 || fail "no results fetched for $h: $(find "$T/out/$h")"
done
grep -q "build/tare run scripts/canary.lua -o results/fleet/[0-9TZ]* 'blocks=2'" "$T/out/h1/run.log" ||
	fail "h1's run line: $(cat "$T/out/h1/run.log")"
out=$(sh "$S" 2>&1); rc=$?
[ "$rc" -eq 2 ] || fail "no host: exited $rc, want 2"
contains "^usage: deploy/ssh/run-hosts.sh"
exit 0
