/* budget.c — parse budgets, decide verdicts on interval bounds. */
#include "budget.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "json_io.h"
#include "util.h"

static const struct {
	const char *name;
	enum metric metric;
} names[] = {
	{ "cpu", MET_CPU_TOTAL }, { "cpu_total", MET_CPU_TOTAL }, { "cpu_workload", MET_CPU_WORKLOAD },
	{ "cpu_profiler", MET_CPU_PROFILER }, { "cpu_unattributed", MET_CPU_UNATTRIBUTED },
	{ "memory", MET_MEMORY }, { "rss", MET_MEMORY }, { "throughput", MET_THROUGHPUT },
	{ "p50", MET_P50 }, { "p90", MET_P90 }, { "p99", MET_P99 }, { "p999", MET_P999 },
};

static const struct {
	const char *suffix;
	double scale;            /* to bytes, or to µs */
	int bytes;
} units[] = {
	{ "KiB", 1024.0, 1 }, { "MiB", 1048576.0, 1 }, { "GiB", 1073741824.0, 1 },
	{ "KB", 1e3, 1 }, { "MB", 1e6, 1 }, { "GB", 1e9, 1 }, { "B", 1, 1 },
	{ "ns", 1e-3, 0 }, { "us", 1, 0 }, { "µs", 1, 0 }, { "ms", 1e3, 0 }, { "s", 1e6, 0 },
};

int budget_add(struct budget *b, const char *name, const char *value, char *err, size_t errlen)
{
	struct budget_item it = { 0 };
	const char *suffix;
	char *end;
	double x;
	int found = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			it.metric = names[i].metric, found = 1;
	if (!found) {
		snprintf(err, errlen, "budget: unknown metric '%s' (cpu, cpu_workload, cpu_profiler, cpu_unattributed, "
			 "memory, throughput, p50, p90, p99, p999)", name);
		return -1;
	}
	x = strtod(value, &end);
	suffix = end;
	while (*suffix == ' ')
		suffix++;
	if (end == value || !isfinite(x) || x < 0) {
		snprintf(err, errlen, "budget: %s = '%s': expected a non-negative amount such as 2%%, 50MB or 200us", name, value);
		return -1;
	}
	snprintf(it.text, sizeof(it.text), "%s", value);
	if (!strcmp(suffix, "%")) {
		if (it.metric == MET_MEMORY) {
			snprintf(err, errlen, "budget: memory = '%s': give bytes (50MB, 64MiB), not a percentage", value);
			return -1;
		}
		it.limit = x;
		it.relative = it.metric >= MET_P50;
	} else {
		int ok = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && !ok; i++) {
			if (strcmp(suffix, units[i].suffix))
				continue;
			ok = (units[i].bytes && it.metric == MET_MEMORY) || (!units[i].bytes && it.metric >= MET_P50);
			it.limit = x * units[i].scale;
		}
		if (!ok) {
			snprintf(err, errlen, "budget: %s = '%s': expected %s", name, value,
				 it.metric == MET_MEMORY ? "bytes such as 50MB or 64MiB" :
				 it.metric >= MET_P50 ? "a time such as 200us or 0.5ms, or a percentage of the baseline's" :
				 "a percentage such as 2%");
			return -1;
		}
	}
	for (int i = 0; i < b->n; i++)
		if (b->items[i].metric == it.metric) {
			b->items[i] = it;     /* the later one wins, as on a command line */
			return 0;
		}
	if (b->n < MET_COUNT)
		b->items[b->n++] = it;
	return 0;
}

int budget_parse_list(struct budget *b, const char *list, char *err, size_t errlen)
{
	char scratch[256];
	if (!err)
		err = scratch, errlen = sizeof(scratch);
	char *copy = xstrdup(list), *tok, *save = NULL;
	int rc = 0;
	for (tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		char *sep = strpbrk(tok, ":=");
		if (!sep) {
			snprintf(err, errlen, "budget: '%s': expected metric:amount, e.g. cpu:2%%,p99:5%%", tok);
			rc = -1;
			break;
		}
		*sep = '\0';
		rc = budget_add(b, tok, sep + 1, err, errlen);
	}
	free(copy);
	return rc;
}

static enum verdict decide(double lo, double hi, double limit)
{
	if (!isfinite(lo) || !isfinite(hi))
		return V_INCONCLUSIVE;
	if (hi <= limit)
		return V_PASS;
	if (lo > limit)
		return V_FAIL;
	return V_INCONCLUSIVE;
}

static double baseline_percentile(const struct analysis *an, int base, enum metric m)
{
	const struct arm_summary *a = &an->arms[base];
	return m == MET_P50 ? a->p50_us : m == MET_P90 ? a->p90_us : m == MET_P99 ? a->p99_us : a->p999_us;
}

int budget_evaluate(const struct budget *b, const struct experiment *ex, const struct analysis *an,
		    struct verdict_row **rows)
{
	int n = 0;
	*rows = xcalloc((size_t)(ex->nconfigs * (b->n ? b->n : 1)), sizeof(**rows));
	for (int c = 0; c < ex->nconfigs; c++) {
		int base = plan_baseline(ex, ex->configs[c].workload);
		if (c == base)
			continue;
		for (int i = 0; i < b->n; i++) {
			const struct budget_item *it = &b->items[i];
			const struct overhead *o = &an->arms[c].m[it->metric];
			struct verdict_row *r = &(*rows)[n++];
			r->config = c;
			r->item = it;
			r->limit = it->relative ? it->limit / 100 * baseline_percentile(an, base, it->metric) : it->limit;
			r->est = o->e.est;
			r->lo = o->n && o->e.ok ? o->e.lo : NAN;
			r->hi = o->n && o->e.ok ? o->e.hi : NAN;
			if (it->metric == MET_THROUGHPUT) {
				/* The budget caps a loss: turn the change into a loss. */
				double lo = r->lo;
				r->est = -r->est;
				r->lo = -r->hi;
				r->hi = -lo;
			}
			r->verdict = o->n ? decide(r->lo, r->hi, r->limit) : V_INCONCLUSIVE;
		}
	}
	return n;
}

enum verdict budget_overall(const struct verdict_row *rows, int n)
{
	enum verdict v = V_NONE;
	for (int i = 0; i < n; i++)
		if (rows[i].verdict > v)
			v = rows[i].verdict;
	return v;
}

const char *const verdict_names[] = { "none", "PASS", "INCONCLUSIVE", "FAIL", NULL };

const char *verdict_name(enum verdict v)
{
	return (unsigned)v <= V_FAIL ? verdict_names[v] : "none";
}

int verdict_exit_code(enum verdict v)
{
	return v == V_FAIL ? EXIT_FAIL : v == V_INCONCLUSIVE ? EXIT_INCONCLUSIVE : EXIT_PASS;
}

static const char *metric_short(enum metric m)
{
	return m == MET_CPU_TOTAL ? "cpu" : metric_names[m];
}

json_t *budget_json(const struct budget *b, const struct experiment *ex, const struct verdict_row *rows, int n)
{
	json_t *o = json_object(), *bj = json_object(), *rj = json_array();
	for (int i = 0; i < b->n; i++)
		json_object_set_new(bj, metric_short(b->items[i].metric), json_string(b->items[i].text));
	for (int i = 0; i < n; i++) {
		const struct verdict_row *r = &rows[i];
		json_t *j = json_object();
		json_object_set_new(j, "config", json_string(ex->configs[r->config].label));
		json_object_set_new(j, "metric", json_string(metric_short(r->item->metric)));
		json_object_set_new(j, "unit", json_string(metric_unit(r->item->metric)));
		json_object_set_new(j, "budget", json_string(r->item->text));
		json_object_set_new(j, "limit", json_num_or_null(r->limit));
		json_object_set_new(j, "estimate", json_num_or_null(r->est));
		json_object_set_new(j, "lo", json_num_or_null(r->lo));
		json_object_set_new(j, "hi", json_num_or_null(r->hi));
		json_object_set_new(j, "verdict", json_string(verdict_name(r->verdict)));
		json_array_append_new(rj, j);
	}
	json_object_set_new(o, "budget", bj);
	json_object_set_new(o, "verdicts", rj);
	json_object_set_new(o, "verdict", json_string(verdict_name(budget_overall(rows, n))));
	return o;
}

void budget_print(FILE *f, const struct experiment *ex, const struct verdict_row *rows, int n)
{
	int width = 13;
	if (n == 0)
		return;
	for (int i = 0; i < n; i++)
		if ((int)strlen(ex->configs[rows[i].config].label) > width)
			width = (int)strlen(ex->configs[rows[i].config].label);
	fprintf(f, "\nverdicts (PASS: the interval's upper bound is within budget; FAIL: its lower bound is beyond it):\n");
	for (int i = 0; i < n; i++) {
		const struct verdict_row *r = &rows[i];
		char est[32], lo[32], hi[32], lim[32];
		fmt_amount(metric_unit(r->item->metric), r->est, est, sizeof(est));
		fmt_amount(metric_unit(r->item->metric), r->lo, lo, sizeof(lo));
		fmt_amount(metric_unit(r->item->metric), r->hi, hi, sizeof(hi));
		fmt_amount(metric_unit(r->item->metric), r->limit, lim, sizeof(lim));
		fprintf(f, "  %-*s  %-10s %s [%s, %s]  budget %s%s%s  %s\n", width, ex->configs[r->config].label,
			r->item->metric == MET_THROUGHPUT ? "throughput loss" : metric_short(r->item->metric), est, lo, hi,
			r->item->text, r->item->relative ? " = " : "", r->item->relative ? lim : "", verdict_name(r->verdict));
	}
}
