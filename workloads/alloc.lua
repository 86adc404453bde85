-- alloc: threads allocating from non-inlined sites of known sizes in a known mix
-- (workloads/alloc.c).  The ground truth for allocation profiles: alloc_small (malloc 64),
-- alloc_medium (calloc 16x64), alloc_large (malloc 16384), alloc_grow (realloc to 4096 of a
-- 256-byte block from alloc_seed), weighed by `mix`.  One unit is one malloc, calloc or
-- realloc call; at exit the workload prints per-site objects, bytes and live objects as JSON.
-- Unpaced (rate = 0) it runs ~30 M calls/s on one core: the cost of a profiler's allocation
-- hooks per million allocations shows at full strength.
local prog = tare.build .. "/workloads/alloc"

local preload = dofile(tare.root .. "/workloads/lib/preload.lua")   -- every arm's LD_PRELOAD
return {
  description = "N threads allocating at known sites, sizes and mix (ground truth for alloc profiles)",
  unit = "allocations",
  options = {
    threads    = { "allocating threads", 1, type = "integer", min = 1, max = 256 },
    mix        = { "weights of alloc_small,alloc_medium,alloc_large,alloc_grow", "70,20,5,5" },
    keep_every = { "keep every Nth object of each site live (0: none)", 10, type = "integer", min = 0, max = 4294967295 },
    live       = { "live objects kept per site and thread (oldest freed first)", 64, type = "integer", min = 1, max = 1000000 },
    rate       = { "allocation calls per second over all threads (0: as fast as possible)", 0, type = "number", min = 0, max = 1e9 },
    preload    = preload.option,
  },
  available = function()
    if not tare.exists(prog) then return false, prog .. " is not built: run make" end
    return true
  end,
  command = function(o)
    -- Check the mix here, at plan time, rather than as a failed trial.
    local n, sum = 0, 0
    for w in (tostring(o.mix) .. ","):gmatch("([^,]*),") do
      local v = tonumber(w)
      if not v or v ~= math.floor(v) or v < 0 or v > 1000000 then
        error("mix: '" .. w .. "' is not a whole weight in [0, 1000000]", 0)
      end
      n, sum = n + 1, sum + v
    end
    if n ~= 4 or sum == 0 then error("mix '" .. o.mix .. "' must be 4 weights, not all 0", 0) end
    local argv = { prog, "--threads", o.threads, "--mix", o.mix, "--keep-every", o.keep_every,
                   "--live", o.live }
    if o.rate > 0 then argv[#argv + 1] = "--rate"; argv[#argv + 1] = o.rate end
    return argv
  end,
  threads = function(o) return o.threads end,
  env = preload.env,
}
