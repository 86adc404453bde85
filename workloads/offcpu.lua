-- offcpu: threads blocking at non-inlined sites for known times (workloads/offcpu.c).  The
-- ground truth for off-CPU profiles: sleep_site (clock_nanosleep), pipe_site (read on a pipe a
-- helper thread writes to after pipe_us), futex_site (futex wait timing out), each after
-- work_us of on-CPU work.  One unit is one blocking call; at exit the workload prints per-site
-- counts and blocked time as JSON.
local prog = tare.build .. "/workloads/offcpu"

return {
  description = "N threads blocking at known sites for known times (ground truth for off-CPU profiles)",
  unit = "blocks",
  options = {
    threads  = { "blocking threads (each with a helper thread for pipe_site)", 1, type = "integer", min = 1, max = 64 },
    sleep_us = { "sleep_site: clock_nanosleep for this many us (0: skip the site)", 1000, type = "integer", min = 0, max = 10000000 },
    pipe_us  = { "pipe_site: the helper writes the pipe after this many us (0: skip)", 500, type = "integer", min = 0, max = 10000000 },
    futex_us = { "futex_site: futex wait timing out after this many us (0: skip)", 250, type = "integer", min = 0, max = 10000000 },
    work_us  = { "on-CPU work before each block, in us", 50, type = "integer", min = 0, max = 10000000 },
  },
  available = function()
    if not tare.exists(prog) then return false, prog .. " is not built: run make" end
    return true
  end,
  command = function(o)
    if o.sleep_us + o.pipe_us + o.futex_us == 0 then
      error("sleep_us, pipe_us and futex_us are all 0: at least one site must block", 0)
    end
    return { prog, "--threads", o.threads, "--sleep-us", o.sleep_us, "--pipe-us", o.pipe_us,
             "--futex-us", o.futex_us, "--work-us", o.work_us }
  end,
  -- Mostly blocked: with the defaults a thread is on-CPU ~10% of the time.
  threads = function() return 1 end,
}
