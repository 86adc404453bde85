# tare export on a real run (the cpu workload, off and inject pct=5, 6 blocks: enough for a 95%
# interval) with a budget and a configuration label that needs escaping:
#   - the text parses by the exposition rules (tests/export_check.py) and every figure equals
#     results.json's: CPU overhead as a ratio with its bounds, memory, blocks, the verdict as a
#     state set, the run's time, the host; promtool check metrics accepts it when installed;
#   - a run whose interval is missing (2 blocks left) has its bounds left out, not NaN;
#   - -o writes atomically, --push to a port with nothing listening is one line and exit 1,
#     bad arguments are one line and exit 2.
# The Pushgateway and Prometheus round trip is tests/cli/export_push.sh.
. "$ROOT/tests/lib.sh"
need_root
command -v python3 >/dev/null || skip "python3 is not installed: apt-get install python3"
cd "$T"
CHECK="python3 $ROOT/tests/export_check.py"

cat > exp.lua <<'LUA'
experiment { name = "export", workload = { "cpu" },
  profilers = { "off", { "inject", pct = 5, label = 'inject "5%" \\ x' } },
  blocks = 6, warmup = 0.05, duration = 0.15, budget = { cpu = "50%" } }
LUA
"$TARE" run exp.lua -q --no-report -o runs >run.out 2>&1 || fail "run: $(cat run.out)"
R=$(ls -d runs/*-export)

expect_exit 0 "$TARE" export "$R/" -o m.prom
[ -f m.prom ] && [ -z "$(ls m.prom.tmp.* 2>/dev/null)" ] || fail "-o did not leave m.prom (alone)"
[ -z "$out" ] || fail "-o FILE printed: $out"
$CHECK "$R/results.json" m.prom || fail "$(cat m.prom)"
grep -q '^tare_cpu_overhead_lower_ratio{' m.prom || fail "no interval from 6 blocks: $(cat m.prom)"
grep -q 'configuration="inject \\"5%\\" \\\\ x pct=5"' m.prom || fail "label not escaped: $(cat m.prom)"
[ "$(tail -n 1 m.prom)" = "# EOF" ] || fail "does not end in # EOF"
# The same text on stdout, from results.json named directly, and with --openmetrics.
"$TARE" export --openmetrics "$R/results.json" >stdout.prom || fail "export to stdout"
cmp -s m.prom stdout.prom || fail "stdout differs from -o: $(diff m.prom stdout.prom)"
if command -v promtool >/dev/null; then
	promtool check metrics <m.prom >promtool.out 2>&1 || fail "promtool: $(cat promtool.out)"
fi

# No interval at 95% from 2 blocks: the bounds are left out, the estimates stay.
mkdir -p short && python3 - "$R/results.json" short/results.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['trials'] = [t for t in d['trials'] if t['block'] < 2]
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_exit 0 "$TARE" export short
printf '%s\n' "$out" >short.prom
grep -q '^tare_cpu_overhead_ratio{' short.prom || fail "no estimate from 2 blocks: $out"
! grep -q '_lower_\|_upper_\|NaN' short.prom || fail "bounds without an interval: $out"
printf '%s\n' "$out" | promtool check metrics >/dev/null 2>&1 || ! command -v promtool >/dev/null ||
	fail "promtool rejects the short export"

# Push to a port with nothing listening: one line naming the URL, exit 1 (nothing was sent;
# the results are fine, so not 2; nothing is measured, so not 3).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_exit 1 "$TARE" export "$R" --push "http://127.0.0.1:$port" --timeout 2
one_line; contains "push: http://127.0.0.1:$port/metrics/job/tare/experiment/export/instance/.*: connection refused"

expect_exit 2 "$TARE" export
one_line; contains "which run"
expect_exit 2 "$TARE" export "$T/missing"
one_line; contains "no such results"
expect_exit 2 "$TARE" export "$R" --push ftp://x
one_line
expect_exit 2 "$TARE" export "$R" --timeout 0
one_line; contains "timeout"
expect_exit 0 "$TARE" export --help
contains "usage: tare export"
exit 0
