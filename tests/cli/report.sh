# tare report on real runs: the plots are images of the expected size and the SVGs parse; the
# Markdown has its sections; report.html is self-contained and every plot loads in headless
# Chromium; strings from a run are escaped; several runs make one report; a validation of
# `tare validate` makes a report alone and beside a run; without gnuplot the report is written
# without plots and says so.  (docs/report.md)
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
	"perf hz=499" "profile vs the known split: cpu_hot" "tare run -q rates.lua seed=11" "kernel.perf\\_event\\_paranoid" "cgroup mode" "CPU model"; do
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

# 2. The same run with hostile strings, beside a validation.json with hostile strings: everything
# escaped, the validation plotted, its lost samples warned about.  Beside the cpu cases (written
# as validation.json had them before the other types, without `type` and `measures`), a lock
# case as tare validate writes one now: no rate ("hz": null), a row per measure, its dropped
# events warned about.
mkdir doctored doctored-v
python3 - "$run1/results.json" doctored/results.json doctored-v/validation.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["configs"][1]["label"] = "perf <script>alert(1)</script> | `x` hz=99"
d["warnings"].append("noisy <img src=x onerror=alert(2)> & | done")
d["command"] = "tare run '<b>x</b>' ```"
json.dump(d, open(sys.argv[2], "w"))
def case(sampler, hz, err, se, eff, lost=0.0, **kw):
    c = {"sampler": sampler, "type": "cpu", "workload": "cpu", "hz": hz, "requested_hz": hz, "threads": 1,
         "duration_s": 2, "gating": sampler == "ref", "status": "ok", "within_bounds": True, "out_of_bounds": "",
         "samples": round(eff * 2), "lost": 0, "lost_pct": lost, "throttled": 0, "throttled_pct": 0, "dropped": 0,
         "effective_rate_hz": eff, "rate_ratio": eff / hz, "attribution_error_max_pp": err, "worst_site": "cpu_hot",
         "tvd": err / 100, "binomial_se_pp": se, "expected_tvd": se / 100, "reached_main": 1.0, "symbolized": 0.999,
         "truth": {"cpu_hot": 0.7, "cpu_warm": 0.2, "cpu_cold": 0.1},
         "measured": {"cpu_hot": 0.7 + err / 100, "cpu_warm": 0.2 - err / 100, "cpu_cold": 0.1},
         "bounds": {"attribution_error_max_pp": 4 * se + 1, "rate_ratio_min": 0.95, "rate_ratio_max": 1.05}}
    c.update(kw)
    return c
def measure(unit, kind, n, err, site, ratio, lo, hi, bound, oob=""):
    return {"unit": unit, "kind": kind, "within_bounds": not oob, "out_of_bounds": oob, "n": n,
            "attribution_error_max_pp": err, "worst_site": site, "se_max_pp": 0, "tvd": err / 100, "expected_tvd": 0,
            "total_truth": n / ratio, "total_measured": n, "total_ratio": ratio, "total_se_rel": 0,
            "sites_found": 2, "sites_expected": 2, "reached_main": 1.0, "symbolized": 1.0,
            "truth": {"lock_site_a <b>": 0.7, "lock_site_b": 0.3},
            "measured": {"lock_site_a <b>": 0.7 + err / 100, "lock_site_b": 0.3 - err / 100},
            "bounds": {"attribution_error_max_pp": bound, "tvd": bound / 100, "total_ratio_min": lo,
                       "total_ratio_max": hi, "why": "counted <i>"}}
def lock_case():
    return {"sampler": "ref-bpf", "type": "lock", "workload": "lock", "hz": None, "requested_hz": None, "threads": 2,
            "duration_s": 2, "gating": True, "status": "ok", "within_bounds": False, "measure": "delay",
            "out_of_bounds": "dropped 1.50% of events (150: a table full, a stack lost) > 0.00% <b>; "
                             "contentions: total 90.0% of the truth's, want 95.0% to 100.0%",
            "samples": 10000, "samples_in_sites": None, "lost": 0, "lost_pct": 0, "throttled": 0, "throttled_pct": 0,
            "dropped": 150, "dropped_pct": 1.5, "effective_rate_hz": None, "rate_ratio": None,
            "attribution_error_max_pp": 0.7, "worst_site": "lock_site_a <b>", "tvd": 0.007, "binomial_se_pp": 0,
            "binomial_se_max_pp": 0, "expected_tvd": 0, "reached_main": 1.0, "symbolized": 1.0,
            "bounds": {"attribution_error_max_pp": 4, "tvd": 0.04, "total_ratio_min": 0.8, "total_ratio_max": 1.01,
                       "lost_pct_max": 0, "reached_main_min": 0.9, "symbolized_min": 0.99},
            "measures": {"delay": measure("nanoseconds", "exact", 2.05e9, 0.7, "lock_site_a <b>", 0.974, 0.8, 1.01, 4),
                         "contentions": measure("count", "exact", 4500, 0.0, "lock_site_a <b>", 0.9, 0.95, 1.0, 2,
                                                "total 90.0% of the truth's, want 95.0% to 100.0%")}}
v = {"schema_version": 1, "kind": "validation", "command_line": "tare validate '<i>v</i>' ```",
     "started_utc": "2026-01-01T00:00:00Z", "finished_utc": "2026-01-01T00:00:09Z", "verdict": "fail",
     "options": {"rates_hz": [99, 999], "threads": [1], "duration_s": 2, "event": "cpu-clock",
                 "samplers": ["ref", "perf <i>"], "same_run": True, "bounds": {"rate_tolerance": 0.05}},
     "environment": {"kernel": "Linux <u>k</u>"},
     "cases": [case("ref", 99, 1.1, 3.3, 98.2), case("perf <i>", 99, 1.7, 3.3, 98.4),
               case("ref", 999, 0.4, 1.05, 951, lost=0.5, within_bounds=False, out_of_bounds="rate 95.2% <b>"),
               {"sampler": "perf <i>", "type": "cpu", "workload": "cpu", "hz": 999, "requested_hz": 999, "threads": 1,
                "status": "skipped", "reason": "perf <img src=y> denied"},
               lock_case()],
     "out_of_bounds": ["ref cpu cpu 999 Hz x1: rate 95.2% <b>", "ref-bpf lock lock x2: 1.50% of events lost <b>"]}
for c in v["cases"][:3]:
    del c["type"]
json.dump(v, open(sys.argv[3], "w"))
PY
expect_exit 0 "$TARE" report doctored doctored-v -o doc
$CHECK png doc/plots/validation.png 960 540 || fail "validation.png"
$CHECK html doc/report.html 4 || fail "doctored report.html"
grep -q "<script>alert\|<img src=\|<b>x</b>\|<i>\|<u>\|<b>" doc/report.html && fail "a string from the run reached the HTML unescaped"
grep -qF 'perf &lt;script&gt;alert(1)&lt;/script&gt; | `x` hz=99' doc/report.html || fail "the label is not in the HTML, escaped"
grep -qF 'perf \<script\>alert(1)\</script\> \| \`x\` hz=99' doc/report.md || fail "the label is not escaped in report.md"
grep -qF '| perf \<i\> | cpu | 1 | 999 | - |' doc/report.md || fail "the skipped perf case is not in the validation table, escaped"
grep -q "0.50% of samples lost" doc/report.md || fail "lost samples are not warned about"
grep -q "out of bounds: ref cpu cpu 999 Hz x1" doc/report.md || fail "a case out of bounds is not warned about"
grep -q '^"perf <i>" ' doc/data/validation.dat || fail "no perf block in data/validation.dat"
# the lock case: no rate anywhere, a row per measure with its total and bound, its own verdict
# on its first row and its measure's on the second, its dropped events warned about
grep -qiw "nan" doc/report.md && fail "a missing rate shows as nan: $(grep -iw nan doc/report.md | head -n 3)"
grep -qF '| ref-bpf | lock | 2 | 10000 (150) | delay | 2.05 / 2.10 s | 97.4 \[80, 101\] | 0.70 (lock\_site\_a \<b\>) | exact / 4.00 |' doc/report.md ||
	fail "no delay row for the lock case: $(grep -F '| lock |' doc/report.md)"
grep -qF '| FAIL: dropped 1.50% of events (150: a table full, a stack lost) \> 0.00% \<b\> |' doc/report.md ||
	fail "the lock case's first row does not say its own reason alone"
grep -qF '| contentions | 4500 / 5000 | 90.0 \[95, 100\] |' doc/report.md || fail "no contentions row for the lock case"
grep -qF 'FAIL: total 90.0% of the truth' doc/report.md || fail "the contentions row does not say why it is out"
grep -qF 'ref-bpf on lock, 2 threads: 150 events dropped (1.50%)' doc/report.md ||
	fail "dropped events are not warned about: $(grep -F 'ref-bpf on lock' doc/report.md)"
grep -qF '"lock\n2 threads"' doc/data/validation.dat || fail "the lock type is not in data/validation.dat"
grep -q '^"ref-bpf" ' doc/data/validation.dat || fail "no ref-bpf block in data/validation.dat"

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

# 3b. A real validation (tare validate --quick: every type, every sampler; cpu at 99 and 999 Hz,
# 2 s a run), reported alone and beside the run: a row per type (the BPF types skipped, saying
# why, where the eBPF sampler cannot load).
val="" nval=0
"$TARE" validate --quick -o "$T/v" > validate.out 2>&1; rc=$?
if [ "$rc" -eq 3 ]; then
	skipped="${skipped:+$skipped; }tare validate cannot sample here ($(tail -n 1 validate.out)): its report is untested"
else
	[ "$rc" -le 1 ] || fail "tare validate --quick exited $rc: $(cat validate.out)"
	vdir=$(ls -d v/*-validate) || fail "no results directory from tare validate: $(cat validate.out)"
	[ -f "$vdir/validation.json" ] && [ ! -e "$vdir/results.json" ] || fail "tare validate wrote no validation.json alone"
	expect_exit 0 "$TARE" report "$vdir"
	vrep=$vdir/report
	$CHECK png "$vrep/plots/validation.png" 960 540 || fail "validation.png of tare validate"
	$CHECK svg "$vrep/plots/validation.svg" || fail "validation.svg of tare validate"
	for s in "# tare report: sampler validation" "## Validation of the samplers" "## Plots" "## Warnings" \
		"## Method" "## Environment" "## Reproduce" "tare validate --quick -o $T/v" "kernel.perf\\_event\\_paranoid"; do
		grep -qF -- "$s" "$vrep/report.md" || fail "the validation's report.md lacks '$s'"
	done
	grep -q "## Summary\|## Latency\|CPU overhead vs sampling rate" "$vrep/report.md" && fail "a validation alone has an experiment's sections"
	grep -qiw "nan" "$vrep/report.md" && fail "a missing number shows as nan: $(grep -iw nan "$vrep/report.md" | head -n 3)"
	# cpu: a row per sampler and rate (perf's may say why it did not sample)
	for hz in 99 999; do
		grep -q "^| ref | cpu | 1 | $hz | [0-9]" "$vrep/report.md" || fail "no measured ref row at $hz Hz in the validation table"
		grep -q "^| perf | cpu | 1 | $hz | " "$vrep/report.md" || fail "no perf row at $hz Hz in the validation table"
		grep -q "^| ref-bpf | cpu | 1 | $hz | " "$vrep/report.md" || fail "no ref-bpf row at $hz Hz in the validation table"
	done
	grep -q '^"ref" ' "$vrep/data/validation.dat" || fail "no ref block in data/validation.dat"
	if grep -q "^perf  *cpu  *cpu  *99  *1  *[0-9]" validate.out; then
		grep -q '^"perf" ' "$vrep/data/validation.dat" || fail "perf measured, but no perf block in data/validation.dat"
	else
		echo "note: perf record did not sample here: its rows say why ($(grep '^perf' validate.out | head -n 1))"
	fi
	# offcpu, lock, alloc: the eBPF sampler's, a row per measure
	if bpf=$(grep "^tare validate: ref-bpf is skipped: " validate.out); then
		skipped="${skipped:+$skipped; }the eBPF sampler cannot load here, its types' rows are untested (${bpf#tare validate: })"
		for ty in offcpu lock alloc; do
			grep -q "^| ref-bpf | $ty | 2 | - | .*| skipped: " "$vrep/report.md" || fail "the skipped $ty case has no row saying why"
		done
	else
		alloc_measured='[0-9]'
		# AddressSanitizer's malloc replaces glibc's: nothing of glibc's for the probes (validate_bpf.sh)
		nm -D "$BUILD/workloads/alloc" 2>/dev/null | grep -q __asan_init && alloc_measured=''
		# (Markdown escapes [ and ], and _: \[80, 101\], alloc\_space)
		for row in 'offcpu | 2 | [0-9][0-9]* ([0-9]*) | off-cpu | [0-9.]* / [0-9.]* s | [0-9.]* \\\[80, 101\\\] |' \
			'lock | 2 | [0-9][0-9]* ([0-9]*) | delay | [0-9.]* / [0-9.]* s | ' \
			"alloc | 2 | $alloc_measured"; do
			grep -q "^| ref-bpf | $row" "$vrep/report.md" || fail "no ref-bpf row '$row' in the validation table: $(grep '^| ref-bpf' "$vrep/report.md")"
		done
		for m in blocks contentions; do
			grep -q "^|   |   |   |   | $m | [0-9]* / [0-9]* | " "$vrep/report.md" || fail "no $m row in the validation table"
		done
		if [ -n "$alloc_measured" ]; then
			grep -q '^| ref-bpf | alloc | 2 | [0-9]* ([0-9]*) | alloc\\_space | [0-9.]* / [0-9.]* [KM]iB | [0-9.]* \\\[' \
				"$vrep/report.md" || fail "no alloc_space row in the validation table"
			for m in 'alloc\\_objects' 'inuse\\_space'; do
				grep -q "^|   |   |   |   | $m | [0-9.]* / [0-9.]*\( [KM]iB\)\? | [0-9.]* "'\\\[' "$vrep/report.md" || fail "no $m row in the validation table"
			done
			grep -q "^| ref-bpf | 2 | [0-9]* ([+-][0-9]*) | [0-9]* | " "$vrep/report.md" || fail "no allocation calls and bytes"
		fi
		for ty in offcpu lock alloc; do
			grep -qF "\"$ty\\n2 threads\"" "$vrep/data/validation.dat" || fail "no $ty in data/validation.dat"
		done
		for s in "offcpu and lock, every event counted" "alloc, Poisson sampling per byte" "Drops: samples or events" \
			"bound: lock delay" "| other types: workload threads | 2 |"; do
			grep -qF -- "$s" "$vrep/report.md" || fail "the validation's method lacks '$s'"
		done
	fi
	grep -qF "cpu, samples, binomial" "$vrep/report.md" || fail "the validation's method does not describe the binomial bound"
	$CHECK html "$vrep/report.html" 1 || fail "the validation's report.html"
	# Beside the run: both in one report, the run's plots and the validation's.
	expect_exit 0 "$TARE" report "$run1" "$vdir" -o combo
	for s in "## Summary" "## Validation of the samplers" "### Validation" "tare run -q rates.lua seed=11" \
		"tare validate --quick -o $T/v" "| machine | run | validation |"; do
		grep -qF -- "$s" combo/report.md || fail "the combined report.md lacks '$s'"
	done
	$CHECK html combo/report.html 4 || fail "combo/report.html"
	val="$vrep/report.html" nval=1
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
	for page in "$rep/report.html:3" "doc/report.html:4" ${multi:+"$multi:$nmulti"} ${val:+"$val:$nval"}; do
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
