# In place (tare canary, workloads/running.lua): a profiler weighed on a service that was
# running before tare and is running after it, never restarted, signalled or moved.
#   - nginx (master + 2 workers, started here): perf attached to every process of its tree;
#     the same PIDs alive afterwards, every trial measured, samples recorded;
#   - a service that exits mid-run: the pairs measured before are kept, one line, exit 1;
#   - no such PID, or a cgroup that does not exist: one line, exit 2; a PID tare may not trace
#     (tare as nobody): one line, exit 3;
#   - a borrowed cgroup (the service's own) is read and left as it was, with its process in it.
. "$ROOT/tests/lib.sh"
need_root
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
py=$(python3 -c 'import sys; print(sys.executable)')
pids=""
cleanup() {
	for p in $pids; do kill $p 2>/dev/null; done
	wait
	if [ -f "$T/ng/nginx.pid" ]; then
		m=$(cat "$T/ng/nginx.pid"); kill "$m" 2>/dev/null
		for i in $(seq 1 100); do kill -0 "$m" 2>/dev/null || break; sleep 0.05; done
	fi
	[ -n "${cg:-}" ] && rmdir "$cg" 2>/dev/null
	true
}
trap cleanup EXIT

if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
	mkdir ng
	port=$(freeport)
	cat > ng/nginx.conf <<CONF
worker_processes 2;
pid $T/ng/nginx.pid;
error_log $T/ng/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $T/ng; proxy_temp_path $T/ng; fastcgi_temp_path $T/ng; uwsgi_temp_path $T/ng; scgi_temp_path $T/ng;
  server { listen 127.0.0.1:$port; location / { return 200 "hello\n"; } }
}
CONF
	/usr/sbin/nginx -p "$T/ng" -c "$T/ng/nginx.conf" || fail "nginx did not start"
	for i in $(seq 1 100); do [ -s ng/nginx.pid ] && break; sleep 0.05; done
	master=$(cat ng/nginx.pid)
	before=$(pgrep -P "$master" | sort | tr '\n' ' ')
	[ -n "$before" ] || fail "nginx has no workers"
	expect_exit 0 "$TARE" canary --pid "$master" --url "http://127.0.0.1:$port/" --rate 1000 --hz 999 --blocks 2 --duration 1.5 \
		--window 0.25 --warmup 0.3 --no-report
	kill -0 "$master" 2>/dev/null || fail "nginx's master is gone after the run"
	after=$(pgrep -P "$master" | sort | tr '\n' ' ')
	[ "$before" = "$after" ] || fail "nginx's workers changed: before $before, after $after"
	f=$(ls results/*-inplace/results.json)
	[ "$(json "$f" 'all(t["state"] == "ok" and len(t["windows"]) >= 4 and t["profile_samples"] > 0 for t in d["trials"])')" = True ] ||
		fail "trials: $(json "$f" '[(t["state"], t["error"], t["profile_samples"]) for t in d["trials"]]')"
	# perf was given every process of the tree
	d=$(ls -d results/*-inplace/trials/001-*/)
	cmd=$(perf report -i "$d/perf.data" --header-only 2>/dev/null | grep '^# cmdline')
	for w in $after; do
		printf '%s\n' "$cmd" | grep -q "[-]p [0-9,]*$w" || fail "perf was not attached to worker $w: $cmd"
	done
fi

# a service that exits while it is measured: what was measured stays, the run stops
sport=$(freeport)
cat > srv.py <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "6"); self.end_headers(); self.wfile.write(b"hello\n")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
"$py" srv.py "$sport" & spid=$!
pids="$pids $spid"
for i in $(seq 1 100); do python3 -c "import socket; socket.create_connection(('127.0.0.1', $sport))" 2>/dev/null && break; sleep 0.05; done
# it exits after about 3 s: two blocks of 2 s windows cannot finish, the first does
(sleep 3.5; kill $spid) &
expect_exit 1 "$TARE" canary --pid "$spid" --url "http://127.0.0.1:$sport/" --rate 100 --blocks 3 --duration 2 \
	--window 0.25 --warmup 0.2 --no-report -o exited
contains "the service (PID $spid) exited"
contains "window pairs measured before are kept"
f=$(ls exited/*-inplace/results.json)
[ "$(json "$f" 'sum(len(t["windows"]) for t in d["trials"] if t["state"] == "ok") >= 2')" = True ] ||
	fail "no window kept: $(json "$f" '[(t["state"], t["error"]) for t in d["trials"]]')"

expect_exit 2 "$TARE" canary --pid 2147483000 --url "http://127.0.0.1:$sport/"
one_line; contains "no process 2147483000 is running"
expect_exit 2 "$TARE" canary --cgroup no/such/group
one_line; contains "no such cgroup"
expect_exit 2 "$TARE" canary
one_line; contains "give the service as pid="
if command -v setpriv >/dev/null; then
	expect_exit 3 setpriv --reuid=nobody --regid=nogroup --clear-groups "$TARE" canary --pid 1 --profiler ref
	one_line; contains "tare may not trace process 1"
fi

# a borrowed cgroup: the service's own, read and left as it was
root=$(awk -F: '$2 == "cpuacct" || $2 ~ /(^|,)cpuacct(,|$)/ {print $3}' /proc/self/cgroup | head -1)
mnt=$(awk '$3 == "cgroup" && $4 ~ /(^|,)cpuacct(,|$)/ {print $2}' /proc/mounts | head -1)
if [ -n "$mnt" ] && [ -n "$root" ]; then
	cg="$mnt${root%/}/inplace-test-$$"
	mkdir "$cg" || fail "cannot make $cg"
	sh -c 'echo $$ > "$1/cgroup.procs"; exec '"$py"' -c "
import time
while True:
    t = time.monotonic() + 0.002
    while time.monotonic() < t: pass
    time.sleep(0.008)"' sh "$cg" & bpid=$!
	pids="$pids $bpid"
	for i in $(seq 1 100); do grep -q . "$cg/cgroup.procs" && break; sleep 0.02; done
	expect_exit 0 "$TARE" canary --cgroup "$cg" --blocks 2 --duration 1 --window 0.25 --warmup 0.2 --no-report -o borrowed
	[ -d "$cg" ] || fail "the borrowed cgroup $cg was removed"
	kill -0 "$bpid" 2>/dev/null || fail "the process in the borrowed cgroup was killed"
	grep -qx "$bpid" "$cg/cgroup.procs" || fail "the process left the borrowed cgroup"
	f=$(ls borrowed/*-inplace/results.json)
	# about a fifth of a CPU (2 ms busy in 10): per second of window, measured from the group
	[ "$(json "$f" 'all(t["state"] == "ok" and 0.05e9 < t["workload_cpu_ns"] / t["wall_s"] < 0.6e9 for t in d["trials"])')" = True ] ||
		fail "borrowed cgroup's CPU: $(json "$f" '[(t["state"], t["error"], t["workload_cpu_ns"], t["wall_s"]) for t in d["trials"]]')"
	kill "$bpid"; wait "$bpid" 2>/dev/null
	rmdir "$cg"
fi
exit 0
