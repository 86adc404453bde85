-- jfr: Java Flight Recorder, the JDK's own profiler, on a Java workload (workloads/java.lua, or
-- any workload whose program is `java`).  Three ways to turn it on:
--
--   when = "launch"  -XX:StartFlightRecording on the JVM's command line (workload_args): JFR runs
--                    inside the workload from its first instruction and writes
--                    {dir}/recording.jfr when the JVM exits (dumponexit).  Its whole cost is in
--                    the workload's process.
--   when = "jcmd"    started on the running JVM once it is ready: a small shell runs
--                    `jcmd PID JFR.start`, waits, and on SIGINT runs `jcmd PID JFR.stop`, which
--                    writes the recording.  Each jcmd is a JVM of its own attaching to the
--                    workload: its CPU and memory are counted as the profiler's, which is what
--                    profiling a JVM this way costs (the attach listener it wakes in the
--                    workload is counted in the workload).
--   when = "signal"  switched inside one warm JVM, for design = "switchback": tare's java
--                    workload starts a recording through the jdk.jfr API at SIGUSR1 and stops it
--                    (writing {dir}/recording.N.jfr) at the next (control = "toggle").  A JVM's
--                    JIT warm-up swamps process trials (+-25 points); windows of one warm process
--                    do not see it.  The off windows are a JVM whose JFR is loaded but records
--                    nothing, and a start costs ~20-30 ms of CPU: give the switch a guard
--                    (guard = 0.1).  With design = "process" it is "launch".
--
-- settings = "default" (about 1% by the JDK's account: execution samples every 20 ms per thread)
-- or "profile" (every 10 ms, more events).  Samples: the recording's jdk.ExecutionSample events,
-- counted by `jfr summary`.  JFR samples threads running Java code only; a thread in a system
-- call is a jdk.NativeMethodSample, not counted here.
--
--   profilers = { "off", { "jfr", when = "launch" }, { "jfr", when = "jcmd", settings = "profile" } }
return {
  description = "Java Flight Recorder (JDK 17): started with the JVM or by jcmd on the running JVM",
  options = {
    settings = { "JFR's settings file: default (~1% by the JDK's account) or profile (more events, 10 ms samples)",
                 "default", choices = { "default", "profile" } },
    when     = { "launch: -XX:StartFlightRecording on the JVM's command line; jcmd: jcmd PID JFR.start once the JVM is ready; " ..
                 "signal: started and stopped in the java workload by SIGUSR1 (switchback)",
                 "launch", choices = { "launch", "jcmd", "signal" } },
  },
  available = function()
    for _, tool in ipairs({ "java", "jcmd", "jfr" }) do
      if not tare.which(tool) then
        return false, tool .. " is not installed: apt-get install openjdk-17-jdk-headless"
      end
    end
    return true
  end,
  workload_args = function(o, t)
    if o.when == "signal" and t.switchback then
      return { "-Dtare.jfr.toggle=" .. o.settings, "-Dtare.jfr.file={dir}/recording" }
    end
    if o.when == "jcmd" then return nil end
    return { "-XX:StartFlightRecording=name=tare,settings=" .. o.settings ..
             ",filename={dir}/recording.jfr,dumponexit=true" }
  end,
  control = function(o) if o.when == "signal" then return "toggle" end end,
  -- HotSpot may take SIGUSR2 for itself (thread suspension): the workload's handler is on USR1
  toggle_signal = "USR1",
  -- launch and signal: no process of its own (a recording is written when it stops or the JVM
  -- exits, and tare counts it after the workload has stopped)
  command = function(o, t)
    if o.when ~= "jcmd" then return nil end
    -- dash ignores SIGINT in a background job, so the trap ends the sleep itself
    return { "sh", "-c",
      "jcmd {pid} JFR.start name=tare settings=" .. o.settings .. " filename={dir}/recording.jfr || exit 1\n" ..
      "trap 'kill $s 2>/dev/null; jcmd {pid} JFR.stop name=tare; exit $?' INT TERM\n" ..
      "sleep infinity & s=$!\n" ..
      "wait $s" }
  end,
  -- jcmd: after the JVM answers on its port
  start = "ready",
  ready = function(o)
    if o.when == "jcmd" then return { line = "Started recording", timeout = 30 } end
  end,
  -- JFR.stop writes the recording: a second jcmd attach, a few seconds on a busy machine
  stop = { signal = "INT", grace = 30 },
  -- jfr summary prints " jdk.ExecutionSample   COUNT   BYTES"; when = "signal" writes a file per
  -- stretch of on windows (recording.0.jfr, ...), summed
  samples = { command = { "sh", "-c", "for f in {dir}/recording*.jfr; do [ -e \"$f\" ] && jfr summary \"$f\"; done | " ..
                          "awk '$1 == \"jdk.ExecutionSample\" { n += $2; seen = 1 } END { if (seen) print \"samples \" n }'" },
              match = "samples ([0-9]+)", what = "execution samples" },
  -- its own frames in what it recorded: JFR's Java code (jdk.jfr.*, its periodic tasks and
  -- recorder threads are Java threads it samples like any other), in the execution samples'
  -- stacks from `jfr print`, folded by profilers/java/jfr-folded.awk.  Its sampler and recorder
  -- are native threads, never in an execution sample.
  self = { command = { "sh", "-c", "for f in {dir}/recording*.jfr; do jfr print --events jdk.ExecutionSample --stack-depth 64 \"$f\" " ..
                       "2>/dev/null; done | awk -f " .. tare.root .. "/profilers/java/jfr-folded.awk" },
           pattern = "(^|;)jdk\\.jfr\\." },
}
