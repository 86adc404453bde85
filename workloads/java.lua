-- java: a Java HTTP service (workloads/java/Server.java, on the JDK's com.sun.net.httpserver)
-- on a free loopback port ({port}), under tare's open-loop driver (replay --http: latency from
-- each request's intended send time).  Per request a pooled thread spends work_us of its CPU in
-- cpuHot (70%), cpuWarm (20%) and cpuCold (10%): a Java profiler's samples should show that
-- order.  One unit is one response.  A profiler may add JVM flags (workload_args go right after
-- "java", before the heap and the class): profilers/jfr.lua does.
--
-- Warm-up: give the JVM about 15 000 requests before measuring: warmup = 15 at the default
-- 1000 requests/s (scale it with the rate).  The JIT compiles the request path in tiers as
-- invocation counts pass its thresholds, and each compile makes a request cheaper: pinned to one
-- CPU of the 2-CPU VM tare is developed on, CPU per request fell from ~900 us to ~400 us over
-- the first 12 s at 1000/s, and the cold JVM fell behind the rate (p99 in seconds).  A window
-- measured before that settles costs more per request in its first half than in its second (tare
-- warns "not steady"), and whichever arm runs later in the JVM's life looks cheaper: 4-block runs
-- with a short warm-up gave -14.5% and -21.3% "overhead".  With warmup = 15 the halves of 3
-- windows differed by -9.4%, +4.6% and -1.7% (no warning; p99 7-22 ms); with warmup = 2 by
-- +77%, +8%, -14% and +73% (docs/workloads.md#java).
--
--   tare run scripts/java.lua                     JFR, started with the JVM and by jcmd
--   workload = { "java", rate = 500, work_us = 400, heap = "512m" }
local function prog(name) return tare.build .. "/workloads/" .. name end

return {
  description = "a Java HTTP service (com.sun.net.httpserver, JDK 17) with hot/warm/cold methods, under open-loop HTTP/1.1 load",
  unit = "requests",
  options = {
    rate        = { "requests per second, evenly spaced (open loop)", 1000, type = "number", min = 0.001, max = 1000000 },
    connections = { "keep-alive client connections, at most one request in flight each", 16, type = "integer", min = 1, max = 10000 },
    threads     = { "the server's fixed pool of handler threads", 4, type = "integer", min = 1, max = 1024 },
    work_us     = { "CPU per request (us of the handling thread's CPU time: 70% cpuHot, 20% cpuWarm, 10% cpuCold)", 200, type = "integer", min = 0, max = 10000000 },
    body_bytes  = { "bytes of the response body", 512, type = "integer", min = 0, max = 1048576 },
    heap        = { "the JVM's heap (-Xms and -Xmx; a heap that grows during the run is one more warm-up)", "256m" },
  },
  available = function()
    if not tare.which("java") then
      return false, "java is not installed: apt-get install openjdk-17-jdk-headless"
    end
    if not tare.exists(prog("java/Server.class")) then
      return false, prog("java/Server.class") .. " is not built: install a JDK (apt-get install openjdk-17-jdk-headless) and run make"
    end
    if not tare.exists(prog("replay")) then return false, prog("replay") .. " is not built: run make" end
    return true
  end,
  command = function(o, t)
    if not tare.unescape(o.heap):match("^[0-9]+[kKmMgG]?$") then
      error("heap '" .. tare.unescape(o.heap) .. "' is not a JVM heap size such as 256m or 2g", 0)
    end
    return { "java", "-Xms" .. o.heap, "-Xmx" .. o.heap, "-cp", prog("java"), "Server",
             "--port", t.port, "--threads", o.threads, "--work-us", o.work_us, "--body-bytes", o.body_bytes }
  end,
  -- the CPUs its load keeps busy (the pool is larger than that: threads wait on their sockets)
  threads = function(o) return math.max(1, math.ceil(o.rate * o.work_us / 1e6)) end,
  -- ready when the port answers: a JVM takes 1-3 s to get there (more with JFR at launch)
  ready = { port = "{port}", timeout = 30 },
  -- the known split, as async-profiler's collapsed stacks name the methods (Class.method, a
  -- package's class with slashes: the Server class has none); JFR's profile is not read
  truth = { parts = { ["Server.cpuHot"] = 70, ["Server.cpuWarm"] = 20, ["Server.cpuCold"] = 10 } },
  -- SIGTERM: the server stops and the JVM exits 0 through its shutdown hooks, JFR's included,
  -- which may write a recording first
  stop_grace = 30,
  driver = function(o, t)
    return { prog("replay"), "--port", t.port, "--http", "/", "--rate", o.rate,
             "--connections", o.connections, "--latency", t.dir .. "/latency" }
  end,
}
