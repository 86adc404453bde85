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
  duration = { "measured seconds per trial (process design)", 0.5, min = 0.05 },
  design   = { "process or switchback (tare calibrate runs both, each in half the seconds)", "process",
               choices = { "process", "switchback" } },
}

local latency = o.metric == "latency"

-- Switchback: the profiler switched on and off in windows of one process.  The A/A arm is the
-- inject shim at 0%: switched like the others, it injects nothing.  Processes of equal length,
-- 4 per arm (the interval's t quantile has 3 degrees of freedom), as long as the budget allows.
if o.design == "switchback" then
  if latency then error("design=switchback calibrates CPU only (metric=cpu)", 0) end
  local arms, blocks = 1 + #o.levels, 4
  -- a process costs its warm-up and ~0.6 s of starting and stopping besides its windows; at
  -- least 4 pairs of 0.25 s windows each
  local per_process = o.seconds / (arms * blocks)
  local duration = math.max(2, (per_process - o.warmup - 0.6) * 0.9)
  experiment {
    name      = "calibrate-switchback",
    workload  = { "cpu", threads = 1 },
    profilers = { { "off" }, { "inject", pct = 0, label = "A/A" }, { "inject", pct = o.levels } },
    design = "switchback", blocks = blocks, warmup = o.warmup, duration = duration,
    counters = false,
  }
  return
end
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
