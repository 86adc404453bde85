# tare events lists the perf events tare can count, and whether each opens here.
. "$ROOT/tests/lib.sh"
out=$("$TARE" events --help 2>&1); rc=$?
if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -q "unknown command 'events'"; then
	skip "tare events is not wired into harness/main.c yet"
fi
expect_exit 0 "$TARE" events --help
contains "usage: tare events"; contains "PATTERN"

# A substring: task-clock is a software event, and software events open everywhere (as
# root, or with kernel.perf_event_paranoid <= 1; otherwise in user space only).
here=ok
[ "$(id -u)" -ne 0 ] && [ "$(cat /proc/sys/kernel/perf_event_paranoid)" -gt 1 ] && here='only as :u \(EACCES\)'
expect_exit 0 "$TARE" events task
printf '%s\n' "$out" | grep -Eq "^task-clock +perf/software +$here " || fail "task-clock is not '$here' here:
$out"
# A glob, matched regardless of case.
expect_exit 0 "$TARE" events 'TASK-*'
contains '^task-clock '

# cycles is always listed; where it does not open, the row says why.
expect_exit 0 "$TARE" events cycles
row=$(printf '%s\n' "$out" | grep -E '^cycles +perf/hardware ') || fail "cycles is not listed:
$out"
if ! printf '%s\n' "$row" | grep -Eq ' ok '; then
	printf '%s\n' "$row" | grep -Eq '(no hardware PMU|permission denied|only as :u|not supported here) \(E[A-Z]+\)' ||
		fail "cycles neither opens nor says why: $row"
	# and a machine without a PMU says so once, under the table
	if printf '%s\n' "$row" | grep -q 'no hardware PMU'; then
		contains "no hardware PMU for it"
	fi
fi

# --all adds the PMUs libpfm4 knows but this machine does not have.
expect_exit 0 "$TARE" events --all
contains "not on this machine"

# Usage errors: one line, exit 2.  Nothing matching: exit 1, one line.
expect_exit 2 "$TARE" events --bogus
one_line; contains "unknown option '--bogus'"
expect_exit 2 "$TARE" events -x
one_line
expect_exit 2 "$TARE" events task cycles
one_line; contains "one PATTERN at most"
expect_exit 1 "$TARE" events no-such-event-anywhere
one_line; contains "no event matches 'no-such-event-anywhere'"
exit 0
