# What a profiler adapter may ask of the workload:
#   - workload_args: arguments put right after the workload's program (a JVM's or node's flags),
#     in the profiler's trials only;
#   - start = "ready": the profiler starts once the workload is ready (its port answers), where
#     by default it starts before the workload runs at all.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
py=$(python3 -c 'import sys; print(sys.executable)')
cat > srv.py <<'PY'
import http.server, sys
open("argv.txt", "w").write(" ".join(sys.orig_argv))
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
PY
cat > wl.lua <<LUA
return { description = "an HTTP server that records its command line",
  command = function(o, t) return { "$py", "$T/srv.py", t.port } end, ready = { port = "{port}" } }
LUA
# the probe: did the workload answer on its port when the profiler started?
cat > probe.lua <<LUA
return { description = "probes the workload's port when it starts",
  command = function(o, t)
    return { "$py", "-c", "import socket,sys\ntry:\n  socket.create_connection(('127.0.0.1', int(sys.argv[1]))); r = 'answered'\nexcept OSError: r = 'refused'\nopen('probe.txt', 'w').write(r)\nimport time; time.sleep(600)", t.port }
  end,
  workload_args = function(o, t) return { "-X", "dev" } end,
  start = o_start, ready = { file = "{dir}/probe.txt", timeout = 10 } }
LUA
sed 's/start = o_start,/start = "ready",/' probe.lua > after.lua
sed 's/start = o_start,//' probe.lua > before.lua
cat > hooks.lua <<'LUA'
experiment { name = "hooks", workload = { "./wl.lua" }, profilers = { "off", { "./after.lua" }, { "./before.lua" } },
  blocks = 1, warmup = 0.1, duration = 0.2 }
LUA
expect_exit 0 "$TARE" run hooks.lua --no-report
r=$(ls -d results/*-hooks)
[ "$(cat "$r"/trials/*-._after.lua/probe.txt)" = answered ] || fail "start = \"ready\": the port did not answer when the profiler started"
[ "$(cat "$r"/trials/*-._before.lua/probe.txt)" = refused ] || fail "by default the profiler starts before the workload runs"
grep -q "python3 -X dev $T/srv.py" "$r"/trials/*-._after.lua/argv.txt || fail "workload_args: $(cat "$r"/trials/*-._after.lua/argv.txt)"
grep -q -- "-X dev" "$r"/trials/*-off/argv.txt && fail "workload_args reached the baseline: $(cat "$r"/trials/*-off/argv.txt)"
cat > bad.lua <<'LUA'
return { description = "x", command = function() return { "true" } end, start = "later" }
LUA
cat > badx.lua <<'LUA'
experiment { name = "bad", workload = { "./wl.lua" }, profilers = { "off", { "./bad.lua" } } }
LUA
expect_exit 2 "$TARE" run badx.lua
one_line; contains 'start must be "gate"'
exit 0
