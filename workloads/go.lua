-- go: tare's Go HTTP service (workloads/go/goserver, built with Debian's golang-go) on a free
-- loopback port ({port}), loaded by tare's open-loop driver (workloads/replay.c --http: wrk2's
-- method, latency from each request's intended send time).  One unit is one response.  Each
-- request spends work_us of calibrated CPU split 70/20/10 across cpuHot, cpuWarm and cpuCold
-- (never inlined), so the same service serves overhead and accuracy: a profile of it should
-- rank them so.  net/http/pprof is on the service's mux unless pprof = false, for
-- profilers/go-pprof-scrape.lua; profilers/go-pprof.lua makes it profile itself.
--
--   workload = { "go", rate = 1000 }, profilers = { "off", { "go-pprof-scrape" }, { "go-pprof" } }
local function prog(name) return tare.build .. "/workloads/" .. name end

return {
  description = "a Go net/http service with a known CPU split (cpuHot/cpuWarm/cpuCold 70/20/10), under open-loop HTTP/1.1 load",
  unit = "requests",
  options = {
    rate        = { "requests per second, evenly spaced (open loop)", 1000, type = "number", min = 0.001, max = 1000000 },
    connections = { "keep-alive client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    work_us     = { "CPU work per request (us of calibrated arithmetic, split 70/20/10)", 200, type = "integer", min = 0, max = 10000000 },
    body_bytes  = { "bytes of the response body", 512, type = "integer", min = 0, max = 1048576 },
    pprof       = { "serve net/http/pprof's /debug/pprof/ on the service's mux", true, type = "boolean" },
  },
  available = function()
    if not tare.exists(prog("goserver")) then
      if not tare.which("go") then return false, "go is not installed: apt-get install golang-go, then run make" end
      return false, prog("goserver") .. " is not built: run make"
    end
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  command = function(o, t)
    return { prog("goserver"), "--port", t.port, "--work-us", o.work_us, "--body-bytes", o.body_bytes,
             "--pprof=" .. tostring(o.pprof) }
  end,
  -- the requests' CPU: rate x work_us, at least one CPU's share (Go's runtime threads besides)
  threads = function(o) return math.max(1, math.ceil(o.rate * o.work_us / 1e6)) end,
  ready = { port = "{port}", timeout = 10 },
  -- the known split, as Go's profiles name the functions (each request's work, under main.work)
  truth = { parts = { ["main.cpuHot"] = 70, ["main.cpuWarm"] = 20, ["main.cpuCold"] = 10 } },
  -- SIGTERM: Go's http.Server.Shutdown, then the last self-profile written
  stop_grace = 10,
  driver = function(o, t)
    return { prog("replay"), "--port", t.port, "--http", "/", "--rate", o.rate,
             "--connections", o.connections, "--latency", t.dir .. "/latency" }
  end,
}
