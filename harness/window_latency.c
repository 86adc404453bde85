/* window_latency.c — each window pair's latency from per-window distributions (the driver's
 * histograms, or a Prometheus histogram's deltas), merged over consecutive pairs where one
 * window holds too few observations for a p99 (window_latency.h). */
#include "window_latency.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "util.h"

/* Observations a percentile needs: 10/(1-p) (p50 20, p90 100, p99 1000). */
static const double pct[3] = { 50, 90, 99 };
static const double need[3] = { 20, 100, 1000 };

/* The group of pairs [first, last) ends: its percentiles, each where both arms hold enough, on
 * its first pair that was measured. */
static void close_group(struct window_result *w, int first, int last, const struct window_dist *d)
{
	while (first < last && d->skip && (d->skip[first] || d->skip[first + 1]))
		first += 2;
	int pairs = 0;
	for (int i = first; i < last; i += 2)
		pairs += !(d->skip && (d->skip[i] || d->skip[i + 1]));
	for (int i = first; i < first + 2 && i < last; i++) {
		double *out[3] = { &w[i].p50_us, &w[i].p90_us, &w[i].p99_us };
		w[i].latency_pairs = pairs;
		for (int k = 0; k < 3; k++)
			*out[k] = d->count(d->ctx, 0) >= need[k] && d->count(d->ctx, 1) >= need[k] ?
					  d->percentile(d->ctx, w[i].arm ? 1 : 0, pct[k]) : NAN;
	}
	d->clear(d->ctx);
}

static void windows_reset(struct window_result *w, int n)
{
	for (int i = 0; i < n; i++) {
		w[i].p50_us = w[i].p90_us = w[i].p99_us = NAN;
		w[i].latency_pairs = 0;
	}
}

int window_latency_group(struct window_result *w, int n, const struct window_dist *d, char *err, size_t errlen)
{
	int pairs = n - n % 2, first = 0;
	windows_reset(w, n);
	/* pairs are merged until both arms hold a p99's worth */
	for (int i = 0; i < pairs; i++) {
		int p = i - i % 2;
		if (!(d->skip && (d->skip[p] || d->skip[p + 1])) && d->add(d->ctx, i, w[i].arm ? 1 : 0, err, errlen) < 0) {
			d->clear(d->ctx);
			return -1;
		}
		if (i % 2 == 1 && ((d->count(d->ctx, 0) >= need[2] && d->count(d->ctx, 1) >= need[2]) || i + 2 >= pairs)) {
			close_group(w, first, i + 1, d);
			first = i + 1;
		}
	}
	d->clear(d->ctx);
	return 0;
}

/* ---- the driver's latency-windows.hist ---------------------------------------------------- */

struct section {
	const char *text;
	size_t len;
};

struct driver_dist {
	const char *path;
	const struct window_result *w;
	struct section *sec;
	struct hist acc[2];
};

static int load(const struct section *s, struct hist *h, const char *path, int window, char *err, size_t errlen)
{
	char e[256];
	FILE *f = fmemopen((void *)s->text, s->len, "r");
	int rc = f ? hist_load(h, f, e, sizeof(e)) : -1;
	if (f)
		fclose(f);
	if (rc < 0)
		snprintf(err, errlen, "%s: window %d: %s", path, window, f ? e : "out of memory");
	return rc;
}

static int driver_add(void *ctx, int i, int arm, char *err, size_t errlen)
{
	struct driver_dist *dd = ctx;
	struct hist h;
	int bad;
	if (!dd->sec[i].text)
		return 0;
	if (load(&dd->sec[i], &h, dd->path, dd->w[i].index + 1, err, errlen) < 0)
		return -1;
	if (!dd->acc[arm].counts) {
		dd->acc[arm] = h;
		return 0;
	}
	bad = hist_merge(&dd->acc[arm], &h);
	hist_free(&h);
	if (bad < 0)
		snprintf(err, errlen, "%s: window %d: a histogram of another layout", dd->path, dd->w[i].index + 1);
	return bad;
}

static double driver_count(void *ctx, int arm)
{
	return (double)((struct driver_dist *)ctx)->acc[arm].total;
}

static double driver_percentile(void *ctx, int arm, double p)
{
	return (double)hist_percentile(&((struct driver_dist *)ctx)->acc[arm], p) / 1e3;
}

static void driver_clear(void *ctx)
{
	struct driver_dist *dd = ctx;
	hist_free(&dd->acc[0]);
	hist_free(&dd->acc[1]);
}

int window_latency_read(const char *path, struct window_result *w, int n, char *err, size_t errlen)
{
	struct driver_dist dd = { .path = path, .w = w, .sec = xcalloc((size_t)n + 1, sizeof(struct section)) };
	struct window_dist d = { &dd, driver_add, driver_count, driver_percentile, driver_clear, NULL };
	char *text, *p;
	size_t len;
	int rc = -1;

	windows_reset(w, n);
	if (!(text = read_file(path, &len))) {
		rc = 0;
		goto out;
	}
	/* "window NUMBER ARM" heads each section; its tare-hist runs to the next one */
	for (p = text; p && *p;) {
		char *next = strstr(p, "\nwindow "), *end = next ? next + 1 : text + len;
		unsigned num;
		int arm, pos = -1;
		if (strncmp(p, "window ", 7) == 0) {
			char *body = strchr(p, '\n');
			if (!body || sscanf(p, "window %u %d", &num, &arm) != 2) {
				snprintf(err, errlen, "%s: a section head that is not \"window NUMBER ARM\"", path);
				goto out;
			}
			for (int i = 0; i < n; i++)
				if (w[i].index + 1 == (int)num && w[i].arm == arm)
					pos = i;
			if (pos >= 0) {
				/* the count from the tare-hist head line; the whole histogram is read (and
				 * checked) once, when its group is merged */
				unsigned long long total = 0;
				dd.sec[pos] = (struct section){ body + 1, (size_t)(end - body - 1) };
				sscanf(body + 1, "tare-hist %*d %*d %*d %*d %llu", &total);
				w[pos].requests = total;
			}
		}
		p = next ? next + 1 : NULL;
	}
	rc = window_latency_group(w, n, &d, err, errlen);
out:
	free(text);
	free(dd.sec);
	return rc;
}
