# Twins (docs/switchback.md): a second process of the workload on the same CPUs, the profiler
# crossed over between them, recovers a known truth more sharply than one process does.  The
# inject shim adds exactly 5% CPU per unit on the never-sleeping `cpu` workload, and 0% on the
# A/A arm; each must fall inside the run's own 99.9% interval over 6 processes (a t quantile with
# 5 degrees of freedom).  The twins' interval must be under 4 points wide, where one process's
# (the first's, reported beside it) is ~5.5 here and the twins' ~2 (+5.25% [+4.30, +6.21] against
# +5.27% [+2.47, +8.15] in one run).  Then what a twin leaves: its folder, its figures per window, its
# cgroups gone; and the refusals: twins outside switchback, a word that is not a boolean.
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
	python3 -c "import sys; sys.exit(0 if $hi - $lo < 4 else 1)" || fail "$1: [$lo, $hi] is no sharper than one process:
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
