-- node-cpu-prof: V8's own sampling CPU profiler, asked for on node's command line
-- (--cpu-prof: node starts it before the first line of the script and writes a .cpuprofile into
-- the trial's folder when the process exits).  Every cost of it — the sampler thread, the
-- ticks, building the profile and writing it at exit — is inside the workload's process and
-- charged to the workload's cgroup.  Only for node workloads (the flags go right after the
-- workload's program, which must be node).
--
-- No process of its own: tare counts what it recorded after the workload has exited (server.js
-- closes and exits 0 on SIGTERM, and node writes the profile then).
--
-- Switchback (control = "toggle"): tare's node workload is started without --cpu-prof and with
-- TARE_NODE_CPU_PROF_DIR, and each SIGUSR2 starts V8's profiler (node:inspector's Profiler
-- domain, which --cpu-prof drives too) or stops it, writing CPU.N.cpuprofile: the same sampler
-- switched in one warm process, where fresh processes per trial measure V8's JIT warm-up (+-10
-- points).  The profile's JSON is built and written at each stop, in the guard.
--
--   profilers = { "off", { "node-cpu-prof", hz = 1000 } }
return {
  description = "V8's CPU profiler inside node (--cpu-prof), at a sampling frequency",
  options = {
    hz = { "sampling frequency (Hz): --cpu-prof-interval=1e6/hz µs (node's default is 1000 µs)", 1000, type = "integer", min = 1, max = 100000 },
  },
  available = function()
    if not tare.which("node") then return false, "node is not installed: apt-get install nodejs" end
    return true
  end,
  env = function(o, t)
    if not t.switchback then return nil end
    return { TARE_NODE_CPU_PROF_DIR = t.dir, TARE_NODE_CPU_PROF_US = math.max(1, math.floor(1000000 / o.hz + 0.5)) }
  end,
  control = "toggle",
  workload_args = function(o, t)
    if t.switchback then return nil end
    return { "--cpu-prof", "--cpu-prof-dir=" .. t.dir,
             "--cpu-prof-interval=" .. math.max(1, math.floor(1000000 / o.hz + 0.5)) }
  end,
  -- what it recorded: the samples of the .cpuprofile (JSON, "samples": [node ids]) node wrote at
  -- exit; none written (the workload was killed, not stopped) prints nothing, so no match
  samples = {
    command = { "node", "-e", "const fs = require('fs'); const d = process.argv[1]; " ..
                "const f = fs.readdirSync(d).filter((n) => n.endsWith('.cpuprofile')); " ..
                "let n = 0; for (const x of f) n += JSON.parse(fs.readFileSync(d + '/' + x, 'utf8')).samples.length; " ..
                "if (f.length) console.log('samples: ' + n);", "{dir}" },
    match = "samples: ([0-9]+)",
  },
  -- its stacks, folded (profilers/node/cpuprofile-folded.js: a frame is its function's name), for
  -- the node workload's known split.  No pattern: V8's sampler thread and its tick processing
  -- are never in a JavaScript stack, so it has no frames of its own to count.
  self = { command = { "node", tare.root .. "/profilers/node/cpuprofile-folded.js", "{dir}" } },
}
