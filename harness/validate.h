/* validate.h — `tare validate`: the reference samplers held against workloads whose profile is
 * known (docs/validate.md).
 *
 * A *case* is one (sampler, profile type, workload, rate, threads) measured on one run of the
 * workload: the workload prints its own truth (per named site: CPU time for cpu; time blocked,
 * lock wait and contentions, bytes and objects allocated for offcpu, lock and alloc), the
 * sampler's stacks are reduced to the same distribution over the sites — one per *measure* of
 * the type (lock: delay and contentions) — and the metrics compare the two with the bound for
 * that many samples: binomial for a sampled CPU profile, Poisson-per-byte for sampled
 * allocations, measurement noise for the types that count every event.  Everything here is
 * generic over (sampler, type, workload, truth, measure).  The pieces below (validate_judge.c)
 * are exposed for tests/unit/test_validate.c; what the parts of the command share among
 * themselves is in validate_int.h.
 */
#ifndef TARE_VALIDATE_H
#define TARE_VALIDATE_H

#include <stdint.h>
#include <stdio.h>

/* argv[0] is "validate".  0 every gated case within its bounds; 1 one is out (said which);
 * 2 usage; 3 the sampler cannot run here (perf_event denied, no PMU, workload not built);
 * 130 interrupted (the finished cases are written). */
int validate_main(int argc, char **argv);

#define VALIDATE_MAX_SITES	16
#define VALIDATE_MAX_ROOTS	4
#define VALIDATE_NAME_MAX	64
#define VALIDATE_MAX_MEASURES	4

/* How a measure's shares vary by chance: the model of its standard errors. */
enum vkind {
	VK_SAMPLES,	/* n samples in the sites, multinomial: se_i = sqrt(p_i (1 - p_i) / n) */
	VK_EXACT,	/* every event counted: no sampling error; the bound is measurement noise */
	VK_BYTES,	/* allocations sampled as a Poisson process over bytes, mean N: a site's c
			 * allocations of s bytes, each standing for s/P bytes when sampled (P = 1 -
			 * exp(-s/N)), give its estimate a variance c s^2 (1 - P) / P */
	VK_OBJECTS,	/* the same samples counting objects (1/P each): variance c (1 - P) / P */
};

/* The truth: shares of a whole over named sites, summing to 1, and the frames a complete stack
 * reaches (for cpu: main, and the start routine of the threads the workload makes).  For the
 * counted types also each site's value in the measure's unit (ns, events, bytes, objects), its
 * number of events (blocks, contentions, allocations: what the sampler sees one at a time) and,
 * for alloc, the bytes of each allocation (for the sampling variance). */
struct vtruth {
	int nsites;
	char site[VALIDATE_MAX_SITES][VALIDATE_NAME_MAX];
	double share[VALIDATE_MAX_SITES];
	double nominal[VALIDATE_MAX_SITES];        /* what the workload was asked for (NAN: -) */
	double value[VALIDATE_MAX_SITES];          /* in the measure's unit; 0 for cpu */
	double count[VALIDATE_MAX_SITES];          /* events */
	double size[VALIDATE_MAX_SITES];           /* bytes an allocation (alloc), else 0 */
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

/* Read a pprof profile (.pb.gz, as tare sample writes it): each sample's frames (function
 * names, leaf first; an inlined location gives each of its lines) go into p[k] weighted by its
 * value value_index[k], for the nm measures at once.  0, or -1 with a sentence in err. */
int vprofile_read_pprof(const char *path, const struct vtruth *const *t,
			struct vprofile *const *p, const int *value_index, int nm, char *err,
			size_t errlen);

/* The statistics of one measure of a case. */
struct vmetrics {
	double n;                 /* weight in the truth's sites: samples (cpu), or the measure's
				   * total (ns, events, bytes) */
	double measured[VALIDATE_MAX_SITES];   /* share per site */
	double max_error_pp;      /* max over sites |measured - truth|, percentage points */
	int worst_site;
	double tvd;               /* total variation distance, 1/2 sum |measured - truth|, 0..1 */
	double binomial_se_pp;    /* the SE of the largest truth share, points (cpu: binomial) */
	double se_max_pp;         /* the largest SE over the sites (the bound uses it) */
	double se_pp[VALIDATE_MAX_SITES];      /* each site's share's SE, points */
	double expected_tvd;      /* E[TVD] under pure sampling noise, 0..1 */
	double reached_main;      /* share of stacks (weighted) that reach a root, 0..1 */
	double symbolized;        /* share of frames (weighted) that are symbols, 0..1 */
	/* the counted types: totals in the measure's unit, over the sites */
	double total_truth, total_ratio;       /* measured / truth (NAN for cpu) */
	double total_se_rel;      /* the SE of total_ratio by sampling (0: exact; NAN: cpu) */
	double expected_min;      /* expected samples (events) in the smallest site */
	int sites_expected;       /* sites with >= 10 expected samples (events) */
	int sites_found;          /* ... that the profile has weight in */
};
/* cpu: binomial over the samples (validate_metrics_kind with VK_SAMPLES). */
void validate_metrics(const struct vtruth *t, const struct vprofile *p, struct vmetrics *m);
/* Any kind; mean: the allocation sampler's mean bytes between samples (VK_BYTES, VK_OBJECTS). */
void validate_metrics_kind(const struct vtruth *t, const struct vprofile *p, enum vkind kind,
			   double mean, struct vmetrics *m);

/* Each site's share's standard error (fractions) for a kind: VK_SAMPLES binomial in n;
 * VK_EXACT 0; VK_BYTES and VK_OBJECTS by the delta method from the sites' independent
 * estimates X_i of variance V_i (above): share r_i = X_i / sum X has
 *     Var r_i ~ ((1 - r_i)^2 V_i + r_i^2 sum_{j != i} V_j) / T^2,   T = sum of the true X.
 * For s << N, V_i ~ N X_i and this is binomial in T/N, the expected number of samples.
 * *total_se_rel: the SE of the estimated total over the true total (sqrt(sum V) / T), 0 for
 * VK_EXACT, NAN for VK_SAMPLES.  The probability that an allocation of s bytes is sampled,
 * 1 - exp(-s/N), is validate_alloc_p. */
void validate_share_se(enum vkind kind, const struct vtruth *t, double n, double mean,
		       double *se, double *total_se_rel);
double validate_alloc_p(double size, double mean);
/* Expected samples (events) in site i: n p_i (cpu), its events (exact), c_i P_i (alloc). */
double validate_expected_events(enum vkind kind, const struct vtruth *t, double n, double mean,
				int i);

/* E[TVD] between a multinomial sample of n and its p, to first order:
 * sum_i sqrt(p_i (1 - p_i)) / sqrt(2 pi n).  (docs/validate.md derives it.)  For any kind,
 * sum_i se_i / sqrt(2 pi): each |share error| has mean se_i sqrt(2/pi). */
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
/* The other workloads' truth line: sites.<site>.<value_key> per site (the measure), with
 * sites.<site>.<count_key> events and sites.<site>.<size_key> bytes (NULL: none), and the
 * given roots.  0, or -1 with a sentence in err. */
int validate_sites_truth(const char *json_text, const char *value_key, const char *count_key,
			 const char *size_key, const char *const *roots, struct vtruth *t,
			 char *err, size_t errlen);

/* The version of validation.json's layout; tare report checks it. */
#define VALIDATE_SCHEMA_VERSION 1

#endif
