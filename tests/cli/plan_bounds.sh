# A script or an adapter that loops or allocates without end while planning is stopped: one line
# naming the script and the bound, exit 2 — in tare run, tare run --help and tare list alike.
# The bounds are 10 s and 512 MiB; TARE_PLAN_TIMEOUT_S and TARE_PLAN_MEMORY_MIB shrink them here
# so that the case is quick and light (the memory cases get time enough for a sanitized build).
. "$ROOT/tests/lib.sh"
cd "$T"
export TARE_PLAN_TIMEOUT_S=0.5 TARE_PLAN_MEMORY_MIB=32
printf 'while true do end\n' > loop.lua
expect_exit 2 "$TARE" run loop.lua blocks=2 duration=0.2
one_line; contains "loop.lua: the script did not finish planning in 0.5 s (stopped at loop.lua:1)"
expect_exit 2 "$TARE" run loop.lua --help
one_line; contains "loop.lua: the script did not finish planning in 0.5 s"
# pcall cannot swallow it: once the time is up, every instruction fails
printf 'while true do pcall(function() while true do end end) end\n' > caught.lua
expect_exit 2 "$TARE" run caught.lua
one_line; contains "caught.lua: the script did not finish planning in 0.5 s"
printf 'local t = {}\nwhile true do t[#t+1] = ("x"):rep(1000) end\n' > grow.lua
expect_exit 2 env TARE_PLAN_TIMEOUT_S=60 "$TARE" run grow.lua
one_line; contains "grow.lua: the script needed more than 32 MiB of memory while planning"
printf 'local s = tare.read("/dev/zero")\n' > zero.lua
expect_exit 2 env TARE_PLAN_TIMEOUT_S=60 "$TARE" run zero.lua
one_line; contains "zero.lua: the script needed more than 32 MiB"
# Adapters' functions are bounded too; an available() that never returns is not "cannot run
# here" (exit 3), it is the adapter's fault.
printf 'return { command = function() while true do end end }\n' > spin.lua
printf 'return { available = function() while true do end end }\n' > spin_available.lua
printf 'return { command = function() local t = {} while true do t[#t+1] = ("x"):rep(1000) end end }\n' > grow_adapter.lua
for a in spin spin_available grow_adapter; do
	printf 'experiment { workload = {"cpu"}, profilers = { "off", {"./%s.lua"} } }\n' $a > uses_$a.lua
done
expect_exit 2 "$TARE" run uses_spin.lua
one_line; contains "uses_spin.lua: the script did not finish planning in 0.5 s (stopped at .*spin.lua:1)"
expect_exit 2 "$TARE" run uses_spin_available.lua
one_line; contains "uses_spin_available.lua: the script did not finish planning in 0.5 s (stopped at .*spin_available.lua:1)"
expect_exit 2 env TARE_PLAN_TIMEOUT_S=60 "$TARE" run uses_grow_adapter.lua
one_line; contains "uses_grow_adapter.lua: the script needed more than 32 MiB"
# tare list loads every adapter of the tree
mkdir -p root/workloads root/profilers
cp spin_available.lua root/workloads/
err=$(TARE_ROOT="$T/root" "$TARE" list 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] || fail "tare list exited $rc, want 2: $err"
out=$err; one_line; contains "tare list: the adapters did not finish planning in 0.5 s (stopped at .*spin_available.lua:1)"
# Real scripts are far inside the bounds.
unset TARE_PLAN_TIMEOUT_S TARE_PLAN_MEMORY_MIB
expect_exit 0 "$TARE" run "$ROOT/scripts/canary.lua" --help
expect_exit 0 "$TARE" list
exit 0
