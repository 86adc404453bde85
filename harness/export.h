/* export.h — tare export: a run's summary as metrics, for dashboards and alerts.
 *
 *   tare export [--openmetrics] RESULTS [-o FILE] [--push URL] [--timeout S]
 *
 * RESULTS is a results directory or its results.json (as tare compare and report take them);
 * the analysis is run again from its trials, as compare does, so the figures are results.json's
 * summary and the verdicts its budget's.  The output is OpenMetrics text (the only format so
 * far; --openmetrics says so explicitly): gauges labelled by experiment, workload,
 * configuration and host (results.json's environment.hostname), one series per configuration
 * that has the figure:
 *
 *   tare_cpu_overhead_ratio            total CPU per unit of work, on against off, minus 1
 *   tare_cpu_overhead_{lower,upper}_ratio   its interval's bounds
 *   tare_p99_change_seconds (+ bounds) the p99 latency with the profiler on minus off
 *   tare_memory_overhead_bytes (+ bounds)
 *   tare_blocks                        blocks paired behind the interval (switchback: processes)
 *   tare_verdict{verdict="pass|inconclusive|fail"}   1 for the budget's verdict, 0 for the others
 *   tare_run_timestamp_seconds         when the run finished (started, if it did not)
 *
 * A bound the run could not give (too few blocks for the confidence) is left out, not written
 * as NaN; a configuration without a budget has no tare_verdict.  The text ends in "# EOF", which
 * the Prometheus text parser (node_exporter's textfile collector, promtool) reads as a comment,
 * so one file serves both.
 *
 *   -o FILE      write it to FILE atomically (node_exporter's textfile collector may read at any
 *                moment): FILE.tmp.* and a rename, as the collector's documentation asks
 *   --push URL   PUT it (Prometheus text, version 0.0.4: no # UNIT, no # EOF) to the
 *                Pushgateway at URL, into the group /metrics/job/tare/experiment/E/instance/HOST
 *                (or to URL as given when its path already holds /metrics/job/)
 *
 * Without -o or --push the text goes to stdout.  Exit: 0 done; 1 the file could not be written
 * or the push failed (the contract's "results not written"; the gateway being down is not
 * "cannot measure here": nothing is measured); 2 usage or a results file that cannot be read.
 */
#ifndef TARE_EXPORT_H
#define TARE_EXPORT_H

#include <stdio.h>

#include "analysis.h"
#include "budget.h"
#include "results.h"

int export_main(int argc, char **argv);

/* The summary of lr (analysed in an; its budget's verdicts in rows[0..nrows)) as exposition
 * text into f: OpenMetrics (# UNIT lines and # EOF) when openmetrics, else Prometheus text. */
void export_render(FILE *f, const struct loaded_results *lr, const struct analysis *an,
		   const struct verdict_row *rows, int nrows, int openmetrics);

#endif
