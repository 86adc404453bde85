# tare export --push, round trip: Debian's prometheus-pushgateway and prometheus on free loopback
# ports (no persistence file, a TSDB in $T), Prometheus scraping the gateway every second with
# honor_labels, so the series keep the group's job="tare" and instance=<host>:
#   - a real run's export is pushed; Prometheus' /api/v1/query returns
#     tare_cpu_overhead_ratio{experiment="export"} equal to results.json's cpu_total / 100, and its
#     bounds and the verdict likewise;
#   - the same OpenMetrics file (-o, with # UNIT and # EOF) served as
#     application/openmetrics-text and scraped by Prometheus' own OpenMetrics parser gives the
#     same value;
#   - a push the gateway rejects (a metric another group pushed as a counter) is one line with
#     the gateway's reason, exit 1.
# Bounded: the query is polled for 20 s at most; the whole case takes about 10 s.
. "$ROOT/tests/lib.sh"
need_root
command -v python3 >/dev/null || skip "python3 is not installed: apt-get install python3"
PGW=/usr/bin/prometheus-pushgateway
PROM=/usr/bin/prometheus
[ -x "$PGW" ] && [ -x "$PROM" ] || skip "prometheus or prometheus-pushgateway is not installed: apt-get install prometheus prometheus-pushgateway"
cd "$T"

cat > exp.lua <<'LUA'
experiment { name = "export", workload = { "cpu" }, profilers = { "off", { "inject", pct = 5 } },
  blocks = 6, warmup = 0.05, duration = 0.15, budget = { cpu = "50%" } }
LUA
"$TARE" run exp.lua -q --no-report -o runs >run.out 2>&1 || fail "run: $(cat run.out)"
R=$(ls -d runs/*-export)
"$TARE" export "$R" -o m.prom || fail "export -o"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
gport=$(free_port); pport=$(free_port); fport=$(free_port)
# The OpenMetrics file as an exporter would serve it.
cat > serve.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = open("m.prom", "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
cat > prometheus.yml <<YML
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [ { targets: [ "127.0.0.1:$gport" ] } ]
  - job_name: file
    static_configs: [ { targets: [ "127.0.0.1:$fport" ] } ]
YML
# Debian builds the gateway with --persistence.file=/var/lib/prometheus/pushgateway.data: an
# empty one keeps this gateway in memory, neither reading nor writing the system's.
"$PGW" --web.listen-address="127.0.0.1:$gport" --persistence.file= >pgw.log 2>&1 &
gpid=$!
python3 serve.py "$fport" >serve.log 2>&1 &
spid=$!
"$PROM" --config.file=prometheus.yml --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$pport" \
	>prom.log 2>&1 &
ppid=$!
trap 'kill $gpid $spid $ppid 2>/dev/null; wait $gpid $spid $ppid 2>/dev/null' EXIT

# The gateway answers at once; wait for it (a push before it listens would fail the case).
for i in $(seq 1 100); do
	python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$gport/-/ready', timeout=1)" 2>/dev/null && break
	sleep 0.1
done
expect_exit 0 "$TARE" export "$R" --push "http://127.0.0.1:$gport" --timeout 5
[ -z "$out" ] || fail "--push printed: $out"

# query EXPR: Prometheus' instant answer as "labels value" lines, polled until it has one
# (Prometheus starts, then scrapes every second), 20 s at most.
cat > query.py <<'PY'
import json, sys, time, urllib.parse, urllib.request
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1], urllib.parse.quote(sys.argv[2]))
deadline = time.time() + 20
while True:
    try:
        d = json.load(urllib.request.urlopen(url, timeout=2))
        if d["status"] == "success" and d["data"]["result"]:
            for r in d["data"]["result"]:
                print(json.dumps(r["metric"], sort_keys=True), r["value"][1])
            break
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit("no answer to %s in 20 s" % sys.argv[2])
    time.sleep(0.25)
PY
host=$(json "$R/results.json" "d['environment']['hostname']")
want() { json "$R/results.json" "repr($1)"; }
close() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(abs(a-b) > 1e-9*max(1,abs(a),abs(b)))" "$1" "$2"; }
arm="d['summary']['arms'][1]['overhead']['cpu_total']"

ans=$(python3 query.py "$pport" 'tare_cpu_overhead_ratio{job="tare",experiment="export"}') || fail "$ans; prometheus: $(tail -n 5 prom.log)"
[ "$(printf '%s\n' "$ans" | wc -l)" -eq 1 ] || fail "want one series: $ans"
printf '%s\n' "$ans" | grep -q "\"instance\": \"$host\"" || fail "instance is not $host: $ans"
printf '%s\n' "$ans" | grep -q '"configuration": "inject pct=5"' || fail "configuration: $ans"
close "${ans##* }" "$(want "$arm['estimate'] / 100")" || fail "Prometheus has ${ans##* }, results.json $(want "$arm['estimate'] / 100")"
for b in lower:lo upper:hi; do
	ans=$(python3 query.py "$pport" "tare_cpu_overhead_${b%%:*}_ratio{job=\"tare\"}") || fail "$ans"
	close "${ans##* }" "$(want "$arm['${b##*:}'] / 100")" || fail "${b%%:*}: ${ans##* }, results.json $(want "$arm['${b##*:}'] / 100")"
done
v=$(json "$R/results.json" "d['verdicts']['verdicts'][0]['verdict'].lower()")
ans=$(python3 query.py "$pport" "tare_verdict{job=\"tare\",verdict=\"$v\"} == 1") || fail "verdict $v: $ans"

# The OpenMetrics file through Prometheus' OpenMetrics parser: the same figure.
ans=$(python3 query.py "$pport" 'tare_cpu_overhead_ratio{job="file"}') || fail "$ans; prometheus: $(tail -n 5 prom.log)"
close "${ans##* }" "$(want "$arm['estimate'] / 100")" || fail "OpenMetrics scrape: ${ans##* }"
python3 query.py "$pport" 'up{job="file"} == 1' >/dev/null || fail "the OpenMetrics scrape failed: $(tail -n 5 prom.log)"

# A push the gateway rejects (tare's group deleted, tare_blocks pushed by another group as a
# counter): the gateway's reason, on one line.
python3 - "$gport" "$host" <<'PY'
import sys, urllib.request
base = "http://127.0.0.1:%s/metrics/job/" % sys.argv[1]
for url, method, data in ((base + "tare/experiment/export/instance/" + sys.argv[2], "DELETE", None),
                          (base + "other", "PUT", b"# TYPE tare_blocks counter\ntare_blocks 3\n")):
    urllib.request.urlopen(urllib.request.Request(url, method=method, data=data), timeout=5)
PY
expect_exit 1 "$TARE" export "$R" --push "http://127.0.0.1:$gport" --timeout 5
one_line; contains "HTTP 400 Bad Request: pushed metrics are invalid or inconsistent"
exit 0
