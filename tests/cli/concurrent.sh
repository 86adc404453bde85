# Two measuring runs on one machine perturb each other (and both pin their workloads to the
# same CPUs): a second run refuses with exit 3 and one line naming the first, unless given
# --concurrent, when it runs and warns in its results.  A run that ended lets the next start.
. "$ROOT/tests/lib.sh"
unset TARE_CONCURRENT   # this case is about the refusal
need_root
cd "$T"
cat > long.lua <<'LUA'
experiment { name = "long", workload = { "cpu" }, profilers = { "off" }, blocks = 100, warmup = 0, duration = 0.3 }
LUA
cat > quick.lua <<'LUA'
experiment { name = "quick", workload = { "cpu" }, profilers = { "off" }, blocks = 2, warmup = 0, duration = 0.1 }
LUA
tare_bg run long.lua --no-report
first=$pid
trap 'kill -INT $first 2>/dev/null; wait $first 2>/dev/null' EXIT   # never left measuring
for i in $(seq 1 200); do
	ls results/*-long/results.json >/dev/null 2>&1 && break
	sleep 0.05
done
expect_exit 3 "$TARE" run quick.lua --no-report
one_line; contains "another tare run (PID [0-9]*) is measuring on this machine"; contains "pass --concurrent"
expect_exit 3 "$TARE" calibrate design=process seconds=10
contains "another tare run (PID [0-9]*)"
expect_exit 0 "$TARE" run quick.lua --no-report --concurrent
contains "warning: another tare run (PID [0-9]*) measured on this machine at the same time"
f=$(ls results/*-quick/results.json)
json "$f" 'd["warnings"]' | grep -q "at the same time" || fail "the warning is not in results.json"
kill -INT $first; wait $first
expect_exit 0 "$TARE" run quick.lua --no-report
printf '%s\n' "$out" | grep -q "another tare run" && fail "a finished run still counts: $out"
exit 0
