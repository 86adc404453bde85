-- command: any service as the workload.  Its command line runs under sh in the trial's folder;
-- {port} (a loopback port free for this trial), {dir} (the trial's folder) and {pid} in it are
-- filled in for each trial — this one option is a template, unlike every other option value.
-- tare waits until it is ready, then loads it with its open-loop driver (HTTP/1.1 GETs or Redis
-- RESP, latency from each request's intended send time), or with nothing (load = "none": CPU per
-- second).
--
--   workload = { "command", cmd = "python3 -m http.server {port} --bind 127.0.0.1", rate = 500 }
--   workload = { "command", cmd = "redis-server --port {port} --save ''", load = "redis" }
--   workload = { "command", cmd = "my-batch-job --input data", load = "none", ready = "start" }
local function prog(name) return tare.build .. "/workloads/" .. name end
local preload = dofile(tare.root .. "/workloads/lib/preload.lua")   -- every arm's LD_PRELOAD

return {
  description = "any command line as the service, under tare's HTTP or Redis load (or none)",
  options = {
    cmd         = { "the command line (sh), with {port}, {dir}, {pid} filled in", "" },
    ready       = { "port: 127.0.0.1:{port} answers; start: at once; file:PATH or line:TEXT (its output)", "port" },
    timeout     = { "seconds to wait until it is ready", 30, min = 0.1, max = 3600 },
    load        = { "what loads it", "http", choices = { "http", "redis", "none" } },
    path        = { "load = http: the URL path requested", "/" },
    rate        = { "requests per second, evenly spaced (open loop)", 1000, type = "number", min = 0.001, max = 1000000 },
    connections = { "client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    threads     = { "CPUs it keeps busy, for placement", 1, type = "integer", min = 1, max = 1024 },
    preload     = preload.option,
  },
  available = function()
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  unit = function(o) return o.load ~= "none" and "requests" or nil end,
  command = function(o, t)
    local cmd = tare.unescape(o.cmd)
    if cmd == "" then error("give the command line: cmd=\"...\" (e.g. cmd=\"python3 -m http.server {port}\")", 0) end
    return { "sh", "-c", "exec " .. cmd }
  end,
  threads = function(o) return o.threads end,
  env = preload.env,
  ready = function(o)
    local r = tare.unescape(o.ready)
    if r == "port" then return { port = "{port}", timeout = o.timeout } end
    if r == "start" then return nil end
    if r:sub(1, 5) == "file:" then return { file = r:sub(6), timeout = o.timeout } end
    if r:sub(1, 5) == "line:" then return { line = r:sub(6), timeout = o.timeout } end
    error("ready=" .. r .. ": expected port, start, file:PATH or line:TEXT", 0)
  end,
  driver = function(o, t)
    if o.load == "none" then return nil end
    local argv = { prog("replay"), "--port", t.port, "--rate", o.rate, "--connections", o.connections,
                   "--latency", t.dir .. "/latency" }
    if o.load == "redis" then
      argv[#argv + 1] = "--redis"
    else
      argv[#argv + 1] = "--http"
      argv[#argv + 1] = o.path
    end
    return argv
  end,
}
