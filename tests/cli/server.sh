# The server and its load generator, by hand: a steady open-loop load is served without errors
# at the requested rate; SIGTERM ends both cleanly with their JSON; and a server that stalls
# shows the stall in the corrected p99 and not in the uncorrected one (coordinated omission);
# replies read late are timed by their arrival.
. "$ROOT/tests/lib.sh"
cd "$T"
SERVER=$BUILD/workloads/server
REPLAY=$BUILD/workloads/replay
[ -x "$SERVER" ] && [ -x "$REPLAY" ] || fail "$SERVER or $REPLAY is not built: run make"
pids=""
cleanup() { for p in $pids; do kill -TERM "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
trap 'exit 130' INT TERM
start_server() { rm -f port; "$SERVER" --port-file port "$@" > server.out 2>&1 & spid=$!; pids="$pids $spid"; }
# stop_server: SIGTERM, exit 0, one JSON line, the port file removed.
stop_server() {
	kill -TERM "$spid"; wait "$spid"; rc=$?
	[ "$rc" -eq 0 ] || fail "server exited $rc on SIGTERM: $(cat server.out)"
	[ ! -e port ] || fail "the server left its port file behind"
	python3 -c 'import json,sys; d=json.loads(open("server.out").read()); sys.exit(0 if d["requests"] > 0 else 1)' ||
		fail "server JSON: $(cat server.out)"
}
# check FILE EXPR: a Python condition over the JSON line d in FILE.
check() { python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read()); sys.exit(0 if ($2) else 1)" "$1" ||
	fail "$1: want $2, got: $(cat "$1")"; }

# 1. 1000 requests/s, measured for 2 s after 0.5 s: 2000 requests +-10%, no errors.
start_server
"$REPLAY" --port-file port --rate 1000 --duration 2 --warmup 0.5 --work-us 20 --latency lat > steady.json 2> steady.err ||
	fail "replay failed: $(cat steady.err)"
check steady.json 'abs(d["requests"] - 2000) <= 200 and d["errors"] == 0'
check steady.json 'abs(d["achieved_rate"] / d["target_rate"] - 1) < 0.1 and abs(d["measured_s"] - 2) < 0.1'
check steady.json '0 < d["p50_us"] <= d["p99_us"] <= d["max_us"] and d["p99_uncorrected_us"] <= d["max_uncorrected_us"]'
[ -s lat.hist ] && [ -s lat-uncorrected.hist ] || fail "--latency lat wrote no lat.hist / lat-uncorrected.hist"

# 2. SIGTERM mid-run: JSON and exit 0, the run so far measured.
"$REPLAY" --port-file port --rate 500 --work-us 20 > term.json 2> term.err & rpid=$!; pids="$pids $rpid"
sleep 1
kill -TERM "$rpid"; wait "$rpid" || fail "replay exited $? on SIGTERM: $(cat term.err)"
check term.json 'd["requests"] > 200 and d["errors"] == 0'
stop_server

# 3. Coordinated omission.  The server stalls 100 ms every second; replay sends 1000/s over
# 4 connections for 3 s.  A request scheduled t ms into a stall completes at its end, so its
# corrected latency is ~(100 - t) ms: 10% of each second's requests wait 0-100 ms, and the p99
# (the slowest 1%) is ~90 ms; a 3 s window that catches only 2 full stalls still gives ~85 ms.
# Bound: corrected p99 >= 50 ms.  Only the requests already sent when a stall begins -- at
# most one per connection, 4 in 1000 = 0.4% < 1% -- see the stall from their *send* time, so
# the uncorrected p99 is an ordinary loopback latency (well under 1 ms here; a few ms on a
# loaded machine).  Bound: uncorrected p99 < corrected p99 / 2.  (With 16 connections, 1.6%
# of requests would be caught in flight and the uncorrected p99 would show the stall too.)
start_server --stall-every 1 --stall-ms 100
"$REPLAY" --port-file port --rate 1000 --connections 4 --duration 3 --work-us 50 > co.json 2> co.err ||
	fail "replay failed: $(cat co.err)"
check co.json 'd["errors"] == 0 and d["p99_us"] >= 50000'
check co.json 'd["p99_uncorrected_us"] < d["p99_us"] / 2'
check co.json 'd["sent_late"] > 0'
stop_server
python3 -c 'import json; d=json.loads(open("server.out").read()); assert d["stall_sleeps"] >= 2, d' ||
	fail "the server did not stall: $(cat server.out)"

# 4. Replies are timed by their arrival, not their read.  At 1250/s the next send is always under
# 1 ms away, so replay sleeps through replies and reads them when it wakes to send, ~800 µs
# after each went out; a loopback round trip with no work is tens of µs.  Timed at the read,
# the uncorrected p50 would be ~800 µs; by the kernel's receive timestamp it stays a round trip.
# Bound: p50 < 300 µs.
start_server
"$REPLAY" --port-file port --rate 1250 --duration 2 --work-us 0 --reply-bytes 64 > lazy.json 2> lazy.err ||
	fail "replay failed: $(cat lazy.err)"
check lazy.json 'd["errors"] == 0 and d["p50_uncorrected_us"] < 300'
stop_server
exit 0
