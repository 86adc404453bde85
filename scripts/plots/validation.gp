# validation.gp — samplers held against workloads whose true profile is known (tare validate),
# side by side at each point, the points grouped by profile type (cpu: a rate and thread count;
# offcpu, lock, alloc: each measure): above, the attribution error beside the standard error
# chance gives it and the bound it is held to; below, the effective sampling rate as a share of
# the requested one (cpu) and each measure's total as a share of the truth's (the other types),
# within the band the validation's bounds allow.
#
# data/validation.dat: one block per sampler (gnuplot `index`), blocks separated by two blank
# lines; a block's first row is its title, then one row per point of the report, NaN where that
# sampler did not measure it (a label has a line break, \n, between its parts; "v2": of
# validation 2, where a type's points come from several):
#   "ref" case attribution_error_pp se_pp pct pct_min pct_max effective_hz requested_hz error_bound_pp type
#   0 "99 Hz" 1.10 2.07 100.1 95 105 99.1 99 9.28 0
# pct: the effective rate as % of the requested (cpu) or the measure's total as % of the true
# total (the other types); type: the index of the point's type in the last block, which lists
# the types (a title row, then `first_point last_point "label"`):
#   "type" first last
#   0 1 "cpu\n1 thread"
name = 'validation'
load 'plots/common.gp'

stats data using 1 nooutput
nb = STATS_blocks - 1           # samplers; the last block is the types
np = STATS_max + 1              # points
stats data index nb using 1 nooutput
ng = STATS_records              # types
bw = 0.8 / nb                   # the samplers' bars share 0.8 of a point's slot
x(i) = $1 + (i - (nb - 1) / 2.0) * bw
# what the lower panel shows: rates (cpu), totals (the other types), or both.  (A NaN in a
# column makes its row invalid whatever the expression, so the rows are told apart by the text.)
undefine STATS_*
stats data index 0:nb-1 using (strcol(9) eq 'NaN' ? NaN : $5) nooutput
rates = exists("STATS_records") ? STATS_records > 0 : 0
undefine STATS_*
stats data index 0:nb-1 using (strcol(9) eq 'NaN' ? $5 : NaN) nooutput
totals = exists("STATS_records") ? STATS_records > 0 : 0
set xrange [-0.6 : np - 0.4]
set style fill solid 0.85 noborder
set xtics scale 0
# the types: a dashed line between two, each one's name at the top of the upper panel (y2 runs
# 0..1 over the panel's height)
set y2range [0 : 1]
unset y2tics
sep(col) = column(col) > 0 ? column(col) - 0.5 : NaN
# Up to 4 points of one type the two panels sit side by side, each with its x labels; more
# need the whole width, one above the other, the x labels below.  gnuplot leaves no room for
# labels of several lines by itself: the margins are set here.
stacked = np > 4 || ng > 1
if (stacked) {
	set key outside right top vertical
	set multiplot layout 2, 1 title 'Samplers against known profiles' font ',15' \
	    margins 0.08, 0.79, 0.15, 0.86 spacing 0.1
	set format x ''
	xlabels = ''                # the lower panel's x labels are the upper's too
	# ~60 pixels a point: "contentions" beside "alloc" needs a smaller font (SVG's is 13, PNG's 11)
	xfont = fmt eq 'png' ? ',9' : ',11'
	if (np > 9) { set xtics font xfont }
} else {
	set key below horizontal width 1
	set bmargin 7
	set multiplot layout 1, 2 title 'Samplers against known profiles' font ',15'
	xlabels = ':xtic(2)'
}

set title 'Attribution error (max over the sites)'
set ylabel (stacked ? 'max error (points)' : 'max error (percentage points)')
set yrange [0 : *]
set offsets 0, 0, graph 0.24, 0          # room for the types' names
# behind each sampler's bar, the band its bound allows; the SE as a black bar across it (none
# for the counted types, whose SE is 0); the types named above their points
plot data index 0 using 1:(NaN)@xlabels notitle, \
     for [i=0:nb-1] data index i using (x(i)):(0):(x(i) - bw * 0.47):(x(i) + bw * 0.47):(0):10 with boxxyerror \
         fs solid 1.0 noborder lc rgb '#dcefe3' title (i == 0 ? 'within bounds' : ''), \
     for [i=0:nb-1] data index i using (x(i)):3:(bw * 0.8) with boxes lt i+1 title columnheader(1), \
     for [i=0:nb-1] data index i using (x(i)):($4 > 0 ? $4 : NaN):(x(i) - bw * 0.4):(x(i) + bw * 0.4) with xerrorbars \
         lc rgb '#000000' lw 2.5 pt 0 title (i == 0 ? 'SE by chance' : ''), \
     data index nb using (sep(1)):(0):(0):(1) axes x1y2 with vectors nohead lc rgb '#999999' dt 2 lw 1 notitle, \
     data index nb using (($1 + $2) / 2.0):(0.9):3 axes x1y2 with labels font (fmt eq 'png' ? ',11' : ',13') tc rgb '#333333' notitle

set title (rates && totals ? 'Effective rate (cpu) and total (the other types)' : \
	   rates ? 'Effective sampling rate' : 'Total against the truth')
set ylabel (rates && totals ? '% of requested or true' : rates ? 'rate (% of requested)' : 'total (% of true)')
set yrange [*:*]
set offsets 0, 0, 1, 1
set format x '% h'
# the band the bounds allow, behind; 100% is the requested rate or the true total
plot data index 0 using 1:(NaN):xtic(2) notitle, \
     for [i=0:nb-1] data index i using (x(i)):(100):(x(i) - bw * 0.47):(x(i) + bw * 0.47):6:7 with boxxyerror \
         fs solid 1.0 noborder lc rgb '#dcefe3' title (i == 0 ? 'within bounds' : ''), \
     100 with lines lc rgb '#444444' dt 2 lw 1.5 title (rates && totals ? 'requested, true' : rates ? 'requested' : 'true'), \
     data index nb using (sep(1)):(0):(0):(1) axes x1y2 with vectors nohead lc rgb '#999999' dt 2 lw 1 notitle, \
     for [i=0:nb-1] data index i using (x(i)):5 with points lt i+1 ps (stacked ? 1.4 : 1.8) notitle
unset multiplot
