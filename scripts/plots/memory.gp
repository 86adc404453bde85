# memory.gp — memory overhead per configuration: the extra peak RSS of the workload plus the
# profiler's own peak RSS, against the same block's baseline; bars with the sign-test interval.
#
# data/memory.dat: one row per configuration: index "label" estimate_mib lo_mib hi_mib
# (lo/hi NaN without an interval: the sign test needs 6 blocks at 95%).
name = 'memory'
load 'plots/common.gp'

set title 'Memory overhead per configuration' font ',15'
set ylabel 'extra peak RSS, workload + profiler (MiB)'
stats data using 1 nooutput
set xrange [-0.7 : STATS_max + 0.7]
set yrange [*<0 : 0<*]    # always show 0
set style fill solid 0.85 noborder
set boxwidth 0.6
set xtics rotate by -30 left scale 0
set rmargin 12                  # room for the last rotated label
set key below horizontal maxrows 2 width 2

plot data using 1:3:xtic(2) with boxes lt 1 title 'median of the paired blocks', \
     '' using (with_ci($4, $1)):3:4:5 with yerrorbars lc rgb '#222222' ps 0 lw 1.5 title 'confidence interval (sign test)', \
     '' using 1:3 with points lc rgb '#222222' pt 7 ps 0.9 notitle
