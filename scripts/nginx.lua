-- nginx: what does perf record cost a real web server?
--
-- Debian's nginx (nginx-light), started by tare on a free loopback port with a generated
-- configuration (workloads/nginx.lua), under a steady open-loop HTTP/1.1 load from tare's driver
-- (wrk2's method: latency from each request's intended send time), with perf record at 99 Hz
-- switched on and off in half-second windows of each nginx (design = "switchback",
-- docs/switchback.md).  CPU per response, p99 and perf's memory, in about two minutes.
--
--   tare run scripts/nginx.lua
--   tare run scripts/nginx.lua rate=5000 workers=2 hz=99,999
--   tare run scripts/nginx.lua design=process blocks=20
local o = options {
  design   = { "switchback (perf switched in windows of one nginx) or process (a fresh nginx per trial)",
               "switchback", choices = { "switchback", "process" } },
  blocks   = { "blocks (0: 8 for switchback, 12 for process)", 0, type = "integer", min = 0 },
  warmup   = { "warm-up seconds per nginx, not measured", 0.5, min = 0 },
  duration = { "measured seconds per nginx (0: 12 for switchback, 3 for process)", 0, min = 0 },
  hz       = { "perf sampling frequencies (Hz); a list sweeps them", { 99 }, type = "integer", min = 1 },
  rate     = { "requests per second (open loop)", 2000, min = 1 },
  workers  = { "nginx worker processes", 1, type = "integer", min = 1, max = 64 },
}

local switchback = o.design == "switchback"
experiment {
  name      = "nginx",
  workload  = { "nginx", rate = o.rate, workers = o.workers },
  profilers = { { "off" }, { "perf", hz = o.hz } },
  design    = o.design,
  -- one profiler arm: the whole two minutes go to it (a pair of windows spreads by ~10 points on
  -- nginx here, three times the canary's server: its CPU per request is all wake-ups and syscalls)
  blocks    = o.blocks > 0 and o.blocks or (switchback and 8 or 12),
  warmup    = o.warmup,
  duration  = o.duration > 0 and o.duration or (switchback and 12 or 3),
  window    = 0.5,
}
