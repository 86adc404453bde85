#!/bin/sh
# twins.sh — a twin of the workload on the same CPU as the control (`twins = true`,
# docs/switchback.md), measured by hand beside what tare cannot see in a run: the spill-over of
# the profiled process onto its twin, from windows with the profiler on in neither.
#
# Two nginx (Debian's nginx-light, 1 worker each) share one CPU (the last), each loaded at
# TWINS_RATE requests/s (default 2000) by its own replay on another CPU, each worker with its own
# `perf record -F 99 -g -p WORKER`, started disabled and switched by `--control` FIFOs.  Windows
# of 0.5 s (10 ms guard after each switch) cycle through: perf on A, none, perf on B, none;
# TWINS_CYCLES cycles (default 60, ~2.5 min).  CPU per window from each nginx's schedstat (ns);
# the load is open loop at a fixed rate, so CPU per second is CPU per request times the rate.
#
# Per cycle, in logs:
#   one process, as switchback does now:  a(A on) - a(next none)                 = d + noise
#   twins, crossed over:  ((a - b)(A on) - (a - b)(B on)) / 2                    = d - g + less noise
# where d is perf's cost and g its spill-over onto the twin that shares the CPU (the twin is a
# control only as far as g is 0; the cycle's "none" windows estimate g, with the single-process
# noise).  Printed: each estimate with its 99.9% interval, the sd per cycle, and how many fewer
# cycles the twins need for the same interval.  No goal: exit 0, or 77 when nginx or perf is
# missing.  Figures are from one run on this machine: compare them within the run.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "twins: nginx is not installed: apt-get install nginx-light"; exit 77; }
command -v perf >/dev/null || { echo "twins: perf is not installed: apt-get install linux-perf"; exit 77; }
[ -x "$BUILD/workloads/replay" ] || { echo "twins: $BUILD/workloads/replay is not built: run make"; exit 77; }
exec python3 - "$NGINX" "$BUILD/workloads/replay" "${TWINS_RATE:-2000}" "${TWINS_CYCLES:-60}" <<'PY'
import math, os, shutil, signal, socket, statistics as st, subprocess, sys, tempfile, time
nginx, replay, rate, cycles = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
WINDOW, GUARD, Z999 = 0.5, 0.01, 3.2905
ncpu = os.cpu_count() or 1
srv_cpu, drv_cpu = str(ncpu - 1), str(0 if ncpu > 1 else ncpu - 1)
d = tempfile.mkdtemp(prefix="twins.")
procs = []
def cleanup(*_):
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try: p.wait(5)
        except subprocess.TimeoutExpired: p.kill()
    shutil.rmtree(d, ignore_errors=True)
signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(130)))
signal.signal(signal.SIGINT, lambda *a: (cleanup(), sys.exit(130)))
def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port
def start_nginx(i):
    port = free_port()
    open(f"{d}/n{i}.conf", "w").write(f"""daemon off; master_process on; worker_processes 1; pid {d}/n{i}.pid; error_log {d}/e{i}.log warn;
events {{ worker_connections 1024; }}
http {{ access_log off; keepalive_requests 1000000; keepalive_timeout 300s;
  client_body_temp_path {d}/b{i}; proxy_temp_path {d}/p{i}; fastcgi_temp_path {d}/f{i}; uwsgi_temp_path {d}/u{i}; scgi_temp_path {d}/s{i};
  server {{ listen 127.0.0.1:{port}; location = / {{ default_type text/plain; return 200 '{"x" * 512}'; }} }} }}
""")
    p = subprocess.Popen(["taskset", "-c", srv_cpu, nginx, "-p", d, "-c", f"{d}/n{i}.conf"], stderr=subprocess.DEVNULL)
    procs.append(p)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        cleanup(); print(f"twins: nginx {i} did not start: {open(f'{d}/e{i}.log').read().strip()}"); sys.exit(1)
    worker = int(subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()[0])
    return p, port, worker
twins = [start_nginx(i) for i in (0, 1)]
ctl, ack = [], []
for i, (_, port, worker) in enumerate(twins):
    procs.append(subprocess.Popen(["taskset", "-c", drv_cpu, replay, "--port", str(port), "--http", "/", "--rate", str(rate),
                                   "--connections", "16"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    os.mkfifo(f"{d}/ctl{i}"); os.mkfifo(f"{d}/ack{i}")
    procs.append(subprocess.Popen(["perf", "record", "-q", "-F", "99", "-g", "-p", str(worker), "-D", "-1",
                                   "--control", f"fifo:{d}/ctl{i},{d}/ack{i}", "-o", f"{d}/perf{i}.data"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    ctl.append(open(f"{d}/ctl{i}", "w")); ack.append(open(f"{d}/ack{i}"))
def switch(i, on):
    ctl[i].write("enable\n" if on else "disable\n"); ctl[i].flush()
    if ack[i].readline().strip("\0 \n") != "ack":  # perf writes "ack\n" and its NUL
        cleanup(); print(f"twins: perf {i} did not acknowledge the switch"); sys.exit(1)
def cpu_ns(p):
    pids = [p.pid] + [int(x) for x in subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()]
    return sum(int(open(f"/proc/{q}/schedstat").read().split()[0]) for q in pids)
time.sleep(2)	# the drivers' connections up, both nginx warm
rows = []
for c in range(cycles):
    for on in (0, None, 1, None):
        if on is not None:
            switch(on, True)
        time.sleep(GUARD)
        t0, c0 = time.monotonic(), [cpu_ns(p) for p, _, _ in twins]
        time.sleep(WINDOW)
        t1, c1 = time.monotonic(), [cpu_ns(p) for p, _, _ in twins]
        if on is not None:
            switch(on, False)
        if min(b - a for a, b in zip(c0, c1)) <= 0:
            cleanup(); print("twins: an nginx used no CPU in a window: is its driver running?"); sys.exit(1)
        rows.append([math.log((b - a) / (t1 - t0)) for a, b in zip(c0, c1)])
    if (c + 1) % 10 == 0:
        print(f"  {c + 1}/{cycles} cycles", file=sys.stderr)
cleanup()
one, twin, cost, spill = [], [], [], []
for c in range(cycles):
    (a1, b1), (a2, b2), (a3, b3), (a4, b4) = rows[4 * c: 4 * c + 4]
    one += [a1 - a2, b3 - b4]
    twin.append(((a1 - b1) - (a3 - b3)) / 2)
    cost += [a1 - (a2 + a4) / 2, b3 - (b2 + b4) / 2]
    spill += [b1 - (b2 + b4) / 2, a3 - (a2 + a4) / 2]
def est(v):
    m, se = st.mean(v), st.stdev(v) / math.sqrt(len(v))
    return f"{100 * m:+6.2f}% [{100 * (m - Z999 * se):+.2f}, {100 * (m + Z999 * se):+.2f}]  sd {100 * st.stdev(v):5.2f}  n {len(v)}"
print(f"two nginx on CPU {srv_cpu} at {rate:g} requests/s each, perf -F 99 switched in {WINDOW:g} s windows, {cycles} cycles (99.9% intervals)")
print(f"perf's cost, one process (on vs its next off window)  {est(one)}")
print(f"perf's cost, twins crossed over (minus spill-over)     {est(twin)}")
print(f"perf's cost, on vs both neighbouring off windows       {est(cost)}")
print(f"spill-over onto the twin while the other is profiled   {est(spill)}")
# a crossed-over twin pair (A on, then B on) takes a pair's time, as a pair of one process does
ratio = st.variance(twin) / st.variance(one)
print(f"for the same interval twins need {ratio:.2f}x the time one process does "
      f"(sd {100 * st.stdev(twin):.2f} per twin pair against {100 * st.stdev(one):.2f} per pair)")
PY
