-- calibrate: what can this machine tell apart?  (run by `tare calibrate`)
--
-- An A/A pair (off against off) gives the noise floor and the false-positive rate; the inject
-- profiler at known overheads gives the recovered value and how often it is detected.  The
-- blocks are sized to fit the time budget.
--
-- metric=cpu (default): the cpu workload, injected CPU overheads (levels, percent).
-- metric=latency: the server workload under an open-loop load (rate), a known delay added to
-- every reply (us, microseconds); the p50 latency's change is what is calibrated.  The delay is
-- thread CPU time, so interrupts lengthen it a little in wall time; at rates much below 1000/s
-- this VM's vCPUs sleep between requests and their wake-up hides part of it
-- (tests/cli/latency.sh has the figures).
local o = options {
  metric   = { "what to calibrate: cpu (CPU per unit) or latency (p50 of a server)", "cpu",
               choices = { "cpu", "latency" } },
  seconds  = { "time budget for all trials, seconds", 120, min = 10 },
  levels   = { "metric=cpu: injected CPU overheads, percent", { 0.5, 1, 2, 5 }, min = 0.01, max = 50 },
  us       = { "metric=latency: injected delays, microseconds per request", { 10, 25, 50 }, min = 1, max = 100000 },
  rate     = { "metric=latency: requests per second, open loop", 1000, min = 10, max = 100000 },
  warmup   = { "warm-up seconds per trial", 0.2, min = 0 },
  duration = { "measured seconds per trial", 0.5, min = 0.05 },
}

local latency = o.metric == "latency"
local arms = 2 + (latency and #o.us or #o.levels)
-- A trial costs its warm-up and window plus ~0.25 s of starting and stopping processes.
local blocks = math.max(6, math.floor(o.seconds / (arms * (o.warmup + o.duration + 0.25))))

experiment {
  name      = latency and "calibrate-latency" or "calibrate",
  workload  = latency and { "server", rate = o.rate, work_us = 50 } or { "cpu", threads = 1 },
  profilers = { { "off" }, { "off", label = "A/A" },
                latency and { "inject", mode = "latency", us = o.us } or { "inject", pct = o.levels } },
  blocks = blocks, warmup = o.warmup, duration = o.duration,
  counters = false,
}
