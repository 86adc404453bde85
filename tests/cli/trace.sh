# tare trace: generate, check, import; every shipped trace is valid and is exactly what its
# recorded command line makes; a bad trace is one line naming FILE:LINE and exit 2, from
# `tare trace check` and from replay alike.
. "$ROOT/tests/lib.sh"
cd "$T"
if "$TARE" trace --help 2>&1 | grep -q "unknown command 'trace'"; then
	skip "this tare has no 'trace' command yet: wire trace_main into harness/main.c"
fi

expect_exit 0 "$TARE" trace gen poisson --rate 500 --duration 4 --seed 3 -o p.trace
expect_exit 0 "$TARE" trace check p.trace
contains "p.trace: ok, "; contains " requests over 4 s"
python3 - p.trace <<'PY' || fail "p.trace: the mean rate is not 500/s +-10%"
import sys
n = sum(1 for l in open(sys.argv[1]) if l.strip() and not l.startswith("#"))
sys.exit(0 if abs(n / 4 / 500 - 1) < 0.1 else 1)
PY
# Same seed, same bytes (stdout or -o); and the header's command line makes the file again.
"$TARE" trace gen poisson --rate 500 --duration 4 --seed 3 > p2.trace && cmp -s p.trace p2.trace ||
	fail "the same seed gave two different traces"
"$TARE" trace gen poisson --rate 500 --duration 4 --seed 4 > p4.trace && ! cmp -s p.trace p4.trace ||
	fail "seeds 3 and 4 gave the same trace"
expect_exit 0 "$TARE" trace gen bursty --rate 100 --burst-rate 1000 --burst-len 0.1 --burst-every 1 --duration 3 -o b.trace
expect_exit 0 "$TARE" trace gen diurnal --min-rate 10 --max-rate 200 --period 2 --duration 4 --work-dist exp -o d.trace
for f in b.trace d.trace "$ROOT"/workloads/traces/*.trace; do
	expect_exit 0 "$TARE" trace check "$f"
	cmd=$(sed -n 's/^# generator: tare //p' "$f")
	case "$cmd" in
	"trace gen "*)
		# shellcheck disable=SC2086  # the recorded line is a plain word list
		"$TARE" $cmd > regen.trace && cmp -s "$f" regen.trace || fail "$f: '$cmd' does not make it again" ;;
	"trace import "*)
		(cd "$(dirname "$f")" && "$TARE" $cmd) > regen.trace 2>/dev/null && cmp -s "$f" regen.trace ||
			fail "$f: '$cmd' does not make it again" ;;
	*) fail "$f: no '# generator: tare trace ...' line" ;;
	esac
done

# Bad traces: one line, FILE:LINE, exit 2.
printf '# tare-trace 1\n0.1 a 1 1\n0.05 a 1 1\n' > decreasing.trace
expect_exit 2 "$TARE" trace check decreasing.trace
one_line; contains "decreasing.trace:3: arrival offset 0.05 s is before the previous"
printf '# tare-trace 1\n0.1 a 1\n' > columns.trace
expect_exit 2 "$TARE" trace check columns.trace
one_line; contains "columns.trace:2: 3 columns, want 4"
printf '# tare-trace 1\n0.1 a 99999999999 1\n' > huge.trace
expect_exit 2 "$TARE" trace check huge.trace
one_line; contains "huge.trace:2: work_us 99999999999 is above the maximum"
: > empty.trace
expect_exit 2 "$TARE" trace check empty.trace
one_line; contains "empty.trace: empty file"
expect_exit 2 "$TARE" trace check missing.trace
one_line; contains "missing.trace: cannot open"
expect_exit 2 "$BUILD/workloads/replay" --port 1 --trace decreasing.trace
one_line; contains "replay: decreasing.trace:3:"

# Bad usage: one line, exit 2.
expect_exit 2 "$TARE" trace gen
one_line; contains "which shape"
expect_exit 2 "$TARE" trace gen poisson --rate 10
one_line; contains "poisson needs --duration"
expect_exit 2 "$TARE" trace gen poisson --rate fast --duration 1
one_line; contains "--rate 'fast'"
expect_exit 2 "$TARE" trace gen diurnal --min-rate 5 --max-rate 1 --period 1 --duration 1
one_line; contains "min-rate"
expect_exit 2 "$TARE" trace frob
one_line; contains "unknown command 'frob'"

# Import: bad lines are skipped and counted (a one-line summary), or fatal with --strict.
cat > access.log <<'LOG'
203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] "GET /a HTTP/1.1" 200 512 "-" "curl/8.0" 0.012
not a log line
203.0.113.7 - - [10/Oct/2023:13:55:37 +0000] "POST /b HTTP/1.1" 201 64 "-" "curl/8.0" 0.030
LOG
"$TARE" trace import access.log -o imported.trace 2> import.err || fail "import failed: $(cat import.err)"
[ "$(wc -l < import.err)" -eq 1 ] && grep -q "1 of 3 lines skipped (first: line 2:" import.err ||
	fail "import summary: $(cat import.err)"
expect_exit 0 "$TARE" trace check imported.trace
contains "2 requests over 2 s"; contains "GET 1 (50.0%), POST 1 (50.0%)"
expect_exit 2 "$TARE" trace import --strict access.log
one_line; contains "access.log:2:"; contains "without --strict"
expect_exit 2 "$TARE" trace import --format apache access.log
one_line; contains "no usable line"
exit 0
