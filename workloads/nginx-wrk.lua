-- nginx-wrk: nginx (as workloads/nginx.lua starts it) loaded by Debian's wrk instead of tare's
-- own driver: the worked example of bringing your own load generator (docs/adapters.md, "Bring
-- your own load generator").  Copy it and change the driver.
--
-- The contract: the driver runs in the trial's folder from the moment nginx answers on {port}
-- until tare sends SIGTERM at the end of the trial; by the time it exits it has left
-- latency.hist there (here: wrk's done() hook writes every latency wrk recorded, "VALUE COUNT"
-- in µs, and `tare hist --from text --unit us` converts them), and its last stdout line may be
-- {"requests":N,"errors":E,...}.  There is no unit (wrk does not count on tare's units page),
-- so tare weighs CPU per second; it is only comparable between arms at the same offered rate.
--
-- wrk is a closed loop: each connection sends its next request only after the answer, so a
-- stall holds back the requests that would have met it and their latency is never measured
-- (coordinated omission; wrk2 -R and tare's own driver are open loops and do not have it).
-- A think time between a response and the next request (wrk's delay() hook, whole ms) keeps
-- the offered rate near `rate` while latency is small against it: with 16 connections at 1000
-- req/s each connection waits 16 ms, and 100 µs of latency slows the rate by 0.6%.
--
--   tare run my.lua   with   workload = { "nginx-wrk", rate = 1000, connections = 16 }
local nginx = dofile(tare.root .. "/workloads/nginx.lua")

-- whole milliseconds of think time per connection (wrk's delay() is in ms), at least 1
local function think_ms(o) return math.max(1, math.floor(o.connections * 1000 / o.rate)) end

-- wrk's own Lua (written into each trial's folder): the think time, then at the end every
-- (latency µs, count) pair of wrk's statistics, and the summary as the JSON line tare reads.
local function wrk_script(o)
  local ms = think_ms(o)
  return "local think_ms = " .. ms .. "\n" .. [[
function delay() return think_ms end
function done(summary, latency, requests)
  local f = assert(io.open("wrk-latency.txt", "w"))
  f:write("# wrk latencies: microseconds, count\n")
  for i = 1, #latency do
    local us, n = latency(i)
    f:write(string.format("%d %d\n", us, n))
  end
  f:close()
  local e = summary.errors
  -- no target_rate: a closed loop has none, and tare would read a shortfall as queueing
  io.write(string.format('{"requests":%d,"errors":%d,"achieved_rate":%.3f}\n', summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.requests / (summary.duration / 1e6)))
end
]]
end

return {
  description = "nginx (Debian's nginx-light) under Debian's wrk (closed loop with think time): bring-your-own-driver example",
  unit = nil,
  options = {
    rate        = { "offered requests per second (each connection waits connections/rate between requests)", 1000, type = "number", min = 1, max = 100000 },
    connections = { "wrk's connections (-c)", 16, type = "integer", min = 1, max = 10000 },
    wrk_threads = { "wrk's threads (-t), at most connections", 1, type = "integer", min = 1, max = 64 },
    workers     = nginx.options.workers,
    body_bytes  = nginx.options.body_bytes,
  },
  available = function()
    local ok, why = nginx.available()
    if not ok then return ok, why end
    if not tare.which("wrk") then return false, "wrk is not installed: apt-get install wrk" end
    return true
  end,
  command = nginx.command,
  files = function(o, t)
    local f = nginx.files(o, t)
    f["wrk-latency.lua"] = wrk_script(o)
    return f
  end,
  threads = nginx.threads,
  ready = nginx.ready,
  stop_grace = nginx.stop_grace,
  -- wrk prints its statistics and runs done() on SIGINT only, and SIGTERM reaches the driver's
  -- whole process group: wrk starts with TERM ignored, and the shell turns TERM into INT for it.
  driver = function(o, t)
    local wrk = string.format("wrk -t %d -c %d -d 24h -s wrk-latency.lua http://127.0.0.1:%s/",
                              math.min(o.wrk_threads, o.connections), o.connections, t.port)
    return { "sh", "-c",
      "trap '' TERM; " .. wrk .. " & w=$!; trap 'kill -INT $w' TERM; wait $w; wait $w; " ..
      "exec " .. tare.build .. "/tare hist --from text --unit us wrk-latency.txt -o latency.hist" }
  end,
}
