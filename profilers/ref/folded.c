/* folded.c — folded stacks, one line per distinct stack: "main;worker;cpu_hot 123", root
 * first, the count in samples, or in the value profile_values names (flamegraph.pl, speedscope
 * and inferno read them).  Stacks that differ only by process, or by locations with one name,
 * are merged; lines are sorted.
 *
 * Nothing is built in memory but an index: stacks are sorted by comparing their names frame by
 * frame, then streamed out, so a flush of a full table costs 4 bytes a stack. */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct folded_ctx {
	const struct session *s;
	const struct stacks *t;
	int comm_root;
};

/* The name of frame k of a stack counted from the root; the process name first if asked. */
static const char *frame_name(const struct folded_ctx *c, const struct stack *st, uint32_t k,
			      char *buf, size_t len)
{
	const struct stacks *t = c->t;

	if (c->comm_root) {
		if (k == 0) {
			if (st->comm)
				return strtab_get(&c->s->strs, st->comm);
			snprintf(buf, len, "[pid %d]", (int)st->pid);
			return buf;
		}
		k--;
	}
	return strtab_get(&c->s->strs, loc_name(&t->loc[stacks_frames(t, st)[st->nframes - 1 - k]]));
}

static int cmp_stack(const void *a, const void *b, void *arg)
{
	const struct folded_ctx *c = arg;
	const struct stack *x = &c->t->stack[*(const uint32_t *)a];
	const struct stack *y = &c->t->stack[*(const uint32_t *)b];
	uint32_t nx = x->nframes + (c->comm_root ? 1 : 0), ny = y->nframes + (c->comm_root ? 1 : 0);
	char bx[32], by[32];

	for (uint32_t k = 0; k < nx && k < ny; k++) {
		int r = strcmp(frame_name(c, x, k, bx, sizeof(bx)), frame_name(c, y, k, by, sizeof(by)));

		if (r)
			return r;
	}
	return (nx > ny) - (nx < ny);
}

/* What a line counts: samples, or the value asked for (the eBPF sampler's types). */
static uint64_t folded_count(const struct stacks *t, const struct profile_values *pv, uint32_t i)
{
	int64_t v;

	if (!pv)
		return t->stack[i].count;
	v = pv->v[(size_t)i * (size_t)pv->n + (size_t)pv->folded_index];
	return v > 0 ? (uint64_t)v : 0;
}

/* A frame's name with what would break the format replaced: ';' separates frames, a newline
 * ends the line. */
static void put_name(FILE *f, const char *name)
{
	for (; *name; name++)
		fputc(*name == ';' ? ':' : *name == '\n' ? ' ' : *name, f);
}

int folded_write(const char *path, struct session *s, const struct profile_meta *pm,
		 char *err, size_t errlen)
{
	const struct stacks *t = pm->stacks ? pm->stacks : &s->stacks;
	const struct profile_values *pv = pm->values;
	struct folded_ctx c = { s, t, pm->comm_root };
	uint32_t *order = xmalloc(sizeof(*order) * (t->nstacks ? t->nstacks : 1)), n = 0;
	char *tmp = atomic_tmp_name(path);
	FILE *f = fopen(tmp, "we");
	int rc = -1, failed;

	if (!f) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (uint32_t i = 0; i < t->nstacks; i++)
		if ((t->stack[i].nframes || c.comm_root) && folded_count(t, pv, i))
			order[n++] = i;	/* an empty stack has nothing to draw */
	qsort_r(order, n, sizeof(*order), cmp_stack, &c);
	for (uint32_t i = 0, j; i < n; i = j) {
		const struct stack *st = &t->stack[order[i]];
		uint32_t frames = st->nframes + (c.comm_root ? 1 : 0);
		uint64_t count = 0;
		char buf[32];

		for (j = i; j < n && !cmp_stack(&order[i], &order[j], &c); j++)
			count += folded_count(t, pv, order[j]);
		for (uint32_t k = 0; k < frames; k++) {
			if (k)
				fputc(';', f);
			put_name(f, frame_name(&c, st, k, buf, sizeof(buf)));
		}
		fprintf(f, " %llu\n", (unsigned long long)count);
	}
	failed = ferror(f);	/* before fclose: the order of a | b's operands is unspecified */
	failed |= fclose(f) != 0;
	rc = atomic_commit(tmp, path, failed, err, errlen);
out:
	free(tmp);
	free(order);
	return rc;
}
