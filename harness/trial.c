/* trial.c — run one trial and measure it. */
#include "trial.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "sysstat.h"
#include "units.h"
#include "util.h"

struct snapshot {
	uint64_t t_ns;
	uint64_t units;
	struct cg_cpu w, p;
	uint64_t root_ns, kthreads_ns;
	int have_root;
	struct procstat ps;
};

/* Everything a trial holds, so one cleanup path can release it whatever went wrong. */
struct trial_ctx {
	const struct trial_env *env;
	const struct config *cf;
	const struct workload *wl;
	struct trial_result *tr;
	char dir[PATH_MAX];
	struct cgroup cg_w, cg_p;
	int have_cg_w, have_cg_p;
	struct child w, p;
	int have_w, have_p;
	struct units_page units;
	char **pargv;
};

static void fail(struct trial_ctx *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct trial_ctx *t, const char *fmt, ...)
{
	va_list ap;
	if (t->tr->state != TRIAL_OK)
		return;   /* keep the first cause */
	t->tr->state = TRIAL_FAILED;
	va_start(ap, fmt);
	vsnprintf(t->tr->error, sizeof(t->tr->error), fmt, ap);
	va_end(ap);
}

/* The last non-empty line of a log file: the most useful thing to show about a failure. */
static void last_line(const char *path, char *out, size_t len)
{
	char *s = read_file(path, NULL), *end, *start;
	out[0] = '\0';
	if (!s)
		return;
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(s, '\n');
	snprintf(out, len, "%s", start ? start + 1 : s);
	free(s);
}

static void snap(struct trial_ctx *t, struct snapshot *s)
{
	/* The slow, slowly-changing readings first (the /proc scan takes a few ms); then the
	 * counters that define the window, back to back. */
	s->kthreads_ns = sysstat_kthreads_ns();
	procstat_read(&s->ps);
	s->have_root = cgroup_root_cpu(t->env->cg, &s->root_ns) == 0;
	if (t->have_cg_p)
		cgroup_cpu(&t->cg_p, &s->p);
	else
		memset(&s->p, 0, sizeof(s->p));
	cgroup_cpu(&t->cg_w, &s->w);
	s->units = units_read(&t->units);
	s->t_ns = now_ns();
}

static int count_perf_fds(pid_t pid)
{
	char dir[64];
	DIR *d;
	struct dirent *de;
	int n = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		char path[320], target[128];
		ssize_t l;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		l = readlink(path, target, sizeof(target) - 1);
		if (l > 0) {
			target[l] = '\0';
			if (strstr(target, "perf_event"))
				n++;
		}
	}
	closedir(d);
	return n;
}

static int file_has(const char *path, const char *text)
{
	char *s = read_file(path, NULL);
	int yes = s && strstr(s, text);
	free(s);
	return yes;
}

static int is_ready(struct trial_ctx *t, uint64_t started)
{
	const struct config *cf = t->cf;
	char path[PATH_MAX + 32];
	switch (cf->ready) {
	case READY_START:
		return 1;
	case READY_PERF_FDS:
		return count_perf_fds(t->p.pid) >= cf->ready_count;
	case READY_LINE:
		snprintf(path, sizeof(path), "%s/profiler.err", t->dir);
		if (file_has(path, cf->ready_text))
			return 1;
		snprintf(path, sizeof(path), "%s/profiler.out", t->dir);
		return file_has(path, cf->ready_text);
	case READY_FILE: {
		char *p = plan_expand(cf->ready_text, t->w.pid, t->dir);
		int yes = path_exists(p);
		free(p);
		return yes;
	}
	case READY_DELAY:
		return now_ns() - started >= (uint64_t)(cf->ready_delay_s * 1e9);
	}
	return 1;
}

static int start_profiler(struct trial_ctx *t)
{
	const struct config *cf = t->cf;
	struct spawn_opts o = { 0 };
	char err[512], out[PATH_MAX + 16], errp[PATH_MAX + 16], name[64];
	cpu_set_t all;
	uint64_t started;
	int n = 0;
	while (cf->profiler_argv[n])
		n++;
	t->pargv = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		t->pargv[i] = plan_expand(cf->profiler_argv[i], t->w.pid, t->dir);
	snprintf(name, sizeof(name), "tare-%d-t%d-p", (int)getpid(), t->tr->index);
	if (cgroup_create(t->env->cg, name, &t->cg_p, err, sizeof(err)) < 0) {
		fail(t, "profiler cgroup: %s", err);
		return -1;
	}
	t->have_cg_p = 1;
	/* Profilers are not pinned: where they run is part of what they cost. */
	CPU_ZERO(&all);
	for (int c = 0; c < ncpus_online() && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	snprintf(out, sizeof(out), "%s/profiler.out", t->dir);
	snprintf(errp, sizeof(errp), "%s/profiler.err", t->dir);
	o.argv = t->pargv;
	o.stdout_path = out;
	o.stderr_path = errp;
	o.cpus = &all;
	o.keep_fd = -1;
	if (child_spawn(&t->p, &o, err, sizeof(err)) < 0) {
		fail(t, "profiler: %s", err);
		return -1;
	}
	t->have_p = 1;
	if (cgroup_attach(&t->cg_p, t->p.pid, err, sizeof(err)) < 0) {
		fail(t, "profiler: %s", err);
		return -1;
	}
	started = now_ns();
	if (child_release(&t->p, t->pargv[0], err, sizeof(err)) < 0) {
		fail(t, "profiler: %s", err);
		return -1;
	}
	for (;;) {
		struct child *one[1] = { &t->p };
		char why[160], line[256];
		if (is_ready(t, started))
			break;
		if (child_wait_any(one, 1, 5 * 1000000ull) == 0) {
			describe_status(t->p.status, why, sizeof(why));
			last_line(errp, line, sizeof(line));
			fail(t, "profiler %s before it was ready%s%s", why, line[0] ? ": " : "", line);
			return -1;
		}
		if (tare_interrupted)
			return -1;
		if (now_ns() - started > (uint64_t)(cf->ready_timeout_s * 1e9)) {
			fail(t, "profiler not ready after %.0f s (see %s)", cf->ready_timeout_s, errp);
			return -1;
		}
	}
	t->tr->profiler_ready_s = (double)(now_ns() - started) / 1e9;
	return 0;
}

static int start_workload(struct trial_ctx *t)
{
	const struct workload *wl = t->wl;
	struct spawn_opts o = { 0 };
	struct ptrvec env = { 0 };
	char err[512], name[64], out[PATH_MAX + 16], errp[PATH_MAX + 16], fdenv[48];
	char **argv;
	int n = 0, rc = -1;
	snprintf(name, sizeof(name), "tare-%d-t%d-w", (int)getpid(), t->tr->index);
	if (cgroup_create(t->env->cg, name, &t->cg_w, err, sizeof(err)) < 0) {
		fail(t, "workload cgroup: %s", err);
		return -1;
	}
	t->have_cg_w = 1;
	if (units_create(&t->units) < 0) {
		fail(t, "memfd for the units page: %s", strerror(errno));
		return -1;
	}
	while (wl->argv[n])
		n++;
	argv = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		argv[i] = plan_expand(wl->argv[i], 0, t->dir);
	snprintf(fdenv, sizeof(fdenv), "TARE_UNITS_FD=%d", t->units.fd);
	ptrvec_push(&env, fdenv);
	for (char **e = wl->env; e && *e; e++)
		ptrvec_push(&env, *e);
	for (char **e = t->cf->workload_env; e && *e; e++)
		ptrvec_push(&env, *e);
	ptrvec_push(&env, NULL);
	snprintf(out, sizeof(out), "%s/workload.out", t->dir);
	snprintf(errp, sizeof(errp), "%s/workload.err", t->dir);
	o.argv = argv;
	o.env_add = (char *const *)env.v;
	o.stdout_path = out;
	o.stderr_path = errp;
	o.cpus = t->env->pin_workload ? &t->env->workload_cpus : NULL;
	o.keep_fd = t->units.fd;
	if (child_spawn(&t->w, &o, err, sizeof(err)) < 0) {
		fail(t, "workload: %s", err);
		goto out;
	}
	t->have_w = 1;
	if (cgroup_attach(&t->cg_w, t->w.pid, err, sizeof(err)) < 0) {
		fail(t, "workload: %s", err);
		goto out;
	}
	rc = 0;
out:
	for (int i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	free(env.v);
	return rc;
}

/* Wait for ns, or for the units target; a child exiting meanwhile fails the trial. */
static int wait_window(struct trial_ctx *t, uint64_t ns, uint64_t units_from, uint64_t units_target, const char *phase)
{
	struct child *cs[2] = { &t->w, t->have_p ? &t->p : NULL };
	uint64_t deadline = now_ns() + ns;
	for (;;) {
		uint64_t now = now_ns(), step;
		int r;
		if (units_target && units_read(&t->units) - units_from >= units_target)
			return 0;
		if (now >= deadline) {
			if (!units_target)
				return 0;
			fail(t, "timeout: %llu of %llu units after %.1f s", (unsigned long long)(units_read(&t->units) - units_from),
			     (unsigned long long)units_target, (double)ns / 1e9);
			return -1;
		}
		/* 1 ms polls in units mode: the harness has its own CPU, so this costs the workload nothing. */
		step = units_target ? 1000000 : deadline - now;
		r = child_wait_any(cs, 2, step);
		if (r == -2) {
			t->tr->state = TRIAL_INTERRUPTED;
			snprintf(t->tr->error, sizeof(t->tr->error), "interrupted");
			return -1;
		}
		if (r >= 0) {
			char why[160], line[256], path[PATH_MAX + 16];
			int is_w = r == 0;
			describe_status(cs[r]->status, why, sizeof(why));
			snprintf(path, sizeof(path), "%s/%s.err", t->dir, is_w ? "workload" : "profiler");
			last_line(path, line, sizeof(line));
			fail(t, "%s %s during the %s%s%s", is_w ? "workload" : "profiler", why, phase, line[0] ? ": " : "", line);
			return -1;
		}
	}
}

static uint64_t group_rss_peak(const struct cgroup *cg)
{
	pid_t *pids;
	uint64_t sum = 0;
	int n = cgroup_pids(cg, &pids);
	for (int i = 0; i < n; i++)
		sum += proc_rss_peak_bytes(pids[i]);
	free(pids);
	return sum;
}

static void cleanup(struct trial_ctx *t)
{
	if (t->have_p)
		child_stop(&t->p, t->cf->stop_signal, t->cf->stop_grace_s), child_close(&t->p);
	if (t->have_w)
		child_stop(&t->w, SIGTERM, t->wl->stop_grace_s), child_close(&t->w);
	if (t->have_cg_p) {
		cgroup_kill_all(&t->cg_p);
		cgroup_destroy(&t->cg_p);
	}
	if (t->have_cg_w) {
		cgroup_kill_all(&t->cg_w);
		cgroup_destroy(&t->cg_w);
	}
	units_destroy(&t->units);
	if (t->pargv) {
		for (char **a = t->pargv; *a; a++)
			free(*a);
		free(t->pargv);
	}
}

void trial_run(const struct trial_env *env, struct trial_result *tr)
{
	struct trial_ctx t = { 0 };
	struct snapshot a, b;
	struct procstat d;
	uint64_t timeout_ns;
	t.env = env;
	t.tr = tr;
	t.cf = &env->ex->configs[tr->config];
	t.wl = &env->ex->workloads[t.cf->workload];
	t.units.fd = -1;
	tr->state = TRIAL_OK;
	tr->error[0] = '\0';
	tr->started_unix_ns = wall_ns();
	tr->workload_mem_charged_peak_bytes = tr->profiler_mem_charged_peak_bytes = -1;
	snprintf(tr->dir, sizeof(tr->dir), "trials/%03d-%s", tr->index + 1, t.cf->slug);
	snprintf(t.dir, sizeof(t.dir), "%s/%s", env->results_dir, tr->dir);
	if (mkdir_p(t.dir, 0755) < 0) {
		fail(&t, "cannot create %s: %s", t.dir, strerror(errno));
		return;
	}
	timeout_ns = (uint64_t)(env->ex->timeout_s * 1e9);

	if (start_workload(&t) < 0)
		goto out;
	if (t.cf->profiler_argv && start_profiler(&t) < 0)
		goto out;
	{
		char err[512];
		if (child_release(&t.w, t.wl->argv[0], err, sizeof(err)) < 0) {
			fail(&t, "workload: %s", err);
			goto out;
		}
	}
	if (wait_window(&t, (uint64_t)(env->ex->warmup_s * 1e9), 0, 0, "warm-up") < 0)
		goto out;
	snap(&t, &a);
	if (env->ex->units)
		wait_window(&t, timeout_ns, a.units, env->ex->units, "measured window");
	else
		wait_window(&t, (uint64_t)(env->ex->duration_s * 1e9), 0, 0, "measured window");
	if (tr->state != TRIAL_OK)
		goto out;
	snap(&t, &b);

	tr->wall_s = (double)(b.t_ns - a.t_ns) / 1e9;
	tr->units = b.units - a.units;
	snprintf(tr->unit, sizeof(tr->unit), "%s", units_name(&t.units));
	tr->workload_user_ns = b.w.user_ns - a.w.user_ns;
	tr->workload_sys_ns = b.w.sys_ns - a.w.sys_ns;
	tr->workload_cpu_ns = b.w.total_ns - a.w.total_ns;
	tr->profiler_user_ns = b.p.user_ns - a.p.user_ns;
	tr->profiler_sys_ns = b.p.sys_ns - a.p.sys_ns;
	tr->profiler_cpu_ns = b.p.total_ns - a.p.total_ns;
	procstat_delta(&a.ps, &b.ps, &d);
	tr->machine_busy_ns = procstat_busy_ns(&d);
	tr->machine_irq_ns = d.irq_ns;
	tr->machine_softirq_ns = d.softirq_ns;
	tr->machine_steal_ns = d.steal_ns;
	tr->machine_idle_ns = d.idle_ns + d.iowait_ns;
	tr->kthreads_ns = b.kthreads_ns > a.kthreads_ns ? b.kthreads_ns - a.kthreads_ns : 0;
	tr->unattributed_ns = tr->kthreads_ns + (sysstat_irq_time_accounted() ? d.irq_ns + d.softirq_ns : 0);
	if (a.have_root && b.have_root) {
		int64_t other = (int64_t)(b.root_ns - a.root_ns) - (int64_t)(tr->workload_cpu_ns + tr->profiler_cpu_ns + tr->kthreads_ns);
		tr->machine_tasks_ns = b.root_ns - a.root_ns;
		tr->other_ns = other > 0 ? (uint64_t)other : 0;
	}
	if (tr->unit[0] && tr->units == 0)
		fail(&t, "the workload reported no units of work in the measured window");

	/* Peaks are read while the processes are alive; wait4's ru_maxrss covers the end. */
	tr->workload_rss_peak_bytes = group_rss_peak(&t.cg_w);
	if (t.have_p)
		tr->profiler_rss_peak_bytes = group_rss_peak(&t.cg_p);
out:
	if (t.have_p && !t.p.reaped) {
		child_stop(&t.p, t.cf->stop_signal, t.cf->stop_grace_s);
		if (WIFSIGNALED(t.p.status) && WTERMSIG(t.p.status) == SIGKILL && tr->state == TRIAL_OK)
			tare_warn("trial %d: profiler did not stop within %.0f s of SIG%s and was killed",
				  tr->index + 1, t.cf->stop_grace_s, sigabbrev_np(t.cf->stop_signal));
	}
	if (t.have_p) {
		struct cg_cpu total;
		uint64_t peak;
		cgroup_cpu(&t.cg_p, &total);
		tr->profiler_cpu_total_ns = total.total_ns;
		if ((uint64_t)t.p.ru.ru_maxrss * 1024 > tr->profiler_rss_peak_bytes && tr->state == TRIAL_OK)
			tr->profiler_rss_peak_bytes = (uint64_t)t.p.ru.ru_maxrss * 1024;
		if (cgroup_mem_peak(&t.cg_p, &peak) == 0)
			tr->profiler_mem_charged_peak_bytes = (int64_t)peak;
	}
	if (t.have_w) {
		uint64_t peak;
		child_stop(&t.w, SIGTERM, t.wl->stop_grace_s);
		if ((uint64_t)t.w.ru.ru_maxrss * 1024 > tr->workload_rss_peak_bytes && tr->state == TRIAL_OK)
			tr->workload_rss_peak_bytes = (uint64_t)t.w.ru.ru_maxrss * 1024;
		if (t.have_cg_w && cgroup_mem_peak(&t.cg_w, &peak) == 0)
			tr->workload_mem_charged_peak_bytes = (int64_t)peak;
	}
	if (tare_interrupted && tr->state == TRIAL_OK) {
		tr->state = TRIAL_INTERRUPTED;
		snprintf(tr->error, sizeof(tr->error), "interrupted");
	}
	cleanup(&t);
}

double trial_work(const struct trial_result *tr)
{
	return tr->unit[0] ? (double)tr->units : tr->wall_s;
}

double trial_unattributed_ns(const struct trial_result *tr)
{
	return (double)tr->unattributed_ns;
}
