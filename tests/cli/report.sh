# tare report on real runs: the plots are images of the expected size and the SVGs parse; the
# Markdown has its sections; report.html is self-contained and every plot loads in headless
# Chromium; strings from a run are escaped; several runs make one report; without gnuplot the
# report is written without plots and says so.  (docs/report.md)
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
CHECK="python3 $ROOT/tests/report_check.py"
command -v gnuplot >/dev/null || skip "gnuplot is not installed (scripts/setup.sh --tests installs gnuplot-nox)"
skipped=""

# 1. A real small run: rates 99 and 499 for the rate plot, a known overhead for the bars.
cat > rates.lua <<'LUA'
experiment { name = "rates", workload = { "cpu" },
  profilers = { {"off"}, {"perf", hz = {99, 499}}, {"inject", pct = 2} },
  blocks = 2, warmup = 0.2, duration = 0.3 }
LUA
expect_exit 0 "$TARE" run -q rates.lua seed=11
run1=$(ls -d results/*-rates)
# Once `tare run` writes its report by default (it has --no-report), it must have.
if grep -q -- "--no-report" "$ROOT/harness/main.c"; then
	[ -f "$run1/report/report.html" ] && [ -f "$run1/report/report.md" ] || fail "tare run wrote no report in $run1/report"
fi
expect_exit 0 "$TARE" report "$run1"
rep=$run1/report
contains "$rep/report.html"
for s in "## Summary" "## Plots" "## Warnings" "## Method" "## Environment" "## Reproduce" \
	"perf hz=499" "tare run -q rates.lua seed=11" "kernel.perf\\_event\\_paranoid" "cgroup mode" "CPU model"; do
	grep -qF -- "$s" "$rep/report.md" || fail "report.md lacks '$s'"
done
for p in cpu_rate memory cpu_split; do
	$CHECK png "$rep/plots/$p.png" 960 540 || fail "plot $p.png"
	$CHECK svg "$rep/plots/$p.svg" || fail "plot $p.svg"
	[ -s "$rep/data/$p.dat" ] || fail "no data/$p.dat"
done
[ ! -e "$rep/plots/latency.png" ] || fail "a latency plot without latency"
grep -q "Latency percentile spectrum: the workload measures no request latency" "$rep/report.md" || fail "no reason for the missing latency plot"
$CHECK html "$rep/report.html" 3 || fail "report.html"
# The scripts travel with the report: gnuplot redraws a plot from the report directory.
(cd "$rep" && rm plots/memory.svg && gnuplot plots/memory.gp) && $CHECK svg "$rep/plots/memory.svg" || fail "redrawing plots/memory.gp"

# 2. The same run with a validation section and hostile strings: everything escaped.
mkdir doctored
python3 - "$run1/results.json" doctored/results.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["configs"][1]["label"] = "perf <script>alert(1)</script> | `x` hz=99"
d["warnings"].append("noisy <img src=x onerror=alert(2)> & | done")
d["command"] = "tare run '<b>x</b>' ```"
d["validation"] = {"cases": [
    {"label": "ref hz=99", "requested_hz": 99, "effective_hz": 98.2, "samples": 1964, "lost_pct": 0,
     "attribution_error_pp": 1.1, "binomial_se_pp": 1.03, "total_variation": 0.011},
    {"label": "ref hz=999 <i>", "requested_hz": 999, "effective_hz": 951, "samples": 19020, "lost_pct": 0.5,
     "attribution_error_pp": 0.4, "binomial_se_pp": 0.33}]}
json.dump(d, open(sys.argv[2], "w"))
PY
expect_exit 0 "$TARE" report doctored -o doc
$CHECK png doc/plots/validation.png 960 540 || fail "validation.png"
$CHECK html doc/report.html 4 || fail "doctored report.html"
grep -q "<script>alert\|<img src=x\|<b>x</b>\|<i>" doc/report.html && fail "a string from the run reached the HTML unescaped"
grep -qF 'perf &lt;script&gt;alert(1)&lt;/script&gt; | `x` hz=99' doc/report.html || fail "the label is not in the HTML, escaped"
grep -qF 'perf \<script\>alert(1)\</script\> \| \`x\` hz=99' doc/report.md || fail "the label is not escaped in report.md"
grep -q "0.50% of samples lost" doc/report.md || fail "lost samples are not warned about"

# 3. Latency: a short run of the server workload (skipped where it is not there).
if [ -f "$ROOT/workloads/server.lua" ] && [ -x "$BUILD/workloads/server" ]; then
	cat > lat.lua <<'LUA'
experiment { name = "lat", workload = { "server", rate = 500 },
  profilers = { {"off"}, {"perf", hz = 99} }, blocks = 2, warmup = 0.3, duration = 1 }
LUA
	expect_exit 0 "$TARE" run -q lat.lua seed=5
	run2=$(ls -d results/*-lat)
	expect_exit 0 "$TARE" report "$run2"
	$CHECK png "$run2/report/plots/latency.png" 960 540 || fail "latency.png"
	grep -q "## Latency" "$run2/report/report.md" || fail "no latency table"
	# Both runs in one report: tables per run, plots overlaid.
	expect_exit 0 "$TARE" report "$run1" "$run2" -o both
	grep -q "### Run 1: rates" both/report.md && grep -q "### Run 2: lat" both/report.md || fail "runs not both in the report"
	grep -q '"perf (run 2)"' both/data/cpu_rate.dat || fail "runs not overlaid in the rate plot"
	$CHECK html both/report.html 4 || fail "both/report.html"
	multi=both/report.html nmulti=4
else
	skipped="the server workload is not built (workloads/server.lua, build/workloads/server): latency untested"
	multi="" nmulti=0
fi

# 4. No gnuplot on PATH: written without plots, and it says so.
PATH=/nonexistent "$TARE" report "$run1" -o bare >bare.out 2>&1 || fail "without gnuplot: exit $?: $(cat bare.out)"
grep -q "gnuplot is not installed" bare.out || fail "no warning without gnuplot: $(cat bare.out)"
grep -q "No plots: gnuplot was not found" bare/report.md || fail "report.md does not say why it has no plots"
ls bare/plots/*.png bare/plots/*.svg >/dev/null 2>&1 && fail "plots without gnuplot?"
$CHECK html bare/report.html 0 || fail "bare/report.html"

# 5. Rendered by a browser: every plot loaded (the page marks them once loaded).
if command -v chromium >/dev/null; then
	render() { # render HTML OUT: the DOM after load, with a screenshot beside it
		chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
			--disable-component-update --disable-sync --user-data-dir="$(mktemp -d "$T/chr.XXXXXX")" \
			--virtual-time-budget=5000 --window-size=1200,3000 --hide-scrollbars "$@" 2>/dev/null
	}
	for page in "$rep/report.html:3" "doc/report.html:4" ${multi:+"$multi:$nmulti"}; do
		f=${page%:*} n=${page##*:}
		render --dump-dom "file://$T/$f" > dom.html || fail "chromium could not render $f"
		$CHECK dom dom.html "$n" || fail "$f in Chromium"
	done
	render --screenshot="$T/shot.png" "file://$T/$rep/report.html" >/dev/null
	$CHECK png shot.png 1200 3000 || fail "no screenshot of the report"
else
	skipped="${skipped:+$skipped; }chromium is not installed (apt-get install chromium): the rendering is untested"
fi
[ -z "$skipped" ] || skip "$skipped"
exit 0
