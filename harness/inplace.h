/* inplace.h — a service measured where it runs (docs/inplace.md): what is checked before the
 * first window, and the service's own metrics read at the edges of every window.
 *
 * tare never starts, stops, signals, pins or moves such a service: it reads its CPU (its cgroup,
 * or its process tree's threads), reads its Prometheus endpoint when asked, and switches the
 * profiler.  So every check here is a read, and a failure is one line before anything runs.
 */
#ifndef TARE_INPLACE_H
#define TARE_INPLACE_H

#include <stddef.h>
#include <stdint.h>

#include "cgroup.h"
#include "plan.h"
#include "prom.h"
#include "trial_record.h"

/* A workload's metrics endpoint and what is read from it. */
struct service_metrics {
	struct prom_url url;
	struct prom_selector units;     /* a counter: work done */
	struct prom_selector latency;   /* a histogram in seconds */
	int has_units, has_latency;
};

/* One read of the endpoint. */
struct metrics_snap {
	int ok;
	double units;
	struct prom_hist hist;
};

/* The scrape's bound: a window edge waits for it, so it must be short; an endpoint slower than
 * this fails the window (dropped with its pair), not the run. */
#define METRICS_TIMEOUT_S 1.0

/* Parse wl's metrics (url and selectors, validated while planning).  0, or -1 with err. */
int service_metrics_open(const struct workload *wl, struct service_metrics *m, char *err, size_t errlen);
void service_metrics_close(struct service_metrics *m);

/* Scrape once into s (s->ok says whether it worked).  0, or -1 with the reason in err. */
int service_metrics_read(const struct service_metrics *m, struct metrics_snap *s, char *err, size_t errlen);
void metrics_snap_free(struct metrics_snap *s);

/* The window between reads a and b: units done (the counter's increase, rounded) and, with a
 * latency histogram, its buckets' increase into *lat (zeroed without one; free it with
 * prom_hist_free).  -1 when the window is not known: a read failed, or a count went down (the
 * service or its exporter restarted). */
int service_metrics_window(const struct service_metrics *m, const struct metrics_snap *a, const struct metrics_snap *b,
			   uint64_t *units, struct prom_hist *lat);

/* The windows' p50/p90/p99 from their histograms' increases lat[0..n) (seconds), each arm's
 * merged over consecutive pairs until both hold 1000 observations (window_latency.h), by
 * histogram_quantile()'s interpolation; pairs with skip[i] set are left out.  0, or -1 with a
 * line in err when the buckets' bounds changed mid-run. */
int service_window_latency(struct window_result *w, int n, const struct prom_hist *lat, const char *skip, char *err,
			   size_t errlen);

/* Before a run: every in-place workload's process or cgroup is there and may be traced, and its
 * metrics endpoint answers with the metrics named.  0; EXIT_USAGE (not there: a typo) or
 * EXIT_CANNOT (not permitted) after one line in err. */
int inplace_check(const struct experiment *ex, const struct cgroup_sys *cg, char *err, size_t errlen);

#endif
