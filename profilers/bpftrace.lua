-- bpftrace: a timed sampler in a bpftrace one-liner, the way people profile with it
-- (profile:hz:N, user and kernel stacks counted in a map, printed when it stops).
--
-- It samples every CPU and keeps the workload's samples by a filter in the kernel: the workload's
-- process ({pid}) and its children (a master's forked workers: curtask->real_parent, read
-- through BTF), so forked nginx workers count, where a filter on the PID alone caught 1-2
-- samples of them.  The program is compiled by LLVM when it starts (a second or two of CPU,
-- and ~200 MiB: both the profiler's) before it prints "Attaching 1 probe...".
return {
  description = "bpftrace profile:hz with stacks counted in a map (the workload and its children)",
  options = {
    hz     = { "sampling frequency (Hz)", 99, type = "integer", min = 1, max = 10000 },
    stacks = { "stacks kept per sample", "both", choices = { "both", "user", "kernel", "none" } },
  },
  available = function()
    if not tare.which("bpftrace") then
      return false, "bpftrace is not installed: apt-get install bpftrace"
    end
    if not tare.exists("/sys/kernel/btf/vmlinux") then
      return false, "this kernel has no BTF (/sys/kernel/btf/vmlinux): bpftrace cannot read curtask's parent"
    end
    if not tare.is_root then
      return false, "bpftrace needs root (or CAP_BPF and CAP_PERFMON)"
    end
    return true
  end,
  command = function(o, t)
    local key = ({ both = "@[ustack, kstack] = count(); ", user = "@[ustack] = count(); ",
                   kernel = "@[kstack] = count(); ", none = "" })[o.stacks]
    return { "bpftrace", "-e",
             "BEGIN { printf(\"tare: bpftrace attached\\n\"); } " ..
             "profile:hz:" .. o.hz .. " /pid == " .. t.pid .. " || curtask->real_parent->tgid == " .. t.pid ..
             "/ { @samples = count(); " .. key .. "}" }
  end,
  -- BEGIN's printf reaches stdout only from bpftrace's poll loop, which starts once every probe is
  -- attached.  "Attaching 1 probe..." comes before the attach (and ~5 ms of it here): a trial
  -- that began on it and was stopped before the attach would record nothing.
  ready = { line = "tare: bpftrace attached", timeout = 30 },
  -- SIGINT: print the maps and exit
  stop = { signal = "INT", grace = 30 },
  -- a one-liner cannot be paused: attached afresh for each on window (its compile falls in the guard)
  control = "restart",
  -- profile:hz fires on every CPU; the filter keeps the ticks that find the workload running.
  -- Restarted for each run of on windows, it appends one "@samples: N" a life: summed (the
  -- first alone was a fifth of what it took, over 4-5 lives)
  samples = function(o)
    return { command = { "awk", "$1 == \"@samples:\" { n += $2; seen = 1 } END { if (seen) print \"samples \" n }", "{dir}/profiler.out" },
             match = "samples ([0-9]+)", per_cpu_s = o.hz }
  end,
}
