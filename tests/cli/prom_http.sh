# harness/prom_http.c (prom.h's HTTP side) against a small Python server (build/tests/prom-read):
#   - a body in chunks (with a chunk extension and a trailer) as Go's net/http sends it, and one
#     with Content-Length: a counter's and a histogram's window between two scrapes (0.625 and
#     150, worked out in tests/unit/test_prom.c's test_quantile);
#   - a counter that goes down is reported (exit 4), not a negative window;
#   - HTTP 404, an answer cut short, a port with nothing listening: one line, exit 1;
#   - a server that accepts and never answers: "no answer in 1 s", within 2 s.
. "$ROOT/tests/lib.sh"
P=$BUILD/tests/prom-read
[ -x "$P" ] || fail "$P is missing: make test builds it (TEST_TOOLS)"
command -v python3 >/dev/null || skip "python3 is not installed: apt-get install python3"
cd "$T"

cat > srv.py <<'PY'
import os, socket, sys, threading, time
served = {}
def body_of(name):
    n = served.get(name, 0) + 1
    f = "%s.%d" % (name, n)
    if os.path.exists(f):
        served[name] = n
    else:
        f = "%s.%d" % (name, served.get(name, 1))
    return open(f, "rb").read()
def answer(c):
    req = b""
    while b"\r\n\r\n" not in req:
        b = c.recv(4096)
        if not b:
            return
        req += b
    path = req.split(b" ")[1].decode()
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
    if path == "/missing":
        c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found")
    elif path == "/cut":
        c.sendall(head + b"Content-Length: 1000\r\nConnection: close\r\n\r\nm 1\n")
    elif path.startswith("/cl/"):
        body = body_of(path[4:])
        c.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    else:
        body = body_of(path[1:])
        c.sendall(head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        for i in range(0, len(body), 37):
            part = body[i:i + 37]
            ext = b";x=1" if i % 2 else b""
            c.sendall(b"%x%s\r\n" % (len(part), ext) + part + b"\r\n")
            time.sleep(0.001)
        c.sendall(b"0\r\nX-Trailer: yes\r\n\r\n")
    c.close()
def serve(s, silent):
    held = []
    while True:
        c, _ = s.accept()
        if silent:
            held.append(c)  # accepted, never answered
        else:
            threading.Thread(target=answer, args=(c,), daemon=True).start()
ports = []
for silent in (False, True):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    ports.append(s.getsockname()[1])
    threading.Thread(target=serve, args=(s, silent), daemon=True).start()
open("ports.tmp", "w").write("%d %d\n" % tuple(ports))
os.rename("ports.tmp", "ports")
while True:
    time.sleep(60)
PY
python3 srv.py >srv.log 2>&1 &
spid=$!
trap 'kill $spid 2>/dev/null; wait $spid 2>/dev/null' EXIT
for i in $(seq 1 100); do [ -s ports ] && break; sleep 0.05; done
[ -s ports ] || fail "the test server did not start: $(cat srv.log)"
read port silent < ports

# A Go client histogram and a counter, before and after a window (the bucket counts of
# test_quantile: 10 30 40 20 in the window, so p50 = 0.625).
metrics() { # C0 C1 C2 CINF REQUESTS
	cat <<M
# HELP hreq_total Requests.
# TYPE hreq_total counter
hreq_total{code="200",path="/a\\\\b\"c\\n"} $5 1395066363000
hreq_total{code="500"} 0
# HELP lat_seconds Latency.
# TYPE lat_seconds histogram
lat_seconds_bucket{le="0.1"} $1
lat_seconds_bucket{le="0.5"} $2
lat_seconds_bucket{le="1"} $3
lat_seconds_bucket{le="+Inf"} $4
lat_seconds_sum 12.5
lat_seconds_count $4
M
}
metrics 5 5 10 10 100 > w.1
metrics 15 45 90 110 250 > w.2
cp w.1 cw.1; cp w.2 cw.2
cp w.2 r.1; cp w.1 r.2; cp w.2 rh.1; cp w.1 rh.2
cp w.2 q.1
cp w.2 cq.1

U=http://127.0.0.1:$port
# near WANT: $out is WANT within 1e-9.
near() { awk -v a="$out" -v b="$1" 'BEGIN { exit !(a - b < 1e-9 && b - a < 1e-9) }'; }
expect_exit 0 "$P" "$U/q" lat_seconds quantile 0.5
near 0.6111111111111 || fail "p50 since the start (rank 55 of 110: 10 of the 45 in (0.5, 1]): got $out"
expect_exit 0 "$P" -w 0.1 "$U/w" lat_seconds quantile 0.5
[ "$out" = "0.625" ] || fail "p50 of the window: got $out, want 0.625"
expect_exit 0 "$P" -w 0.1 "$U/cl/cw" lat_seconds quantile 0.9
[ "$out" = "1" ] || fail "p90 of the window, in +Inf: got $out, want 1 (the highest finite bound)"
expect_exit 0 "$P" -w 0.1 "$U/cl/cq" 'hreq_total{path="/a\\b\"c\n"}'
[ "$out" = "0" ] || fail "a counter that did not move: got $out"
expect_exit 0 "$P" "$U/cl/cq" 'hreq_total{code="200"}'
[ "$out" = "250" ] || fail "escaped label value, timestamp: got $out"

expect_exit 4 "$P" -w 0.1 "$U/r" hreq_total
one_line; contains "hreq_total: counter reset within the window"
expect_exit 4 "$P" -w 0.1 "$U/rh" lat_seconds quantile 0.5
one_line
# no observations in the window: NaN, not 0
expect_exit 0 "$P" -w 0.1 "$U/cl/cq" lat_seconds quantile 0.5
[ "$out" = "nan" ] || fail "p50 of an empty window: got $out"

expect_exit 1 "$P" "$U/missing" hreq_total
one_line; contains "$U/missing: HTTP 404 Not Found"
expect_exit 1 "$P" "$U/cut" m
one_line; contains "$U/cut: the answer was cut short (4 of 1000 bytes)"
expect_exit 1 "$P" "$U/q" lat_seconds_total
one_line; contains "no series named lat_seconds_total"
expect_exit 1 "$P" "$U/q" lat_seconds
one_line; contains "lat_seconds is a histogram, not a counter"

# Nothing listening: a port just freed.
free=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect_exit 1 "$P" "http://127.0.0.1:$free/metrics" hreq_total
one_line; contains "http://127.0.0.1:$free/metrics: connection refused"

# Accepted, never answered: the whole request is bounded.
start=$(date +%s%N)
expect_exit 1 "$P" -t 1 "http://127.0.0.1:$silent/metrics" hreq_total
ms=$(( ($(date +%s%N) - start) / 1000000 ))
one_line; contains "http://127.0.0.1:$silent/metrics: no answer in 1 s"
[ "$ms" -lt 2000 ] || fail "a 1 s timeout took $ms ms"
[ "$ms" -ge 900 ] || fail "a 1 s timeout gave up after $ms ms"
exit 0
