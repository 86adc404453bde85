/* test_trace.c — the trace parser, generators, access-log importer and wire encoding. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trace.h"
#include "util.h"
#include "wire.h"

/* Parse a trace held in a string, as if it were the file "t.trace". */
static int parse_str(const char *text, struct trace *t, char *err, size_t errlen)
{
	/* fmemopen of 0 bytes is EINVAL in older glibc */
	FILE *f = text[0] ? fmemopen((void *)text, strlen(text), "r") : fopen("/dev/null", "r");
	int rc;

	rc = trace_parse(f, "t.trace", t, err, errlen);
	fclose(f);
	return rc;
}

static void test_shipped_traces_parse(void)
{
	static const char *const names[] = { "poisson-2k.trace", "bursty.trace", "diurnal.trace",
					     "sample-nginx.trace" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = xasprintf("%s/workloads/traces/%s", tare_root(), names[i]), err[512] = "";
		struct trace t;
		int rc = trace_load(path, &t, err, sizeof(err));

		CHECK(rc == 0, "%s: %s", path, err);
		if (!rc) {
			CHECK(t.n > 50, "%s: only %zu requests", names[i], t.n);
			CHECK(t.has_duration, "%s: no '# duration:' line", names[i]);
			CHECK(trace_mean_rate(&t) > 1, "%s: mean rate %g", names[i], trace_mean_rate(&t));
		}
		trace_free(&t);
		free(path);
	}
}

static void test_good_trace_values(void)
{
	const char *text =
		"# tare-trace 1\r\n"
		"# a comment, then a blank line\n"
		"\n"
		"# duration: 3.5\n"
		"0.000000001\tget 100 512   # trailing comment\n"
		"  0.5 put:v2 0 0\n"
		"0.5 get 10000000 16777216\n"
		"3 x/y-z_.1 7 8\n";
	struct trace t;
	char err[512] = "";

	CHECK(parse_str(text, &t, err, sizeof(err)) == 0, "%s", err);
	if (t.n != 4) {
		CHECK(t.n == 4, "%zu requests, want 4", t.n);
		trace_free(&t);
		return;
	}
	CHECK(t.req[0].offset_ns == 1, "offset %lld ns, want 1", (long long)t.req[0].offset_ns);
	CHECK(t.req[1].offset_ns == 500000000, "offset %lld", (long long)t.req[1].offset_ns);
	CHECK(t.req[3].offset_ns == 3000000000ll, "offset %lld", (long long)t.req[3].offset_ns);
	CHECK(t.req[0].work_us == 100 && t.req[0].reply_bytes == 512, "first request's sizes");
	CHECK(t.req[2].work_us == TRACE_MAX_WORK_US && t.req[2].reply_bytes == TRACE_MAX_REPLY_BYTES,
	      "the maxima themselves are allowed");
	CHECK(t.nclasses == 3, "%d classes, want 3", t.nclasses);
	CHECK(t.req[0].cls == t.req[2].cls && t.req[1].cls != t.req[0].cls, "class indices");
	CHECK(!strcmp(t.classes[t.req[1].cls], "put:v2"), "class name '%s'", t.classes[t.req[1].cls]);
	CHECK(t.has_duration && t.period_ns == 3500000000ll, "period %lld", (long long)t.period_ns);
	CHECK_NEAR(trace_mean_rate(&t), 4 / 3.5, 1e-9);
	trace_free(&t);

	/* Without "# duration:" the loop period is the last offset plus the mean gap. */
	CHECK(parse_str("# tare-trace 1\n0 a 1 1\n1 a 1 1\n2 a 1 1\n", &t, err, sizeof(err)) == 0, "%s", err);
	CHECK(!t.has_duration && t.period_ns == 3000000000ll, "period %lld, want 3 s", (long long)t.period_ns);
	trace_free(&t);
}

static void test_bad_traces(void)
{
	static const struct {
		const char *text, *want[2];
	} cases[] = {
		{ "", { "t.trace: empty file", "# tare-trace 1" } },
		{ "0.1 get 100 512\n", { "t.trace:1: missing the header", "add the line" } },
		{ "# tare-trace 2\n0 a 1 1\n", { "t.trace:1:", "version '2' is not supported" } },
		{ "hello world\n", { "t.trace:1: not a tare trace", "first line must be" } },
		{ "# tare-trace 1\n# only comments\n", { "t.trace:2: no requests", "after the header" } },
		{ "# tare-trace 1\n0.1 get 100\n", { "t.trace:2: 3 columns, want 4", "offset_s class work_us reply_bytes" } },
		{ "# tare-trace 1\n0 a 1 1\n0.1 get 100 512 9\n", { "t.trace:3: 5 columns, want 4", "" } },
		{ "# tare-trace 1\n-0.5 get 100 512\n", { "t.trace:2: arrival offset '-0.5' is negative", "" } },
		{ "# tare-trace 1\n0 a 1 1\n0 a -1 1\n", { "t.trace:3: work_us '-1' is negative", "" } },
		{ "# tare-trace 1\n0.5 a 1 1\n0.2 a 1 1\n", { "t.trace:3: arrival offset 0.2 s is before the previous", "sort the trace" } },
		{ "# tare-trace 1\n2000000 a 1 1\n", { "t.trace:2: arrival offset 2000000 s is above the maximum 1000000 s", "" } },
		{ "# tare-trace 1\n0 a 10000001 1\n", { "t.trace:2: work_us 10000001 is above the maximum 10000000", "" } },
		{ "# tare-trace 1\n0 a 1 16777217\n", { "t.trace:2: reply_bytes 16777217 is above the maximum", "" } },
		{ "# tare-trace 1\n0 a 1 99999999999999999999999999\n", { "t.trace:2: reply_bytes", "above the maximum" } },
		{ "# tare-trace 1\nabc a 1 1\n", { "t.trace:2: arrival offset 'abc' is not a number", "" } },
		{ "# tare-trace 1\n1e3 a 1 1\n", { "t.trace:2: arrival offset '1e3' is not a number", "" } },
		{ "# tare-trace 1\n0 a 1.5 1\n", { "t.trace:2: work_us '1.5' is not a number", "" } },
		{ "# tare-trace 1\n0 a 1 0x10\n", { "t.trace:2: reply_bytes '0x10' is not a number", "" } },
		{ "# tare-trace 1\n0.1234567891 a 1 1\n", { "t.trace:2:", "more than 9 decimals" } },
		{ "# tare-trace 1\n0 get! 1 1\n", { "t.trace:2: class 'get!' must be", "" } },
		{ "# tare-trace 1\n# duration: 1\n0 a 1 1\n2 a 1 1\n", { "t.trace:2: duration 1 s is shorter than the last arrival offset 2 s", "" } },
		{ "# tare-trace 1\n# duration: soon\n0 a 1 1\n", { "t.trace:2: duration 'soon' is not a number", "" } },
		{ "# tare-trace 1\n# duration: 5\n# duration: 6\n0 a 1 1\n", { "t.trace:3: '# duration:' given twice", "" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trace t;
		char err[512] = "";
		int rc = parse_str(cases[i].text, &t, err, sizeof(err));

		CHECK(rc == -1, "case %zu: accepted:\n%s", i, cases[i].text);
		for (int k = 0; k < 2; k++)
			CHECK(strstr(err, cases[i].want[k]), "case %zu: error '%s' lacks '%s'", i, err,
			      cases[i].want[k]);
		CHECK(!strchr(err, '\n'), "case %zu: error is not one line: %s", i, err);
		CHECK(t.n == 0 && t.req == NULL, "case %zu: trace not left empty", i);
	}
	{
		struct trace t;
		char err[512] = "";

		CHECK(trace_load("/nonexistent/x.trace", &t, err, sizeof(err)) == -1, "a missing file loads");
		CHECK(strstr(err, "/nonexistent/x.trace: cannot open"), "error '%s'", err);
	}
}

/* Generate g into a string. */
static char *gen_str(const struct trace_gen *g)
{
	char *buf = NULL, err[512] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = trace_generate(g, "test", f, err, sizeof(err));

	fclose(f);
	CHECK(rc == 0, "generate: %s", err);
	return buf;
}

static struct trace_gen gen_default(enum trace_shape shape, double duration_s, uint64_t seed)
{
	struct trace_gen g = { .shape = shape, .duration_s = duration_s, .seed = seed, .ncls = 1 };

	g.cls[0] = (struct trace_class_spec){ .name = "req", .work_us = 100, .reply_bytes = 512, .weight = 1 };
	g.rate = 1000;
	g.burst_rate = 4000, g.burst_len_s = 0.25, g.burst_every_s = 1;
	g.min_rate = 200, g.max_rate = 1800, g.period_s = 10;
	return g;
}

static void test_generators_reproducible(void)
{
	for (int s = TRACE_POISSON; s <= TRACE_DIURNAL; s++) {
		struct trace_gen g = gen_default((enum trace_shape)s, 5, 42);
		char *a, *b, *c;

		g.work_dist = TRACE_WORK_EXP;
		g.cls[1] = (struct trace_class_spec){ .name = "put", .work_us = 400, .reply_bytes = 64, .weight = 0.25 };
		g.ncls = 2;
		a = gen_str(&g);
		b = gen_str(&g);
		g.seed = 43;
		c = gen_str(&g);
		CHECK(a && b && !strcmp(a, b), "shape %d: seed 42 twice gives two traces", s);
		CHECK(a && c && strcmp(a, c), "shape %d: seeds 42 and 43 give the same trace", s);
		free(a), free(b), free(c);
	}
}

/* Over a long trace the mean rate is the requested one (Poisson noise: 1/sqrt(n) ~ 0.3%),
 * and the shape is there: bursts at the burst rate, the diurnal peak at max_rate. */
static void test_generators_rates(void)
{
	for (int s = TRACE_POISSON; s <= TRACE_DIURNAL; s++) {
		struct trace_gen g = gen_default((enum trace_shape)s, 100, 7);
		char *text = gen_str(&g), err[512] = "";
		struct trace t;
		double want = trace_gen_mean_rate(&g), in_burst = 0, out_burst = 0, near_peak = 0;

		if (!text || parse_str(text, &t, err, sizeof(err))) {
			CHECK(0, "shape %d: the generated trace does not parse: %s", s, err);
			free(text);
			continue;
		}
		CHECK(t.has_duration && t.period_ns == 100000000000ll, "shape %d: period %lld", s, (long long)t.period_ns);
		CHECK(fabs(trace_mean_rate(&t) / want - 1) < 0.02, "shape %d: mean rate %.1f/s, want %.1f/s ± 2%%",
		      s, trace_mean_rate(&t), want);
		for (size_t i = 0; i < t.n; i++) {
			double x = (double)t.req[i].offset_ns / 1e9, phase = fmod(x, 10) / 10;

			if (fmod(x, 1) >= 0.75)
				in_burst++;
			else
				out_burst++;
			if (fabs(phase - 0.5) < 0.025)
				near_peak++;
		}
		if (s == TRACE_BURSTY) {
			CHECK(fabs(in_burst / 25 / 4000 - 1) < 0.03, "burst rate %.0f/s, want 4000", in_burst / 25);
			CHECK(fabs(out_burst / 75 / 1000 - 1) < 0.03, "base rate %.0f/s, want 1000", out_burst / 75);
		}
		if (s == TRACE_DIURNAL)	/* 200 + 1600 (1 + sin(0.05 pi)/(0.05 pi)) / 2 = 1797: the mean over ±2.5% of the period */
			CHECK(fabs(near_peak / 5 / 1797 - 1) < 0.05, "rate near the peak %.0f/s, want ~1797", near_peak / 5);
		CHECK_NEAR(trace_gen_rate_at(&g, 0), s == TRACE_DIURNAL ? 200 : 1000, 1e-9);
		trace_free(&t);
		free(text);
	}
	{
		struct trace_gen g = gen_default(TRACE_BURSTY, 1.5, 1);

		/* one period (1000*0.75 + 4000*0.25) and half of a base stretch (1000*0.5) */
		CHECK_NEAR(trace_gen_mean_rate(&g), (1750 + 500) / 1.5, 1e-9);
		g = gen_default(TRACE_POISSON, 1e4, 1);
		g.rate = 1e3;
		{
			char *buf = NULL, err[512] = "";
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);

			CHECK(trace_generate(&g, "x", f, err, sizeof(err)) == -1, "10M requests accepted");
			CHECK(strstr(err, "above the maximum 5000000"), "error '%s'", err);
			fclose(f);
			free(buf);
		}
	}
}

static void test_import_lines(void)
{
	struct trace_import_line l;
	const char *why;

	why = trace_import_parse_line("203.0.113.7 - - [10/Oct/2023:13:55:36 +0000] \"GET /api/items?id=3 HTTP/1.1\" 200 512 \"-\" \"curl/8.0\" 0.012",
				      TRACE_LOG_AUTO, &l);
	CHECK(!why, "nginx line: %s", why);
	CHECK(l.time_s == 1696946136 && l.work_us == 12000 && l.reply_bytes == 512 && !strcmp(l.cls, "GET") &&
	      l.format == TRACE_LOG_NGINX, "nginx line: %lld %llu %llu %s", (long long)l.time_s,
	      (unsigned long long)l.work_us, (unsigned long long)l.reply_bytes, l.cls);

	/* Apache's own documentation example, with %D appended; a negative zone. */
	why = trace_import_parse_line("127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 \"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\" 1234",
				      TRACE_LOG_APACHE, &l);
	CHECK(!why, "apache line: %s", why);
	CHECK(l.time_s == 971211336 && l.work_us == 1234 && l.reply_bytes == 2326 && l.format == TRACE_LOG_APACHE,
	      "apache line: %lld %llu", (long long)l.time_s, (unsigned long long)l.work_us);

	/* "-" bytes, an escaped quote in the user agent, a +05:30 zone on a leap day, a field
	 * between the user agent and the time, and a request that is not a method. */
	why = trace_import_parse_line("::1 - - [29/Feb/2024:23:59:59 +0530] \"\\x16\\x03\\x01\" 400 - \"-\" \"say \\\"hi\\\"\" \"10.0.0.1\" 0.000",
				      TRACE_LOG_AUTO, &l);
	CHECK(!why, "odd line: %s", why);
	CHECK(l.time_s == 1709231399 && l.reply_bytes == 0 && l.work_us == 0 && !strcmp(l.cls, "other"),
	      "odd line: %lld %llu %s", (long long)l.time_s, (unsigned long long)l.reply_bytes, l.cls);

	static const struct { const char *line, *why; } bad[] = {
		{ "garbage", "missing the host" },
		{ "1.2.3.4 - - 10/Oct/2023:13:55:36 \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1", "no [time]" },
		{ "1.2.3.4 - - [10/Foo/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1", "impossible date" },
		{ "1.2.3.4 - - [31/Feb/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1", "impossible date" },
		{ "1.2.3.4 - - [31/Apr/2026:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1", "impossible date" },
		{ "1.2.3.4 - - [29/Feb/2100:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1", "impossible date" },
		{ "1.2.3.4 - - [10/13/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1", "not like" },
		{ "1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\"", "no request time" },
		{ "1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1 200 1 \"-\" \"-\" 0.1", "status" },
		{ "1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 0.1", "referer" },
		{ "1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" fast", "request time" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = trace_import_parse_line(bad[i].line, TRACE_LOG_AUTO, &l);
		CHECK(why && strstr(why, bad[i].why), "bad line %zu: got '%s', want '%s'", i, why ? why : "(accepted)",
		      bad[i].why);
	}
	why = trace_import_parse_line("1.2.3.4 - - [29/Feb/2000:00:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1",
				      TRACE_LOG_AUTO, &l);
	CHECK(!why && l.time_s == 951782400, "29/Feb/2000 (a leap year): %s %lld", why ? why : "",
	      (long long)l.time_s);
	why = trace_import_parse_line("1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1",
				      TRACE_LOG_APACHE, &l);
	CHECK(why && strstr(why, "--format nginx"), "nginx time under --format apache: '%s'", why ? why : "(accepted)");
	why = trace_import_parse_line("1.2.3.4 - - [10/Oct/2023:13:55:36 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 100",
				      TRACE_LOG_NGINX, &l);
	CHECK(why && strstr(why, "--format apache"), "apache time under --format nginx: '%s'", why ? why : "(accepted)");
}

static const char import_log[] =
	"10.0.0.1 - - [10/Oct/2023:13:55:37 +0000] \"POST /a HTTP/1.1\" 201 20 \"-\" \"c\" 0.040\n"
	"10.0.0.1 - - [10/Oct/2023:13:55:36 +0000] \"GET /b HTTP/1.1\" 200 500 \"-\" \"c\" 0.010\n"
	"this line is garbage\n"
	"\n"
	"10.0.0.1 - - [10/Oct/2023:13:55:36 +0000] \"GET /c HTTP/1.1\" 200 600 \"-\" \"c\" 0.020\n"
	"10.0.0.1 - - [10/Oct/2023:13:55:39 +0000] \"GET /d HTTP/1.1\" 200 99999999 \"-\" \"c\" 0.001\n"
	"10.0.0.1 - - [10/Oct/2023:13:55:39 +0000] \"GET /e HTTP/1.1\" 200 1 \"-\" \"c\"\n";

static int import_str(const char *log, const struct trace_import_opts *o, char **out,
		      struct trace_import_stats *st, char *err, size_t errlen)
{
	FILE *in = fmemopen((void *)log, strlen(log), "r"), *mem;
	size_t len = 0;
	int rc;

	*out = NULL;
	mem = open_memstream(out, &len);
	rc = trace_import(in, "access.log", o, "test", mem, st, err, errlen);
	fclose(mem);
	fclose(in);
	return rc;
}

static void test_import_log(void)
{
	struct trace_import_opts o = { .format = TRACE_LOG_AUTO, .work_scale = 1 };
	struct trace_import_stats st;
	struct trace t;
	char *out, err[512] = "";

	CHECK(import_str(import_log, &o, &out, &st, err, sizeof(err)) == 0, "%s", err);
	CHECK(st.lines == 7 && st.requests == 4 && st.skipped == 2 && st.blank == 1,
	      "lines %llu requests %llu skipped %llu blank %llu", (unsigned long long)st.lines,
	      (unsigned long long)st.requests, (unsigned long long)st.skipped, (unsigned long long)st.blank);
	CHECK(st.first_bad_line == 3 && strstr(st.first_bad_why, "no [time] field"), "first bad: %llu %s",
	      (unsigned long long)st.first_bad_line, st.first_bad_why);
	CHECK(st.bytes_clamped == 1, "bytes clamped %llu", (unsigned long long)st.bytes_clamped);
	CHECK(out && strstr(out, "1-second resolution"), "no note on the time resolution:\n%s", out);
	if (parse_str(out ? out : "", &t, err, sizeof(err)) == 0) {
		/* sorted by time; two requests in 13:55:36 at +0.25 and +0.75 s, in log order */
		CHECK(t.n == 4, "%zu requests", t.n);
		if (t.n == 4) {
			CHECK(t.req[0].offset_ns == 250000000 && t.req[0].work_us == 10000, "first: %lld %u",
			      (long long)t.req[0].offset_ns, t.req[0].work_us);
			CHECK(t.req[1].offset_ns == 750000000 && t.req[1].reply_bytes == 600, "second: %lld",
			      (long long)t.req[1].offset_ns);
			CHECK(t.req[2].offset_ns == 1500000000 && !strcmp(t.classes[t.req[2].cls], "POST"),
			      "third: %lld", (long long)t.req[2].offset_ns);
			CHECK(t.req[3].reply_bytes == TRACE_MAX_REPLY_BYTES, "clamped size %u", t.req[3].reply_bytes);
		}
		CHECK(t.period_ns == 4000000000ll, "duration %lld, want 4 s", (long long)t.period_ns);
		trace_free(&t);
	} else {
		CHECK(0, "the imported trace does not parse: %s", err);
	}
	free(out);

	o.strict = 1;
	CHECK(import_str(import_log, &o, &out, &st, err, sizeof(err)) == -1, "--strict accepted garbage");
	CHECK(strstr(err, "access.log:3:") && strstr(err, "--strict"), "strict error '%s'", err);
	free(out);

	o.strict = 0;
	CHECK(import_str("junk\nmore junk\n", &o, &out, &st, err, sizeof(err)) == -1, "all garbage accepted");
	CHECK(strstr(err, "no usable line") && st.skipped == 2, "error '%s'", err);
	free(out);
	CHECK(import_str("", &o, &out, &st, err, sizeof(err)) == -1, "an empty log accepted");
	free(out);
}

/* One nginx line of the given date, method and bytes sent. */
static void log_line(char *buf, size_t len, const char *date, const char *method, unsigned long bytes)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "10.0.0.1 - - [%s +0000] \"%s / HTTP/1.1\" 200 %lu \"-\" \"c\" 0.010\n",
		 date, method, bytes);
}

static void test_import_outliers(void)
{
	struct trace_import_opts o = { .format = TRACE_LOG_AUTO, .work_scale = 1 };
	struct trace_import_stats st;
	struct trace t;
	char log[8192] = "", *out, err[512] = "";

	log_line(log, sizeof(log), "12/Mar/2026:10:00:00", "GET", 1);
	log_line(log, sizeof(log), "01/Jan/1970:00:00:00", "GET", 99999999);	/* line 2 */
	log_line(log, sizeof(log), "12/Mar/2026:10:00:01", "GET", 2);
	log_line(log, sizeof(log), "31/Feb/2026:10:00:01", "GET", 1);		/* line 4: malformed */
	log_line(log, sizeof(log), "12/Mar/2026:10:00:01", "POST", 3);
	log_line(log, sizeof(log), "12/Mar/2999:10:00:02", "GET", 1);		/* line 6 */
	log_line(log, sizeof(log), "12/Mar/2026:10:00:03", "GET", 4);
	CHECK(import_str(log, &o, &out, &st, err, sizeof(err)) == 0, "%s", err);
	CHECK(st.lines == 7 && st.requests == 4 && st.skipped == 1 && st.first_bad_line == 4 &&
	      st.outliers == 2 && st.first_outlier_line == 2,
	      "lines %llu requests %llu skipped %llu (first %llu) outliers %llu (first %llu)",
	      (unsigned long long)st.lines, (unsigned long long)st.requests, (unsigned long long)st.skipped,
	      (unsigned long long)st.first_bad_line, (unsigned long long)st.outliers,
	      (unsigned long long)st.first_outlier_line);
	CHECK(st.bytes_clamped == 0, "an outlier's clamped size is counted: %llu", (unsigned long long)st.bytes_clamped);
	if (parse_str(out ? out : "", &t, err, sizeof(err)) == 0) {
		CHECK(t.n == 4 && t.req[0].offset_ns == 500000000 && t.req[0].reply_bytes == 1 &&
		      t.req[3].offset_ns == 3500000000ll && t.req[3].reply_bytes == 4 && t.period_ns == 4000000000ll,
		      "%zu requests, the bulk not kept as it was", t.n);
		trace_free(&t);
	} else {
		CHECK(0, "the imported trace does not parse: %s", err);
	}
	free(out);
	o.strict = 1;
	log[0] = '\0';
	log_line(log, sizeof(log), "12/Mar/2026:10:00:00", "GET", 1);
	log_line(log, sizeof(log), "12/Mar/2026:10:00:01", "GET", 1);
	log_line(log, sizeof(log), "12/Mar/2999:10:00:02", "GET", 1);
	log_line(log, sizeof(log), "01/Jan/1970:00:00:00", "GET", 1);
	log_line(log, sizeof(log), "12/Mar/2026:10:00:02", "GET", 1);
	/* the first in the log, not the earliest in time */
	CHECK(import_str(log, &o, &out, &st, err, sizeof(err)) == -1, "--strict accepted an outlying date");
	CHECK(strstr(err, "access.log:3: dated 2999-03-12 10:00:02 UTC"), "strict error '%s'", err);
	free(out);
	o.strict = 0;

	/* Within the span limit nothing is outlying, however lopsided: 1 line, a 10-day gap, 3. */
	log[0] = '\0';
	log_line(log, sizeof(log), "01/Mar/2026:10:00:00", "GET", 1);
	log_line(log, sizeof(log), "11/Mar/2026:10:00:00", "GET", 1);
	log_line(log, sizeof(log), "11/Mar/2026:10:00:00", "GET", 1);
	log_line(log, sizeof(log), "11/Mar/2026:10:00:01", "GET", 1);
	CHECK(import_str(log, &o, &out, &st, err, sizeof(err)) == 0 && st.requests == 4 && st.outliers == 0,
	      "a 10-day log lost lines: %s, %llu requests", err, (unsigned long long)st.requests);
	free(out);

	/* A genuine long log (a line a day for 14 days) keeps every line and fails on the span. */
	log[0] = '\0';
	for (int d = 1; d <= 14; d++) {
		char date[32];

		snprintf(date, sizeof(date), "%02d/Mar/2026:10:00:00", d);
		log_line(log, sizeof(log), date, "GET", 1);
	}
	CHECK(import_str(log, &o, &out, &st, err, sizeof(err)) == -1 && strstr(err, "spans more than") &&
	      st.outliers == 0, "a 14-day log: '%s', %llu outliers", err, (unsigned long long)st.outliers);
	free(out);

	/* No cluster holds most of the lines: nothing is outlying, the span limit decides. */
	log[0] = '\0';
	log_line(log, sizeof(log), "12/Mar/2026:10:00:00", "GET", 1);
	log_line(log, sizeof(log), "12/Mar/2026:10:00:01", "GET", 1);
	log_line(log, sizeof(log), "01/Jan/1970:00:00:00", "GET", 1);
	log_line(log, sizeof(log), "12/Mar/2999:10:00:02", "GET", 1);
	CHECK(import_str(log, &o, &out, &st, err, sizeof(err)) == -1 && strstr(err, "spans more than") &&
	      st.outliers == 0, "half a log made outliers: '%s', %llu outliers", err, (unsigned long long)st.outliers);
	free(out);
}

static void test_wire_roundtrip(void)
{
	struct wire_req a = { .magic = WIRE_REQ_MAGIC, .cls = 3, .id = 0x0102030405060708ull, .work_us = 150,
			      .alloc_bytes = 16384, .reply_bytes = 512, .payload_bytes = 64 }, b;
	struct wire_rep r = { .magic = WIRE_REP_MAGIC, .id = 99, .reply_bytes = 7, .server_us = 5 }, s;
	unsigned char buf[WIRE_REQ_BYTES];

	wire_req_encode(&a, buf);
	CHECK(!memcmp(buf, "TRQ1", 4) && buf[8] == 0x08, "little-endian on the wire");
	wire_req_decode(buf, &b);
	CHECK(!memcmp(&a, &b, sizeof(a)) && !wire_req_check(&b), "request round trip");
	b.work_us = WIRE_MAX_WORK_US + 1;
	CHECK(wire_req_check(&b) != NULL, "work_us above the maximum passes");
	wire_rep_encode(&r, buf);
	CHECK(!memcmp(buf, "TRP1", 4), "reply magic");
	wire_rep_decode(buf, &s);
	CHECK(!memcmp(&r, &s, sizeof(r)), "reply round trip");
}

int main(void)
{
	RUN(test_shipped_traces_parse);
	RUN(test_good_trace_values);
	RUN(test_bad_traces);
	RUN(test_generators_reproducible);
	RUN(test_generators_rates);
	RUN(test_import_lines);
	RUN(test_import_log);
	RUN(test_import_outliers);
	RUN(test_wire_roundtrip);
	return CHECK_DONE();
}
