# tare hist: another load generator's latencies into tare's histogram, and a histogram's summary.
#   - text "VALUE [COUNT]" with counts, comments and blank lines, in µs: exact count, min, max;
#   - hgrm: tare's own --hgrm output of a known histogram read back (p50, p90 exact: they are
#     levels the table prints; p99 between the truth and the next printed row);
#   - bad lines: one line naming FILE:LINE, exit 2; no --unit, an unknown unit, empty input;
#   - hlog: an interval log written by HdrHistogram's JavaScript port (npm hdr-histogram-js),
#     read back within 3 significant digits (skipped, last, without npm or its registry).
. "$ROOT/tests/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed"
cd "$T"

# summary LINE NAME: the value of NAME in tare hist's summary in $out
val() { printf '%s\n' "$out" | awk -v k="$1" '$1 == k { print $2 }'; }
# close A B REL: |A - B| <= REL * B
close() { python3 -c "import sys; a, b, r = map(float, sys.argv[1:]); sys.exit(abs(a - b) > r * b)" "$1" "$2" "$3"; }

# text with counts: 1000 µs x 3, 2000 µs x 1, 5 ms x 96 (one per line) -> 100 latencies
{
	echo "# wrk latencies: microseconds, count"
	echo "1000 3"
	echo ""
	echo "2000	1"
	i=0; while [ $i -lt 96 ]; do echo "5000"; i=$((i + 1)); done
} > text.txt
expect_exit 0 "$TARE" hist --from text --unit us text.txt -o text.hist
head -n 1 text.hist | grep -q '^tare-hist 1 1 60000000000 3 100 1000000 5000000 0$' || fail "header: $(head -n 1 text.hist)"
expect_exit 0 "$TARE" hist text.hist
[ "$(val count)" = 100 ] || fail "count: $out"
[ "$(val min_us)" = 1000.000 ] && [ "$(val max_us)" = 5000.000 ] || fail "min/max: $out"
close "$(val p50_us)" 5000 0.001 || fail "p50: $out"
# the same in ms, from stdin, and through a pipe into the summary
expect_exit 0 sh -c "awk '\$1 !~ /#/ && NF { print \$1 / 1000, (NF > 1 ? \$2 : 1) }' text.txt | '$TARE' hist --from text --unit ms - | '$TARE' hist -"
[ "$(val count)" = 100 ] && [ "$(val max_us)" = 5000.000 ] || fail "ms via stdin: $out"

# hgrm: a known histogram (1..10000 µs, each once) through tare's own --hgrm and back
awk 'BEGIN { for (i = 1; i <= 10000; i++) print i }' > uniform.txt
expect_exit 0 "$TARE" hist --from text --unit us uniform.txt -o uniform.hist
"$TARE" hist uniform.hist --hgrm > uniform.hgrm || fail "--hgrm failed"
grep -q 'Value *Percentile *TotalCount' uniform.hgrm || fail "no table: $(head -n 3 uniform.hgrm)"
{ echo "Running 10s test @ http://127.0.0.1:8080/"; echo "  Detailed Percentile spectrum:"; cat uniform.hgrm; echo "----------"; echo "Requests/sec: 1000.00"; } > wrapped.hgrm
expect_exit 0 "$TARE" hist uniform.hist
truth=$out
expect_exit 0 sh -c "'$TARE' hist --from hgrm --unit us wrapped.hgrm | '$TARE' hist -"
got=$out
for k in count min_us p50_us p90_us max_us; do
	a=$(out=$truth val $k) b=$(out=$got val $k)
	close "$b" "$a" 0.001 || fail "hgrm round trip: $k $b, want $a"
done
p99=$(out=$truth val p99_us) p99_back=$(out=$got val p99_us)
# 99% is not a printed level (HdrHistogram's ticks: ... 98.90625, 99.0625): the next row's value
python3 -c "import sys; t, g = map(float, sys.argv[1:]); sys.exit(not (t <= g <= t * 1.003))" "$p99" "$p99_back" ||
	fail "hgrm p99 $p99_back, want $p99 .. +0.3%"

# bad input: one line naming the file and the line, exit 2
printf '100 2\n# fine\n\n200 x\n' > bad.txt
expect_exit 2 "$TARE" hist --from text --unit us bad.txt
one_line; contains "bad.txt:4: count 'x'"
printf '100\n-5\n' > neg.txt
expect_exit 2 "$TARE" hist --from text --unit us neg.txt
one_line; contains "neg.txt:2: latency -5 is negative"
printf '100 1 2\n' > three.txt
expect_exit 2 "$TARE" hist --from text --unit us three.txt
one_line; contains "three.txt:1:"
sed 's/ 0.500000000000 / 0.5000000000 x/' uniform.hgrm > badrow.hgrm
expect_exit 2 "$TARE" hist --from hgrm --unit us badrow.hgrm
one_line; contains "badrow.hgrm:[0-9]*:"
expect_exit 2 "$TARE" hist --from hgrm --unit us text.txt
one_line; contains "text.txt: no percentile table"
printf '#[comment]\n0.000,1.000,2.0,HISTFAAAAnotbase64!\n' > bad.hlog
expect_exit 2 "$TARE" hist --from hlog --unit us bad.hlog
one_line; contains "bad.hlog:2: the histogram is not base64"
printf '0.000,1.000,2.0,AAAA\n' > short.hlog
expect_exit 2 "$TARE" hist --from hlog --unit us short.hlog
one_line; contains "short.hlog:1: .*too short"
# the unit is never guessed
expect_exit 2 "$TARE" hist --from text text.txt
one_line; contains "--unit"
expect_exit 2 "$TARE" hist --from text --unit sec text.txt
one_line; contains "--unit 'sec'"
expect_exit 2 "$TARE" hist --from csv --unit us text.txt
one_line; contains "--from 'csv'"
# empty input is an error, not an empty histogram
printf '# nothing\n\n' > empty.txt
expect_exit 2 "$TARE" hist --from text --unit us empty.txt -o empty.hist
one_line; contains "empty.txt: no latencies"
[ ! -e empty.hist ] || fail "empty input left empty.hist"
# another tool's output given as a tare histogram
expect_exit 2 "$TARE" hist text.txt
one_line; contains "text.txt:1: not a tare-hist file"
expect_exit 2 "$TARE" hist "$T/missing.hist"
one_line
expect_exit 0 "$TARE" hist --help
contains "--from FORMAT"; contains "--unit"

# hlog from HdrHistogram's JavaScript port: 3 intervals of known values, in µs
command -v npm >/dev/null && command -v node >/dev/null || skip "npm or node is not installed (the hlog case needs hdr-histogram-js)"
timeout 120 npm install --no-save --no-audit --no-fund --prefix "$T/npm" hdr-histogram-js >npm.log 2>&1 ||
	skip "npm install hdr-histogram-js failed (no registry?): $(tail -n 1 npm.log)"
cat > mk.js <<'JS'
const hdr = require("hdr-histogram-js");
const opts = { lowestDiscernibleValue: 1, highestTrackableValue: 3600000000, numberOfSignificantValueDigits: 3 };
const w = new hdr.HistogramLogWriter(s => process.stdout.write(s));
w.outputLogFormatVersion(); w.outputStartTime(1700000000000); w.outputLegend();
const all = hdr.build(opts);
for (let k = 0; k < 3; k++) {
  const h = hdr.build(opts);
  for (let i = 1; i <= 5000; i++) { h.recordValue(100 + 7 * i + k); all.recordValue(100 + 7 * i + k); }
  h.recordValueWithCount(250000, 3); all.recordValueWithCount(250000, 3);
  w.outputIntervalHistogram(h, k, k + 1, 1000);
}
process.stderr.write([all.totalCount, all.minNonZeroValue, all.maxValue, all.getValueAtPercentile(50),
                      all.getValueAtPercentile(99)].join(" ") + "\n");
JS
NODE_PATH="$T/npm/node_modules" node mk.js > js.hlog 2> js.truth || fail "node: $(cat js.truth)"
grep -q '^[0-9.]*,[0-9.]*,[0-9.]*,HISTF' js.hlog || fail "no interval lines in js.hlog: $(head -n 5 js.hlog)"
read -r n min max p50 p99 < js.truth
expect_exit 0 sh -c "'$TARE' hist --from hlog --unit us js.hlog | '$TARE' hist -"
[ "$(val count)" = "$n" ] || fail "hlog count $(val count), want $n"
# each bucket counted at its middle: within HdrHistogram's 3 digits and tare's
close "$(val min_us)" "$min" 0.002 || fail "hlog min $(val min_us), want $min"
close "$(val max_us)" "$max" 0.002 || fail "hlog max $(val max_us), want $max"
close "$(val p50_us)" "$p50" 0.002 || fail "hlog p50 $(val p50_us), want $p50"
close "$(val p99_us)" "$p99" 0.002 || fail "hlog p99 $(val p99_us), want $p99"
# tagged lines count too
sed 's/^\([0-9]\)/Tag=a,\1/' js.hlog > tagged.hlog
expect_exit 0 sh -c "'$TARE' hist --from hlog --unit ms tagged.hlog | '$TARE' hist -"
[ "$(val count)" = "$n" ] || fail "tagged hlog count $(val count), want $n"
close "$(val p99_us)" "$(python3 -c "print($p99 * 1000)")" 0.002 || fail "hlog in ms: p99 $(val p99_us)"
exit 0
