# cpu_split.gp — where the CPU overhead lands, per configuration: stacked bars of the extra CPU
# charged to the workload, to the profiler's own processes, and to neither (kernel threads,
# irq), with the total (paired log ratio) and its confidence interval as a point.
#
# data/cpu_split.dat: one row per configuration:
#   index "label" workload_lo workload_hi profiler_lo profiler_hi unattributed_lo unattributed_hi
#         total_pct total_lo total_hi
# The C side stacks the bars (positive parts up from 0, negative parts down), so each
# component is a box [lo, hi]; the total's lo/hi are NaN without an interval.
name = 'cpu_split'
load 'plots/common.gp'

set title 'Where the CPU overhead lands' font ',15'
set ylabel 'CPU overhead (% of baseline CPU per unit of work)'
stats data using 1 nooutput
set xrange [-0.7 : STATS_max + 0.7]
set yrange [*<0 : 0<*]    # always show 0
set style fill solid 0.85 noborder
set xtics rotate by -30 left scale 0
set rmargin 12                  # room for the last rotated label
set key below horizontal maxrows 2 width 2
w = 0.3

plot data using 1:(($3+$4)/2):($1-w):($1+w):3:4:xtic(2) with boxxyerror lt 1 title 'in the workload (interrupts, handlers, unwinding)', \
     '' using 1:(($5+$6)/2):($1-w):($1+w):5:6 with boxxyerror lt 5 title "the profiler's own processes", \
     '' using 1:(($7+$8)/2):($1-w):($1+w):7:8 with boxxyerror lt 8 title 'unattributed (kernel threads, irq)', \
     '' using (with_ci($10, $1)):9:10:11 with yerrorbars lc rgb '#000000' pt 7 ps 1.2 lw 1.5 title 'total, with confidence interval', \
     '' using 1:9 with points lc rgb '#000000' pt 7 ps 1.2 notitle
