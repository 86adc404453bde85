-- lock: threads contending on pthread mutexes at non-inlined sites with known holds
-- (workloads/lock.c).  The ground truth for lock profiles: at lock_site_a, lock_site_b, ...
-- each round a rotating leader takes the mutex and holds it until every other thread has
-- failed its trylock, so every site has threads-1 contentions per round, each waiting at least
-- hold_us.  One unit is one acquisition; at exit the workload prints per-site contentions and
-- wait (delay) as JSON.  Holds sleep by default: a spinning holder is preempted on a loaded
-- machine, and then scheduling, not the holds, decides the waits.
local prog = tare.build .. "/workloads/lock"

return {
  description = "N threads contending on mutexes at known sites and holds (ground truth for lock profiles)",
  unit = "acquisitions",
  options = {
    threads = { "contending threads", 2, type = "integer", min = 2, max = 64 },
    hold_us = { "hold per acquisition in us at lock_site_a,lock_site_b,... (1 to 4 sites)", "200,50" },
    hold_mode = { "hold asleep (no CPU needed) or spinning on-CPU", "sleep", choices = { "sleep", "spin" } },
  },
  available = function()
    if not tare.exists(prog) then return false, prog .. " is not built: run make" end
    return true
  end,
  command = function(o)
    local n = 0
    for h in (tostring(o.hold_us) .. ","):gmatch("([^,]*),") do
      local v = tonumber(h)
      if not v or v ~= math.floor(v) or v < 1 or v > 1000000 then
        error("hold_us: '" .. h .. "' is not a whole number of us in [1, 1000000]", 0)
      end
      n = n + 1
    end
    if n > 4 then error("hold_us '" .. o.hold_us .. "' names more than 4 sites", 0) end
    return { prog, "--threads", o.threads, "--hold-us", o.hold_us, "--hold-mode", o.hold_mode }
  end,
  -- At most the holder runs (spinning, with hold_mode = "spin"); the others wait blocked.
  threads = function() return 1 end,
}
