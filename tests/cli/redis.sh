# A real key-value service as the workload (workloads/redis.lua): Debian's redis-server on a free
# loopback port, under open-loop RESP load from tare's driver (replay --redis).
#   - a switchback run of perf on redis: every request answered, none an error;
#   - a server that refuses the SETs (maxmemory) answers with RESP errors: counted as errors.
. "$ROOT/tests/lib.sh"
need_root
command -v redis-server >/dev/null || skip "redis-server is not installed: apt-get install redis-server"
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
cat > rd.lua <<'LUA'
experiment { name = "rd", workload = { "redis", rate = 1000, set_ratio = 0.5, keys = 100 },
  profilers = { "off", { "perf", hz = 99 } }, design = "switchback", blocks = 2, warmup = 0.2, duration = 1, window = 0.25 }
LUA
expect_exit 0 "$TARE" run rd.lua --no-report
f=$(ls results/*-rd/results.json)
[ "$(json "$f" 'all(t["state"] == "ok" and t["units"] > 0 for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["state"], t["error"]) for t in d["trials"]]')"
for d in results/*-rd/trials/*/; do
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["requests"] > 100 and d["errors"] == 0 and d["bad_replies"] == 0, d' \
		"$(tail -n 1 "$d/driver.out")" || fail "driver of $d: $(tail -n 1 "$d/driver.out")"
done

# a RESP error reply (here: a command the server refuses) is an error, and is timed
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --maxmemory 1 --maxmemory-policy noeviction >/dev/null 2>&1 &
rpid=$!
trap 'kill $rpid 2>/dev/null; wait $rpid 2>/dev/null' EXIT
for i in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
out=$("$BUILD/workloads/replay" --port "$port" --redis --set-ratio 1 --rate 200 --duration 1 2>/dev/null | tail -n 1)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["errors"] > 0 and d["requests"] >= d["errors"], d' "$out" ||
	fail "SETs refused (maxmemory): $out"
exit 0
