/* trace_format.c — the trace file format: its strict parser and the lexical rules (whole
 * numbers, seconds, class tokens) the harness's importer and generators share with it.
 *
 * The format is in trace_format.h and docs/traces.md.  The parser is strict on purpose: a
 * trace that is silently misread replays a different load, and the latency it produces is then
 * wrong in a way no one can see.  Every error is one line naming FILE:LINE, what is wrong and
 * what to do.  workloads/replay links it to read the trace it replays; `tare trace` (harness/
 * trace.c) to check, generate and import.
 */
#include "trace_format.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- errors ---------------------------------------------------------------------------- */

int trace_errf(char *err, size_t errlen, const char *name, uint64_t line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -1;
	n = line ? snprintf(err, errlen, "%s:%llu: ", name, (unsigned long long)line)
		 : snprintf(err, errlen, "%s: ", name);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- numbers --------------------------------------------------------------------------- */

/* Plain decimal digits, nothing else (strtoull takes "-1", " 7" and "0x10"). */
enum trace_num trace_parse_whole(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (*s == '-')
		return TRACE_NUM_NEGATIVE;
	if (!isdigit((unsigned char)*s))
		return TRACE_NUM_NOT_NUMBER;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return TRACE_NUM_NOT_NUMBER;
		if (!big && v > (UINT64_MAX - 9) / 10)
			big = true;
		if (!big)
			v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			big = true;
	}
	if (big)
		return TRACE_NUM_TOO_BIG;
	*out = v;
	return TRACE_NUM_OK;
}

/* Seconds as "12" or "12.345678901" (at most 9 decimals) into exact nanoseconds. */
enum trace_num trace_parse_seconds(const char *s, uint64_t max_s, int64_t *ns)
{
	uint64_t whole = 0, frac = 0;
	int digits = 0;
	bool big = false;

	if (*s == '-')
		return TRACE_NUM_NEGATIVE;
	if (!isdigit((unsigned char)*s))
		return TRACE_NUM_NOT_NUMBER;
	for (; isdigit((unsigned char)*s); s++) {
		if (!big)
			whole = whole * 10 + (uint64_t)(*s - '0');
		if (whole > max_s)
			big = true;
	}
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return TRACE_NUM_NOT_NUMBER;
		for (; isdigit((unsigned char)*s); s++, digits++)
			if (digits < 9)
				frac = frac * 10 + (uint64_t)(*s - '0');
		if (digits > 9)
			return *s ? TRACE_NUM_NOT_NUMBER : TRACE_NUM_TOO_PRECISE;
		for (int d = digits; d < 9; d++)
			frac *= 10;
	}
	if (*s)
		return TRACE_NUM_NOT_NUMBER;
	if (big || (whole == max_s && frac))
		return TRACE_NUM_TOO_BIG;
	*ns = (int64_t)(whole * 1000000000ull + frac);
	return TRACE_NUM_OK;
}

bool trace_class_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TRACE_MAX_CLASS_LEN)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.:/-", *s))
			return false;
	return true;
}

/* ---- the parser ------------------------------------------------------------------------ */

void trace_free(struct trace *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nclasses; i++)
		free(t->classes[i]);
	free(t->classes);
	free(t->req);
	memset(t, 0, sizeof(*t));
}

double trace_mean_rate(const struct trace *t)
{
	return t->period_ns > 0 ? (double)t->n / ((double)t->period_ns / 1e9) : 0;
}

void trace_rstrip(char *s, size_t *len)
{
	while (*len && isspace((unsigned char)s[*len - 1]))
		s[--*len] = '\0';
}

static int trace_class_index(struct trace *t, const char *name, int *last)
{
	if (*last >= 0 && !strcmp(t->classes[*last], name))
		return *last;
	for (int i = 0; i < t->nclasses; i++)
		if (!strcmp(t->classes[i], name))
			return *last = i;
	if (t->nclasses == TRACE_MAX_CLASSES)
		return -1;
	t->classes = xrealloc(t->classes, (size_t)(t->nclasses + 1) * sizeof(char *));
	t->classes[t->nclasses] = xstrdup(name);
	return *last = t->nclasses++;
}

/* A "# key: value" metadata comment; only "duration" means anything to the parser. */
static int trace_meta(const char *p, const char *name, uint64_t lineno, int64_t *duration_ns,
		      uint64_t *duration_line, char *err, size_t errlen)
{
	char val[64];
	size_t n;

	p++;		/* '#' */
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "duration:", 9))
		return 0;
	p += 9;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t#");
	if (n >= sizeof(val))
		n = sizeof(val) - 1;
	memcpy(val, p, n);
	val[n] = '\0';
	if (*duration_line)
		return trace_errf(err, errlen, name, lineno,
				  "'# duration:' given twice (first on line %llu): keep one",
				  (unsigned long long)*duration_line);
	switch (trace_parse_seconds(val, TRACE_MAX_OFFSET_S, duration_ns)) {
	case TRACE_NUM_OK:
		break;
	case TRACE_NUM_TOO_BIG:
		return trace_errf(err, errlen, name, lineno,
				  "duration '%s' is above the maximum %d s", val, TRACE_MAX_OFFSET_S);
	default:
		return trace_errf(err, errlen, name, lineno,
				  "duration '%s' is not a number of seconds like 60 or 2.5", val);
	}
	if (*duration_ns <= 0)
		return trace_errf(err, errlen, name, lineno, "duration must be above 0 s");
	*duration_line = lineno;
	return 0;
}

static const char *trace_num_why(enum trace_num r)
{
	switch (r) {
	case TRACE_NUM_NEGATIVE: return "is negative";
	case TRACE_NUM_TOO_BIG: return "is above the maximum";
	case TRACE_NUM_TOO_PRECISE: return "has more than 9 decimals";
	default: return "is not a number";
	}
}

/* One request line, split into its columns; 0 or -1 with err. */
static int trace_line(struct trace *t, char **col, const char *name, uint64_t lineno,
		      size_t *cap, int *last_cls, char *err, size_t errlen)
{
	struct trace_req r = { 0 };
	enum trace_num res;
	uint64_t v;
	int cls;

	res = trace_parse_seconds(col[0], TRACE_MAX_OFFSET_S, &r.offset_ns);
	if (res == TRACE_NUM_TOO_BIG)
		return trace_errf(err, errlen, name, lineno,
				  "arrival offset %s s is above the maximum %d s", col[0], TRACE_MAX_OFFSET_S);
	if (res != TRACE_NUM_OK)
		return trace_errf(err, errlen, name, lineno,
				  "arrival offset '%s' %s: want seconds from the start, like 0.25 (column 1)",
				  col[0], trace_num_why(res));
	if (t->n && r.offset_ns < t->req[t->n - 1].offset_ns)
		return trace_errf(err, errlen, name, lineno,
				  "arrival offset %s s is before the previous request's (%.9g s): offsets must not decrease (sort the trace by time)",
				  col[0], (double)t->req[t->n - 1].offset_ns / 1e9);
	if (!trace_class_ok(col[1]))
		return trace_errf(err, errlen, name, lineno,
				  "class '%.40s' must be 1-%d letters, digits or _.:/- (column 2)",
				  col[1], TRACE_MAX_CLASS_LEN);
	res = trace_parse_whole(col[2], TRACE_MAX_WORK_US, &v);
	if (res == TRACE_NUM_TOO_BIG)
		return trace_errf(err, errlen, name, lineno,
				  "work_us %s is above the maximum %u (10 s of CPU per request)", col[2], TRACE_MAX_WORK_US);
	if (res != TRACE_NUM_OK)
		return trace_errf(err, errlen, name, lineno,
				  "work_us '%s' %s: want whole microseconds of server CPU, like 100 (column 3)",
				  col[2], trace_num_why(res));
	r.work_us = (uint32_t)v;
	res = trace_parse_whole(col[3], TRACE_MAX_REPLY_BYTES, &v);
	if (res == TRACE_NUM_TOO_BIG)
		return trace_errf(err, errlen, name, lineno,
				  "reply_bytes %s is above the maximum %u (16 MiB)", col[3], TRACE_MAX_REPLY_BYTES);
	if (res != TRACE_NUM_OK)
		return trace_errf(err, errlen, name, lineno,
				  "reply_bytes '%s' %s: want a whole number of bytes, like 512 (column 4)",
				  col[3], trace_num_why(res));
	r.reply_bytes = (uint32_t)v;
	cls = trace_class_index(t, col[1], last_cls);
	if (cls < 0)
		return trace_errf(err, errlen, name, lineno,
				  "class '%s' is one more than the maximum %d distinct classes: merge some",
				  col[1], TRACE_MAX_CLASSES);
	r.cls = (uint16_t)cls;
	if (t->n == TRACE_MAX_REQUESTS)
		return trace_errf(err, errlen, name, lineno,
				  "more than %d requests: split the trace, or let replay loop a shorter one",
				  TRACE_MAX_REQUESTS);
	if (t->n == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		t->req = xrealloc(t->req, *cap * sizeof(*t->req));
	}
	t->req[t->n++] = r;
	return 0;
}

int trace_parse(FILE *f, const char *name, struct trace *t, char *err, size_t errlen)
{
	char *line = NULL;
	size_t linecap = 0, cap = 0;
	ssize_t got;
	uint64_t lineno = 0, duration_line = 0;
	int64_t duration_ns = 0;
	int last_cls = -1, rc = -1;

	memset(t, 0, sizeof(*t));
	while ((got = getline(&line, &linecap, f)) >= 0) {
		size_t len = (size_t)got;
		char *col[5], *p, *save = NULL, *hash;
		int ncol = 0;

		lineno++;
		if (len > TRACE_MAX_LINE) {
			trace_errf(err, errlen, name, lineno,
				   "line is longer than %d bytes: is this a tare trace? (see docs/traces.md)",
				   TRACE_MAX_LINE);
			goto out;
		}
		if (memchr(line, '\0', len)) {
			trace_errf(err, errlen, name, lineno,
				   "a NUL byte: this is a binary file, not a tare trace");
			goto out;
		}
		trace_rstrip(line, &len);
		if (lineno == 1) {
			if (!strcmp(line, TRACE_MAGIC))
				continue;
			if (!strncmp(line, "# tare-trace ", 13))
				trace_errf(err, errlen, name, 1,
					   "trace format version '%s' is not supported: this tare reads version 1",
					   line + 13);
			else if (isdigit((unsigned char)line[0]))
				trace_errf(err, errlen, name, 1,
					   "missing the header: add the line '%s' at the top (see docs/traces.md)",
					   TRACE_MAGIC);
			else
				trace_errf(err, errlen, name, 1,
					   "not a tare trace: the first line must be '%s' (see docs/traces.md)",
					   TRACE_MAGIC);
			goto out;
		}
		p = line + strspn(line, " \t");
		if (*p == '#') {
			if (trace_meta(p, name, lineno, &duration_ns, &duration_line, err, errlen))
				goto out;
			continue;
		}
		if ((hash = strchr(p, '#')))
			*hash = '\0';
		for (char *tok = strtok_r(p, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
			if (ncol < 5)
				col[ncol] = tok;
			ncol++;
		}
		if (ncol == 0)
			continue;
		if (ncol != 4) {
			trace_errf(err, errlen, name, lineno,
				   "%d column%s, want 4: offset_s class work_us reply_bytes (e.g. '0.25 get 100 512')",
				   ncol, ncol == 1 ? "" : "s");
			goto out;
		}
		if (trace_line(t, col, name, lineno, &cap, &last_cls, err, errlen))
			goto out;
	}
	if (ferror(f)) {
		trace_errf(err, errlen, name, 0, "read error: %s", strerror(errno));
		goto out;
	}
	if (lineno == 0) {
		trace_errf(err, errlen, name, 0,
			   "empty file: a trace starts with the line '%s', then one request per line (see docs/traces.md)",
			   TRACE_MAGIC);
		goto out;
	}
	if (t->n == 0) {
		trace_errf(err, errlen, name, lineno,
			   "no requests: add lines 'offset_s class work_us reply_bytes' after the header");
		goto out;
	}
	if (duration_line) {
		if (duration_ns < t->req[t->n - 1].offset_ns) {
			trace_errf(err, errlen, name, duration_line,
				   "duration %.9g s is shorter than the last arrival offset %.9g s: raise it or drop the line",
				   (double)duration_ns / 1e9, (double)t->req[t->n - 1].offset_ns / 1e9);
			goto out;
		}
		t->period_ns = duration_ns;
		t->has_duration = 1;
	} else {
		int64_t last = t->req[t->n - 1].offset_ns;

		/* The mean gap again after the last request, so a looped Poisson trace stays
		 * Poisson-like at the seam; a single request at 0 repeats every second. */
		if (t->n > 1 && last > 0)
			t->period_ns = last + last / (int64_t)(t->n - 1);
		else
			t->period_ns = last + 1000000000;
	}
	rc = 0;
out:
	free(line);
	if (rc)
		trace_free(t);
	return rc;
}

int trace_load(const char *path, struct trace *t, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		memset(t, 0, sizeof(*t));
		return trace_errf(err, errlen, path, 0, "cannot open: %s (check the path)", strerror(errno));
	}
	rc = trace_parse(f, path, t, err, errlen);
	fclose(f);
	return rc;
}
