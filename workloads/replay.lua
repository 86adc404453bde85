-- replay: the same loopback server (workloads/server.c) driven by a replayed trace instead of
-- a constant rate: arrival times, classes, work and reply sizes come from the trace
-- (docs/traces.md), looped if it is shorter than the trial.  Make one with
-- `tare trace gen poisson|bursty|diurnal ...` or `tare trace import access.log`.
-- Latency, units and files are as for the server workload.
local function prog(name) return tare.build .. "/workloads/" .. name end
-- the same server and driver binaries: server.lua's check that they are built, its threads and
-- its readiness
local server = dofile(tare.root .. "/workloads/server.lua")

local function resolve(path)
  if path:sub(1, 1) == "/" then return path end
  return tare.root .. "/" .. path
end

return {
  description = "loopback TCP server under a replayed request trace (Poisson, bursty, diurnal, access logs)",
  unit = "requests",
  options = {
    trace         = { "trace file; a relative path is taken from the tare source tree", "workloads/traces/poisson-2k.trace" },
    connections   = { "client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    threads       = { "server worker threads", 1, type = "integer", min = 1, max = 256 },
    alloc_bytes   = { "bytes the server mallocs, touches and frees per request", 16384, type = "integer", min = 0, max = 67108864 },
    payload_bytes = { "request payload bytes", 64, type = "integer", min = 0, max = 16777216 },
  },
  available = server.available,
  command = function(o, t)
    -- A missing trace is a configuration error now, not a failed trial later.  (Its content
    -- is checked by replay itself: a bad line fails the trial with FILE:LINE.)  o.trace has its
    -- braces doubled for the command line (docs/adapters.md); the file is the path as given.
    local path = tare.unescape(resolve(o.trace))
    if not tare.exists(path) then
      error("trace " .. path .. " does not exist (make one with tare trace gen ...)", 0)
    end
    return { prog("server"), "--port", 0, "--port-file", t.dir .. "/server.port", "--threads", o.threads }
  end,
  threads = server.threads,
  ready = server.ready,
  driver = function(o, t)
    return { prog("replay"), "--port-file", t.dir .. "/server.port", "--trace", resolve(o.trace),
             "--connections", o.connections, "--alloc-bytes", o.alloc_bytes,
             "--payload-bytes", o.payload_bytes, "--latency", t.dir .. "/latency" }
  end,
}
