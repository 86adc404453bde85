/* prom.h — a running service's own metrics, read from its Prometheus /metrics endpoint: the
 * units of work a window did (a counter's increase) and the latencies it saw (a histogram's
 * quantiles between two scrapes), for weighing a profiler on a service tare did not start
 * (issue 16, "in place").
 *
 * Built on plain sockets and the text exposition format (Prometheus' "text/plain;
 * version=0.0.4", and OpenMetrics' text as far as a counter or a histogram needs it), so tare
 * links no HTTP or Prometheus library: a scrape is one HTTP/1.1 GET with Connection: close,
 * the body taken by Content-Length, chunks (Go's net/http chunks an exporter's answer) or to
 * EOF, and no Accept-Encoding sent, so the answer is never gzipped.  Nothing here keeps state
 * between calls; every function is safe to call from one thread per scrape.
 */
#ifndef TARE_PROM_H
#define TARE_PROM_H

#include <stddef.h>

/* What prom_counter_delta and prom_hist_delta return when a count went down between two
 * scrapes: the service (or its exporter) restarted, and the window's work is not known. */
#define PROM_RESET 1

/* http://HOST[:PORT][/PATH]; HOST a name, an IPv4 address or [an IPv6 one].  Fixed-size, so it
 * holds nothing to free. */
struct prom_url {
	char text[512];   /* the URL as given, for messages */
	char host[256];   /* without the brackets of an IPv6 address */
	char port[8];     /* "80" when none was given */
	char hostport[272]; /* for the Host header: as written in the URL */
	char path[512];   /* "/" when none was given; the query string included */
};

/* "http://127.0.0.1:9121/metrics" into u.  0; or -1 with one line in err (https, a missing
 * host, a bad port, a URL too long). */
int prom_url_parse(const char *url, struct prom_url *u, char *err, size_t errlen);

struct prom_label {
	char *name;
	char *value;
};

/* A PromQL-like selector with equality matchers only: a series matches when it has the
 * selector's name and every one of its labels with that exact value (other labels are free). */
struct prom_selector {
	char *name;
	struct prom_label *labels;
	size_t nlabels;
};

/* `name` or `name{label="v",other='w'}` into sel (label values in PromQL's quotes and escapes:
 * \\ \" \' \n \t).  0; or -1 with one line in err saying what is wrong where (a matcher other
 * than =, a missing name, an unclosed quote) and sel left empty. */
int prom_selector_parse(const char *s, struct prom_selector *sel, char *err, size_t errlen);
/* sel's labels in the selector syntax, "{a=\"b\"}" or "" without labels, into buf. */
void prom_selector_labels_str(const struct prom_selector *sel, char *buf, size_t len);
void prom_selector_free(struct prom_selector *sel);

/* GET u, the whole request (name lookup excepted) within timeout_s seconds.  0 with the body in
 * *body (NUL-terminated, malloc'd: the caller frees it); or -1 with one line in err, the URL
 * first: "URL: connection refused", "URL: no answer in 2 s", "URL: HTTP 404 Not Found". */
int prom_scrape(const struct prom_url *u, double timeout_s, char **body, char *err, size_t errlen);

/* PUT body (body_len bytes, of content_type) to u, the whole request within timeout_s seconds:
 * a Pushgateway push that replaces the group u's path names.  0 on any 2xx answer; or -1 with
 * one line in err, the URL first: "URL: connection refused", "URL: no answer in 10 s",
 * "URL: HTTP 400 Bad Request: " and the first line of the server's answer (what it rejected). */
int prom_push(const struct prom_url *u, const char *content_type, const char *body, size_t body_len,
	      double timeout_s, char *err, size_t errlen);

/* The counter sel names in an exposition body: the sum over every series of that name whose
 * labels include sel's (redis_commands_total sums over its cmd labels).  A counter, an untyped
 * metric, or the _count, _sum or _bucket of a histogram or summary is accepted.  0; or -1 with
 * one line in err: "no series named X", "X is a gauge, not a counter", "no series of X has
 * {a=\"b\"} (...)", or what is wrong on which line of the body. */
int prom_counter(const char *body, const struct prom_selector *sel, double *value, char *err,
		 size_t errlen);

/* The counter's increase from before to after, in *delta: 0; or PROM_RESET when it went down
 * (a restart), and then *delta is after (what was counted since the restart, as PromQL's
 * increase() assumes) — a lower bound of the window's work the caller may discard. */
int prom_counter_delta(double before, double after, double *delta);

/* One histogram as scraped: cumulative counts by upper bound (le), ascending, the last bound
 * +Inf; summed over the series a selector matched. */
struct prom_hist {
	size_t n;
	double *le;      /* upper bounds; le[n - 1] is +Inf */
	double *count;   /* cumulative: observations <= le[i] */
	double total;    /* the _count series (0 when there was none) */
	double sum;      /* the _sum series (NaN when there was none) */
};

/* The histogram sel names by its base name (http_request_duration_seconds): its _bucket series
 * whose labels include sel's, summed by le, and its _count and _sum.  The series summed must all
 * have the same bounds.  0; or -1 with one line in err ("no series named X_bucket", "X is a
 * summary, not a histogram", "X has no le=\"+Inf\" bucket", ...) and h left empty. */
int prom_histogram(const char *body, const struct prom_selector *sel, struct prom_hist *h,
		   char *err, size_t errlen);

/* after - before, bucket by bucket, into d (allocated here; free it with prom_hist_free): the
 * observations between two scrapes.  before may be NULL (all observations since the start).
 * 0; PROM_RESET when a count went down, and then d is after alone (observations since the
 * restart); or -1 when the two have different bounds (err says so; d left empty). */
int prom_hist_delta(const struct prom_hist *before, const struct prom_hist *after,
		    struct prom_hist *d, char *err, size_t errlen);

/* The q-quantile (0 <= q <= 1) of the observations in h, as PromQL's histogram_quantile()
 * answers it: the bucket holding rank q * count, and linear interpolation within it, from the
 * bucket below's bound (0 below the first bucket when its bound is positive) to its own.  A rank
 * in the +Inf bucket is answered by the highest finite bound.  So the answer is only as fine as
 * the exporter's bucket edges: a p99 between the 0.25 and the 0.5 edges is a straight-line guess
 * between them, whatever the latencies inside.  NaN when h holds no observations (or q is out
 * of range). */
double prom_hist_quantile_of(const struct prom_hist *h, double q);

/* The q-quantile of the observations between two scrapes (before may be NULL: since the start),
 * as prom_hist_quantile_of on prom_hist_delta's difference.  NaN when there were none, and also
 * on a reset or changed bounds: call prom_hist_delta to tell those apart. */
double prom_hist_quantile(const struct prom_hist *before, const struct prom_hist *after, double q);

void prom_hist_free(struct prom_hist *h);

#endif
