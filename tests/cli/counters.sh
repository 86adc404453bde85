# perf counters in an experiment: counted on the workload's process tree over the window; an
# unknown event fails at plan time with one line; unsupported events are reported with their
# reason, never as zero; task-clock agrees with the workload's cgroup CPU.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > bad.lua <<'LUA'
experiment { workload = { "cpu" }, profilers = { "off" }, counters = { "task-clock", "no-such-event" } }
LUA
expect_exit 2 "$TARE" run bad.lua
one_line; contains "unknown event 'no-such-event'"
[ ! -d results ] || fail "a trial ran before the plan was rejected"
expect_exit 2 "$TARE" run "$ROOT/scripts/canary.lua" counters=task-clock,bogus:u
one_line; contains "bogus"

cat > count.lua <<'LUA'
experiment { name = "count", workload = { "cpu", threads = 1 }, profilers = { "off", { "inject", pct = 5 } },
  counters = { "task-clock", "context-switches", "page-faults", "cycles" },
  blocks = 2, warmup = 0.2, duration = 0.6 }
LUA
"$TARE" run count.lua > out 2>&1 || fail "run failed: $(cat out)"
f=$(ls -d results/*-count)/results.json
[ "$(json "$f" '[c["name"] for c in d["counters"]]')" = "['task-clock', 'context-switches', 'page-faults', 'cycles']" ] || fail "counter list"
# cycles: counted where a PMU exists; otherwise unsupported with a reason and null, never 0
if [ "$(json "$f" '[c for c in d["counters"] if c["name"]=="cycles"][0]["supported"]')" = False ]; then
	json "$f" '[c for c in d["counters"] if c["name"]=="cycles"][0]["reason"]' | grep -q . || fail "no reason for cycles"
	[ "$(json "$f" 'all(t["counters"]["cycles"] is None for t in d["trials"])')" = True ] || fail "unsupported cycles reported as a number"
fi
# task-clock vs cgroup CPU: within 2% plus 20 µs per context switch (perf charges a switch's tail
# to the task) plus the window's steal (the perf clock runs on while the vCPU is stolen; the
# cgroup's charge does not: harness/counters.h)
json "$f" '[(t["counters"]["task-clock"], t["workload_cpu_ns"], t["counters"]["context-switches"], t["machine_steal_ns"]) for t in d["trials"]]' > pairs
python3 - "$f" <<'PY' || fail "task-clock vs cgroup CPU: $(cat pairs)"
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["trials"]:
    tc, cg, cs = t["counters"]["task-clock"], t["workload_cpu_ns"], t["counters"]["context-switches"]
    lo, hi = cg * 0.98, cg * 1.02 + 20000 * cs + t["machine_steal_ns"]
    assert lo <= tc <= hi, (tc, cg, cs, t["machine_steal_ns"])
PY
grep -q "perf counters on the workload" out || fail "no counters table: $(cat out)"
exit 0
