# validation.gp — the reference sampler against workloads whose true profile is known: the
# attribution error (max absolute percentage points) beside the binomial standard error for that
# many samples, and the effective sampling rate as a share of the requested one.
#
# data/validation.dat: one row per case:
#   index "label" attribution_error_pp binomial_se_pp effective_pct_of_requested
name = 'validation'
load 'plots/common.gp'

stats data using 1 nooutput
set xrange [-0.7 : STATS_max + 0.7]
set style fill solid 0.85 noborder
set boxwidth 0.6
set xtics rotate by -30 left scale 0
set rmargin 12                  # room for the last rotated label
set key below horizontal
set multiplot layout 1, 2 title 'Reference sampler validation' font ',15'

set title 'Attribution error vs the known profile'
set ylabel 'max absolute error (percentage points)'
set yrange [0 : *]
plot data using 1:3:xtic(2) with boxes lt 1 title 'attribution error', \
     '' using 1:4 with points lc rgb '#000000' pt 3 ps 1.6 title 'binomial standard error'

set title 'Effective sampling rate'
set ylabel 'effective rate (% of requested)'
set yrange [0 : *]
plot data using 1:5:xtic(2) with boxes lt 3 title 'effective / requested', \
     100 with lines lc rgb '#444444' dt 2 lw 1.5 title 'requested'
unset multiplot
