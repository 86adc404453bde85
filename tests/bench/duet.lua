-- duet: two switchable profilers on one process, exactly one of them on at a time — tare's "on"
-- arm is a, its "off" arm b (build/bench/bench_sampler duet).  A switchback run of it weighs a
-- against b inside each process: r = (1 + ov_a) / (1 + ov_b), with nothing that differs between
-- processes in it (tests/bench/sampler_overhead.sh and bpf_overhead.sh, docs/switchback.md).
--   ref        tare sample -p, paused (SIGUSR1/SIGUSR2)
--   ref-bpf    tare sample --bpf -t cpu -p, paused
--   perf       perf record -g, -D -1 and its control FIFOs
--   floor      bench_sampler floor: ref's perf events, rings given back unread
--   bpf-floor  bench_bpf floor: ref-bpf's per-CPU events with an empty BPF program
--   bpf-stacks bench_bpf floor --stacks: the same, the program taking the stacks as ref-bpf does
local bench = tare.build .. "/bench/"
local kinds = { "ref", "ref-bpf", "perf", "floor", "bpf-floor", "bpf-stacks" }
return {
  description = "profiler a against profiler b in one process, one of them on at a time",
  options = {
    hz = { "sampling frequency (Hz)", 999, type = "integer", min = 1, max = 100000 },
    a  = { "the profiler of tare's on arm", "ref", choices = kinds },
    b  = { "the profiler of tare's off arm", "floor", choices = kinds },
  },
  available = function()
    if not tare.exists(bench .. "bench_sampler") or not tare.exists(bench .. "bench_bpf") then
      return false, bench .. "bench_sampler and bench_bpf are not built: run make bench"
    end
    return true
  end,
  command = function(o, t)
    if not t.switchback then error("the duet is for design = \"switchback\"", 0) end
    local fifos = t.dir .. "/ctl.fifo," .. t.dir .. "/ack.fifo"
    local cmd = {
      ref = { tare.build .. "/tare", "sample", "-F", o.hz, "-p", t.pid, "--paused",
              "--stats", t.dir .. "/sampler.json" },
      ["ref-bpf"] = { tare.build .. "/tare", "sample", "--bpf", "-t", "cpu", "-F", o.hz, "-p", t.pid, "--paused",
                      "--stats", t.dir .. "/sampler-bpf.json" },
      perf = { "perf", "record", "--quiet", "-F", o.hz, "--call-graph", "fp", "-p", t.pids,
               "-o", t.dir .. "/perf.data", "-D", "-1", "--control", "fifo:" .. fifos },
      floor = { bench .. "bench_sampler", "floor", "-F", o.hz, "-p", t.pid, "--paused" },
      ["bpf-floor"] = { bench .. "bench_bpf", "floor", "-F", o.hz, "-p", t.pid, "--paused" },
      ["bpf-stacks"] = { bench .. "bench_bpf", "floor", "--stacks", "-F", o.hz, "-p", t.pid, "--paused" },
    }
    if o.a == o.b then error("a and b are the same profiler (" .. o.a .. ")", 0) end
    local argv = { bench .. "bench_sampler", "duet" }
    for _, k in ipairs({ "a", "b" }) do
      if o[k] == "perf" then argv[#argv + 1] = "--fifo-" .. k; argv[#argv + 1] = fifos end
    end
    for _, which in ipairs({ o.a, o.b }) do
      argv[#argv + 1] = "--"
      for _, x in ipairs(cmd[which]) do argv[#argv + 1] = x end
    end
    return argv
  end,
  control = "signal",
  ready = { line = "bench_sampler duet: ready", timeout = 30 },
  stop = { signal = "INT", grace = 30 },
}
