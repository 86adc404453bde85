# Latency end to end: the server under open-loop load reports p50..p99 per trial, merged .hgrm
# files per configuration, and a known +50 µs on every reply (inject's latency mode) is
# recovered: the run's own 99% interval of the paired p50 change meets [+50, +60] µs.
# The shim spins 50 µs of the thread's CPU time before each reply, like a profiler's work on
# the request path, so the reply leaves at least 50 µs later, and later still by whatever
# interrupts the spin (the softirqs of other requests, the hypervisor's steal): up to a fifth
# more is allowed (one run here measured +64 [53.6, 75.4]).  The rate is 1000/s because at
# lower rates this VM's vCPUs sleep between requests and their wake-up decides the p50: at
# 300/s the same +50 µs measured +12 to +50 (the spin overlaps the client's wake-up), at
# 1000/s +48 to +54, three runs each.  12 blocks at 99%
# (truth.sh's 99.9% is out of reach here: p50s are quantized, so the paired changes tie and
# only the normal approximation is left, which reaches 99.9% from 15 blocks).
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > lat.lua <<'LUA'
experiment { name = "lat", workload = { "server", rate = 1000, work_us = 50 },
  profilers = { "off", { "inject", mode = "latency", us = 50 } },
  blocks = 12, warmup = 0.5, duration = 1, confidence = 0.99, counters = false }
LUA
"$TARE" run lat.lua > out 2>&1 || fail "run failed: $(cat out)"
d=$(ls -d results/*-lat)
f=$d/results.json
[ "$(json "$f" 'all(t["has_latency"] and t["requests"] > 500 and t["p50_us"] <= t["p99_us"] for t in d["trials"])')" = True ] \
	|| fail "trials lack latency: $(cat $d/trials.csv)"
for c in off inject_mode-latency_us-50; do
	[ -s "$d/latency/$c.hgrm" ] || fail "no merged $c.hgrm"
	grep -q "#\[Max" "$d/latency/$c.hgrm" || fail "$c.hgrm lacks the HdrHistogram footer"
done
lo=$(json "$f" "[a for a in d['summary']['arms'] if a['label']!='off'][0]['overhead']['p50_us']['lo']")
hi=$(json "$f" "[a for a in d['summary']['arms'] if a['label']!='off'][0]['overhead']['p50_us']['hi']")
python3 -c "import sys; sys.exit(0 if $lo <= 60 and $hi >= 50 else 1)" || fail "[$lo, $hi] µs misses [+50, +60]: $(cat out)"
grep -q "p99 latency" out || fail "no latency column: $(cat out)"
exit 0
