/* switchback.h — the analysis of a switchback run: window pairs nested in processes.
 *
 * A switchback trial is one process of the workload whose profiler is switched on and off in
 * measured windows (docs/switchback.md).  Windows 2k and 2k+1 are a pair, one of each arm in a
 * seeded order, so a pair is two adjacent stretches of the same process: placement, memory
 * layout and neighbours are shared, and only the profiler differs.  Per pair, with per-unit CPU
 * W (workload), P (profiler), U (unattributed), T = W + P + U and B = W + P of the off window:
 *
 *   cpu_total        d = ln(T_on / T_off)           reported as exp(est) - 1, in %
 *   cpu_workload     d = 100 (W_on - W_off) / B      and likewise cpu_profiler, cpu_unattributed
 *
 * Pairs are not independent draws: they are nested in processes, and a process's effect can
 * differ from another's (where it was placed, what its neighbours did).  So each process gets
 * its own estimate — Hodges-Lehmann over its pairs, with a standard error from the
 * within-process variance pooled over the processes (one process's own, from a few pairs, is
 * too noisy to weigh by) — and the processes are combined as a random-effects meta-analysis:
 * DerSimonian-Laird's between-process variance tau^2, and the Hartung-Knapp-Sidik-Jonkman
 * interval (a t quantile with k - 1 degrees of freedom on a variance rescaled by how much the
 * processes really disagree), never narrower than DerSimonian-Laird's own (the "modified"
 * HKSJ of Roever, Knapp & Friede 2015).  HKSJ keeps its coverage with few clusters, where DL's
 * normal interval is too narrow (IntHout, Ioannidis & Borm 2014).  With one process there is
 * no between-process information: the interval is the within-process Wilcoxon one, and the
 * summary says so.
 *
 * Memory: the profiler's own (peak RSS plus kernel memory held for profiling), one value per
 * process, the sign-test median interval over processes; the off arm has no process to compare.
 *
 * Carry-over: the profiler's cost must not leak past a switch into the next window (a ring
 * still draining, caches refilling).  An off window right after an on window is compared with
 * the other off windows of the same process (log CPU per unit relative to the process's median
 * off window; Wilcoxon rank-sum); a shift beyond the interval is reported.
 */
#ifndef TARE_SWITCHBACK_H
#define TARE_SWITCHBACK_H

#include "analysis.h"

/* Fill out->arms for a switchback experiment (analysis_run calls it for design = switchback). */
void switchback_analyse(const struct experiment *ex, const struct trial_result *trials, int ntrials, double conf,
			struct analysis *out);

/* The combination over processes: stats_random_effects (stats.h). */

#endif
