/* validate.h — `tare validate`: the reference sampler held against workloads whose profile is
 * known (docs/validate.md).
 *
 * A *case* is one (sampler, profile type, workload, rate, threads) measured on one run of the
 * workload: the workload prints its own truth (a distribution over named sites: functions for
 * cpu; allocation, lock and blocking sites for the types of issue 8), the sampler's stacks are
 * reduced to the same distribution, and the metrics compare the two with the statistical bound
 * for that many samples.  Everything here is generic over (sampler, type, workload, truth); cpu
 * is the one type implemented.  The pieces below are exposed for tests/unit/test_validate.c.
 */
#ifndef TARE_REF_VALIDATE_H
#define TARE_REF_VALIDATE_H

#include <stdint.h>
#include <stdio.h>

/* argv[0] is "validate".  0 every gated case within its bounds; 1 one is out (said which);
 * 2 usage; 3 the sampler cannot run here (perf_event denied, no PMU, workload not built);
 * 130 interrupted (the finished cases are written). */
int validate_main(int argc, char **argv);

#define VALIDATE_MAX_SITES	16
#define VALIDATE_MAX_ROOTS	4
#define VALIDATE_NAME_MAX	64

/* The truth: shares of a whole over named sites, summing to 1, and the frames a complete stack
 * reaches (for cpu: main, and the start routine of the threads the workload makes). */
struct vtruth {
	int nsites;
	char site[VALIDATE_MAX_SITES][VALIDATE_NAME_MAX];
	double share[VALIDATE_MAX_SITES];
	double nominal[VALIDATE_MAX_SITES];        /* what the workload was asked for */
	int nroots;
	char root[VALIDATE_MAX_ROOTS][VALIDATE_NAME_MAX];
};

/* What a sampler saw, reduced to what the metrics need.  Stacks are added one at a time with
 * their weight (samples for cpu); a stack counts for the truth site nearest its leaf. */
struct vprofile {
	double site_weight[VALIDATE_MAX_SITES];
	double in_sites;          /* weight of the stacks that hold a site: n of the statistics */
	double stacks_weight;     /* weight of every stack read */
	double reached_root;      /* weight of the stacks that hold a root frame */
	double frames, frames_symbolized;   /* frames, weighted */
	uint64_t samples;         /* samples the sampler received (its own count) */
	uint64_t lost;            /* samples the kernel could not write (ring full) */
	uint64_t throttled;       /* THROTTLE records */
	uint64_t dropped;         /* received but not kept (the ref sampler's stack table full) */
};

/* Add one stack, frames leaf first, with its weight. */
void vprofile_add_stack(struct vprofile *p, const struct vtruth *t, const char *const *frames,
			int nframes, double weight);
/* Is a frame name a symbol, not an address?  perf says "[unknown]"; tare sample keeps
 * "module+0xOFFSET" and "[unknown]+0xADDR". */
int vframe_symbolized(const char *name);
/* Read folded stacks ("a;b;c 12", root first).  0, or -1 with a sentence in err. */
int vprofile_read_folded(FILE *f, const struct vtruth *t, struct vprofile *p, char *err,
			 size_t errlen);
/* Read `perf script -F comm,pid,tid,ip,sym,dso --show-lost-events` output: samples (a header
 * line, then one frame a line, leaf first, a blank line after) and PERF_RECORD_LOST lines
 * ("cpu 123/123 PERF_RECORD_LOST lost 44").  Counts samples and lost too; PERF_RECORD_THROTTLE
 * lines are counted where a perf prints them (6.1 cannot: validate asks perf report --stats). */
int vprofile_read_perf_script(FILE *f, const struct vtruth *t, struct vprofile *p, char *err,
			      size_t errlen);

/* The statistics of one case. */
struct vmetrics {
	double n;                 /* samples in the truth's sites */
	double measured[VALIDATE_MAX_SITES];   /* share per site */
	double max_error_pp;      /* max over sites |measured - truth|, percentage points */
	int worst_site;
	double tvd;               /* total variation distance, 1/2 sum |measured - truth|, 0..1 */
	double binomial_se_pp;    /* sqrt(p(1-p)/n) for the largest truth share, points */
	double se_max_pp;         /* the largest such SE over the sites (the bound uses it) */
	double expected_tvd;      /* E[TVD] under pure sampling noise, 0..1 */
	double reached_main;      /* share of stacks (weighted) that reach a root, 0..1 */
	double symbolized;        /* share of frames (weighted) that are symbols, 0..1 */
};
void validate_metrics(const struct vtruth *t, const struct vprofile *p, struct vmetrics *m);

/* E[TVD] between a multinomial sample of n and its p, to first order:
 * sum_i sqrt(p_i (1 - p_i)) / sqrt(2 pi n).  (docs/validate.md derives it.) */
double validate_expected_tvd(const double *p, int k, double n);

/* What a case must meet.  NAN max_error_pp: the statistical bound (error_se x SE + allowance). */
struct vbounds {
	double max_error_pp;      /* a fixed bound on the attribution error (--max-error), or NAN */
	double error_se;          /* multiples of the largest site's binomial SE (4) */
	double allowance_pp;      /* for the truth's own wander and small biases (1 point) */
	double tvd_mult;          /* multiples of E[TVD] (4) */
	double rate_tolerance;    /* |effective / requested - 1| (0.05) */
	double max_lost_pct;      /* lost, and dropped, as % of samples (0) */
	double min_reached_main;  /* 0.90 */
	double min_symbolized;    /* 0.99 */
	double min_site_samples;  /* n x smallest truth share at least this (10) */
};
void vbounds_default(struct vbounds *b);
/* The bounds a case's metrics get (the statistical ones depend on n). */
double vbounds_error_pp(const struct vbounds *b, const struct vmetrics *m);
double vbounds_tvd(const struct vbounds *b, const struct vmetrics *m);

/* Parse the cpu workload's JSON line into a truth: measured_split (and split as nominal).
 * 0, or -1 with a sentence in err. */
int validate_cpu_truth(const char *json_text, struct vtruth *t, char *err, size_t errlen);

/* The version of validation.json's layout; tare report checks it. */
#define VALIDATE_SCHEMA_VERSION 1

#endif
