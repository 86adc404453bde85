#!/bin/sh
# resolution.sh — issue 13's goals for a 120 s run on this machine, measured directly rather
# than projected: the cpu workload against the inject shim at exactly 1% CPU per unit, by
# switchback (6 processes of 20 s of 0.25 s windows: `tare run`, two arms, ~2 min).
#
# tare calibrate projects a 120 s run from a short calibration, and its between-process spread
# comes from 4 processes of 4 pairs each: the DerSimonian-Laird tau^2 of so few is noisy and, cut
# at 0, biased upwards, so its switchback projection can be pessimistic.  This runs the 120 s.
#
# Goals: the 95% interval covers 1% (a single run misses it in 5% of correct runs: run it again
# before believing one FAIL of coverage) and its lower end is above 0 (1% detected); its
# half-width <= 0.3 points; the estimate within 0.3 points of 1%; >= 90% of the switching time
# measured.  Exit 1 on a FAIL.  RESOLUTION_S changes the run's length (default 120).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
[ -x "$TARE" ] || { echo "resolution: $TARE is not built: run make"; exit 77; }
secs=${RESOLUTION_S:-120}
D=$(mktemp -d "${TMPDIR:-/tmp}/resolution.XXXXXX")
trap 'rm -rf "$D"' EXIT INT TERM
cd "$D" || exit 1
dur=$(python3 -c "print(round($secs / 6, 2))")
cat > res.lua <<LUA
experiment { name = "resolution", workload = { "cpu" }, profilers = { "off", { "inject", pct = 1 } },
  design = "switchback", blocks = 6, warmup = 0.3, duration = $dur, window = 0.25, confidence = 0.95 }
LUA
"$TARE" run res.lua -q --no-report > out 2>&1 || { cat out; echo "resolution: tare run failed"; exit 1; }
grep -E "^inject|spread of one pair|^measured" out
python3 - "$(ls -d results/*-resolution)/results.json" out <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
o = [a for a in d["summary"]["arms"] if not a["baseline"]][0]["overhead"]["cpu_total"]
m = re.search(r"measured: (\d+)% of the switching time", open(sys.argv[2]).read())
duty = int(m.group(1)) if m else 0
half = (o["hi"] - o["lo"]) / 2
ok = True
def goal(name, cond, detail):
    global ok
    print(f"goal: {name}: {detail}  {'PASS' if cond else 'FAIL'}")
    ok &= cond
goal("the interval covers 1%", o["lo"] <= 1 <= o["hi"], f"{o['estimate']:+.2f}% [{o['lo']:+.2f}, {o['hi']:+.2f}]")
goal("1% detected (lower end above 0)", o["lo"] > 0, f"lower end {o['lo']:+.2f}")
goal("95% half-width <= 0.3 points", half <= 0.3, f"{half:.2f}")
goal("estimate within 0.3 points of 1%", abs(o["estimate"] - 1) <= 0.3, f"{o['estimate'] - 1:+.2f}")
goal(">= 90% of the switching time measured", duty >= 90, f"{duty}%")
sys.exit(0 if ok else 1)
PY
