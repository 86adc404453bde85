-- perf: Linux perf record, sampling the workload's process tree with call graphs.
-- -p {pids}: every process of the workload when the trial begins (a service measured in place
-- has its workers already; one tare starts is a single process then, and perf follows its forks).
-- perf runs as its own process in the profiler cgroup, so its CPU and memory (ring draining,
-- writing perf.data) are charged to it; the sampling interrupts land in the workload.
return {
  description = "perf record -g at a sampling frequency (Linux perf)",
  options = {
    hz   = { "sampling frequency (Hz)", 99, type = "integer", min = 1, max = 100000 },
    type = { "profile type", "cpu", choices = { "cpu" } },
    callgraph = { "call-graph unwinder", "fp", choices = { "fp", "dwarf", "lbr" } },
    switch = { "switchback: fifo (perf record --control, one perf for the whole process) or restart (a perf attached for each on window)",
               "fifo", choices = { "fifo", "restart" } },
  },
  available = function()
    if not tare.which("perf") then
      return false, "perf is not installed: apt-get install linux-perf"
    end
    if not tare.is_root and tare.perf_event_paranoid > 1 then
      return false, "kernel.perf_event_paranoid is " .. tare.perf_event_paranoid ..
        ": run as root or set it to 1 (sysctl kernel.perf_event_paranoid=1)"
    end
    return true
  end,
  command = function(o, t)
    local args = { "--quiet", "-F", o.hz, "--call-graph", o.callgraph, "-p", t.pids }
    if t.switchback and o.switch == "restart" then
      -- a file a life, perf.1.data, perf.2.data...: perf moves an existing perf.data to
      -- perf.data.old, so the third life would have lost the first.  sh picks the next name and
      -- execs perf, which keeps its PID for the ready check and the stop signal.
      local argv = { "sh", "-c", 'n=1; while [ -e "$0/perf.$n.data" ]; do n=$((n+1)); done; ' ..
                     'exec perf record "$@" -o "$0/perf.$n.data"', t.dir }
      for _, a in ipairs(args) do argv[#argv + 1] = a end
      return argv
    end
    local argv = { "perf", "record" }
    for _, a in ipairs(args) do argv[#argv + 1] = a end
    for _, a in ipairs({ "-o", t.dir .. "/perf.data" }) do argv[#argv + 1] = a end
    if t.switchback and o.switch == "fifo" then
      -- start with the events disabled; tare enables and disables them through the FIFOs
      for _, a in ipairs({ "-D", "-1", "--control",
                           "fifo:" .. t.dir .. "/control.fifo," .. t.dir .. "/ack.fifo" }) do
        argv[#argv + 1] = a
      end
    end
    return argv
  end,
  -- switchback: `perf record --control` (perf 5.9 and later) switches its events on and off;
  -- restart attaches a fresh perf to the running workload for each on window (what a profiler
  -- that cannot be paused gets; its start-up and shutdown fall in the unmeasured guard time)
  control = function(o) return o.switch == "restart" and "restart" or "perf-fifo" end,
  -- perf opens its events on the held workload before the gate opens: ready once it has mapped
  -- its rings, which it does after opening every event (the first of its 4-6 descriptors came
  -- too early: nginx forked its worker before the inherited sampling event existed).
  ready = { perf_event_mmaps = 1, timeout = 15 },
  -- what it recorded: perf report --stats counts the SAMPLE records of each file (its first
  -- such line is the file's own), summed over a restarted perf's lives; its cpu-clock samples
  -- come at hz a second of the workload's CPU
  samples = function(o)
    return { command = { "sh", "-c", 'for f in "$0"/perf.data "$0"/perf.[0-9]*.data; do [ -e "$f" ] || continue; ' ..
                         'perf report --stats -i "$f" 2>/dev/null | grep -m1 "SAMPLE events:"; done | ' ..
                         'awk \'{ n += $3; seen = 1 } END { if (seen) print "SAMPLE events: " n }\'', "{dir}" },
             match = "SAMPLE events: *([0-9]+)", per_cpu_s = o.hz }
  end,
  -- its own frames in what it recorded: the kernel's perf_* functions running in the workload
  -- (an inherited event switched at each context switch, the tick's rotation); the sampling
  -- interrupt itself is never in a sample.  perf script's stacks folded (leaf last) by awk.
  self = { command = { "sh", "-c", 'for f in "$0"/perf.data "$0"/perf.[0-9]*.data; do [ -e "$f" ] || continue; ' ..
                       'perf script -i "$f" -F ip,sym 2>/dev/null; echo; done | ' ..
                       "awk 'NF == 0 { if (s != \"\") c[s]++; s = \"\"; next } " ..
                       "{ s = (s == \"\") ? $2 : $2 \";\" s } END { if (s != \"\") c[s]++; for (k in c) print k, c[k] }'", "{dir}" },
           pattern = "(^|;)_*(perf_|x86_pmu)" },
  -- SIGINT makes perf record finish writing perf.data.
  stop = { signal = "INT", grace = 30 },
}
