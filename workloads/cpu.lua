-- cpu: threads burning CPU in a known split across non-inlined functions (workloads/cpu.c).
-- The ground truth for the sampler's validation: one unit is one pass main -> worker ->
-- cpu_hot, cpu_warm, cpu_cold (a "pass"), with iterations in the proportions of `split`.
return {
  description = "N threads burning CPU in a known split across functions (ground truth)",
  unit = "passes",
  options = {
    threads = { "worker threads", 1, type = "integer", min = 1, max = 1024 },
    split   = { "percent of the work in cpu_hot,cpu_warm,cpu_cold (1 to 8 parts summing to 100)", "70,20,10" },
    unit_iterations = { "kernel iterations in one unit of work", 10000, type = "integer", min = 100, max = 100000000 },
  },
  available = function()
    local prog = tare.build .. "/workloads/cpu"
    if not tare.exists(prog) then return false, prog .. " is not built: run make" end
    return true
  end,
  command = function(o)
    -- Check the split here, at plan time, rather than as a failed trial.
    local sum, parts = 0, 0
    for n in tostring(o.split):gmatch("[^,]+") do
      local v = tonumber(n)
      if not v or v ~= math.floor(v) or v < 0 then error("split: '" .. n .. "' is not a whole percentage", 0) end
      sum, parts = sum + v, parts + 1
    end
    if parts < 1 or parts > 8 or sum ~= 100 then
      error("split '" .. o.split .. "' must be 1 to 8 whole percentages summing to 100", 0)
    end
    return { tare.build .. "/workloads/cpu", "--threads", o.threads, "--split", o.split,
             "--unit-iterations", o.unit_iterations }
  end,
  threads = function(o) return o.threads end,
  -- the known split, for a profile's stacks (docs/adapters.md): parts named by position
  truth = function(o)
    local names, parts, i = { "cpu_hot", "cpu_warm", "cpu_cold", "cpu_f3", "cpu_f4", "cpu_f5", "cpu_f6", "cpu_f7" }, {}, 0
    for n in tostring(o.split):gmatch("[^,]+") do
      i = i + 1
      parts[names[i]] = tonumber(n)
    end
    return { parts = parts }
  end,
}
