# In place with the service's own metrics (tare canary --metrics URL --units COUNTER):
#   - Debian's redis-server beside Debian's prometheus-redis-exporter, loaded by a load
#     generator tare did not start (replay run by hand at 1000 commands/s): every window's
#     units come from redis_commands_processed_total, near 1000/s (+ the exporter's own);
#   - an endpoint that is down, that never answers, whose metric is missing or is a gauge: one
#     line, exit 2, before any window;
#   - an endpoint that fails one scrape in seven mid-run: those windows' pairs are dropped and
#     counted (windows_dropped, a warning), the rest measured;
#   - a latency histogram there too few observations a window for a p99: merged over pairs.
. "$ROOT/tests/lib.sh"
need_root
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
py=$(python3 -c 'import sys; print(sys.executable)')
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; wait; true' EXIT

# a small exporter of its own: a counter that grows 100 per second; when flaky, every 7th scrape
# fails with HTTP 500 (two scrapes a window: some pairs lose one, others none)
cat > exporter.py <<'PY'
import http.server, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
t0, n = time.monotonic(), [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        n[0] += 1
        if mode == "silent":
            time.sleep(60)
        if mode == "flaky" and n[0] % 7 == 0:
            self.send_response(500); self.send_header("Content-Length", "0"); self.end_headers(); return
        el = time.monotonic() - t0
        # 1200 observations a second: half within 1 ms, 90% within 5 ms, all within 10 ms
        obs = int(1200 * el)
        hist = "".join('job_seconds_bucket{le="%s"} %d\n' % (le, int(obs * f)) for le, f in (("0.001", 0.5), ("0.005", 0.9), ("0.01", 1), ("+Inf", 1)))
        body = ("# TYPE jobs_total counter\njobs_total{kind=\"a\"} %d\n# TYPE queue_depth gauge\nqueue_depth 3\n"
                "# TYPE job_seconds histogram\n%sjob_seconds_count %d\njob_seconds_sum %g\n"
                % (int(100 * el), hist, obs, 0.002 * obs)).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
PY
up() { for i in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $1))" 2>/dev/null && return; sleep 0.05; done; fail "port $1 never opened"; }
eport=$(freeport); "$py" exporter.py "$eport" ok & epid=$!; pids="$pids $epid"; up "$eport"
sport=$(freeport); "$py" exporter.py "$sport" silent & s=$!; pids="$pids $s"; up "$sport"
fport=$(freeport); "$py" exporter.py "$fport" flaky & fpid=$!; pids="$pids $fpid"; up "$fport"
dead=$(freeport)

expect_exit 2 "$TARE" canary --pid "$epid" --metrics "http://127.0.0.1:$dead/metrics" --units jobs_total
one_line; contains "connection refused"
expect_exit 2 "$TARE" canary --pid "$epid" --metrics "http://127.0.0.1:$sport/metrics" --units jobs_total
one_line; contains "no answer in 1 s"
expect_exit 2 "$TARE" canary --pid "$epid" --metrics "http://127.0.0.1:$eport/metrics" --units requests_total
one_line; contains "no series named requests_total"
expect_exit 2 "$TARE" canary --pid "$epid" --metrics "http://127.0.0.1:$eport/metrics" --units queue_depth
one_line; contains "queue_depth is a gauge, not a counter"
[ -d results ] && fail "a run that was refused left results: $(ls results)"

# mid-run: the flaky endpoint fails one scrape in seven; the service is the exporter itself
expect_exit 0 "$TARE" canary --pid "$fpid" --metrics "http://127.0.0.1:$fport/metrics" --units 'jobs_total{kind="a"}' \
	--unit job --blocks 2 --duration 2 --window 0.25 --warmup 0.2 --no-report -o flaky
contains "window pairs dropped"
f=$(ls flaky/*-inplace/results.json)
[ "$(json "$f" 'sum(t["windows_dropped"] for t in d["trials"]) > 0 and all(t["state"] == "ok" and len(t["windows"]) > 0 for t in d["trials"])')" = True ] ||
	fail "flaky endpoint: $(json "$f" '[(t["state"], t["error"], t["windows_dropped"], len(t["windows"])) for t in d["trials"]]')"
# the windows kept count the counter's increase: about 100 jobs a second
[ "$(json "$f" 'all(60 < w["units"] / w["wall_s"] < 140 for t in d["trials"] for w in t["windows"])')" = True ] ||
	fail "units per second of the windows: $(json "$f" '[w["units"] / w["wall_s"] for t in d["trials"] for w in t["windows"]]')"

# latency from the endpoint's histogram (1200 observations a second, 300 a 0.25 s window): each
# arm's increases merged over 4 pairs (fewer if slow scrapes stretched the windows) for the 1000
# a p99 needs, interpolated as PromQL does: the 99th percentile is 9.5 ms (0.005 + (0.99 - 0.9) /
# 0.1 x 0.005 s)
expect_exit 0 "$TARE" canary --pid "$epid" --metrics "http://127.0.0.1:$eport/metrics" --units jobs_total \
	--latency job_seconds --unit job --blocks 2 --duration 2 --window 0.25 --warmup 0.2 --no-report -o lat
f=$(ls lat/*-inplace/results.json)
[ "$(json "$f" 'all(len(t["windows"]) == 8 and 2 <= t["windows"][0]["latency_pairs"] <= 4 and all(9300 < w["p99_us"] < 9700 and 900 < w["p50_us"] < 1100 for w in t["windows"][:2]) and all(w["p99_us"] is None for w in t["windows"] if not w["latency_pairs"]) for t in d["trials"])')" = True ] ||
	fail "merged histogram latency: $(json "$f" '[(w["latency_pairs"], w["p50_us"], w["p99_us"]) for t in d["trials"] for w in t["windows"]]')"

# a real exporter beside a real redis, under a load tare did not start
command -v redis-server >/dev/null || skip "redis-server is not installed: apt-get install redis-server"
EXPORTER=/usr/bin/prometheus-redis-exporter
[ -x "$EXPORTER" ] || skip "prometheus-redis-exporter is not installed: apt-get install prometheus-redis-exporter"
rport=$(freeport); xport=$(freeport)
redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >redis.log 2>&1 & rpid=$!
pids="$pids $rpid"
up "$rport"
"$EXPORTER" -redis.addr "redis://127.0.0.1:$rport" -web.listen-address "127.0.0.1:$xport" >exporter.log 2>&1 & xpid=$!
pids="$pids $xpid"
up "$xport"
"$BUILD/workloads/replay" --port "$rport" --redis --rate 1000 --duration 120 >load.out 2>&1 & lpid=$!
pids="$pids $lpid"
expect_exit 0 "$TARE" canary --pid "$rpid" --metrics "http://127.0.0.1:$xport/metrics" --units redis_commands_processed_total \
	--unit command --hz 999 --blocks 2 --duration 2 --window 0.25 --warmup 0.2 --no-report -o redis
kill "$lpid"
f=$(ls redis/*-inplace/results.json)
[ "$(json "$f" 'all(t["state"] == "ok" and t["unit"] == "command" and t["windows_dropped"] == 0 and t["profile_samples"] > 0 for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["state"], t["error"], t["unit"], t["windows_dropped"], t["profile_samples"]) for t in d["trials"]]')"
# 1000 commands a second from the load, and the exporter's own few per scrape (two per window)
[ "$(json "$f" 'all(850 < w["units"] / w["wall_s"] < 1250 for t in d["trials"] for w in t["windows"])')" = True ] ||
	fail "commands per second of the windows: $(json "$f" '[round(w["units"] / w["wall_s"]) for t in d["trials"] for w in t["windows"]]')"
kill -0 "$rpid" || fail "redis-server is gone"
exit 0
