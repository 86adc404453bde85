/* plot.h — the plots of `tare report`.  For each plot the report writes what it shows to
 * REPORT/data/NAME.dat, copies scripts/plots/NAME.gp (and common.gp) to REPORT/plots/, and runs
 * gnuplot there twice, for SVG and PNG; report.html inlines them.  Nothing a run supplied reaches
 * gnuplot's command line; labels reach it only as quoted strings in the data files, printed with
 * `noenhanced`.  (docs/report.md)
 */
#ifndef TARE_PLOT_H
#define TARE_PLOT_H

#include <stddef.h>

struct doc;
struct report;

enum plot_id { PLOT_CPU_RATE, PLOT_LATENCY, PLOT_MEMORY, PLOT_CPU_SPLIT, PLOT_VALIDATION, PLOT_COUNT };

struct plot_info {
	const char *name;          /* scripts/plots/NAME.gp -> data/NAME.dat -> plots/NAME.svg, .png */
	const char *title;
	const char *caption;       /* this file's text: `code` spans allowed */
};

extern const struct plot_info plot_info[PLOT_COUNT];

struct plot_state {
	int rows;                  /* data rows written; 0: nothing to plot */
	char why[512];             /* why it was not drawn */
	int svg, png;              /* drawn */
};

/* A report written again into the same directory must not show last time's plots: remove them. */
void plot_remove_old(const struct report *rp);
/* Write plot p's data file and, with gnuplot (rp->gnuplot), draw it; rp->plots[p] says how it went. */
void plot_make(struct report *rp, enum plot_id p);
/* For another command's plot (tare merge's forest plot): scripts/plots/NAME.gp and common.gp into
 * DIR/plots/, and gnuplot (a path) run in DIR for one format ("svg" or "png"), reading
 * DIR/data/NAME.dat.  0, or -1 with why in why. */
int plot_copy_script(const char *dir, const char *name, char *why, size_t len);
int plot_draw(const char *gnuplot, const char *dir, const char *name, const char *fmt, char *why, size_t len);
/* The Plots section: every plot drawn, with its caption, and why the others were not. */
void sec_plots(struct doc *d, const struct report *rp);

#endif
