-- canary: "is it safe to leave this profiler on?"
--
-- A real loopback request/response server under a steady open-loop load (workloads/server.lua),
-- with the profiler off, with a known injected overhead (1% CPU: the harness must find it), and
-- under perf record at 99 Hz — so one run answers CPU, memory and p99 together.  About a minute
-- on a 2-CPU machine.
--
--   tare run scripts/canary.lua                    the defaults below
--   tare run scripts/canary.lua blocks=20 hz=99,999 rate=4000
local o = options {
  blocks   = { "blocks; each runs every configuration once, in shuffled order", 8, type = "integer", min = 1 },
  warmup   = { "warm-up seconds per trial, not measured", 0.5, min = 0 },
  duration = { "measured seconds per trial", 1.5, min = 0.1 },
  hz       = { "perf sampling frequencies (Hz); a list sweeps them", { 99 }, type = "integer", min = 1 },
  rate     = { "requests per second sent to the server (open loop)", 2000, min = 1 },
}

experiment {
  name      = "canary",
  workload  = { "server", rate = o.rate },
  profilers = {
    { "off" },
    { "inject", pct = 1 },
    { "perf", hz = o.hz },
  },
  blocks = o.blocks, warmup = o.warmup, duration = o.duration,
}
