# A short run end to end: every trial in results.json and trials.csv, the environment and the
# seed recorded, the summary printed, nothing left behind.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > short.lua <<'LUA'
experiment { name = "short", workload = { "cpu" },
  profilers = { {"off"}, {"perf", hz = 99}, {"inject", pct = 2} },
  blocks = 2, warmup = 0.2, duration = 0.4 }
LUA
tare_bg run short.lua seed=123
wait $pid; rc=$?
out=$(cat "$T/out")
[ $rc -eq 0 ] || fail "exit $rc: $out"
contains "seed 123"; contains "configuration"; contains "perf hz=99"; contains "(baseline)"
dir=$(ls -d results/*-short)
[ -f "$dir/results.json" ] && [ -f "$dir/trials.csv" ] || fail "missing results files in $dir"
[ "$(json "$dir/results.json" 'len(d["trials"])')" = 6 ] || fail "want 6 trials in results.json"
[ "$(json "$dir/results.json" 'sum(t["state"]=="ok" for t in d["trials"])')" = 6 ] || fail "not all trials ok: $(cat "$dir/trials.csv")"
[ "$(json "$dir/results.json" 'd["plan"]["seed"]')" = 123 ] || fail "seed not stored"
[ "$(json "$dir/results.json" 'd["schema_version"]')" = 1 ] || fail "schema version"
json "$dir/results.json" 'd["environment"]["kernel"], d["environment"]["cgroup_mode"], d["environment"]["pmu"]' >/dev/null || fail "environment"
[ "$(json "$dir/results.json" 'all(t["units"] > 0 and t["workload_cpu_ns"] > 0 for t in d["trials"])')" = True ] || fail "units or CPU missing"
[ "$(json "$dir/results.json" '[a["label"] for a in d["summary"]["arms"]]')" = "['off', 'perf hz=99', 'inject pct=2']" ] || fail "arms"
[ "$(wc -l < "$dir/trials.csv")" -eq 7 ] || fail "trials.csv: want a header and 6 rows"
ls "$dir"/trials/*perf*/perf.data >/dev/null 2>&1 || fail "perf's output is not in its trial directory"
# The same seed gives the same order.
o1=$(json "$dir/results.json" 'd["plan"]["schedule"]')
[ "$o1" = "$(json "$dir/results.json" '[[t["config"] for t in d["trials"][b*3:b*3+3]] for b in range(2)]')" ] || fail "trials did not follow the schedule"
no_leftovers $pid
exit 0
