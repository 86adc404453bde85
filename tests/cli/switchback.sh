# Switchback (docs/switchback.md): the profiler switched on and off in windows of one process.
#   - an adapter without a control is refused for switchback, and one whose toggle_signal is no
#     signal's name: one line, exit 2;
#   - the window schedule replays from the run's seed: two runs with one seed switch alike;
#   - every pair holds one window of each arm, guards are not measured (the windows' sum is
#     below the process's window phase), and windows.csv has a row per window;
#   - windows too short for a p99 have one per group of pairs (harness/window_latency.h);
#   - tare compare of two switchback runs gives each overhead's change with an interval;
#   - Ctrl-C mid-window keeps every finished pair: exit 130, the trial kept with whole pairs.
. "$ROOT/tests/lib.sh"
need_root
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
cat > nc.lua <<'LUA'
return { description = "no control", command = function() return { "sleep", "60" } end }
LUA
cat > refuse.lua <<'LUA'
experiment { name = "refuse", workload = { "cpu" }, profilers = { "off", { "nc.lua" } }, design = "switchback" }
LUA
expect_exit 2 "$TARE" run refuse.lua
one_line; contains "profiler nc.lua cannot be switched on and off in one process"; contains 'design = "process"'
expect_exit 2 "$TARE" run refuse.lua design=sometimes
one_line; contains "command line: design=sometimes"
cat > badsig.lua <<'LUA'
return { description = "a bad toggle signal", control = "toggle", toggle_signal = "USR3" }
LUA
cat > badsig-run.lua <<'LUA'
experiment { name = "badsig", workload = { "cpu" }, profilers = { "off", { "badsig.lua" } }, design = "switchback" }
LUA
expect_exit 2 "$TARE" run badsig-run.lua
one_line; contains "toggle_signal must be one of"

cat > sb.lua <<'LUA'
experiment { name = "sb", workload = { "cpu" }, profilers = { "off", { "perf", hz = 99 } },
  design = "switchback", blocks = 2, warmup = 0.1, duration = 1, window = 0.1, guard = 0.02 }
LUA
expect_exit 0 "$TARE" run sb.lua seed=11 --no-report -o a
expect_exit 0 "$TARE" run sb.lua seed=11 --no-report -o b
contains "processes x pairs"
fa=$(ls a/*-sb/results.json) fb=$(ls b/*-sb/results.json)
arms() { json "$1" '[[w["arm"] for w in t["windows"]] for t in d["trials"]]'; }
[ "$(arms "$fa")" = "$(arms "$fb")" ] || fail "one seed, two schedules: $(arms "$fa") vs $(arms "$fb")"
[ "$(json "$fa" 'd["plan"]["design"], d["plan"]["pairs"], len(d["trials"])')" = "switchback 5 2" ] ||
	fail "plan and trials: $(json "$fa" 'd["plan"], [(t["state"], t["error"]) for t in d["trials"]]')"
[ "$(json "$fa" 'all(len(t["windows"]) == 10 and all(t["windows"][i]["arm"] + t["windows"][i+1]["arm"] == 1 for i in range(0, 10, 2)) for t in d["trials"])')" = True ] ||
	fail "a pair without one window of each arm: $(arms "$fa")"
# guards are not measured: windows start at least a guard apart, and last a window each
[ "$(json "$fa" 'all(b["start_s"] - a["start_s"] >= 0.1 + 0.02 - 0.005 and 0.095 < a["wall_s"] < 0.2 for t in d["trials"] for a, b in zip(t["windows"], t["windows"][1:]))')" = True ] ||
	fail "windows overlap their guards: $(json "$fa" '[(w["start_s"], w["wall_s"]) for w in d["trials"][0]["windows"]]')"
[ "$(cat a/*-sb/windows.csv | wc -l)" -eq 21 ] || fail "windows.csv: $(cat a/*-sb/windows.csv)"
[ "$(json "$fa" 'd["summary"]["arms"][1]["overhead"]["cpu_total"]["n"]')" = 10 ] || fail "want 10 pairs analysed"

# windows too short for a p99 (0.1 s at 2500 requests/s: ~250 requests each): each arm's
# latencies merged over 4-5 consecutive pairs (1000 requests), the group's percentiles on its first
# pair, none on the others
cat > lat.lua <<'LUA'
experiment { name = "lat", workload = { "server", rate = 2500, work_us = 20 }, profilers = { "off", { "perf", hz = 99 } },
  design = "switchback", blocks = 1, warmup = 0.2, duration = 1, window = 0.1, guard = 0.02 }
LUA
expect_exit 0 "$TARE" run lat.lua --no-report -o lat
fl=$(ls lat/*-lat/results.json)
python3 - "$fl" <<'PY' || fail "merged window latency: $(json "$fl" '[(w["arm"], w["requests"], w["latency_pairs"], w["p99_us"]) for t in d["trials"] for w in t["windows"]]')"
import json, math, sys
for t in json.load(open(sys.argv[1]))["trials"]:
    w = t["windows"]
    assert len(w) == 10 and all(100 < x["requests"] < 400 for x in w)
    # groups: pairs merged until each arm holds 1000 requests (4 or 5 pairs at ~250 a window; the
    # counts come from the run, so a stalled window that holds fewer only moves the groups), the
    # rest a last group
    first, acc = 0, [0, 0]
    for i in range(10):
        acc[w[i]["arm"]] += w[i]["requests"]
        if i % 2 == 1 and (min(acc) >= 1000 or i == 9):
            for j in range(first, i + 1):
                head = j < first + 2
                assert w[j]["latency_pairs"] == ((i + 1 - first) // 2 if head else 0), (j, first, i)
                assert (w[j]["p99_us"] is not None) == (head and min(acc) >= 1000), (j, acc)
                assert (w[j]["p90_us"] is not None) == head, j
            first, acc = i + 1, [0, 0]
PY

# the gauge (harness/gauge.h): a fixed kernel path timed beside every window, on the workload's
# CPU (idle-class: the server leaves it most of the CPU); read in the summary, never used to adjust
python3 - "$fl" <<'PY' || fail "gauge: $(json "$fl" '[(w["gauge_ops"], w["gauge_ns"]) for t in d["trials"] for w in t["windows"]], d["summary"]["arms"][1]["switchback"]')"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["plan"]["gauge"] is True
# idle-class, it may be starved in a window a neighbour fills: most windows, not all, are read
read = [w for w in d["trials"][0]["windows"] if w["gauge_ops"] >= 32]
assert len(read) >= 8 and all(100 < w["gauge_ns"] / w["gauge_ops"] < 1e6 for w in read), read
g = d["summary"]["arms"][1]["switchback"]["gauge"]
assert 3 <= g["pairs"] <= 5 and 0 <= g["r2_with_cpu"] <= 1 and g["pair_sd_pct"] > 0, g
s = g["slower_when_on"]
# one process of 5 pairs: an estimate, and an interval only where 5 pairs can give one
assert s["estimate_pct"] is not None and (s["lo_pct"] is None or s["lo_pct"] <= s["estimate_pct"] <= s["hi_pct"]), s
PY
contains "the machine's speed (gauge) moved"
expect_exit 0 "$TARE" run lat.lua --no-report -o lat-nogauge gauge=false
fl=$(ls lat-nogauge/*-lat/results.json)
[ "$(json "$fl" 'd["plan"]["gauge"], sum(w["gauge_ops"] for t in d["trials"] for w in t["windows"]), "gauge" in d["summary"]["arms"][1]["switchback"]')" = "False 0 False" ] ||
	fail "gauge=false still gauged: $(json "$fl" 'd["summary"]["arms"][1]["switchback"]')"
expect_exit 2 "$TARE" run lat.lua gauge=maybe
one_line; contains "command line: gauge=maybe: expected true or false"

# tare compare of two switchback runs: the overhead's change from the two runs' estimates
expect_exit 0 "$TARE" compare a/*-sb b/*-sb --format json
printf '%s\n' "$out" > cmp.json
python3 - <<'PY' || fail "compare: $(cat cmp.json)"
import json
d = json.load(open("cmp.json"))
rows = [r for r in d["rows"] if r.get("metric") == "cpu_total"]
assert rows and all(r["change"]["lo"] is not None and r["change"]["lo"] <= r["change"]["estimate"] <= r["change"]["hi"] for r in rows), rows
assert any("switchback" in n for n in d["notes"]), d["notes"]
PY

# Ctrl-C in the middle of a process's windows: the pairs finished so far are kept
cat > long.lua <<'LUA'
experiment { name = "long", workload = { "cpu" }, profilers = { "off", { "perf", hz = 99 } },
  design = "switchback", blocks = 1, warmup = 0.1, duration = 30, window = 0.1, guard = 0.02 }
LUA
tare_bg run long.lua --no-report
for i in $(seq 1 100); do
	pgrep -f "^perf record.*results/.*-long/" >/dev/null && break
	sleep 0.05
done
sleep 2
kill -INT $pid
wait $pid; rc=$?
[ $rc -eq 130 ] || fail "Ctrl-C: exit $rc, want 130: $(cat "$T/out")"
f=$(ls results/*-long/results.json)
n=$(json "$f" 'len(d["trials"][0]["windows"]) if d["trials"] else 0')
[ "$n" -ge 4 ] && [ "$n" -lt 300 ] && [ $((n % 2)) -eq 0 ] || fail "Ctrl-C kept $n windows, want whole pairs: $(cat "$T/out")"
[ "$(json "$f" 'd["trials"][0]["state"]')" = ok ] || fail "the interrupted process was not kept"
no_leftovers $pid
exit 0
