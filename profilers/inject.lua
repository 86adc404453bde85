-- inject: a known, calibrated overhead, to show that tare recovers the truth.
--   mode = "spin":    an LD_PRELOAD shim in the workload spins on a timer of each thread's CPU
--                     time, inflating its CPU per unit of work by exactly `pct` percent
--                     (profilers/inject/shim.c has the arithmetic).
--   mode = "sidecar": a separate process burns `pct` percent of one CPU (in the profiler's
--                     cgroup); its overhead per unit depends on the workload's rate.
--   mode = "latency": every send(2) of the workload spins `us` microseconds first, so a
--                     server's every reply leaves that much later (+us on each request).
-- Switchback (docs/switchback.md): the shim (spin, latency) follows the units page's arm
-- (control "page", TARE_INJECT_SWITCHBACK=1); the sidecar starts paused and is switched by
-- SIGUSR1 (on) and SIGUSR2 (off) (control "signal").
return {
  description = "known overhead for calibration: an in-workload spin shim or a CPU-burning sidecar",
  options = {
    pct  = { "overhead in percent: CPU inflation per unit (spin) or percent of one CPU (sidecar)", 1, min = 0, max = 99 },
    hz   = { "spin ticks per second of each thread's CPU time", 100, type = "integer", min = 1, max = 10000 },
    mode = { "where the overhead lands", "spin", choices = { "spin", "sidecar", "latency" } },
    us   = { "latency mode: microseconds added before each send(2)", 100, min = 0, max = 1000000 },
  },
  -- how a switchback run switches it: by the mode
  control = function(o)
    return o.mode == "sidecar" and "signal" or "page"
  end,
  available = function()
    for _, f in ipairs({ "/profilers/libtare-inject.so", "/profilers/inject-sidecar" }) do
      if not tare.exists(tare.build .. f) then return false, tare.build .. f .. " is not built: run make" end
    end
    return true
  end,
  env = function(o, t)
    local shim = tare.build .. "/profilers/libtare-inject.so"
    local e
    if o.mode == "spin" then
      e = { LD_PRELOAD = shim, TARE_INJECT_PCT = o.pct, TARE_INJECT_HZ = o.hz }
    elseif o.mode == "latency" then
      e = { LD_PRELOAD = shim, TARE_INJECT_SEND_US = o.us }
    end
    if e and t and t.switchback then e.TARE_INJECT_SWITCHBACK = 1 end
    return e
  end,
  command = function(o, t)
    if o.mode == "sidecar" then
      local c = { tare.build .. "/profilers/inject-sidecar", "--pct", o.pct }
      if t and t.switchback then c[#c + 1] = "--paused" end
      return c
    end
  end,
  -- the sidecar takes its signals from this line on (a switchback run switches it after)
  ready = function(o)
    if o.mode == "sidecar" then return { line = "inject-sidecar: ready", timeout = 15 } end
  end,
  -- Only the spin's truth is known per unit of work; the sidecar's depends on the workload.
  truth = function(o)
    if o.mode == "spin" then return { cpu_pct = o.pct } end
    if o.mode == "latency" then return { latency_us = o.us } end
  end,
}
