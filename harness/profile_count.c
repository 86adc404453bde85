/* profile_count.c — how much a profiler recorded, counted once it has stopped (an adapter's
 * `samples`: docs/adapters.md).
 *
 * A profiler that recorded nothing costs what a profiler that profiles nothing costs: perf
 * attached to a parent whose forked workers it does not follow, bpftrace filtered on the wrong
 * PID.  The overhead of such a run is real and meaningless, so the trial keeps the count and
 * the run warns.  The count is read after the measured window (it may run `perf report`), in
 * the trial's folder, so it costs nothing that is measured.
 */
#include "profile_count.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"
#include "util.h"

/* A number at a dotted key ("types.cpu.samples") of a JSON file. */
static int64_t count_json(const char *path, const char *key, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je), *v = root;
	char *k = xstrdup(key), *save = NULL;
	int64_t n = -1;
	if (!root) {
		snprintf(err, errlen, "%s: %s", path, je.text);
		free(k);
		return -1;
	}
	for (char *part = strtok_r(k, ".", &save); part && v; part = strtok_r(NULL, ".", &save))
		v = json_is_object(v) ? json_object_get(v, part) : NULL;
	if (v && json_is_number(v) && json_number_value(v) >= 0)
		n = (int64_t)json_number_value(v);
	else
		snprintf(err, errlen, "%s has no number at '%s'", path, key);
	json_decref(root);
	free(k);
	return n;
}

/* Run argv in dir, its output (stdout and stderr) into dir/name; the output, malloc'd, or NULL
 * with the reason in err. */
static char *run_output(char *const *argv, const char *dir, const char *name, char *err, size_t errlen)
{
	struct spawn_opts o = { 0 };
	struct child c, *cs[1] = { &c };
	char out[PATH_MAX + 32], *text;
	snprintf(out, sizeof(out), "%s/%s", dir, name);
	o.argv = argv;
	o.stdout_path = out;
	o.stderr_path = out;
	o.keep_fd = -1;
	o.cwd = dir;
	if (child_spawn(&c, &o, err, errlen) < 0)
		return NULL;
	if (child_release(&c, argv[0], err, errlen) < 0) {
		child_stop(&c, SIGKILL, 0);
		child_close(&c);
		return NULL;
	}
	/* perf report reads a whole perf.data: seconds for a long run, not minutes */
	if (child_wait_any(cs, 1, 120ull * 1000000000) != 0) {
		child_stop(&c, SIGKILL, 0);
		child_close(&c);
		snprintf(err, errlen, "%s did not finish in 120 s", argv[0]);
		return NULL;
	}
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
		char why[96];
		describe_status(c.status, why, sizeof(why));
		snprintf(err, errlen, "%s %s (see %s)", argv[0], why, out);
		child_close(&c);
		return NULL;
	}
	child_close(&c);
	if (!(text = read_file(out, NULL)))
		snprintf(err, errlen, "%s: %s", out, strerror(errno));
	return text;
}

/* The first group of `match` in the output of argv, run in dir; no match: 0. */
static int64_t count_command(char *const *argv, const char *match, const char *dir, char *err, size_t errlen)
{
	char *text;
	regex_t re;
	regmatch_t m[2];
	int64_t n = -1;
	if (!(text = run_output(argv, dir, "samples.out", err, errlen)))
		return -1;
	if (regcomp(&re, match, REG_EXTENDED) != 0) {   /* checked while planning */
		free(text);
		snprintf(err, errlen, "bad expression '%s'", match);
		return -1;
	}
	if (regexec(&re, text, 2, m, 0) == 0 && m[1].rm_so >= 0)
		n = strtoll(text + m[1].rm_so, NULL, 10);
	else
		n = 0;
	regfree(&re);
	free(text);
	return n;
}

int64_t profile_count(const struct samples_spec *s, const char *json_path, char *const *argv, const char *dir,
		      char *err, size_t errlen)
{
	err[0] = '\0';
	if (json_path)
		return count_json(json_path, s->key, err, errlen);
	if (argv && argv[0])
		return count_command(argv, s->match, dir, err, errlen);
	snprintf(err, errlen, "no way to count given");
	return -1;
}

/* The next "stack COUNT" line of folded text at *p (writable, advanced past the line): the
 * stack, cut before its count so that nothing can match the count, and the count; NULL at the
 * end.  Lines without a positive count (blank, comments) are skipped. */
static char *folded_next(char **p, double *n)
{
	while (**p) {
		char *line = *p, *nl = strchr(line, '\n'), *sp, *end;
		*p = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		if (!(sp = strrchr(line, ' ')))
			continue;
		*n = strtod(sp + 1, &end);
		if (end == sp + 1 || !(*n > 0))
			continue;
		*sp = '\0';
		return line;
	}
	return NULL;
}

double folded_share_pct(const char *text, const char *pattern, char *err, size_t errlen)
{
	regex_t re;
	double all = 0, own = 0, n;
	char *copy = xstrdup(text), *p = copy, *stack;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		snprintf(err, errlen, "bad expression '%s'", pattern);
		free(copy);
		return NAN;
	}
	while ((stack = folded_next(&p, &n))) {
		all += n;
		if (regexec(&re, stack, 0, NULL, 0) == 0)
			own += n;
	}
	regfree(&re);
	free(copy);
	if (!(all > 0)) {
		snprintf(err, errlen, "no samples in the folded stacks");
		return NAN;
	}
	return 100 * own / all;
}

/* The part frame [f, f + len) is named as, or -1: the name itself, or the name followed by Go's
 * inlined-frame mark (`go tool pprof -traces` writes "main.cpuHot (inline)"). */
static int part_of(const struct truth_split *truth, const char *f, size_t len)
{
	static const char inl[] = " (inline)";
	if (len > sizeof(inl) - 1 && !memcmp(f + len - (sizeof(inl) - 1), inl, sizeof(inl) - 1))
		len -= sizeof(inl) - 1;
	for (int k = 0; k < truth->n; k++)
		if (strlen(truth->part[k].name) == len && !memcmp(truth->part[k].name, f, len))
			return k;
	return -1;
}

int folded_parts(const char *text, const struct truth_split *truth, struct part_samples *out, char *err, size_t errlen)
{
	double sum[TRUTH_PARTS_MAX] = { 0 }, all = 0, n;
	char *copy = xstrdup(text), *p = copy, *stack;
	memset(out, 0, sizeof(*out));
	while ((stack = folded_next(&p, &n))) {
		int part = -1;
		/* root first: the last part named is the deepest */
		for (char *f = stack, *semi;; f = semi + 1) {
			int k;
			semi = strchr(f, ';');
			if ((k = part_of(truth, f, semi ? (size_t)(semi - f) : strlen(f))) >= 0)
				part = k;
			if (!semi)
				break;
		}
		if (part >= 0)
			sum[part] += n, all += n;
	}
	free(copy);
	if (!(all > 0)) {
		snprintf(err, errlen, "no samples in %s or the other parts of the known split", truth->n ? truth->part[0].name : "?");
		return -1;
	}
	out->n = truth->n;
	for (int k = 0; k < truth->n; k++)
		out->count[k] = llround(sum[k]);
	return 0;
}

char *profile_folded(const char *folded, char *const *argv, const char *dir, char *err, size_t errlen)
{
	char *text = folded ? read_file(folded, NULL) : run_output(argv, dir, "self.folded", err, errlen);
	if (!text && folded)
		snprintf(err, errlen, "%s: %s", folded, strerror(errno));
	return text;
}
