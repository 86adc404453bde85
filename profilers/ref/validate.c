/* validate.c — `tare validate`: the reference samplers against workloads with a known profile,
 * with `perf record` beside them (docs/validate.md).
 *
 * For each workload (and, for cpu, each rate and thread count) the workload is forked, held at
 * a gate, every sampler that takes its profile type is attached to its PID in its own process
 * (`tare sample -p` and `tare sample --bpf -p` through /proc/self/exe, `perf record -p`), and
 * the gate opens; the samplers stop by themselves when the workload exits.  The workload's CPU
 * time comes from wait4 (the kernel's, in ns behind the timeval), so the effective rate of every
 * CPU sampler has one denominator that no sampler reports about itself.  The truth is the
 * workload's own JSON line; each sampler's stacks are reduced to each *measure* of the type (cpu:
 * samples; offcpu: time blocked and blocks; lock: delay and contentions; alloc: bytes and objects
 * allocated and in use) per truth site, and held against it with the bound for that many
 * samples: binomial for CPU samples, Poisson-per-byte for sampled allocations, measurement noise
 * for the types that count every event.
 *
 * Generic over (sampler, type, workload, truth, measure): a workload says how to run it, which
 * type of profile its truth is for and which measures it has; a sampler says which types it
 * takes, how to start it against a PID and how to read back its stacks.  The two tables are
 * vworkloads and vsamplers below.
 */
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cgroup.h"
#include "env.h"
#include "perfevent.h"
#include "proc.h"
#include "profile.pb-c.h"
#include "sweep.h"
#include "sysstat.h"
#include "util.h"

#define VALIDATE_MAX_LIST	16
#define VALIDATE_READY_S	15.0	/* a sampler not ready by then has failed */
#define VALIDATE_WORKLOAD_SLACK_S 60.0	/* past its duration before the workload is killed */
#define VALIDATE_STOP_S		30.0	/* for a sampler to stop by itself after the workload */
#define VALIDATE_FOUND_MIN	10.0	/* a site with this many expected events must show: a
					 * Poisson count misses it with probability e^-10 */
#define VALIDATE_ALLOC_RATE	32768	/* bytes between allocation samples (tare sample: 512 KiB) */
#define VALIDATE_OTHER_THREADS	2	/* threads of the offcpu, lock and alloc workloads */

/* ---------------------------------------------------------------------------------------- */
/* Metrics: pure functions of a truth and a profile (tested in tests/unit/test_validate.c).   */

void vbounds_default(struct vbounds *b)
{
	*b = (struct vbounds){ .max_error_pp = NAN, .error_se = 4, .allowance_pp = 1,
			       .tvd_mult = 4, .rate_tolerance = 0.05, .max_lost_pct = 0,
			       .min_reached_main = 0.90, .min_symbolized = 0.99,
			       .min_site_samples = 10 };
}

/* Four standard errors: a site's share leaves it by chance with probability 6e-5 (normal
 * approximation; simulated for 70/20/10 at n = 100..20000: at most 1e-4 for the max over the
 * sites).  The allowance covers what is not sampling noise: the truth is itself measured
 * (measured_split wanders ~0.3 points between runs) and interrupts land in timed code. */
double vbounds_error_pp(const struct vbounds *b, const struct vmetrics *m)
{
	if (isfinite(b->max_error_pp))
		return b->max_error_pp;
	return b->error_se * m->se_max_pp + b->allowance_pp;
}

/* TVD's spread under pure noise is ~0.56 E[TVD] (simulated), so 4 E[TVD] is > 5 SDs out. */
double vbounds_tvd(const struct vbounds *b, const struct vmetrics *m)
{
	return b->tvd_mult * m->expected_tvd + b->allowance_pp / 100;
}

int vframe_symbolized(const char *name)
{
	return *name && strcmp(name, "[unknown]") && !strstr(name, "+0x");
}

void vprofile_add_stack(struct vprofile *p, const struct vtruth *t, const char *const *frames,
			int nframes, double weight)
{
	int site = -1, root = 0;

	/* The site nearest the leaf: a sample in cpu_cold called from cpu_hot is cpu_cold's. */
	for (int k = 0; k < nframes; k++) {
		for (int i = 0; site < 0 && i < t->nsites; i++)
			if (!strcmp(frames[k], t->site[i]))
				site = i;
		for (int r = 0; !root && r < t->nroots; r++)
			root = !strcmp(frames[k], t->root[r]);
		p->frames += weight;
		p->frames_symbolized += vframe_symbolized(frames[k]) ? weight : 0;
	}
	p->stacks_weight += weight;
	if (root)
		p->reached_root += weight;
	if (site >= 0) {
		p->site_weight[site] += weight;
		p->in_sites += weight;
	}
}

double validate_expected_tvd(const double *p, int k, double n)
{
	double s = 0;

	if (!(n > 0))
		return NAN;
	for (int i = 0; i < k; i++)
		s += sqrt(p[i] * (1 - p[i]));
	return s / sqrt(2 * M_PI * n);
}

double validate_alloc_p(double size, double mean)
{
	return mean > 0 ? -expm1(-size / mean) : 1;
}

double validate_expected_events(enum vkind kind, const struct vtruth *t, double n, double mean,
				int i)
{
	switch (kind) {
	case VK_SAMPLES:
		return n * t->share[i];
	case VK_EXACT:
		return t->count[i];
	default:
		return t->count[i] * validate_alloc_p(t->size[i], mean);
	}
}

void validate_share_se(enum vkind kind, const struct vtruth *t, double n, double mean,
		       double *se, double *total_se_rel)
{
	double v[VALIDATE_MAX_SITES], vsum = 0, total = 0;

	if (kind == VK_SAMPLES || kind == VK_EXACT) {
		for (int i = 0; i < t->nsites; i++)
			se[i] = kind == VK_EXACT ? 0 : n > 0 ?
				sqrt(t->share[i] * (1 - t->share[i]) / n) : NAN;
		*total_se_rel = kind == VK_EXACT ? 0 : NAN;
		return;
	}
	/* Each allocation of s bytes is sampled on its own with P = 1 - exp(-s/N) and then
	 * stands for x/P (x = s bytes, or 1 object): a site's c allocations give an estimate of
	 * variance c x^2 (1 - P) / P, independent of the other sites'. */
	for (int i = 0; i < t->nsites; i++) {
		double p = validate_alloc_p(t->size[i], mean), x = kind == VK_BYTES ? t->size[i] : 1;

		v[i] = p > 0 && t->count[i] > 0 ? t->count[i] * x * x * (1 - p) / p : 0;
		vsum += v[i];
		total += t->value[i];
	}
	for (int i = 0; i < t->nsites; i++) {
		double r = t->share[i];

		se[i] = total > 0 ? sqrt((1 - r) * (1 - r) * v[i] + r * r * (vsum - v[i])) / total : NAN;
	}
	*total_se_rel = total > 0 ? sqrt(vsum) / total : NAN;
}

void validate_metrics_kind(const struct vtruth *t, const struct vprofile *p, enum vkind kind,
			   double mean, struct vmetrics *m)
{
	double largest = -1, tv = 0, se[VALIDATE_MAX_SITES], sum_se = 0;

	memset(m, 0, sizeof(*m));
	m->n = p->in_sites;
	m->worst_site = -1;
	m->expected_min = INFINITY;
	validate_share_se(kind, t, m->n, mean, se, &m->total_se_rel);
	for (int i = 0; i < t->nsites; i++) {
		double want = t->share[i], got = m->n > 0 ? p->site_weight[i] / m->n : 0;
		double err = fabs(got - want), expect = validate_expected_events(kind, t, m->n, mean, i);

		m->measured[i] = got;
		m->se_pp[i] = 100 * se[i];
		tv += err;
		sum_se += se[i];
		if (100 * err > m->max_error_pp || m->worst_site < 0) {
			m->max_error_pp = 100 * err;
			m->worst_site = i;
		}
		if (want > largest) {
			largest = want;
			m->binomial_se_pp = 100 * se[i];
		}
		if (100 * se[i] > m->se_max_pp)
			m->se_max_pp = 100 * se[i];
		if (want > 0 && expect < m->expected_min)
			m->expected_min = expect;
		if (want > 0 && expect >= VALIDATE_FOUND_MIN) {
			m->sites_expected++;
			m->sites_found += p->site_weight[i] > 0;
		}
	}
	m->tvd = tv / 2;
	m->expected_tvd = kind == VK_SAMPLES ? validate_expected_tvd(t->share, t->nsites, m->n) :
			  sum_se / sqrt(2 * M_PI);
	m->reached_main = p->stacks_weight > 0 ? p->reached_root / p->stacks_weight : 0;
	m->symbolized = p->frames > 0 ? p->frames_symbolized / p->frames : 0;
	m->total_truth = m->total_ratio = NAN;
	if (kind != VK_SAMPLES) {
		m->total_truth = 0;
		for (int i = 0; i < t->nsites; i++)
			m->total_truth += t->value[i];
		m->total_ratio = m->total_truth > 0 ? m->n / m->total_truth : NAN;
	}
	if (!isfinite(m->expected_min))
		m->expected_min = 0;
}

void validate_metrics(const struct vtruth *t, const struct vprofile *p, struct vmetrics *m)
{
	validate_metrics_kind(t, p, VK_SAMPLES, 0, m);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading stacks.                                                                            */

int vprofile_read_folded(FILE *f, const struct vtruth *t, struct vprofile *p, char *err,
			 size_t errlen)
{
	char *line = NULL, **frames = NULL;
	size_t cap = 0;
	int fcap = 0, lineno = 0, rc = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, f)) >= 0) {
		char *sp, *end, *save = NULL, *tok;
		double count;
		int n = 0;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		sp = strrchr(line, ' ');
		if (!sp || sp == line) {
			snprintf(err, errlen, "folded stacks, line %d: no count", lineno);
			rc = -1;
			break;
		}
		*sp = '\0';
		count = strtod(sp + 1, &end);
		if (end == sp + 1 || *end || !(count >= 0)) {
			snprintf(err, errlen, "folded stacks, line %d: bad count '%s'", lineno, sp + 1);
			rc = -1;
			break;
		}
		for (tok = strtok_r(line, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			if (n == fcap)
				frames = xrealloc(frames, sizeof(*frames) * (size_t)(fcap = fcap ? 2 * fcap : 64));
			frames[n++] = tok;
		}
		/* root first in the file; leaf first for vprofile_add_stack */
		for (int i = 0; i < n / 2; i++) {
			char *x = frames[i];

			frames[i] = frames[n - 1 - i];
			frames[n - 1 - i] = x;
		}
		vprofile_add_stack(p, t, (const char *const *)frames, n, count);
	}
	free(line);
	free(frames);
	return rc;
}

/* A frame line of perf script: "\t    ffffffff81000e06 asm_sysvec_apic_timer_interrupt
 * ([kernel.kallsyms])".  The symbol is what lies between the address and the object in
 * parentheses at the end, which may hold parentheses of its own ("(/x (deleted))"), as may the
 * symbol ("operator new(unsigned long)"). */
static char *perf_frame_symbol(char *line)
{
	char *p = line, *end;
	int depth = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	while (*p && *p != ' ' && *p != '\t')
		p++;	/* the address */
	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && end[-1] == ' ')
		*--end = '\0';
	if (end > p && end[-1] == ')') {
		for (char *q = end - 1; q >= p; q--) {
			depth += *q == ')' ? 1 : *q == '(' ? -1 : 0;
			if (!depth) {
				while (q > p && q[-1] == ' ')
					q--;
				*q = '\0';
				break;
			}
		}
	}
	return p;
}

int vprofile_read_perf_script(FILE *f, const struct vtruth *t, struct vprofile *p, char *err,
			      size_t errlen)
{
	char *line = NULL, **frames = NULL;
	size_t cap = 0;
	int fcap = 0, n = 0, in_sample = 0;
	ssize_t len;

	(void)err, (void)errlen;
	for (;;) {
		len = getline(&line, &cap, f);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len <= 0 || (line[0] != ' ' && line[0] != '\t')) {
			/* a blank line, a new header, or the end: the sample so far is whole */
			if (in_sample) {
				vprofile_add_stack(p, t, (const char *const *)frames, n, 1);
				p->samples++;
				for (int i = 0; i < n; i++)
					free(frames[i]);
				n = in_sample = 0;
			}
			if (len < 0)
				break;
			if (len == 0)
				continue;
			if (strstr(line, " PERF_RECORD_LOST")) {
				char *q = strstr(line, " lost ");

				if (q)
					p->lost += strtoull(q + 6, NULL, 10);
			} else if (strstr(line, " PERF_RECORD_THROTTLE")) {
				p->throttled++;
			} else if (!strstr(line, "PERF_RECORD_")) {
				in_sample = 1;	/* a sample's header: comm pid/tid */
			}
			continue;
		}
		if (!in_sample)
			continue;
		if (n == fcap)
			frames = xrealloc(frames, sizeof(*frames) * (size_t)(fcap = fcap ? 2 * fcap : 64));
		frames[n++] = xstrdup(perf_frame_symbol(line));
	}
	free(line);
	free(frames);
	return 0;
}

/* The whole of a gzip'd file; NULL with a sentence in err. */
static unsigned char *gz_slurp(const char *path, size_t *len, char *err, size_t errlen)
{
	gzFile gz = gzopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;
	int r, e;

	if (!gz) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno ? errno : ENOMEM));
		return NULL;
	}
	for (;;) {
		if (cap - n < 65536)
			buf = xrealloc(buf, cap = cap ? 2 * cap : 262144);
		r = gzread(gz, buf + n, (unsigned)(cap - n));
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: not a gzip'd file (%s)", path, gzerror(gz, &e));
		gzclose(gz);
		free(buf);
		return NULL;
	}
	gzclose(gz);
	*len = n;
	return buf;
}

static int cmp_loc_id(const void *a, const void *b)
{
	uint64_t x = (*(Perftools__Profiles__Location *const *)a)->id;
	uint64_t y = (*(Perftools__Profiles__Location *const *)b)->id;

	return x < y ? -1 : x > y;
}

static int cmp_fn_id(const void *a, const void *b)
{
	uint64_t x = (*(Perftools__Profiles__Function *const *)a)->id;
	uint64_t y = (*(Perftools__Profiles__Function *const *)b)->id;

	return x < y ? -1 : x > y;
}

int vprofile_read_pprof(const char *path, const struct vtruth *const *t,
			struct vprofile *const *p, const int *value_index, int nm, char *err,
			size_t errlen)
{
	Perftools__Profiles__Profile *pr;
	Perftools__Profiles__Location **locs = NULL;
	Perftools__Profiles__Function **fns = NULL;
	const char **frames = NULL;
	size_t len = 0, fcap = 0;
	unsigned char *buf = gz_slurp(path, &len, err, errlen);
	int rc = -1;

	if (!buf)
		return -1;
	pr = perftools__profiles__profile__unpack(NULL, len, buf);
	free(buf);
	if (!pr) {
		snprintf(err, errlen, "%s: not a pprof profile", path);
		return -1;
	}
	for (int k = 0; k < nm; k++)
		if (value_index[k] < 0 || (size_t)value_index[k] >= pr->n_sample_type) {
			snprintf(err, errlen, "%s: %zu sample types, no value %d", path, pr->n_sample_type,
				 value_index[k]);
			goto out;
		}
	/* locations and functions by id: sorted copies, looked up by bisection */
	locs = xcalloc(pr->n_location + 1, sizeof(*locs));
	fns = xcalloc(pr->n_function + 1, sizeof(*fns));
	memcpy(locs, pr->location, pr->n_location * sizeof(*locs));
	memcpy(fns, pr->function, pr->n_function * sizeof(*fns));
	qsort(locs, pr->n_location, sizeof(*locs), cmp_loc_id);
	qsort(fns, pr->n_function, sizeof(*fns), cmp_fn_id);
	for (size_t i = 0; i < pr->n_sample; i++) {
		const Perftools__Profiles__Sample *sm = pr->sample[i];
		size_t n = 0;

		if (sm->n_value < pr->n_sample_type) {
			snprintf(err, errlen, "%s: a sample with %zu values of %zu", path, sm->n_value,
				 pr->n_sample_type);
			goto out;
		}
		for (size_t k = 0; k < sm->n_location_id; k++) {
			Perftools__Profiles__Location key = { .id = sm->location_id[k] }, *kp = &key, **l;
			size_t nl;

			l = bsearch(&kp, locs, pr->n_location, sizeof(*locs), cmp_loc_id);
			nl = l ? (*l)->n_line : 0;
			/* pprof's lines: the innermost (inlined) function first; none: unnamed */
			for (size_t li = 0; li < (nl ? nl : 1); li++) {
				const char *name = "[unknown]";

				if (li < nl) {
					Perftools__Profiles__Function fk = { .id = (*l)->line[li]->function_id };
					Perftools__Profiles__Function *fp = &fk, **f;

					f = bsearch(&fp, fns, pr->n_function, sizeof(*fns), cmp_fn_id);
					if (f && (*f)->name > 0 && (size_t)(*f)->name < pr->n_string_table)
						name = pr->string_table[(*f)->name];
				}
				if (n == fcap)
					frames = xrealloc(frames, sizeof(*frames) * (fcap = fcap ? 2 * fcap : 64));
				frames[n++] = name;
			}
		}
		for (int k = 0; k < nm; k++)
			vprofile_add_stack(p[k], t[k], frames, (int)n, (double)sm->value[value_index[k]]);
	}
	rc = 0;
out:
	free(frames);
	free(locs);
	free(fns);
	perftools__profiles__profile__free_unpacked(pr, NULL);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Workloads and measures: how to run one, what its truth is, and what each measure is held to. */

struct vopts;

/* One distribution over a workload's sites that a case is held to. */
struct vmeasure {
	const char *name;         /* as the profile names its sample type (pprof) */
	const char *unit;
	enum vkind kind;
	int value;                /* the pprof sample value; -1: folded stacks (cpu) */
	const char *value_key, *count_key, *size_key;	/* truth: sites.<site>.<key> */
	double allowance_pp;      /* beyond k SEs (cpu: --max-error or vbounds' allowance) */
	double total_lo, total_hi;	/* VK_EXACT: measured / true total within [lo, hi] */
	double total_slack;       /* VK_BYTES, VK_OBJECTS: |ratio - 1| <= k SE + slack */
	int min_samples;          /* hold the smallest site's expected samples to the minimum */
	const char *why;          /* the bound's reasons, one line (validation.json) */
};

struct vworkload {
	const char *name;         /* build/workloads/<name> */
	const char *type;         /* the profile type its truth is for */
	const char *describe;
	int threads;              /* 0: from -t; else this many */
	/* argv (malloc'd strings, NULL-terminated) for threads and a duration */
	char **(*argv)(const char *bin, int threads, double duration_s);
	const char *roots[VALIDATE_MAX_ROOTS + 1];	/* where a whole stack begins */
	const struct vmeasure *measures;
	int nmeasures;
};

static char **workload_argv(const char *bin, int threads, double duration_s)
{
	char **v = xcalloc(6, sizeof(char *));

	v[0] = xstrdup(bin);
	v[1] = xstrdup("--threads");
	v[2] = xasprintf("%d", threads);
	v[3] = xstrdup("--duration");
	v[4] = xasprintf("%g", duration_s);
	return v;
}

/* alloc: every object kept live, 1024 a site and thread, so that the in-use profile at exit
 * has enough sampled bytes to be held to a bound (the default 64 would give ~40 samples). */
static char **alloc_argv(const char *bin, int threads, double duration_s)
{
	char **v = xcalloc(10, sizeof(char *)), **w = workload_argv(bin, threads, duration_s);

	for (int i = 0; i < 5; i++)
		v[i] = w[i];
	free(w);
	v[5] = xstrdup("--live");
	v[6] = xstrdup("1024");
	v[7] = xstrdup("--keep-every");
	v[8] = xstrdup("1");
	return v;
}

static int truth_dist(json_t *obj, const char *what, char names[][VALIDATE_NAME_MAX],
		      double *shares, int *n, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	if (!json_is_object(obj)) {
		snprintf(err, errlen, "the workload's JSON line has no %s object", what);
		return -1;
	}
	*n = 0;
	json_object_foreach(obj, key, v) {
		if (*n == VALIDATE_MAX_SITES || !json_is_number(v) || strlen(key) >= VALIDATE_NAME_MAX) {
			snprintf(err, errlen, "the workload's %s: bad entry '%s'", what, key);
			return -1;
		}
		snprintf(names[*n], VALIDATE_NAME_MAX, "%s", key);
		shares[(*n)++] = json_number_value(v);
	}
	return 0;
}

/* The last line of text that parses as a JSON object: the workload prints nothing else, but be
 * tolerant of a line of chatter before it.  NULL with a sentence in err. */
static json_t *truth_line(const char *text, char *err, size_t errlen)
{
	const char *line = text, *next;
	json_t *doc = NULL;

	for (; line && *line; line = next) {
		json_t *j;
		size_t l;

		next = strchr(line, '\n');
		l = next ? (size_t)(next - line) : strlen(line);
		if (next)
			next++;
		j = json_loadb(line, l, 0, NULL);
		if (json_is_object(j)) {
			json_decref(doc);
			doc = j;
		} else
			json_decref(j);
	}
	if (!doc)
		snprintf(err, errlen, "the workload printed no JSON line with its truth");
	return doc;
}

int validate_cpu_truth(const char *text, struct vtruth *t, char *err, size_t errlen)
{
	json_t *doc;
	char nominal[VALIDATE_MAX_SITES][VALIDATE_NAME_MAX];
	int nn = 0, rc = -1;
	double sum = 0;

	memset(t, 0, sizeof(*t));
	if (!(doc = truth_line(text, err, errlen)))
		return -1;
	if (truth_dist(json_object_get(doc, "measured_split"), "measured_split", t->site, t->share,
		       &t->nsites, err, errlen) < 0 ||
	    truth_dist(json_object_get(doc, "split"), "split", nominal, t->nominal, &nn, err,
		       errlen) < 0)
		goto out;
	for (int i = 0; i < t->nsites; i++)
		sum += t->share[i];
	if (!t->nsites || fabs(sum - 1) > 0.01) {
		snprintf(err, errlen, "the workload's measured_split sums to %.4f, not 1 (did it run?)",
			 sum);
		goto out;
	}
	for (int i = 0; i < t->nsites; i++)
		t->share[i] /= sum;	/* printed to 4 decimals: make it sum to 1 exactly */
	if (nn != t->nsites)
		for (int i = 0; i < t->nsites; i++)
			t->nominal[i] = NAN;
	/* main for thread 0; the threads it starts begin in cpu_thread_main (workloads/cpu.c) */
	t->nroots = 2;
	snprintf(t->root[0], VALIDATE_NAME_MAX, "main");
	snprintf(t->root[1], VALIDATE_NAME_MAX, "cpu_thread_main");
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

static int site_number(json_t *site, const char *name, const char *key, double *out, char *err,
		       size_t errlen)
{
	json_t *v = json_object_get(site, key);

	if (!json_is_number(v) || !(json_number_value(v) >= 0)) {
		snprintf(err, errlen, "the workload's truth: site %s has no %s", name, key);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

int validate_sites_truth(const char *text, const char *value_key, const char *count_key,
			 const char *size_key, const char *const *roots, struct vtruth *t,
			 char *err, size_t errlen)
{
	json_t *doc, *sites, *site;
	const char *name;
	double sum = 0;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!(doc = truth_line(text, err, errlen)))
		return -1;
	sites = json_object_get(doc, "sites");
	if (!json_is_object(sites) || !json_object_size(sites)) {
		snprintf(err, errlen, "the workload's JSON line has no sites object");
		goto out;
	}
	json_object_foreach(sites, name, site) {
		int i = t->nsites;

		if (i == VALIDATE_MAX_SITES || strlen(name) >= VALIDATE_NAME_MAX) {
			snprintf(err, errlen, "the workload's truth: too many sites, or a name too long "
				 "('%s')", name);
			goto out;
		}
		snprintf(t->site[i], VALIDATE_NAME_MAX, "%s", name);
		if (site_number(site, name, value_key, &t->value[i], err, errlen) < 0 ||
		    (count_key && site_number(site, name, count_key, &t->count[i], err, errlen) < 0) ||
		    (size_key && site_number(site, name, size_key, &t->size[i], err, errlen) < 0))
			goto out;
		t->nominal[i] = NAN;
		sum += t->value[i];
		t->nsites++;
	}
	if (!(sum > 0)) {
		snprintf(err, errlen, "the workload's truth has no %s at any site (did it run?)",
			 value_key);
		goto out;
	}
	for (int i = 0; i < t->nsites; i++)
		t->share[i] = t->value[i] / sum;
	for (int r = 0; roots && roots[r] && r < VALIDATE_MAX_ROOTS; r++)
		snprintf(t->root[t->nroots++], VALIDATE_NAME_MAX, "%s", roots[r]);
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* A measure's truth from the workload's output. */
static int measure_truth(const struct vworkload *w, const struct vmeasure *ms, const char *text,
			 struct vtruth *t, char *err, size_t errlen)
{
	if (ms->kind == VK_SAMPLES)
		return validate_cpu_truth(text, t, err, errlen);
	return validate_sites_truth(text, ms->value_key, ms->count_key, ms->size_key, w->roots, t,
				    err, errlen);
}

/* The bounds of each measure, and why (docs/validate.md, "Bounds of the counted types").
 *
 * offcpu counts every block: the profile's time at a site is the sum over its blocks of
 * switch-out to switch-in, inside the call the workload times (clock reads around the call),
 * so each block is short by d, the call's time on the CPU or runnable but not blocked: syscall
 * entry and exit (~10-20 us idle), and on a loaded machine the waits of a thread preempted
 * inside the call (pipe_site's request write wakes its helper, which can preempt it: a CFS
 * slice of ms) — runnable, not blocked, so not off-CPU.  A share then moves by
 * (n d / (T - n d)) (t_i - b_i), t_i the site's share of the time and b_i of the blocks (1/3
 * each): 0.6 points at d = 15 us and ~600 us a block idle.  Measured on this 2-CPU VM with
 * four CPU hogs: errors 0.4-1.1 points over 1 s runs, and once 3.0 points over 0.5 s (with
 * pipe_site at 85% of its time).  So: 4 points on the time shares; the total within [80%,
 * 101%] (94-98% measured; 1% for the clock reads); the blocks exact but for a spurious
 * wake-up (a block that ends early and is blocked again: +5%) and cut blocks at the ends.
 *
 * lock counts every contended pthread_mutex_lock: every call the workload makes is one (it
 * calls only after a failed trylock), and a call is missed only when the holder lets go in the
 * few us between the trylock and the uprobe's look at the mutex and the call then takes it
 * without sleeping (<= 5% of a site's calls on a loaded VM, which moves a contention share by
 * 1.3 points: 2 points).  Its delay is entry to return of the call, inside the workload's
 * timing: short by the two probe traps and clock reads (~5-10 us of a 100-300 us wait) and, on
 * a loaded machine, by preempted waits as above (lock_site_b at 92% of its time with four
 * hogs): ~1 point idle, <= 1.2 measured loaded: 4 points, as offcpu, and the total within
 * [80%, 101%].
 *
 * alloc samples: the bound is statistical (validate_share_se), 4 SEs, plus 0.5 point (alloc)
 * or 1 point (in use) for what the normal approximation misses at 10 expected samples a site
 * and the weights' fixed point (< 2e-5); totals within 4 SEs + 1% (2% in use).  In use is the
 * live set at exit, 1024 objects a site and thread (alloc_argv), each sampled with P(s): the
 * small sites have a few samples at most, so the smallest is not held to the minimum of
 * samples, and inuse_objects is not held at all — a live 64-byte object is sampled with P =
 * 0.002 at N = 32 KiB, and the objects' SE exceeds the shares themselves. */
static const struct vmeasure cpu_measures[] = {
	{ "samples", "samples", VK_SAMPLES, -1, NULL, NULL, NULL, NAN, NAN, NAN, NAN, 1,
	  "4 binomial SEs + 1 point (the truth is itself measured)" },
};
static const struct vmeasure offcpu_measures[] = {
	{ "off-cpu", "nanoseconds", VK_EXACT, 1, "blocked_ns", "count", NULL, 4, 0.80, 1.01, NAN, 0,
	  "every block counted: shares within 4 points, total within [80%, 101%] (each block is "
	  "short by the call's own CPU time and preempted waits)" },
	{ "blocks", "count", VK_EXACT, 0, "count", "count", NULL, 2, 0.99, 1.05, NAN, 0,
	  "one per call: shares within 2 points, total within [99%, 105%] (spurious wake-ups)" },
};
static const struct vmeasure lock_measures[] = {
	{ "delay", "nanoseconds", VK_EXACT, 1, "wait_ns", "contentions", NULL, 4, 0.80, 1.01, NAN, 0,
	  "every contention timed: shares within 4 points, total within [80%, 101%] (each wait is "
	  "short by the probes' traps and preempted waits)" },
	{ "contentions", "count", VK_EXACT, 0, "contentions", "contentions", NULL, 2, 0.95, 1.0, NAN,
	  0, "every call counted: shares within 2 points, total within [95%, 100%] (a race can hide "
	  "a contention)" },
};
static const struct vmeasure alloc_measures[] = {
	{ "alloc_space", "bytes", VK_BYTES, 1, "bytes", "objects", "size", 0.5, NAN, NAN, 0.01, 1,
	  "Poisson per byte: 4 SEs + 0.5 point; total within 4 SEs + 1%" },
	{ "alloc_objects", "count", VK_OBJECTS, 0, "objects", "objects", "size", 0.5, NAN, NAN, 0.01,
	  1, "Poisson per byte: 4 SEs + 0.5 point; total within 4 SEs + 1%" },
	{ "inuse_space", "bytes", VK_BYTES, 3, "live_bytes", "live_objects", "size", 1, NAN, NAN,
	  0.02, 0, "Poisson per byte over the live set: 4 SEs + 1 point; total within 4 SEs + 2%" },
};

#define MEASURES(a) a, (int)(sizeof(a) / sizeof(a[0]))
static const struct vworkload vworkloads[] = {
	{ "cpu", "cpu", "CPU split 70/20/10 across cpu_hot, cpu_warm, cpu_cold", 0, workload_argv,
	  { "main", "cpu_thread_main" }, MEASURES(cpu_measures) },
	{ "offcpu", "offcpu", "blocked in clock_nanosleep, a pipe read and a futex wait (1000, 500, "
	  "250 us)", VALIDATE_OTHER_THREADS, workload_argv,
	  { "main", "offcpu_thread_main", "offcpu_helper" }, MEASURES(offcpu_measures) },
	{ "lock", "lock", "contended pthread mutexes at two sites, held 200 and 50 us",
	  VALIDATE_OTHER_THREADS, workload_argv, { "main", "lock_thread_main" },
	  MEASURES(lock_measures) },
	{ "alloc", "alloc", "malloc 64, calloc 16x64, malloc 16384, realloc to 4096 (+ its malloc "
	  "256) in 70/20/5/5", VALIDATE_OTHER_THREADS, alloc_argv,
	  { "main", "alloc_thread_main" }, MEASURES(alloc_measures) },
};
#undef MEASURES
#define NWORKLOADS ((int)(sizeof(vworkloads) / sizeof(vworkloads[0])))

/* ---------------------------------------------------------------------------------------- */
/* Cases, runs and samplers.                                                                  */

enum case_status { CASE_PENDING, CASE_OK, CASE_SKIPPED, CASE_FAILED };

/* One measure of a case: its truth, what the sampler saw, the statistics, the verdict. */
struct vmeas {
	const struct vmeasure *def;
	struct vtruth truth;
	struct vprofile prof;     /* samples, lost, throttled, dropped: the case's, in [0] */
	struct vmetrics m;
	double error_bound_pp, tvd_bound, total_lo, total_hi;
	int within;
	char out_of_bounds[600];
};

struct vcase {
	const struct vsampler *sampler;
	const struct vworkload *w;
	unsigned hz;              /* cpu; 0 for the other types */
	int threads;
	double duration_s;
	int run;                  /* index of the workload run it sampled */
	char dir[PATH_MAX];       /* the run's directory, relative to the results directory */
	enum case_status status;
	char reason[1200];
	int nm;
	struct vmeas ms[VALIDATE_MAX_MEASURES];	/* [0]: the type's main measure */
	uint64_t workload_cpu_ns, workload_wall_ns;
	double effective_hz;
	double rate_lo, rate_hi;  /* cpu: the bound on effective / requested */
	double steal_share;       /* of the CPU time wanted (busy + steal) the hypervisor took */
	double alloc_mean;        /* alloc: the sampler's mean bytes between samples */
	double calls_truth, bytes_truth;	/* alloc: the workload's malloc/calloc/realloc calls */
	uint64_t calls_seen, bytes_seen;	/* ... as the sampler counted them */
	uint64_t sampler_cpu_ns, sampler_rss_bytes, post_cpu_ns;
	json_t *sampler_report;   /* what the sampler said about itself, when it says it */
	int within;
	char out_of_bounds[2048];
	char case_out[2048];      /* the case's own reasons (not a measure's) */
};

/* One sampler attached to one run. */
struct vslot {
	struct vcase *c;
	struct child ch;
	int started;
	int ctl_fd, ack_fd;       /* perf's control fifos */
};

struct vrun {
	const struct vopts *o;
	const struct vworkload *w;
	int index;
	unsigned hz;
	int threads;
	char dir[PATH_MAX];       /* absolute */
	struct child wl;
};

struct vsampler {
	const char *name;
	const char *types;        /* the profile types it takes, comma-separated */
	int gating;               /* its cases decide the exit code */
	int per_cpu;              /* cpu: events per CPU, sampling whatever runs (not per task) */
	int cannot_is_fatal;      /* it cannot sample here: exit 3 (else its cases are skipped) */
	/* 0, or -1 with why it cannot run here (a missing tool, BPF that cannot load) */
	int (*available)(const struct vopts *o, char *why, size_t len);
	/* Start against r->wl.pid and return once it samples.  0; -1 with a sentence in err and
	 * *code EXIT_CANNOT when it cannot sample here. */
	int (*start)(struct vslot *s, struct vrun *r, char *err, size_t len, int *code);
	/* After it has exited: read its stacks and counts into s->c->ms[].prof.  0, or -1. */
	int (*collect)(struct vslot *s, struct vrun *r, char *err, size_t len);
};

struct vopts {
	unsigned rates[VALIDATE_MAX_LIST];
	int nrates;
	int threads[VALIDATE_MAX_LIST];
	int nthreads;
	double duration_s;
	const char *event;
	const char *samplers[VALIDATE_MAX_LIST];
	int nsamplers;
	int types;                /* bit k: vworkloads[k] */
	uint64_t alloc_rate;
	int apart;
	const char *out_base;
	struct vbounds b;
	char self[PATH_MAX];      /* this tare, from /proc/self/exe */
};

static void verr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void verr(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tare validate: %s\n", buf);
}

static int file_has(const char *path, const char *text)
{
	char *s = read_file(path, NULL);
	int yes = s && strstr(s, text);

	free(s);
	return yes;
}

/* Wait for c to exit for up to timeout_s; 1 exited, 0 not yet, -2 interrupted. */
static int wait_exit(struct child *c, double timeout_s)
{
	struct child *one[1] = { c };
	int r = child_wait_any(one, 1, (uint64_t)(timeout_s * 1e9));

	return r == 0 ? 1 : r == -2 ? -2 : 0;
}

static int spawn(struct child *c, char **argv, const char *out, const char *errpath, char *err,
		 size_t len)
{
	struct spawn_opts so = { .argv = argv, .stdout_path = out, .stderr_path = errpath,
				 .keep_fd = -1 };

	return child_spawn(c, &so, err, len);
}

static void free_argv(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- ref and ref-bpf: `tare sample [--bpf] -p PID` in its own process ---- */

static int ref_available(const struct vopts *o, char *why, size_t len)
{
	(void)o, (void)why, (void)len;
	return 0;	/* it is this program; whether it may sample is probed before any run */
}

/* Start argv (a tare sample) and wait for "tare-sample: ready" in errp. */
static int sample_start(struct vslot *s, char **argv, const char *out, const char *errp,
			char *err, size_t len, int *code)
{
	uint64_t t0 = now_ns();

	*code = EXIT_FAIL;
	if (spawn(&s->ch, argv, out, errp, err, len) < 0 ||
	    child_release(&s->ch, "tare sample", err, len) < 0)
		return -1;
	s->started = 1;
	for (;;) {
		int w;

		if (file_has(errp, "tare-sample: ready"))
			return 0;
		w = wait_exit(&s->ch, 0.005);
		if (w == 1) {
			char line[400];

			file_last_line(errp, "tare sample: ", line, sizeof(line));
			if (WIFEXITED(s->ch.status) && WEXITSTATUS(s->ch.status) == EXIT_CANNOT)
				*code = EXIT_CANNOT;
			snprintf(err, len, "%s", line[0] ? line : "tare sample exited before it was ready");
			return -1;
		}
		if (w == -2) {
			snprintf(err, len, "interrupted");
			return -1;
		}
		if (now_ns() - t0 > (uint64_t)(VALIDATE_READY_S * 1e9)) {
			snprintf(err, len, "tare sample not ready after %.0f s (see %s)", VALIDATE_READY_S,
				 errp);
			return -1;
		}
	}
}

static int ref_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], *pb = xasprintf("%s/ref.pb.gz", r->dir);
	char *folded = xasprintf("%s/ref.folded", r->dir), *stats = xasprintf("%s/ref.json", r->dir);
	char *out = xasprintf("%s/ref.out", r->dir), *errp = xasprintf("%s/ref.err", r->dir);
	char *argv[] = { (char *)r->o->self, "sample", "-F", hz, "-e", (char *)r->o->event, "-p", pid,
			 "-o", pb, "--folded", folded, "--stats", stats, NULL };
	int rc;

	snprintf(hz, sizeof(hz), "%u", r->hz);
	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	rc = sample_start(s, argv, out, errp, err, len, code);
	free(pb), free(folded), free(stats), free(out), free(errp);
	return rc;
}

static uint64_t json_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) :
	       json_is_real(v) ? (uint64_t)json_real_value(v) : 0;
}

static int read_stats(struct vcase *c, const char *stats, const char *what, char *err, size_t len)
{
	json_error_t je;

	c->sampler_report = json_load_file(stats, 0, &je);
	if (!json_is_object(c->sampler_report)) {
		snprintf(err, len, "%s wrote no figures (%s: %s)", what, stats, je.text);
		return -1;
	}
	return 0;
}

static int read_folded_file(const char *path, const char *what, struct vmeas *ms, char *err,
			    size_t len)
{
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		snprintf(err, len, "%s wrote no folded stacks (%s: %s)", what, path, strerror(errno));
		return -1;
	}
	rc = vprofile_read_folded(f, &ms->truth, &ms->prof, err, len);
	fclose(f);
	return rc;
}

static int ref_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	struct vcase *c = s->c;
	char *folded = xasprintf("%s/ref.folded", r->dir), *stats = xasprintf("%s/ref.json", r->dir);
	int rc = -1;

	if (read_folded_file(folded, "tare sample", &c->ms[0], err, len) < 0 ||
	    read_stats(c, stats, "tare sample", err, len) < 0)
		goto out;
	c->ms[0].prof.samples = json_u64(c->sampler_report, "samples");
	c->ms[0].prof.lost = json_u64(c->sampler_report, "lost");
	c->ms[0].prof.throttled = json_u64(c->sampler_report, "throttled");
	c->ms[0].prof.dropped = json_u64(c->sampler_report, "dropped");
	rc = 0;
out:
	free(folded), free(stats);
	return rc;
}

/* ref-bpf: does the eBPF sampler load here?  Asked of tare sample itself, once, on a program
 * that exits at once (-t cpu: the object, BTF and the capabilities; ~20 ms). */
static int bpf_available(const struct vopts *o, char *why, size_t len)
{
	char dir[] = "/tmp/tare-validate.XXXXXX", *folded, *errp, err[256];
	char *argv[] = { (char *)o->self, "sample", "--bpf", "-t", "cpu", "--folded", NULL, "--",
			 "true", NULL };
	struct child ch = { .pidfd = -1, .gate_fd = -1, .err_fd = -1 };
	int rc = -1;

	if (!mkdtemp(dir)) {
		snprintf(why, len, "cannot make a directory in /tmp: %s", strerror(errno));
		return -1;
	}
	folded = xasprintf("%s/probe.folded", dir);
	errp = xasprintf("%s/probe.err", dir);
	argv[6] = folded;
	if (spawn(&ch, argv, NULL, errp, err, sizeof(err)) < 0 ||
	    child_release(&ch, "tare sample", err, sizeof(err)) < 0) {
		snprintf(why, len, "%s", err);
	} else if (wait_exit(&ch, VALIDATE_READY_S) != 1) {
		child_stop(&ch, SIGKILL, 1);
		snprintf(why, len, "tare sample --bpf did not finish a probe run in %.0f s",
			 VALIDATE_READY_S);
	} else if (!(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 0)) {
		char line[400];

		file_last_line(errp, "tare sample: ", line, sizeof(line));
		snprintf(why, len, "%s", line[0] ? line : "tare sample --bpf failed");
	} else {
		rc = 0;
	}
	child_close(&ch);
	{
		char *x = xasprintf("%s/probe.cpu.folded", dir);

		unlink(x), unlink(errp);
		free(x);
	}
	rmdir(dir);
	free(folded), free(errp);
	return rc;
}

static int bpf_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], rate[32], *pb = xasprintf("%s/ref-bpf.pb.gz", r->dir);
	char *folded = xasprintf("%s/ref-bpf.folded", r->dir);
	char *stats = xasprintf("%s/ref-bpf.json", r->dir);
	char *out = xasprintf("%s/ref-bpf.out", r->dir), *errp = xasprintf("%s/ref-bpf.err", r->dir);
	char *argv[24] = { (char *)r->o->self, "sample", "--bpf", "-t", (char *)r->w->type, "-p", pid,
			   "-o", pb, "--folded", folded, "--stats", stats };
	int n = 13, rc;

	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	if (!strcmp(r->w->type, "cpu")) {
		snprintf(hz, sizeof(hz), "%u", r->hz);
		argv[n++] = "-F", argv[n++] = hz;
		argv[n++] = "-e", argv[n++] = (char *)r->o->event;
	}
	if (!strcmp(r->w->type, "alloc")) {
		snprintf(rate, sizeof(rate), "%" PRIu64, r->o->alloc_rate);
		argv[n++] = "--alloc-rate", argv[n++] = rate;
	}
	argv[n] = NULL;
	rc = sample_start(s, argv, out, errp, err, len, code);
	free(pb), free(folded), free(stats), free(out), free(errp);
	return rc;
}

static int bpf_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	struct vcase *c = s->c;
	const char *type = r->w->type;
	char *stats = xasprintf("%s/ref-bpf.json", r->dir);
	char *folded = xasprintf("%s/ref-bpf.%s.folded", r->dir, type);
	char *pb = xasprintf("%s/ref-bpf.%s.pb.gz", r->dir, type);
	json_t *ty;
	uint64_t not_kept;
	int rc = -1;

	if (read_stats(c, stats, "tare sample --bpf", err, len) < 0)
		goto out;
	ty = json_object_get(json_object_get(c->sampler_report, "types"), type);
	not_kept = json_u64(ty, "stacks_not_kept");
	c->ms[0].prof.dropped = json_u64(c->sampler_report, "dropped") + not_kept;
	if (!strcmp(type, "cpu")) {
		if (read_folded_file(folded, "tare sample --bpf", &c->ms[0], err, len) < 0)
			goto out;
		c->ms[0].prof.samples = json_u64(c->sampler_report, "samples");
	} else {
		const struct vtruth *t[VALIDATE_MAX_MEASURES];
		struct vprofile *p[VALIDATE_MAX_MEASURES];
		int vi[VALIDATE_MAX_MEASURES];

		for (int k = 0; k < c->nm; k++) {
			t[k] = &c->ms[k].truth;
			p[k] = &c->ms[k].prof;
			vi[k] = c->ms[k].def->value;
		}
		if (vprofile_read_pprof(pb, t, p, vi, c->nm, err, len) < 0)
			goto out;
		/* the events it recorded: blocks, contentions, sampled allocations */
		c->ms[0].prof.samples = json_u64(ty, !strcmp(type, "offcpu") ? "blocks" :
						 !strcmp(type, "lock") ? "contentions" : "samples");
		if (!strcmp(type, "alloc")) {
			c->alloc_mean = (double)json_u64(ty, "mean_bytes");
			c->calls_seen = json_u64(ty, "calls");
			c->bytes_seen = json_u64(ty, "bytes");
		}
	}
	rc = 0;
out:
	free(stats), free(folded), free(pb);
	return rc;
}

/* ---- perf: `perf record -g -p PID`, read back through `perf script` ---- */

static int perf_available(const struct vopts *o, char *why, size_t len)
{
	char *perf = which("perf");

	(void)o;
	if (!perf) {
		snprintf(why, len, "perf is not installed (apt-get install linux-perf)");
		return -1;
	}
	free(perf);
	return 0;
}

/* perf starts with its events disabled (-D -1) and enables them when told on its control
 * fifo, answering "ack": so it samples from a known moment, before the workload runs. */
static int perf_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], *data = xasprintf("%s/perf.data", r->dir);
	char *ctl = xasprintf("%s/perf.ctl", r->dir), *ack = xasprintf("%s/perf.ack", r->dir);
	char *control = xasprintf("fifo:%s,%s", ctl, ack), *errp = xasprintf("%s/perf.err", r->dir);
	char *argv[] = { "perf", "record", "-F", hz, "-e", (char *)r->o->event, "-g", "-p", pid,
			 "-o", data, "-D", "-1", "--control", control, NULL };
	uint64_t t0;
	int rc = -1;

	snprintf(hz, sizeof(hz), "%u", r->hz);
	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	*code = EXIT_FAIL;
	s->ctl_fd = s->ack_fd = -1;
	unlink(ctl), unlink(ack);
	if (mkfifo(ctl, 0600) < 0 || mkfifo(ack, 0600) < 0) {
		snprintf(err, len, "mkfifo %s: %s", ctl, strerror(errno));
		goto out;
	}
	/* read-write, so neither side's open blocks waiting for the other */
	s->ctl_fd = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	s->ack_fd = open(ack, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->ctl_fd < 0 || s->ack_fd < 0) {
		snprintf(err, len, "open %s: %s", ctl, strerror(errno));
		goto out;
	}
	if (spawn(&s->ch, argv, NULL, errp, err, len) < 0 ||
	    child_release(&s->ch, "perf", err, len) < 0)
		goto out;
	s->started = 1;
	if (write(s->ctl_fd, "enable\n", 7) != 7) {
		snprintf(err, len, "write %s: %s", ctl, strerror(errno));
		goto out;
	}
	for (t0 = now_ns();;) {
		struct pollfd pf = { .fd = s->ack_fd, .events = POLLIN };
		char buf[16];
		int w;

		if (poll(&pf, 1, 5) > 0 && read(s->ack_fd, buf, sizeof(buf)) > 0) {
			rc = 0;
			break;
		}
		w = wait_exit(&s->ch, 0);
		if (w == 1) {
			char line[400];

			file_last_line(errp, "tare sample: ", line, sizeof(line));
			snprintf(err, len, "perf record: %s", line[0] ? line : "exited before it was ready");
			if (strstr(line, "ermission") || strstr(line, "paranoid"))
				*code = EXIT_CANNOT;
			break;
		}
		if (tare_interrupted) {
			snprintf(err, len, "interrupted");
			break;
		}
		if (now_ns() - t0 > (uint64_t)(VALIDATE_READY_S * 1e9)) {
			snprintf(err, len, "perf record did not enable its events in %.0f s (see %s)",
				 VALIDATE_READY_S, errp);
			break;
		}
	}
out:
	free(data), free(ctl), free(ack), free(control), free(errp);
	return rc;
}

/* Run argv with its stdout on a pipe (*f) and stderr into errpath; wait with reader_wait. */
static pid_t reader_open(char **argv, const char *errpath, FILE **f, char *err, size_t len)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(pfd[1], 1);
		if (fd >= 0)
			dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		snprintf(err, len, "fork: %s", strerror(errno));
		return -1;
	}
	*f = fdopen(pfd[0], "r");
	return pid;
}

/* Close the pipe, reap; 0 when it exited 0 (else err from its last line).  Adds its CPU. */
static int reader_wait(pid_t pid, FILE *f, const char *what, const char *errpath,
		       uint64_t *cpu_ns, char *err, size_t len)
{
	struct rusage ru;
	int status;

	fclose(f);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*cpu_ns += rusage_cpu_ns(&ru);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char line[400];

		file_last_line(errpath, "tare sample: ", line, sizeof(line));
		snprintf(err, len, "%s: %s", what, line[0] ? line : "failed");
		return -1;
	}
	return 0;
}

/* perf script has no option to show THROTTLE records (6.1); perf report --stats counts them. */
static int perf_throttled(const char *data, const char *errpath, struct vcase *c, char *err,
			  size_t len)
{
	char *argv[] = { "perf", "report", "-i", (char *)data, "--stats", "--stdio", NULL };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	pid_t pid = reader_open(argv, errpath, &f, err, len);

	if (pid < 0)
		return -1;
	while (getline(&line, &cap, f) >= 0) {
		char *p = strstr(line, "THROTTLE events:");

		/* the aggregated line comes first; per-event sections repeat it */
		if (p && (p == line || p[-1] == ' ') && !strstr(line, "UNTHROTTLE")) {
			c->ms[0].prof.throttled = strtoull(p + 16, NULL, 10);
			break;
		}
	}
	while (getline(&line, &cap, f) >= 0)
		;
	free(line);
	return reader_wait(pid, f, "perf report --stats", errpath, &c->post_cpu_ns, err, len);
}

static int perf_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	char *data = xasprintf("%s/perf.data", r->dir), *errp = xasprintf("%s/perf-script.err", r->dir);
	char *argv[] = { "perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso",
			 "--show-lost-events", NULL };
	FILE *f;
	pid_t pid = reader_open(argv, errp, &f, err, len);
	int rc = -1;

	(void)s;
	if (pid < 0)
		goto out;
	rc = vprofile_read_perf_script(f, &s->c->ms[0].truth, &s->c->ms[0].prof, err, len);
	if (reader_wait(pid, f, "perf script", errp, &s->c->post_cpu_ns, err, len) < 0 ||
	    perf_throttled(data, errp, s->c, err, len) < 0)
		rc = -1;
out:
	free(data), free(errp);
	return rc;
}

static const struct vsampler vsamplers[] = {
	{ "ref", "cpu", 1, 0, 1, ref_available, ref_start, ref_collect },
	{ "ref-bpf", "cpu,offcpu,lock,alloc", 1, 1, 0, bpf_available, bpf_start, bpf_collect },
	{ "perf", "cpu", 0, 0, 0, perf_available, perf_start, perf_collect },
};

static const struct vsampler *find_sampler(const char *name)
{
	for (size_t i = 0; i < sizeof(vsamplers) / sizeof(vsamplers[0]); i++)
		if (!strcmp(vsamplers[i].name, name))
			return &vsamplers[i];
	return NULL;
}

static int takes_type(const struct vsampler *s, const char *type)
{
	size_t n = strlen(type);

	for (const char *p = s->types; (p = strstr(p, type)); p += n)
		if ((p == s->types || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Bounds, lines, JSON.                                                                       */

static double pct_of(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

static int is_cpu(const struct vcase *c)
{
	return c->w->measures[0].kind == VK_SAMPLES;
}

/* Add "; " and a sentence to buf (a list of reasons). */
static void add_reason(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add_reason(char *buf, size_t cap, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;

	if (off + 3 >= cap)
		return;
	if (off)
		off += (size_t)snprintf(buf + off, cap - off, "; ");
	va_start(ap, fmt);
	vsnprintf(buf + off, cap - off, fmt, ap);
	va_end(ap);
}

static const char *kind_name(enum vkind k)
{
	static const char *const names[] = { "samples", "exact", "poisson-bytes", "poisson-objects" };

	return names[k];
}

/* One measure against its bounds (docs/validate.md, "Bounds"). */
static void judge_measure(const struct vopts *o, const struct vcase *c, struct vmeas *ms)
{
	const struct vmeasure *d = ms->def;
	const struct vmetrics *m = &ms->m;
	struct vbounds b = o->b;
	char *buf = ms->out_of_bounds;
	size_t cap = sizeof(ms->out_of_bounds);

	buf[0] = '\0';
	if (d->kind != VK_SAMPLES) {
		b.max_error_pp = NAN;	/* --max-error is cpu's */
		b.allowance_pp = d->allowance_pp;
	}
	ms->error_bound_pp = vbounds_error_pp(&b, m);
	ms->tvd_bound = vbounds_tvd(&b, m);
	ms->total_lo = ms->total_hi = NAN;
	if (d->kind == VK_EXACT) {
		ms->total_lo = d->total_lo;
		ms->total_hi = d->total_hi;
	} else if (d->kind != VK_SAMPLES) {
		ms->total_lo = 1 - (b.error_se * m->total_se_rel + d->total_slack);
		ms->total_hi = 1 + (b.error_se * m->total_se_rel + d->total_slack);
	}
	if (!(m->n > 0)) {
		add_reason(buf, cap, "nothing in the workload's sites (%.0f %s in %.0f of weight)",
			   m->n, d->unit, ms->prof.stacks_weight);
		ms->within = 0;
		return;
	}
	if (d->min_samples && m->expected_min < b.min_site_samples) {
		if (d->kind == VK_SAMPLES)
			add_reason(buf, cap, "too few samples for the statistics: %.0f in the sites, %.1f "
				   "expected in the smallest, want %.0f — sample longer", m->n,
				   m->expected_min, b.min_site_samples);
		else
			add_reason(buf, cap, "too few samples for the statistics: %.1f expected in the "
				   "smallest site, want %.0f — a longer run or a smaller --alloc-rate",
				   m->expected_min, b.min_site_samples);
	}
	if (m->max_error_pp > ms->error_bound_pp && m->worst_site >= 0)
		add_reason(buf, cap, "attribution error %.2f pt > %.2f (%s %.1f%% vs truth %.1f%%)",
			   m->max_error_pp, ms->error_bound_pp, ms->truth.site[m->worst_site],
			   100 * m->measured[m->worst_site], 100 * ms->truth.share[m->worst_site]);
	if (m->tvd > ms->tvd_bound)
		add_reason(buf, cap, "TVD %.2f pt > %.2f", 100 * m->tvd, 100 * ms->tvd_bound);
	if (isfinite(ms->total_lo) && !(m->total_ratio >= ms->total_lo && m->total_ratio <= ms->total_hi))
		add_reason(buf, cap, "total %.1f%% of the truth's, want %.1f%% to %.1f%%",
			   100 * m->total_ratio, 100 * ms->total_lo, 100 * ms->total_hi);
	if (m->sites_found < m->sites_expected) {
		char missing[256] = "";

		for (int i = 0; i < ms->truth.nsites; i++)
			if (ms->truth.share[i] > 0 && !(ms->prof.site_weight[i] > 0) &&
			    validate_expected_events(d->kind, &ms->truth, m->n, c->alloc_mean, i) >=
			    VALIDATE_FOUND_MIN)
				add_reason(missing, sizeof(missing), "%s", ms->truth.site[i]);
		add_reason(buf, cap, "%d of %d sites found (not: %s)", m->sites_found,
			   m->sites_expected, missing);
	}
	if (m->reached_main < b.min_reached_main)
		add_reason(buf, cap, "%.1f%% of stacks reach main (want %.0f%%)", 100 * m->reached_main,
			   100 * b.min_reached_main);
	if (m->symbolized < b.min_symbolized)
		add_reason(buf, cap, "%.1f%% of frames symbolized (want %.0f%%)", 100 * m->symbolized,
			   100 * b.min_symbolized);
	ms->within = !buf[0];
}

static void judge(const struct vopts *o, struct vcase *c)
{
	const struct vbounds *b = &o->b;
	const struct vprofile *p = &c->ms[0].prof;
	double lost = pct_of(p->lost, p->samples + p->lost), dropped = pct_of(p->dropped, p->samples);
	char *buf = c->out_of_bounds;
	size_t cap = sizeof(c->out_of_bounds);

	buf[0] = '\0';
	if (is_cpu(c)) {
		double ratio = c->effective_hz / c->hz, tol = b->rate_tolerance;

		/* A per-task clock fires every 1/HZ s of the task's CPU: only lost, throttled or
		 * unaccounted samples move the rate.  A per-CPU clock fires every 1/HZ s of the
		 * CPU's time, on whatever runs: a task that had the fraction u of its CPUs' time
		 * (CPU / (wall x threads)) takes each tick with probability ~u, so its n samples
		 * are binomial, relative SE sqrt((1 - u) / n): 0 on an idle machine. */
		if (c->sampler->per_cpu && p->samples && c->workload_wall_ns) {
			double u = (double)c->workload_cpu_ns / ((double)c->workload_wall_ns * c->threads);

			u = u > 1 ? 1 : u;
			tol += b->error_se * sqrt((1 - u) / (double)p->samples);
		}
		c->rate_lo = 1 - tol;
		c->rate_hi = 1 + tol;
		/* cpu-clock runs on the perf clock, which goes on while the hypervisor has the vCPU;
		 * wait4's CPU leaves stolen time out.  At most s/(1-s) more samples per CPU second. */
		if (c->steal_share > 0 && c->steal_share < 1)
			c->rate_hi += c->steal_share / (1 - c->steal_share);
		if (!(ratio >= c->rate_lo && ratio <= c->rate_hi)) {
			char stolen[96] = "";
			if (c->rate_hi > 1 + tol)
				snprintf(stolen, sizeof(stolen), "; +%.1f%% more for the %.1f%% of CPU time stolen",
					 100 * (c->rate_hi - 1 - tol), 100 * c->steal_share);
			add_reason(buf, cap, "effective rate %.1f Hz is %.1f%% of the requested %u "
				   "(bound ±%.1f%%%s)", c->effective_hz, 100 * ratio, c->hz, 100 * tol, stolen);
		}
		if (lost > b->max_lost_pct)
			add_reason(buf, cap, "lost %.2f%% of samples (%" PRIu64 ") > %.2f%%", lost, p->lost,
				   b->max_lost_pct);
	}
	if (dropped > b->max_lost_pct || (p->dropped && !p->samples))
		add_reason(buf, cap, "dropped %.2f%% of %s (%" PRIu64 ": a table full, a stack lost) "
			   "> %.2f%%", dropped, is_cpu(c) ? "samples" : "events", p->dropped,
			   b->max_lost_pct);
	if (!strcmp(c->w->type, "alloc") && isfinite(c->calls_truth)) {
		/* counted exactly, every call: glibc's own (stdio's buffer, a thread's TLS) on top */
		if (!((double)c->calls_seen >= c->calls_truth && (double)c->calls_seen <= c->calls_truth + 16))
			add_reason(buf, cap, "%" PRIu64 " allocation calls counted, the workload made %.0f "
				   "(want exactly, + at most 16 of glibc's own)", c->calls_seen,
				   c->calls_truth);
		if (!((double)c->bytes_seen >= c->bytes_truth &&
		      (double)c->bytes_seen <= c->bytes_truth + 65536))
			add_reason(buf, cap, "%" PRIu64 " bytes asked counted, the workload asked %.0f "
				   "(want exactly, + at most 64 KiB of glibc's own)", c->bytes_seen,
				   c->bytes_truth);
	}
	snprintf(c->case_out, sizeof(c->case_out), "%s", buf);
	for (int k = 0; k < c->nm; k++) {
		struct vmeas *ms = &c->ms[k];

		judge_measure(o, c, ms);
		if (!ms->within) {
			if (is_cpu(c))
				add_reason(buf, cap, "%s", ms->out_of_bounds);
			else
				add_reason(buf, cap, "%s: %s", ms->def->name, ms->out_of_bounds);
		}
	}
	c->within = !buf[0];
}

static const char *case_name(const struct vcase *c, char *buf, size_t len)
{
	if (is_cpu(c))
		snprintf(buf, len, "%s %s %s %u Hz x%d", c->sampler->name, c->w->type, c->w->name,
			 c->hz, c->threads);
	else
		snprintf(buf, len, "%s %s %s x%d", c->sampler->name, c->w->type, c->w->name,
			 c->threads);
	return buf;
}

static void print_header(int cpu)
{
	if (cpu)
		printf("%-7s %-6s %-8s %5s %3s %8s  %-18s %6s %7s  %-15s  %-15s %6s %6s\n", "sampler",
		       "type", "workload", "hz", "thr", "samples", "effective rate", "lost", "thrott.",
		       "max error (se)", "TVD (expected)", "main", "symb.");
	else
		printf("%-7s %-6s %-8s %3s %8s %7s  %-13s %-20s  %-25s %-16s %6s %6s %5s\n", "sampler",
		       "type", "workload", "thr", "events", "dropped", "measure", "total vs truth",
		       "max error (se) <= bound", "TVD (expected)", "main", "symb.", "sites");
}

static void print_case(const struct vcase *c)
{
	const struct vprofile *p = &c->ms[0].prof;

	if (is_cpu(c))
		printf("%-7s %-6s %-8s %5u %3d ", c->sampler->name, c->w->type, c->w->name, c->hz,
		       c->threads);
	else
		printf("%-7s %-6s %-8s %3d ", c->sampler->name, c->w->type, c->w->name, c->threads);
	if (c->status != CASE_OK) {
		printf("%8s  %s: %s\n", "-", c->status == CASE_SKIPPED ? "skipped" : "failed", c->reason);
		return;
	}
	if (is_cpu(c)) {
		const struct vmetrics *m = &c->ms[0].m;

		printf("%8" PRIu64 "  %7.1f Hz %6.1f%% %5.2f%% %6.2f%%  %5.2f pt (%4.2f)  %5.2f pt (%4.2f)"
		       " %5.1f%% %5.1f%%  %s%s%s\n", p->samples, c->effective_hz,
		       100 * c->effective_hz / c->hz, pct_of(p->lost, p->samples + p->lost),
		       pct_of(p->throttled, p->samples), m->max_error_pp, m->binomial_se_pp,
		       100 * m->tvd, 100 * m->expected_tvd, 100 * m->reached_main, 100 * m->symbolized,
		       c->within ? "ok" : "OUT: ", c->within ? "" : c->out_of_bounds,
		       c->sampler->gating ? "" : " (not gated)");
		return;
	}
	printf("%8" PRIu64 " %7" PRIu64 "  ", p->samples, p->dropped);
	for (int k = 0; k < c->nm; k++) {
		const struct vmeas *ms = &c->ms[k];
		const struct vmetrics *m = &ms->m;
		char total[64], err[64], sites[16];

		if (k)
			printf("%*s", 7 + 1 + 6 + 1 + 8 + 1 + 3 + 1 + 8 + 1 + 7 + 2, "");
		if (ms->def->kind == VK_EXACT)
			snprintf(total, sizeof(total), "%6.1f%% [%.0f, %.0f]", 100 * m->total_ratio,
				 100 * ms->total_lo, 100 * ms->total_hi);
		else
			snprintf(total, sizeof(total), "%6.1f%% ±%.1f", 100 * m->total_ratio,
				 100 * (ms->total_hi - 1));
		snprintf(err, sizeof(err), "%5.2f pt (%4.2f) <= %.2f", m->max_error_pp, m->se_max_pp,
			 ms->error_bound_pp);
		snprintf(sites, sizeof(sites), "%d/%d", m->sites_found, m->sites_expected);
		printf("%-13s %-20s  %-25s %5.2f pt (%4.2f) %5.1f%% %5.1f%% %5s  %s%s\n", ms->def->name,
		       total, err, 100 * m->tvd, 100 * m->expected_tvd, 100 * m->reached_main,
		       100 * m->symbolized, sites, ms->within ? "ok" : "OUT: ",
		       ms->within ? "" : ms->out_of_bounds);
	}
	if (c->case_out[0])	/* what no measure's line shows: drops, the exact call counts */
		printf("%*sOUT: %s\n", 7 + 1 + 6 + 1 + 8 + 1 + 3 + 1 + 8 + 1 + 7 + 2, "", c->case_out);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *dist_json(const struct vtruth *t, const double *v)
{
	json_t *o = json_object();

	for (int i = 0; i < t->nsites; i++)
		json_object_set_new(o, t->site[i], jnum(v[i]));
	return o;
}

static json_t *measure_json(const struct vmeas *ms)
{
	const struct vmetrics *m = &ms->m;
	json_t *j = json_object(), *b = json_object();

	json_object_set_new(j, "unit", json_string(ms->def->unit));
	json_object_set_new(j, "kind", json_string(kind_name(ms->def->kind)));
	json_object_set_new(j, "within_bounds", json_boolean(ms->within));
	json_object_set_new(j, "out_of_bounds", json_string(ms->out_of_bounds));
	json_object_set_new(j, "n", jnum(m->n));
	json_object_set_new(j, "attribution_error_max_pp", jnum(m->max_error_pp));
	json_object_set_new(j, "worst_site", m->worst_site >= 0 ?
			    json_string(ms->truth.site[m->worst_site]) : json_null());
	json_object_set_new(j, "se_max_pp", jnum(m->se_max_pp));
	json_object_set_new(j, "tvd", jnum(m->tvd));
	json_object_set_new(j, "expected_tvd", jnum(m->expected_tvd));
	json_object_set_new(j, "total_truth", jnum(m->total_truth));
	json_object_set_new(j, "total_measured", jnum(ms->def->kind == VK_SAMPLES ? NAN : m->n));
	json_object_set_new(j, "total_ratio", jnum(m->total_ratio));
	json_object_set_new(j, "total_se_rel", jnum(m->total_se_rel));
	json_object_set_new(j, "expected_samples_min", jnum(m->expected_min));
	json_object_set_new(j, "sites_found", json_integer(m->sites_found));
	json_object_set_new(j, "sites_expected", json_integer(m->sites_expected));
	json_object_set_new(j, "reached_main", jnum(m->reached_main));
	json_object_set_new(j, "symbolized", jnum(m->symbolized));
	json_object_set_new(j, "truth", dist_json(&ms->truth, ms->truth.share));
	json_object_set_new(j, "measured", dist_json(&ms->truth, m->measured));
	json_object_set_new(j, "se_pp", dist_json(&ms->truth, m->se_pp));
	if (ms->def->kind != VK_SAMPLES) {
		json_object_set_new(j, "truth_values", dist_json(&ms->truth, ms->truth.value));
		json_object_set_new(j, "measured_values", dist_json(&ms->truth, ms->prof.site_weight));
	}
	json_object_set_new(b, "attribution_error_max_pp", jnum(ms->error_bound_pp));
	json_object_set_new(b, "tvd", jnum(ms->tvd_bound));
	json_object_set_new(b, "total_ratio_min", jnum(ms->total_lo));
	json_object_set_new(b, "total_ratio_max", jnum(ms->total_hi));
	json_object_set_new(b, "why", json_string(ms->def->why));
	json_object_set_new(j, "bounds", b);
	return j;
}

static json_t *case_json(const struct vopts *o, const struct vcase *c)
{
	json_t *j = json_object(), *b, *mj;
	const struct vmeas *ms0 = &c->ms[0];
	const struct vmetrics *m = &ms0->m;
	const struct vprofile *p = &ms0->prof;
	static const char *const status[] = { "pending", "ok", "skipped", "failed" };
	int cpu = is_cpu(c);

	json_object_set_new(j, "sampler", json_string(c->sampler->name));
	json_object_set_new(j, "type", json_string(c->w->type));
	json_object_set_new(j, "workload", json_string(c->w->name));
	json_object_set_new(j, "hz", cpu ? json_integer(c->hz) : json_null());
	json_object_set_new(j, "requested_hz", cpu ? json_integer(c->hz) : json_null());
	json_object_set_new(j, "threads", json_integer(c->threads));
	json_object_set_new(j, "duration_s", json_real(c->duration_s));
	json_object_set_new(j, "run", json_integer(c->run));
	json_object_set_new(j, "dir", json_string(c->dir));
	json_object_set_new(j, "gating", json_boolean(c->sampler->gating));
	json_object_set_new(j, "status", json_string(status[c->status]));
	if (c->status != CASE_OK) {
		json_object_set_new(j, "reason", json_string(c->reason));
		return j;
	}
	json_object_set_new(j, "within_bounds", json_boolean(c->within));
	json_object_set_new(j, "out_of_bounds", json_string(c->out_of_bounds));
	json_object_set_new(j, "measure", json_string(ms0->def->name));
	json_object_set_new(j, "samples", json_integer((json_int_t)p->samples));
	/* cpu: samples in the sites; the other types' n is their measure's weight (ns, bytes) */
	json_object_set_new(j, "samples_in_sites", jnum(cpu ? m->n : NAN));
	json_object_set_new(j, "lost", json_integer((json_int_t)p->lost));
	json_object_set_new(j, "lost_pct", json_real(pct_of(p->lost, p->samples + p->lost)));
	json_object_set_new(j, "throttled", json_integer((json_int_t)p->throttled));
	json_object_set_new(j, "throttled_pct", json_real(pct_of(p->throttled, p->samples)));
	json_object_set_new(j, "dropped", json_integer((json_int_t)p->dropped));
	json_object_set_new(j, "dropped_pct", json_real(pct_of(p->dropped, p->samples)));
	json_object_set_new(j, "workload_cpu_s", json_real((double)c->workload_cpu_ns / 1e9));
	json_object_set_new(j, "workload_wall_s", json_real((double)c->workload_wall_ns / 1e9));
	json_object_set_new(j, "steal_pct", jnum(100 * c->steal_share));
	json_object_set_new(j, "effective_rate_hz", jnum(cpu ? c->effective_hz : NAN));
	json_object_set_new(j, "rate_ratio", jnum(cpu ? c->effective_hz / c->hz : NAN));
	json_object_set_new(j, "attribution_error_max_pp", jnum(m->max_error_pp));
	json_object_set_new(j, "worst_site", m->worst_site >= 0 ?
			    json_string(ms0->truth.site[m->worst_site]) : json_null());
	json_object_set_new(j, "tvd", jnum(m->tvd));
	json_object_set_new(j, "binomial_se_pp", jnum(m->binomial_se_pp));
	json_object_set_new(j, "binomial_se_max_pp", jnum(m->se_max_pp));
	json_object_set_new(j, "expected_tvd", jnum(m->expected_tvd));
	json_object_set_new(j, "reached_main", jnum(m->reached_main));
	json_object_set_new(j, "symbolized", jnum(m->symbolized));
	json_object_set_new(j, "truth", dist_json(&ms0->truth, ms0->truth.share));
	json_object_set_new(j, "nominal", dist_json(&ms0->truth, ms0->truth.nominal));
	json_object_set_new(j, "measured", dist_json(&ms0->truth, m->measured));
	b = json_object();
	json_object_set_new(b, "attribution_error_max_pp", jnum(ms0->error_bound_pp));
	json_object_set_new(b, "tvd", jnum(ms0->tvd_bound));
	if (cpu) {
		json_object_set_new(b, "rate_ratio_min", jnum(c->rate_lo));
		json_object_set_new(b, "rate_ratio_max", jnum(c->rate_hi));
	} else {
		json_object_set_new(b, "total_ratio_min", jnum(ms0->total_lo));
		json_object_set_new(b, "total_ratio_max", jnum(ms0->total_hi));
	}
	json_object_set_new(b, "lost_pct_max", json_real(o->b.max_lost_pct));
	json_object_set_new(b, "reached_main_min", json_real(o->b.min_reached_main));
	json_object_set_new(b, "symbolized_min", json_real(o->b.min_symbolized));
	json_object_set_new(j, "bounds", b);
	mj = json_object();
	for (int k = 0; k < c->nm; k++)
		json_object_set_new(mj, c->ms[k].def->name, measure_json(&c->ms[k]));
	json_object_set_new(j, "measures", mj);
	if (!strcmp(c->w->type, "alloc")) {
		json_object_set_new(j, "alloc_rate_bytes", jnum(c->alloc_mean));
		json_object_set_new(j, "calls", json_pack("{s:I, s:o}", "counted",
			(json_int_t)c->calls_seen, "truth", jnum(c->calls_truth)));
		json_object_set_new(j, "bytes", json_pack("{s:I, s:o}", "counted",
			(json_int_t)c->bytes_seen, "truth", jnum(c->bytes_truth)));
	}
	json_object_set_new(j, "sampler_cpu_s", json_real((double)c->sampler_cpu_ns / 1e9));
	json_object_set_new(j, "sampler_peak_rss_bytes", json_integer((json_int_t)c->sampler_rss_bytes));
	if (c->post_cpu_ns)
		json_object_set_new(j, "postprocess_cpu_s", json_real((double)c->post_cpu_ns / 1e9));
	if (c->sampler_report)
		json_object_set_new(j, "sampler_report", json_incref(c->sampler_report));
	return j;
}

/* ---------------------------------------------------------------------------------------- */
/* Running.                                                                                   */

struct vstate {
	struct vopts *o;
	struct vcase *cases;
	int ncases;
	char dir[PATH_MAX], rel[PATH_MAX];
	char started_utc[32];
	char *command_line;
	json_t *environment;
	int interrupted;
};

static void utc_now(char *buf, size_t len, const char *fmt)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, fmt, &tm);
}

static int write_json(struct vstate *st, const char *verdict, json_t *failed)
{
	json_t *root = json_object(), *opts = json_object(), *arr = json_array(), *b = json_object();
	char finished[32], *path = xasprintf("%s/validation.json", st->dir), *text;
	int rc;

	utc_now(finished, sizeof(finished), "%Y-%m-%dT%H:%M:%SZ");
	json_object_set_new(root, "schema_version", json_integer(VALIDATE_SCHEMA_VERSION));
	json_object_set_new(root, "kind", json_string("validation"));
	json_object_set_new(root, "tare_version", json_string(tare_version()));
	json_object_set_new(root, "command_line", json_string(st->command_line));
	json_object_set_new(root, "started_utc", json_string(st->started_utc));
	json_object_set_new(root, "finished_utc", json_string(finished));
	for (int i = 0; i < st->o->nrates; i++)
		json_array_append_new(arr, json_integer(st->o->rates[i]));
	json_object_set_new(opts, "rates_hz", arr);
	arr = json_array();
	for (int i = 0; i < st->o->nthreads; i++)
		json_array_append_new(arr, json_integer(st->o->threads[i]));
	json_object_set_new(opts, "threads", arr);
	json_object_set_new(opts, "duration_s", json_real(st->o->duration_s));
	json_object_set_new(opts, "event", json_string(st->o->event));
	arr = json_array();
	for (int i = 0; i < st->o->nsamplers; i++)
		json_array_append_new(arr, json_string(st->o->samplers[i]));
	json_object_set_new(opts, "samplers", arr);
	arr = json_array();
	for (int k = 0; k < NWORKLOADS; k++)
		if (st->o->types & (1 << k))
			json_array_append_new(arr, json_string(vworkloads[k].type));
	json_object_set_new(opts, "types", arr);
	json_object_set_new(opts, "other_types_threads", json_integer(VALIDATE_OTHER_THREADS));
	json_object_set_new(opts, "alloc_rate_bytes", json_integer((json_int_t)st->o->alloc_rate));
	json_object_set_new(opts, "same_run", json_boolean(!st->o->apart));
	json_object_set_new(b, "attribution_error_max_pp",
			    isfinite(st->o->b.max_error_pp) ? json_real(st->o->b.max_error_pp) :
			    json_sprintf("%g x binomial_se_max_pp + %g", st->o->b.error_se,
					 st->o->b.allowance_pp));
	json_object_set_new(b, "tvd", json_sprintf("%g x expected_tvd + %g", st->o->b.tvd_mult,
						   st->o->b.allowance_pp / 100));
	json_object_set_new(b, "rate_tolerance", json_real(st->o->b.rate_tolerance));
	json_object_set_new(b, "lost_pct_max", json_real(st->o->b.max_lost_pct));
	json_object_set_new(b, "reached_main_min", json_real(st->o->b.min_reached_main));
	json_object_set_new(b, "symbolized_min", json_real(st->o->b.min_symbolized));
	json_object_set_new(b, "site_samples_min", json_real(st->o->b.min_site_samples));
	{
		json_t *per = json_object();

		for (int k = 0; k < NWORKLOADS; k++)
			for (int i = 0; i < vworkloads[k].nmeasures; i++) {
				const struct vmeasure *d = &vworkloads[k].measures[i];
				char key[96];

				snprintf(key, sizeof(key), "%s %s", vworkloads[k].type, d->name);
				json_object_set_new(per, key, json_string(d->why));
			}
		json_object_set_new(b, "measures", per);
	}
	json_object_set_new(opts, "bounds", b);
	json_object_set_new(root, "options", opts);
	if (st->environment)
		json_object_set_new(root, "environment", json_incref(st->environment));
	arr = json_array();
	for (int i = 0; i < st->ncases; i++)
		if (st->cases[i].status != CASE_PENDING)
			json_array_append_new(arr, case_json(st->o, &st->cases[i]));
	json_object_set_new(root, "cases", arr);
	json_object_set_new(root, "verdict", json_string(verdict));
	json_object_set_new(root, "out_of_bounds", failed ? json_incref(failed) : json_array());
	text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	rc = text ? write_file_atomic(path, text, strlen(text)) : -1;
	if (rc < 0)
		verr("cannot write %s: %s", path, strerror(errno));
	free(text);
	free(path);
	json_decref(root);
	return rc;
}

static void stop_slot(struct vslot *s)
{
	if (s->started && !s->ch.reaped)
		child_stop(&s->ch, SIGINT, VALIDATE_STOP_S);
	child_close(&s->ch);
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	if (s->ack_fd >= 0)
		close(s->ack_fd);
	s->ctl_fd = s->ack_fd = -1;
}

/* The alloc workload's own count of its malloc, calloc and realloc calls and the bytes they
 * asked for (NAN when its line lacks them). */
static void alloc_calls_truth(const char *text, double *calls, double *bytes)
{
	char err[128];
	json_t *doc = truth_line(text, err, sizeof(err)), *lc, *v;

	*calls = *bytes = NAN;
	if (!doc)
		return;
	lc = json_object_get(doc, "libc_calls");
	if (json_is_object(lc)) {
		*calls = 0;
		for (const char *const *f = (const char *const[]){ "malloc", "calloc", "realloc", NULL };
		     *f; f++) {
			v = json_object_get(lc, *f);
			*calls = json_is_number(v) && isfinite(*calls) ? *calls + json_number_value(v) : NAN;
		}
	}
	v = json_object_get(json_object_get(doc, "totals"), "bytes");
	if (json_is_number(v))
		*bytes = json_number_value(v);
	json_decref(doc);
}

/* One run of the workload with the samplers of cases[0..n) attached.  0; EXIT_CANNOT when a
 * gated sampler cannot sample here (said); 130 when interrupted. */
static int do_run(struct vstate *st, struct vcase **cs, int n, int index)
{
	struct vrun r = { .o = st->o, .w = cs[0]->w, .index = index, .hz = cs[0]->hz,
			  .threads = cs[0]->threads };
	struct vslot *slots = xcalloc((size_t)n, sizeof(*slots));
	char err[512], rel[256], *bin = xasprintf("%s/workloads/%s", tare_build_dir(), r.w->name);
	char *out, *errp, **argv, *text;
	int rc = 0, code = EXIT_FAIL, released = 0, w;
	uint64_t t_released = 0;
	double timeout, steal = 0;
	struct procstat ps0, ps1, d;
	int have_ps0 = 0;

	for (int i = 0; i < n; i++) {
		slots[i] = (struct vslot){ .c = cs[i], .ctl_fd = -1, .ack_fd = -1 };
		slots[i].ch.pidfd = slots[i].ch.gate_fd = slots[i].ch.err_fd = -1;
	}
	if (r.hz)
		snprintf(rel, sizeof(rel), "runs/%02d-%s-%uhz-%dt%s%s", index + 1, r.w->name, r.hz,
			 r.threads, n == 1 ? "-" : "", n == 1 ? cs[0]->sampler->name : "");
	else
		snprintf(rel, sizeof(rel), "runs/%02d-%s-%dt%s%s", index + 1, r.w->name, r.threads,
			 n == 1 ? "-" : "", n == 1 ? cs[0]->sampler->name : "");
	if (snprintf(r.dir, sizeof(r.dir), "%s/%s", st->dir, rel) >= (int)sizeof(r.dir) ||
	    mkdir_p(r.dir, 0755) < 0) {
		const char *why = strerror(errno ? errno : ENAMETOOLONG);

		for (int i = 0; i < n; i++)
			cs[i]->status = CASE_FAILED,
			snprintf(cs[i]->reason, sizeof(cs[i]->reason), "cannot create %s: %s", rel, why);
		free(bin), free(slots);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		snprintf(cs[i]->dir, sizeof(cs[i]->dir), "%s", rel);
		cs[i]->run = index;
	}
	out = xasprintf("%s/workload.out", r.dir);
	errp = xasprintf("%s/workload.err", r.dir);
	argv = r.w->argv(bin, r.threads, cs[0]->duration_s);
	if (spawn(&r.wl, argv, out, errp, err, sizeof(err)) < 0) {
		for (int i = 0; i < n; i++)
			cs[i]->status = CASE_FAILED, snprintf(cs[i]->reason, sizeof(cs[i]->reason), "%s", err);
		goto done;
	}
	for (int i = 0; i < n; i++) {
		if (cs[i]->sampler->start(&slots[i], &r, err, sizeof(err), &code) == 0)
			continue;
		if (tare_interrupted) {
			rc = 130;
			goto done;
		}
		if (code == EXIT_CANNOT && cs[i]->sampler->gating && cs[i]->sampler->cannot_is_fatal) {
			verr("%s: %s", cs[i]->sampler->name, err);
			rc = EXIT_CANNOT;
			goto done;
		}
		cs[i]->status = code == EXIT_CANNOT ? CASE_SKIPPED : CASE_FAILED;
		snprintf(cs[i]->reason, sizeof(cs[i]->reason), "%s", err);
		stop_slot(&slots[i]);
	}
	if (child_release(&r.wl, bin, err, sizeof(err)) < 0) {
		for (int i = 0; i < n; i++)
			if (cs[i]->status == CASE_PENDING)
				cs[i]->status = CASE_FAILED,
				snprintf(cs[i]->reason, sizeof(cs[i]->reason), "%s", err);
		goto done;
	}
	released = 1;
	t_released = now_ns();
	have_ps0 = procstat_read(&ps0) == 0;
	timeout = cs[0]->duration_s + VALIDATE_WORKLOAD_SLACK_S;
	w = wait_exit(&r.wl, timeout);
	if (w == -2) {
		rc = 130;
		goto done;
	}
	if (w == 0) {
		child_stop(&r.wl, SIGTERM, 5);
		for (int i = 0; i < n; i++)
			if (cs[i]->status == CASE_PENDING)
				cs[i]->status = CASE_FAILED,
				snprintf(cs[i]->reason, sizeof(cs[i]->reason),
					 "the workload did not finish in %.0f s", timeout);
		goto done;
	}
	/* The stolen share of the time the CPUs wanted: an idle vCPU is not stolen from, so the
	 * whole machine's wall time would understate what the workload's vCPU lost. */
	if (have_ps0 && procstat_read(&ps1) == 0) {
		procstat_delta(&ps0, &ps1, &d);
		if (procstat_busy_ns(&d) + d.steal_ns > 0)
			steal = (double)d.steal_ns / (double)(procstat_busy_ns(&d) + d.steal_ns);
	}
	/* the samplers stop by themselves once the workload has exited */
	for (int i = 0; i < n; i++) {
		if (!slots[i].started || slots[i].ch.reaped)
			continue;
		if (wait_exit(&slots[i].ch, VALIDATE_STOP_S) == -2) {
			rc = 130;
			goto done;
		}
		stop_slot(&slots[i]);
	}
	if (!(WIFEXITED(r.wl.status) && WEXITSTATUS(r.wl.status) == 0)) {
		char how[128], line[400];

		describe_status(r.wl.status, how, sizeof(how));
		file_last_line(errp, "tare sample: ", line, sizeof(line));
		for (int i = 0; i < n; i++)
			if (cs[i]->status == CASE_PENDING)
				cs[i]->status = CASE_FAILED,
				snprintf(cs[i]->reason, sizeof(cs[i]->reason), "the workload %s%s%s", how,
					 line[0] ? ": " : "", line);
		goto done;
	}
	text = read_file(out, NULL);
	for (int i = 0; i < n; i++) {
		struct vcase *c = cs[i];

		if (c->status != CASE_PENDING)
			continue;
		c->workload_cpu_ns = rusage_cpu_ns(&r.wl.ru);
		c->workload_wall_ns = r.wl.reaped_ns > t_released ? r.wl.reaped_ns - t_released : 0;
		c->steal_share = steal;
		c->sampler_cpu_ns = rusage_cpu_ns(&slots[i].ch.ru);
		c->sampler_rss_bytes = (uint64_t)slots[i].ch.ru.ru_maxrss * 1024;
		if (!(WIFEXITED(slots[i].ch.status) && WEXITSTATUS(slots[i].ch.status) == 0)) {
			char how[128];

			describe_status(slots[i].ch.status, how, sizeof(how));
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s %s", c->sampler->name, how);
			continue;
		}
		for (int k = 0; k < c->nm && c->status == CASE_PENDING; k++)
			if (measure_truth(r.w, c->ms[k].def, text ? text : "", &c->ms[k].truth, err,
					  sizeof(err)) < 0) {
				c->status = CASE_FAILED;
				snprintf(c->reason, sizeof(c->reason), "%s (%s)", err, out);
			}
		if (c->status != CASE_PENDING)
			continue;
		if (c->sampler->collect(&slots[i], &r, err, sizeof(err)) < 0) {
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s", err);
			continue;
		}
		if (!strcmp(r.w->type, "alloc")) {
			if (!(c->alloc_mean > 0))
				c->alloc_mean = (double)st->o->alloc_rate;
			alloc_calls_truth(text ? text : "", &c->calls_truth, &c->bytes_truth);
		}
		for (int k = 0; k < c->nm; k++)
			validate_metrics_kind(&c->ms[k].truth, &c->ms[k].prof, c->ms[k].def->kind,
					      c->alloc_mean, &c->ms[k].m);
		c->effective_hz = c->workload_cpu_ns ?
				  (double)c->ms[0].prof.samples / ((double)c->workload_cpu_ns / 1e9) : 0;
		c->status = CASE_OK;
		judge(st->o, c);
	}
	free(text);
done:
	for (int i = 0; i < n; i++)
		stop_slot(&slots[i]);
	if (!r.wl.reaped && r.wl.pid > 0)
		child_stop(&r.wl, released ? SIGTERM : SIGKILL, 5);
	child_close(&r.wl);
	{
		char *ctl = xasprintf("%s/perf.ctl", r.dir), *ack = xasprintf("%s/perf.ack", r.dir);

		unlink(ctl), unlink(ack);
		free(ctl), free(ack);
	}
	free_argv(argv);
	free(out), free(errp), free(bin), free(slots);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Command line.                                                                              */

static const char validate_usage_text[] =
	"usage: tare validate [-T TYPES] [-s SAMPLERS] [-F HZ,...] [-t THREADS,...] [-d SECONDS]\n"
	"                     [-e EVENT] [--alloc-rate BYTES] [--max-error POINTS]\n"
	"                     [--rate-tolerance PCT] [--max-lost PCT] [--apart] [--quick]\n"
	"                     [-o DIR] [-v]\n"
	"\n"
	"Hold the reference samplers against workloads whose profile is known: cpu (tare\n"
	"sample, tare sample --bpf, and perf record beside them), offcpu, lock and alloc\n"
	"(tare sample --bpf).  One line per case and measure: the error of each site's share\n"
	"against the truth beside the bound for that many samples (binomial for CPU samples,\n"
	"Poisson per byte for sampled allocations, measurement noise where every event is\n"
	"counted), totals, lost and dropped events, stacks reaching main, frames symbolized.\n"
	"\n"
	"  -T, --types LIST          cpu,offcpu,lock,alloc (default: all)\n"
	"  -s, --samplers LIST       ref,ref-bpf,perf (default); a sampler that cannot run here\n"
	"                            is skipped, saying why; perf's cases do not decide the exit\n"
	"  -F, --rates HZ,...        cpu: sampling rates (default 99,999)\n"
	"  -t, --threads N,...       cpu: workload threads (default 1,2); offcpu, lock and\n"
	"                            alloc run with 2\n"
	"  -d, --duration SECONDS    per workload run (default 4)\n"
	"  -e, --event EVENT         cpu: cpu-clock (default), task-clock; cycles with a PMU\n"
	"      --alloc-rate BYTES    alloc: a sample every BYTES allocated on average (default\n"
	"                            32768: enough samples in a short run)\n"
	"      --max-error POINTS    cpu: a fixed bound on the attribution error instead of the\n"
	"                            statistical one (4 x binomial SE + 1 point)\n"
	"      --rate-tolerance PCT  cpu: effective rate within this of the requested (default 5)\n"
	"      --max-lost PCT        lost (and dropped) samples or events allowed (default 0)\n"
	"      --apart               each sampler on its own run of the workload (default: the\n"
	"                            samplers of a workload, rate and thread count share one)\n"
	"      --quick               -F 99,999 -t 1 -d 2: a smoke check\n"
	"  -o, --out DIR             results under DIR/<UTC stamp>-validate/ (default results)\n"
	"  -v, --verbose             the measured shares of each case beside the truth\n"
	"\n"
	"Writes validation.json (a table of cases) and each run's profiles and logs.\n"
	"Exit: 0 every measured ref and ref-bpf case within its bounds, 1 one is out (said\n"
	"which), 2 usage, 3 no gated sampler can run here (perf_event denied, no PMU, no BPF),\n"
	"130 interrupted.\n";

static int vusage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int vusage(const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tare validate: %s (see tare validate --help)\n", buf);
	return EXIT_USAGE;
}

/* "99,999" into v; the count, or -1. */
static int parse_list(const char *s, long min, long max, long *v, int cap)
{
	char *end;
	int n = 0;

	for (;;) {
		long x;

		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		x = strtol(s, &end, 10);
		if (errno || x < min || x > max || n == cap || (*end && *end != ','))
			return -1;
		v[n++] = x;
		if (!*end)
			return n;
		s = end + 1;
	}
}

static int parse_pos(const char *s, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !(*out >= 0) || *out > max ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct vopts *o)
{
	enum { OPT_MAX_ERROR = 256, OPT_RATE_TOL, OPT_MAX_LOST, OPT_APART, OPT_QUICK,
	       OPT_ALLOC_RATE };
	static const struct option opts[] = {
		{ "types",          required_argument, NULL, 'T' },
		{ "alloc-rate",     required_argument, NULL, OPT_ALLOC_RATE },
		{ "rates",          required_argument, NULL, 'F' },
		{ "threads",        required_argument, NULL, 't' },
		{ "duration",       required_argument, NULL, 'd' },
		{ "samplers",       required_argument, NULL, 's' },
		{ "event",          required_argument, NULL, 'e' },
		{ "out",            required_argument, NULL, 'o' },
		{ "verbose",        no_argument,       NULL, 'v' },
		{ "help",           no_argument,       NULL, 'h' },
		{ "max-error",      required_argument, NULL, OPT_MAX_ERROR },
		{ "rate-tolerance", required_argument, NULL, OPT_RATE_TOL },
		{ "max-lost",       required_argument, NULL, OPT_MAX_LOST },
		{ "apart",          no_argument,       NULL, OPT_APART },
		{ "quick",          no_argument,       NULL, OPT_QUICK },
		{ NULL, 0, NULL, 0 },
	};
	long v[VALIDATE_MAX_LIST];
	int c, n, have_rates = 0, have_threads = 0, have_duration = 0;
	double x;
	char *list, *save = NULL, *tok;

	o->rates[0] = 99, o->rates[1] = 999, o->nrates = 2;
	o->threads[0] = 1, o->threads[1] = 2, o->nthreads = 2;
	o->duration_s = 4;
	o->event = "cpu-clock";
	o->samplers[0] = "ref", o->samplers[1] = "ref-bpf", o->samplers[2] = "perf";
	o->nsamplers = 3;
	o->types = (1 << NWORKLOADS) - 1;
	o->alloc_rate = VALIDATE_ALLOC_RATE;
	o->out_base = "results";
	vbounds_default(&o->b);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":T:F:t:d:s:e:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o->types = 0;
			list = xstrdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				int k = 0;

				while (k < NWORKLOADS && strcmp(vworkloads[k].type, tok))
					k++;
				if (k == NWORKLOADS) {
					vusage("-T %s: unknown type '%s' (known: cpu, offcpu, lock, alloc)",
					       optarg, tok);
					free(list);
					return EXIT_USAGE;
				}
				o->types |= 1 << k;
			}
			free(list);
			if (!o->types)
				return vusage("-T %s: expected types, e.g. cpu,lock", optarg);
			break;
		case OPT_ALLOC_RATE:
			if ((n = parse_list(optarg, 1, 1 << 30, v, 1)) != 1)
				return vusage("--alloc-rate %s: expected bytes, 1 to %d", optarg, 1 << 30);
			o->alloc_rate = (uint64_t)v[0];
			break;
		case 'F':
			if ((n = parse_list(optarg, 1, 1000000, v, VALIDATE_MAX_LIST)) < 0)
				return vusage("-F %s: expected rates in Hz, e.g. 99,999", optarg);
			for (int i = 0; i < n; i++)
				o->rates[i] = (unsigned)v[i];
			o->nrates = n, have_rates = 1;
			break;
		case 't':
			if ((n = parse_list(optarg, 1, 1024, v, VALIDATE_MAX_LIST)) < 0)
				return vusage("-t %s: expected thread counts 1 to 1024, e.g. 1,2", optarg);
			for (int i = 0; i < n; i++)
				o->threads[i] = (int)v[i];
			o->nthreads = n, have_threads = 1;
			break;
		case 'd':
			if (parse_pos(optarg, 86400, &x) < 0 || x < 0.1)
				return vusage("-d %s: expected seconds, 0.1 to 86400", optarg);
			o->duration_s = x, have_duration = 1;
			break;
		case 's':
			o->nsamplers = 0;
			list = xstrdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				const struct vsampler *s = find_sampler(tok);
				int dup = 0;

				if (!s) {
					vusage("-s %s: unknown sampler '%s' (known: ref, ref-bpf, perf)", optarg,
					       tok);
					free(list);
					return EXIT_USAGE;
				}
				for (int i = 0; i < o->nsamplers; i++)
					dup |= !strcmp(o->samplers[i], s->name);
				if (!dup && o->nsamplers < VALIDATE_MAX_LIST)
					o->samplers[o->nsamplers++] = s->name;
			}
			free(list);
			if (!o->nsamplers)
				return vusage("-s %s: expected samplers, e.g. ref,ref-bpf", optarg);
			break;
		case 'e':
			o->event = optarg;
			break;
		case 'o':
			o->out_base = optarg;
			break;
		case 'v':
			tare_verbose = 1;
			break;
		case 'h':
			fputs(validate_usage_text, stdout);
			return -1;
		case OPT_MAX_ERROR:
			if (parse_pos(optarg, 100, &o->b.max_error_pp) < 0)
				return vusage("--max-error %s: expected percentage points, 0 to 100", optarg);
			break;
		case OPT_RATE_TOL:
			if (parse_pos(optarg, 100, &x) < 0)
				return vusage("--rate-tolerance %s: expected a percentage", optarg);
			o->b.rate_tolerance = x / 100;
			break;
		case OPT_MAX_LOST:
			if (parse_pos(optarg, 100, &o->b.max_lost_pct) < 0)
				return vusage("--max-lost %s: expected a percentage", optarg);
			break;
		case OPT_APART:
			o->apart = 1;
			break;
		case OPT_QUICK:
			if (!have_rates)
				o->rates[0] = 99, o->rates[1] = 999, o->nrates = 2;
			if (!have_threads)
				o->threads[0] = 1, o->nthreads = 1;
			if (!have_duration)
				o->duration_s = 2;
			break;
		case ':':
			return vusage("%s: expected a value", argv[optind - 1]);
		default:
			return vusage("%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vusage("%s: unexpected argument", argv[optind]);
	return 0;
}

/* Can this process sample a task of its own with the event?  The sampler's own sentence when
 * it cannot.  Kernel frames are optional (the sampler falls back to user frames, as perf). */
static int probe(const struct vopts *o, char *msg, size_t len)
{
	struct event_spec ev;
	struct perf_event_attr attr;
	int fd, e;

	if (perfevent_lookup(o->event, &ev, msg, len) < 0)
		return EXIT_USAGE;
	perfevent_attr(&ev, o->rates[0], 0, 0, 0, 0, &attr);
	fd = perf_event_open_fd(&attr, 0, -1, -1);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		attr.exclude_kernel = 1;
		fd = perf_event_open_fd(&attr, 0, -1, -1);
	}
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	return perf_event_why(e, ev.name, &attr, getpid(), PERF_EVENT_ERROR, msg, len);
}

static void print_verbose(const struct vcase *c)
{
	if (!tare_verbose || c->status != CASE_OK)
		return;
	for (int k = 0; k < c->nm; k++) {
		const struct vmeas *ms = &c->ms[k];

		printf("        %s%s", is_cpu(c) ? "" : ms->def->name, is_cpu(c) ? "" : ": ");
		for (int i = 0; i < ms->truth.nsites; i++)
			printf("%s%s %.1f%% (truth %.1f%%, se %.2f)", i ? ", " : "", ms->truth.site[i],
			       100 * ms->m.measured[i], 100 * ms->truth.share[i], ms->m.se_pp[i]);
		if (is_cpu(c))
			printf("; n %.0f of %.0f stacks\n", ms->m.n, ms->prof.stacks_weight);
		else
			printf("; %.4g of %.4g %s in the sites (truth %.4g)\n", ms->m.n,
			       ms->prof.stacks_weight, ms->def->unit, ms->m.total_truth);
	}
}

static volatile sig_atomic_t validate_sig;

static void on_signal(int sig)
{
	validate_sig = sig;
	tare_on_signal(sig);
}

/* Which samplers cannot run here: asked once each, before any run. */
struct vavail {
	int asked, ok;
	char why[512];
};

int validate_main(int argc, char **argv)
{
	struct vopts o = { 0 };
	struct vstate st = { .o = &o };
	struct cgroup_sys cg;
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct vavail avail[sizeof(vsamplers) / sizeof(vsamplers[0])] = { { 0 } };
	char msg[512], stamp[32], name[64];
	json_t *failed = NULL;
	int rc, nruns = 0, ngated = 0, nout = 0, nskipped = 0, need_probe = 0, printed = -1;
	size_t ncap;
	ssize_t l;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	{
		uint64_t max = perf_event_max_sample_rate();

		for (int i = 0; i < o.nrates && (o.types & 1); i++)
			if (max && o.rates[i] > max)
				return vusage("-F %u: above kernel.perf_event_max_sample_rate (%" PRIu64 ")",
					      o.rates[i], max);
	}
	l = readlink("/proc/self/exe", o.self, sizeof(o.self) - 1);
	if (l <= 0) {
		verr("cannot find this program (/proc/self/exe): %s", strerror(errno));
		return EXIT_FAIL;
	}
	o.self[l] = '\0';
	/* the table of cases: workloads x (cpu: rates x threads) x the samplers that take the
	 * workload's type; the cases of one (workload, rate, threads) are contiguous: they share a
	 * run */
	ncap = (size_t)NWORKLOADS * (size_t)(o.nrates * o.nthreads * o.nsamplers);
	st.cases = xcalloc(ncap, sizeof(*st.cases));
	for (int wi = 0; wi < NWORKLOADS; wi++) {
		const struct vworkload *w = &vworkloads[wi];
		int nr = w->threads ? 1 : o.nrates, nt = w->threads ? 1 : o.nthreads;

		if (!(o.types & (1 << wi)))
			continue;
		for (int i = 0; i < nr; i++)
			for (int k = 0; k < nt; k++)
				for (int s = 0; s < o.nsamplers; s++) {
					const struct vsampler *sp = find_sampler(o.samplers[s]);
					struct vavail *av = &avail[sp - vsamplers];
					struct vcase *c = &st.cases[st.ncases];

					if (!takes_type(sp, w->type))
						continue;
					*c = (struct vcase){ .sampler = sp, .w = w,
							     .hz = w->threads ? 0 : o.rates[i],
							     .threads = w->threads ? w->threads : o.threads[k],
							     .duration_s = o.duration_s, .nm = w->nmeasures,
							     .calls_truth = NAN, .bytes_truth = NAN };
					for (int m = 0; m < w->nmeasures; m++)
						c->ms[m].def = &w->measures[m];
					if (!av->asked) {
						av->asked = 1;
						av->ok = sp->available(&o, av->why, sizeof(av->why)) == 0;
					}
					if (!av->ok) {
						c->status = CASE_SKIPPED;
						snprintf(c->reason, sizeof(c->reason), "%s", av->why);
					}
					need_probe |= !strcmp(w->type, "cpu") && strcmp(sp->name, "ref-bpf");
					ngated += sp->gating;
					nskipped += sp->gating && !av->ok;
					st.ncases++;
				}
	}
	/* the workloads of the cases */
	for (int k = 0; k < NWORKLOADS; k++) {
		char *bin;
		int used = 0;

		for (int i = 0; i < st.ncases && !used; i++)
			used = st.cases[i].w == &vworkloads[k];
		if (!used)
			continue;
		bin = xasprintf("%s/workloads/%s", tare_build_dir(), vworkloads[k].name);
		if (access(bin, X_OK) != 0) {
			verr("%s is not built: run make", bin);
			free(bin);
			rc = EXIT_CANNOT;
			goto out;
		}
		free(bin);
	}
	if (need_probe) {
		rc = probe(&o, msg, sizeof(msg));
		if (rc) {
			if (rc == EXIT_USAGE)
				rc = vusage("%s", msg);
			else
				verr("%s", msg);
			goto out;
		}
	}
	if (!ngated || nskipped == ngated) {
		/* nothing that decides the verdict can run: say why, as ref would */
		for (size_t k = 0; k < sizeof(vsamplers) / sizeof(vsamplers[0]); k++)
			if (avail[k].asked && !avail[k].ok && vsamplers[k].gating) {
				verr("%s: %s", vsamplers[k].name, avail[k].why);
				rc = EXIT_CANNOT;
				goto out;
			}
		verr("no case to run: -T and -s select no sampler that takes the types (ref: cpu; "
		     "ref-bpf: cpu, offcpu, lock, alloc)");
		rc = EXIT_USAGE;
		goto out;
	}

	/* results/<stamp>-validate/ */
	utc_now(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ");
	utc_now(st.started_utc, sizeof(st.started_utc), "%Y-%m-%dT%H:%M:%SZ");
	snprintf(name, sizeof(name), "%s-validate", stamp);
	snprintf(st.rel, sizeof(st.rel), "%s/%s", o.out_base, name);
	for (int i = 2; path_exists(st.rel) && i < 1000; i++)
		snprintf(st.rel, sizeof(st.rel), "%s/%s-%d", o.out_base, name, i);
	if (st.rel[0] == '/' || !getcwd(st.dir, sizeof(st.dir)) ||
	    strlen(st.dir) + strlen(st.rel) + 2 > sizeof(st.dir))
		snprintf(st.dir, sizeof(st.dir), "%s", st.rel);
	else
		strcat(strcat(st.dir, "/"), st.rel);
	if (mkdir_p(st.dir, 0755) < 0) {
		verr("cannot create %s: %s", st.rel, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	{
		size_t len = 16;

		for (int i = 0; i < argc; i++)
			len += strlen(argv[i]) + 1;
		st.command_line = xmalloc(len);
		strcpy(st.command_line, "tare");
		for (int i = 0; i < argc; i++)
			strcat(strcat(st.command_line, " "), argv[i]);
	}
	{
		char warning[512], err[512];
		int rc2 = sweep_begin(warning, sizeof(warning), err, sizeof(err));
		if (rc2) {
			tare_err("validate: %s", err);
			rc = rc2;
			goto out;
		}
		if (warning[0])
			tare_warn("%s", warning);
	}
	cgroup_init(&cg);
	st.environment = env_capture(&cg);

	for (int k = 0; k < NWORKLOADS; k++)
		if (o.types & (1 << k))
			printf("tare validate: workload %s (%s: %s), truth = its own report\n",
			       vworkloads[k].name, vworkloads[k].type, vworkloads[k].describe);
	printf("tare validate: %g s a run", o.duration_s);
	if (o.types & 1)
		printf("; cpu: %d rate%s x %d thread count%s", o.nrates, o.nrates == 1 ? "" : "s",
		       o.nthreads, o.nthreads == 1 ? "" : "s");
	if (o.types & ~1)
		printf("; offcpu, lock, alloc: %d threads", VALIDATE_OTHER_THREADS);
	if (o.types & (1 << 3))
		printf(", a sample every %" PRIu64 " bytes", o.alloc_rate);
	printf("; %s\n", o.apart || o.nsamplers == 1 ? "each sampler on its own run" :
	       "the samplers of one workload, rate and thread count share a run");
	for (size_t k = 0; k < sizeof(vsamplers) / sizeof(vsamplers[0]); k++)
		if (avail[k].asked && !avail[k].ok)
			printf("tare validate: %s is skipped: %s\n", vsamplers[k].name, avail[k].why);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = 0;
	for (int i = 0; i < st.ncases && !rc; ) {
		struct vcase *group[VALIDATE_MAX_LIST];
		int n = 0, j = i;

		if (tare_interrupted) {
			rc = 130;
			break;
		}

		/* the pending cases of one workload, rate and thread count: one run, or one each
		 * (--apart) */
		for (; j < st.ncases && st.cases[j].w == st.cases[i].w &&
		       st.cases[j].hz == st.cases[i].hz && st.cases[j].threads == st.cases[i].threads; j++)
			if (st.cases[j].status == CASE_PENDING && n < VALIDATE_MAX_LIST)
				group[n++] = &st.cases[j];
		if (o.apart)
			for (int k = 0; k < n && !rc; k++)
				rc = do_run(&st, &group[k], 1, nruns++);
		else if (n)
			rc = do_run(&st, group, n, nruns++);
		for (int k = i; k < j; k++) {
			if (st.cases[k].status == CASE_PENDING)
				continue;
			if (printed != is_cpu(&st.cases[k])) {
				printed = is_cpu(&st.cases[k]);
				print_header(printed);
			}
			print_case(&st.cases[k]);
			print_verbose(&st.cases[k]);
		}
		fflush(stdout);
		i = j;
		write_json(&st, "running", NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc == 130) {
		write_json(&st, "interrupted", NULL);
		verr("interrupted; the finished cases are in %s/validation.json", st.rel);
		goto out;
	}
	if (rc == EXIT_CANNOT) {
		write_json(&st, "cannot", NULL);
		goto out;
	}

	failed = json_array();
	nskipped = 0;
	for (int i = 0; i < st.ncases; i++) {
		struct vcase *c = &st.cases[i];
		char cn[128];

		if (!c->sampler->gating)
			continue;
		if (c->status == CASE_SKIPPED) {
			nskipped++;	/* said above, and in validation.json: not a verdict */
			continue;
		}
		if (c->status == CASE_OK && c->within)
			continue;
		nout++;
		json_array_append_new(failed, json_sprintf("%s: %s", case_name(c, cn, sizeof(cn)),
			c->status == CASE_OK ? c->out_of_bounds : c->reason));
	}
	write_json(&st, nout ? "fail" : "pass", failed);
	printf("results: %s/validation.json\n", st.rel);
	if (nout) {
		for (size_t i = 0; i < json_array_size(failed); i++)
			printf("tare validate: out of bounds: %s\n",
			       json_string_value(json_array_get(failed, i)));
		printf("tare validate: %d of %d gated case%s out of bounds\n", nout, ngated - nskipped,
		       ngated - nskipped == 1 ? "" : "s");
		rc = EXIT_FAIL;
	} else {
		printf("tare validate: every gated case within its bounds (%d case%s of ref and ref-bpf%s; "
		       "perf is shown beside them, not gated)\n", ngated - nskipped,
		       ngated - nskipped == 1 ? "" : "s", nskipped ? ", the skipped ones aside" : "");
		rc = 0;
	}
out:
	for (int i = 0; i < st.ncases; i++)
		json_decref(st.cases[i].sampler_report);
	json_decref(failed);
	json_decref(st.environment);
	free(st.command_line);
	free(st.cases);
	return rc;
}
