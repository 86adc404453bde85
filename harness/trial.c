/* trial.c — run one trial and measure it. */
#include "trial.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gauge.h"
#include "hist.h"
#include "inplace.h"
#include "proc.h"
#include "profile_count.h"
#include "sysstat.h"
#include "units.h"
#include "util.h"
#include "window_latency.h"

struct snapshot {
	uint64_t t_ns;
	uint64_t units;
	struct cg_cpu w, p, d;
	uint64_t root_ns, kthreads_ns;
	int have_root;
	struct procstat ps;
	struct counter_snap counters;
	struct metrics_snap m;    /* in place, with metrics: the service's endpoint read */
	uint64_t gauge_ns, gauge_ops;
};

/* A process tare starts in a trial, in a cgroup of its own: the workload, the profiler, the
 * load driver.  Its output goes to {dir}/NAME.out and {dir}/NAME.err. */
struct role {
	const char *name;
	char tag;                 /* cgroup name suffix */
	struct cgroup cg;
	int have_cg;
	struct child c;
	int have_child;
	char **argv;              /* templates filled in (plan_expand) */
	char **env;               /* "NAME=value" added to its environment, filled in too */
	int spawns;               /* control = restart starts the profiler once per on window */
};

/* Everything a trial holds, so one cleanup path can release it whatever went wrong. */
struct trial_ctx {
	const struct trial_env *env;
	const struct config *cf;
	const struct workload *wl;
	struct trial_result *tr;
	char dir[PATH_MAX];
	struct role w, p, d;
	struct units_page units;
	int counting;             /* the counter set is open on the workload */
	int ctl_fd, ack_fd;       /* control = "perf-fifo": perf's control and ack FIFOs */
	enum tare_arm arm;        /* switchback: the profiler's current state */
	int port;                 /* {port}: a loopback port free when the trial began */
	char *pids;               /* {pids}: the workload's processes, "1,2,3" (NULL: {pid} alone) */
	int in_place;             /* the workload is a service running already (attach_workload) */
	struct service_metrics metrics;   /* its Prometheus endpoint, when has_metrics */
	int has_metrics;
	struct gauge *gauge;      /* switchback: the machine's speed per window (gauge.h) */
	struct trial_counters *counters_out;
	struct trial_ctx *twin;   /* twins: the second process, its profiler in the other arm */
	int is_twin;              /* this is that second process: no counters, measured by the trial */
};

/* A template filled in for this trial (plan.h). */
static char *expand(const struct trial_ctx *t, const char *tmpl)
{
	return plan_expand_pids(tmpl, t->w.c.pid, t->pids, t->dir, t->port);
}

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

static void interrupted(struct trial_ctx *t)
{
	t->tr->state = TRIAL_INTERRUPTED;
	snprintf(t->tr->error, sizeof(t->tr->error), "interrupted");
}

/* The twin failed: so does the trial, with the twin's reason. */
static void twin_failed(struct trial_ctx *t)
{
	if (t->twin && t->twin->tr->state != TRIAL_OK && t->tr->state == TRIAL_OK)
		fail(t, "its twin: %s", t->twin->tr->error);
}

static void role_log(const struct trial_ctx *t, const struct role *r, const char *ext, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.%s", t->dir, r->name, ext);
}

/* "workload killed by SIGSEGV during the warm-up: <its last stderr line>" */
static void fail_exited(struct trial_ctx *t, const struct role *r, const char *when)
{
	char why[160], line[256], path[PATH_MAX + 16];
	/* in place, a profiler that lost its target because the service exited: the service's exit
	 * is the cause */
	if (!r->c.foreign && t->in_place && t->w.have_child && child_poll(&t->w.c))
		r = &t->w;
	if (r->c.foreign) {
		/* in place: not ours, so no status to tell; what was measured before stays */
		fail(t, "the service (PID %d) exited %s", (int)r->c.pid, when);
		t->tr->service_exited = 1;
		return;
	}
	describe_status(r->c.status, why, sizeof(why));
	if (r == &t->p && WIFEXITED(r->c.status) && WEXITSTATUS(r->c.status) == EXIT_CANNOT)
		t->tr->profiler_cannot = 1;
	role_log(t, r, "err", path, sizeof(path));
	file_last_line(path, NULL, line, sizeof(line));
	fail(t, "%s %s %s%s%s", r->name, why, when, line[0] ? ": " : "", line);
}

static void snap(struct trial_ctx *t, struct snapshot *s)
{
	/* The slow, slowly-changing readings first (the /proc scans take a few ms: the machine's
	 * and, where CPU is summed over processes, finding the workload's); then the counters that
	 * define the window, back to back. */
	pid_t *wpids;
	int nw;
	memset(s, 0, sizeof(*s));
	s->kthreads_ns = sysstat_kthreads_ns();
	procstat_read(&s->ps);
	s->have_root = cgroup_root_cpu(t->env->cg, &s->root_ns) == 0;
	if (t->has_metrics) {
		/* the scrape takes milliseconds: before the counters that define the window */
		char err[512];
		if (service_metrics_read(&t->metrics, &s->m, err, sizeof(err)) < 0 && tare_verbose)
			tare_warn("trial %d: metrics: %s", t->tr->index + 1, err);
	}
	nw = cgroup_cpu_members(&t->w.cg, &wpids);
	if (t->d.have_cg)
		cgroup_cpu(&t->d.cg, &s->d);
	if (t->p.have_cg)
		cgroup_cpu(&t->p.cg, &s->p);
	if (t->counting)
		counters_snapshot(t->env->counters, &s->counters);
	cgroup_cpu_of(&t->w.cg, wpids, nw, &s->w);
	s->units = units_read(&t->units);
	gauge_read(t->gauge, &s->gauge_ns, &s->gauge_ops);
	s->t_ns = now_ns();
	free(wpids);
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

/* Perf rings the process has mapped: lines "anon_inode:[perf_event]" of /proc/PID/maps. */
static int count_perf_mmaps(pid_t pid)
{
	char path[64], *maps, *p;
	int n = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if (!(maps = read_file(path, NULL)))
		return 0;
	for (p = maps; (p = strstr(p, "[perf_event]")); p++)
		n++;
	free(maps);
	return n;
}

static int file_has(const char *path, const char *text)
{
	char *s = read_file(path, NULL);
	int yes = s && strstr(s, text);
	free(s);
	return yes;
}

/* A TCP connect to 127.0.0.1:port succeeds (a loopback connect completes or is refused at once). */
static int loopback_accepts(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), yes;
	if (fd < 0 || port <= 0 || port > 65535) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	yes = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return yes;
}

/* {port}: one the kernel hands out for 127.0.0.1 now.  Closed again at once, so a service can
 * bind it; ports are handed out in turn, so it is not given again soon.  0 when none. */
static int free_loopback_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;
	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int is_ready(struct trial_ctx *t, const struct role *r, const struct ready *rd, uint64_t started)
{
	char path[PATH_MAX + 32];
	switch (rd->kind) {
	case READY_START:
		return 1;
	case READY_PERF_FDS:
		return count_perf_fds(r->c.pid) >= rd->count;
	case READY_PERF_MMAPS:
		return count_perf_mmaps(r->c.pid) >= rd->count;
	case READY_LINE: {
		char *line = expand(t, rd->text);
		int yes;
		role_log(t, r, "err", path, sizeof(path));
		yes = file_has(path, line);
		role_log(t, r, "out", path, sizeof(path));
		yes = yes || file_has(path, line);
		free(line);
		return yes;
	}
	case READY_FILE: {
		char *p = expand(t, rd->text);
		int yes = path_exists(p);
		free(p);
		return yes;
	}
	case READY_DELAY:
		return now_ns() - started >= (uint64_t)(rd->delay_s * 1e9);
	case READY_PORT: {
		char *p = expand(t, rd->text);
		int yes = loopback_accepts(atoi(p));
		free(p);
		return yes;
	}
	}
	return 1;
}

/* Wait until r is ready; fails the trial if it exits first or takes too long. */
static int wait_ready(struct trial_ctx *t, struct role *r, const struct ready *rd, uint64_t started)
{
	for (;;) {
		struct child *one[1] = { &r->c };
		if (is_ready(t, r, rd, started))
			return 0;
		if (child_wait_any(one, 1, 5 * 1000000ull) == 0) {
			fail_exited(t, r, "before it was ready");
			return -1;
		}
		if (tare_interrupted) {
			interrupted(t);
			return -1;
		}
		if (now_ns() - started > (uint64_t)(rd->timeout_s * 1e9)) {
			char path[PATH_MAX + 16];
			role_log(t, r, "err", path, sizeof(path));
			fail(t, "%s not ready after %.0f s (see %s)", r->name, rd->timeout_s, path);
			return -1;
		}
	}
}

/* A new NULL-terminated array of the templates filled in for this trial. */
static char **expand_all(const struct trial_ctx *t, char *const *tmpl)
{
	int n = 0;
	char **v;
	while (tmpl && tmpl[n])
		n++;
	v = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		v[i] = expand(t, tmpl[i]);
	return v;
}

/* Fork r gated, in a cgroup of its own; it execs only when released.  argv and env are
 * templates.  Spawned again (control = restart), it joins the same cgroup, so the role's CPU and
 * memory peak add up over its lives, and its output is appended to. */
static int role_spawn(struct trial_ctx *t, struct role *r, char *const *argv_tmpl, char *const *env_tmpl,
		      const cpu_set_t *cpus, int keep_fd)
{
	struct spawn_opts o = { 0 };
	char err[512], name[64], out[PATH_MAX + 16], errp[PATH_MAX + 16];
	if (!r->have_cg) {
		snprintf(name, sizeof(name), "tare-%d-t%d-%c", (int)getpid(), t->tr->index, r->tag);
		if (cgroup_create(t->env->cg, name, &r->cg, err, sizeof(err)) < 0) {
			fail(t, "%s cgroup: %s", r->name, err);
			return -1;
		}
		r->have_cg = 1;
		r->argv = expand_all(t, argv_tmpl);
		r->env = expand_all(t, env_tmpl);
		/* it runs in the trial's folder: a command given relative to tare's is made absolute */
		if (r->argv[0] && strchr(r->argv[0], '/') && r->argv[0][0] != '/') {
			char cwd[PATH_MAX];
			if (getcwd(cwd, sizeof(cwd))) {
				char *abs = xasprintf("%s/%s", cwd, r->argv[0]);
				free(r->argv[0]);
				r->argv[0] = abs;
			}
		}
	}
	role_log(t, r, "out", out, sizeof(out));
	role_log(t, r, "err", errp, sizeof(errp));
	o.argv = r->argv;
	o.env_add = r->env;
	o.stdout_path = out;
	o.stderr_path = errp;
	o.cpus = cpus;
	o.keep_fd = keep_fd;
	o.append = r->spawns++ > 0;
	/* Each trial's processes work in its folder, so outputs they name relative to their working
	 * directory (perf.data, a profile) stay apart and are kept with the trial. */
	o.cwd = t->dir;
	if (child_spawn(&r->c, &o, err, sizeof(err)) < 0) {
		fail(t, "%s: %s", r->name, err);
		return -1;
	}
	r->have_child = 1;
	if (cgroup_attach(&r->cg, r->c.pid, err, sizeof(err)) < 0) {
		fail(t, "%s: %s", r->name, err);
		return -1;
	}
	return 0;
}

static int role_release(struct trial_ctx *t, struct role *r)
{
	char err[512];
	if (child_release(&r->c, r->argv[0], err, sizeof(err)) < 0) {
		fail(t, "%s: %s", r->name, err);
		return -1;
	}
	return 0;
}

static const cpu_set_t *all_cpus(void)
{
	static cpu_set_t all;
	CPU_ZERO(&all);
	for (int c = 0; c < ncpus_online() && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	return &all;
}

/* The workload's files(): config files, written into the trial's directory before it starts. */
static int write_files(struct trial_ctx *t)
{
	for (char **f = t->wl->files; f && f[0] && f[1]; f += 2) {
		char path[PATH_MAX + 300];
		char *content = expand(t, f[1]);
		int rc;
		snprintf(path, sizeof(path), "%s/%s", t->dir, f[0]);
		rc = write_file_atomic(path, content, strlen(content));
		free(content);
		if (rc < 0) {
			fail(t, "cannot write %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The twin's side of a window's snapshot, right after the trial's: its workload's and its
 * profiler's CPU and its units; the machine's figures are the trial's. */
static void snap_twin(struct trial_ctx *t, struct snapshot *s)
{
	pid_t *wpids;
	int nw;
	memset(s, 0, sizeof(*s));
	nw = cgroup_cpu_members(&t->w.cg, &wpids);
	if (t->p.have_cg)
		cgroup_cpu(&t->p.cg, &s->p);
	cgroup_cpu_of(&t->w.cg, wpids, nw, &s->w);
	s->units = units_read(&t->units);
	free(wpids);
}

static int start_workload(struct trial_ctx *t)
{
	struct ptrvec env = { 0 }, argv = { 0 };
	char fdenv[48];
	int rc;
	if (units_create(&t->units) < 0) {
		fail(t, "memfd for the units page: %s", strerror(errno));
		return -1;
	}
	snprintf(fdenv, sizeof(fdenv), "TARE_UNITS_FD=%d", t->units.fd);
	ptrvec_push(&env, fdenv);
	char *preload = NULL;
	for (char **e = t->wl->env; e && *e; e++)
		ptrvec_push(&env, *e);
	for (char **e = t->cf->workload_env; e && *e; e++) {
		/* A profiler's library and the workload's (an allocator every arm runs) are both
		 * preloaded: ld.so would keep only the last LD_PRELOAD. */
		int at = -1;
		for (int i = 0; i < env.n && !strncmp(*e, "LD_PRELOAD=", 11); i++)
			if (!strncmp(env.v[i], "LD_PRELOAD=", 11))
				at = i;
		if (at >= 0 && !preload)
			env.v[at] = preload = xasprintf("%s:%s", (char *)env.v[at], *e + 11);
		else
			ptrvec_push(&env, *e);
	}
	ptrvec_push(&env, NULL);
	/* a profiler's arguments to the workload go right after its program (JVM and node flags) */
	for (char **a = t->wl->argv; a && *a; a++) {
		ptrvec_push(&argv, *a);
		for (char **p = a == t->wl->argv ? t->cf->workload_args : NULL; p && *p; p++)
			ptrvec_push(&argv, *p);
	}
	ptrvec_push(&argv, NULL);
	rc = role_spawn(t, &t->w, (char *const *)argv.v, (char *const *)env.v,
			t->env->pin_workload ? &t->env->workload_cpus : NULL, t->units.fd);
	free(env.v);
	free(argv.v);
	free(preload);
	/* Counters open on the held process and inherit into its threads and children: not one
	 * instruction of the workload runs uncounted. */
	if (rc == 0 && t->env->counters && !t->is_twin) {
		char err[512];
		if (counters_open(t->env->counters, t->w.c.pid, err, sizeof(err)) < 0) {
			fail(t, "counters: %s", err);
			return -1;
		}
		t->counting = 1;
	}
	return rc;
}

/* "1,2,3": the PIDs of the workload's group now, for {pids}. */
static char *join_pids(const struct cgroup *cg)
{
	pid_t *pids;
	int n = cgroup_pids(cg, &pids);
	size_t cap = (size_t)n * 12 + 1, off = 0;
	char *s = xmalloc(cap);
	s[0] = '\0';
	for (int i = 0; i < n; i++)
		off += (size_t)snprintf(s + off, cap - off, "%s%d", i ? "," : "", (int)pids[i]);
	free(pids);
	return s;
}

/* In place (docs/inplace.md): the service runs already.  Its role holds a process tare watches
 * but never signals (child_adopt) and a group it reads but never kills or removes: the
 * service's cgroup, or by PID its process tree.  {pid} is its main process (the lowest PID of a
 * cgroup), {pids} all of them now. */
static int attach_workload(struct trial_ctx *t)
{
	char err[512];
	pid_t pid = t->wl->attach_pid;
	t->in_place = 1;
	if (units_create(&t->units) < 0) {
		fail(t, "memfd for the units page: %s", strerror(errno));
		return -1;
	}
	if (t->wl->attach_cgroup) {
		pid_t *pids;
		int n;
		if (cgroup_borrow(t->env->cg, t->wl->attach_cgroup, &t->w.cg, err, sizeof(err)) < 0) {
			fail(t, "%s", err);
			return -1;
		}
		t->w.have_cg = 1;
		n = cgroup_pids(&t->w.cg, &pids);
		pid = n > 0 ? pids[0] : 0;
		for (int i = 1; i < n; i++)
			if (pids[i] < pid)
				pid = pids[i];
		free(pids);
		if (!pid) {
			fail(t, "the cgroup %s has no process in it", t->wl->attach_cgroup);
			return -1;
		}
	} else {
		cgroup_tree(t->env->cg, pid, &t->w.cg);
		t->w.have_cg = 1;
	}
	if (child_adopt(&t->w.c, pid, err, sizeof(err)) < 0) {
		fail(t, "the service: %s", err);
		t->tr->service_exited = 1;
		return -1;
	}
	t->w.have_child = 1;
	if (child_poll(&t->w.c)) {   /* gone since the last trial (a zombie still has a pidfd) */
		fail_exited(t, &t->w, "before this trial");
		return -1;
	}
	t->pids = join_pids(&t->w.cg);
	return 0;
}

/* control = "perf-fifo": the FIFOs perf record -D -1 --control fifo:CTL,ACK opens.  Both ends
 * open read-write and non-blocking, as perf does, so neither waits for the other. */
static int make_fifos(struct trial_ctx *t)
{
	char ctl[PATH_MAX + 16], ack[PATH_MAX + 16];
	snprintf(ctl, sizeof(ctl), "%s/control.fifo", t->dir);
	snprintf(ack, sizeof(ack), "%s/ack.fifo", t->dir);
	if ((mkfifo(ctl, 0600) < 0 && errno != EEXIST) || (mkfifo(ack, 0600) < 0 && errno != EEXIST)) {
		fail(t, "profiler control FIFOs in %s: %s", t->dir, strerror(errno));
		return -1;
	}
	t->ctl_fd = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	t->ack_fd = open(ack, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->ctl_fd < 0 || t->ack_fd < 0) {
		fail(t, "cannot open the profiler control FIFOs in %s: %s", t->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void role_stop(struct role *r, int sig, double grace_s)
{
	if (r->have_child && !r->c.reaped)
		child_stop(&r->c, sig, grace_s);
}

static int launch_profiler(struct trial_ctx *t)
{
	uint64_t started;
	/* Profilers are not pinned: where they run is part of what they cost. */
	if (role_spawn(t, &t->p, t->cf->profiler_argv, NULL, all_cpus(), -1) < 0)
		return -1;
	started = now_ns();
	if (role_release(t, &t->p) < 0 || wait_ready(t, &t->p, &t->cf->ready, started) < 0)
		return -1;
	t->tr->profiler_ready_s = (double)(now_ns() - started) / 1e9;
	t->tr->profiler_starts++;
	return 0;
}

static void stop_profiler(struct trial_ctx *t)
{
	struct trial_result *tr = t->tr;
	role_stop(&t->p, t->cf->stop_signal, t->cf->stop_grace_s);
	if (t->p.c.killed == KILLED_AFTER_GRACE && tr->state == TRIAL_OK)
		tare_warn("trial %d: profiler did not stop within %.0f s of SIG%s and was killed",
			  tr->index + 1, t->cf->stop_grace_s, sigabbrev_np(t->cf->stop_signal));
	else if (t->p.c.killed == KILLED_BY_SECOND_SIGNAL && tr->state == TRIAL_OK)
		tare_warn("trial %d: profiler killed at the second interrupt (its output may be incomplete)",
			  tr->index + 1);
	/* wait4's ru_maxrss is of this life only: the peak is the largest of them */
	if ((uint64_t)t->p.c.ru.ru_maxrss * 1024 > tr->profiler_rss_peak_bytes && tr->state == TRIAL_OK)
		tr->profiler_rss_peak_bytes = (uint64_t)t->p.c.ru.ru_maxrss * 1024;
}

static int start_profiler(struct trial_ctx *t)
{
	if (t->env->ex->design == DESIGN_SWITCHBACK) {
		if (t->cf->control == CONTROL_PERF_FIFO && make_fifos(t) < 0)
			return -1;
		/* control = restart: started in the first on window, not before */
		if (t->cf->control == CONTROL_RESTART)
			return 0;
	}
	return launch_profiler(t);
}

/* The load driver shares the units page: it counts completed requests and watches the phase. */
static int start_driver(struct trial_ctx *t)
{
	char fdenv[48];
	char *env[2] = { fdenv, NULL };
	snprintf(fdenv, sizeof(fdenv), "TARE_UNITS_FD=%d", t->units.fd);
	if (role_spawn(t, &t->d, t->wl->driver_argv, env, t->env->pin_workload ? &t->env->driver_cpus : NULL, t->units.fd) < 0)
		return -1;
	return role_release(t, &t->d);
}

/* Wait for ns, or for the units target; a process exiting meanwhile fails the trial. */
static int wait_window(struct trial_ctx *t, uint64_t ns, uint64_t units_from, uint64_t units_target, const char *phase)
{
	struct trial_ctx *tw = t->twin;
	struct role *roles[6] = { &t->w, &t->p, &t->d, tw ? &tw->w : NULL, tw ? &tw->p : NULL, tw ? &tw->d : NULL };
	struct child *cs[6];
	int nroles = tw ? 6 : 3;
	uint64_t deadline = now_ns() + ns;
	char when[64];
	snprintf(when, sizeof(when), "during the %s", phase);
	for (int i = 0; i < nroles; i++)
		cs[i] = roles[i]->have_child ? &roles[i]->c : NULL;
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
		r = child_wait_any(cs, nroles, step);
		if (r == -2) {
			interrupted(t);
			return -1;
		}
		if (r >= 3) {
			fail_exited(tw, roles[r], when);
			twin_failed(t);
			return -1;
		}
		if (r >= 0) {
			fail_exited(t, roles[r], when);
			return -1;
		}
	}
}

/* control = restart: a profiler is ready (its events exist, say) before it is working: perf
 * record -p still reads the process's maps and writes them out before it enables its events, for
 * ~100 ms here.  The switch settles once the profiler's cgroup has used less than a fifth of a
 * CPU in each of two 20 ms steps: a start-up is CPU-bound, a sampler at work is not.  Bounded by the ready
 * timeout; -1 fails the trial. */
static int settle_profiler(struct trial_ctx *t)
{
	const uint64_t step = 20 * 1000000ull;
	uint64_t started = now_ns();
	struct cg_cpu a, b;
	int quiet = 0;
	cgroup_cpu(&t->p.cg, &a);
	for (;;) {
		if (wait_window(t, step, 0, 0, "start-up of a restarted profiler") < 0)
			return -1;
		cgroup_cpu(&t->p.cg, &b);
		quiet = (b.total_ns - a.total_ns) * 5 < step ? quiet + 1 : 0;
		if (quiet == 2)
			return 0;
		if (now_ns() - started > (uint64_t)(t->cf->ready.timeout_s * 1e9)) {
			fail(t, "the restarted profiler was still busy starting up after %.0f s", t->cf->ready.timeout_s);
			return -1;
		}
		a = b;
	}
}

/* Switch the profiler on or off, and publish the arm and window on the units page (an agent in
 * the workload and the load driver read it there).  -1 fails the trial. */
static int switch_profiler(struct trial_ctx *t, enum tare_arm arm)
{
	tare_units_set_arm(t->units.page, arm);
	if (arm == t->arm)
		return 0;
	t->arm = arm;
	switch (t->cf->control) {
	case CONTROL_SIGNAL:
		/* the profiler's own process (the group leader), not its helpers */
		if (kill(t->p.c.pid, arm == TARE_ARM_ON ? SIGUSR1 : SIGUSR2) < 0) {
			fail(t, "cannot switch the profiler %s: %s", arm == TARE_ARM_ON ? "on" : "off", strerror(errno));
			return -1;
		}
		return 0;
	case CONTROL_PERF_FIFO: {
		const char *cmd = arm == TARE_ARM_ON ? "enable\n" : "disable\n";
		struct pollfd pfd = { .fd = t->ack_fd, .events = POLLIN };
		char ack[64];
		ssize_t n;
		if (write(t->ctl_fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd)) {
			fail(t, "cannot write to the profiler's control FIFO: %s", strerror(errno));
			return -1;
		}
		/* perf answers each command with "ack": the switch has taken effect. */
		if (poll(&pfd, 1, 2000) <= 0 || (n = read(t->ack_fd, ack, sizeof(ack) - 1)) <= 0) {
			fail(t, "the profiler did not acknowledge '%.*s' on its control FIFO within 2 s", (int)strlen(cmd) - 1, cmd);
			return -1;
		}
		return 0;
	}
	case CONTROL_RESTART:
		/* Its start-up and shutdown fall in the guard time after the switch, not in a window:
		 * what is measured is its running cost (docs/switchback.md). */
		if (arm == TARE_ARM_ON)
			return launch_profiler(t) < 0 ? -1 : settle_profiler(t);
		stop_profiler(t);
		child_close(&t->p.c);
		t->p.have_child = 0;
		return t->tr->state == TRIAL_OK ? 0 : -1;
	case CONTROL_TOGGLE:
		/* the workload's main process: the profiler is a handler inside it */
		if (kill(t->w.c.pid, t->cf->toggle_signal) < 0) {
			fail(t, "cannot toggle the profiler in the workload %s: %s", arm == TARE_ARM_ON ? "on" : "off",
			     strerror(errno));
			return -1;
		}
		return 0;
	case CONTROL_PAGE:
	case CONTROL_NONE:
		return 0;
	}
	return 0;
}

/* The machine between two snapshots: its /proc/stat difference into d, and the CPU neither
 * cgroup was charged for (kernel threads' CPU, and irq where the kernel accounts it apart),
 * returned; the kernel threads' part in *kthreads_ns. */
static uint64_t machine_between(const struct snapshot *a, const struct snapshot *b, struct procstat *d,
				uint64_t *kthreads_ns)
{
	*kthreads_ns = b->kthreads_ns > a->kthreads_ns ? b->kthreads_ns - a->kthreads_ns : 0;
	procstat_delta(&a->ps, &b->ps, d);
	return *kthreads_ns + (sysstat_irq_time_accounted() ? d->irq_ns + d->softirq_ns : 0);
}

static void window_record(const struct snapshot *a, const struct snapshot *b, uint64_t first_ns,
			  struct window_result *w)
{
	struct procstat d;
	uint64_t kthreads_ns;
	w->start_s = (double)(a->t_ns - first_ns) / 1e9;
	w->wall_s = (double)(b->t_ns - a->t_ns) / 1e9;
	w->units = b->units - a->units;
	w->workload_cpu_ns = b->w.total_ns - a->w.total_ns;
	w->profiler_cpu_ns = b->p.total_ns - a->p.total_ns;
	w->driver_cpu_ns = b->d.total_ns - a->d.total_ns;
	w->unattributed_ns = machine_between(a, b, &d, &kthreads_ns);
	w->machine_busy_ns = procstat_busy_ns(&d);
	w->machine_steal_ns = d.steal_ns;
	w->gauge_ns = b->gauge_ns - a->gauge_ns;
	w->gauge_ops = b->gauge_ops - a->gauge_ops;
}

/* In place: a pair with a window whose metrics could not be read (a scrape failed or timed
 * out, a counter went down) is dropped whole, and counted; the others close up, in order. */
static void drop_pairs(struct trial_result *tr, const char *dropped)
{
	int kept = 0;
	for (int w = 0; w + 1 < tr->nwindows; w += 2) {
		if (dropped[w] || dropped[w + 1]) {
			tr->windows_dropped++;
			continue;
		}
		if (kept != w)
			memmove(&tr->windows[kept], &tr->windows[w], 2 * sizeof(*tr->windows));
		kept += 2;
	}
	tr->nwindows = kept;
}

/* Switchback: 2 x pairs windows, each after a guard time that is not measured; the arm of each
 * comes from the plan (one of each per pair, in a seeded order).  An interrupt keeps the whole
 * pairs measured so far.  Returns 0 when at least one pair was measured. */
static int run_windows(struct trial_ctx *t)
{
	const struct experiment *ex = t->env->ex;
	struct trial_result *tr = t->tr;
	int n = 2 * ex->pairs;
	uint64_t first_ns = 0;
	char *dropped = xcalloc((size_t)n, 1);
	struct prom_hist *lat = t->has_metrics ? xcalloc((size_t)n, sizeof(*lat)) : NULL;
	tr->windows = xcalloc((size_t)n, sizeof(*tr->windows));
	t->arm = TARE_ARM_OFF;   /* switchable profilers start paused */
	if (ex->gauge) {
		char err[256];
		/* where tare pinned the workload, its CPUs; else every CPU the service may run on */
		if (!(t->gauge = gauge_start(t->env->pin_workload ? &t->env->workload_cpus : NULL, err, sizeof(err))))
			tare_warn("trial %d: %s: its windows have no gauge of the machine's speed", tr->index + 1, err);
	}
	for (int w = 0; w < n; w++) {
		struct window_result *wr = &tr->windows[w];
		struct snapshot a, b, ta, tb;
		wr->index = w;
		wr->p50_us = wr->p90_us = wr->p99_us = NAN;
		wr->arm = plan_window_arm(ex->seed, tr->block, tr->config, w);
		if (switch_profiler(t, (enum tare_arm)wr->arm) < 0)
			break;
		/* the twin in the other arm: crossed over, each window has the profiler in one of them */
		if (t->twin && switch_profiler(t->twin, wr->arm == TARE_ARM_ON ? TARE_ARM_OFF : TARE_ARM_ON) < 0) {
			twin_failed(t);
			break;
		}
		if (wait_window(t, (uint64_t)(ex->guard_s * 1e9), 0, 0, "guard time") < 0)
			break;
		snap(t, &a);
		if (t->twin)
			snap_twin(t->twin, &ta);
		tare_units_set_window(t->units.page, (uint32_t)w + 1);
		if (!first_ns)
			first_ns = a.t_ns;
		if (wait_window(t, (uint64_t)(ex->window_s * 1e9), 0, 0, "measured window") < 0) {
			tare_units_set_window(t->units.page, 0);
			metrics_snap_free(&a.m);
			break;
		}
		tare_units_set_window(t->units.page, 0);
		snap(t, &b);
		window_record(&a, &b, first_ns, wr);
		if (t->twin) {
			snap_twin(t->twin, &tb);
			wr->twin_units = tb.units - ta.units;
			wr->twin_cpu_ns = (tb.w.total_ns - ta.w.total_ns) + (tb.p.total_ns - ta.p.total_ns);
		}
		if (t->has_metrics) {
			uint64_t units = wr->units;
			if (service_metrics_window(&t->metrics, &a.m, &b.m, &units, &lat[w]) < 0)
				dropped[w] = 1;
			if (t->metrics.has_units)
				wr->units = units;
		}
		metrics_snap_free(&a.m);
		metrics_snap_free(&b.m);
		tr->nwindows = w + 1;
	}
	gauge_stop(t->gauge);
	t->gauge = NULL;
	tr->nwindows -= tr->nwindows % 2;    /* whole pairs only */
	if (t->has_metrics) {
		char err[256];
		if (t->metrics.has_latency &&
		    service_window_latency(tr->windows, tr->nwindows, lat, dropped, err, sizeof(err)) < 0)
			tare_warn("trial %d: metrics: %s: its windows have no latency", tr->index + 1, err);
		for (int w = 0; w < n; w++)
			prom_hist_free(&lat[w]);
		drop_pairs(tr, dropped);
	}
	free(lat);
	free(dropped);
	if ((tr->state == TRIAL_INTERRUPTED || tr->service_exited) && tr->nwindows >= 2) {
		/* Ctrl-C, or a service measured in place that exited: every finished pair is a
		 * measurement; keep them (the run stops after this trial: run.c). */
		tr->state = TRIAL_OK;
		if (!tr->service_exited)
			tr->error[0] = '\0';
	}
	for (int w = 0; w < tr->nwindows; w++) {
		const struct window_result *wr = &tr->windows[w];
		tr->wall_s += wr->wall_s;
		tr->units += wr->units;
		tr->workload_cpu_ns += wr->workload_cpu_ns;
		tr->profiler_cpu_ns += wr->profiler_cpu_ns;
		tr->unattributed_ns += wr->unattributed_ns;
		tr->driver_cpu_ns += wr->driver_cpu_ns;
		tr->machine_busy_ns += wr->machine_busy_ns;
		tr->machine_steal_ns += wr->machine_steal_ns;
	}
	/* units from the service's counter are named by its adapter */
	snprintf(tr->unit, sizeof(tr->unit), "%s", t->has_metrics && t->metrics.has_units ?
		 (t->wl->unit && t->wl->unit[0] ? t->wl->unit : "unit") : units_name(&t->units));
	return tr->state == TRIAL_OK && tr->nwindows >= 2 ? 0 : -1;
}

static uint64_t group_rss_peak(const struct cgroup *cg, uint64_t *kernel)
{
	pid_t *pids;
	uint64_t sum = 0;
	int n = cgroup_pids(cg, &pids);
	*kernel = 0;
	for (int i = 0; i < n; i++) {
		sum += proc_rss_peak_bytes(pids[i]);
		*kernel += proc_kernel_memory_bytes(pids[i]);
	}
	free(pids);
	return sum;
}

static void role_cleanup(struct role *r)
{
	if (r->have_child) {
		child_stop(&r->c, SIGKILL, 0);
		child_close(&r->c);
	}
	if (r->have_cg && !r->cg.borrowed) {   /* a service's own group is never touched */
		cgroup_kill_all(&r->cg);
		cgroup_destroy(&r->cg);
	}
	strv_free(r->argv);
	strv_free(r->env);
}

static void record_window(struct trial_ctx *t, const struct snapshot *a, const struct snapshot *b)
{
	struct trial_result *tr = t->tr;
	struct procstat d;
	tr->wall_s = (double)(b->t_ns - a->t_ns) / 1e9;
	tr->units = b->units - a->units;
	snprintf(tr->unit, sizeof(tr->unit), "%s", units_name(&t->units));
	tr->workload_user_ns = b->w.user_ns - a->w.user_ns;
	tr->workload_sys_ns = b->w.sys_ns - a->w.sys_ns;
	tr->workload_cpu_ns = b->w.total_ns - a->w.total_ns;
	tr->profiler_user_ns = b->p.user_ns - a->p.user_ns;
	tr->profiler_sys_ns = b->p.sys_ns - a->p.sys_ns;
	tr->profiler_cpu_ns = b->p.total_ns - a->p.total_ns;
	tr->driver_cpu_ns = b->d.total_ns - a->d.total_ns;
	tr->unattributed_ns = machine_between(a, b, &d, &tr->kthreads_ns);
	tr->machine_busy_ns = procstat_busy_ns(&d);
	tr->machine_irq_ns = d.irq_ns;
	tr->machine_softirq_ns = d.softirq_ns;
	tr->machine_steal_ns = d.steal_ns;
	tr->machine_idle_ns = d.idle_ns + d.iowait_ns;
	if (t->counting) {
		struct counter_result res[COUNTERS_MAX];
		int n = counters_window(t->env->counters, &a->counters, &b->counters, res, COUNTERS_MAX);
		tr->ncounters = n;
		for (int i = 0; i < n; i++) {
			tr->counter_value[i] = res[i].counted ? res[i].value : NAN;
			tr->counter_scaled[i] = (unsigned char)res[i].scaled;
		}
		if (t->counters_out) {
			memcpy(t->counters_out->r, res, (size_t)n * sizeof(*res));
			t->counters_out->n = n;
		}
	}
	if (a->have_root && b->have_root) {
		int64_t other = (int64_t)(b->root_ns - a->root_ns) -
				(int64_t)(tr->workload_cpu_ns + tr->profiler_cpu_ns + tr->driver_cpu_ns + tr->kthreads_ns);
		tr->machine_tasks_ns = b->root_ns - a->root_ns;
		tr->other_ns = other > 0 ? (uint64_t)other : 0;
	}
}

int trial_load_latency(const char *trial_dir, struct hist *corrected, struct hist *uncorrected, char *err, size_t errlen)
{
	const char *names[2] = { "latency.hist", "latency-uncorrected.hist" };
	struct hist *hs[2] = { corrected, uncorrected };
	for (int i = 0; i < 2; i++) {
		char path[PATH_MAX + 32], why[256];
		FILE *f;
		snprintf(path, sizeof(path), "%s/%s", trial_dir, names[i]);
		if (!(f = fopen(path, "re"))) {
			/* Another load generator may know no uncorrected latency: an empty one. */
			if (i == 1 && errno == ENOENT &&
			    hist_init(hs[1], hs[0]->lowest, hs[0]->highest, hs[0]->sigfigs) == 0)
				break;
			snprintf(err, errlen, "the driver left no %s: %s", names[i], strerror(errno));
			if (i == 1)
				hist_free(hs[0]);
			return -1;
		}
		if (hist_load(hs[i], f, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s: %s", path, why);
			fclose(f);
			if (i == 1)
				hist_free(hs[0]);
			return -1;
		}
		fclose(f);
	}
	return 0;
}

/* Switchback: the driver's per-window histograms (latency-windows.hist), onto the windows. */
static void record_window_latency(struct trial_ctx *t)
{
	char path[PATH_MAX + 32], err[PATH_MAX + 256];
	snprintf(path, sizeof(path), "%s/latency-windows.hist", t->dir);
	if (window_latency_read(path, t->tr->windows, t->tr->nwindows, err, sizeof(err)) < 0)
		tare_warn("trial %d: %s: its windows have no latency", t->tr->index + 1, err);
}

/* The driver's last stdout line is its JSON summary; the histograms are the record. */
static void record_latency(struct trial_ctx *t)
{
	struct trial_result *tr = t->tr;
	struct hist c, u;
	char err[512], path[PATH_MAX + 16], *out, *line;
	if (trial_load_latency(t->dir, &c, &u, err, sizeof(err)) < 0) {
		fail(t, "driver: %s", err);
		return;
	}
	tr->has_latency = 1;
	tr->requests = c.total;
	tr->p50_us = (double)hist_percentile(&c, 50) / 1e3;
	tr->p90_us = (double)hist_percentile(&c, 90) / 1e3;
	tr->p99_us = (double)hist_percentile(&c, 99) / 1e3;
	/* A percentile needs 10/(1-p) observations before it says more than the maximum does. */
	tr->p999_us = c.total >= 10000 ? (double)hist_percentile(&c, 99.9) / 1e3 : NAN;
	tr->max_us = (double)c.max / 1e3;
	tr->p99_uncorrected_us = u.total ? (double)hist_percentile(&u, 99) / 1e3 : NAN;
	hist_free(&c);
	hist_free(&u);
	role_log(t, &t->d, "out", path, sizeof(path));
	out = read_file(path, NULL);
	if (out && (line = strstr(out, "{\"requests\""))) {
		unsigned long long req = 0, errs = 0;
		char *p;
		if (sscanf(line, "{\"requests\":%llu,\"errors\":%llu", &req, &errs) == 2)
			tr->request_errors = errs;
		if ((p = strstr(line, "\"target_rate\":")))
			tr->target_rate = strtod(p + 14, NULL);
		if ((p = strstr(line, "\"achieved_rate\":")))
			tr->achieved_rate = strtod(p + 16, NULL);
	}
	free(out);
	if (tr->requests == 0)
		fail(t, "the driver completed no requests in the measured window (see %s)", path);
}

/* The stacks the profiler's `self` names, read once: the share in its own frames and, for a
 * workload with a known split, its samples in each part (profile_count.h). */
static void read_folded(struct trial_ctx *t)
{
	const struct self_spec *sf = &t->cf->self;
	const struct truth_split *truth = &t->wl->truth;
	char *folded = sf->folded ? expand(t, sf->folded) : NULL;
	char **argv = sf->argv ? expand_all(t, sf->argv) : NULL;
	char err[512], *text = profile_folded(folded, argv, t->dir, err, sizeof(err));
	if (text) {
		/* no pattern: it has no frames of its own in what it records (V8's sampler thread is
		 * never in a JavaScript stack); its stacks still count against a known split */
		if (sf->pattern)
			t->tr->profile_self_pct = folded_share_pct(text, sf->pattern, err, sizeof(err));
		if (sf->pattern && isnan(t->tr->profile_self_pct) && tare_verbose)
			tare_warn("trial %d: %s's own frames: %s", t->tr->index + 1, t->cf->label, err);
		if (truth->n && folded_parts(text, truth, &t->tr->profile_parts, err, sizeof(err)) < 0 && tare_verbose)
			tare_warn("trial %d: %s against the known split: %s", t->tr->index + 1, t->cf->label, err);
	} else if (tare_verbose) {
		tare_warn("trial %d: %s's stacks: %s", t->tr->index + 1, t->cf->label, err);
	}
	free(text);
	free(folded);
	strv_free(argv);
}

/* The workload's CPU while the profiler was on and measured: the on windows', or the window's. */
static uint64_t profiled_cpu_ns(const struct trial_result *tr)
{
	uint64_t ns = 0;
	if (!tr->nwindows)
		return tr->workload_cpu_ns;
	for (int w = 0; w < tr->nwindows; w++)
		if (tr->windows[w].arm == TARE_ARM_ON)
			ns += tr->windows[w].workload_cpu_ns;
	return ns;
}

/* What the profiler recorded, once it has stopped (profile_count.h). */
static void count_profile(struct trial_ctx *t)
{
	const struct samples_spec *s = &t->cf->samples;
	char *json = s->json ? expand(t, s->json) : NULL;
	char **argv = s->argv ? expand_all(t, s->argv) : NULL;
	char err[512];
	if (!t->cf->baseline && (json || argv)) {
		t->tr->profile_samples = profile_count(s, json, argv, t->dir, err, sizeof(err));
		if (t->tr->profile_samples < 0)
			tare_warn("trial %d: what %s recorded could not be counted: %s", t->tr->index + 1, t->cf->label, err);
		else if (s->per_cpu_s > 0)
			t->tr->profile_expected = s->per_cpu_s * (double)profiled_cpu_ns(t->tr) / 1e9;
	}
	free(json);
	strv_free(argv);
	if (!t->cf->baseline && (t->cf->self.folded || t->cf->self.argv) && t->tr->profile_samples != 0)
		read_folded(t);
}

/* The warm-up.  Switchback: a profiler switched in one process is switched on for the warm-up's
 * third quarter and off again, so that what it costs once falls before the windows: JFR started
 * inside a loaded JVM made its first on window cost 715 us a request against ~380 off (the JVM
 * compiling JFR's code).  Not control = "restart": its start-up is paid at every switch, in the
 * guard. */
static int warm_up(struct trial_ctx *t)
{
	uint64_t w = (uint64_t)(t->env->ex->warmup_s * 1e9);
	if (t->env->ex->design != DESIGN_SWITCHBACK || t->cf->baseline || w == 0 ||
	    t->cf->control == CONTROL_NONE || t->cf->control == CONTROL_RESTART)
		return wait_window(t, w, 0, 0, "warm-up");
	t->arm = TARE_ARM_OFF;
	if (t->twin)
		t->twin->arm = TARE_ARM_OFF;
	/* a twin warms beside the trial, its profiler on with the trial's */
	if (wait_window(t, w / 2, 0, 0, "warm-up") < 0 || switch_profiler(t, TARE_ARM_ON) < 0 ||
	    (t->twin && switch_profiler(t->twin, TARE_ARM_ON) < 0) ||
	    wait_window(t, w / 4, 0, 0, "warm-up") < 0 || switch_profiler(t, TARE_ARM_OFF) < 0 ||
	    (t->twin && switch_profiler(t->twin, TARE_ARM_OFF) < 0)) {
		twin_failed(t);
		return -1;
	}
	return wait_window(t, w - w / 2 - w / 4, 0, 0, "warm-up");
}

/* A context for tr, its folder made: trials/NNN-slug, checks/slug, or PARENT/twin for a twin. */
static int trial_init(struct trial_ctx *t, const struct trial_env *env, struct trial_result *tr,
		      struct trial_counters *counters, const char *parent)
{
	t->env = env;
	t->tr = tr;
	t->is_twin = parent != NULL;
	t->counters_out = counters;
	if (counters)
		counters->n = 0;
	t->cf = &env->ex->configs[tr->config];
	t->wl = &env->ex->workloads[t->cf->workload];
	t->units.fd = -1;
	t->ctl_fd = t->ack_fd = -1;
	/* a twin's cgroups are the trial's names in capitals */
	t->w.name = "workload", t->w.tag = parent ? 'W' : 'w';
	t->p.name = "profiler", t->p.tag = parent ? 'P' : 'p';
	t->d.name = "driver", t->d.tag = parent ? 'D' : 'd';
	tr->state = TRIAL_OK;
	tr->error[0] = '\0';
	tr->started_unix_ns = wall_ns();
	tr->workload_mem_charged_peak_bytes = tr->profiler_mem_charged_peak_bytes = -1;
	tr->profile_samples = -1;
	tr->profile_expected = NAN;
	tr->profile_self_pct = NAN;
	tr->profile_parts.n = 0;
	tr->p50_us = tr->p90_us = tr->p99_us = tr->p999_us = tr->max_us = tr->p99_uncorrected_us = NAN;
	tr->target_rate = tr->achieved_rate = NAN;
	for (int i = 0; i < COUNTERS_MAX; i++)
		tr->counter_value[i] = NAN;
	if (parent)
		snprintf(tr->dir, sizeof(tr->dir), "%s/twin", parent);
	else if (env->check_s > 0)
		snprintf(tr->dir, sizeof(tr->dir), "checks/%s", t->cf->slug);
	else
		snprintf(tr->dir, sizeof(tr->dir), "trials/%03d-%s", tr->index + 1, t->cf->slug);
	snprintf(t->dir, sizeof(t->dir), "%s/%s", env->results_dir, tr->dir);
	if (mkdir_p(t->dir, 0755) < 0) {
		fail(t, "cannot create %s: %s", t->dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The workload started and ready, the profiler started (paused, in switchback), the driver
 * loading it: 0; 1 after a check's wait (nothing to measure); -1 when the trial failed. */
static int trial_setup(struct trial_ctx *t)
{
	const struct trial_env *env = t->env;
	uint64_t started;
	t->port = free_loopback_port();
	if (t->wl->attach_pid || t->wl->attach_cgroup) {
		if (attach_workload(t) < 0)
			return -1;
	} else if (start_workload(t) < 0 || write_files(t) < 0) {
		/* Held at its gate, the workload has a PID but runs nothing: the profiler attaches first. */
		return -1;
	}
	if (t->cf->profiler_argv && !t->cf->start_after_ready && start_profiler(t) < 0)
		return -1;
	started = now_ns();
	if (!t->in_place && role_release(t, &t->w) < 0)
		return -1;
	/* the workload ready first: for its driver, and for a profiler that needs it running (a
	 * scraper of its pprof endpoint, jcmd) */
	if ((t->wl->driver_argv || t->cf->start_after_ready) && !t->in_place && wait_ready(t, &t->w, &t->wl->ready, started) < 0)
		return -1;
	if (t->cf->profiler_argv && t->cf->start_after_ready && start_profiler(t) < 0)
		return -1;
	/* a check: the profiler given check_s to find out it cannot run; no load, nothing measured */
	if (env->check_s > 0) {
		wait_window(t, (uint64_t)(env->check_s * 1e9), 0, 0, "check before the first trial");
		return 1;
	}
	if (t->wl->driver_argv && start_driver(t) < 0)
		return -1;
	return 0;
}

/* The driver first (it writes its histograms on the way out), then the profiler (it may need
 * the workload alive to finish), then the workload; what the trial holds released. */
static void trial_teardown(struct trial_ctx *t, int measured)
{
	struct trial_result *tr = t->tr;
	if (t->d.have_child) {
		role_stop(&t->d, SIGTERM, 10);
		if (tr->state == TRIAL_OK)
			record_latency(t);
		if (tr->nwindows)
			record_window_latency(t);
	}
	if (t->p.have_child && !t->p.c.reaped)
		stop_profiler(t);
	if (t->p.have_cg) {
		struct cg_cpu total;
		uint64_t peak;
		cgroup_cpu(&t->p.cg, &total);
		tr->profiler_cpu_total_ns = total.total_ns;
		if ((uint64_t)t->p.c.ru.ru_maxrss * 1024 > tr->profiler_rss_peak_bytes && tr->state == TRIAL_OK)
			tr->profiler_rss_peak_bytes = (uint64_t)t->p.c.ru.ru_maxrss * 1024;
		if (cgroup_mem_peak(&t->p.cg, &peak) == 0)
			tr->profiler_mem_charged_peak_bytes = (int64_t)peak;
	}
	if (t->w.have_child && !t->in_place) {
		uint64_t peak;
		role_stop(&t->w, SIGTERM, t->wl->stop_grace_s);
		if ((uint64_t)t->w.c.ru.ru_maxrss * 1024 > tr->workload_rss_peak_bytes && tr->state == TRIAL_OK)
			tr->workload_rss_peak_bytes = (uint64_t)t->w.c.ru.ru_maxrss * 1024;
		if (t->w.have_cg && cgroup_mem_peak(&t->w.cg, &peak) == 0)
			tr->workload_mem_charged_peak_bytes = (int64_t)peak;
	}
	/* after the workload too: a profiler inside it (gperftools) writes its profile at its exit */
	if (measured)
		count_profile(t);
	/* A trial whose window was measured is kept: the interrupt came while it was stopping. */
	if (tare_interrupted && tr->state == TRIAL_OK && !measured)
		interrupted(t);
	if (t->counting)
		counters_close(t->env->counters);
	role_cleanup(&t->d);
	role_cleanup(&t->p);
	role_cleanup(&t->w);
	units_destroy(&t->units);
	free(t->pids);
	if (t->has_metrics)
		service_metrics_close(&t->metrics);
	if (t->ctl_fd >= 0)
		close(t->ctl_fd);
	if (t->ack_fd >= 0)
		close(t->ack_fd);
}

/* twins: the second process of the workload, set up as the first was (warm_up warms both), its
 * results in the trial's twin/ folder; -1 fails the trial with its reason. */
static int twin_start(struct trial_ctx *t, struct trial_ctx *tw, struct trial_result *twin_tr)
{
	struct trial_result *tr = t->tr;
	twin_tr->index = tr->index;
	twin_tr->block = tr->block;
	twin_tr->config = tr->config;
	t->twin = tw;
	if (trial_init(tw, t->env, twin_tr, NULL, tr->dir) < 0 || trial_setup(tw) != 0) {
		twin_failed(t);
		return -1;
	}
	return 0;
}

void trial_run(const struct trial_env *env, struct trial_result *tr, struct trial_counters *counters)
{
	struct trial_ctx t = { 0 }, tw = { 0 };
	struct trial_result *twin_tr = NULL;
	struct snapshot a, b;
	uint64_t timeout_ns;
	int measured = 0;
	if (trial_init(&t, env, tr, counters, NULL) < 0)
		return;
	timeout_ns = (uint64_t)(env->ex->timeout_s * 1e9);
	if (trial_setup(&t) != 0)
		goto out;
	if (env->ex->twins && env->ex->design == DESIGN_SWITCHBACK &&
	    twin_start(&t, &tw, twin_tr = xcalloc(1, sizeof(*twin_tr))) < 0)
		goto out;
	if (warm_up(&t) < 0)
		goto out;
	if (env->ex->design == DESIGN_SWITCHBACK) {
		if (t.wl->metrics_url) {
			char err[512];
			if (service_metrics_open(t.wl, &t.metrics, err, sizeof(err)) < 0) {
				fail(&t, "metrics: %s", err);
				goto out;
			}
			t.has_metrics = 1;
		}
		if (t.twin)
			tare_units_set_phase(tw.units.page, TARE_PHASE_MEASURE);
		tare_units_set_phase(t.units.page, TARE_PHASE_MEASURE);
		if (run_windows(&t) == 0)
			measured = 1;
		tare_units_set_phase(t.units.page, TARE_PHASE_DONE);
		if (!measured)
			goto out;
		goto peaks;
	}
	snap(&t, &a);
	tare_units_set_phase(t.units.page, TARE_PHASE_MEASURE);
	if (env->ex->units)
		wait_window(&t, timeout_ns, a.units, env->ex->units, "measured window");
	else {
		/* Halves: a window still warming up shows as a second half cheaper per unit than its
		 * first (analysis: steady).  Two cgroup reads in the middle, nothing else. */
		uint64_t half = (uint64_t)(env->ex->duration_s * 1e9 / 2);
		if (wait_window(&t, half, 0, 0, "measured window") == 0) {
			struct cg_cpu w, p = { 0 };
			if (t.p.have_cg)
				cgroup_cpu(&t.p.cg, &p);
			cgroup_cpu(&t.w.cg, &w);
			tr->half_units = units_read(&t.units) - a.units;
			tr->half_wall_s = (double)(now_ns() - a.t_ns) / 1e9;
			tr->half_cpu_ns = (w.total_ns - a.w.total_ns) + (p.total_ns - a.p.total_ns);
			wait_window(&t, (uint64_t)(env->ex->duration_s * 1e9) - half, 0, 0, "measured window");
		}
	}
	tare_units_set_phase(t.units.page, TARE_PHASE_DONE);
	if (tr->state != TRIAL_OK)
		goto out;
	snap(&t, &b);
	record_window(&t, &a, &b);
	measured = 1;
	if (tr->unit[0] && tr->units == 0)
		fail(&t, "the workload reported no units of work in the measured window");
peaks:
	/* Peaks are read while the processes are alive; wait4's ru_maxrss covers the end. */
	tr->workload_rss_peak_bytes = group_rss_peak(&t.w.cg, &tr->workload_kernel_bytes);
	if (t.p.have_cg) {
		/* control = restart: earlier lives' peaks are in already, and it may be off now */
		uint64_t peak = group_rss_peak(&t.p.cg, &tr->profiler_kernel_bytes);
		if (peak > tr->profiler_rss_peak_bytes)
			tr->profiler_rss_peak_bytes = peak;
	}
out:
	if (twin_tr) {
		tare_units_set_phase(tw.units.page, TARE_PHASE_DONE);
		trial_teardown(&tw, 0);
		t.twin = NULL;
		trial_result_free(twin_tr);
		free(twin_tr);
	}
	trial_teardown(&t, measured);
}
