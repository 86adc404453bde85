-- server: a loopback TCP request/response server (workloads/server.c) under a steady,
-- open-loop load from replay (workloads/replay.c, wrk2's method).  Per request the server spins
-- work_us of real arithmetic (server_work), allocates alloc_bytes (server_alloc) and updates a
-- mutex-protected table (server_update).  One unit is one completed request, counted by the
-- driver; latency is measured from each request's intended send time (coordinated-omission
-- free) into {dir}/latency.hist, and from its actual send time into latency-uncorrected.hist.
--
-- Defaults: 2000 requests/s x (150 us of work + ~25 us of syscalls and allocation) keep one
-- server thread ~35% busy on the 2-CPU VM tare is developed on (measured: 176 us of server CPU
-- per request), so queueing is mild and a profiler's cost shows in the tail.
local function prog(name) return tare.build .. "/workloads/" .. name end

local preload = dofile(tare.root .. "/workloads/lib/preload.lua")   -- every arm's LD_PRELOAD
return {
  description = "loopback TCP request/response server under open-loop load (p50..p99.9 latency)",
  unit = "requests",
  options = {
    rate          = { "requests per second, evenly spaced (open loop)", 2000, type = "number", min = 0.001, max = 1000000 },
    connections   = { "client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    threads       = { "server worker threads", 1, type = "integer", min = 1, max = 256 },
    work_us       = { "server CPU work per request (us of calibrated arithmetic)", 150, type = "integer", min = 0, max = 10000000 },
    alloc_bytes   = { "bytes the server mallocs, touches and frees per request (4 chunks)", 16384, type = "integer", min = 0, max = 67108864 },
    reply_bytes   = { "reply payload bytes", 512, type = "integer", min = 0, max = 16777216 },
    payload_bytes = { "request payload bytes", 64, type = "integer", min = 0, max = 16777216 },
    stall_every   = { "seconds between server stalls (0: never; for coordinated-omission checks)", 0, type = "number", min = 0, max = 86400 },
    stall_ms      = { "length of each stall in ms (with stall_every)", 0, type = "integer", min = 0, max = 86400000 },
    preload       = preload.option,
  },
  available = function()
    for _, name in ipairs({ "server", "replay" }) do
      if not tare.exists(prog(name)) then return false, prog(name) .. " is not built: run make" end
    end
    return true
  end,
  command = function(o, t)
    if (o.stall_every > 0) ~= (o.stall_ms > 0) then
      error("stall_every and stall_ms go together (got " .. o.stall_every .. " s and " .. o.stall_ms .. " ms)", 0)
    end
    if o.stall_ms > 0 and o.stall_ms >= o.stall_every * 1000 then
      error("stall_ms " .. o.stall_ms .. " must be shorter than stall_every " .. o.stall_every .. " s", 0)
    end
    local argv = { prog("server"), "--port", 0, "--port-file", t.dir .. "/server.port", "--threads", o.threads }
    if o.stall_ms > 0 then
      for _, v in ipairs({ "--stall-every", o.stall_every, "--stall-ms", o.stall_ms }) do argv[#argv + 1] = v end
    end
    return argv
  end,
  threads = function(o) return o.threads end,
  env = preload.env,
  -- The server writes its port file (atomically) once it listens: then the driver may start.
  ready = { file = "{dir}/server.port", timeout = 10 },
  driver = function(o, t)
    return { prog("replay"), "--port-file", t.dir .. "/server.port", "--rate", o.rate,
             "--connections", o.connections, "--work-us", o.work_us, "--alloc-bytes", o.alloc_bytes,
             "--reply-bytes", o.reply_bytes, "--payload-bytes", o.payload_bytes,
             "--latency", t.dir .. "/latency" }
  end,
}
