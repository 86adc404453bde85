-- node: a Node.js HTTP/1.1 service (workloads/node/server.js, node:http) started by tare for each
-- trial on a free loopback port ({port}) and loaded by tare's open-loop driver (replay --http:
-- wrk2's method, latency from each request's intended send time).  Each request to `/` spends
-- work_us µs of CPU in three named JavaScript functions, cpuHot 70%, cpuWarm 20%, cpuCold 10% —
-- the split of the C cpu workload, so a profile of it can be checked against a known truth.  One
-- unit is one response.  Node's profilers attach from inside: through node flags
-- (profilers/node-cpu-prof.lua: workload_args) or an SDK the server loads when its environment
-- asks (profilers/pyroscope-node.lua: env).
--
--   workload = { "node", rate = 500, work_us = 200 }
local function prog(name) return tare.build .. "/workloads/" .. name end

return {
  description = "a Node.js HTTP/1.1 server (node:http) spending work_us of CPU per request, under open-loop load",
  unit = "requests",
  options = {
    rate        = { "requests per second, evenly spaced (open loop)", 500, type = "number", min = 0.001, max = 1000000 },
    connections = { "keep-alive client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    work_us     = { "µs of CPU per request, split 70/20/10 over cpuHot, cpuWarm, cpuCold", 200, type = "number", min = 0, max = 1000000 },
    body_bytes  = { "bytes of the response body", 512, type = "integer", min = 0, max = 1048576 },
  },
  available = function()
    if not tare.which("node") then return false, "node is not installed: apt-get install nodejs" end
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  command = function(o, t)
    return { "node", tare.root .. "/workloads/node/server.js", t.port,
             "--work-us", o.work_us, "--body-bytes", o.body_bytes }
  end,
  -- the known split, as a profile's folded frames name the functions once cut to FUNCTION (V8
  -- names them FILE:FUNCTION:LINE; profilers/pyroscope-node.lua cuts).  perf record with node's
  -- --perf-basic-prof measured 70.6/20.1/9.3 here (docs/adapters.md).
  truth = { parts = { cpuHot = 70, cpuWarm = 20, cpuCold = 10 } },
  -- one event loop: one CPU busy (V8's GC and compiler threads come and go beside it)
  threads = 1,
  -- ready when the port answers (after the start-up calibration, ~20 ms of CPU)
  ready = { port = "{port}", timeout = 20 },
  -- SIGTERM: the server closes and exits 0, so V8 writes a --cpu-prof profile; the Pyroscope SDK
  -- gets up to 1 s to send its last one
  stop_grace = 5,
  driver = function(o, t)
    return { prog("replay"), "--port", t.port, "--http", "/", "--rate", o.rate,
             "--connections", o.connections, "--latency", t.dir .. "/latency" }
  end,
}
