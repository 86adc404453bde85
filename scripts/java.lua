-- java: what does Java Flight Recorder cost a JVM service?
--
-- The Java service (workloads/java.lua: the JDK's HTTP server, 200 us of CPU per request in
-- three methods) under a steady open-loop load from tare's driver, warmed for 15 s first: the JIT
-- settles after ~15 000 requests, and a shorter warm-up measures it (docs/workloads.md#java).
--
-- By default JFR is switched on and off in half-second windows of each warm JVM (design =
-- "switchback", profilers/jfr.lua when = "signal": the service starts and stops a recording at
-- SIGUSR1 through the jdk.jfr API), so the JIT's drift cancels within each pair: about 3 minutes.
-- design=process runs a fresh JVM per trial instead, without JFR, with JFR started on the JVM's
-- command line and with JFR started by jcmd on the running JVM, as services turn it on: about 25
-- s a trial, ten minutes for 8 blocks, and intervals as wide as the JIT's warm-up is uneven.
--
--   tare run scripts/java.lua
--   tare run scripts/java.lua settings=profile
--   tare run scripts/java.lua design=process blocks=12
local o = options {
  design   = { "switchback (JFR switched in windows of one warm JVM) or process (a fresh JVM per trial: at launch and by jcmd)",
               "switchback", choices = { "switchback", "process" } },
  blocks   = { "blocks (0: 6 for switchback, 8 for process)", 0, type = "integer", min = 0 },
  warmup   = { "warm-up seconds per JVM, not measured (the JIT's; see workloads/java.lua)", 15, min = 0 },
  duration = { "measured seconds per JVM (0: 8 for switchback, 5 for process)", 0, min = 0 },
  settings = { "JFR's settings: default or profile", "default", choices = { "default", "profile" } },
  rate     = { "requests per second (open loop)", 1000, min = 1 },
}

local switchback = o.design == "switchback"
experiment {
  name      = "java",
  workload  = { "java", rate = o.rate },
  profilers = switchback and { { "off" }, { "jfr", when = "signal", settings = o.settings } }
              or { { "off" }, { "jfr", when = "launch", settings = o.settings }, { "jfr", when = "jcmd", settings = o.settings } },
  design    = o.design,
  blocks    = o.blocks > 0 and o.blocks or (switchback and 6 or 8),
  warmup    = o.warmup,
  duration  = o.duration > 0 and o.duration or (switchback and 8 or 5),
  -- a recording's start costs the JVM 20-30 ms of CPU: a guard keeps it out of the window
  window    = 0.5,
  guard     = 0.1,
}
