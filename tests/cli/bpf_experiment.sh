# ref-bpf as a profiler in an experiment, sweeping profile types as a list of lists: one
# configuration per type set, each trial's directory holding that type's profile (pprof and
# folded) and the sampler's own figures; the cpu profile has the workload's hot function.  And
# a type that finds nothing to record (lock, on the cpu workload, which takes no lock) costs the
# profiler next to nothing: the sampler idles while the workload runs.  (It once spun at a full
# core: an exec after attaching, with no key to follow it, kept its loop from sleeping.)
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
out=$("$TARE" sample --bpf -t cpu -o probe.pb.gz -- true 2>&1); rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 3 ] && skip "the eBPF sampler cannot run here: $out"; fail "probe run exited $rc: $out"; }
cat > types.lua <<'LUA'
experiment { name = "types", workload = { "cpu" },
  profilers = { "off", { "ref-bpf", types = { {"cpu"}, {"lock"} } } },
  blocks = 1, warmup = 0.2, duration = 1, counters = false }
LUA
tare_bg run types.lua --no-report
wait $pid || fail "run failed: $(cat out)"
d=$(ls -d results/*-types)
[ "$(json "$d/results.json" '[c["label"] for c in d["configs"]]')" = "['off', 'ref-bpf types=cpu', 'ref-bpf types=lock']" ] ||
	fail "configurations: $(json "$d/results.json" '[c["label"] for c in d["configs"]]')"
for ty in cpu lock; do
	t=$(ls -d "$d"/trials/*-ref-bpf_types-$ty) || fail "no trial directory for types=$ty: $(ls "$d/trials")"
	[ -s "$t/profile.$ty.pb.gz" ] && [ -e "$t/profile.$ty.folded" ] && [ -s "$t/sampler.json" ] ||
		fail "types=$ty: missing outputs: $(ls "$t")"
done
grep -q cpu_hot "$(ls -d "$d"/trials/*-ref-bpf_types-cpu)/profile.cpu.folded" || fail "no cpu_hot in the cpu profile"
python3 - "$d/results.json" <<'PY' || fail "an idle sampler cost CPU: $(cat out)"
import json, sys
d = json.load(open(sys.argv[1]))
(t,) = [t for t in d["trials"] if t["label"] == "ref-bpf types=lock"]
share = t["profiler_cpu_ns"] / t["workload_cpu_ns"]
print(f"types=lock on the cpu workload: the sampler used {100 * share:.2f}% of the workload's CPU")
assert share < 0.05, share
PY
no_leftovers $pid
exit 0
