# Latency end to end: the server under open-loop load reports p50..p99 per trial, merged .hgrm
# files per configuration, and a known +50 µs on every reply (inject's latency mode) is
# recovered: the truth lies inside the run's own 99% interval of the paired p50 change.
# The +50 µs is service time; a request also waits behind the one before it, longer when each
# takes longer.  At 1000/s the one worker was busy ~10% of the time and ~15% with the spin,
# which added ~8-15 µs of wait to the p50 and put +50 below the interval in some runs; at
# 300/s (busy ~3% and ~4.5%) the added wait is ~1-2 µs, well inside the interval's width.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > lat.lua <<'LUA'
experiment { name = "lat", workload = { "server", rate = 300, work_us = 50 },
  profilers = { "off", { "inject", mode = "latency", us = 50 } },
  blocks = 8, warmup = 0.5, duration = 2, confidence = 0.99, counters = false }
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
python3 -c "import sys; sys.exit(0 if $lo <= 50 <= $hi else 1)" || fail "+50 µs not inside [$lo, $hi]: $(cat out)"
grep -q "p99 latency" out || fail "no latency column: $(cat out)"
exit 0
