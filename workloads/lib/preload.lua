-- preload: a library preloaded (LD_PRELOAD) in every arm of a workload — an allocator such as
-- jemalloc, so that a heap profiler inside it (profilers/jemalloc.lua) is weighed against the
-- same allocator, not against glibc's.  A profiler's own preload is added to it, not put in its
-- place (harness/trial.c).  Shared by the workloads that take it: alloc, server, command.
--
--   local preload = dofile(tare.root .. "/workloads/lib/preload.lua")
--   options = { ..., preload = preload.option }, env = preload.env
return {
  option = { "a library preloaded (LD_PRELOAD) in every arm: an allocator such as jemalloc, so the baseline runs it too", "" },
  env = function(o)
    local lib = tare.unescape(o.preload)
    if lib == "" then return {} end
    if not tare.exists(lib) then
      error("preload: " .. lib .. " does not exist (jemalloc: apt-get install libjemalloc2)", 0)
    end
    return { LD_PRELOAD = o.preload }
  end,
}
