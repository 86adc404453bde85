-- validate-runtime: one runtime's own profiler on that runtime's service, whose CPU split across
-- three named functions is known (70/20/10), so the profile it writes can be held against the
-- truth.  Run by `tare validate -T runtime`, once per profiler; by hand:
--
--   tare run scripts/validate-runtime.lua profiler=go-pprof duration=8
--
-- One block: the profiler's trial, and the baseline trial every experiment has.  The services
-- are loaded open loop at a steady rate (each request's work split over cpuHot/cpuWarm/cpuCold),
-- busy enough that a 100 Hz profiler takes a few hundred samples in a few seconds.
local services = {
  ["gperftools"]      = { "cpu", threads = 1 },
  ["go-pprof"]        = { "go", rate = 300, work_us = 2000 },
  ["go-pprof-scrape"] = { "go", rate = 300, work_us = 2000 },
  ["pyroscope-node"]  = { "node", rate = 300, work_us = 1000 },
  ["node-cpu-prof"]   = { "node", rate = 300, work_us = 1000 },
  ["jfr"]             = { "java", rate = 300, work_us = 1000 },
}
-- the profiler's options where its defaults take nothing in a run of seconds: Alloy's 15 s
-- scrape interval would finish no profile
local settings = {
  ["go-pprof-scrape"] = { interval = 4 },
}
-- a JVM's warm-up: its JIT compiles the work functions in the first seconds
local warmup = { ["jfr"] = 5 }
local o = options {
  profiler = { "the profiler: gperftools (cpu), go-pprof, go-pprof-scrape (go), pyroscope-node, node-cpu-prof (node), jfr (java)",
               "gperftools", choices = { "gperftools", "go-pprof", "go-pprof-scrape", "pyroscope-node", "node-cpu-prof", "jfr" } },
}

local profiler = { o.profiler }
for k, v in pairs(settings[o.profiler] or {}) do profiler[k] = v end

experiment {
  name      = "validate-" .. o.profiler,
  workload  = services[o.profiler],
  profilers = { { "off" }, profiler },
  design    = "process",
  blocks    = 1,
  warmup    = warmup[o.profiler] or 1,
  duration  = 4,
}
