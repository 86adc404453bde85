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
			   uint64_t *units, double *p50_us, double *p90_us, double *p99_us)
{
	*p50_us = *p90_us = *p99_us = NAN;
	if (!a->ok || !b->ok)
		return -1;
	if (m->has_units) {
		double d;
		if (prom_counter_delta(a->units, b->units, &d) != 0)
			return -1;
		*units = (uint64_t)llround(d);
	}
	if (m->has_latency) {
		struct prom_hist d;
		char err[256];
		if (prom_hist_delta(&a->hist, &b->hist, &d, err, sizeof(err)) != 0)
			return -1;
		/* seconds, as Prometheus' convention has it; a percentile says more than the bucket
		 * edges only from 10/(1-p) observations on, as tare's own windows */
		double n = d.n ? d.count[d.n - 1] : 0;
		if (n >= 20)
			*p50_us = 1e6 * prom_hist_quantile_of(&d, 0.50);
		if (n >= 100)
			*p90_us = 1e6 * prom_hist_quantile_of(&d, 0.90);
		if (n >= 1000)
			*p99_us = 1e6 * prom_hist_quantile_of(&d, 0.99);
		prom_hist_free(&d);
	}
	return 0;
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
