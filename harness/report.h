/* report.h — `tare report`: a report people can publish, from one or more results directories:
 * runs of `tare run` (results.json) and validations of `tare validate` (validation.json).
 *
 * REPORT/ (by default the first results directory's report/):
 *   report.md, report.html   the summary with verdicts, the plots, the method, the environment,
 *                            the warnings and the command that reproduces each run.  The HTML is
 *                            self-contained: plots inlined as data: URIs, no external resources.
 *   plots/NAME.svg, .png     drawn by gnuplot with scripts/plots/NAME.gp, copied to plots/ so a
 *                            reader can redraw them: cd REPORT && gnuplot plots/NAME.gp
 *   data/NAME.dat            what each plot shows, as gnuplot reads it
 *
 * Several results directories make one report that compares them: their tables one after the
 * other, the method and environment side by side, the plots overlaid.  A validation adds its
 * section, plot, warnings and method; alone, it is the whole report (the experiment's sections
 * are left out).  Without gnuplot the report is written without plots and says so.
 * docs/report.md describes every part.
 */
#ifndef TARE_REPORT_H
#define TARE_REPORT_H

#include <stddef.h>

/* `tare report RESULTS... [-o DIR]`; argv[0] is "report".  Each RESULTS is a results directory
 * (with results.json, validation.json or both) or one of those files.  Returns the exit code:
 * 0 written (with or without plots), 2 usage or a results directory that cannot be read, 1 the
 * report cannot be written. */
int report_main(int argc, char **argv);

/* Write the report of results_dirs[0..n-1] (each as for report_main) into out_dir, or into the
 * first one's report/ when out_dir is NULL.  Quiet: for `tare run`.
 * 0, or the exit code above after one line in err naming the file and what failed. */
int report_write(const char *const *results_dirs, int n, const char *out_dir, char *err, size_t errlen);

/* The page every report of tare's is: the HTML head with its stylesheet and the title as a level
 * 1 heading in both outputs; and the tail (the script that marks plots loaded). */
struct doc;
void report_page_open(struct doc *d, const char *title);
void report_page_close(struct doc *d);

#endif
