# cpu_rate.gp — CPU overhead vs sampling rate, one line per profiler (and run), with the
# confidence interval of each point as an error bar; log x axis.
#
# data/cpu_rate.dat: one block per line, blocks separated by two blank lines (gnuplot's
# `index`); a block's first row is its title, then one row per rate:
#   "perf" hz estimate_pct lo_pct hi_pct
#   99 0.21 0.05 0.39
# lo/hi are NaN where the run had too few blocks for an interval (the point is drawn alone).
# data/cpu_rate_xtics.gp labels the axis with the rates that ran.
name = 'cpu_rate'
load 'plots/common.gp'

set title 'CPU overhead vs sampling rate' font ',15'
set xlabel 'sampling rate (Hz, log scale)'
set ylabel 'CPU overhead (% of baseline CPU per unit of work)'
stats data using 1 nooutput
set logscale x
set xrange [STATS_min / 1.6 : STATS_max * 1.6]
if (!exists("xtics")) xtics = 'data/cpu_rate_xtics.gp'
load xtics
set key outside right top vertical

# error bars first: the points and lines are drawn over them
plot for [i=0:*] data index i using (with_ci($3, $1)):2:3:4 with yerrorbars lt i+1 ps 0 lw 1.5 notitle, \
     for [i=0:*] data index i using 1:2 with linespoints lt i+1 title columnheader(1)
