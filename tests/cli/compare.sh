# tare compare on real runs: two builds of a "profiler" under test, one free and one that costs
# 20% CPU (the inject shim, hard-wired into a local adapter so both builds carry the same label,
# as a profiler's CI would see them).  A run against itself is all ~ and passes; the costly build
# against the free one fails a 5-point tolerance; every format parses; inputs that cannot be
# compared give one line and exit 2.
#
# Why 20% and 8 blocks: with 0.3 s windows on a shared 2-CPU machine a block's paired ratio
# moves by several points, so 5% against a 1-point tolerance is decided only most of the time.
# With 8 blocks a side the rank-sum interval's ends are the 14th of 64 differences, beyond the
# 8 that one outlier block can move (with 6 blocks: the 6th of 36, which one outlier decides).
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
"$TARE" compare --help >/dev/null 2>&1 || skip "this build has no 'tare compare'"

for pct in 0 20; do
	mkdir v$pct
	cat > v$pct/probe.lua <<LUA
-- the profiler under test; this build costs $pct% CPU
return {
  description = "a profiler whose cost is known",
  env = function() return { LD_PRELOAD = tare.build .. "/profilers/libtare-inject.so", TARE_INJECT_PCT = $pct } end,
}
LUA
	cat > v$pct/ci.lua <<'LUA'
experiment { name = "ci", workload = { "cpu" }, profilers = { "off", { "./probe.lua", label = "probe" } },
  blocks = 8, warmup = 0.1, duration = 0.3 }
LUA
	"$TARE" run v$pct/ci.lua -q -o runs$pct >run$pct.out 2>&1 || fail "run v$pct: $(cat run$pct.out)"
done
A=$(ls -d runs0/*-ci)
B=$(ls -d runs20/*-ci)

# A run against itself: every change is ~, exit 0.
expect_exit 0 "$TARE" compare "$A" "$A"
contains "CPU overhead"
contains "~+0.00 pts"
expect_exit 0 "$TARE" compare "$A" "$A/results.json" --format json -o aa.json
[ -f aa.json ] && [ -z "$(ls aa.json.tmp.* 2>/dev/null)" ] || fail "-o did not leave aa.json (alone)"
contains "change \[95% CI\]"   # -o FILE: the text table still goes to stdout
[ "$(json aa.json "sum(1 for r in d['rows'] if r['change'] and r['change']['significant'])")" = 0 ] ||
	fail "a run against itself has significant changes: $(cat aa.json)"
[ "$(json aa.json "len(d['rows']) > 0 and d['verdict']")" = none ] || fail "verdict without limits: $(cat aa.json)"

# The costly build against the free one: beyond a 5-point tolerance on the CPU overhead.
expect_exit 1 "$TARE" compare "$A" "$B" --tolerance cpu:5%
contains "probe, CPU overhead: change +[0-9.]* pts .* against tolerance 5%: FAIL"
contains "verdict: FAIL"

# JUnit: well-formed, one testcase per row, a <failure> for the FAIL.
"$TARE" compare "$A" "$B" --tolerance cpu:5% --format json >ab.json
"$TARE" compare "$A" "$B" --tolerance cpu:5% --format junit >ab.xml
python3 -c 'import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])' ab.xml || fail "JUnit does not parse: $(cat ab.xml)"
rows=$(json ab.json "len(d['rows'])")
cases=$(python3 -c 'import xml.dom.minidom,sys; d=xml.dom.minidom.parse(sys.argv[1]); print(len(d.getElementsByTagName("testcase")), len(d.getElementsByTagName("failure")) > 0)' ab.xml)
[ "$cases" = "$rows True" ] || fail "JUnit: $cases testcases/failure for $rows rows"
[ "$(json ab.json "d['verdict'], d['exit_code']")" = "FAIL 1" ] || fail "JSON verdict: $(cat ab.json)"
expect_exit 1 "$TARE" compare "$A" "$B" --tolerance cpu:5% --format markdown
contains "| configuration | metric | baseline | current |"

# Inputs that cannot be compared: one line naming the file, exit 2.
mkdir trunc && head -c 2000 "$A/results.json" >trunc/results.json
expect_exit 2 "$TARE" compare "$A" trunc
one_line; contains "trunc/results.json:.*not JSON"
echo '{"name": "not tare"}' >other.json
expect_exit 2 "$TARE" compare other.json "$A"
one_line; contains "other.json: not a tare results file"
expect_exit 2 "$TARE" compare "$A" nowhere
one_line; contains "nowhere: no such"
expect_exit 2 "$TARE" compare "$A" "$B" --tolerance cpu:lots
one_line; contains "tolerance: cpu"
expect_exit 2 "$TARE" compare "$A" "$B" --format xml
one_line

# No configuration in common (the same workload, other labels), and another workload.
cat > apart.lua <<'LUA'
experiment { name = "apart", workload = { "cpu" }, profilers = { { "off", label = "nothing" } },
  blocks = 2, warmup = 0, duration = 0.1 }
LUA
cat > other.lua <<'LUA'
experiment { name = "other", workload = { "cpu", split = "50,30,20" }, profilers = { "off" },
  blocks = 2, warmup = 0, duration = 0.1 }
LUA
"$TARE" run apart.lua -q -o apart >/dev/null 2>&1 || fail "run apart.lua"
"$TARE" run other.lua -q -o other >/dev/null 2>&1 || fail "run other.lua"
expect_exit 2 "$TARE" compare "$A" apart/*-apart
one_line; contains "no configuration in common"
expect_exit 2 "$TARE" compare "$A" other/*-other
one_line; contains "different workloads"

# a baseline from another machine: said, and not gated (exit 4) unless --cross-host.  The other
# machine's run is B with its environment's hostname changed (this VM is the only machine here).
mkdir -p elsewhere && python3 - "$B/results.json" elsewhere/results.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["environment"]["hostname"] = "another-host"
json.dump(d, open(sys.argv[2], "w"))
PY
expect_exit 4 "$TARE" compare "$A" elsewhere --tolerance cpu:5%
contains "this run on another-host"
contains "not gated (exit 4)"
expect_exit 1 "$TARE" compare "$A" elsewhere --tolerance cpu:5% --cross-host
expect_exit 0 "$TARE" compare "$A" elsewhere
contains "another-host"
exit 0
