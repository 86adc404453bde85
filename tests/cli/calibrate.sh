# tare calibrate: a short calibration writes calibration.json with the noise floor, every
# injected level's recovery, and the minimum detectable effect; the A/A interval contains 0.
# The same for p50 latency (metric=latency).
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
"$TARE" calibrate seconds=25 levels=1,5 duration=0.4 -q > out 2>&1 || fail "calibrate failed: $(cat out)"
f=$(ls results/*-calibrate/calibration.json) || fail "no calibration.json: $(cat out)"
[ "$(json "$f" '[l["truth_pct"] for l in d["levels"]]')" = "[1.0, 5.0]" ] || fail "levels: $(cat "$f")"
python3 - "$f" <<'PY' || fail "calibration: $(cat "$f")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["aa_lo_pct"] <= 0 <= c["aa_hi_pct"], "A/A interval excludes 0"
assert c["minimum_detectable_effect_pct"] > 0 and c["block_sd_points"] >= 0
five = [l for l in c["levels"] if l["truth_pct"] == 5][0]
assert five["lo_pct"] <= 5 <= five["hi_pct"] or abs(five["estimate_pct"] - 5) < 1, five
PY
grep -q "minimum detectable effect" out || fail "no MDE line: $(cat out)"

# metric=latency: the server under a light open-loop load, a known delay on every reply.  A
# 100 µs delay is ~4-8 per-block SDs of the p50 change here (13-27 µs), so every block sees it:
# detected, and its estimate within half of the truth either way (tests/cli/latency.sh has
# how close it comes).
"$TARE" calibrate metric=latency us=100 seconds=15 duration=0.5 -q > lout 2>&1 || fail "calibrate metric=latency failed: $(cat lout)"
f=$(ls results/*-calibrate-latency/calibration.json) || fail "no latency calibration.json: $(cat lout)"
python3 - "$f" <<'PY' || fail "latency calibration: $(cat "$f")"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["metric"] == "latency", c["metric"]
assert c["minimum_detectable_effect_us"] > 0 and c["block_sd_us"] >= 0
(l,) = c["levels"]
assert l["truth_us"] == 100 and l["detected"], l
assert 50 <= l["estimate_us"] <= 150, l
assert "goals" not in c, "CPU goals in a latency calibration"
PY
grep -q "^calibration of p50 latency: " lout || fail "no latency calibration line: $(cat lout)"
expect_exit 2 "$TARE" calibrate metric=bogus
one_line
expect_exit 2 "$TARE" calibrate --bogus
one_line
exit 0
