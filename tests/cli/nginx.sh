# A real service as the workload (workloads/nginx.lua): Debian's nginx started by tare on a free
# loopback port with a configuration generated into the trial's folder, loaded over HTTP/1.1 by
# tare's open-loop driver (replay --http).
#   - a switchback run of perf on nginx: every response a 2xx, counted as the units; {port} and
#     {dir} filled in the generated nginx.conf; perf's samples include nginx's forked worker;
#   - a service that never answers on its port fails the trial with one clear reason;
#   - a service that answers every request with 404 makes the run say UNRELIABLE;
#   - the driver against misbehaving HTTP servers: responses without a length are malformed
#     (counted, the connection reopened), "Connection: close" is followed without an error,
#     a server that stalls times requests out.
. "$ROOT/tests/lib.sh"
need_root
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || skip "nginx is not installed: apt-get install nginx-light"
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
cat > ngx.lua <<'LUA'
experiment { name = "ngx", workload = { "nginx", rate = 1000 }, profilers = { "off", { "perf", hz = 999 } },
  design = "switchback", blocks = 2, warmup = 0.2, duration = 1, window = 0.25 }
LUA
expect_exit 0 "$TARE" run ngx.lua --no-report
f=$(ls results/*-ngx/results.json)
for d in results/*-ngx/trials/*/; do
	last=$(tail -n 1 "$d/driver.out")
	python3 - "$last" <<'PY' || fail "driver of $d: $last"
import json, sys
d = json.loads(sys.argv[1])
assert d["requests"] > 100 and d["errors"] == 0 and d["bad_replies"] == 0, d
assert d["http_2xx"] == d["requests"], d
PY
	grep -q '{' "$d/nginx.conf" || fail "nginx.conf lacks its blocks: $(cat "$d/nginx.conf")"
	if grep -qE '\{(port|dir|pid)\}' "$d/nginx.conf"; then fail "a template left unfilled in $d/nginx.conf"; fi
	grep -q "listen 127.0.0.1:[0-9][0-9]*;" "$d/nginx.conf" || fail "no port in $d/nginx.conf"
done
[ "$(json "$f" 'all(t["state"] == "ok" and t["unit"] == "requests" and t["units"] > 0 for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["state"], t["error"]) for t in d["trials"]]')"
# perf attached to the gated master follows the worker it forks: samples of another nginx PID
d=$(ls -d results/*-ngx/trials/002-*/ 2>/dev/null || ls -d results/*-ngx/trials/001-*/)
# the master is the process perf was attached to (its -p); nginx removes its pid file on exit
master=$(perf report -i "$d/perf.data" --header-only 2>/dev/null | sed -n 's/^# cmdline :.* -p \([0-9][0-9]*\) .*/\1/p')
[ -n "$master" ] || fail "no -p PID in perf.data's command line"
workers=$(perf script -i "$d/perf.data" -F comm,pid 2>/dev/null | awk -v m="$master" '$1 == "nginx" && $2 != m {print $2}' | sort -u)
[ -n "$workers" ] || fail "perf recorded no sample of an nginx worker (master $master)"

# a service that never answers on its port: one reason, the run fails
cat > deaf.lua <<'LUA'
return { description = "listens nowhere", unit = "requests",
  command = function(o, t) return { "sleep", "30" } end,
  ready = { port = "{port}", timeout = 1 },
  driver = function(o, t) return { tare.build .. "/workloads/replay", "--port", t.port, "--http", "/", "--rate", 10 } end }
LUA
cat > deaf-run.lua <<'LUA'
experiment { name = "deaf", workload = { "deaf.lua" }, profilers = { "off" }, blocks = 1, duration = 0.5 }
LUA
expect_exit 1 "$TARE" run deaf-run.lua --no-report
contains "workload not ready after 1 s"

# a service that answers 404 to every request: the run says its figures are unreliable
cat > e404.lua <<'LUA'
return { description = "python3's http.server, asked for a missing file", unit = "requests",
  command = function(o, t) return { "python3", "-m", "http.server", t.port, "--bind", "127.0.0.1", "--directory", t.dir } end,
  ready = { port = "{port}", timeout = 10 },
  driver = function(o, t) return { tare.build .. "/workloads/replay", "--port", t.port, "--http", "/missing", "--rate", 50,
                                   "--latency", t.dir .. "/latency" } end }
LUA
cat > e404-run.lua <<'LUA'
experiment { name = "e404", workload = { "e404.lua" }, profilers = { "off", { "inject", mode = "sidecar", pct = 1 } },
  blocks = 1, warmup = 0.2, duration = 1 }
LUA
expect_exit 0 "$TARE" run e404-run.lua --no-report
contains "UNRELIABLE: off: [0-9][0-9]* requests failed in measured windows, against [0-9][0-9]* answered"

# the driver against misbehaving servers (python3's socket server, each a few lines)
serve() {   # serve KIND: a server on a free port, its port in $T/port.KIND
	python3 - "$1" "$T/port.$1" <<'PY' &
import socket, sys, threading, time
kind, portfile = sys.argv[1], sys.argv[2]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64)
open(portfile + ".tmp", "w").write(str(s.getsockname()[1])); __import__("os").rename(portfile + ".tmp", portfile)
def conn(c):
    buf = b""
    while True:
        try:
            data = c.recv(4096)
        except OSError:
            return
        if not data:
            return
        buf += data
        while b"\r\n\r\n" in buf:
            buf = buf.split(b"\r\n\r\n", 1)[1]
            if kind == "nolength":
                c.sendall(b"HTTP/1.1 200 OK\r\n\r\nhello")
            elif kind == "close":
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"); c.close(); return
            elif kind == "stall":
                time.sleep(30); return
s.settimeout(20)
try:
    while True:
        c, _ = s.accept(); threading.Thread(target=conn, args=(c,), daemon=True).start()
except OSError:
    pass
PY
	spids="$spids $!"
	for i in $(seq 1 100); do [ -f "$T/port.$1" ] && break; sleep 0.05; done
}
spids=""
trap 'kill $spids 2>/dev/null; wait $spids 2>/dev/null' EXIT
for k in nolength close stall; do serve $k; done
drive() { "$BUILD/workloads/replay" --port "$(cat "$T/port.$1")" --http / --rate 200 --connections 4 --duration 1 --timeout 0.3 2>/dev/null | tail -n 1; }
out=$(drive nolength)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["requests"] == 0 and d["bad_replies"] > 0, d' "$out" ||
	fail "no Content-Length: $out"
out=$(drive close)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["requests"] > 100 and d["errors"] == 0 and d["http_2xx"] == d["requests"], d' "$out" ||
	fail "Connection: close: $out"
out=$(drive stall)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["requests"] == 0 and d["timeouts"] > 0, d' "$out" ||
	fail "a stalled server: $out"
exit 0
