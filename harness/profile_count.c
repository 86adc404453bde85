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

double folded_share_pct(const char *text, const char *pattern, char *err, size_t errlen)
{
	regex_t re;
	double all = 0, own = 0;
	char *copy = xstrdup(text), *save = NULL;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		snprintf(err, errlen, "bad expression '%s'", pattern);
		free(copy);
		return NAN;
	}
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strrchr(line, ' '), *end;
		double n;
		if (!sp)
			continue;
		n = strtod(sp + 1, &end);
		if (end == sp + 1 || !(n > 0))
			continue;
		*sp = '\0';   /* the stack alone, so the count cannot match */
		all += n;
		if (regexec(&re, line, 0, NULL, 0) == 0)
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

double profile_self_pct(const char *pattern, const char *folded, char *const *argv, const char *dir,
			char *err, size_t errlen)
{
	char *text = folded ? read_file(folded, NULL) : run_output(argv, dir, "self.folded", err, errlen);
	double pct;
	if (!text) {
		if (folded)
			snprintf(err, errlen, "%s: %s", folded, strerror(errno));
		return NAN;
	}
	pct = folded_share_pct(text, pattern, err, errlen);
	free(text);
	return pct;
}
