-- calibrate: what can this machine tell apart?  (run by `tare calibrate`)
--
-- An A/A pair (off against off) gives the noise floor and the false-positive rate; the inject
-- profiler at known overheads gives the recovered value and how often it is detected.  The
-- blocks are sized to fit the time budget.
local o = options {
  seconds  = { "time budget for all trials, seconds", 120, min = 10 },
  levels   = { "injected CPU overheads, percent", { 0.5, 1, 2, 5 }, min = 0.01, max = 50 },
  warmup   = { "warm-up seconds per trial", 0.2, min = 0 },
  duration = { "measured seconds per trial", 0.5, min = 0.05 },
}

local arms = 2 + #o.levels
-- A trial costs its warm-up and window plus ~0.25 s of starting and stopping processes.
local blocks = math.max(6, math.floor(o.seconds / (arms * (o.warmup + o.duration + 0.25))))

experiment {
  name      = "calibrate",
  workload  = { "cpu", threads = 1 },
  profilers = { { "off" }, { "off", label = "A/A" }, { "inject", pct = o.levels } },
  blocks = blocks, warmup = o.warmup, duration = o.duration,
  counters = false,
}
