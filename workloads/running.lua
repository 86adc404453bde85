-- running: a service that is already running, measured in place (docs/inplace.md).
--
-- tare never starts, stops, signals, pins or moves it.  It reads the service's CPU — its
-- process tree's threads (pid=) or its cgroup (cgroup=) — and switches the profiler on and off
-- around it in windows (design = "switchback"; the profiler attaches to {pid}, or {pids}: every
-- process of the tree).  The work done per window comes from one of:
--   url=      tare's own open-loop load: http://127.0.0.1:PORT/PATH (HTTP/1.1) or
--             redis://127.0.0.1:PORT (RESP GET/SET), at rate= requests per second;
--   metrics=  the service's own Prometheus endpoint, units= a counter there (its increase is
--             the work), latency= a histogram (seconds) for each window's p50/p90/p99;
--   neither:  CPU per second, under whatever load the service has.
--
--   tare canary --pid $(pgrep -o nginx) --url http://127.0.0.1:8080/
--   workload = { "running", pid = 1234, metrics = "http://127.0.0.1:9121/metrics",
--                units = "redis_commands_processed_total" }
local function prog(name) return tare.build .. "/workloads/" .. name end

-- "http://127.0.0.1:8080/x" -> "http", 8080, "/x"; loopback only: the driver's connections are
-- made to 127.0.0.1, beside the service, as a canary's load generator would be
local function parse_url(url)
  local scheme, host, port, path = url:match("^(%a+)://([^/:]+):(%d+)(.*)$")
  if not scheme then
    error("running: url '" .. url .. "' is not scheme://127.0.0.1:PORT/path (http or redis, with the port)", 0)
  end
  if host ~= "127.0.0.1" and host ~= "localhost" then
    error("running: url '" .. url .. "': tare's load goes to 127.0.0.1 only (the service's loopback port)", 0)
  end
  if scheme ~= "http" and scheme ~= "redis" then
    error("running: url '" .. url .. "': the scheme is http or redis, not " .. scheme, 0)
  end
  return scheme, port, path ~= "" and path or "/"
end

return {
  description = "a service already running, measured in place: pid= or cgroup=; load from url=, or its own",
  options = {
    pid     = { "PID of the service's main process: its process tree is measured", 0, type = "integer", min = 0 },
    cgroup  = { "or the service's cgroup, beneath the CPU hierarchy (system.slice/nginx.service)", "" },
    url     = { "tare's open-loop load: http://127.0.0.1:PORT/PATH or redis://127.0.0.1:PORT", "" },
    rate    = { "requests per second tare sends to url", 2000, type = "number", min = 0.001, max = 1000000 },
    connections = { "keep-alive connections to url, one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    metrics = { "the service's Prometheus endpoint (http://127.0.0.1:9121/metrics)", "" },
    units   = { "a counter at metrics whose increase is the work done (redis_commands_processed_total)", "" },
    latency = { "a histogram at metrics, in seconds, for each window's p50/p90/p99", "" },
    unit    = { "what one unit of units= is called", "request" },
  },
  available = function()
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  attach = function(o)
    if o.pid == 0 and o.cgroup == "" then
      error("running: give the service as pid= (its main process: pgrep -o nginx) or cgroup=", 0)
    end
    if o.url ~= "" and o.units ~= "" then
      error("running: the work is counted from url= (tare's load) or from units= (the service's counter), not both", 0)
    end
    return { pid = o.pid ~= 0 and o.pid or nil, cgroup = o.cgroup ~= "" and o.cgroup or nil }
  end,
  metrics = function(o)
    if o.metrics == "" then
      if o.units ~= "" or o.latency ~= "" then
        error("running: units= and latency= are read from metrics=, the service's /metrics URL", 0)
      end
      return nil
    end
    return { url = o.metrics, units = o.units ~= "" and o.units or nil, latency = o.latency ~= "" and o.latency or nil }
  end,
  unit = function(o)
    if o.url ~= "" then return "requests" end
    if o.units ~= "" then return o.unit end
    return nil   -- CPU per second
  end,
  driver = function(o, t)
    if o.url == "" then return nil end
    local scheme, port, path = parse_url(o.url)
    local c = { prog("replay"), "--port", port, "--rate", o.rate, "--connections", o.connections,
                "--latency", t.dir .. "/latency" }
    if scheme == "http" then
      c[#c + 1] = "--http"; c[#c + 1] = path
    else
      c[#c + 1] = "--redis"
    end
    return c
  end,
}
