# Switchback with control = "restart" (docs/switchback.md): a profiler that cannot be paused is
# started for each on window and stopped before the next off window.
#   - it starts once per run of consecutive on windows (profiler_starts in the trial record);
#   - no off window holds any of its CPU: it has exited before an off window begins;
#   - what it wrote is a real profile (perf.data that perf script reads);
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
n=$(perf script -i results/*-rs/trials/002-*/perf.data 2>/dev/null | grep -c 'cpu-clock')
[ "$n" -gt 0 ] || fail "the last perf attached wrote no samples"
no_leftovers $pid
exit 0
