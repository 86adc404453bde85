# tare list names every adapter and says whether it can run here.
. "$ROOT/tests/lib.sh"
expect_exit 0 "$TARE" list
for name in cpu off perf inject; do
	printf '%s\n' "$out" | grep -Eq "^  $name +(ok|cannot run)" || fail "list lacks $name:
$out"
done
contains "off .*ok"
# whether a profiler can be measured by switchback, and how it is switched
contains "perf .*\\[switchback: perf-fifo by default\\]"; contains "inject .*\\[switchback: page by default\\]"; contains "ref .*\\[switchback: signal\\]"
# An adapter that cannot run says why, on the next line.
mkdir -p "$T/root/workloads" "$T/root/profilers"
cat > "$T/root/profilers/never.lua" <<'LUA'
return { description = "never available", available = function() return false, "needs a unicorn" end }
LUA
out=$(TARE_ROOT="$T/root" "$TARE" list 2>&1)
contains "never .*cannot run"; contains "needs a unicorn"; contains "never .*\\[process trials only\\]"
exit 0
