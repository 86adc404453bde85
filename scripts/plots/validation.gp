# validation.gp — samplers held against workloads whose true profile is known (tare validate),
# side by side at each point (workload, rate, threads): the attribution error beside the
# binomial standard error for that many samples, and the effective sampling rate as a share of
# the requested one, within the band the validation's bounds allow.
#
# data/validation.dat: one block per sampler (gnuplot `index`), blocks separated by two blank
# lines; a block's first row is its title, then one row per point of the report, NaN where that
# sampler did not measure it (a point's label has a line break, \n, between its parts):
#   "ref" case attribution_error_pp binomial_se_pp rate_pct_of_requested rate_min_pct rate_max_pct effective_hz requested_hz
#   0 "99 Hz\n1 thread" 1.10 2.07 100.1 95 105 99.1 99
name = 'validation'
load 'plots/common.gp'

stats data using 1 nooutput
nb = STATS_blocks               # samplers
np = STATS_max + 1              # points
bw = 0.8 / nb                   # the samplers' bars share 0.8 of a point's slot
x(i) = $1 + (i - (nb - 1) / 2.0) * bw
set xrange [-0.6 : np - 0.4]
set style fill solid 0.85 noborder
set xtics scale 0
# Up to 4 points the two panels sit side by side; more need the whole width, one above the other.
# gnuplot leaves no room for labels of several lines by itself: the margins are set here.
if (np > 4) {
	set key outside right top vertical
	set multiplot layout 2, 1 title 'Samplers against known profiles' font ',15' \
	    margins 0.08, 0.72, 0.14, 0.86 spacing 0.21
} else {
	set key below horizontal width 1
	set bmargin 9
	set multiplot layout 1, 2 title 'Samplers against known profiles' font ',15'
}

set title 'Attribution error'
set ylabel (np > 4 ? 'max error (points)' : 'max error (percentage points)')
set yrange [0 : *]
# the SE as a black bar across each sampler's bar
plot data index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=0:nb-1] data index i using (x(i)):3:(bw * 0.9) with boxes lt i+1 title columnheader(1), \
     for [i=0:nb-1] data index i using (x(i)):4:(x(i) - bw * 0.4):(x(i) + bw * 0.4) with xerrorbars \
         lc rgb '#000000' lw 2.5 pt 0 title (i == 0 ? 'binomial SE' : '')

set title 'Effective sampling rate'
set ylabel (np > 4 ? 'rate (% of requested)' : 'effective rate (% of requested)')
set yrange [*:*]
set offsets 0, 0, 1, 1
# the band the bounds allow, behind; 100% is the requested rate; the samplers' colours as above
plot data index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=0:nb-1] data index i using 1:(100):($1 - 0.45):($1 + 0.45):6:7 with boxxyerror \
         fs solid 1.0 noborder lc rgb '#dcefe3' title (i == 0 ? 'within bounds' : ''), \
     100 with lines lc rgb '#444444' dt 2 lw 1.5 title 'requested', \
     for [i=0:nb-1] data index i using (x(i)):5 with points lt i+1 ps 1.8 notitle
unset multiplot
