# Bring your own load generator (workloads/nginx-wrk.lua): nginx driven by Debian's wrk, its
# latencies written by wrk's done() hook and converted by tare hist into latency.hist.
#   - every trial records latency from the external driver (p99_us > 0, requests > 0), with no
#     uncorrected latency (NaN: null in results.json) and no unit (CPU per second);
#   - a driver that leaves no latency.hist fails the trial with one reason.
. "$ROOT/tests/lib.sh"
need_root
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || skip "nginx is not installed: apt-get install nginx-light"
command -v wrk >/dev/null || skip "wrk is not installed: apt-get install wrk"
cd "$T"
cat > ngx.lua <<'LUA'
experiment { name = "ngxwrk", workload = { "nginx-wrk", rate = 500, connections = 8 }, profilers = { "off" },
  design = "process", blocks = 2, warmup = 0.2, duration = 1 }
LUA
expect_exit 0 "$TARE" run ngx.lua --no-report
f=$(ls results/*-ngxwrk/results.json)
python3 - "$f" <<'PY' || fail "trials: $(json "$f" '[(t["state"], t["error"], t.get("p99_us"), t.get("requests")) for t in d["trials"]]')"
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["trials"]) == 2, d["trials"]
for t in d["trials"]:
    assert t["state"] == "ok", t
    assert t["p99_us"] is not None and t["p99_us"] > 0, t
    assert t["requests"] > 0, t
    assert t["p99_uncorrected_us"] is None, t
    assert t["unit"] == "", t
PY
for d in results/*-ngxwrk/trials/*/; do
	[ -s "$d/wrk-latency.txt" ] || fail "wrk's done() wrote no $d/wrk-latency.txt: $(tail -n 3 "$d/driver.err")"
	last=$(tail -n 1 "$d/driver.out")
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["requests"] > 0 and d["errors"] == 0, d' "$last" ||
		fail "driver's JSON line in $d: $last"
done

# a driver that leaves no latency.hist: the trial fails saying so
cat > nohist.lua <<'LUA'
local nginx = dofile(tare.root .. "/workloads/nginx.lua")
return { description = "nginx, and a driver that records nothing", options = nginx.options, command = nginx.command, files = nginx.files,
  ready = nginx.ready, driver = { "sleep", "30" } }
LUA
cat > nohist-run.lua <<'LUA'
experiment { name = "nohist", workload = { "nohist.lua" }, profilers = { "off" }, blocks = 1, warmup = 0, duration = 0.3 }
LUA
expect_exit 1 "$TARE" run nohist-run.lua --no-report
contains "left no latency.hist"
exit 0
