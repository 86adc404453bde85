# tare merge: runs of one experiment (two seeds here, standing in for two hosts) as one answer.
#   - every run's interval is listed and combined (k = 2), I^2 within [0, 100], the JSON and a
#     forest plot written;
#   - a merge of one run is that run: its estimate and interval exactly;
#   - runs of different experiments are refused: one line, exit 2; so is a missing run.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > inj.lua <<'LUA'
experiment { name = "inj", workload = { "cpu" }, profilers = { "off", { "inject", pct = 5 } }, blocks = 6, warmup = 0.1, duration = 0.25 }
LUA
for s in 1 2; do expect_exit 0 "$TARE" run inj.lua seed=$s --no-report -o "runs$s"; done
a=$(ls -d runs1/*-inj) b=$(ls -d runs2/*-inj)
expect_exit 0 "$TARE" merge "$a" "$b" -o m.json --plot fp
contains "inject pct=5"
contains "combined"
[ "$(json m.json 'd["configurations"][0]["k"]')" = 2 ] || fail "k: $(cat m.json)"
[ "$(json m.json '0 <= d["configurations"][0]["i2_pct"] <= 100 and len(d["configurations"][0]["runs"]) == 2')" = True ] ||
	fail "merge.json: $(cat m.json)"
if command -v gnuplot >/dev/null; then
	[ -s fp/plots/forest.svg ] || fail "no forest plot: $out"
	[ "$(grep -c . fp/data/forest.dat)" = 3 ] || fail "forest.dat: two runs and the combination: $(cat fp/data/forest.dat)"
fi
# one run: exactly its own figures, as its results.json has them
expect_exit 0 "$TARE" merge "$a" -o one.json
python3 - "$a/results.json" one.json <<'PY' || fail "a merge of one run is not that run: $(cat one.json)"
import json, sys
r = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
arm = [x for x in r["summary"]["arms"] if x["label"] == "inject pct=5"][0]["overhead"]["cpu_total"]
c = m["configurations"][0]["combined"]
for k, j in (("estimate_pct", "estimate"), ("lower_pct", "lo"), ("upper_pct", "hi")):
    assert abs(c[k] - arm[j]) < 1e-6 * max(1, abs(arm[j])), (k, c[k], arm)
PY
cat > other.lua <<'LUA'
experiment { name = "inj", workload = { "cpu" }, profilers = { "off", { "inject", pct = 2 } }, blocks = 2, warmup = 0.1, duration = 0.1 }
LUA
expect_exit 0 "$TARE" run other.lua --no-report -o other
expect_exit 2 "$TARE" merge "$a" other/*-inj
one_line; contains "not runs of one experiment"
expect_exit 2 "$TARE" merge "$a" nowhere/
one_line
exit 0
