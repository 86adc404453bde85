# forest.gp — tare merge's forest plot: each run's CPU overhead with its interval, and their
# random-effects combination (a diamond), one group of rows per configuration.
#
# data/forest.dat: one row per line, top to bottom:
#   "label" y estimate_pct lo_pct hi_pct kind          (kind 0: a run, 1: the combination)
# lo/hi are NaN where a run had no interval (the point is drawn alone).
#
#   cd DIR && gnuplot plots/forest.gp        -> plots/forest.svg
name = 'forest'
load 'plots/common.gp'

stats data using 2 nooutput
rows = STATS_max
set title 'CPU overhead by run, and combined (random effects)' font ',15'
set xlabel 'CPU overhead (% of baseline CPU per unit of work)'
set yrange [0.3 : rows + 0.7]
set ytics scale 0
set grid xtics lc rgb '#dddddd' lw 1 dt 1
set grid noytics
set xzeroaxis
set key outside right top vertical
set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb '#777777' dt 2
# the labels from every row (a plot of nothing), then the runs and the combinations
plot data using (NaN):2:ytic(1) notitle, \
     data using (with_ci($4, $3)):($6 == 0 ? $2 : NaN):4:5 with xerrorbars lt 1 pt 7 ps 0.9 title 'run', \
     data using 3:($6 == 1 ? $2 : NaN):4:5 with xerrorbars lt 2 pt 13 ps 1.8 lw 2 title 'combined'
