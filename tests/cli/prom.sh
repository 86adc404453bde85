# harness/prom.c against a real exporter: Debian's prometheus-redis-exporter beside a
# redis-server, both on free loopback ports (build/tests/prom-read):
#   - N commands sent move redis_commands_total{cmd="incr"} by exactly N, and
#     redis_commands_processed_total by N plus the exporter's own few (INFO and the like);
#   - the sum over every cmd label is at least N;
#   - a missing metric is named, a gauge asked as a counter and a summary asked as a histogram
#     say what they are, a port with nothing listening is "connection refused": one line, exit 1.
. "$ROOT/tests/lib.sh"
P=$BUILD/tests/prom-read
[ -x "$P" ] || fail "$P is missing: make test builds it (TEST_TOOLS)"
command -v redis-server >/dev/null || skip "redis-server is not installed: apt-get install redis-server"
command -v redis-cli >/dev/null || skip "redis-cli is not installed: apt-get install redis-tools"
EXPORTER=/usr/bin/prometheus-redis-exporter
[ -x "$EXPORTER" ] || skip "prometheus-redis-exporter is not installed: apt-get install prometheus-redis-exporter"
command -v python3 >/dev/null || skip "python3 is not installed: apt-get install python3"
cd "$T"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port)
eport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >redis.log 2>&1 &
rpid=$!
"$EXPORTER" -redis.addr "redis://127.0.0.1:$rport" -web.listen-address "127.0.0.1:$eport" >exporter.log 2>&1 &
epid=$!
trap 'kill $epid $rpid 2>/dev/null; wait $epid $rpid 2>/dev/null' EXIT
U=http://127.0.0.1:$eport/metrics
for i in $(seq 1 100); do
	redis-cli -p "$rport" ping >/dev/null 2>&1 && "$P" "$U" redis_commands_processed_total >/dev/null 2>&1 && break
	sleep 0.05
done
expect_exit 0 "$P" "$U" redis_commands_processed_total
# the exporter's own first commands show in the second scrape: read once more before counting
expect_exit 0 "$P" "$U" redis_commands_total

N=300
p0=$("$P" "$U" redis_commands_processed_total) || fail "scrape: $p0"
c0=$("$P" "$U" redis_commands_total) || fail "scrape: $c0"
i0=$("$P" "$U" 'redis_commands_total{cmd="incr"}' 2>/dev/null) || i0=0  # none yet: no series
redis-cli -p "$rport" -r "$N" incr tare_counter >/dev/null || fail "redis-cli -r $N incr failed"
p1=$("$P" "$U" redis_commands_processed_total) || fail "scrape: $p1"
c1=$("$P" "$U" redis_commands_total) || fail "scrape: $c1"
i1=$("$P" "$U" 'redis_commands_total{cmd="incr"}') || fail "scrape: $i1"

[ $((i1 - i0)) -eq "$N" ] || fail "incr counted $i0 -> $i1, want +$N"
dp=$((p1 - p0))
# the exporter's own commands between the scrapes (INFO, CONFIG GET, ... per scrape): a few dozen
[ "$dp" -ge "$N" ] && [ "$dp" -le $((N + 60)) ] ||
	fail "redis_commands_processed_total went $p0 -> $p1 (+$dp), want +$N..+$((N + 60))"
[ $((c1 - c0)) -ge "$N" ] || fail "redis_commands_total summed over cmd went $c0 -> $c1, want >= +$N"

expect_exit 1 "$P" "$U" redis_no_such_metric_total
one_line; contains "no series named redis_no_such_metric_total"
expect_exit 1 "$P" "$U" redis_connected_clients
one_line; contains "redis_connected_clients is a gauge, not a counter"
expect_exit 1 "$P" "$U" 'redis_commands_total{cmd="no-such-command"}'
one_line; contains 'no series of redis_commands_total has {cmd="no-such-command"}'
expect_exit 1 "$P" "$U" 'redis_commands_total{cmd!="get"}'
one_line; contains "only equality matchers"
expect_exit 1 "$P" "$U" redis_latency_percentiles_usec quantile 0.99
one_line; contains "redis_latency_percentiles_usec is a summary, not a histogram"

nothing=$(free_port)
expect_exit 1 "$P" "http://127.0.0.1:$nothing/metrics" redis_commands_processed_total
one_line; contains "http://127.0.0.1:$nothing/metrics: connection refused"
exit 0
