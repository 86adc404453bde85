/* test_prom.c — harness/prom.c and prom_http.c: URLs, selectors, the text exposition format as
 * real exporters write it (Debian's prometheus-redis-exporter, a Go client histogram), counters,
 * histograms, quantiles against values worked out by hand, resets.  The HTTP side is in
 * tests/cli/prom.sh and prom_http.sh. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prom.h"

/* As prometheus-redis-exporter 1.45 answers (cut down), with a timestamp and a blank line added. */
static const char redis_body[] =
	"# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.\n"
	"# TYPE go_gc_duration_seconds summary\n"
	"go_gc_duration_seconds{quantile=\"0\"} 2.1e-05\n"
	"go_gc_duration_seconds{quantile=\"1\"} 0.000106\n"
	"go_gc_duration_seconds_sum 0.000127\n"
	"go_gc_duration_seconds_count 2\n"
	"# HELP redis_commands_processed_total commands_processed_total metric\n"
	"# TYPE redis_commands_processed_total counter\n"
	"redis_commands_processed_total 1.234567e+06\n"
	"\n"
	"# HELP redis_commands_total Total number of calls per command\n"
	"# TYPE redis_commands_total counter\n"
	"redis_commands_total{cmd=\"client|setname\"} 1\n"
	"redis_commands_total{cmd=\"config|get\"} 3\n"
	"redis_commands_total{cmd=\"get\"} 600000 1395066363000\n"
	"redis_commands_total{cmd=\"info\"} 12\n"
	"redis_commands_total{cmd=\"set\"} 400000\n"
	"# HELP redis_connected_clients connected_clients metric\n"
	"# TYPE redis_connected_clients gauge\n"
	"redis_connected_clients 2\n"
	"# HELP redis_latency_percentiles_usec A summary of latency percentile distribution per command\n"
	"# TYPE redis_latency_percentiles_usec summary\n"
	"redis_latency_percentiles_usec{cmd=\"get\",quantile=\"50\"} 18.047\n"
	"redis_latency_percentiles_usec{cmd=\"get\",quantile=\"99\"} 31.231\n"
	"redis_latency_percentiles_usec_sum{cmd=\"get\"} 10800000\n"
	"redis_latency_percentiles_usec_count{cmd=\"get\"} 600000\n"
	"# HELP redis_up Information about the Redis instance\n"
	"# TYPE redis_up gauge\n"
	"redis_up 1\n";

/* As Go's client_golang writes a histogram (promhttp's default buckets, cut down), two handlers. */
static const char go_hist_body[] =
	"# HELP http_request_duration_seconds Duration of HTTP requests.\n"
	"# TYPE http_request_duration_seconds histogram\n"
	"http_request_duration_seconds_bucket{handler=\"/api\",method=\"GET\",le=\"0.005\"} 100\n"
	"http_request_duration_seconds_bucket{handler=\"/api\",method=\"GET\",le=\"0.01\"} 300\n"
	"http_request_duration_seconds_bucket{handler=\"/api\",method=\"GET\",le=\"0.025\"} 600\n"
	"http_request_duration_seconds_bucket{handler=\"/api\",method=\"GET\",le=\"0.05\"} 900\n"
	"http_request_duration_seconds_bucket{handler=\"/api\",method=\"GET\",le=\"+Inf\"} 1000\n"
	"http_request_duration_seconds_sum{handler=\"/api\",method=\"GET\"} 17.5\n"
	"http_request_duration_seconds_count{handler=\"/api\",method=\"GET\"} 1000\n"
	"http_request_duration_seconds_bucket{handler=\"/\",method=\"GET\",le=\"0.005\"} 0\n"
	"http_request_duration_seconds_bucket{handler=\"/\",method=\"GET\",le=\"0.01\"} 0\n"
	"http_request_duration_seconds_bucket{handler=\"/\",method=\"GET\",le=\"0.025\"} 0\n"
	"http_request_duration_seconds_bucket{handler=\"/\",method=\"GET\",le=\"0.05\"} 10\n"
	"http_request_duration_seconds_bucket{handler=\"/\",method=\"GET\",le=\"+Inf\"} 10\n"
	"http_request_duration_seconds_sum{handler=\"/\",method=\"GET\"} 0.4\n"
	"http_request_duration_seconds_count{handler=\"/\",method=\"GET\"} 10\n"
	"# HELP other_seconds A histogram of other bounds.\n"
	"# TYPE other_seconds histogram\n"
	"other_seconds_bucket{kind=\"a\",le=\"1\"} 1\n"
	"other_seconds_bucket{kind=\"a\",le=\"+Inf\"} 1\n"
	"other_seconds_bucket{kind=\"b\",le=\"2\"} 1\n"
	"other_seconds_bucket{kind=\"b\",le=\"+Inf\"} 1\n";

static struct prom_selector sel_of(const char *s)
{
	struct prom_selector sel;
	char err[256];

	if (prom_selector_parse(s, &sel, err, sizeof(err)))
		printf("# selector %s: %s\n", s, err), memset(&sel, 0, sizeof(sel));
	return sel;
}

/* prom_counter on body for selector s: its return code, the value in *v, the message in err. */
static int counter(const char *body, const char *s, double *v, char *err, size_t errlen)
{
	struct prom_selector sel = sel_of(s);
	int r;

	*v = NAN;
	err[0] = '\0';
	r = sel.name ? prom_counter(body, &sel, v, err, errlen) : -2;
	prom_selector_free(&sel);
	return r;
}

static void test_url(void)
{
	struct prom_url u;
	char err[256];

	CHECK(prom_url_parse("http://127.0.0.1:9121/metrics", &u, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(u.host, "127.0.0.1") && !strcmp(u.port, "9121") && !strcmp(u.path, "/metrics"),
	      "%s %s %s", u.host, u.port, u.path);
	CHECK(!strcmp(u.hostport, "127.0.0.1:9121"), "%s", u.hostport);
	CHECK(prom_url_parse("http://localhost", &u, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(u.port, "80") && !strcmp(u.path, "/"), "%s %s", u.port, u.path);
	CHECK(prom_url_parse("http://[::1]:9113/metrics?x=1#frag", &u, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(u.host, "::1") && !strcmp(u.port, "9113") && !strcmp(u.path, "/metrics?x=1") &&
	      !strcmp(u.hostport, "[::1]:9113"), "%s %s %s %s", u.host, u.port, u.path, u.hostport);

	CHECK(prom_url_parse("https://127.0.0.1:9121/metrics", &u, err, sizeof(err)) == -1, "https taken");
	CHECK(strstr(err, "https is not supported"), "%s", err);
	CHECK(prom_url_parse("127.0.0.1:9121/metrics", &u, err, sizeof(err)) == -1, "no scheme taken");
	CHECK(strstr(err, "not an http:// URL"), "%s", err);
	CHECK(prom_url_parse("http://127.0.0.1:99999/metrics", &u, err, sizeof(err)) == -1, "port taken");
	CHECK(strstr(err, "bad port"), "%s", err);
	CHECK(prom_url_parse("http://:9121/metrics", &u, err, sizeof(err)) == -1, "no host taken");
	CHECK(strstr(err, "no host"), "%s", err);
	CHECK(prom_url_parse("http://h:x/", &u, err, sizeof(err)) == -1, "port x taken");
}

static void test_selector(void)
{
	struct prom_selector sel;
	char err[256], buf[256];

	CHECK(prom_selector_parse("redis_commands_total", &sel, err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(sel.name, "redis_commands_total") && sel.nlabels == 0, "%s", sel.name);
	prom_selector_labels_str(&sel, buf, sizeof(buf));
	CHECK(buf[0] == '\0', "%s", buf);
	prom_selector_free(&sel);

	CHECK(prom_selector_parse(" http_requests_total { code = \"200\", path='/a\\'b\\\\c\\n', } ", &sel,
				  err, sizeof(err)) == 0, "%s", err);
	CHECK(sel.nlabels == 2, "%zu labels", sel.nlabels);
	if (sel.nlabels == 2) {
		CHECK(!strcmp(sel.labels[0].name, "code") && !strcmp(sel.labels[0].value, "200"), "%s",
		      sel.labels[0].value);
		CHECK(!strcmp(sel.labels[1].name, "path") && !strcmp(sel.labels[1].value, "/a'b\\c\n"),
		      "[%s]", sel.labels[1].value);
	}
	prom_selector_labels_str(&sel, buf, sizeof(buf));
	CHECK(!strcmp(buf, "{code=\"200\",path=\"/a'b\\\\c\\n\"}"), "%s", buf);
	prom_selector_free(&sel);

	static const struct {
		const char *s, *want;
	} bad[] = {
		{ "", "starts with a metric name" },
		{ "{job=\"x\"}", "starts with a metric name" },
		{ "9lives", "starts with a metric name" },
		{ "x{a!=\"b\"}", "not '!='" },
		{ "x{a=~\"b.*\"}", "not '=~'" },
		{ "x{a!~\"b\"}", "not '!~'" },
		{ "x{a=b}", "in quotes" },
		{ "x{a=\"b}", "no closing \"" },
		{ "x{a=\"b\" c=\"d\"}", "expected ',' or '}'" },
		{ "x{a=\"b\",a=\"c\"}", "given twice" },
		{ "x{a=\"\\q\"}", "unknown escape" },
		{ "x y", "unexpected 'y'" },
		{ "rate(x[5m])", "unexpected '(x[5m])'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CHECK(prom_selector_parse(bad[i].s, &sel, err, sizeof(err)) == -1, "'%s' taken", bad[i].s);
		CHECK(strstr(err, bad[i].want), "'%s': got '%s', want '%s'", bad[i].s, err, bad[i].want);
		CHECK(sel.name == NULL && sel.labels == NULL, "'%s' left a selector behind", bad[i].s);
	}
}

static void test_counter_redis(void)
{
	char err[256];
	double v;

	CHECK(counter(redis_body, "redis_commands_processed_total", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 1234567, 0);
	/* summed over cmd; the timestamp on "get" is read past */
	CHECK(counter(redis_body, "redis_commands_total", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 1 + 3 + 600000 + 12 + 400000, 0);
	CHECK(counter(redis_body, "redis_commands_total{cmd=\"get\"}", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 600000, 0);
	/* a summary's _count is cumulative: accepted as a counter */
	CHECK(counter(redis_body, "redis_latency_percentiles_usec_count{cmd=\"get\"}", &v, err,
		      sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 600000, 0);
}

static void test_counter_errors(void)
{
	char err[256];
	double v;

	CHECK(counter(redis_body, "redis_connected_clients", &v, err, sizeof(err)) == -1, "gauge taken");
	CHECK(!strcmp(err, "redis_connected_clients is a gauge, not a counter"), "%s", err);
	CHECK(counter(redis_body, "redis_latency_percentiles_usec", &v, err, sizeof(err)) == -1, "summary taken");
	CHECK(strstr(err, "is a summary, not a counter"), "%s", err);
	CHECK(counter(go_hist_body, "http_request_duration_seconds", &v, err, sizeof(err)) == -1,
	      "histogram taken");
	CHECK(strstr(err, "http_request_duration_seconds is a histogram, not a counter") &&
	      strstr(err, "http_request_duration_seconds_count"), "%s", err);
	CHECK(counter(redis_body, "redis_keyspace_hits_total", &v, err, sizeof(err)) == -1, "missing taken");
	CHECK(!strcmp(err, "no series named redis_keyspace_hits_total"), "%s", err);
	CHECK(counter(redis_body, "redis_commands", &v, err, sizeof(err)) == -1, "stem taken");
	CHECK(strstr(err, "no series named redis_commands (but redis_commands_total exists)"), "%s", err);
	CHECK(counter(redis_body, "redis_commands_total{cmd=\"hset\"}", &v, err, sizeof(err)) == -1,
	      "no match taken");
	CHECK(strstr(err, "no series of redis_commands_total has {cmd=\"hset\"}") &&
	      strstr(err, "5 series, e.g. redis_commands_total{cmd=\"client|setname\"}"), "%s", err);
}

/* The format's corners: escapes, special values, exponents, timestamps, a trailing comma, tabs,
 * OpenMetrics' # EOF and _total-less TYPE, and lines of other metrics this parser would refuse. */
static void test_format(void)
{
	static const char body[] =
		"# HELP esc_total A counter with \\\\ and \\n in its help.\n"
		"# TYPE esc_total counter\n"
		"esc_total{path=\"C:\\\\dir\\\\\\\"q\\\"\\nend\",code=\"200\",} 2 1395066363000\n"
		"esc_total{path=\"plain\"}\t3\n"
		"esc_total{path=\"plain\",code=\"500\"} 1.5e1\n"
		"   \n"
		"special{k=\"nan\"} NaN\n"
		"special{k=\"pinf\"} +Inf\n"
		"special{k=\"ninf\"} -Inf\n"
		"special{k=\"exp\"} -2.5E-3\n"
		"{\"some.utf8.name\",k=\"v\"} 1\n"
		"other_metric{this is not parsed because nobody asked} 1\n"
		"# TYPE om_requests counter\n"
		"om_requests_total{a=\"b\"} 7 # {trace_id=\"abc\"} 1.0 1520879607.789\n"
		"# EOF\n"
		"esc_total{path=\"after eof\"} 1000\n";
	char err[256];
	double v;

	CHECK(counter(body, "esc_total", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 2 + 3 + 15, 0);
	CHECK(counter(body, "esc_total{path=\"C:\\\\dir\\\\\\\"q\\\"\\nend\"}", &v, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK_NEAR(v, 2, 0);
	CHECK(counter(body, "esc_total{path='plain'}", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 18, 0);
	CHECK(counter(body, "esc_total{path=\"after eof\"}", &v, err, sizeof(err)) == -1, "read past # EOF");
	CHECK(counter(body, "special{k=\"nan\"}", &v, err, sizeof(err)) == 0 && isnan(v), "%s %g", err, v);
	CHECK(counter(body, "special{k=\"pinf\"}", &v, err, sizeof(err)) == 0 && isinf(v) && v > 0, "%g", v);
	CHECK(counter(body, "special{k=\"ninf\"}", &v, err, sizeof(err)) == 0 && isinf(v) && v < 0, "%g", v);
	CHECK(counter(body, "special{k=\"exp\"}", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, -0.0025, 1e-15);
	/* OpenMetrics: the TYPE names the family, the sample has _total; an exemplar follows */
	CHECK(counter(body, "om_requests_total", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 7, 0);

	/* a malformed line of the metric asked for fails, naming the line */
	static const struct {
		const char *body, *want;
	} bad[] = {
		{ "# TYPE m counter\nm{a=\"b\"} x12\n", "metrics line 2: m: bad value 'x12'" },
		{ "m{a=\"b} 1\n", "no closing quote" },
		{ "m{a=\"\\t\"} 1\n", "invalid escape '\\t'" },
		{ "m{a=b} 1\n", "expected =\"...\" after label a" },
		{ "m{a=\"b\" c=\"d\"} 1\n", "expected ',' or '}' after label a" },
		{ "m 1 17 extra\n", "unexpected 'extra' after the value" },
		{ "m 1 yesterday\n", "bad timestamp 'yesterday'" },
		{ "m\n", "bad value ''" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(counter(bad[i].body, "m", &v, err, sizeof(err)) == -1, "'%s' taken", bad[i].body);
		CHECK(strstr(err, bad[i].want), "'%s': got '%s', want '%s'", bad[i].body, err, bad[i].want);
	}
	/* ... while one of another metric is not this parser's business */
	CHECK(counter("n{a=\"b} 1\nm 4\n", "m", &v, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(v, 4, 0);
}

static int hist(const char *body, const char *s, struct prom_hist *h, char *err, size_t errlen)
{
	struct prom_selector sel = sel_of(s);
	int r;

	err[0] = '\0';
	r = sel.name ? prom_histogram(body, &sel, h, err, errlen) : -2;
	prom_selector_free(&sel);
	return r;
}

static void test_histogram_parse(void)
{
	struct prom_hist h;
	char err[256];

	CHECK(hist(go_hist_body, "http_request_duration_seconds{handler=\"/api\"}", &h, err, sizeof(err)) == 0,
	      "%s", err);
	CHECK(h.n == 5, "%zu buckets", h.n);
	if (h.n == 5) {
		CHECK_NEAR(h.le[0], 0.005, 0);
		CHECK_NEAR(h.le[3], 0.05, 0);
		CHECK(isinf(h.le[4]), "le[4] = %g", h.le[4]);
		CHECK_NEAR(h.count[1], 300, 0);
		CHECK_NEAR(h.count[4], 1000, 0);
	}
	CHECK_NEAR(h.total, 1000, 0);
	CHECK_NEAR(h.sum, 17.5, 1e-12);
	prom_hist_free(&h);

	/* both handlers, summed by le */
	CHECK(hist(go_hist_body, "http_request_duration_seconds", &h, err, sizeof(err)) == 0, "%s", err);
	CHECK(h.n == 5 && h.count[3] == 910 && h.count[4] == 1010, "n %zu", h.n);
	CHECK_NEAR(h.total, 1010, 0);
	/* everything since the start: rank 505 in (0.01, 0.025], 300 below, 300 in it */
	CHECK_NEAR(prom_hist_quantile(NULL, &h, 0.5), 0.01 + 0.015 * (505.0 - 300) / 300, 1e-12);
	prom_hist_free(&h);

	CHECK(hist(go_hist_body, "http_request_duration_seconds{handler=\"/x\"}", &h, err, sizeof(err)) == -1,
	      "no match taken");
	CHECK(strstr(err, "no series of http_request_duration_seconds_bucket has {handler=\"/x\"}"), "%s", err);
	CHECK(hist(go_hist_body, "http_request_duration_seconds{le=\"0.1\"}", &h, err, sizeof(err)) == -1,
	      "le taken");
	CHECK(strstr(err, "le is the bucket bound"), "%s", err);
	CHECK(hist(go_hist_body, "http_request_duration_seconds_bucket", &h, err, sizeof(err)) == -1,
	      "_bucket taken");
	CHECK(strstr(err, "by its base name: http_request_duration_seconds"), "%s", err);
	CHECK(hist(go_hist_body, "other_seconds", &h, err, sizeof(err)) == -1, "mixed bounds taken");
	CHECK(strstr(err, "different bucket bounds"), "%s", err);
	CHECK(hist(go_hist_body, "other_seconds{kind=\"b\"}", &h, err, sizeof(err)) == 0, "%s", err);
	CHECK(isnan(h.sum), "sum %g without a _sum series", h.sum);
	prom_hist_free(&h);
	CHECK(hist(redis_body, "redis_latency_percentiles_usec", &h, err, sizeof(err)) == -1, "summary taken");
	CHECK(strstr(err, "redis_latency_percentiles_usec is a summary, not a histogram"), "%s", err);
	CHECK(hist(redis_body, "redis_up", &h, err, sizeof(err)) == -1, "gauge taken");
	CHECK(strstr(err, "redis_up is a gauge, not a histogram"), "%s", err);
	CHECK(hist(redis_body, "nope_seconds", &h, err, sizeof(err)) == -1, "missing taken");
	CHECK(!strcmp(err, "no series named nope_seconds_bucket"), "%s", err);
	CHECK(hist("x_bucket{le=\"1\"} 3\n", "x", &h, err, sizeof(err)) == -1, "no +Inf taken");
	CHECK(strstr(err, "x has no le=\"+Inf\" bucket"), "%s", err);
	CHECK(hist("x_bucket{le=\"fast\"} 3\n", "x", &h, err, sizeof(err)) == -1, "bad le taken");
	CHECK(strstr(err, "a bad le label"), "%s", err);
}

/* Bounds 0.1 0.5 1 +Inf; the window's observations per bucket 10 30 40 20 (cumulative 10 40 80
 * 100), on top of 5 0 5 0 before.  By hand, rank = q * 100:
 *   q 0.05: rank 5 in [0, 0.1], 5 of 10:         0.05
 *   q 0.25: rank 25 in (0.1, 0.5], 15 of 30:     0.1 + 0.4 * 0.5  = 0.3
 *   q 0.4:  rank 40, the top of (0.1, 0.5]:      0.5
 *   q 0.5:  rank 50 in (0.5, 1], 10 of 40:       0.5 + 0.5 * 0.25 = 0.625
 *   q 0.8:  rank 80, the top of (0.5, 1]:        1
 *   q 0.9, 0.99: in +Inf, the highest finite:    1
 *   q 0:    the lower edge of the first bucket with observations: 0 */
static void test_quantile(void)
{
	double le[] = { 0.1, 0.5, 1, INFINITY };
	double c0[] = { 5, 5, 10, 10 }, c1[] = { 15, 45, 90, 110 };
	struct prom_hist before = { 4, le, c0, 10, 1.0 }, after = { 4, le, c1, 110, 60.0 }, d;
	char err[256];

	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.05), 0.05, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.25), 0.3, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.4), 0.5, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.5), 0.625, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.8), 1, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.9), 1, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0.99), 1, 1e-12);
	CHECK_NEAR(prom_hist_quantile(&before, &after, 0), 0, 1e-12);
	CHECK(isnan(prom_hist_quantile(&before, &after, 1.5)), "q 1.5 answered");
	CHECK(prom_hist_delta(&before, &after, &d, err, sizeof(err)) == 0, "%s", err);
	CHECK_NEAR(d.total, 100, 0);
	CHECK_NEAR(d.sum, 59, 1e-12);
	CHECK_NEAR(d.count[2], 80, 0);
	prom_hist_free(&d);

	/* no observations in between: NaN, not 0 */
	CHECK(isnan(prom_hist_quantile(&after, &after, 0.5)), "empty window answered");

	/* the first bucket empty: q 0.05 is rank 5 in (0.1, 0.5], 5 of 30 */
	double c2[] = { 0, 30, 70, 90 };
	struct prom_hist first_empty = { 4, le, c2, 90, 0 };
	CHECK_NEAR(prom_hist_quantile(NULL, &first_empty, 0.05), 0.1 + 0.4 * (4.5 / 30), 1e-12);
}

static void test_reset(void)
{
	double le[] = { 0.1, 1, INFINITY }, le2[] = { 0.2, 1, INFINITY };
	double c0[] = { 50, 80, 100 }, c1[] = { 2, 3, 4 };
	struct prom_hist before = { 3, le, c0, 100, 9 }, after = { 3, le, c1, 4, 0.5 }, other = { 3, le2, c1, 4, 0 }, d;
	char err[256];
	double delta;

	CHECK(prom_counter_delta(100, 250, &delta) == 0, "no reset reported");
	CHECK_NEAR(delta, 150, 0);
	CHECK(prom_counter_delta(1e6, 40, &delta) == PROM_RESET, "reset not reported");
	CHECK_NEAR(delta, 40, 0);

	CHECK(prom_hist_delta(&before, &after, &d, err, sizeof(err)) == PROM_RESET, "reset not reported");
	CHECK_NEAR(d.count[2], 4, 0);	/* what came since the restart, never negative */
	prom_hist_free(&d);
	CHECK(isnan(prom_hist_quantile(&before, &after, 0.5)), "a quantile across a reset");

	CHECK(prom_hist_delta(&after, &other, &d, err, sizeof(err)) == -1, "changed bounds taken");
	CHECK(strstr(err, "bucket bounds changed"), "%s", err);
	CHECK(isnan(prom_hist_quantile(&after, &other, 0.5)), "a quantile across changed bounds");
}

int main(void)
{
	RUN(test_url);
	RUN(test_selector);
	RUN(test_counter_redis);
	RUN(test_counter_errors);
	RUN(test_format);
	RUN(test_histogram_parse);
	RUN(test_quantile);
	RUN(test_reset);
	return CHECK_DONE();
}
