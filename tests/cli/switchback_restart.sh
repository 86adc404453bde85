# Switchback with control = "restart" (docs/switchback.md): a profiler that cannot be paused is
# started for each on window and stopped before the next off window.
#   - it starts once per run of consecutive on windows (profiler_starts in the trial record);
#   - no off window holds any of its CPU: it has exited before an off window begins;
#   - what it wrote is a real profile, a perf.N.data a life that perf script reads, and its
#     samples are summed over the lives and held to the rate;
#   - nothing is left behind.
. "$ROOT/tests/lib.sh"
need_root
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
cat > rs.lua <<'LUA'
experiment { name = "rs", workload = { "cpu" }, profilers = { "off", { "perf", hz = 999, switch = "restart" } },
  design = "switchback", blocks = 2, warmup = 0.1, duration = 0.6, window = 0.1, guard = 0.02 }
LUA
tare_bg run rs.lua --no-report
wait $pid; rc=$?
[ $rc -eq 0 ] || fail "exit $rc: $(cat "$T/out")"
f=$(ls results/*-rs/results.json)
python3 - "$f" <<'PY' || fail "restart: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["configs"][1]["control"] == "restart", d["configs"][1]
for t in d["trials"]:
    arms = [w["arm"] for w in t["windows"]]
    runs = sum(1 for i, a in enumerate(arms) if a == 1 and (i == 0 or arms[i - 1] == 0))
    assert len(arms) == 6 and t["profiler_starts"] == runs, (arms, t["profiler_starts"])
    off = [w["profiler_cpu_ns"] for w in t["windows"] if w["arm"] == 0]
    assert all(c == 0 for c in off), ("profiler CPU in an off window", off)
    assert t["profiler_cpu_total_ns"] > 0, t
PY
# a file a life, each a profile perf script reads; their samples summed and held to the rate
d=$(ls -d results/*-rs/trials/002-*)
lives=$(json "$f" 'd["trials"][1]["profiler_starts"]')
[ "$(ls "$d" | grep -c '^perf\.[0-9]*\.data$')" -eq "$lives" ] || fail "want $lives perf.N.data: $(ls "$d")"
total=0
for p in "$d"/perf.[0-9]*.data; do
	n=$(perf script -i "$p" 2>/dev/null | grep -c 'cpu-clock')
	[ "$n" -gt 0 ] || fail "$p: no samples"
	total=$((total + n))
done
[ "$(json "$f" 'd["trials"][1]["profile_samples"]')" -eq "$total" ] ||
	fail "profile_samples $(json "$f" 'd["trials"][1]["profile_samples"]') is not the $total samples of its files"
python3 - "$f" <<'PY' || fail "rate: $(json "$f" '[(t["profile_samples"], t["profile_expected"]) for t in d["trials"]]')"
import json, sys
for t in json.load(open(sys.argv[1]))["trials"]:
    # ~0.3 s of a busy CPU on at 999 Hz: ~300 due; a quarter is what the run calls unreliable
    assert t["profile_expected"] > 40 and t["profile_samples"] >= t["profile_expected"] / 4, t
PY
no_leftovers $pid
exit 0
