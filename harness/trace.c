/* trace.c — request traces: generators, access-log importer, `tare trace`.
 *
 * The format and its parser are in common/trace_format.{c,h} (and docs/traces.md); errors are
 * one line naming FILE:LINE, as the parser's.  The generators draw from their own
 * xoshiro256** (seeded through splitmix64, as prng.c): a shipped trace records the command
 * line that made it, and that line must give the same bytes for as long as the format is
 * version 1, whatever happens to the harness's generator.
 */
#include "trace.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parse.h"
#include "util.h"

/* ---- generators ------------------------------------------------------------------------ */

struct trace_rng {
	uint64_t s[4];
};

static uint64_t trace_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void trace_rng_seed(struct trace_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = trace_splitmix64(&seed);
}

static uint64_t trace_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t trace_rng_next(struct trace_rng *r)
{
	uint64_t *s = r->s, result = trace_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = trace_rotl(s[3], 45);
	return result;
}

static double trace_rng_unit(struct trace_rng *r)
{
	return (double)(trace_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Exponential with the given mean; u in [0, 1) so the log is finite. */
static double trace_rng_exp(struct trace_rng *r, double mean)
{
	return -log1p(-trace_rng_unit(r)) * mean;
}

double trace_gen_rate_at(const struct trace_gen *g, double t)
{
	switch (g->shape) {
	case TRACE_BURSTY:
		/* Each period runs at the base rate, then ends with a burst of burst_len. */
		return fmod(t, g->burst_every_s) >= g->burst_every_s - g->burst_len_s ? g->burst_rate : g->rate;
	case TRACE_DIURNAL:
		/* Starts at min_rate, peaks at max_rate half a period in. */
		return g->min_rate + (g->max_rate - g->min_rate) * (1 - cos(2 * M_PI * t / g->period_s)) / 2;
	default:
		return g->rate;
	}
}

double trace_gen_mean_rate(const struct trace_gen *g)
{
	double d = g->duration_s;

	if (d <= 0)
		return 0;
	switch (g->shape) {
	case TRACE_BURSTY: {
		double e = g->burst_every_s, full = floor(d / e), rest = d - full * e;
		double per = g->rate * e + (g->burst_rate - g->rate) * g->burst_len_s;
		double part = g->rate * rest + (g->burst_rate - g->rate) * fmax(0, rest - (e - g->burst_len_s));

		return (full * per + part) / d;
	}
	case TRACE_DIURNAL: {
		double w = 2 * M_PI / g->period_s, a = g->max_rate - g->min_rate;

		return g->min_rate + a / 2 * (1 - sin(w * d) / (w * d));
	}
	default:
		return g->rate;
	}
}

static double trace_gen_peak_rate(const struct trace_gen *g)
{
	switch (g->shape) {
	case TRACE_BURSTY: return fmax(g->rate, g->burst_rate);
	case TRACE_DIURNAL: return g->max_rate;
	default: return g->rate;
	}
}

static int trace_gen_check(const struct trace_gen *g, char *err, size_t errlen)
{
	const char *who = "tare trace gen";
	double expect;

	if (!(g->duration_s > 0) || g->duration_s > TRACE_MAX_OFFSET_S)
		return trace_errf(err, errlen, who, 0, "--duration must be in (0, %d] s", TRACE_MAX_OFFSET_S);
	if (g->ncls < 1)
		return trace_errf(err, errlen, who, 0, "no request class");
	switch (g->shape) {
	case TRACE_POISSON:
		if (!(g->rate > 0))
			return trace_errf(err, errlen, who, 0, "poisson needs --rate above 0");
		break;
	case TRACE_BURSTY:
		if (!(g->burst_len_s > 0) || !(g->burst_every_s > g->burst_len_s))
			return trace_errf(err, errlen, who, 0,
					  "bursty needs 0 < --burst-len < --burst-every (got %g and %g s)",
					  g->burst_len_s, g->burst_every_s);
		if (!(g->rate + g->burst_rate > 0))
			return trace_errf(err, errlen, who, 0, "bursty needs --rate or --burst-rate above 0");
		break;
	case TRACE_DIURNAL:
		if (!(g->period_s > 0) || g->min_rate > g->max_rate || !(g->max_rate > 0))
			return trace_errf(err, errlen, who, 0,
					  "diurnal needs --period above 0 and 0 <= --min-rate <= --max-rate, max above 0");
		break;
	}
	expect = trace_gen_mean_rate(g) * g->duration_s;
	if (expect > TRACE_MAX_REQUESTS * 0.95)
		return trace_errf(err, errlen, who, 0,
				  "about %.0f requests, above the maximum %d: lower the rate or the duration (replay loops a trace)",
				  expect, TRACE_MAX_REQUESTS);
	return 0;
}

static const char *const trace_shape_names[] = { "poisson", "bursty", "diurnal" };

/* Non-homogeneous Poisson arrivals by thinning (Lewis & Shedler 1979): candidates at the peak
 * rate, each kept with probability rate(t)/peak.  Exact for any bounded rate function, and the
 * draws per candidate are fixed (gap, keep; then class, work), so a seed fixes the output. */
int trace_generate(const struct trace_gen *g, const char *cmdline, FILE *f, char *err, size_t errlen)
{
	struct trace_rng r;
	double peak, t = 0, total_w = 0;
	uint64_t n = 0;

	if (trace_gen_check(g, err, errlen))
		return -1;
	for (int i = 0; i < g->ncls; i++)
		total_w += g->cls[i].weight;
	if (!(total_w > 0))
		return trace_errf(err, errlen, "tare trace gen", 0, "class weights sum to 0");
	peak = trace_gen_peak_rate(g);
	trace_rng_seed(&r, g->seed);

	fprintf(f, "%s\n# generator: %s\n", TRACE_MAGIC, cmdline ? cmdline : "");
	fprintf(f, "# shape: %s, mean rate %.6g/s, peak %.6g/s, work %s\n", trace_shape_names[g->shape],
		trace_gen_mean_rate(g), peak, g->work_dist == TRACE_WORK_EXP ? "exponential" : "constant");
	fprintf(f, "# duration: %.9g\n# offset_s class work_us reply_bytes\n", g->duration_s);
	for (;;) {
		const struct trace_class_spec *c = &g->cls[g->ncls - 1];
		double pick;
		uint64_t work;

		t += trace_rng_exp(&r, 1 / peak);
		if (t >= g->duration_s)
			break;
		if (g->shape != TRACE_POISSON && trace_rng_unit(&r) * peak >= trace_gen_rate_at(g, t))
			continue;
		if (g->ncls > 1) {
			pick = trace_rng_unit(&r) * total_w;
			for (int i = 0; i < g->ncls; i++) {
				if (pick < g->cls[i].weight) {
					c = &g->cls[i];
					break;
				}
				pick -= g->cls[i].weight;
			}
		}
		work = c->work_us;
		if (g->work_dist == TRACE_WORK_EXP)
			work = (uint64_t)llround(fmin(trace_rng_exp(&r, c->work_us), TRACE_MAX_WORK_US));
		if (++n > TRACE_MAX_REQUESTS)
			return trace_errf(err, errlen, "tare trace gen", 0,
					  "more than %d requests: lower the rate or the duration", TRACE_MAX_REQUESTS);
		/* µs resolution: rounding is monotone, so offsets stay non-decreasing. */
		fprintf(f, "%.6f %s %llu %u\n", t, c->name, (unsigned long long)work, c->reply_bytes);
	}
	if (ferror(f))
		return trace_errf(err, errlen, "tare trace gen", 0, "write error: %s", strerror(errno));
	return 0;
}

/* ---- the access-log importer ----------------------------------------------------------- */

static const char *trace_skip_quoted(const char **pp)
{
	const char *p = *pp;

	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	if (*p != '"')
		return NULL;
	*pp = p + 1;
	return p;
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil): no timegm, no TZ. */
static int64_t trace_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int trace_days_in_month(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* "[10/Oct/2023:13:55:36 +0200]" → Unix seconds (UTC). */
static const char *trace_parse_log_time(const char **pp, int64_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4], sign;
	int day, month, year, hh, mm, ss, tzh, tzm, used = 0;
	const char *m;

	if (sscanf(*pp, "[%2d/%3[A-Za-z]/%4d:%2d:%2d:%2d %c%2d%2d]%n",
		   &day, mon, &year, &hh, &mm, &ss, &sign, &tzh, &tzm, &used) != 9 || !used)
		return "the [time] field is not like [10/Oct/2023:13:55:36 +0000]";
	m = strlen(mon) == 3 ? strstr(months, mon) : NULL;
	if (!m || (m - months) % 3 || day < 1 || year < 1970 || hh > 23 || mm > 59 ||
	    ss > 60 || (sign != '+' && sign != '-') || tzh > 23 || tzm > 59 || hh < 0 || mm < 0 ||
	    ss < 0 || tzh < 0 || tzm < 0)
		return "the [time] field has an impossible date or time";
	month = (int)((m - months) / 3) + 1;
	/* days_from_civil would silently roll 31/Feb over into March */
	if (day > trace_days_in_month(year, month))
		return "the [time] field has an impossible date or time";
	*out = trace_days_from_civil(year, month, day) * 86400 + hh * 3600 +
	       mm * 60 + ss - (sign == '-' ? -1 : 1) * (tzh * 3600 + tzm * 60);
	*pp += used;
	return NULL;
}

const char *trace_import_parse_line(const char *line, enum trace_log_format fmt,
				    struct trace_import_line *out)
{
	const char *p = line, *q, *why, *last, *end;
	size_t mlen;
	uint64_t v;
	int64_t ns;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 3; i++) {		/* host ident user */
		p += strspn(p, " ");
		if (!*p || *p == '[' || *p == '"')
			return "missing the host, ident and user fields before [time]";
		p += strcspn(p, " ");
	}
	p += strspn(p, " ");
	if (*p != '[')
		return "no [time] field after host, ident and user";
	if ((why = trace_parse_log_time(&p, &out->time_s)))
		return why;
	p += strspn(p, " ");
	q = p + 1;
	if (!trace_skip_quoted(&p))
		return "no \"request\" field after [time]";
	mlen = strcspn(q, " \"");
	if (mlen >= 1 && mlen <= 16) {
		memcpy(out->cls, q, mlen);
		out->cls[mlen] = '\0';
		for (size_t i = 0; i < mlen; i++)
			if (!isupper((unsigned char)out->cls[i]))
				mlen = 0;
	}
	if (mlen < 1 || mlen > 16)
		strcpy(out->cls, "other");
	p += strspn(p, " ");
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != ' ')
		return "no 3-digit status after the \"request\"";
	p += 4;
	p += strspn(p, " ");
	if (*p == '-' && p[1] == ' ') {
		out->reply_bytes = 0;
		p += 2;
	} else {
		char num[24];
		size_t n = strcspn(p, " ");

		if (n == 0 || n >= sizeof(num))
			return "the bytes-sent field after the status is not a number";
		memcpy(num, p, n);
		num[n] = '\0';
		if (trace_parse_whole(num, UINT64_MAX / 2, &out->reply_bytes) != TRACE_NUM_OK)
			return "the bytes-sent field after the status is not a number";
		p += n;
	}
	p += strspn(p, " ");
	if (!trace_skip_quoted(&p))
		return "no \"referer\" field after the bytes sent (not the combined format)";
	p += strspn(p, " ");
	if (!trace_skip_quoted(&p))
		return "no \"user-agent\" field after the referer (not the combined format)";
	/* The request time is the last field; fields logged between are allowed. */
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	last = end;
	while (last > p && !isspace((unsigned char)last[-1]))
		last--;
	if (last == end)
		return "no request time after the user-agent: log $request_time (nginx) or %D (Apache) last";
	{
		char num[32];
		size_t n = (size_t)(end - last);
		bool dot;

		if (n >= sizeof(num))
			return "the last field is not a request time";
		memcpy(num, last, n);
		num[n] = '\0';
		dot = strchr(num, '.') != NULL;
		if (fmt == TRACE_LOG_NGINX && !dot)
			return "the last field is not $request_time in seconds like 0.012 (an Apache %D log? use --format apache)";
		if (fmt == TRACE_LOG_APACHE && dot)
			return "the last field is not %D in whole microseconds (an nginx $request_time log? use --format nginx)";
		if (dot) {
			if (trace_parse_seconds(num, TRACE_MAX_OFFSET_S, &ns) != TRACE_NUM_OK)
				return "the last field is not a request time in seconds like 0.012";
			out->work_us = (uint64_t)(ns + 500) / 1000;
			out->format = TRACE_LOG_NGINX;
		} else {
			if (trace_parse_whole(num, (uint64_t)TRACE_MAX_OFFSET_S * 1000000, &v) != TRACE_NUM_OK)
				return "the last field is not a request time in microseconds";
			out->work_us = v;
			out->format = TRACE_LOG_APACHE;
		}
	}
	return NULL;
}

enum { TRACE_CLAMPED_WORK = 1, TRACE_CLAMPED_BYTES = 2 };

struct trace_import_rec {
	int64_t time_s;
	uint64_t seq;
	uint32_t work_us, reply_bytes;
	uint16_t cls;
	uint8_t clamped;	/* TRACE_CLAMPED_*: uncounted if the line turns out outlying */
};

static int trace_import_cmp(const void *a, const void *b)
{
	const struct trace_import_rec *x = a, *y = b;

	if (x->time_s != y->time_s)
		return x->time_s < y->time_s ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* The bulk of a log sorted by time: [*first, *first + return) of rec.  Lines split into
 * clusters wherever two neighbours are at least TRACE_MAX_OFFSET_S apart; the bulk is the
 * cluster holding more than half the lines, else (no such cluster) the whole log. */
static size_t trace_import_bulk(const struct trace_import_rec *rec, size_t n, size_t *first)
{
	size_t start = 0;

	for (size_t i = 1; i <= n; i++) {
		if (i < n && rec[i].time_s - rec[i - 1].time_s < TRACE_MAX_OFFSET_S)
			continue;
		if (2 * (i - start) > n) {
			*first = start;
			return i - start;
		}
		start = i;
	}
	*first = 0;
	return n;
}

/* Drop the lines outside the bulk from rec (sorted), counting them in st; under strict the
 * first of them (in log order) is an error instead.  0 or -1 with err. */
static int trace_import_outliers(struct trace_import_rec *rec, size_t *n, const char *name, int strict,
				 struct trace_import_stats *st, char *err, size_t errlen)
{
	size_t first, kept = trace_import_bulk(rec, *n, &first), shown = 0;

	if (kept == *n)
		return 0;
	for (size_t i = 0; i < *n; i++) {
		if (i >= first && i < first + kept)
			continue;
		if (!st->first_outlier_line || rec[i].seq < st->first_outlier_line) {
			st->first_outlier_line = rec[i].seq;
			shown = i;
		}
		st->outliers++;
		st->work_clamped -= (rec[i].clamped & TRACE_CLAMPED_WORK) != 0;
		st->bytes_clamped -= (rec[i].clamped & TRACE_CLAMPED_BYTES) != 0;
	}
	if (strict) {
		time_t t = (time_t)rec[shown].time_s;
		char date[64] = "?";
		struct tm tm;

		if (gmtime_r(&t, &tm))
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
		return trace_errf(err, errlen, name, rec[shown].seq,
				  "dated %s UTC, %d s or more away from the bulk of the log (fix or delete the line, or import without --strict to skip lines with outlying dates)",
				  date, TRACE_MAX_OFFSET_S);
	}
	memmove(rec, rec + first, kept * sizeof(*rec));
	*n = kept;
	return 0;
}

static const char *trace_log_format_name(enum trace_log_format f)
{
	switch (f) {
	case TRACE_LOG_NGINX: return "nginx combined + $request_time (s)";
	case TRACE_LOG_APACHE: return "Apache combined + %D (us)";
	default: return "combined + request time (nginx and Apache lines mixed)";
	}
}

int trace_import(FILE *in, const char *name, const struct trace_import_opts *o, const char *cmdline,
		 FILE *out, struct trace_import_stats *st, char *err, size_t errlen)
{
	struct trace_import_rec *rec = NULL;
	size_t cap = 0, n = 0, linecap = 0;
	char *line = NULL, *classes[TRACE_MAX_CLASSES];
	int nclasses = 0, rc = -1, seen_nginx = 0, seen_apache = 0;
	double scale = o->work_scale > 0 ? o->work_scale : 1;
	ssize_t got;

	memset(st, 0, sizeof(*st));
	while ((got = getline(&line, &linecap, in)) >= 0) {
		struct trace_import_line l;
		const char *why;
		size_t len = (size_t)got;
		double work;
		int cls = -1;
		uint8_t clamped;

		st->lines++;
		trace_rstrip(line, &len);
		if (!line[strspn(line, " \t")]) {
			st->blank++;
			continue;
		}
		why = memchr(line, '\0', len) ? "a NUL byte (binary data)"
					       : trace_import_parse_line(line, o->format, &l);
		if (why) {
			st->skipped++;
			if (!st->first_bad_line) {
				st->first_bad_line = st->lines;
				snprintf(st->first_bad_why, sizeof(st->first_bad_why), "%s", why);
			}
			if (o->strict) {
				trace_errf(err, errlen, name, st->lines,
					   "%s (fix or delete the line, or import without --strict to skip bad lines)", why);
				goto out;
			}
			continue;
		}
		if (l.format == TRACE_LOG_NGINX)
			seen_nginx = 1;
		else
			seen_apache = 1;
		for (int i = 0; i < nclasses; i++)
			if (!strcmp(classes[i], l.cls))
				cls = i;
		if (cls < 0 && nclasses < TRACE_MAX_CLASSES - 1) {
			classes[nclasses] = xstrdup(l.cls);
			cls = nclasses++;
		} else if (cls < 0) {
			for (int i = 0; i < nclasses; i++)
				if (!strcmp(classes[i], "other"))
					cls = i;
			if (cls < 0) {
				classes[nclasses] = xstrdup("other");
				cls = nclasses++;
			}
		}
		if (n == TRACE_MAX_REQUESTS) {
			trace_errf(err, errlen, name, st->lines,
				   "more than %d requests: import a shorter slice of the log (replay loops a trace)",
				   TRACE_MAX_REQUESTS);
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			rec = xrealloc(rec, cap * sizeof(*rec));
		}
		work = nearbyint((double)l.work_us * scale);
		clamped = 0;
		if (work > TRACE_MAX_WORK_US) {
			work = TRACE_MAX_WORK_US;
			st->work_clamped++;
			clamped |= TRACE_CLAMPED_WORK;
		}
		if (l.reply_bytes > TRACE_MAX_REPLY_BYTES) {
			l.reply_bytes = TRACE_MAX_REPLY_BYTES;
			st->bytes_clamped++;
			clamped |= TRACE_CLAMPED_BYTES;
		}
		rec[n++] = (struct trace_import_rec){ .time_s = l.time_s, .seq = st->lines, .work_us = (uint32_t)work,
						      .reply_bytes = (uint32_t)l.reply_bytes, .cls = (uint16_t)cls,
						      .clamped = clamped };
	}
	if (ferror(in)) {
		trace_errf(err, errlen, name, 0, "read error: %s", strerror(errno));
		goto out;
	}
	st->requests = n;
	st->format = seen_nginx && seen_apache ? TRACE_LOG_AUTO : seen_nginx ? TRACE_LOG_NGINX : TRACE_LOG_APACHE;
	if (n == 0) {
		if (st->first_bad_line)
			trace_errf(err, errlen, name, 0,
				   "no usable line (%llu lines, %llu bad; line %llu: %s): is this a combined access log with the request time last?",
				   (unsigned long long)st->lines, (unsigned long long)st->skipped,
				   (unsigned long long)st->first_bad_line, st->first_bad_why);
		else
			trace_errf(err, errlen, name, 0, "empty log: nothing to import");
		goto out;
	}
	/* Apache logs at completion but stamps the arrival, so lines can be out of order. */
	qsort(rec, n, sizeof(*rec), trace_import_cmp);
	/* A line a whole span limit away from most of the log can never share a trace with it (a
	 * 1970 or 2999 stamp); a genuine log has no such gap, keeps every line and meets the limit. */
	if (trace_import_outliers(rec, &n, name, o->strict, st, err, errlen))
		goto out;
	st->requests = n;
	if (rec[n - 1].time_s - rec[0].time_s >= TRACE_MAX_OFFSET_S) {
		trace_errf(err, errlen, name, 0, "the log spans more than %d s: import a slice of it",
			   TRACE_MAX_OFFSET_S);
		goto out;
	}
	fprintf(out, "%s\n# generator: %s\n", TRACE_MAGIC, cmdline ? cmdline : "");
	fprintf(out, "# source: %s, %s: %llu lines, %llu requests, %llu bad lines skipped", name,
		trace_log_format_name(st->format), (unsigned long long)st->lines,
		(unsigned long long)n, (unsigned long long)st->skipped);
	if (st->outliers)
		fprintf(out, ", %llu with outlying dates skipped", (unsigned long long)st->outliers);
	fprintf(out, "\n");
	fprintf(out, "# note: access-log times have 1-second resolution; the n requests logged in one second are spread evenly over it, the k-th at +(k+0.5)/n s\n");
	fprintf(out, "# note: work_us = request time x %g (%llu clamped to %u); reply_bytes = bytes sent (%llu clamped)\n",
		scale, (unsigned long long)st->work_clamped, TRACE_MAX_WORK_US,
		(unsigned long long)st->bytes_clamped);
	fprintf(out, "# duration: %lld\n# offset_s class work_us reply_bytes\n",
		(long long)(rec[n - 1].time_s - rec[0].time_s + 1));
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && rec[j].time_s == rec[i].time_s)
			j++;
		for (size_t k = i; k < j; k++) {
			double off = (double)(rec[k].time_s - rec[0].time_s) +
				     ((double)(k - i) + 0.5) / (double)(j - i);

			fprintf(out, "%.6f %s %u %u\n", off, classes[rec[k].cls], rec[k].work_us,
				rec[k].reply_bytes);
		}
		i = j;
	}
	if (ferror(out)) {
		trace_errf(err, errlen, name, 0, "write error: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < nclasses; i++)
		free(classes[i]);
	free(rec);
	free(line);
	return rc;
}

/* ---- `tare trace` ---------------------------------------------------------------------- */

static int trace_usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int trace_usage_err(const char *cmd, const char *fmt, ...)
{
	char who[64], help[64];
	va_list ap;

	snprintf(who, sizeof(who), "tare trace %s", cmd);
	snprintf(help, sizeof(help), "tare trace %s --help", cmd);
	va_start(ap, fmt);
	tare_vusage(who, help, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* The command line, without -o FILE (the content does not depend on it), with the seed. */
static char *trace_cmdline(const char *prefix, int argc, char **argv, int add_seed, uint64_t seed)
{
	size_t len = strlen(prefix) + 64;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xmalloc(len);
	strcpy(s, prefix);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "-o", 2) || !strncmp(argv[i], "--output=", 9))
			continue;
		strcat(s, " ");
		strcat(s, argv[i]);
	}
	if (add_seed)
		sprintf(s + strlen(s), " --seed %llu", (unsigned long long)seed);
	return s;
}

/* Write the buffer to path atomically (so a reader never sees half a trace), or to stdout. */
static int trace_emit(const char *cmd, const char *path, char *buf, size_t len)
{
	if (!path || !strcmp(path, "-")) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
			fprintf(stderr, "tare trace %s: writing to stdout: %s\n", cmd, strerror(errno));
			return EXIT_FAIL;
		}
		return 0;
	}
	if (write_file_atomic(path, buf, len)) {
		fprintf(stderr, "tare trace %s: cannot write %s: %s (check the directory exists and is writable)\n",
			cmd, path, strerror(errno));
		return EXIT_FAIL;
	}
	return 0;
}

static const char trace_gen_help[] =
	"usage: tare trace gen SHAPE [options] [-o FILE]\n"
	"Generate a seeded, reproducible request trace (docs/traces.md).\n"
	"\n"
	"shapes:\n"
	"  poisson   --rate R --duration S\n"
	"            Poisson arrivals at R requests/s\n"
	"  bursty    --rate R --burst-rate R2 --burst-len S --burst-every S --duration S\n"
	"            each period of --burst-every seconds runs at R, then ends with a burst\n"
	"            of --burst-len seconds at R2 (Poisson within each)\n"
	"  diurnal   --min-rate R --max-rate R2 --period S --duration S\n"
	"            rate rising from R to R2 and back along a cosine over each period\n"
	"\n"
	"options:\n"
	"  --seed N               the generator's seed (default 1); same seed, same bytes\n"
	"  --work-us N            server CPU per request in us (default 100)\n"
	"  --reply-bytes N        reply size in bytes (default 512)\n"
	"  --work-dist const|exp  work exactly work_us, or exponential with that mean (default const)\n"
	"  --class NAME[:WORK_US[:REPLY_BYTES[:WEIGHT]]]\n"
	"                         a request class (repeat for a mix; default one class 'req');\n"
	"                         missing parts default to --work-us, --reply-bytes, weight 1\n"
	"  -o, --output FILE      write FILE (atomically) instead of stdout\n"
	"  --help                 this text\n"
	"\n"
	"example: tare trace gen poisson --rate 2000 --duration 2 --class get:80:512:4 \\\n"
	"             --class put:300:64:1 -o my.trace\n";

static int trace_parse_class(const char *arg, uint32_t dflt_work, uint32_t dflt_reply,
			     struct trace_class_spec *c)
{
	char buf[128], *parts[5], *save = NULL;
	int n = 0;
	uint64_t v;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	if (strstr(buf, "::") || buf[0] == ':' || buf[strlen(buf) - 1] == ':')
		return -1;
	for (char *tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		if (n == 4)
			return -1;
		parts[n++] = tok;
	}
	if (n < 1 || !trace_class_ok(parts[0]))
		return -1;
	snprintf(c->name, sizeof(c->name), "%s", parts[0]);
	c->work_us = dflt_work;
	c->reply_bytes = dflt_reply;
	c->weight = 1;
	if (n > 1) {
		if (!parse_u64(parts[1], 0, TRACE_MAX_WORK_US, &v))
			return -1;
		c->work_us = (uint32_t)v;
	}
	if (n > 2) {
		if (!parse_u64(parts[2], 0, TRACE_MAX_REPLY_BYTES, &v))
			return -1;
		c->reply_bytes = (uint32_t)v;
	}
	if (n > 3 && !parse_number(parts[3], 0, 1e9, &c->weight))
		return -1;
	return 0;
}

static int trace_cmd_gen(int argc, char **argv)
{
	enum { O_RATE = 1, O_BURST_RATE, O_BURST_LEN, O_BURST_EVERY, O_MIN_RATE, O_MAX_RATE,
	       O_PERIOD, O_DURATION, O_SEED, O_WORK, O_REPLY, O_DIST, O_CLASS, O_OUT, O_HELP };
	static const struct option opts[] = {
		{ "rate", required_argument, NULL, O_RATE },
		{ "burst-rate", required_argument, NULL, O_BURST_RATE },
		{ "burst-len", required_argument, NULL, O_BURST_LEN },
		{ "burst-every", required_argument, NULL, O_BURST_EVERY },
		{ "min-rate", required_argument, NULL, O_MIN_RATE },
		{ "max-rate", required_argument, NULL, O_MAX_RATE },
		{ "period", required_argument, NULL, O_PERIOD },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "seed", required_argument, NULL, O_SEED },
		{ "work-us", required_argument, NULL, O_WORK },
		{ "reply-bytes", required_argument, NULL, O_REPLY },
		{ "work-dist", required_argument, NULL, O_DIST },
		{ "class", required_argument, NULL, O_CLASS },
		{ "output", required_argument, NULL, O_OUT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct trace_gen g = { .seed = 1, .work_dist = TRACE_WORK_CONST };
	const char *class_args[TRACE_GEN_MAX_CLASSES], *out = NULL, *shape;
	int nclass_args = 0, c, rc, seen_seed = 0, li = 0, ac = argc - 1;
	char **av = argv + 1;	/* av[0] is the shape: getopt starts after it */
	bool have[O_HELP + 1] = { false };
	uint64_t work = 100, reply = 512;
	char err[512], *buf = NULL, *cmdline;
	size_t len = 0;
	FILE *mem;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(trace_gen_help, stdout);
			return 0;
		}
	if (argc < 2 || argv[1][0] == '-')
		return trace_usage_err("gen", "which shape? poisson, bursty or diurnal");
	shape = argv[1];
	if (!strcmp(shape, "poisson"))
		g.shape = TRACE_POISSON;
	else if (!strcmp(shape, "bursty"))
		g.shape = TRACE_BURSTY;
	else if (!strcmp(shape, "diurnal"))
		g.shape = TRACE_DIURNAL;
	else
		return trace_usage_err("gen", "unknown shape '%s': poisson, bursty or diurnal", shape);

	optind = 0;	/* glibc: a full restart of getopt for this argument vector */
	opterr = 0;
	while ((c = getopt_long(ac, av, ":o:", opts, &li)) != -1) {
		double *dst = NULL, max = 1e6;
		const char *what = "a rate in requests/s, 0 to 1e6";

		if (c == 'o')
			c = O_OUT;
		if (c > 0 && c <= O_HELP)
			have[c] = true;
		switch (c) {
		case O_RATE: dst = &g.rate; break;
		case O_BURST_RATE: dst = &g.burst_rate; break;
		case O_MIN_RATE: dst = &g.min_rate; break;
		case O_MAX_RATE: dst = &g.max_rate; break;
		case O_BURST_LEN: dst = &g.burst_len_s; what = "seconds"; max = TRACE_MAX_OFFSET_S; break;
		case O_BURST_EVERY: dst = &g.burst_every_s; what = "seconds"; max = TRACE_MAX_OFFSET_S; break;
		case O_PERIOD: dst = &g.period_s; what = "seconds"; max = TRACE_MAX_OFFSET_S; break;
		case O_DURATION: dst = &g.duration_s; what = "seconds"; max = TRACE_MAX_OFFSET_S; break;
		case O_SEED:
			if (!parse_u64(optarg, 0, UINT64_MAX, &g.seed))
				return trace_usage_err("gen", "--seed '%s': expected a whole number", optarg);
			seen_seed = 1;
			break;
		case O_WORK:
			if (!parse_u64(optarg, 0, TRACE_MAX_WORK_US, &work))
				return trace_usage_err("gen", "--work-us '%s': expected whole us in [0, %u]",
						       optarg, TRACE_MAX_WORK_US);
			break;
		case O_REPLY:
			if (!parse_u64(optarg, 0, TRACE_MAX_REPLY_BYTES, &reply))
				return trace_usage_err("gen", "--reply-bytes '%s': expected bytes in [0, %u]",
						       optarg, TRACE_MAX_REPLY_BYTES);
			break;
		case O_DIST:
			if (!strcmp(optarg, "const"))
				g.work_dist = TRACE_WORK_CONST;
			else if (!strcmp(optarg, "exp"))
				g.work_dist = TRACE_WORK_EXP;
			else
				return trace_usage_err("gen", "--work-dist '%s': expected const or exp", optarg);
			break;
		case O_CLASS:
			if (nclass_args == TRACE_GEN_MAX_CLASSES)
				return trace_usage_err("gen", "more than %d --class options", TRACE_GEN_MAX_CLASSES);
			class_args[nclass_args++] = optarg;
			break;
		case O_OUT:
			out = optarg;
			break;
		case ':':
			return trace_usage_err("gen", "%s: expected a value", av[optind - 1]);
		default:
			return trace_usage_err("gen", "%s: unknown option", av[optind - 1]);
		}
		if (dst && !parse_number(optarg, 0, max, dst))
			return trace_usage_err("gen", "--%s '%s': expected %s", opts[li].name, optarg, what);
	}
	if (optind < ac)
		return trace_usage_err("gen", "%s: unexpected argument", av[optind]);
	{
		static const struct { enum trace_shape s; int opt; const char *name; } need[] = {
			{ TRACE_POISSON, O_RATE, "--rate" }, { TRACE_POISSON, O_DURATION, "--duration" },
			{ TRACE_BURSTY, O_RATE, "--rate" }, { TRACE_BURSTY, O_BURST_RATE, "--burst-rate" },
			{ TRACE_BURSTY, O_BURST_LEN, "--burst-len" },
			{ TRACE_BURSTY, O_BURST_EVERY, "--burst-every" },
			{ TRACE_BURSTY, O_DURATION, "--duration" },
			{ TRACE_DIURNAL, O_MIN_RATE, "--min-rate" }, { TRACE_DIURNAL, O_MAX_RATE, "--max-rate" },
			{ TRACE_DIURNAL, O_PERIOD, "--period" }, { TRACE_DIURNAL, O_DURATION, "--duration" },
		};
		static const struct { enum trace_shape s; int opt; const char *name; } only[] = {
			{ TRACE_BURSTY, O_BURST_RATE, "--burst-rate" }, { TRACE_BURSTY, O_BURST_LEN, "--burst-len" },
			{ TRACE_BURSTY, O_BURST_EVERY, "--burst-every" },
			{ TRACE_DIURNAL, O_MIN_RATE, "--min-rate" }, { TRACE_DIURNAL, O_MAX_RATE, "--max-rate" },
			{ TRACE_DIURNAL, O_PERIOD, "--period" },
		};

		for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
			if (only[i].s != g.shape && have[only[i].opt])
				return trace_usage_err("gen", "%s is for %s traces, not %s", only[i].name,
						       trace_shape_names[only[i].s], shape);
		if (g.shape == TRACE_DIURNAL && have[O_RATE])
			return trace_usage_err("gen", "diurnal takes --min-rate and --max-rate, not --rate");
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (need[i].s == g.shape && !have[need[i].opt])
				return trace_usage_err("gen", "%s needs %s", shape, need[i].name);
	}
	for (int i = 0; i < nclass_args; i++)
		if (trace_parse_class(class_args[i], (uint32_t)work, (uint32_t)reply, &g.cls[i]))
			return trace_usage_err("gen", "--class '%s': expected NAME[:WORK_US[:REPLY_BYTES[:WEIGHT]]], e.g. get:100:512:4",
					       class_args[i]);
	g.ncls = nclass_args;
	if (!g.ncls) {
		g.cls[0] = (struct trace_class_spec){ .name = "req", .work_us = (uint32_t)work,
						      .reply_bytes = (uint32_t)reply, .weight = 1 };
		g.ncls = 1;
	}
	if (trace_gen_check(&g, err, sizeof(err))) {
		fprintf(stderr, "%s (see tare trace gen --help)\n", err);
		return EXIT_USAGE;
	}
	cmdline = trace_cmdline("tare trace gen", ac, av, !seen_seed, g.seed);
	mem = open_memstream(&buf, &len);
	if (!mem)
		tare_die(EXIT_FAIL, "out of memory");
	rc = trace_generate(&g, cmdline, mem, err, sizeof(err));
	fclose(mem);
	free(cmdline);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		free(buf);
		return EXIT_USAGE;
	}
	rc = trace_emit("gen", out, buf, len);
	free(buf);
	return rc;
}

static const char trace_import_help[] =
	"usage: tare trace import [--format auto|nginx|apache] [--work-scale F] [--strict] [-o FILE] LOG\n"
	"Turn a web-server access log into a trace: arrival times, request classes (the HTTP\n"
	"method), work (the request time) and reply sizes (bytes sent).\n"
	"\n"
	"The log is the combined format with the request time as the last field:\n"
	"  nginx:   log_format timed '$remote_addr - $remote_user [$time_local] \"$request\" '\n"
	"                            '$status $body_bytes_sent \"$http_referer\" '\n"
	"                            '\"$http_user_agent\" $request_time';\n"
	"  Apache:  LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{Referer}i\\\" \\\"%{User-agent}i\\\" %D\"\n"
	"\n"
	"  --format F        nginx ($request_time, seconds), apache (%D, microseconds), or auto\n"
	"                    (the default: seconds if the field has a decimal point)\n"
	"  --work-scale F    work_us = request time x F (default 1; request time is wall time,\n"
	"                    most of it may be waiting, not CPU)\n"
	"  --strict          the first bad line is an error (default: skip bad lines, count them;\n"
	"                    lines dated 1000000 s or more from the bulk of the log are skipped too)\n"
	"  -o, --output FILE write FILE (atomically) instead of stdout\n"
	"\n"
	"Log times have 1-second resolution: requests within one second are spread evenly over it.\n"
	"Lines are sorted by time (Apache stamps arrival but logs at completion).\n";

static int trace_cmd_import(int argc, char **argv)
{
	enum { O_FORMAT = 1, O_SCALE, O_STRICT, O_OUT, O_HELP };
	static const struct option opts[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "work-scale", required_argument, NULL, O_SCALE },
		{ "strict", no_argument, NULL, O_STRICT },
		{ "output", required_argument, NULL, O_OUT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct trace_import_opts o = { .format = TRACE_LOG_AUTO, .work_scale = 1 };
	struct trace_import_stats st;
	const char *out = NULL, *path;
	char err[512], *buf = NULL, *cmdline;
	size_t len = 0;
	FILE *in, *mem;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (!strcmp(optarg, "nginx"))
				o.format = TRACE_LOG_NGINX;
			else if (!strcmp(optarg, "apache"))
				o.format = TRACE_LOG_APACHE;
			else if (!strcmp(optarg, "auto"))
				o.format = TRACE_LOG_AUTO;
			else
				return trace_usage_err("import", "--format '%s': expected nginx, apache or auto", optarg);
			break;
		case O_SCALE:
			if (!parse_number(optarg, 1e-6, 1e6, &o.work_scale))
				return trace_usage_err("import", "--work-scale '%s': expected a number in [1e-6, 1e6]", optarg);
			break;
		case O_STRICT:
			o.strict = 1;
			break;
		case 'o':
		case O_OUT:
			out = optarg;
			break;
		case O_HELP:
			fputs(trace_import_help, stdout);
			return 0;
		case ':':
			return trace_usage_err("import", "%s: expected a value", argv[optind - 1]);
		default:
			return trace_usage_err("import", "%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return trace_usage_err("import", "which log? e.g. tare trace import access.log");
	if (optind + 1 < argc)
		return trace_usage_err("import", "%s: one log at a time", argv[optind + 1]);
	path = argv[optind];
	in = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!in) {
		fprintf(stderr, "tare trace import: cannot open %s: %s (check the path)\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	cmdline = trace_cmdline("tare trace", argc, argv, 0, 0);
	mem = open_memstream(&buf, &len);
	if (!mem)
		tare_die(EXIT_FAIL, "out of memory");
	rc = trace_import(in, path, &o, cmdline, mem, &st, err, sizeof(err));
	fclose(mem);
	free(cmdline);
	if (in != stdin)
		fclose(in);
	if (rc) {
		fprintf(stderr, "tare trace import: %s\n", err);
		free(buf);
		return EXIT_USAGE;
	}
	rc = trace_emit("import", out, buf, len);
	free(buf);
	if (st.skipped || st.outliers) {
		fprintf(stderr, "tare trace import: %s: %llu requests", path, (unsigned long long)st.requests);
		if (st.skipped)
			fprintf(stderr, "; %llu of %llu lines skipped (first: line %llu: %s)",
				(unsigned long long)st.skipped, (unsigned long long)st.lines,
				(unsigned long long)st.first_bad_line, st.first_bad_why);
		if (st.outliers)
			fprintf(stderr, "; %llu lines skipped for outlying dates, %d s or more from the bulk of the log (first: line %llu)",
				(unsigned long long)st.outliers, TRACE_MAX_OFFSET_S,
				(unsigned long long)st.first_outlier_line);
		fputc('\n', stderr);
	}
	if (st.work_clamped || st.bytes_clamped)
		fprintf(stderr, "tare trace import: %s: %llu request times clamped to %u us, %llu sizes to %u bytes\n",
			path, (unsigned long long)st.work_clamped, TRACE_MAX_WORK_US,
			(unsigned long long)st.bytes_clamped, TRACE_MAX_REPLY_BYTES);
	return rc;
}

static const char trace_check_help[] =
	"usage: tare trace check FILE\n"
	"Validate a trace and summarize it: requests, duration, mean and busiest-second rate,\n"
	"work and reply sizes, class mix.  Exit 0 if valid, 2 (one line naming FILE:LINE) if not.\n";

static int trace_cmd_check(int argc, char **argv)
{
	struct trace t;
	char err[512];
	uint64_t *per_class, work_sum = 0, reply_sum = 0, busiest = 0, run = 0;
	uint32_t work_max = 0, reply_max = 0;
	int64_t bin = -1;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(trace_check_help, stdout);
			return 0;
		}
	if (argc < 2)
		return trace_usage_err("check", "which trace? e.g. tare trace check my.trace");
	if (argc > 2)
		return trace_usage_err("check", "%s: one trace at a time", argv[2]);
	if (argv[1][0] == '-' && argv[1][1])
		return trace_usage_err("check", "%s: unknown option", argv[1]);
	if (trace_load(argv[1], &t, err, sizeof(err))) {
		fprintf(stderr, "tare trace check: %s\n", err);
		return EXIT_USAGE;
	}
	per_class = xcalloc((size_t)t.nclasses, sizeof(*per_class));
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_req *r = &t.req[i];
		int64_t b = r->offset_ns / 1000000000;

		per_class[r->cls]++;
		work_sum += r->work_us;
		reply_sum += r->reply_bytes;
		if (r->work_us > work_max)
			work_max = r->work_us;
		if (r->reply_bytes > reply_max)
			reply_max = r->reply_bytes;
		run = b == bin ? run + 1 : 1;
		bin = b;
		if (run > busiest)
			busiest = run;
	}
	printf("%s: ok, %zu requests over %.6g s%s, mean %.1f/s, busiest second %llu\n", argv[1], t.n,
	       (double)t.period_ns / 1e9, t.has_duration ? "" : " (no '# duration:', so last arrival + mean gap)",
	       trace_mean_rate(&t), (unsigned long long)busiest);
	printf("  work_us: mean %.1f, max %u; reply_bytes: mean %.1f, max %u\n",
	       (double)work_sum / (double)t.n, work_max, (double)reply_sum / (double)t.n, reply_max);
	printf("  classes:");
	for (int i = 0; i < t.nclasses; i++)
		printf("%s %s %llu (%.1f%%)", i ? "," : "", t.classes[i], (unsigned long long)per_class[i],
		       100.0 * (double)per_class[i] / (double)t.n);
	printf("\n");
	free(per_class);
	trace_free(&t);
	return 0;
}

static const char trace_help[] =
	"usage: tare trace COMMAND [ARGS]\n"
	"Make, import and check request traces for the replay workload (docs/traces.md).\n"
	"\n"
	"commands:\n"
	"  gen poisson|bursty|diurnal [options]   generate a seeded trace\n"
	"  import [--format nginx|apache] LOG     turn an access log into a trace\n"
	"  check FILE                             validate and summarize a trace\n"
	"\n"
	"Each takes --help.  Output goes to stdout, or to -o FILE.\n";

int trace_main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(trace_help, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(trace_help, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "gen"))
		return trace_cmd_gen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "import"))
		return trace_cmd_import(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return trace_cmd_check(argc - 1, argv + 1);
	fprintf(stderr, "tare trace: unknown command '%s': gen, import or check (see tare trace --help)\n", argv[1]);
	return EXIT_USAGE;
}
