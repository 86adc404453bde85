/* merge.h — tare merge: runs of one experiment from many hosts (or days) as one answer.
 *
 * A profiler's cost differs by host (CPU, kernel, PMU, neighbours): one host's interval says
 * nothing of another's.  Each run's CPU overhead per configuration is taken with its own
 * interval (as a log ratio, where the runs' noise is symmetric), and the runs are combined as a
 * random-effects meta-analysis: DerSimonian-Laird's between-run variance tau^2 and the modified
 * Hartung-Knapp-Sidik-Jonkman interval (stats_random_effects), which keeps its coverage with the
 * handful of hosts a fleet check has and widens when the runs disagree more than their own
 * intervals allow.  Heterogeneity: I^2 (Higgins & Thompson 2002) and tau, in points.
 *
 * Only runs of the same experiment merge: the same workloads and configurations (labels, which
 * carry every option given) and the same results schema; anything else is refused (exit 2).
 */
#ifndef TARE_MERGE_H
#define TARE_MERGE_H

int merge_main(int argc, char **argv);

#endif
