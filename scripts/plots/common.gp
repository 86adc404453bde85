# common.gp — what every plot of a tare report shares: the terminal (SVG or PNG, 960x540),
# fonts, colours and grid.  `tare report` copies these scripts into REPORT/plots/ and runs them
# from REPORT, so a reader can redraw (or restyle) a plot from its data:
#
#   cd REPORT && gnuplot plots/cpu_rate.gp                  -> plots/cpu_rate.svg
#   cd REPORT && gnuplot -e "fmt='png'" plots/cpu_rate.gp   -> plots/cpu_rate.png
#
# Variables (gnuplot -e): fmt ('svg' or 'png'), data (input file), out (output file).  Each
# script sets `name` and loads this file; data and out default to data/NAME.dat and
# plots/NAME.FMT.  Labels are printed as written (noenhanced): '_' and '^' are not markup.
if (!exists("fmt")) fmt = 'svg'
if (!exists("data")) data = 'data/' . name . '.dat'
if (!exists("out")) out = 'plots/' . name . '.' . fmt
if (!exists("width")) width = 960
if (!exists("height")) height = 540

set encoding utf8
if (fmt eq 'png') {
	# pngcairo draws antialiased text; the libgd `png` terminal is the fallback.
	if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
		set terminal pngcairo size width, height noenhanced font 'DejaVu Sans,11' background rgb 'white'
	} else {
		set terminal png size width, height noenhanced font 'DejaVuSans,10' background rgb 'white'
	}
} else {
	set terminal svg size width, height fixed noenhanced font 'DejaVu Sans,13' background rgb 'white'
}
set output out

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 1.1
set linetype 2 lc rgb '#D55E00' lw 2 pt 5 ps 1.1
set linetype 3 lc rgb '#009E73' lw 2 pt 9 ps 1.3
set linetype 4 lc rgb '#CC79A7' lw 2 pt 11 ps 1.3
set linetype 5 lc rgb '#E69F00' lw 2 pt 13 ps 1.2
set linetype 6 lc rgb '#56B4E9' lw 2 pt 7 ps 1.1
set linetype 7 lc rgb '#000000' lw 2 pt 5 ps 1.1
set linetype 8 lc rgb '#999999' lw 2 pt 9 ps 1.3
set linetype cycle 8

set border 3 lc rgb '#444444'
set tics nomirror out
set grid ytics lc rgb '#dddddd' lw 1 dt 1
set key opaque box lc rgb '#bbbbbb' samplen 2.5 spacing 1.2 Left reverse
set bars 1.5
set pointintervalbox 0          # no blank disc around points (5.4 draws one over error bars)
set xzeroaxis lc rgb '#777777' lw 1 dt 2

# An interval the run could not give has NaN bounds in the data.  gnuplot would still draw
# its bar (clipped to the bottom), so error bars are plotted at x = with_ci(lo, x), which is
# NaN -- the row skipped -- when lo is.
with_ci(lo, x) = lo == lo ? x : NaN
