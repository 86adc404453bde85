# tare validate with the eBPF sampler: every type (cpu, offcpu, lock, alloc) against its
# ground-truth workload, each held to the bounds validate states for it (docs/validate.md,
# "Bounds"); validation.json's per-type cases and measures; usage errors of -T; and where BPF
# cannot load, ref-bpf skipped with its reason (exit 3 when it was the only sampler asked for)
# while the perf-ring sampler still validates.
#
# The bounds, and why they hold on a noisy 2-CPU VM (checked here from validation.json, beside
# validate's own verdict):
#   cpu (999 Hz, 1 thread, ~3,000 samples)  share errors <= 4 binomial SEs + 1 point: a share
#     leaves it by chance with probability 6e-5, and the point is for the truth's own wander
#     (it is timed by the workload).  The effective rate within 5%, widened for the per-CPU
#     events by 4 x sqrt((1 - u) / n) (u: the workload's share of its CPUs' time): per-CPU
#     ticks land on whatever runs, so a workload that shares its CPU gets a binomial count.
#   offcpu, lock  every event is counted: no sampling error, the bound is measurement noise.
#     Each block (wait) is short by d, the call's time on the CPU or runnable: syscall entry
#     and exit, the probes' traps (~10-20 us of a 300-1000 us block idle) and, loaded, waits
#     of a thread preempted inside the call (runnable, so not off-CPU; the workload's clock
#     counts them).  A share moves by (n d / (T - n d)) x (its share of the time - its share
#     of the events): ~0.6 points idle; measured with four CPU hogs, 0.4-1.2 points over 1 s
#     runs and once 3.0 over 0.5 s.  So time shares within 4 points and the time within
#     [80%, 101%] of the truth's (94-98% measured); events (blocks, contentions) within 2
#     points, blocks within [99%, 105%] (a spurious wake-up is a second block), contentions
#     within [95%, 100%] (a contention is missed only when the holder lets go in the few us
#     between trylock and the probe).
#   alloc (a sample every 32 KiB)  Poisson sampling per byte: a site's c allocations of s bytes
#     give its estimate a variance c s^2 (1 - P) / P, P = 1 - exp(-s/N); the shares' SEs by
#     the delta method (tests/unit/test_validate.c checks them against 1,000 simulated runs,
#     within 10%, and that no run leaves the bounds).  Shares within 4 SEs + 0.5 point (in use
#     1 point), totals within 4 SEs + 1% (2%); calls and bytes counted exactly (+ glibc's own).
#   every type  nothing dropped (stacks are counted by content: two distinct stacks never
#     share an entry, so none is lost but to a full table); every site with >= 10 expected events found; >= 90% of stacks reaching main or a thread's
#     start; >= 99% of frames symbolized.
# The machine's load slows the workloads (fewer events) and grows the counted types' deficit
# per event, which the [80%, ...] and the 4 points absorb; it does not bias the sampled types.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
"$TARE" validate --help 2>/dev/null | grep -q -- "--types" || skip "tare validate has no -T yet"

# usage errors: one line, exit 2
expect_exit 2 "$TARE" validate -T cpu,nosuch
one_line; contains "^tare validate: -T cpu,nosuch: unknown type 'nosuch'"
expect_exit 2 "$TARE" validate --alloc-rate 0
one_line; contains "^tare validate: --alloc-rate 0: expected bytes"
expect_exit 2 "$TARE" validate -s perf -T lock
one_line; contains "no case to run"

out=$("$TARE" sample --bpf -t cpu --folded probe.folded -- true 2>&1); rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 3 ] && skip "the eBPF sampler cannot run here: $out"; fail "probe run exited $rc: $out"; }

types=cpu,offcpu,lock,alloc
# AddressSanitizer's malloc replaces glibc's: nothing of glibc's to probe
if nm -D "$BUILD/workloads/alloc" 2>/dev/null | grep -q __asan_init; then
	types=cpu,offcpu,lock
	echo "note: $BUILD/workloads/alloc is built with AddressSanitizer: alloc not checked"
fi

check() { # RESULTS-DIR: the bounds above, from validation.json
	python3 - "$1" <<'PY'
import glob, json, math, sys
f = glob.glob(sys.argv[1] + "/*-validate/validation.json")
if len(f) != 1:
    print("FAIL: no validation.json in", sys.argv[1]); sys.exit(1)
doc = json.load(open(f[0]))
want_measures = {"cpu": ["samples"], "offcpu": ["off-cpu", "blocks"], "lock": ["delay", "contentions"],
                 "alloc": ["alloc_space", "alloc_objects", "inuse_space"]}
ok = True
def bad(msg):
    global ok
    print("FAIL: " + msg); ok = False
for c in doc["cases"]:
    t = c["type"]
    name = f"ref-bpf {t}"
    if c["sampler"] != "ref-bpf" or not c["gating"]:
        bad(f"{name}: sampler {c['sampler']}, gating {c['gating']}"); continue
    if c["status"] != "ok":
        bad(f"{name}: {c['status']}: {c.get('reason')}"); continue
    if list(c["measures"]) != want_measures[t] or c["measure"] != want_measures[t][0]:
        bad(f"{name}: measures {list(c['measures'])}, main {c['measure']}")
    for k in ("truth", "measured", "attribution_error_max_pp", "tvd", "reached_main", "symbolized",
              "samples", "dropped", "bounds"):
        if k not in c:
            bad(f"{name}: no {k}")
    ev = c["samples"]
    if c["dropped"] != 0:
        bad(f"{name}: dropped {c['dropped']} of {ev} events")
    if t == "cpu":
        n, u = c["samples"], min(1, c["workload_cpu_s"] / (c["workload_wall_s"] * c["threads"]))
        tol = 0.05 + 4 * math.sqrt((1 - u) / n)
        s = c["steal_pct"] / 100  # stolen time runs the perf clock, not wait4's CPU (docs/validate.md)
        if not 1 - tol - 1e-9 <= c["rate_ratio"] <= 1 + tol + s / (1 - s) + 1e-9:
            bad(f"{name}: effective rate {100 * c['rate_ratio']:.1f}% of requested, bound ±{100 * tol:.1f}% "
                f"({100 * s:.1f}% stolen)")
    if t == "alloc":
        calls, b = c["calls"], c["bytes"]
        if not (calls["truth"] <= calls["counted"] <= calls["truth"] + 16 and
                b["truth"] <= b["counted"] <= b["truth"] + 65536):
            bad(f"{name}: calls {calls}, bytes {b}: not counted exactly")
    for mname, m in c["measures"].items():
        sites = [s for s in m["truth"] if m["truth"][s] > 0]
        if set(m["truth"]) != set(m["measured"]):
            bad(f"{name} {mname}: truth and measured over different sites")
        err = max(abs(m["measured"][s] - m["truth"][s]) for s in m["truth"]) * 100
        se = m["se_max_pp"]
        allow = {"samples": 1, "off-cpu": 4, "delay": 4, "blocks": 2, "contentions": 2,
                 "alloc_space": 0.5, "alloc_objects": 0.5, "inuse_space": 1}[mname]
        bound = 4 * se + allow
        line = (f"{name} {mname}: max error {err:.2f} pt (se {se:.2f}, bound {bound:.2f}), "
                f"TVD {100 * m['tvd']:.2f} pt, total {100 * m['total_ratio']:.1f}% of the truth"
                if m["total_ratio"] is not None else
                f"{name} {mname}: max error {err:.2f} pt (se {se:.2f}, bound {bound:.2f}), "
                f"TVD {100 * m['tvd']:.2f} pt")
        print(line)
        if abs(err - m["attribution_error_max_pp"]) > 1e-6 or abs(bound - m["bounds"]["attribution_error_max_pp"]) > 1e-6:
            bad(f"{name} {mname}: validate says error {m['attribution_error_max_pp']}, bound "
                f"{m['bounds']['attribution_error_max_pp']}")
        if err > bound:
            bad(line)
        if m["tvd"] * 100 > 4 * 100 * m["expected_tvd"] + allow + 1e-9:
            bad(f"{name} {mname}: TVD {100 * m['tvd']:.2f} pt")
        tot = m["total_ratio"]
        if mname in ("off-cpu", "delay") and not 0.80 <= tot <= 1.01:
            bad(f"{name} {mname}: total {100 * tot:.1f}% not in [80%, 101%]")
        if mname == "blocks" and not 0.99 <= tot <= 1.05:
            bad(f"{name} {mname}: total {100 * tot:.1f}% not in [99%, 105%]")
        if mname == "contentions" and not 0.95 <= tot <= 1.0:
            bad(f"{name} {mname}: total {100 * tot:.1f}% not in [95%, 100%]")
        if t == "alloc":
            slack = 0.02 if mname == "inuse_space" else 0.01
            if abs(tot - 1) > 4 * m["total_se_rel"] + slack:
                bad(f"{name} {mname}: total {100 * tot:.1f}% (se {100 * m['total_se_rel']:.1f}%)")
        if m["sites_found"] != m["sites_expected"] or m["sites_expected"] < (1 if mname == "inuse_space" else len(sites)):
            bad(f"{name} {mname}: {m['sites_found']} of {m['sites_expected']} sites found ({len(sites)} in the truth)")
        if m["reached_main"] < 0.9 or m["symbolized"] < 0.99:
            bad(f"{name} {mname}: {100 * m['reached_main']:.1f}% reach main, {100 * m['symbolized']:.1f}% symbolized")
    if ok and not c["within_bounds"]:
        bad(f"{name}: validate says out of bounds: {c['out_of_bounds']}")
seen = {c["type"] for c in doc["cases"]}
sys.exit(0 if ok else 1)
PY
}

"$TARE" validate -s ref-bpf -T "$types" -F 999 -t 1 -d 3 -o "$T/r1" > out1 2>&1; rc=$?
cat out1
[ "$rc" -le 1 ] || fail "tare validate exited $rc"
check "$T/r1" || fail "out of bounds"
for ty in $(echo "$types" | tr , ' '); do
	grep -q "^ref-bpf $ty " out1 || fail "no $ty line"
done
[ "$rc" -eq 0 ] || fail "tare validate exited $rc, but every case is within the bounds"

# Where BPF cannot load (its capabilities dropped from the bounding set): ref-bpf alone exits
# 3 with the sampler's own line; beside ref it is skipped, saying why, and ref still validates.
command -v setpriv >/dev/null 2>&1 || { echo "note: no setpriv: the denied case is not checked"; exit 0; }
ub=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo 0)
[ "$ub" != 0 ] || { echo "note: kernel.unprivileged_bpf_disabled is 0: bpf() is not denied without CAP_BPF; the denied case is not checked"; exit 0; }
dropped() { setpriv --bounding-set -bpf,-sys_admin,-perfmon --inh-caps=-all "$@"; }
dropped true 2>/dev/null || { echo "note: this setpriv cannot drop bpf and perfmon: the denied case is not checked"; exit 0; }
expect_exit 3 dropped "$TARE" validate -s ref-bpf -T lock -d 1 -o "$T/denied"
one_line; contains "^tare validate: ref-bpf: --bpf: loading the BPF programs: permission denied"
[ ! -d "$T/denied" ] || fail "a results directory for a validation that could not run"
dropped "$TARE" validate -s ref,ref-bpf -T cpu,lock -F 999 -t 1 -d 1 -o "$T/half" > out3 2>&1; rc=$?
cat out3
[ "$rc" -le 1 ] || fail "ref beside a ref-bpf that cannot load: exit $rc"
grep -q "^tare validate: ref-bpf is skipped: --bpf: loading the BPF programs: permission denied" out3 ||
	fail "no line saying why ref-bpf is skipped"
python3 - "$T/half" <<'PY' || exit 1
import glob, json, sys
doc = json.load(open(glob.glob(sys.argv[1] + "/*-validate/validation.json")[0]))
st = {(c["sampler"], c["type"]): c["status"] for c in doc["cases"]}
want = {("ref", "cpu"): "ok", ("ref-bpf", "cpu"): "skipped", ("ref-bpf", "lock"): "skipped"}
if st != want:
    print("FAIL: cases", st); sys.exit(1)
if not all("permission denied" in c["reason"] for c in doc["cases"] if c["status"] == "skipped"):
    print("FAIL: a skipped case without its reason"); sys.exit(1)
PY
exit 0
