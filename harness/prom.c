/* prom.c — the text exposition format of a service's Prometheus /metrics (prom.h): selectors,
 * the line parser, a counter's sum, a histogram's buckets and their quantiles.  Getting the
 * body is prom_http.c's; this side is pure string work on a body already in memory, so the
 * unit tests feed it real exporters' pages with no socket in sight.
 *
 * The format, as Prometheus' "Exposition formats" page and prometheus/common's expfmt text
 * parser define it: lines separated by \n; "# HELP" and "# TYPE NAME TYPE" comments, other
 * comments ignored; a sample is NAME[{LABEL="VALUE",...}] VALUE [TIMESTAMP], blanks or tabs
 * between the tokens, a trailing comma in the labels allowed; label values escape \\, \" and
 * \n; a value is a Go float ("NaN", "+Inf", "-Inf", "1.5e-3").  OpenMetrics adds "# EOF" (the
 * end), "# UNIT", a counter's TYPE named without its _total, and exemplars after " # ".
 * Only the lines of the metric asked for are parsed in full — a line of another metric that
 * this parser would not take (a newer format's quoted UTF-8 name) costs nothing — and those
 * lines must parse, or the read fails naming the line: a number from a line half understood is
 * worse than none.
 *
 * A histogram's quantile is PromQL's histogram_quantile() (promql/quantile.go, bucketQuantile):
 * the bucket holding the rank, linear within it; see prom_hist_quantile_of.
 */
#include "prom.h"
#include "prom_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
static bool name_start(char c) { return isalpha((unsigned char)c) || c == '_' || c == ':'; }
static bool name_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == ':'; }
static bool label_start(char c) { return isalpha((unsigned char)c) || c == '_'; }
static bool label_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* ------------------------------------------------------------------ selector */

void prom_selector_free(struct prom_selector *sel)
{
	if (!sel)
		return;
	for (size_t i = 0; i < sel->nlabels; i++) {
		free(sel->labels[i].name);
		free(sel->labels[i].value);
	}
	free(sel->labels);
	free(sel->name);
	memset(sel, 0, sizeof(*sel));
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int prom_selector_parse(const char *s, struct prom_selector *sel, char *err, size_t errlen)
{
	const char *p = skip_blanks(s), *q;
	size_t cap = 0;

	memset(sel, 0, sizeof(*sel));
	if (!name_start(*p)) {
		seterr(err, errlen, "selector '%s': it starts with a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", s);
		return -1;
	}
	for (q = p; name_char(*q); q++)
		;
	sel->name = xasprintf("%.*s", (int)(q - p), p);
	p = skip_blanks(q);
	if (*p == '{') {
		p = skip_blanks(p + 1);
		while (*p != '}') {
			struct prom_label l;
			char quote, *v;
			size_t vl = 0;

			if (!label_start(*p)) {
				seterr(err, errlen, "selector '%s': expected a label name at '%s'", s, p);
				goto fail;
			}
			for (q = p; label_char(*q); q++)
				;
			l.name = xasprintf("%.*s", (int)(q - p), p);
			p = skip_blanks(q);
			if (p[0] != '=' || p[1] == '~' || p[1] == '=') {
				char op[3] = { p[0], p[0] ? p[1] : '\0', '\0' };
				if (op[1] != '=' && op[1] != '~')
					op[1] = '\0';
				seterr(err, errlen, "selector '%s': label %s: only equality matchers "
				       "(%s=\"value\") are supported, not '%s'", s, l.name, l.name,
				       *op ? op : "(nothing)");
				free(l.name);
				goto fail;
			}
			p = skip_blanks(p + 1);
			quote = *p;
			if (quote != '"' && quote != '\'') {
				seterr(err, errlen, "selector '%s': label %s: its value goes in quotes "
				       "(%s=\"value\")", s, l.name, l.name);
				free(l.name);
				goto fail;
			}
			v = xmalloc(strlen(p));
			for (p++; *p && *p != quote; p++) {
				if (*p == '\\') {
					switch (*++p) {
					case '\\': case '"': case '\'': v[vl++] = *p; break;
					case 'n': v[vl++] = '\n'; break;
					case 't': v[vl++] = '\t'; break;
					default:
						seterr(err, errlen, "selector '%s': label %s: unknown escape '\\%c' "
						       "(\\\\ \\\" \\' \\n \\t are known)", s, l.name, *p ? *p : ' ');
						free(l.name);
						free(v);
						goto fail;
					}
				} else {
					v[vl++] = *p;
				}
			}
			v[vl] = '\0';
			if (*p != quote) {
				seterr(err, errlen, "selector '%s': label %s: no closing %c", s, l.name, quote);
				free(l.name);
				free(v);
				goto fail;
			}
			l.value = v;
			for (size_t i = 0; i < sel->nlabels; i++)
				if (!strcmp(sel->labels[i].name, l.name)) {
					seterr(err, errlen, "selector '%s': label %s given twice", s, l.name);
					free(l.name);
					free(v);
					goto fail;
				}
			if (sel->nlabels == cap) {
				cap = cap ? 2 * cap : 4;
				sel->labels = xrealloc(sel->labels, cap * sizeof(*sel->labels));
			}
			sel->labels[sel->nlabels++] = l;
			p = skip_blanks(p + 1);
			if (*p == ',')
				p = skip_blanks(p + 1);
			else if (*p != '}') {
				seterr(err, errlen, "selector '%s': expected ',' or '}' at '%s'", s, *p ? p : "(end)");
				goto fail;
			}
		}
		p = skip_blanks(p + 1);
	}
	if (*p) {
		seterr(err, errlen, "selector '%s': unexpected '%s' (want NAME or NAME{label=\"value\",...})", s, p);
		goto fail;
	}
	return 0;
fail:
	prom_selector_free(sel);
	return -1;
}

/* s into buf with the escapes of the text format, at most len bytes; the bytes written. */
static size_t put_escaped(char *buf, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"')
			buf[n++] = '\\', buf[n++] = *s;
		else if (*s == '\n')
			buf[n++] = '\\', buf[n++] = 'n';
		else
			buf[n++] = *s;
	}
	buf[n < len ? n : len - 1] = '\0';
	return n;
}

void prom_selector_labels_str(const struct prom_selector *sel, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (!sel->nlabels)
		return;
	for (size_t i = 0; i < sel->nlabels && n + 8 < len; i++) {
		n += (size_t)snprintf(buf + n, len - n, "%s%s=\"", i ? "," : "{", sel->labels[i].name);
		if (n + 4 >= len)
			break;
		n += put_escaped(buf + n, len - n - 2, sel->labels[i].value);
		n += (size_t)snprintf(buf + n, len - n, "\"");
	}
	if (n + 1 < len)
		snprintf(buf + n, len - n, "}");
}

/* ------------------------------------------------------------------ the exposition format */

struct label_at {
	const char *name;
	size_t name_len;
	size_t val_off, val_len;	/* in line.vals, unescaped */
};

struct line {
	enum { LINE_TYPE, LINE_SAMPLE } kind;
	int lineno;
	const char *name;
	size_t name_len;
	const char *type;		/* LINE_TYPE */
	size_t type_len;
	const char *raw_labels;		/* LINE_SAMPLE: between the braces, for messages */
	size_t raw_labels_len;
	struct label_at *labels;
	size_t nlabels, labels_cap;
	char *vals;			/* the label values, unescaped, each NUL-terminated */
	size_t vals_len, vals_cap;
	double value;
};

struct scan {
	const char *p;
	int lineno;
	/* which samples to parse: the others are skipped unread */
	bool (*want)(const char *name, size_t len, void *ctx);
	void *ctx;
	struct line ln;
};

static void scan_free(struct scan *sc)
{
	free(sc->ln.labels);
	free(sc->ln.vals);
}

static bool name_is(const char *name, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(name, s, len);
}

static const char *label_value(const struct line *ln, const char *name)
{
	for (size_t i = 0; i < ln->nlabels; i++)
		if (name_is(ln->labels[i].name, ln->labels[i].name_len, name))
			return ln->vals + ln->labels[i].val_off;
	return NULL;
}

/* The series' labels include all of sel's. */
static bool labels_match(const struct line *ln, const struct prom_selector *sel)
{
	for (size_t i = 0; i < sel->nlabels; i++) {
		const char *v = label_value(ln, sel->labels[i].name);
		if (!v || strcmp(v, sel->labels[i].value))
			return false;
	}
	return true;
}

static void vals_put(struct line *ln, char c)
{
	if (ln->vals_len == ln->vals_cap) {
		ln->vals_cap = ln->vals_cap ? 2 * ln->vals_cap : 256;
		ln->vals = xrealloc(ln->vals, ln->vals_cap);
	}
	ln->vals[ln->vals_len++] = c;
}

/* The labels of a sample, p just past its '{'; the position past the '}', or NULL (err set). */
static const char *parse_labels(struct line *ln, const char *p, const char *eol, char *err, size_t errlen)
{
	const char *start = p;

	ln->nlabels = 0;
	ln->vals_len = 0;
	for (;;) {
		struct label_at l;

		while (p < eol && is_blank(*p))
			p++;
		if (p < eol && *p == '}')
			break;
		if (p == eol || !label_start(*p)) {
			seterr(err, errlen, "metrics line %d: expected a label name or '}' in %.*s",
			       ln->lineno, (int)ln->name_len, ln->name);
			return NULL;
		}
		l.name = p;
		while (p < eol && label_char(*p))
			p++;
		l.name_len = (size_t)(p - l.name);
		while (p < eol && is_blank(*p))
			p++;
		if (p + 1 >= eol || *p != '=' || p[1] != '"') {
			seterr(err, errlen, "metrics line %d: expected =\"...\" after label %.*s",
			       ln->lineno, (int)l.name_len, l.name);
			return NULL;
		}
		p += 2;
		l.val_off = ln->vals_len;
		for (; p < eol && *p != '"'; p++) {
			if (*p != '\\') {
				vals_put(ln, *p);
				continue;
			}
			if (++p == eol)
				break;
			if (*p == 'n')
				vals_put(ln, '\n');
			else if (*p == '\\' || *p == '"')
				vals_put(ln, *p);
			else {
				seterr(err, errlen, "metrics line %d: invalid escape '\\%c' in label %.*s",
				       ln->lineno, *p, (int)l.name_len, l.name);
				return NULL;
			}
		}
		if (p >= eol) {
			seterr(err, errlen, "metrics line %d: label %.*s's value has no closing quote",
			       ln->lineno, (int)l.name_len, l.name);
			return NULL;
		}
		l.val_len = ln->vals_len - l.val_off;
		vals_put(ln, '\0');
		p++;
		if (ln->nlabels == ln->labels_cap) {
			ln->labels_cap = ln->labels_cap ? 2 * ln->labels_cap : 8;
			ln->labels = xrealloc(ln->labels, ln->labels_cap * sizeof(*ln->labels));
		}
		ln->labels[ln->nlabels++] = l;
		while (p < eol && is_blank(*p))
			p++;
		if (p < eol && *p == ',') {
			p++;
			continue;
		}
		if (p < eol && *p == '}')
			break;
		seterr(err, errlen, "metrics line %d: expected ',' or '}' after label %.*s",
		       ln->lineno, (int)l.name_len, l.name);
		return NULL;
	}
	ln->raw_labels = start;
	ln->raw_labels_len = (size_t)(p - start);
	return p + 1;
}

/* A number token [p, e) in Go's ParseFloat syntax as strtod reads it ("NaN", "+Inf", "1e-3"). */
static bool parse_float(const char *p, const char *e, double *out)
{
	char tmp[64], *end;

	if (e <= p || (size_t)(e - p) >= sizeof(tmp))
		return false;
	memcpy(tmp, p, (size_t)(e - p));
	tmp[e - p] = '\0';
	*out = strtod(tmp, &end);
	return *end == '\0';
}

/* The next TYPE line or wanted sample: 1 with it in sc->ln, 0 at the end (or "# EOF"), -1 on a
 * malformed line of a wanted sample (err set). */
static int scan_next(struct scan *sc, char *err, size_t errlen)
{
	struct line *ln = &sc->ln;

	while (*sc->p) {
		const char *p = sc->p, *eol = strchrnul(p, '\n'), *t;

		sc->p = *eol ? eol + 1 : eol;
		ln->lineno = ++sc->lineno;
		while (p < eol && is_blank(*p))
			p++;
		if (p == eol)
			continue;
		if (*p == '#') {
			p++;
			while (p < eol && is_blank(*p))
				p++;
			if ((size_t)(eol - p) >= 3 && !memcmp(p, "EOF", 3)) {
				for (t = p + 3; t < eol && is_blank(*t); t++)
					;
				if (t == eol)
					return 0;
			}
			if ((size_t)(eol - p) < 5 || memcmp(p, "TYPE", 4) || !is_blank(p[4]))
				continue;	/* HELP, UNIT, any other comment */
			for (p += 5; p < eol && is_blank(*p); p++)
				;
			for (t = p; t < eol && name_char(*t); t++)
				;
			ln->kind = LINE_TYPE;
			ln->name = p;
			ln->name_len = (size_t)(t - p);
			for (p = t; p < eol && is_blank(*p); p++)
				;
			for (t = p; t < eol && !is_blank(*t); t++)
				;
			ln->type = p;
			ln->type_len = (size_t)(t - p);
			return 1;
		}
		if (!name_start(*p))
			continue;	/* not a name this parser reads: not one asked for */
		for (t = p; t < eol && name_char(*t); t++)
			;
		if (!sc->want(p, (size_t)(t - p), sc->ctx))
			continue;
		ln->kind = LINE_SAMPLE;
		ln->name = p;
		ln->name_len = (size_t)(t - p);
		ln->nlabels = 0;
		ln->raw_labels = "";
		ln->raw_labels_len = 0;
		for (p = t; p < eol && is_blank(*p); p++)
			;
		if (p < eol && *p == '{') {
			p = parse_labels(ln, p + 1, eol, err, errlen);
			if (!p)
				return -1;
			while (p < eol && is_blank(*p))
				p++;
		}
		for (t = p; t < eol && !is_blank(*t); t++)
			;
		if (!parse_float(p, t, &ln->value)) {
			seterr(err, errlen, "metrics line %d: %.*s: bad value '%.*s'", ln->lineno,
			       (int)ln->name_len, ln->name, (int)(t - p), p);
			return -1;
		}
		/* an optional timestamp (ms, an integer; OpenMetrics: seconds, maybe fractional),
		 * then an optional OpenMetrics exemplar after '#' */
		for (p = t; p < eol && is_blank(*p); p++)
			;
		if (p < eol && *p != '#') {
			double ts;
			for (t = p; t < eol && !is_blank(*t); t++)
				;
			if (!parse_float(p, t, &ts) || !isfinite(ts)) {
				seterr(err, errlen, "metrics line %d: %.*s: bad timestamp '%.*s'", ln->lineno,
				       (int)ln->name_len, ln->name, (int)(t - p), p);
				return -1;
			}
			for (p = t; p < eol && is_blank(*p); p++)
				;
		}
		if (p < eol && *p != '#') {
			seterr(err, errlen, "metrics line %d: %.*s: unexpected '%.*s' after the value",
			       ln->lineno, (int)ln->name_len, ln->name, (int)(eol - p), p);
			return -1;
		}
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ counters */

struct want_names {
	const char *names[4];
};

static bool want_any(const char *name, size_t len, void *ctx)
{
	const struct want_names *w = ctx;

	for (int i = 0; i < 4 && w->names[i]; i++)
		if (name_is(name, len, w->names[i]))
			return true;
	return false;
}

static bool ends_with(const char *s, const char *suffix, size_t *stem_len)
{
	size_t n = strlen(s), m = strlen(suffix);

	if (n <= m || strcmp(s + n - m, suffix))
		return false;
	*stem_len = n - m;
	return true;
}

/* The first series of a name that did not match, kept for the message that says none did. */
struct near_miss {
	size_t n;
	char example[160];
};

static void near_miss_note(struct near_miss *nm, const struct line *ln)
{
	if (nm->n++ == 0)
		snprintf(nm->example, sizeof(nm->example), "{%.*s}", (int)ln->raw_labels_len,
			 ln->raw_labels);
}

static void no_match(const struct near_miss *nm, const struct prom_selector *sel, const char *name,
		     char *err, size_t errlen)
{
	char want[256];

	prom_selector_labels_str(sel, want, sizeof(want));
	seterr(err, errlen, "no series of %s has %s (%zu series, e.g. %s%s)", name, want, nm->n, name,
	       nm->example);
}

int prom_counter(const char *body, const struct prom_selector *sel, double *value, char *err,
		 size_t errlen)
{
	struct want_names w = { { 0 } };
	struct scan sc = { .p = body, .want = want_any, .ctx = &w };
	struct near_miss nm = { 0 };
	char *with_total = xasprintf("%s_total", sel->name), *stem = NULL, type[32] = "",
	     stem_type[32] = "";
	size_t stem_len = 0, matched = 0, n_total = 0;
	double sum = 0;
	int r, rc = -1;

	/* OpenMetrics names a counter family without _total; a histogram's or a summary's TYPE
	 * names the base of its _count, _sum and _bucket series. */
	if (ends_with(sel->name, "_total", &stem_len) || ends_with(sel->name, "_count", &stem_len) ||
	    ends_with(sel->name, "_sum", &stem_len) || ends_with(sel->name, "_bucket", &stem_len))
		stem = xasprintf("%.*s", (int)stem_len, sel->name);
	w.names[0] = sel->name;
	w.names[1] = with_total;
	while ((r = scan_next(&sc, err, errlen)) > 0) {
		struct line *ln = &sc.ln;

		if (ln->kind == LINE_TYPE) {
			if (name_is(ln->name, ln->name_len, sel->name))
				snprintf(type, sizeof(type), "%.*s", (int)ln->type_len, ln->type);
			else if (stem && name_is(ln->name, ln->name_len, stem))
				snprintf(stem_type, sizeof(stem_type), "%.*s", (int)ln->type_len, ln->type);
			continue;
		}
		if (!name_is(ln->name, ln->name_len, sel->name)) {
			n_total++;
			continue;
		}
		if (labels_match(ln, sel)) {
			matched++;
			sum += ln->value;
		} else {
			near_miss_note(&nm, ln);
		}
	}
	if (r < 0)
		goto out;
	if (!*type && *stem_type) {
		bool total = ends_with(sel->name, "_total", &stem_len);
		if ((total && !strcmp(stem_type, "counter")) ||
		    (!total && (!strcmp(stem_type, "histogram") || !strcmp(stem_type, "summary"))))
			snprintf(type, sizeof(type), "counter");
	}
	if (*type && strcmp(type, "counter") && strcmp(type, "untyped") && strcmp(type, "unknown")) {
		if (!strcmp(type, "histogram") || !strcmp(type, "summary"))
			seterr(err, errlen, "%s is a %s, not a counter (its observations are counted "
			       "by %s_count)", sel->name, type, sel->name);
		else
			seterr(err, errlen, "%s is a %s, not a counter", sel->name, type);
		goto out;
	}
	if (!matched && !nm.n) {
		if (n_total)
			seterr(err, errlen, "no series named %s (but %s exists)", sel->name, with_total);
		else
			seterr(err, errlen, "no series named %s", sel->name);
		goto out;
	}
	if (!matched) {
		no_match(&nm, sel, sel->name, err, errlen);
		goto out;
	}
	*value = sum;
	rc = 0;
out:
	scan_free(&sc);
	free(with_total);
	free(stem);
	return rc;
}

int prom_counter_delta(double before, double after, double *delta)
{
	if (after < before) {
		*delta = after;
		return PROM_RESET;
	}
	*delta = after - before;
	return 0;
}

/* ------------------------------------------------------------------ histograms */

void prom_hist_free(struct prom_hist *h)
{
	if (!h)
		return;
	free(h->le);
	free(h->count);
	memset(h, 0, sizeof(*h));
}

struct bucket {
	double le, count;
	size_t series;		/* how many series had this bound */
};

static int cmp_bucket(const void *a, const void *b)
{
	double x = ((const struct bucket *)a)->le, y = ((const struct bucket *)b)->le;
	return (x > y) - (x < y);
}

int prom_histogram(const char *body, const struct prom_selector *sel, struct prom_hist *h,
		   char *err, size_t errlen)
{
	char *bucket_name = xasprintf("%s_bucket", sel->name), *count_name = xasprintf("%s_count", sel->name),
	     *sum_name = xasprintf("%s_sum", sel->name), type[32] = "";
	struct want_names w = { { bucket_name, count_name, sum_name, sel->name } };
	struct scan sc = { .p = body, .want = want_any, .ctx = &w };
	struct near_miss nm = { 0 };
	struct bucket *b = NULL;
	size_t nb = 0, cap = 0, n_inf = 0, stem_len;
	double total = 0, sum = 0;
	bool any_sum = false, plain = false;
	int r, rc = -1;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < sel->nlabels; i++)
		if (!strcmp(sel->labels[i].name, "le")) {
			seterr(err, errlen, "%s: le is the bucket bound, read from every bucket; leave it "
			       "out of the selector", sel->name);
			goto out;
		}
	while ((r = scan_next(&sc, err, errlen)) > 0) {
		struct line *ln = &sc.ln;
		const char *le;
		double bound;
		size_t i;

		if (ln->kind == LINE_TYPE) {
			if (name_is(ln->name, ln->name_len, sel->name))
				snprintf(type, sizeof(type), "%.*s", (int)ln->type_len, ln->type);
			continue;
		}
		if (name_is(ln->name, ln->name_len, sel->name)) {
			plain = true;	/* a summary's quantiles, a gauge: not a histogram's */
			continue;
		}
		bool is_bucket = name_is(ln->name, ln->name_len, bucket_name);
		if (!labels_match(ln, sel)) {
			if (is_bucket)
				near_miss_note(&nm, ln);
			continue;
		}
		if (name_is(ln->name, ln->name_len, count_name)) {
			total += ln->value;
			continue;
		}
		if (name_is(ln->name, ln->name_len, sum_name)) {
			sum += ln->value;
			any_sum = true;
			continue;
		}
		le = label_value(ln, "le");
		if (!le || !parse_float(le, le + strlen(le), &bound) || isnan(bound)) {
			seterr(err, errlen, "metrics line %d: %s has %s", ln->lineno, bucket_name,
			       le ? "a bad le label" : "no le label");
			goto out;
		}
		for (i = 0; i < nb && b[i].le != bound; i++)
			;
		if (i == nb) {
			if (nb == cap) {
				cap = cap ? 2 * cap : 32;
				b = xrealloc(b, cap * sizeof(*b));
			}
			b[nb++] = (struct bucket){ .le = bound };
		}
		b[i].count += ln->value;
		b[i].series++;
		if (isinf(bound) && bound > 0)
			n_inf++;
	}
	if (r < 0)
		goto out;
	if (*type && strcmp(type, "histogram") && strcmp(type, "untyped") && strcmp(type, "unknown")) {
		if (!strcmp(type, "summary"))
			seterr(err, errlen, "%s is a summary, not a histogram: its quantiles are the "
			       "exporter's own, over its own time, and cannot be taken per window",
			       sel->name);
		else
			seterr(err, errlen, "%s is a %s, not a histogram", sel->name, type);
		goto out;
	}
	if (!nb && !nm.n) {
		if (ends_with(sel->name, "_bucket", &stem_len))
			seterr(err, errlen, "no series named %s (name a histogram by its base name: %.*s)",
			       bucket_name, (int)stem_len, sel->name);
		else if (plain)
			seterr(err, errlen, "%s is not a histogram (no %s series)", sel->name, bucket_name);
		else
			seterr(err, errlen, "no series named %s", bucket_name);
		goto out;
	}
	if (!nb) {
		no_match(&nm, sel, bucket_name, err, errlen);
		goto out;
	}
	if (!n_inf) {
		seterr(err, errlen, "%s has no le=\"+Inf\" bucket", sel->name);
		goto out;
	}
	for (size_t i = 0; i < nb; i++)
		if (b[i].series != n_inf) {
			seterr(err, errlen, "the %zu series of %s matched have different bucket bounds "
			       "(le=\"%g\" is in %zu of them); narrow the selector to one layout",
			       n_inf, bucket_name, b[i].le, b[i].series);
			goto out;
		}
	qsort(b, nb, sizeof(*b), cmp_bucket);
	h->n = nb;
	h->le = xmalloc(nb * sizeof(double));
	h->count = xmalloc(nb * sizeof(double));
	for (size_t i = 0; i < nb; i++) {
		h->le[i] = b[i].le;
		h->count[i] = b[i].count;
	}
	h->total = total;
	h->sum = any_sum ? sum : NAN;
	rc = 0;
out:
	scan_free(&sc);
	free(b);
	free(bucket_name);
	free(count_name);
	free(sum_name);
	return rc;
}

int prom_hist_delta(const struct prom_hist *before, const struct prom_hist *after,
		    struct prom_hist *d, char *err, size_t errlen)
{
	bool reset = false;

	memset(d, 0, sizeof(*d));
	if (before) {
		if (before->n != after->n ||
		    (after->n && memcmp(before->le, after->le, after->n * sizeof(double)))) {
			seterr(err, errlen, "the histogram's bucket bounds changed between two scrapes "
			       "(%zu buckets, then %zu)", before->n, after->n);
			return -1;
		}
		for (size_t i = 0; i < after->n; i++)
			if (after->count[i] < before->count[i])
				reset = true;
		if (after->total < before->total)
			reset = true;
	}
	d->n = after->n;
	d->le = xmalloc((after->n ? after->n : 1) * sizeof(double));
	d->count = xmalloc((after->n ? after->n : 1) * sizeof(double));
	for (size_t i = 0; i < after->n; i++) {
		d->le[i] = after->le[i];
		d->count[i] = after->count[i] - (before && !reset ? before->count[i] : 0);
	}
	d->total = after->total - (before && !reset ? before->total : 0);
	d->sum = after->sum - (before && !reset ? before->sum : 0);
	return reset ? PROM_RESET : 0;
}

double prom_hist_quantile_of(const struct prom_hist *h, double q)
{
	double rank, below = 0, cum = 0, obs = 0, start, end;
	size_t n, i;

	if (!h || h->n < 2 || isnan(q) || q < 0 || q > 1)
		return NAN;
	n = h->n;
	if (!(isinf(h->le[n - 1]) && h->le[n - 1] > 0))
		return NAN;
	/* Cumulative counts never fall; a fall is a race between the exporter's buckets (or float
	 * error from sums) — PromQL's ensureMonotonic takes the running maximum, and so does this. */
	for (i = 0; i < n; i++)
		obs = fmax(obs, h->count[i]);
	if (!(obs > 0))
		return NAN;
	rank = q * obs;
	for (i = 0; i < n; i++) {
		cum = fmax(cum, h->count[i]);
		if (cum >= rank && cum > 0)
			break;
		below = cum;
	}
	if (i >= n - 1)		/* in the +Inf bucket: answered by the highest finite bound */
		return h->le[n - 2];
	if (i == 0 && h->le[0] <= 0)
		return h->le[0];
	start = i == 0 ? 0 : h->le[i - 1];
	end = h->le[i];
	return start + (end - start) * ((rank - below) / (cum - below));
}

double prom_hist_quantile(const struct prom_hist *before, const struct prom_hist *after, double q)
{
	struct prom_hist d;
	double v = NAN;

	if (prom_hist_delta(before, after, &d, NULL, 0) == 0)
		v = prom_hist_quantile_of(&d, q);
	prom_hist_free(&d);
	return v;
}
