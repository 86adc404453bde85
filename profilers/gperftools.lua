-- gperftools: Google's CPU profiler, libprofiler preloaded into the workload (CPUPROFILE).
--
-- No process of its own: the profiler is a SIGPROF handler inside the workload, driven by
-- setitimer(ITIMER_PROF) at CPUPROFILE_FREQUENCY per CPU-second of the whole process, which
-- writes its profile when the workload exits (tare stops it with SIGTERM; a workload that exits
-- cleanly on it, as tare's do, flushes).  The kernel checks a process's CPU timer at its ticks,
-- while it runs: a server that works in bursts shorter than a tick gets fewer signals than its
-- CPU time is due (6 where 25 were, on tare's server at 1000 requests/s) — what it records is
-- in profile_samples, from its own "PROFILE: interrupts/..." line.
--
-- Switchback (control = "toggle"): with CPUPROFILESIGNAL set it stays off until a signal, and
-- each signal toggles it; tare sends SIGUSR2 to the workload's main process at every switch
-- (consecutive on windows are one stretch), and each stretch leaves its own file
-- (gperftools.prof.0, .1, ...), all read.
local paths = { "/usr/lib/x86_64-linux-gnu/libprofiler.so.0", "/usr/lib/aarch64-linux-gnu/libprofiler.so.0",
                "/usr/lib64/libprofiler.so.0", "/usr/lib/libprofiler.so.0" }
local function lib()
  for _, p in ipairs(paths) do
    if tare.exists(p) then return p end
  end
end

return {
  description = "gperftools' CPU profiler (libprofiler preloaded into the workload; SIGPROF per CPU-second)",
  options = {
    hz = { "CPUPROFILE_FREQUENCY: interrupts per CPU-second", 100, type = "integer", min = 1, max = 4000 },
  },
  available = function()
    if not lib() then
      return false, "gperftools is not installed: apt-get install libgoogle-perftools4"
    end
    return true
  end,
  env = function(o, t)
    local e = { LD_PRELOAD = lib(), CPUPROFILE = t.dir .. "/gperftools.prof", CPUPROFILE_FREQUENCY = o.hz }
    -- switchback: CPUPROFILESIGNAL keeps it off until the first SIGUSR2 (12 on Linux), and each
    -- one after toggles it, a profile file per stretch of on windows (gperftools.prof.0, .1, ...)
    if t.switchback then e.CPUPROFILESIGNAL = "12" end
    return e
  end,
  control = "toggle",
  -- its "PROFILE: interrupts/evictions/bytes = N/..." lines, one per profile written, summed
  samples = function(o) return { command = { "awk", "/PROFILE: interrupts\\/evictions\\/bytes = / { split($NF, v, \"/\"); n += v[1]; seen = 1 } " ..
                          "END { if (seen) print \"interrupts \" n }", "{dir}/workload.err" },
              match = "interrupts ([0-9]+)", what = "interrupts", per_cpu_s = o.hz } end,
  -- its own frames in what it wrote: the SIGPROF handler's (ProfileHandler, CpuProfiler,
  -- ProfileData), from `go tool pprof -traces` (it reads gperftools' legacy format, and the
  -- binaries by the maps the file holds) folded by profilers/go/pprof-folded.awk.  The handler
  -- takes the stack from the signal's context, so its frames are rarely in it: the share says
  -- how little of its cost a gperftools profile shows.  Without go, nothing is read.
  -- One file at a time: given several legacy-format files, pprof takes the first for the binary.
  self = { command = { "sh", "-c", "command -v go >/dev/null && for f in {dir}/gperftools.prof*; do HOME={dir} go tool pprof " ..
                       "-sample_index=samples -traces \"$f\" 2>/dev/null; done | awk -f " .. tare.root .. "/profilers/go/pprof-folded.awk" },
           pattern = "(^|;)(ProfileHandler|CpuProfiler|ProfileData|prof_handler)" },
}
