-- go-pprof-scrape: Grafana Alloy's pyroscope.scrape against a Go service that imports
-- net/http/pprof (workloads/go.lua): every `interval` seconds it pulls a CPU profile of
-- `seconds` (default interval - 1, as Alloy sets it for process_cpu) from
-- http://127.0.0.1:{port}/debug/pprof/profile, and the other asked profiles, into {dir}.
-- The scraper is a Go program (workloads/go/scrape) in the profiler cgroup, so its CPU and
-- memory are what the scraping costs; the profiling itself (SIGPROF, the runtime's profile
-- buffer, encoding the answer) is charged to the service.  It starts once the service answers
-- on its port (start = "ready").  A service without the endpoint is found before any trial:
-- with check = 1 tare starts the service and the scraper once, unmeasured, before the first
-- trial; the scraper's first fetch gets the 404 within milliseconds, and it exits 3 with one
-- line naming the URL, which stops the run with exit 3 (docs/adapters.md, check).
--
-- Alloy scrapes memory, block, mutex, goroutine and process_cpu by default; here only the CPU
-- profile unless asked: profiles = "cpu,allocs,goroutine,mutex,block" is Alloy's default set
-- (its memory is /debug/pprof/allocs).  A CPU profile in flight when the trial ends is
-- abandoned, as when Alloy stops: a trial shorter than warmup + seconds records nothing, and
-- the run says UNRELIABLE.
--
-- No switch: pprof's CPU profile runs for the whole of each fetch, so trials are processes
-- (design = "process").
local prog = tare.build .. "/workloads/pprof-scrape"
local go_pprof = dofile(tare.root .. "/profilers/go-pprof.lua")	-- the same program: its check
local kinds = { cpu = true, heap = true, allocs = true, goroutine = true, mutex = true, block = true }

return {
  description = "Alloy's pyroscope.scrape: pulls /debug/pprof/profile?seconds=N (and heap, goroutine, ...) from a Go service",
  options = {
    interval = { "seconds between scrapes (Alloy's scrape_interval)", 15, type = "number", min = 1, max = 86400 },
    seconds  = { "length of each CPU profile in whole seconds (0: interval - 1, as Alloy)", 0, type = "integer", min = 0, max = 86400 },
    profiles = { "profile types to scrape, comma-separated: cpu, heap, allocs, goroutine, mutex, block", "cpu" },
  },
  available = go_pprof.available,
  command = function(o, t)
    for k in (o.profiles .. ","):gmatch("([^,]*),") do
      if not kinds[k] then
        error("profiles: unknown profile type '" .. k .. "' (cpu, heap, allocs, goroutine, mutex, block)", 0)
      end
    end
    if o.seconds == 0 and o.interval < 2 then
      error("interval " .. o.interval .. " s leaves no time for a CPU profile of interval - 1 s: give seconds", 0)
    end
    return { prog, "--port", t.port, "--dir", t.dir, "--interval", o.interval, "--seconds", o.seconds,
             "--profiles", o.profiles }
  end,
  start = "ready",
  -- a service without net/http/pprof: the first fetch's 404, exit 3, before any trial
  check = 1,
  -- SIGTERM abandons the fetches in flight and writes scrape.json
  stop = { signal = "TERM", grace = 10 },
  -- what it kept: the CPU samples in the profiles it fetched (pprof-scrape sums them)
  samples = { json = "{dir}/scrape.json", key = "samples" },
  -- the service's profiling frames in the profiles it fetched, as go-pprof reads its own (the
  -- scraper's work is in its own process, measured, not in these profiles)
  self = go_pprof.self,
}
