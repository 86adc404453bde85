/* validate.c — `tare validate`: the reference sampler against workloads with a known profile,
 * with `perf record` beside it (docs/validate.md).
 *
 * For each rate and thread count the workload is forked, held at a gate, every sampler is
 * attached to its PID in its own process (`tare sample -p` through /proc/self/exe, `perf record
 * -p`), and the gate opens; the samplers stop by themselves when the workload exits.  The
 * workload's CPU time comes from wait4 (the kernel's, in ns behind the timeval), so the
 * effective rate of every sampler has one denominator that no sampler reports about itself.
 * The truth is the workload's own JSON line; each sampler's stacks are reduced to the share of
 * samples in each truth site, and held against it with the binomial bound for that many samples.
 *
 * Generic over (sampler, type, workload, truth): a workload says how to run it, which type of
 * profile its truth is for, and how to read the truth; a sampler says which types it takes, how
 * to start it against a PID and how to read back its stacks.  cpu is the one type implemented;
 * issue 8's eBPF variant and off-cpu/lock/alloc types add rows to the two tables below.
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

#include "cgroup.h"
#include "env.h"
#include "perfevent.h"
#include "proc.h"
#include "util.h"

#define VALIDATE_MAX_LIST	16
#define VALIDATE_READY_S	15.0	/* a sampler not ready by then has failed */
#define VALIDATE_WORKLOAD_SLACK_S 60.0	/* past its duration before the workload is killed */
#define VALIDATE_STOP_S		30.0	/* for a sampler to stop by itself after the workload */

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

void validate_metrics(const struct vtruth *t, const struct vprofile *p, struct vmetrics *m)
{
	double largest = -1, tv = 0;

	memset(m, 0, sizeof(*m));
	m->n = p->in_sites;
	m->worst_site = -1;
	for (int i = 0; i < t->nsites; i++) {
		double want = t->share[i], got = m->n > 0 ? p->site_weight[i] / m->n : 0;
		double err = fabs(got - want), se = m->n > 0 ? sqrt(want * (1 - want) / m->n) : NAN;

		m->measured[i] = got;
		tv += err;
		if (100 * err > m->max_error_pp || m->worst_site < 0) {
			m->max_error_pp = 100 * err;
			m->worst_site = i;
		}
		if (want > largest) {
			largest = want;
			m->binomial_se_pp = 100 * se;
		}
		if (100 * se > m->se_max_pp)
			m->se_max_pp = 100 * se;
	}
	m->tvd = tv / 2;
	m->expected_tvd = validate_expected_tvd(t->share, t->nsites, m->n);
	m->reached_main = p->stacks_weight > 0 ? p->reached_root / p->stacks_weight : 0;
	m->symbolized = p->frames > 0 ? p->frames_symbolized / p->frames : 0;
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

/* ---------------------------------------------------------------------------------------- */
/* Workloads: how to run one and read its truth.                                              */

struct vopts;

struct vworkload {
	const char *name;         /* build/workloads/<name> */
	const char *type;         /* the profile type its truth is for */
	const char *describe;
	/* argv (malloc'd strings, NULL-terminated) for threads and a duration */
	char **(*argv)(const char *bin, int threads, double duration_s);
	int (*truth)(const char *text, struct vtruth *t, char *err, size_t errlen);
};

static char **cpu_argv(const char *bin, int threads, double duration_s)
{
	char **v = xcalloc(6, sizeof(char *));

	v[0] = xstrdup(bin);
	v[1] = xstrdup("--threads");
	v[2] = xasprintf("%d", threads);
	v[3] = xstrdup("--duration");
	v[4] = xasprintf("%g", duration_s);
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

int validate_cpu_truth(const char *text, struct vtruth *t, char *err, size_t errlen)
{
	const char *line = text, *next;
	json_t *doc = NULL;
	char nominal[VALIDATE_MAX_SITES][VALIDATE_NAME_MAX];
	int nn = 0, rc = -1;
	double sum = 0;

	memset(t, 0, sizeof(*t));
	/* the last line that parses as a JSON object: the workload prints nothing else, but be
	 * tolerant of a line of chatter before it */
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
	if (!doc) {
		snprintf(err, errlen, "the workload printed no JSON line with its truth");
		return -1;
	}
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

static const struct vworkload vworkloads[] = {
	{ "cpu", "cpu", "CPU split 70/20/10 across cpu_hot, cpu_warm, cpu_cold", cpu_argv,
	  validate_cpu_truth },
};

/* ---------------------------------------------------------------------------------------- */
/* Cases, runs and samplers.                                                                  */

enum case_status { CASE_PENDING, CASE_OK, CASE_SKIPPED, CASE_FAILED };

struct vcase {
	const struct vsampler *sampler;
	const struct vworkload *w;
	unsigned hz;
	int threads;
	double duration_s;
	int run;                  /* index of the workload run it sampled */
	char dir[PATH_MAX];       /* the run's directory, relative to the results directory */
	enum case_status status;
	char reason[1200];
	struct vtruth truth;
	struct vprofile prof;
	struct vmetrics m;
	uint64_t workload_cpu_ns;
	double effective_hz;
	uint64_t sampler_cpu_ns, sampler_rss_bytes, post_cpu_ns;
	json_t *sampler_report;   /* what the sampler said about itself, when it says it */
	int within;
	char out_of_bounds[1024];
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
	/* 0, or -1 with why it cannot run here (a missing tool) */
	int (*available)(char *why, size_t len);
	/* Start against r->wl.pid and return once it samples.  0; -1 with a sentence in err and
	 * *code EXIT_CANNOT when it cannot sample here. */
	int (*start)(struct vslot *s, struct vrun *r, char *err, size_t len, int *code);
	/* After it has exited: read its stacks and counts into s->c->prof.  0, or -1 (err). */
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

/* The last non-empty line of a log, without a "tare sample: " prefix: what went wrong. */
static void last_line(const char *path, char *out, size_t len)
{
	char *s = read_file(path, NULL), *end, *start;

	out[0] = '\0';
	if (!s)
		return;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(s, '\n');
	start = start ? start + 1 : s;
	if (!strncmp(start, "tare sample: ", 13))
		start += 13;
	snprintf(out, len, "%s", start);
	free(s);
}

static int file_has(const char *path, const char *text)
{
	char *s = read_file(path, NULL);
	int yes = s && strstr(s, text);

	free(s);
	return yes;
}

static uint64_t ru_cpu_ns(const struct rusage *ru)
{
	return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) * 1000ull;
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

/* ---- ref: `tare sample -p PID` in its own process ---- */

static int ref_available(char *why, size_t len)
{
	(void)why, (void)len;
	return 0;	/* it is this program; whether it may sample is probed before any run */
}

static int ref_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], *pb = xasprintf("%s/ref.pb.gz", r->dir);
	char *folded = xasprintf("%s/ref.folded", r->dir), *stats = xasprintf("%s/ref.json", r->dir);
	char *out = xasprintf("%s/ref.out", r->dir), *errp = xasprintf("%s/ref.err", r->dir);
	char *argv[] = { (char *)r->o->self, "sample", "-F", hz, "-e", (char *)r->o->event, "-p", pid,
			 "-o", pb, "--folded", folded, "--stats", stats, NULL };
	uint64_t t0 = now_ns();
	int rc = -1;

	snprintf(hz, sizeof(hz), "%u", r->hz);
	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	*code = EXIT_FAIL;
	if (spawn(&s->ch, argv, out, errp, err, len) < 0 ||
	    child_release(&s->ch, "tare sample", err, len) < 0)
		goto out;
	s->started = 1;
	for (;;) {
		int w;

		if (file_has(errp, "tare-sample: ready")) {
			rc = 0;
			break;
		}
		w = wait_exit(&s->ch, 0.005);
		if (w == 1) {
			char line[400];

			last_line(errp, line, sizeof(line));
			if (WIFEXITED(s->ch.status) && WEXITSTATUS(s->ch.status) == EXIT_CANNOT)
				*code = EXIT_CANNOT;
			snprintf(err, len, "%s", line[0] ? line : "tare sample exited before it was ready");
			break;
		}
		if (w == -2) {
			snprintf(err, len, "interrupted");
			break;
		}
		if (now_ns() - t0 > (uint64_t)(VALIDATE_READY_S * 1e9)) {
			snprintf(err, len, "tare sample not ready after %.0f s (see %s)", VALIDATE_READY_S,
				 errp);
			break;
		}
	}
out:
	free(pb), free(folded), free(stats), free(out), free(errp);
	return rc;
}

static uint64_t json_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) :
	       json_is_real(v) ? (uint64_t)json_real_value(v) : 0;
}

static int ref_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	struct vcase *c = s->c;
	char *folded = xasprintf("%s/ref.folded", r->dir), *stats = xasprintf("%s/ref.json", r->dir);
	FILE *f = fopen(folded, "re");
	json_error_t je;
	int rc = -1;

	if (!f) {
		snprintf(err, len, "tare sample wrote no folded stacks (%s: %s)", folded, strerror(errno));
		goto out;
	}
	rc = vprofile_read_folded(f, &c->truth, &c->prof, err, len);
	fclose(f);
	if (rc < 0)
		goto out;
	c->sampler_report = json_load_file(stats, 0, &je);
	if (!json_is_object(c->sampler_report)) {
		snprintf(err, len, "tare sample wrote no figures (%s: %s)", stats, je.text);
		rc = -1;
		goto out;
	}
	c->prof.samples = json_u64(c->sampler_report, "samples");
	c->prof.lost = json_u64(c->sampler_report, "lost");
	c->prof.throttled = json_u64(c->sampler_report, "throttled");
	c->prof.dropped = json_u64(c->sampler_report, "dropped");
out:
	free(folded), free(stats);
	return rc;
}

/* ---- perf: `perf record -g -p PID`, read back through `perf script` ---- */

static int perf_available(char *why, size_t len)
{
	char *perf = which("perf");

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

			last_line(errp, line, sizeof(line));
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
	*cpu_ns += ru_cpu_ns(&ru);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char line[400];

		last_line(errpath, line, sizeof(line));
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
			c->prof.throttled = strtoull(p + 16, NULL, 10);
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
	rc = vprofile_read_perf_script(f, &s->c->truth, &s->c->prof, err, len);
	if (reader_wait(pid, f, "perf script", errp, &s->c->post_cpu_ns, err, len) < 0 ||
	    perf_throttled(data, errp, s->c, err, len) < 0)
		rc = -1;
out:
	free(data), free(errp);
	return rc;
}

static const struct vsampler vsamplers[] = {
	{ "ref", "cpu", 1, ref_available, ref_start, ref_collect },
	{ "perf", "cpu", 0, perf_available, perf_start, perf_collect },
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

static void judge(const struct vopts *o, struct vcase *c)
{
	const struct vbounds *b = &o->b;
	const struct vmetrics *m = &c->m;
	double eb = vbounds_error_pp(b, m), tb = vbounds_tvd(b, m), ratio = c->effective_hz / c->hz;
	double smallest = 1, lost = pct_of(c->prof.lost, c->prof.samples + c->prof.lost);
	double dropped = pct_of(c->prof.dropped, c->prof.samples);
	size_t off = 0;

#define OUT(...) (off += (size_t)snprintf(c->out_of_bounds + off, \
		  off < sizeof(c->out_of_bounds) ? sizeof(c->out_of_bounds) - off : 0, \
		  "%s", off ? "; " : ""), \
		  off += (size_t)snprintf(c->out_of_bounds + off, \
		  off < sizeof(c->out_of_bounds) ? sizeof(c->out_of_bounds) - off : 0, __VA_ARGS__))
	for (int i = 0; i < c->truth.nsites; i++)
		if (c->truth.share[i] > 0 && c->truth.share[i] < smallest)
			smallest = c->truth.share[i];
	if (m->n * smallest < b->min_site_samples)
		OUT("too few samples for the statistics: %.0f in the sites, %.1f expected in the "
		    "smallest (%.1f%%), want %.0f — sample longer", m->n, m->n * smallest,
		    100 * smallest, b->min_site_samples);
	if (m->max_error_pp > eb && m->worst_site >= 0)
		OUT("attribution error %.2f pt > %.2f (%s %.1f%% vs truth %.1f%%)", m->max_error_pp, eb,
		    c->truth.site[m->worst_site], 100 * m->measured[m->worst_site],
		    100 * c->truth.share[m->worst_site]);
	if (m->tvd > tb)
		OUT("TVD %.2f pt > %.2f", 100 * m->tvd, 100 * tb);
	if (!(fabs(ratio - 1) <= b->rate_tolerance))
		OUT("effective rate %.1f Hz is %.1f%% of the requested %u (bound ±%.0f%%)",
		    c->effective_hz, 100 * ratio, c->hz, 100 * b->rate_tolerance);
	if (lost > b->max_lost_pct)
		OUT("lost %.2f%% of samples (%" PRIu64 ") > %.2f%%", lost, c->prof.lost, b->max_lost_pct);
	if (dropped > b->max_lost_pct)
		OUT("dropped %.2f%% of samples (%" PRIu64 ", stack table full) > %.2f%%", dropped,
		    c->prof.dropped, b->max_lost_pct);
	if (m->reached_main < b->min_reached_main)
		OUT("%.1f%% of stacks reach main (want %.0f%%)", 100 * m->reached_main,
		    100 * b->min_reached_main);
	if (m->symbolized < b->min_symbolized)
		OUT("%.1f%% of frames symbolized (want %.0f%%)", 100 * m->symbolized,
		    100 * b->min_symbolized);
#undef OUT
	c->within = off == 0;
}

static const char *case_name(const struct vcase *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s %s %u Hz x%d", c->sampler->name, c->w->type, c->w->name, c->hz,
		 c->threads);
	return buf;
}

static void print_header(void)
{
	printf("%-7s %-4s %-8s %5s %3s %8s  %-18s %6s %7s  %-15s  %-15s %6s %6s\n", "sampler",
	       "type", "workload", "hz", "thr", "samples", "effective rate", "lost", "thrott.",
	       "max error (se)", "TVD (expected)", "main", "symb.");
}

static void print_case(const struct vcase *c)
{
	const struct vmetrics *m = &c->m;

	printf("%-7s %-4s %-8s %5u %3d ", c->sampler->name, c->w->type, c->w->name, c->hz, c->threads);
	if (c->status != CASE_OK) {
		printf("%8s  %s: %s\n", "-", c->status == CASE_SKIPPED ? "skipped" : "failed", c->reason);
		return;
	}
	printf("%8" PRIu64 "  %7.1f Hz %6.1f%% %5.2f%% %6.2f%%  %5.2f pt (%4.2f)  %5.2f pt (%4.2f)"
	       " %5.1f%% %5.1f%%  %s%s%s\n", c->prof.samples, c->effective_hz,
	       100 * c->effective_hz / c->hz, pct_of(c->prof.lost, c->prof.samples + c->prof.lost),
	       pct_of(c->prof.throttled, c->prof.samples), m->max_error_pp, m->binomial_se_pp,
	       100 * m->tvd, 100 * m->expected_tvd, 100 * m->reached_main, 100 * m->symbolized,
	       c->within ? "ok" : "OUT: ", c->within ? "" : c->out_of_bounds,
	       c->sampler->gating ? "" : " (not gated)");
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

static json_t *case_json(const struct vopts *o, const struct vcase *c)
{
	json_t *j = json_object(), *b;
	const struct vmetrics *m = &c->m;
	static const char *const status[] = { "pending", "ok", "skipped", "failed" };

	json_object_set_new(j, "sampler", json_string(c->sampler->name));
	json_object_set_new(j, "type", json_string(c->w->type));
	json_object_set_new(j, "workload", json_string(c->w->name));
	json_object_set_new(j, "hz", json_integer(c->hz));
	json_object_set_new(j, "requested_hz", json_integer(c->hz));
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
	json_object_set_new(j, "samples", json_integer((json_int_t)c->prof.samples));
	json_object_set_new(j, "samples_in_sites", json_real(m->n));
	json_object_set_new(j, "lost", json_integer((json_int_t)c->prof.lost));
	json_object_set_new(j, "lost_pct",
			    json_real(pct_of(c->prof.lost, c->prof.samples + c->prof.lost)));
	json_object_set_new(j, "throttled", json_integer((json_int_t)c->prof.throttled));
	json_object_set_new(j, "throttled_pct", json_real(pct_of(c->prof.throttled, c->prof.samples)));
	json_object_set_new(j, "dropped", json_integer((json_int_t)c->prof.dropped));
	json_object_set_new(j, "workload_cpu_s", json_real((double)c->workload_cpu_ns / 1e9));
	json_object_set_new(j, "effective_rate_hz", jnum(c->effective_hz));
	json_object_set_new(j, "rate_ratio", jnum(c->effective_hz / c->hz));
	json_object_set_new(j, "attribution_error_max_pp", jnum(m->max_error_pp));
	json_object_set_new(j, "worst_site", m->worst_site >= 0 ?
			    json_string(c->truth.site[m->worst_site]) : json_null());
	json_object_set_new(j, "tvd", jnum(m->tvd));
	json_object_set_new(j, "binomial_se_pp", jnum(m->binomial_se_pp));
	json_object_set_new(j, "binomial_se_max_pp", jnum(m->se_max_pp));
	json_object_set_new(j, "expected_tvd", jnum(m->expected_tvd));
	json_object_set_new(j, "reached_main", jnum(m->reached_main));
	json_object_set_new(j, "symbolized", jnum(m->symbolized));
	json_object_set_new(j, "truth", dist_json(&c->truth, c->truth.share));
	json_object_set_new(j, "nominal", dist_json(&c->truth, c->truth.nominal));
	json_object_set_new(j, "measured", dist_json(&c->truth, m->measured));
	b = json_object();
	json_object_set_new(b, "attribution_error_max_pp", jnum(vbounds_error_pp(&o->b, m)));
	json_object_set_new(b, "tvd", jnum(vbounds_tvd(&o->b, m)));
	json_object_set_new(b, "rate_ratio_min", json_real(1 - o->b.rate_tolerance));
	json_object_set_new(b, "rate_ratio_max", json_real(1 + o->b.rate_tolerance));
	json_object_set_new(b, "lost_pct_max", json_real(o->b.max_lost_pct));
	json_object_set_new(b, "reached_main_min", json_real(o->b.min_reached_main));
	json_object_set_new(b, "symbolized_min", json_real(o->b.min_symbolized));
	json_object_set_new(j, "bounds", b);
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
	double timeout;

	for (int i = 0; i < n; i++) {
		slots[i] = (struct vslot){ .c = cs[i], .ctl_fd = -1, .ack_fd = -1 };
		slots[i].ch.pidfd = slots[i].ch.gate_fd = slots[i].ch.err_fd = -1;
	}
	snprintf(rel, sizeof(rel), "runs/%02d-%s-%uhz-%dt%s%s", index + 1, r.w->name, r.hz, r.threads,
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
		if (code == EXIT_CANNOT && cs[i]->sampler->gating) {
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
		last_line(errp, line, sizeof(line));
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
		c->workload_cpu_ns = ru_cpu_ns(&r.wl.ru);
		c->sampler_cpu_ns = ru_cpu_ns(&slots[i].ch.ru);
		c->sampler_rss_bytes = (uint64_t)slots[i].ch.ru.ru_maxrss * 1024;
		if (!(WIFEXITED(slots[i].ch.status) && WEXITSTATUS(slots[i].ch.status) == 0)) {
			char how[128];

			describe_status(slots[i].ch.status, how, sizeof(how));
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s %s", c->sampler->name, how);
			continue;
		}
		if (r.w->truth(text ? text : "", &c->truth, err, sizeof(err)) < 0) {
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s (%s)", err, out);
			continue;
		}
		if (c->sampler->collect(&slots[i], &r, err, sizeof(err)) < 0) {
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s", err);
			continue;
		}
		validate_metrics(&c->truth, &c->prof, &c->m);
		c->effective_hz = c->workload_cpu_ns ?
				  (double)c->prof.samples / ((double)c->workload_cpu_ns / 1e9) : 0;
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
	"usage: tare validate [-F HZ,...] [-t THREADS,...] [-d SECONDS] [-s SAMPLERS] [-e EVENT]\n"
	"                     [--max-error POINTS] [--rate-tolerance PCT] [--max-lost PCT]\n"
	"                     [--apart] [--quick] [-o DIR] [-v]\n"
	"\n"
	"Hold the reference sampler against the cpu workload, whose profile is known, and\n"
	"perf record beside it.  One line per case: effective rate vs requested, lost and\n"
	"throttled, attribution error (max points and TVD) beside the binomial standard\n"
	"error for that many samples, stacks reaching main, frames symbolized.\n"
	"\n"
	"  -F, --rates HZ,...        sampling rates (default 99,999)\n"
	"  -t, --threads N,...       workload threads (default 1,2)\n"
	"  -d, --duration SECONDS    per workload run (default 5)\n"
	"  -s, --samplers LIST       ref,perf (default); perf is skipped, saying why, where it\n"
	"                            cannot run; only ref's cases decide the exit code\n"
	"  -e, --event EVENT         cpu-clock (default), task-clock; cycles with a PMU\n"
	"      --max-error POINTS    a fixed bound on the attribution error instead of the\n"
	"                            statistical one (4 x binomial SE + 1 point)\n"
	"      --rate-tolerance PCT  effective rate within this of the requested (default 5)\n"
	"      --max-lost PCT        lost (and dropped) samples allowed (default 0)\n"
	"      --apart               each sampler on its own run of the workload (default: the\n"
	"                            samplers of a rate and thread count share one run)\n"
	"      --quick               -F 99,999 -t 1 -d 2: a smoke check\n"
	"  -o, --out DIR             results under DIR/<UTC stamp>-validate/ (default results)\n"
	"  -v, --verbose             the measured split of each case\n"
	"\n"
	"Writes validation.json (a table of cases) and each run's profiles and logs.\n"
	"Exit: 0 every ref case within its bounds, 1 one is out (said which), 2 usage,\n"
	"3 the sampler cannot run here (perf_event denied, no PMU), 130 interrupted.\n";

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
	enum { OPT_MAX_ERROR = 256, OPT_RATE_TOL, OPT_MAX_LOST, OPT_APART, OPT_QUICK };
	static const struct option opts[] = {
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
	o->duration_s = 5;
	o->event = "cpu-clock";
	o->samplers[0] = "ref", o->samplers[1] = "perf", o->nsamplers = 2;
	o->out_base = "results";
	vbounds_default(&o->b);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":F:t:d:s:e:o:vh", opts, NULL)) != -1) {
		switch (c) {
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
					vusage("-s %s: unknown sampler '%s' (known: ref, perf)", optarg, tok);
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
				return vusage("-s %s: expected samplers, e.g. ref,perf", optarg);
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
	fd = perfevent_open(&attr, 0, -1);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		attr.exclude_kernel = 1;
		fd = perfevent_open(&attr, 0, -1);
	}
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	return perfevent_open_error(&ev, e, EVENT_TARGET_TASK, getpid(), msg, len);
}

static void print_verbose(const struct vcase *c)
{
	if (!tare_verbose || c->status != CASE_OK)
		return;
	printf("        ");
	for (int i = 0; i < c->truth.nsites; i++)
		printf("%s%s %.1f%% (truth %.1f%%)", i ? ", " : "", c->truth.site[i],
		       100 * c->m.measured[i], 100 * c->truth.share[i]);
	printf("; n %.0f of %.0f stacks\n", c->m.n, c->prof.stacks_weight);
}

static volatile sig_atomic_t validate_sig;

static void on_signal(int sig)
{
	validate_sig = sig;
	tare_interrupted = 1;
}

int validate_main(int argc, char **argv)
{
	struct vopts o = { 0 };
	struct vstate st = { .o = &o };
	struct cgroup_sys cg;
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	enum { NWORKLOADS = sizeof(vworkloads) / sizeof(vworkloads[0]) };
	char msg[512], stamp[32], name[64];
	json_t *failed = json_array();
	int rc, nruns = 0, ngated = 0, nout = 0;
	ssize_t l;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	{
		uint64_t max = perfevent_max_sample_rate();

		for (int i = 0; i < o.nrates; i++)
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
	for (size_t k = 0; k < NWORKLOADS; k++) {
		char *bin = xasprintf("%s/workloads/%s", tare_build_dir(), vworkloads[k].name);
		int ok = access(bin, X_OK) == 0;

		if (!ok)
			verr("%s is not built: run make", bin);
		free(bin);
		if (!ok)
			return EXIT_CANNOT;
	}
	rc = probe(&o, msg, sizeof(msg));
	if (rc) {
		if (rc == EXIT_USAGE)
			return vusage("%s", msg);
		verr("%s", msg);
		return rc;
	}

	/* the table of cases: workloads x rates x threads x the samplers that take the workload's
	 * type; the cases of one (workload, rate, threads) are contiguous: they share a run */
	st.cases = xcalloc(NWORKLOADS * (size_t)(o.nrates * o.nthreads * o.nsamplers), sizeof(*st.cases));
	for (size_t wi = 0; wi < NWORKLOADS; wi++)
		for (int i = 0; i < o.nrates; i++)
			for (int k = 0; k < o.nthreads; k++)
				for (int s = 0; s < o.nsamplers; s++) {
					const struct vsampler *sp = find_sampler(o.samplers[s]);
					const struct vworkload *w = &vworkloads[wi];
					struct vcase *c = &st.cases[st.ncases];

					if (!takes_type(sp, w->type))
						continue;
					*c = (struct vcase){ .sampler = sp, .w = w, .hz = o.rates[i],
							     .threads = o.threads[k],
							     .duration_s = o.duration_s };
					if (sp->available(msg, sizeof(msg)) < 0) {
						c->status = CASE_SKIPPED;
						snprintf(c->reason, sizeof(c->reason), "%s", msg);
					}
					ngated += sp->gating;
					st.ncases++;
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
	cgroup_init(&cg);
	st.environment = env_capture(&cg);

	for (size_t k = 0; k < NWORKLOADS; k++)
		printf("tare validate: workload %s (%s: %s), truth = its own report\n",
		       vworkloads[k].name, vworkloads[k].type, vworkloads[k].describe);
	printf("tare validate: %d rate%s x %d thread count%s, %g s a run; %s\n", o.nrates,
	       o.nrates == 1 ? "" : "s", o.nthreads, o.nthreads == 1 ? "" : "s", o.duration_s,
	       o.apart || o.nsamplers == 1 ? "each sampler on its own run" :
	       "the samplers of one workload, rate and thread count share a run");
	print_header();

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

		/* the pending cases of one rate and thread count: one run, or one each (--apart) */
		for (; j < st.ncases && st.cases[j].w == st.cases[i].w &&
		       st.cases[j].hz == st.cases[i].hz && st.cases[j].threads == st.cases[i].threads; j++)
			if (st.cases[j].status == CASE_PENDING)
				group[n++] = &st.cases[j];
		if (o.apart)
			for (int k = 0; k < n && !rc; k++)
				rc = do_run(&st, &group[k], 1, nruns++);
		else if (n)
			rc = do_run(&st, group, n, nruns++);
		for (int k = i; k < j; k++) {
			if (st.cases[k].status == CASE_PENDING)
				continue;
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

	for (int i = 0; i < st.ncases; i++) {
		struct vcase *c = &st.cases[i];
		char cn[128];

		if (!c->sampler->gating)
			continue;
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
		printf("tare validate: %d of %d ref case%s out of bounds\n", nout, ngated,
		       ngated == 1 ? "" : "s");
		rc = EXIT_FAIL;
	} else {
		printf("tare validate: every ref case within its bounds (%d case%s; perf is shown beside "
		       "it, not gated)\n", ngated, ngated == 1 ? "" : "s");
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
