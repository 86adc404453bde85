/* fmt.c — shared number formatting. */
#include "fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fmt_ns(double ns, char *buf, size_t len)
{
	if (!isfinite(ns))
		snprintf(buf, len, "-");
	else if (ns >= 1e9)
		snprintf(buf, len, "%.3g s", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, len, "%.3g ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, len, "%.3g µs", ns / 1e3);
	else
		snprintf(buf, len, "%.3g ns", ns);
}

void fmt_us(double us, char *buf, size_t len)
{
	if (!isfinite(us))
		snprintf(buf, len, "-");
	else if (fabs(us) >= 1000)
		snprintf(buf, len, "%.3g ms", us / 1000);
	else
		snprintf(buf, len, "%.3g µs", us);
}

void fmt_overhead(const struct overhead *o, double scale, const char *unit, int with_ci, char *buf, size_t len)
{
	if (o->n == 0 || !isfinite(o->e.est))
		snprintf(buf, len, "-");
	else if (!with_ci || !o->e.ok)
		snprintf(buf, len, "%s%+.2f%s%s", o->e.ok && !o->significant ? "~" : "", o->e.est / scale, unit,
			 with_ci && !o->e.ok ? " [too few blocks]" : "");
	else
		snprintf(buf, len, "%s%+.2f%s [%+.2f, %+.2f]", o->significant ? "" : "~", o->e.est / scale, unit,
			 o->e.lo / scale, o->e.hi / scale);
}

void fmt_latency(const struct overhead *o, char *buf, size_t len)
{
	double big = fabs(o->e.est);
	if (o->e.ok)
		big = fmax(big, fmax(fabs(o->e.lo), fabs(o->e.hi)));
	if (big >= 1000)
		fmt_overhead(o, 1000, " ms", 1, buf, len);
	else
		fmt_overhead(o, 1, " µs", 1, buf, len);
}

void fmt_amount(const char *unit, double x, char *buf, size_t len)
{
	if (!isfinite(x))
		snprintf(buf, len, "?");
	else if (!strcmp(unit, "bytes"))
		snprintf(buf, len, "%+.2f MiB", x / 1048576.0);
	else if (!strcmp(unit, "us"))
		snprintf(buf, len, "%+.1f µs", x);
	else
		snprintf(buf, len, "%+.2f%%", x);
}

void unit_singular(const char *unit, char *buf, size_t len)
{
	size_t n = strlen(unit);
	if (n > 4 && !strcmp(unit + n - 4, "sses"))
		n -= 2;
	else if (n > 3 && !strcmp(unit + n - 3, "ies"))
		return (void)snprintf(buf, len, "%.*sy", (int)(n - 3), unit);
	else if (n > 1 && unit[n - 1] == 's')
		n -= 1;
	snprintf(buf, len, "%.*s", (int)n, unit);
}

int text_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void fmt_errors(const struct arm_summary *a, char *buf, size_t len)
{
	if (!a->requests && !a->request_errors)
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%.2f%%", 100.0 * (double)a->request_errors / (double)(a->requests ? a->requests : 1));
}

int fmt_self(const struct arm_summary *a, char *buf, size_t len)
{
	const struct overhead *o = &a->m[MET_CPU_TOTAL];
	double self = a->self_pct;
	const char *why;
	buf[0] = '\0';
	if (!isfinite(self))
		return 0;
	if (!o->e.ok) {
		snprintf(buf, len, "%.2f%% of its samples are in its own frames; it costs %+.2f%% (no interval to hold "
			 "it against yet)", self, o->e.est);
		return 1;
	}
	why = self < o->e.lo ? "less than it costs: the rest (its interrupts, its own process) is not in its profile"
	      : self > o->e.hi ? "more than it costs" : "within its measured cost";
	snprintf(buf, len, "%.2f%% of its samples are in its own frames; it costs %+.2f%% [%+.2f, %+.2f]: %s", self,
		 o->e.est, o->e.lo, o->e.hi, why);
	return 1;
}

int fmt_parts(const struct arm_summary *a, const struct truth_split *t, char *buf, size_t len)
{
	size_t at = 0;
	const struct truth_part *w;
	double werr;
	buf[0] = '\0';
	if (!(a->parts_n > 0) || !t->n)
		return 0;
	at += (size_t)snprintf(buf, len, "profile vs the known split:");
	for (int k = 0; k < t->n && at < len; k++)
		at += (size_t)snprintf(buf + at, len - at, "%s %s %.1f%% (%g)", k ? "," : "", t->part[k].name,
				       100.0 * (double)a->parts_samples[k] / (double)a->parts_n, t->part[k].pct);
	if (at >= len)
		return 1;
	w = &t->part[a->parts_worst];
	werr = fabs(100.0 * (double)a->parts_samples[a->parts_worst] / (double)a->parts_n - w->pct);
	if (a->parts_within)
		snprintf(buf + at, len - at, " over %lld samples: max error %.1f points, within the sampling bound "
			 "(%g SE + %g = %.1f)", (long long)a->parts_n, a->parts_max_error_pts, PARTS_BOUND_SE, PARTS_BOUND_PTS,
			 a->parts_bound_pts);
	else
		snprintf(buf + at, len - at, " over %lld samples: max error %.1f points, OUTSIDE the sampling bound: %s is "
			 "%.1f points off, beyond %g SE + %g = %.1f", (long long)a->parts_n, a->parts_max_error_pts, w->name,
			 werr, PARTS_BOUND_SE, PARTS_BOUND_PTS, a->parts_bound_pts);
	return 1;
}
