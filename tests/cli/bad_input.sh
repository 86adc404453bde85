# Bad scripts and options: one clear line naming the file and line or the option, exit 2;
# an unavailable profiler: exit 3.  Nothing runs, no results directory is made.
. "$ROOT/tests/lib.sh"
cd "$T"
printf 'experiment { workload = {"cpu"},\n  profilers = { {"off"} \n' > syntax.lua
expect_exit 2 "$TARE" run syntax.lua
one_line; contains "syntax.lua:"
printf 'local t = nil\nprint(t.x)\n' > runtime.lua
expect_exit 2 "$TARE" run runtime.lua
one_line; contains "runtime.lua:2:"
printf 'experiment { workload = {"cpu"}, profilers = { {"off"}, {"perfx"} } }\n' > unknown.lua
expect_exit 2 "$TARE" run unknown.lua
one_line; contains "unknown profiler 'perfx'"; contains "available: .*perf"
expect_exit 2 "$TARE" run "$ROOT/scripts/canary.lua" blocks=zero
one_line; contains "blocks"; contains "'zero'"
expect_exit 2 "$TARE" run "$ROOT/scripts/canary.lua" hz=-5
one_line; contains "hz: -5 is below the minimum 1"
expect_exit 2 "$TARE" run "$ROOT/scripts/canary.lua" colour=blue
one_line; contains "unknown option 'colour'"
# a workload's known split whose parts do not sum to 100
printf 'return { command = { "true" }, truth = { parts = { f = 60, g = 30 } } }\n' > split.lua
printf 'experiment { workload = {"./split.lua"}, profilers = { {"off"} } }\n' > badsplit.lua
expect_exit 2 "$TARE" run badsplit.lua
one_line; contains "split.lua: truth.parts' percentages sum to 90; they must sum to 100"
printf 'return { description = "x", available = function() return false, "no widget here" end }\n' > never.lua
printf 'experiment { workload = {"cpu"}, profilers = { {"off"}, {"never.lua"} } }\n' > unavailable.lua
expect_exit 3 "$TARE" run unavailable.lua
one_line; contains "cannot run here: no widget here"
[ ! -d results ] || fail "a results directory was made for runs that never started"
exit 0
