-- java: what does Java Flight Recorder cost a JVM service?
--
-- The Java service (workloads/java.lua: the JDK's HTTP server, 200 us of CPU per request in
-- three methods) under a steady open-loop load from tare's driver, without JFR, with JFR started
-- on the JVM's command line, and with JFR started by jcmd on the running JVM (profilers/jfr.lua).
-- JFR cannot be paused from outside, so each trial is a fresh JVM (design = "process"), warmed
-- for 15 s first: the JIT settles after ~15 000 requests, and a shorter warm-up measures it
-- (docs/workloads.md#java).  About 25 s a trial: 8 blocks of 3 take ten minutes.
--
--   tare run scripts/java.lua
--   tare run scripts/java.lua settings=profile blocks=12
local o = options {
  blocks   = { "blocks", 8, type = "integer", min = 1 },
  warmup   = { "warm-up seconds per JVM, not measured (the JIT's; see workloads/java.lua)", 15, min = 0 },
  duration = { "measured seconds per JVM", 5, min = 0.1 },
  settings = { "JFR's settings: default or profile", "default", choices = { "default", "profile" } },
  rate     = { "requests per second (open loop)", 1000, min = 1 },
}

experiment {
  name      = "java",
  workload  = { "java", rate = o.rate },
  profilers = { { "off" }, { "jfr", when = "launch", settings = o.settings }, { "jfr", when = "jcmd", settings = o.settings } },
  design    = "process",
  blocks    = o.blocks,
  warmup    = o.warmup,
  duration  = o.duration,
}
