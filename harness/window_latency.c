/* window_latency.c — each window pair's latency from the driver's per-window histograms, merged
 * over consecutive pairs where one window holds too few requests for a p99 (window_latency.h). */
#include "window_latency.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "util.h"

/* Requests a percentile needs: 10/(1-p) (p50 20, p90 100, p99 1000). */
static const double pct[3] = { 50, 90, 99 };
static const uint64_t need[3] = { 20, 100, 1000 };

struct section {
	const char *text;
	size_t len;
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

/* The group of pairs [first, last) ends: its percentiles, each where both arms hold enough, on
 * its first pair. */
static void close_group(struct window_result *w, int first, int last, struct hist acc[2])
{
	for (int i = first; i < first + 2; i++) {
		double *out[3] = { &w[i].p50_us, &w[i].p90_us, &w[i].p99_us };
		const struct hist *h = &acc[w[i].arm ? 1 : 0];
		w[i].latency_pairs = (last - first) / 2;
		for (int k = 0; k < 3; k++)
			*out[k] = acc[0].total >= need[k] && acc[1].total >= need[k] ? (double)hist_percentile(h, pct[k]) / 1e3 : NAN;
	}
	hist_free(&acc[0]);
	hist_free(&acc[1]);
}

int window_latency_read(const char *path, struct window_result *w, int n, char *err, size_t errlen)
{
	struct section *sec = xcalloc((size_t)n + 1, sizeof(*sec));
	struct hist acc[2] = { { 0 } };
	char *text, *p;
	size_t len;
	int rc = -1;

	for (int i = 0; i < n; i++) {
		w[i].p50_us = w[i].p90_us = w[i].p99_us = NAN;
		w[i].latency_pairs = 0;
	}
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
				struct hist h;
				sec[pos] = (struct section){ body + 1, (size_t)(end - body - 1) };
				if (load(&sec[pos], &h, path, (int)num, err, errlen) < 0)
					goto out;
				w[pos].requests = h.total;
				hist_free(&h);
			}
		}
		p = next ? next + 1 : NULL;
	}
	/* pairs are merged until both arms hold a p99's worth */
	for (int i = 0, first = 0; i < n - n % 2; i++) {
		struct hist h;
		int a = w[i].arm ? 1 : 0;
		if (sec[i].text) {
			if (load(&sec[i], &h, path, w[i].index + 1, err, errlen) < 0)
				goto out;
			if (!acc[a].counts) {
				acc[a] = h;
			} else {
				int bad = hist_merge(&acc[a], &h);
				hist_free(&h);
				if (bad < 0) {
					snprintf(err, errlen, "%s: window %d: a histogram of another layout", path, w[i].index + 1);
					goto out;
				}
			}
		}
		if (i % 2 == 1 && ((acc[0].total >= need[2] && acc[1].total >= need[2]) || i + 2 >= n - n % 2)) {
			close_group(w, first, i + 1, acc);
			first = i + 1;
		}
	}
	rc = 0;
out:
	hist_free(&acc[0]);
	hist_free(&acc[1]);
	free(text);
	free(sec);
	return rc;
}
