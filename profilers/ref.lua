-- ref: tare's own reference sampler (`tare sample`, profilers/ref/; docs/sampler.md).
-- It runs as its own process in the profiler cgroup, attached to the workload's PID (its threads,
-- and the threads and children it makes later), so its draining, aggregation, symbolization and
-- writing are charged to it; the sampling interrupts land in the workload, as with perf.  It
-- writes the trial's profile.pb.gz (pprof), profile.folded and sampler.json (its own figures:
-- samples, lost, throttled, dropped, effective rate, CPU, peak RSS).
return {
  description = "tare's reference sampler: perf_event rings, aggregated in memory, pprof out",
  options = {
    hz   = { "sampling frequency (Hz)", 99, type = "integer", min = 1, max = 100000 },
    type = { "profile type", "cpu", choices = { "cpu" } },
  },
  available = function()
    if not tare.exists(tare.build .. "/tare") then
      return false, tare.build .. "/tare is not built: run make"
    end
    -- user-space stacks need perf_event_paranoid <= 2 (kernel frames too: <= 1, or root)
    if not tare.is_root and tare.perf_event_paranoid > 2 then
      return false, "kernel.perf_event_paranoid is " .. tare.perf_event_paranoid ..
        ": run as root or set it to 1 (sysctl kernel.perf_event_paranoid=1)"
    end
    return true
  end,
  command = function(o, t)
    local c = { tare.build .. "/tare", "sample", "-F", o.hz, "-p", t.pid,
                "-o", t.dir .. "/profile.pb.gz", "--folded", t.dir .. "/profile.folded",
                "--stats", t.dir .. "/sampler.json" }
    -- switchback: started with sampling off; SIGUSR1 switches it on, SIGUSR2 off
    if t.switchback then c[#c + 1] = "--paused" end
    return c
  end,
  -- switchback (docs/switchback.md): --paused, then switched by SIGUSR1 (on) and SIGUSR2 (off)
  control = "signal",
  samples = function(o) return { json = "{dir}/sampler.json", key = "samples", per_cpu_s = o.hz } end,
  -- its own frames in the workload's stacks: the kernel's perf event code (context switches of
  -- its per-thread events); the sampling interrupt is never in a sample
  self = { folded = "{dir}/profile.folded", pattern = "(^|;)_*(perf_|x86_pmu)" },
  -- printed once its events are open on every thread of the (gated) workload
  ready = { line = "tare-sample: ready", timeout = 15 },
  -- SIGINT: a final flush of the profile, then exit 0
  stop = { signal = "INT", grace = 10 },
}
