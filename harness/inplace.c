/* inplace.c — a service measured where it runs: checks before the run, metrics at window edges
 * (inplace.h, docs/inplace.md). */
#include "inplace.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "window_latency.h"

int service_metrics_open(const struct workload *wl, struct service_metrics *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	if (prom_url_parse(wl->metrics_url, &m->url, err, errlen) < 0)
		return -1;
	if (wl->metrics_units) {
		if (prom_selector_parse(wl->metrics_units, &m->units, err, errlen) < 0)
			return -1;
		m->has_units = 1;
	}
	if (wl->metrics_latency) {
		if (prom_selector_parse(wl->metrics_latency, &m->latency, err, errlen) < 0) {
			service_metrics_close(m);
			return -1;
		}
		m->has_latency = 1;
	}
	return 0;
}

void service_metrics_close(struct service_metrics *m)
{
	if (m->has_units)
		prom_selector_free(&m->units);
	if (m->has_latency)
		prom_selector_free(&m->latency);
	m->has_units = m->has_latency = 0;
}

int service_metrics_read(const struct service_metrics *m, struct metrics_snap *s, char *err, size_t errlen)
{
	char *body = NULL;
	memset(s, 0, sizeof(*s));
	if (prom_scrape(&m->url, METRICS_TIMEOUT_S, &body, err, errlen) < 0)
		return -1;
	if (m->has_units && prom_counter(body, &m->units, &s->units, err, errlen) < 0) {
		free(body);
		return -1;
	}
	if (m->has_latency && prom_histogram(body, &m->latency, &s->hist, err, errlen) < 0) {
		free(body);
		return -1;
	}
	free(body);
	s->ok = 1;
	return 0;
}

void metrics_snap_free(struct metrics_snap *s)
{
	if (s->ok)
		prom_hist_free(&s->hist);
	s->ok = 0;
}

int service_metrics_window(const struct service_metrics *m, const struct metrics_snap *a, const struct metrics_snap *b,
			   uint64_t *units, struct prom_hist *lat)
{
	memset(lat, 0, sizeof(*lat));
	if (!a->ok || !b->ok)
		return -1;
	if (m->has_units) {
		double d;
		if (prom_counter_delta(a->units, b->units, &d) != 0)
			return -1;
		*units = (uint64_t)llround(d);
	}
	if (m->has_latency) {
		char err[256];
		if (prom_hist_delta(&a->hist, &b->hist, lat, err, sizeof(err)) != 0)
			return -1;
	}
	return 0;
}

/* Histogram increases merged by arm, for window_latency_group. */
struct prom_dist {
	const struct prom_hist *lat;
	struct prom_hist acc[2];
};

static int prom_add(void *ctx, int i, int arm, char *err, size_t errlen)
{
	struct prom_dist *pd = ctx;
	const struct prom_hist *h = &pd->lat[i];
	struct prom_hist *acc = &pd->acc[arm];
	if (h->n == 0)
		return 0;
	if (acc->n == 0) {
		acc->n = h->n;
		acc->le = xcalloc(h->n, sizeof(double));
		acc->count = xcalloc(h->n, sizeof(double));
		memcpy(acc->le, h->le, h->n * sizeof(double));
	} else if (acc->n != h->n || memcmp(acc->le, h->le, h->n * sizeof(double)) != 0) {
		snprintf(err, errlen, "window %d: the latency histogram's buckets changed mid-run", i + 1);
		return -1;
	}
	for (size_t k = 0; k < h->n; k++)
		acc->count[k] += h->count[k];
	return 0;
}

static double prom_count(void *ctx, int arm)
{
	const struct prom_hist *acc = &((struct prom_dist *)ctx)->acc[arm];
	return acc->n ? acc->count[acc->n - 1] : 0;
}

/* seconds, as Prometheus' convention has it; interpolated inside the bucket, as PromQL does */
static double prom_percentile(void *ctx, int arm, double p)
{
	return 1e6 * prom_hist_quantile_of(&((struct prom_dist *)ctx)->acc[arm], p / 100);
}

static void prom_clear(void *ctx)
{
	struct prom_dist *pd = ctx;
	prom_hist_free(&pd->acc[0]);
	prom_hist_free(&pd->acc[1]);
	memset(pd->acc, 0, sizeof(pd->acc));
}

int service_window_latency(struct window_result *w, int n, const struct prom_hist *lat, const char *skip, char *err,
			   size_t errlen)
{
	struct prom_dist pd = { .lat = lat };
	struct window_dist d = { &pd, prom_add, prom_count, prom_percentile, prom_clear, skip };
	return window_latency_group(w, n, &d, err, errlen);
}

/* The service's process: there, and readable as a profiler must read it. */
static int check_pid(int pid, const char *who, char *err, size_t errlen)
{
	char path[64];
	int fd;
	struct stat st;
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		snprintf(err, errlen, "%s: no process %d is running: give the PID of the service (pgrep -o nginx)", who, pid);
		return EXIT_USAGE;
	}
	/* /proc/PID/environ needs the access ptrace needs to read a process: what perf_event_open
	 * and uprobes on another user's process check too */
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(path, sizeof(path), "/proc/%d", pid);
		if (errno == EACCES || errno == EPERM)
			snprintf(err, errlen, "%s: tare may not trace process %d (owned by uid %d): run tare as root or as its owner",
				 who, pid, stat(path, &st) == 0 ? (int)st.st_uid : -1);
		else
			snprintf(err, errlen, "%s: process %d: %s", who, pid, strerror(errno));
		return errno == EACCES || errno == EPERM ? EXIT_CANNOT : EXIT_USAGE;
	}
	close(fd);
	return 0;
}

int inplace_check(const struct experiment *ex, const struct cgroup_sys *cg, char *err, size_t errlen)
{
	for (int i = 0; i < ex->nworkloads; i++) {
		const struct workload *wl = &ex->workloads[i];
		char who[160], why[512];
		int rc;
		snprintf(who, sizeof(who), "workload %s", wl->label);
		if (wl->attach_pid && (rc = check_pid(wl->attach_pid, who, err, errlen)))
			return rc;
		if (wl->attach_cgroup) {
			struct cgroup g;
			if (cgroup_borrow(cg, wl->attach_cgroup, &g, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s: %s", who, why);
				return EXIT_USAGE;
			}
		}
		if (wl->metrics_url) {
			struct service_metrics m;
			struct metrics_snap s;
			if (service_metrics_open(wl, &m, why, sizeof(why)) < 0) {
				snprintf(err, errlen, "%s: metrics: %s", who, why);
				return EXIT_USAGE;
			}
			rc = service_metrics_read(&m, &s, why, sizeof(why));
			metrics_snap_free(&s);
			service_metrics_close(&m);
			if (rc < 0) {
				snprintf(err, errlen, "%s: metrics: %s", who, why);
				return EXIT_USAGE;
			}
		}
	}
	return 0;
}
