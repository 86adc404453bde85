# Switchback recovers a known truth (docs/switchback.md): the inject shim adds exactly 5% CPU
# per unit in its on windows, and at 0% (the A/A arm, switched like the others) nothing — its
# timer ticks land in both arms alike, so here the truth is 5.00%, not process trials' ~5.1%.
# Each check is against the run's own 99.9% interval over 6 processes (a t quantile with 5
# degrees of freedom: ~6.9 x SE).  The intervals must also be finite and under 10 points wide, so
# that a gross bias would show; how narrow they get is calibrate's to report, not a test's (a
# loaded VM gave [+1.13, +9.22] around +5.10% from 6 processes of 4 pairs).
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > truth.lua <<'LUA'
experiment { name = "truthsb", workload = { "cpu" },
  profilers = { "off", { "inject", pct = 5 }, { "inject", pct = 0, label = "A/A" } },
  design = "switchback", blocks = 6, warmup = 0.2, duration = 2, confidence = 0.999 }
LUA
tare_bg run truth.lua --no-report
wait $pid; rc=$?
out=$(cat "$T/out")
[ $rc -eq 0 ] || fail "exit $rc: $out"
f=$(ls -d results/*-truthsb)/results.json
arm() { json "$f" "[a for a in d['summary']['arms'] if a['label']=='$1'][0]['overhead']['$2']['$3']"; }
check() { # LABEL METRIC TRUTH
	lo=$(arm "$1" "$2" lo); hi=$(arm "$1" "$2" hi); est=$(arm "$1" "$2" estimate)
	python3 -c "import sys; sys.exit(0 if $lo <= $3 <= $hi else 1)" || fail "$1 $2: $est [$lo, $hi] misses $3:
$out"
	python3 -c "import sys; sys.exit(0 if $hi - $lo < 10 else 1)" || fail "$1 $2: [$lo, $hi] too wide to tell:
$out"
}
check "inject pct=5" cpu_total 5
check "inject pct=5" cpu_workload 5
check "A/A pct=0" cpu_total 0
[ "$(json "$f" "[a for a in d['summary']['arms'] if a['label']=='inject pct=5'][0]['switchback']['processes']")" = 6 ] ||
	fail "want 6 processes: $out"
contains "known CPU overhead +5.00%"
no_leftovers $pid
exit 0
