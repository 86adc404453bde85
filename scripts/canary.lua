-- canary: "is it safe to leave this profiler on?"
--
-- A real loopback request/response server under a steady open-loop load (workloads/server.lua),
-- with the profiler off, with a known injected overhead (1% CPU: the harness must find it), and
-- under perf record at 99 Hz — so one run answers CPU, p99 and memory together.  About two
-- minutes on a 2-CPU machine.
--
-- By default the profilers are switched on and off in half-second windows of each server
-- process (design = "switchback", docs/switchback.md): a pair of windows shares the process,
-- its placement and its neighbours, so the CPU and p99 intervals are several times narrower
-- than those of fresh processes; memory is the profiler's own.  design=process runs a fresh
-- server per trial instead (memory growth, start-up, profilers that cannot be switched).
--
--   tare run scripts/canary.lua                    the defaults below
--   tare run scripts/canary.lua hz=99,999 rate=4000
--   tare run scripts/canary.lua design=process blocks=20
local o = options {
  design   = { "switchback (profilers switched in windows of one process) or process (a fresh one per trial)",
               "switchback", choices = { "switchback", "process" } },
  blocks   = { "blocks (0: 6 for switchback, 8 for process)", 0, type = "integer", min = 0 },
  warmup   = { "warm-up seconds per process, not measured (a C server is warm in milliseconds)", 0.5, min = 0 },
  duration = { "measured seconds per process (0: 8 for switchback, 1.5 for process)", 0, min = 0 },
  hz       = { "perf sampling frequencies (Hz); a list sweeps them", { 99 }, type = "integer", min = 1 },
  rate     = { "requests per second sent to the server (open loop)", 2000, min = 1 },
}

local switchback = o.design == "switchback"
experiment {
  name      = "canary",
  workload  = { "server", rate = o.rate },
  profilers = {
    { "off" },
    { "inject", pct = 1 },
    { "perf", hz = o.hz },
  },
  design = o.design,
  -- 6 processes per profiler: the interval's t quantile has 5 degrees of freedom
  blocks = o.blocks > 0 and o.blocks or (switchback and 6 or 8),
  warmup = o.warmup,
  duration = o.duration > 0 and o.duration or (switchback and 8 or 1.5),
  -- 0.5 s windows hold 1000 requests at 2000/s: enough for each window's own p99
  window = 0.5,
}
