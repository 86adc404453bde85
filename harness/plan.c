/* plan.c — configurations, the seeded schedule, argument templates. */
#include "plan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "util.h"

void kvlist_add(struct kvlist *l, const char *key, const char *value)
{
	l->v = xrealloc(l->v, (size_t)(l->n + 1) * sizeof(*l->v));
	l->v[l->n].key = xstrdup(key);
	l->v[l->n].value = xstrdup(value);
	l->n++;
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].value;
	return NULL;
}

void kvlist_free(struct kvlist *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void experiment_free(struct experiment *ex)
{
	for (int i = 0; i < ex->nconfigs; i++) {
		struct config *c = &ex->configs[i];
		free(c->label);
		free(c->slug);
		free(c->profiler);
		kvlist_free(&c->profiler_opts);
		kvlist_free(&c->given_opts);
		strv_free(c->profiler_argv);
		strv_free(c->workload_env);
		free(c->ready.text);
		strv_free(c->workload_args);
		free(c->self.folded);
		strv_free(c->self.argv);
		free(c->self.pattern);
		free(c->samples.json);
		free(c->samples.key);
		strv_free(c->samples.argv);
		free(c->samples.match);
		free(c->samples.what);
	}
	for (int i = 0; i < ex->nworkloads; i++) {
		struct workload *w = &ex->workloads[i];
		free(w->name);
		free(w->label);
		kvlist_free(&w->opts);
		kvlist_free(&w->given_opts);
		strv_free(w->argv);
		strv_free(w->env);
		strv_free(w->driver_argv);
		strv_free(w->files);
		free(w->ready.text);
		free(w->unit);
		free(w->attach_cgroup);
		free(w->metrics_url);
		free(w->metrics_units);
		free(w->metrics_latency);
		for (int k = 0; k < w->truth.n; k++)
			free(w->truth.part[k].name);
	}
	free(ex->configs);
	free(ex->workloads);
	kvlist_free(&ex->options);
	free(ex->name);
	free(ex->script);
	free(ex->command_line);
	free(ex->budget);
	for (int i = 0; i < ex->ncounters; i++)
		free(ex->counters[i]);
	free(ex->counters);
	memset(ex, 0, sizeof(*ex));
}

int plan_baseline(const struct experiment *ex, int workload)
{
	for (int i = 0; i < ex->nconfigs; i++)
		if (ex->configs[i].workload == workload && ex->configs[i].baseline)
			return i;
	return -1;
}

/* Each block is an independent Fisher–Yates shuffle from one seeded stream, so block b's order
 * depends only on the seed and on b: a run that is extended keeps its earlier blocks' order. */
int *plan_schedule(int blocks, int nconfigs, uint64_t seed)
{
	int *order = xcalloc((size_t)blocks * (size_t)nconfigs, sizeof(int));
	struct prng r;
	prng_seed(&r, seed);
	for (int b = 0; b < blocks; b++) {
		int *row = order + (size_t)b * (size_t)nconfigs;
		for (int i = 0; i < nconfigs; i++)
			row[i] = i;
		for (int i = nconfigs - 1; i > 0; i--) {
			int j = (int)prng_below(&r, (uint64_t)i + 1);
			int t = row[i];
			row[i] = row[j];
			row[j] = t;
		}
	}
	return order;
}

const char *const control_names[] = { "none", "signal", "page", "perf-fifo", "restart", "toggle", NULL };

int plan_window_arm(uint64_t seed, int block, int config, int window)
{
	struct prng r;
	/* One stream per (block, configuration, pair): splitmix64 in prng_seed decorrelates them. */
	prng_seed(&r, seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(block + 1)) ^
			      (0xc2b2ae3d27d4eb4full * (uint64_t)(config + 1)) ^ (0x165667b19e3779f9ull * (uint64_t)(window / 2 + 1)));
	return (int)((prng_next(&r) >> 63) ^ (uint64_t)(window & 1));
}

void plan_seal(struct experiment *ex)
{
	if (!ex->seed)
		ex->seed = prng_fresh_seed();
	if (ex->command_line && !strstr(ex->command_line, " seed=")) {
		char *cl = xasprintf("%s seed=%llu", ex->command_line, (unsigned long long)ex->seed);
		free(ex->command_line);
		ex->command_line = cl;
	}
}

size_t plan_escape(char *dst, const char *src)
{
	size_t n = 0;
	for (const char *p = src; *p; p++) {
		dst[n++] = *p;
		if (*p == '{')
			dst[n++] = '{';
	}
	dst[n] = '\0';
	return n;
}

char *plan_expand(const char *tmpl, int pid, const char *dir, int port)
{
	return plan_expand_pids(tmpl, pid, NULL, dir, port);
}

char *plan_expand_pids(const char *tmpl, int pid, const char *pids, const char *dir, int port)
{
	size_t cap = strlen(tmpl) + 64, n = 0;
	char *out = xmalloc(cap);
	for (const char *p = tmpl; *p;) {
		const char *val = NULL;
		char pidbuf[24];
		size_t skip = 0;
		/* Left to right, so "{{pid}" is a literal "{pid}" and "{{{pid}" a brace and a PID. */
		if (!strncmp(p, "{{", 2)) {
			val = "{", skip = 2;
		} else if (!strncmp(p, "{pid}", 5)) {
			snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
			val = pidbuf, skip = 5;
		} else if (!strncmp(p, "{pids}", 6)) {
			snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
			val = pids ? pids : pidbuf, skip = 6;
		} else if (!strncmp(p, "{port}", 6)) {
			snprintf(pidbuf, sizeof(pidbuf), "%d", port);
			val = pidbuf, skip = 6;
		} else if (!strncmp(p, "{dir}", 5)) {
			val = dir ? dir : ".", skip = 5;
		} else if (!strncmp(p, "{build}", 7)) {
			val = tare_build_dir(), skip = 7;
		} else if (!strncmp(p, "{root}", 6)) {
			val = tare_root(), skip = 6;
		}
		if (val) {
			size_t l = strlen(val);
			if (n + l + 1 >= cap)
				out = xrealloc(out, cap = (n + l + 1) * 2);
			memcpy(out + n, val, l);
			n += l;
			p += skip;
		} else {
			if (n + 2 >= cap)
				out = xrealloc(out, cap *= 2);
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

char *slugify(const char *label)
{
	char *s = xstrdup(label), *d = s;
	int dash = 0;
	for (const char *p = label; *p; p++) {
		if (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-') {
			*d++ = *p;
			dash = 0;
		} else if (*p == '=') {
			*d++ = '-';
			dash = 1;
		} else if (!dash && d != s) {
			*d++ = '_';
			dash = 1;
		}
	}
	while (d > s && (d[-1] == '_' || d[-1] == '-'))
		d--;
	*d = '\0';
	return s;
}
