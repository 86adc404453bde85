# Any command line as the service (workloads/command.lua): {port}, {dir} filled in its command,
# tare's driver pointed at it.
#   - python3's http.server under HTTP load: every response a 2xx, counted as the units;
#   - a service whose port is already taken exits before it is ready: the trial fails with the
#     service's own last line, and the run exits 1;
#   - no command line: one line, exit 2.
. "$ROOT/tests/lib.sh"
need_root
command -v python3 >/dev/null || skip "python3 is not installed"
cd "$T"
cat > ok.lua <<'LUA'
experiment { name = "cmd", workload = { "command", cmd = "python3 -m http.server {port} --bind 127.0.0.1", rate = 100, connections = 4 },
  profilers = { "off" }, blocks = 2, warmup = 0.3, duration = 1 }
LUA
expect_exit 0 "$TARE" run ok.lua --no-report
f=$(ls results/*-cmd/results.json)
[ "$(json "$f" 'all(t["state"] == "ok" and t["unit"] == "requests" and t["units"] > 50 for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["state"], t["error"], t["units"]) for t in d["trials"]]')"
for d in results/*-cmd/trials/*/; do
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["requests"] > 50 and d["errors"] == 0 and d["http_2xx"] == d["requests"], d' \
		"$(tail -n 1 "$d/driver.out")" || fail "driver of $d: $(tail -n 1 "$d/driver.out")"
done

# a port already taken: the service says so and exits; the trial fails with its words
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(60)' "$T/taken" &
hold=$!
trap 'kill $hold 2>/dev/null; wait $hold 2>/dev/null' EXIT
for i in $(seq 1 100); do [ -s "$T/taken" ] && break; sleep 0.05; done
port=$(cat "$T/taken")
cat > taken.lua <<LUA
experiment { name = "taken", workload = { "command", cmd = "python3 -m http.server $port --bind 127.0.0.1", timeout = 10 },
  profilers = { "off" }, blocks = 1, duration = 0.5 }
LUA
expect_exit 1 "$TARE" run taken.lua --no-report
contains "workload exited .* before it was ready: .*Address already in use"

cat > none.lua <<'LUA'
experiment { name = "none", workload = { "command" }, profilers = { "off" } }
LUA
expect_exit 2 "$TARE" run none.lua
one_line; contains 'give the command line: cmd='
exit 0
