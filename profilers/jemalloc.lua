-- jemalloc: jemalloc's heap profiler (MALLOC_CONF prof), inside a workload that runs on
-- jemalloc in every arm.
--
-- No process of its own: jemalloc samples one allocation per 2^lg_prof_sample bytes allocated
-- on average (a backtrace, unwound by libgcc, and a counter per stack), and at the workload's
-- exit (prof_final; tare stops it with SIGTERM, and tare's workloads exit cleanly on it) writes
-- jeprof.PID.0.f.heap into the trial's folder, where the workload runs — a relative prefix,
-- because MALLOC_CONF has no quoting for a ',' or ':' in a path.  `jeprof` reads the dumps.
--
-- Fairness: the allocator is not the profiler.  Preloading jemalloc here alone would weigh
-- jemalloc-with-profiling against glibc's malloc.  So the workload preloads it, in every arm
-- (alloc and server: preload = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"), and this adapter
-- only turns profiling on; it refuses, at plan time, a workload whose environment does not
-- preload jemalloc.
--
-- What it recorded (profile_samples): the sampled allocations in its final dumps, from their
-- cumulative counts (prof_accum, on by default; jeprof --alloc_space reads them too).  With
-- prof_accum = false a dump holds only what is live at exit, which may be nothing: then tare
-- counts the dumps written.
--
--   workload = { "alloc", preload = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2" },
--   profilers = { "off", { "jemalloc" }, { "jemalloc", lg_prof_sample = 16 } }
local paths = { "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
                "/usr/lib64/libjemalloc.so.2", "/usr/lib/libjemalloc.so.2" }
local function lib()
  for _, p in ipairs(paths) do
    if tare.exists(p) then return p end
  end
end

-- The dumps' totals: "dumps D sampled S live L" (S: cumulative sampled objects, 0 without
-- prof_accum; L: sampled objects live at the dump), over the final dump of each process.
local count = [[
for f in jeprof.*.f.heap; do [ -e "$f" ] && sed -n 2p "$f"; done |
  awk '{ d++; l += $2; c += substr($4, 2) } END { printf "dumps %d sampled %d live %d\n", d, c, l }']]

return {
  description = "jemalloc's heap profiler (MALLOC_CONF prof) in a workload that preloads jemalloc in every arm",
  options = {
    lg_prof_sample = { "log2 of the mean bytes between sampled allocations (19: 512 KiB, jemalloc's default)", 19,
                       type = "integer", min = 0, max = 40 },
    prof_accum     = { "keep cumulative counts (jeprof --alloc_space; what tare counts as samples)", true, type = "boolean" },
  },
  available = function()
    local p = lib()
    if not p then return false, "jemalloc is not installed: apt-get install libjemalloc2" end
    -- a build without --enable-prof ignores prof:true; its statistics say which it is
    local f = io.popen("MALLOC_CONF=stats_print:true LD_PRELOAD=" .. p .. " /bin/true 2>&1")
    local out = f and f:read("a") or ""
    if f then f:close() end
    if not out:find("config.prof: true", 1, true) then
      return false, p .. " was built without heap profiling (config.prof: false): use a jemalloc built with --enable-prof"
    end
    return true
  end,
  env = function(o, t)
    if not (t.env.LD_PRELOAD or ""):find("jemalloc", 1, true) then
      error("workload " .. t.workload .. " does not preload jemalloc, so its baseline would run glibc's malloc and the " ..
            "overhead would be jemalloc's against glibc's: give it preload = \"" .. (lib() or "libjemalloc.so.2") .. "\"", 0)
    end
    local conf = "prof:true,prof_final:true,prof_prefix:jeprof,lg_prof_sample:" .. o.lg_prof_sample ..
                 ",prof_accum:" .. tostring(o.prof_accum)
    if t.env.MALLOC_CONF then conf = t.env.MALLOC_CONF .. "," .. conf end
    return { MALLOC_CONF = conf }
  end,
  samples = function(o)
    if o.prof_accum then
      return { command = { "sh", "-c", count }, match = "sampled ([0-9]+)", what = "sampled allocations" }
    end
    return { command = { "sh", "-c", count }, match = "dumps ([0-9]+)", what = "heap dumps" }
  end,
}
