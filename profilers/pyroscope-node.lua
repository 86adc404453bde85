-- pyroscope-node: Grafana Pyroscope's Node SDK (@pyroscope/nodejs: wall-time profiles from V8's
-- CPU profiler, heap profiles from V8's sampling heap profiler), pushing to an ingest endpoint.
-- The SDK runs inside the workload: workloads/node/server.js loads it when its environment has
-- TARE_PYROSCOPE_URL_FILE, and its cost is the workload's.
--
-- The ingest endpoint is this profiler's own process: workloads/node/ingest.js, on a free
-- loopback port, counting the uploads (200, or 503 with ingest = "refuse", or no answer ever with
-- ingest = "stall": the SDK drops the profile, and the workload must not be hurt).  Its CPU and
-- memory are charged to the profiler's cgroup, so "profiler" in the summary is the ingest's
-- share, small next to the SDK's in the workload; a real Pyroscope server would cost more.
--
-- tare stops a profiler before the workload, and the SDK sends its last profile as the workload
-- stops: so at SIGTERM (after the measured window) the ingest sends the workload SIGTERM itself
-- and takes uploads until it has exited.
--
-- The workload's environment needs the sink's port, but {port} is the workload's.  So the sink
-- writes its URL to {dir}/ingest.url once it listens; that file is its ready, and the workload,
-- started after the profiler is ready (start = "gate"), reads it (TARE_PYROSCOPE_URL_FILE).
--
--   profilers = { "off", { "pyroscope-node", flush_s = 15 } }
local function sdk() return tare.root .. "/workloads/node/node_modules/@pyroscope/nodejs/package.json" end

return {
  description = "the Pyroscope Node SDK (@pyroscope/nodejs) in the workload, pushing to a loopback ingest",
  options = {
    flush_s = { "seconds between uploads (the SDK's flushIntervalMs)", 15, type = "number", min = 0.1, max = 3600 },
    hz      = { "wall-time sampling frequency (Hz): wall.samplingIntervalMicros = 1e6/hz", 100, type = "integer", min = 1, max = 100000 },
    heap    = { "also the heap profile (Pyroscope.start()'s default); false: wall only", true, type = "boolean" },
    cpu_time = { "wall.collectCpuTime: CPU time beside wall time in the wall profile", false, type = "boolean" },
    ingest  = { "what the ingest endpoint does with an upload: ok (200), refuse (503), stall (never answers)",
                "ok", choices = { "ok", "refuse", "stall" } },
  },
  available = function()
    if not tare.which("node") then return false, "node is not installed: apt-get install nodejs" end
    if not tare.exists(sdk()) then
      return false, "the Pyroscope Node SDK is not installed: scripts/setup.sh --tests " ..
        "(or npm install --no-audit --no-fund in " .. tare.root .. "/workloads/node)"
    end
    return true
  end,
  command = function(o, t)
    return { "node", tare.root .. "/workloads/node/ingest.js", t.dir, o.ingest, t.pid }
  end,
  ready = { file = "{dir}/ingest.url", timeout = 10 },
  env = function(o, t)
    return {
      TARE_PYROSCOPE_URL_FILE = t.dir .. "/ingest.url",
      TARE_PYROSCOPE_FLUSH_MS = tostring(math.floor(o.flush_s * 1000 + 0.5)),
      TARE_PYROSCOPE_HZ = tostring(o.hz),
      TARE_PYROSCOPE_HEAP = o.heap and "1" or "0",
      TARE_PYROSCOPE_CPU_TIME = o.cpu_time and "1" or "0",
    }
  end,
  -- what it recorded: the uploads the ingest received (refused or stalled ones too: the SDK made
  -- and sent them; ingest.json has accepted, rejected and stalled apart)
  samples = { json = "{dir}/ingest.json", key = "uploads", what = "uploads" },
  -- at SIGTERM the ingest stops the workload itself and takes the SDK's last upload (tare stops
  -- a profiler before its workload), then writes ingest.json and exits
  stop = { grace = 10 },
  -- its own frames in what it sent: the SDK's JavaScript (@pyroscope/nodejs and the
  -- @datadog/pprof it drives: serialising, gzipping, uploading), from the wall profiles the
  -- ingest kept ({dir}/wall-N.pb.gz) read by `go tool pprof -traces` and folded by
  -- profilers/go/pprof-folded.awk.  V8 names a frame FILE:FUNCTION:LINE; the workload's own
  -- (server.js) are cut to FUNCTION, the names its known split gives.  V8's sampling thread,
  -- where most of its cost is, is never in a JavaScript stack.
  self = { command = { "sh", "-c", "ls {dir}/wall-*.pb.gz >/dev/null 2>&1 && HOME={dir} go tool pprof " ..
                       "-sample_index=samples -traces {dir}/wall-*.pb.gz 2>/dev/null | awk -f " ..
                       tare.root .. "/profilers/go/pprof-folded.awk | sed 's#[^;]*/server\\.js:\\([A-Za-z0-9_$]*\\):[0-9]*#\\1#g'" },
           pattern = "@pyroscope/nodejs|@datadog/pprof" },
}
