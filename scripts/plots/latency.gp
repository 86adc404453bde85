# latency.gp — the latency percentile spectrum, profiler off vs on: HdrHistogram's plot, x =
# 1/(1-p) on a log scale labelled with percentiles, y = latency from each request's intended
# send time (no coordinated omission), from the per-configuration merged .hgrm files.
#
# data/latency.dat: one block per configuration (blocks separated by two blank lines), its
# first row the title, then "1/(1-p) value_us" rows, the 100% row left out (x is infinite).
name = 'latency'
load 'plots/common.gp'

set title 'Latency by percentile, profiler off vs on' font ',15'
set xlabel 'percentile (log scale of 1/(1-p))'
set ylabel 'latency (µs)'
stats data using 1:2 nooutput
set logscale x
set xrange [1 : (STATS_max_x > 10 ? STATS_max_x * 1.5 : 15)]
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 1e4, '99.999%%' 1e5, '99.9999%%' 1e6, '99.99999%%' 1e7)
# A tail three orders above the median would flatten everything else: log y then.
if (STATS_min_y > 0 && STATS_max_y / STATS_min_y > 1000) {
	set logscale y
	set ylabel 'latency (µs, log scale)'
}
set key top left

plot for [i=0:*] data index i using 1:2 with steps lt i+1 title columnheader(1)
