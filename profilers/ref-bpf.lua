-- ref-bpf: tare's eBPF reference sampler (`tare sample --bpf`, profilers/bpf/; docs/bpf.md).
-- Stacks are aggregated in the kernel by BPF programs; the sampler process only names and writes
-- them, so its cgroup is charged little, while the programs' work (stack walks in the sampling
-- interrupt, uprobe traps on every pthread_mutex_lock and malloc/free) lands in the workload
-- and as unattributed interrupt time.  BPF map memory is kernel memory: sampler.json reports it
-- (bpf_map_bytes), apart from the sampler's peak RSS.
--
-- types is a list of profile types run together: { "cpu", "offcpu" } is one configuration;
-- a list of lists sweeps them as a list of rates does, e.g.
--   profilers = { { "off" }, { "ref-bpf", types = { {"cpu"}, {"cpu","offcpu"}, {"cpu","alloc"} } } }
-- (on the command line: types=cpu,offcpu).  Each type writes its own files into the trial's
-- directory: profile.cpu.pb.gz, profile.cpu.folded, profile.offcpu.pb.gz, ...
return {
  description = "tare's eBPF sampler: cpu, offcpu, lock, alloc aggregated in the kernel, pprof out",
  options = {
    hz    = { "cpu: sampling frequency (Hz)", 99, type = "integer", min = 1, max = 100000 },
    types = { "profile types, together in one run", { "cpu" },
              choices = { "cpu", "offcpu", "lock", "alloc" } },
  },
  available = function()
    local build = tare.build
    if not tare.exists(build .. "/tare") then
      return false, build .. "/tare is not built: run make"
    end
    -- make writes what it found: "bpf", or why the eBPF sampler was left out
    local found = (tare.read(build .. "/bpf.txt") or ""):gsub("%s+$", "")
    if found ~= "bpf" then
      return false, "tare was built without the eBPF sampler (" .. found .. ")"
    end
    if not tare.exists("/sys/kernel/btf/vmlinux") then
      return false, "this kernel has no BTF (/sys/kernel/btf/vmlinux): build it with CONFIG_DEBUG_INFO_BTF=y"
    end
    if not tare.is_root then
      return false, "loading BPF programs needs root (or CAP_BPF and CAP_PERFMON)"
    end
    return true
  end,
  command = function(o, t)
    local c = { tare.build .. "/tare", "sample", "--bpf", "-t", table.concat(o.types, ","),
                "-F", o.hz, "-p", t.pid,
                "-o", t.dir .. "/profile.pb.gz", "--folded", t.dir .. "/profile.folded",
                "--stats", t.dir .. "/sampler.json" }
    -- switchback: started with sampling off; SIGUSR1 switches it on, SIGUSR2 off
    if t.switchback then c[#c + 1] = "--paused" end
    return c
  end,
  -- switchback (docs/switchback.md): --paused, then switched by SIGUSR1 (on) and SIGUSR2 (off)
  control = "signal",
  -- what its first type recorded: cpu samples, offcpu blocks, lock contentions, alloc samples
  samples = function(o)
    local what = ({ cpu = "samples", offcpu = "blocks", lock = "contentions", alloc = "samples" })[o.types[1]]
    return { json = "{dir}/sampler.json", key = "types." .. o.types[1] .. "." .. what, what = what,
             per_cpu_s = o.types[1] == "cpu" and o.hz or nil }
  end,
  -- its own frames in the first type's stacks: BPF programs and the perf event code that runs them
  self = function(o)
    return { folded = "{dir}/profile." .. o.types[1] .. ".folded", pattern = "(^|;)_*(bpf_|perf_|x86_pmu)" }
  end,
  -- printed once every program of every type is attached to the (gated) workload
  ready = { line = "tare-sample: ready", timeout = 15 },
  -- SIGINT: detach, a final flush of every profile, then exit 0
  stop = { signal = "INT", grace = 10 },
}
