# tare sample's errors: one line each, and an exit code a script can branch on.
#   a PID that does not exist       2
#   a command that cannot be found  127 (126: found but cannot be run), as env(1) and the shell
#   bad usage                       2
#   a hardware event with no PMU    3 (only checked where the machine has none)
. "$ROOT/tests/lib.sh"
"$TARE" sample --help >/dev/null 2>&1 || skip "tare sample is not wired into harness/main.c yet"
cd "$T"
# a PID that surely existed and is gone
sh -c 'exit 0' & gone=$!
wait $gone
expect_exit 2 "$TARE" sample -p "$gone" -o p.pb.gz
one_line; contains "^tare sample: pid $gone: no such process$"
expect_exit 127 "$TARE" sample -o p.pb.gz -- tare-no-such-command --flag
one_line; contains "^tare sample: cannot run 'tare-no-such-command': No such file or directory$"
printf 'not a program\n' > notexec
chmod 644 notexec
expect_exit 126 "$TARE" sample -o p.pb.gz -- ./notexec
one_line; contains "cannot run './notexec': Permission denied"
expect_exit 2 "$TARE" sample -o p.pb.gz
one_line; contains "one of -p PID, -a, or a command"
expect_exit 2 "$TARE" sample -F 99 -c 1000 -- true
one_line; contains "-F and -c"
expect_exit 2 "$TARE" sample -e no-such-event -- true
one_line; contains "unknown event"
expect_exit 2 "$TARE" sample -o /nonexistent-dir/p.pb.gz -- true
one_line; contains "cannot write /nonexistent-dir/p.pb.gz"
[ ! -e p.pb.gz ] || fail "a profile was written by a run that never started"
# cycles: a PMU where there is one; this VM has none, and says so
out=$("$TARE" sample -e cycles -o c.pb.gz -- true 2>&1); rc=$?
if [ "$rc" -ne 0 ]; then
	[ "$rc" -eq 3 ] || fail "-e cycles exited $rc, want 3: $out"
	one_line; contains "perf_event_open(cycles): no hardware PMU here"
fi
exit 0
