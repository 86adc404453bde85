/* sweep.h — what a tare run that died left behind, and one measuring run at a time.
 *
 * A run killed with SIGKILL cannot clean up: its direct children die with it (PDEATHSIG), but
 * their descendants (a server's workers, a profiler's helpers) and its per-trial cgroups
 * (tare-PID-tN-{w,p,d}) stay.  The sweep finds cgroups named after a tare PID that is no longer
 * a running tare, kills what is in them (which releases the BPF programs and links a dead
 * sampler's process held), and removes them.  `tare run`, `calibrate` and `validate` sweep
 * beneath their own cgroup when they start; `tare clean` sweeps the whole machine.
 */
#ifndef TARE_SWEEP_H
#define TARE_SWEEP_H

#include <stddef.h>
#include <sys/types.h>

struct sweep_report {
	int runs;              /* dead runs whose leftovers were found */
	pid_t run_pid[8];      /* the first few of them */
	int cgroups;           /* removed */
	int cgroups_left;      /* could not be removed (the first reason in error) */
	int processes;         /* killed */
	int bpf_progs, bpf_links;   /* held by the processes killed, released with them */
	char error[256];
};

/* Sweep beneath tare's own cgroup (whole = 0) or every cgroup on the machine (whole = 1). */
void sweep_stale(int whole, struct sweep_report *rep);
/* "cleaned up after a tare run that died (PID 123): killed 3 processes ..."; "" when nothing. */
void sweep_describe(const struct sweep_report *rep, char *buf, size_t len);
/* --concurrent was given (tare run, calibrate, validate): measure beside another live run. */
extern int tare_concurrent;

/* The start of a measuring command: sweep, say what was cleaned, and take the machine-wide run
 * lock.  Another live run makes it fail (one line in err, return EXIT_CANNOT) unless
 * tare_concurrent is set, when *warning says that the two perturb each other.  0 when clear. */
int sweep_begin(char *warning, size_t wlen, char *err, size_t errlen);
/* `tare clean [-n]`. */
int sweep_main(int argc, char **argv);

#endif
