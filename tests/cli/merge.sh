# tare merge: runs of one experiment (seeds here, standing in for hosts) as one answer.
#   - every run's interval is listed and combined (k = 2), I^2 within [0, 100], the JSON, a
#     forest plot and a self-contained report written;
#   - a merge of one run is that run: its estimate and interval exactly;
#   - runs of different experiments are refused: one line, exit 2; so is a missing run.
# tare compare against a merge (compare.h): a new run's CPU overhead against the combined one,
# its interval the prediction t(k-2) sqrt(se^2 + se_mu^2 + tau^2), recomputed here from the two
# JSON files; a profiler 20 times as costly under the same label FAILs a 10-point tolerance (its
# change, ~+94 points, a log ratio of 0.64: the prediction's t(2) = 4.3 times s stays below the
# 0.59 a FAIL needs while s < 0.137, where a run beside two builds measured s = 0.083); a merge
# of 2 runs is not gated (exit 4).
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
# two builds of a profiler under test (as in compare.sh): one costs 5% CPU, one 99%, same label
for pct in 5 99; do
	mkdir v$pct
	cat > v$pct/probe.lua <<LUA
return {
  description = "a profiler whose cost is known",
  env = function() return { LD_PRELOAD = tare.build .. "/profilers/libtare-inject.so", TARE_INJECT_PCT = $pct } end,
}
LUA
	cat > v$pct/inj.lua <<'LUA'
experiment { name = "inj", workload = { "cpu" }, profilers = { "off", { "./probe.lua", label = "prof" } },
  blocks = 6, warmup = 0.1, duration = 0.2 }
LUA
done
cp v5/inj.lua inj.lua
cp v5/probe.lua probe.lua
for s in 1 2 3 4; do expect_exit 0 "$TARE" run inj.lua seed=$s --no-report -o "runs$s"; done
a=$(ls -d runs1/*-inj) b=$(ls -d runs2/*-inj) c=$(ls -d runs3/*-inj) e=$(ls -d runs4/*-inj)
expect_exit 0 "$TARE" merge "$a" "$b" -o m.json --plot fp
contains "prof"
contains "combined"
[ "$(json m.json 'd["configurations"][0]["k"]')" = 2 ] || fail "k: $(cat m.json)"
[ "$(json m.json '0 <= d["configurations"][0]["i2_pct"] <= 100 and len(d["configurations"][0]["runs"]) == 2')" = True ] ||
	fail "merge.json: $(cat m.json)"
if command -v gnuplot >/dev/null; then
	[ -s fp/plots/forest.svg ] || fail "no forest plot: $out"
	[ "$(grep -c . fp/data/forest.dat)" = 3 ] || fail "forest.dat: two runs and the combination: $(cat fp/data/forest.dat)"
fi
# the report: both runs and the combination in its table, the plot inlined, nothing fetched
expect_exit 0 "$TARE" merge "$a" "$b" --report rep
contains "report: rep/report.html"
grep -q "^| combined | 2 runs | " rep/report.md && grep -q "^## Method" rep/report.md &&
	grep -qF "tare merge $a $b --report rep" rep/report.md || fail "rep/report.md: $(cat rep/report.md)"
nplots=0; command -v gnuplot >/dev/null && nplots=1
python3 "$ROOT/tests/report_check.py" html rep/report.html $nplots || fail "rep/report.html"
expect_exit 2 "$TARE" merge "$a" "$b" --report rep --plot elsewhere
one_line
# one run: exactly its own figures, as its results.json has them
expect_exit 0 "$TARE" merge "$a" -o one.json
python3 - "$a/results.json" one.json <<'PY' || fail "a merge of one run is not that run: $(cat one.json)"
import json, sys
r = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
arm = [x for x in r["summary"]["arms"] if x["label"] == "prof"][0]["overhead"]["cpu_total"]
c = m["configurations"][0]["combined"]
for k, j in (("estimate_pct", "estimate"), ("lower_pct", "lo"), ("upper_pct", "hi")):
    assert abs(c[k] - arm[j]) < 1e-6 * max(1, abs(arm[j])), (k, c[k], arm)
PY

# compare against a merge of 3 runs: the prediction, recomputed
expect_exit 0 "$TARE" merge "$a" "$b" "$c" -o m3.json
[ "$(json m3.json '(d["kind"], d["hosts"] == [d["hosts"][0]] * 3, d["configurations"][0]["workload"])')" = "('merge', True, 'cpu')" ] ||
	fail "merge JSON: $(cat m3.json)"
expect_exit 0 "$TARE" compare m3.json "$e" --format json -o cmp.json
python3 - m3.json "$e/results.json" cmp.json <<'PY' || fail "the prediction interval: $(cat cmp.json)"
import json, math, sys
from statistics import NormalDist
m, r, c = (json.load(open(f)) for f in sys.argv[1:])
mc = m["configurations"][0]
arm = [x for x in r["summary"]["arms"] if x["label"] == "prof"][0]["overhead"]["cpu_total"]
z = NormalDist().inv_cdf(1 - (1 - c["confidence"]) / 2)
y = math.log1p(arm["estimate"] / 100)
se = (math.log1p(arm["hi"] / 100) - math.log1p(arm["lo"] / 100)) / (2 * z)
s = math.sqrt(se * se + mc["log_se"] ** 2 + mc["tau2_log"])
t1 = 12.706204736174707 if abs(c["confidence"] - 0.95) < 1e-9 else None   # t(0.975, 1): k - 2 = 1
assert t1, c["confidence"]
(row,) = [x for x in c["rows"] if x["metric"] == "cpu_total"]
ch = row["change"]
want = [100 * math.exp(mc["log_mean"]) * math.expm1(v) for v in (y - mc["log_mean"] - t1 * s, y - mc["log_mean"], y - mc["log_mean"] + t1 * s)]
got = [ch["lo"], ch["estimate"], ch["hi"]]
assert all(abs(g - w) < 1e-6 * max(1, abs(w)) for g, w in zip(got, want)), (got, want)
assert c["baseline"]["kind"] == "merge" and c["baseline"]["runs"] == 3, c["baseline"]
assert any("prediction for a new run" in n for n in c["notes"]), c["notes"]
PY
# 20 times the cost under the same label, against a merge of 4: FAIL
expect_exit 0 "$TARE" merge "$a" "$b" "$c" "$e" -o m4.json
expect_exit 0 "$TARE" run v99/inj.lua seed=9 --no-report -o big
expect_exit 1 "$TARE" compare m4.json big/*-inj --tolerance cpu:10%
contains "FAIL"
# a merge of 2 runs cannot give the spread between runs: not gated
expect_exit 4 "$TARE" compare m.json "$e" --tolerance cpu:10%
contains "fewer than 3 runs"
# a merge this tare did not write
echo '{"kind": "merge", "schema_version": 99}' > bad.json
expect_exit 2 "$TARE" compare bad.json "$e"
one_line; contains "merge the runs again"
cat > other.lua <<'LUA'
experiment { name = "inj", workload = { "cpu" }, profilers = { "off", { "inject", pct = 2 } }, blocks = 2, warmup = 0.1, duration = 0.1 }
LUA
expect_exit 0 "$TARE" run other.lua --no-report -o other
expect_exit 2 "$TARE" merge "$a" other/*-inj
one_line; contains "not runs of one experiment"
expect_exit 2 "$TARE" merge "$a" nowhere/
one_line
# a malformed run among the inputs: named with its path, nothing half-merged
mkdir cut && head -c 200 "$a/results.json" > cut/results.json
expect_exit 2 "$TARE" merge "$a" "$b" cut -o half.json
one_line; contains "cut/results.json.*not JSON"
[ ! -e half.json ] || fail "a refused merge wrote half.json"
exit 0
