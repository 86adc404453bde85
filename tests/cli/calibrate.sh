# tare calibrate: a short calibration writes calibration.json with the noise floor, every
# injected level's recovery, and the minimum detectable effect; the A/A interval contains 0.
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
expect_exit 2 "$TARE" calibrate --bogus
one_line
exit 0
