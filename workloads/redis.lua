-- redis: Debian's redis-server as the service, started by tare for each trial on a free loopback
-- port ({port}), with no persistence and its working directory in the trial's folder, loaded by
-- tare's open-loop driver speaking RESP (workloads/replay.c --redis: GETs and SETs of a fixed
-- key space, latency from each request's intended send time).  One unit is one reply.
--
--   workload = { "redis", rate = 5000, set_ratio = 0.5, keys = 100000 }
local function prog(name) return tare.build .. "/workloads/" .. name end

return {
  description = "redis-server (Debian) under open-loop RESP GET/SET load",
  unit = "requests",
  options = {
    rate        = { "requests per second, evenly spaced (open loop)", 2000, type = "number", min = 0.001, max = 1000000 },
    connections = { "client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    set_ratio   = { "the share of SETs among the requests", 0.1, type = "number", min = 0, max = 1 },
    keys        = { "the key space: key:0 .. key:N-1", 10000, type = "integer", min = 1, max = 1000000000 },
    value_bytes = { "bytes of each SET's value", 64, type = "integer", min = 0, max = 16777216 },
  },
  available = function()
    if not tare.which("redis-server") then
      return false, "redis-server is not installed: apt-get install redis-server"
    end
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  command = function(o, t)
    return { "redis-server", "--port", t.port, "--bind", "127.0.0.1", "--dir", t.dir, "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", "--logfile", "" }
  end,
  threads = function() return 1 end,
  ready = { port = "{port}", timeout = 10 },
  stop_grace = 5,
  driver = function(o, t)
    return { prog("replay"), "--port", t.port, "--redis", "--rate", o.rate, "--connections", o.connections,
             "--set-ratio", o.set_ratio, "--keys", o.keys, "--value-bytes", o.value_bytes,
             "--latency", t.dir .. "/latency" }
  end,
}
