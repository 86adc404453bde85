#!/bin/sh
# merge_fleet.sh — issue 18's goal for tare merge, 8 runs standing in for 8 hosts:
#   alike    8 seeds of one known overhead (the inject shim, 2% CPU per unit): the combined
#            interval covers 2%, and is narrower than a single run's (nothing differs between them);
#   unlike   8 runs whose truths differ (0, 1, ... 7%: hosts where the profiler costs differently):
#            I^2 shows the disagreement, the combined interval covers the truths' mean (3.5%) and
#            is wider than a single run's — a fleet's answer must not be as narrow as one host's.
# Each run: the cpu workload, off against the shim, 8 blocks of 0.3 s (~7 s).  Exit 1 on a FAIL.
# Figures are from one run on this machine; the interval's coverage is a 95% statement, so one
# run in twenty may miss by chance: run it again before believing a single FAIL of coverage.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
[ -x "$TARE" ] || { echo "merge_fleet: $TARE is not built: run make"; exit 77; }
D=$(mktemp -d "${TMPDIR:-/tmp}/merge_fleet.XXXXXX")
trap 'rm -rf "$D"' EXIT INT TERM
cd "$D" || exit 1
run() { # NAME PCT SEED: one run of a profiler that costs PCT% under the label "prof"
	mkdir -p "$1/$2.$3" && cd "$1/$2.$3" || exit 1
	cat > probe.lua <<LUA
return { description = "a profiler whose cost is known",
  env = function() return { LD_PRELOAD = tare.build .. "/profilers/libtare-inject.so", TARE_INJECT_PCT = $2 } end }
LUA
	cat > fleet.lua <<'LUA'
experiment { name = "fleet", workload = { "cpu" }, profilers = { "off", { "./probe.lua", label = "prof" } },
  blocks = 8, warmup = 0.1, duration = 0.3 }
LUA
	"$TARE" run fleet.lua seed="$3" -q --no-report -o "$D/$1/runs" > out 2>&1 || { echo "merge_fleet: run failed: $(cat out)"; exit 1; }
	cd "$D" || exit 1
}
for s in 1 2 3 4 5 6 7 8; do
	run alike 2 "$s"
	run unlike $((s - 1)) "$s"
done
rc=0
for kind in alike unlike; do
	"$TARE" merge "$D/$kind/runs"/*-fleet -o "$kind.json" > "$kind.out" 2>&1 || { cat "$kind.out"; exit 1; }
	sed -n '/^prof/,$p' "$kind.out"
done
python3 - alike.json unlike.json <<'PY' || rc=1
import json, statistics, sys
a, u = (json.load(open(f))["configurations"][0] for f in sys.argv[1:])
def width(e): return e["upper_pct"] - e["lower_pct"]
def runs(c): return statistics.median(width(r["cpu_overhead"]) for r in c["runs"])
ok = True
def goal(name, cond, detail):
    global ok
    print(f"{'PASS' if cond else 'FAIL'}: {name}: {detail}")
    ok &= cond
ca, cu = a["combined"], u["combined"]
goal("alike: the combined interval covers 2%", ca["lower_pct"] <= 2 <= ca["upper_pct"],
     f"{ca['estimate_pct']:+.2f}% [{ca['lower_pct']:+.2f}, {ca['upper_pct']:+.2f}], I^2 {a['i2_pct']:.0f}%")
goal("alike: narrower than a single run's", width(ca) < runs(a),
     f"{width(ca):.2f} points against a run's median {runs(a):.2f}")
goal("unlike: the runs' disagreement is seen (I^2 > 50%)", u["i2_pct"] > 50,
     f"I^2 {u['i2_pct']:.0f}%, tau {u['tau_pct']:.2f} points")
goal("unlike: the combined interval covers the truths' mean 3.5%", cu["lower_pct"] <= 3.5 <= cu["upper_pct"],
     f"{cu['estimate_pct']:+.2f}% [{cu['lower_pct']:+.2f}, {cu['upper_pct']:+.2f}]")
goal("unlike: wider than a single run's", width(cu) > runs(u),
     f"{width(cu):.2f} points against a run's median {runs(u):.2f}")
sys.exit(0 if ok else 1)
PY
exit $rc
