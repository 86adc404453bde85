/* prom-read.c — prom.h (harness/prom.c, prom_http.c) from the command line, for
 * tests/cli/prom.sh (not a unit test: tests/run.sh runs build/tests/test_* only, and this is
 * build/tests/prom-read).
 *
 *   prom-read [-t TIMEOUT_S] [-w WINDOW_S] URL SELECTOR [counter | quantile Q]
 *
 * One scrape and the counter's value (or the quantile of every observation so far); with -w,
 * two scrapes WINDOW_S apart and the counter's increase (or the quantile of the observations
 * between them), as a switchback window would take them.  Prints the number; an error is one
 * line on stderr and exit 1; a counter reset within the window exits 4; bad usage exits 2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "prom.h"
#include "util.h"

static int usage(void)
{
	fprintf(stderr, "usage: prom-read [-t TIMEOUT_S] [-w WINDOW_S] URL SELECTOR [counter | quantile Q]\n");
	return 2;
}

/* One scrape's reading into *value (counter) or *h (quantile). */
static int read_once(const struct prom_url *u, const struct prom_selector *sel, double timeout_s,
		     int quantile, double *value, struct prom_hist *h, char *err, size_t errlen)
{
	char *body;
	int r;

	if (prom_scrape(u, timeout_s, &body, err, errlen))
		return -1;
	r = quantile ? prom_histogram(body, sel, h, err, errlen) : prom_counter(body, sel, value, err, errlen);
	free(body);
	return r;
}

int main(int argc, char **argv)
{
	double timeout_s = 2, window_s = 0, q = 0, v0 = 0, v1 = 0, out;
	struct prom_hist h0 = { 0 }, h1 = { 0 }, d = { 0 };
	struct prom_selector sel;
	struct prom_url u;
	char err[512];
	int c, quantile = 0, rc = 1, reset = 0;

	while ((c = getopt(argc, argv, "t:w:")) != -1) {
		if (c == 't' && parse_number(optarg, 0.001, 3600, &timeout_s))
			continue;
		if (c == 'w' && parse_number(optarg, 0, 3600, &window_s))
			continue;
		return usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || argc > 4)
		return usage();
	if (argc >= 3 && !strcmp(argv[2], "quantile")) {
		if (argc != 4 || !parse_number(argv[3], 0, 1, &q))
			return usage();
		quantile = 1;
	} else if (argc >= 3 && (strcmp(argv[2], "counter") || argc != 3)) {
		return usage();
	}
	if (prom_url_parse(argv[0], &u, err, sizeof(err))) {
		fprintf(stderr, "prom-read: %s\n", err);
		return 1;
	}
	if (prom_selector_parse(argv[1], &sel, err, sizeof(err))) {
		fprintf(stderr, "prom-read: %s\n", err);
		return 1;
	}
	if (read_once(&u, &sel, timeout_s, quantile, &v0, &h0, err, sizeof(err)))
		goto fail;
	if (window_s > 0) {
		sleep_ns((uint64_t)(window_s * 1e9));
		if (read_once(&u, &sel, timeout_s, quantile, &v1, &h1, err, sizeof(err)))
			goto fail;
		if (quantile) {
			int r = prom_hist_delta(&h0, &h1, &d, err, sizeof(err));
			if (r < 0)
				goto fail;
			reset = r == PROM_RESET;
			out = prom_hist_quantile_of(&d, q);
		} else {
			reset = prom_counter_delta(v0, v1, &out) == PROM_RESET;
		}
	} else {
		out = quantile ? prom_hist_quantile(NULL, &h0, q) : v0;
	}
	if (reset) {
		fprintf(stderr, "prom-read: %s: counter reset within the window (the service restarted?)\n",
			sel.name);
		rc = 4;
		goto done;
	}
	printf("%.17g\n", out);
	rc = 0;
	goto done;
fail:
	fprintf(stderr, "prom-read: %s\n", err);
done:
	prom_hist_free(&h0);
	prom_hist_free(&h1);
	prom_hist_free(&d);
	prom_selector_free(&sel);
	return rc;
}
