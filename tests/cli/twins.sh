# Twins (docs/switchback.md): a second process of the workload on the same CPUs, the profiler
# crossed over between them, recovers a known truth.  The inject shim adds exactly 5% CPU per
# unit on the never-sleeping `cpu` workload, and 0% on the A/A arm; each must fall inside the
# run's own 99.9% interval over 6 processes (a t quantile with 5 degrees of freedom), which must
# be finite and under 10 points wide, so that a gross bias would show.  How much sharper twins
# are is the benchmark's to show (tests/bench/twins.sh), not a test's: here the 5% arm's interval
# was 2-2.6 points wide and the A/A's 2 to 4.8 (five runs; the first process alone's ~5.5), so
# a bound of 4 failed one run in about ten.  Then what a twin leaves: its folder, its figures per
# window, its cgroups gone; and the refusals: twins outside switchback, a word that is not a
# boolean.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > twins.lua <<'LUA'
experiment { name = "twins", workload = { "cpu" },
  profilers = { "off", { "inject", pct = 5 }, { "inject", pct = 0, label = "A/A" } },
  design = "switchback", twins = true, blocks = 6, warmup = 0.2, duration = 2, confidence = 0.999 }
LUA
tare_bg run twins.lua --no-report
wait $pid; rc=$?
out=$(cat "$T/out")
[ $rc -eq 0 ] || fail "exit $rc: $out"
d=$(ls -d results/*-twins)
f=$d/results.json
arm() { json "$f" "[a for a in d['summary']['arms'] if a['label']=='$1'][0]$2"; }
check() { # LABEL TRUTH
	lo=$(arm "$1" "['overhead']['cpu_total']['lo']"); hi=$(arm "$1" "['overhead']['cpu_total']['hi']")
	est=$(arm "$1" "['overhead']['cpu_total']['estimate']")
	python3 -c "import sys; sys.exit(0 if $lo <= $2 <= $hi else 1)" || fail "$1: $est [$lo, $hi] misses $2:
$out"
	python3 -c "import sys; sys.exit(0 if $hi - $lo < 10 else 1)" || fail "$1: [$lo, $hi] too wide to tell:
$out"
}
check "inject pct=5" 5
check "A/A pct=0" 0
# the first process's own estimate beside it, from as many pairs
[ "$(json "$f" "[a['switchback']['twins']['pairs'] == a['switchback']['pairs'] > 0 for a in d['summary']['arms'] if a['label']=='inject pct=5'][0]")" = True ] ||
	fail "switchback.twins: $(arm "inject pct=5" "['switchback']")"
contains "the first process alone:"
contains "Twins: a second process of the workload"
# every window of every trial has the twin's units and CPU; each trial its twin's folder
[ "$(json "$f" 'all(w["twin_units"] > 0 and w["twin_cpu_ns"] > 0 for t in d["trials"] for w in t["windows"])')" = True ] ||
	fail "a window without its twin's figures: $(head -3 "$d/windows.csv")"
head -1 "$d/windows.csv" | grep -q twin_cpu_ns || fail "windows.csv lacks twin_cpu_ns"
for t in "$d"/trials/*-inject*; do
	[ -s "$t/twin/workload.err" ] || [ -e "$t/twin/workload.out" ] || fail "$t/twin has no workload output"
done
no_leftovers $pid

expect_exit 2 "$TARE" run twins.lua design=process
one_line; contains "twins=true crosses the profiler over between two processes"
expect_exit 2 "$TARE" run twins.lua twins=maybe
one_line; contains "command line: twins=maybe: expected true or false"
exit 0
