-- go-pprof: a Go service profiling itself with runtime/pprof, push-style, as Pyroscope's Go SDK
-- does: the CPU profile runs from the service's start, and a new file is begun every `seconds`
-- (the SDK's upload interval) into {dir}/cpu-NNNN.pb.gz, the last one at exit.  No process of
-- its own: the cost is all in the service (SIGPROF, the profile buffer, encoding each file);
-- what uploading would cost is left out.  Only tare's Go service (workloads/go.lua) reads
-- TARE_GO_PPROF_DIR; another workload records nothing, and the run says UNRELIABLE.
--
-- Switchback (control = "toggle"): with TARE_GO_PPROF_TOGGLE=1 the service starts with its
-- profiler stopped, and each SIGUSR2 starts it (a new file) or stops it (the file written then):
-- StartCPUProfile and StopCPUProfile, as an SDK's start and stop call them.  A stretch of on
-- windows shorter than `seconds` writes one file, encoded at its stop, in the guard: what is
-- measured is the sampling and the profile buffer's draining, not each file's final write.
--
-- The service's CPU profiler is in use for the whole trial, so a scraper of the same service
-- (go-pprof-scrape) would get 500 "cpu profiling already in use", as it would in production.
local prog = tare.build .. "/workloads/pprof-scrape"

return {
  description = "a Go service profiling itself with runtime/pprof (Pyroscope's Go SDK's way), a file every N seconds",
  options = {
    seconds = { "seconds of each profile file (the upload interval)", 10, type = "number", min = 0.1, max = 86400 },
  },
  available = function()
    if not tare.exists(prog) then
      if not tare.which("go") then return false, "go is not installed: apt-get install golang-go, then run make" end
      return false, prog .. " is not built: run make"
    end
    return true
  end,
  env = function(o, t)
    return { TARE_GO_PPROF_DIR = t.dir, TARE_GO_PPROF_SECONDS = o.seconds, TARE_GO_PPROF_TOGGLE = t.switchback and "1" or nil }
  end,
  control = "toggle",
  -- what it recorded: the CPU samples in the files the service wrote (the last at its exit: tare
  -- counts after the workload has stopped)
  samples = { command = { prog, "--count", "{dir}" }, match = '"samples":([0-9]+)', per_cpu_s = 100 },  -- runtime/pprof's 100 Hz
  -- its own frames in what it recorded: the SIGPROF handler and the runtime/pprof goroutine
  -- that drains the profile buffer and encodes each file, from `go tool pprof -traces` folded
  -- by profilers/go/pprof-folded.awk.  The signal's delivery is never in a sample.  Counted in
  -- samples (-sample_index=samples), not CPU time: the same shares, and the number the known
  -- split's sampling bound needs.
  self = { command = { "sh", "-c", "HOME={dir} go tool pprof -sample_index=samples -traces {dir}/cpu-*.pb.gz 2>/dev/null | awk -f " ..
                       tare.root .. "/profilers/go/pprof-folded.awk" },
           pattern = "(^|;)(runtime/pprof\\.|runtime\\.(sigprof|cpuprof))" },
}
