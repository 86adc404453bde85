-- inplace: "what does this profiler cost on the service I run?" — measured where it runs.
--
-- The service keeps running; tare never restarts, signals, pins or moves it.  The profiler is
-- started once per block and switched on and off in windows around the service (switchback,
-- docs/switchback.md); CPU is the service's own (its process tree, or its cgroup), the work
-- done per window comes from tare's load on url=, from a counter of the service's Prometheus
-- endpoint, or is a second of its own load.  `tare canary --pid N ...` runs this script.
--
--   tare canary --pid $(pgrep -o nginx) --url http://127.0.0.1:8080/
--   tare canary --pid $(pgrep -o redis-server) --metrics http://127.0.0.1:9121/metrics \
--               --units redis_commands_processed_total --unit command
--   tare canary --cgroup system.slice/myapp.service --hz 99,999
local o = options {
  pid      = { "PID of the service's main process (its process tree is measured)", 0, type = "integer", min = 0 },
  cgroup   = { "or the service's cgroup, beneath the CPU hierarchy", "" },
  url      = { "tare's open-loop load: http://127.0.0.1:PORT/PATH or redis://127.0.0.1:PORT", "" },
  rate     = { "requests per second to url", 2000, type = "number", min = 0.001 },
  connections = { "connections to url", 16, type = "integer", min = 1 },
  metrics  = { "the service's Prometheus endpoint, for units= and latency=", "" },
  units    = { "a counter at metrics whose increase is the work done", "" },
  latency  = { "a histogram at metrics (seconds): each window's p50/p90/p99", "" },
  unit     = { "what one unit of units= is called", "request" },
  profiler = { "the profiler to weigh", "perf", choices = { "perf", "ref", "ref-bpf" } },
  hz       = { "sampling frequencies (Hz); a list sweeps them", { 99 }, type = "integer", min = 1 },
  blocks   = { "blocks: the profiler is started afresh for each", 6, type = "integer", min = 2 },
  duration = { "switching seconds per block", 25, min = 1 },
  window   = { "seconds of one measured window", 0.5, min = 0.05 },
  warmup   = { "seconds after the profiler is ready, before the first window", 1, min = 0 },
}

-- only what was given, so the workload's label says what it is ("running pid=1234 url=...")
local service = { "running" }
for _, k in ipairs({ "pid", "cgroup", "url", "metrics", "units", "latency" }) do
  if o[k] ~= 0 and o[k] ~= "" then service[k] = o[k] end
end
if o.url ~= "" and o.rate ~= 2000 then service.rate = o.rate end
if o.url ~= "" and o.connections ~= 16 then service.connections = o.connections end
if o.units ~= "" then service.unit = o.unit end

experiment {
  name      = "inplace",
  workload  = service,
  profilers = { { "off" }, { o.profiler, hz = o.hz } },
  design    = "switchback",
  blocks    = o.blocks,
  warmup    = o.warmup,
  duration  = o.duration,
  window    = o.window,
}
