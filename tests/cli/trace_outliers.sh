# tare trace import: a line with an impossible date (31/Feb) is skipped as malformed, lines dated
# far from the rest of the log (1970, 2999) are skipped as outliers, both counted in the one-line
# summary, and the rest imports; a genuinely long log still fails on the span limit.
. "$ROOT/tests/lib.sh"
cd "$T"
if "$TARE" trace --help 2>&1 | grep -q "unknown command 'trace'"; then
	skip "this tare has no 'trace' command yet: wire trace_main into harness/main.c"
fi

line() { printf '203.0.113.7 - - [%s +0000] "%s /x HTTP/1.1" 200 512 "-" "curl/8.0" 0.012\n' "$1" "$2"; }
{
	line 12/Mar/2026:10:00:00 GET
	line 12/Mar/2026:10:00:01 GET
	line 12/Mar/2026:10:00:01 POST
	line 01/Jan/1970:00:00:07 GET		# line 4: outlying
	line 12/Mar/2026:10:00:02 GET
	line 31/Feb/2026:10:00:02 GET		# line 6: no such date
	line 12/Mar/2026:10:00:03 GET
	line 12/Mar/2999:10:00:03 PUT		# line 8: outlying
	line 12/Mar/2026:10:00:04 GET
	line 12/Mar/2026:10:00:05 GET
} > outliers.log
"$TARE" trace import outliers.log -o outliers.trace 2> import.err || fail "import failed: $(cat import.err)"
[ "$(wc -l < import.err)" -eq 1 ] || fail "want a one-line summary, got: $(cat import.err)"
grep -q "7 requests; 1 of 10 lines skipped (first: line 6: the \[time\] field has an impossible date" import.err ||
	fail "31/Feb not counted as a malformed line: $(cat import.err)"
grep -q "2 lines skipped for outlying dates, .*(first: line 4)" import.err ||
	fail "1970 and 2999 not counted as outlying: $(cat import.err)"
expect_exit 0 "$TARE" trace check outliers.trace
contains "7 requests over 6 s"; contains "GET 6 (85.7%), POST 1 (14.3%)"
grep -q "^# source: .*1 bad lines skipped, 2 with outlying dates skipped" outliers.trace ||
	fail "the trace's header does not count the outliers: $(grep '^# source' outliers.trace)"
expect_exit 2 "$TARE" trace import --strict outliers.log
one_line; contains "outliers.log:6:"
grep -v 31/Feb outliers.log > dated.log
expect_exit 2 "$TARE" trace import --strict dated.log
one_line; contains "dated.log:4: dated 1970-01-01 00:00:07 UTC,"; contains "without --strict"

# A genuine long log (one request a day for 14 days, no gap longer than the span limit) loses
# no line to the outlier rule: it still fails on the span limit.
for d in 01 02 03 04 05 06 07 08 09 10 11 12 13 14; do line "$d/Mar/2026:10:00:00" GET; done > long.log
expect_exit 2 "$TARE" trace import long.log
one_line; contains "spans more than 1000000 s"
exit 0
