/* samplecli.c — what the two samplers' commands share (samplecli.h). */
#include "samplecli.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gated.h"
#include "output.h"
#include "parse.h"
#include "perf_event.h"
#include "util.h"

volatile sig_atomic_t sample_stop, sample_sigchld;

/* The switching signals' state: what the last one asked for, and the pipe it writes to. */
static volatile sig_atomic_t sample_want_on;
static int sample_switch_wfd = -1;

static const int sample_signo[SAMPLE_NSIGNALS] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1,
						   SIGUSR2 };

static void on_stop(int sig)
{
	sample_stop = sig;
}

static void on_sigchld(int sig)
{
	(void)sig;
	sample_sigchld = 1;
}

/* Async-signal-safe: clock_gettime and write.  A full pipe (4096 requests unread) loses the
 * time, not the request: the state is in sample_want_on, and the bytes already there wake
 * the loop. */
static void on_switch(int sig)
{
	int saved = errno;
	struct timespec ts;
	uint64_t t;

	sample_want_on = sig == SIGUSR1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (sample_switch_wfd >= 0 && write(sample_switch_wfd, &t, sizeof(t)) < 0) {
		/* EAGAIN: see above */
	}
	errno = saved;
}

void sample_signals_take(struct sample_signals *s, const struct sample_switch *w)
{
	struct sigaction sa = { .sa_handler = on_stop }, sc = { .sa_handler = on_sigchld };
	struct sigaction su = { .sa_handler = on_switch, .sa_flags = SA_RESTART };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&sc.sa_mask);
	/* one switching handler at a time: the state and the time are written together */
	sigemptyset(&su.sa_mask);
	sigaddset(&su.sa_mask, SIGUSR1);
	sigaddset(&su.sa_mask, SIGUSR2);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &s->orig);
	sigaction(SIGINT, &sa, &s->old[0]);
	sigaction(SIGTERM, &sa, &s->old[1]);
	sigaction(SIGHUP, &sa, &s->old[2]);
	sigaction(SIGCHLD, &sc, &s->old[3]);
	if (w && w->switchable) {
		sample_want_on = w->on;
		sigaction(SIGUSR1, &su, &s->old[4]);
		sigaction(SIGUSR2, &su, &s->old[5]);
	} else {
		sigaction(SIGUSR1, NULL, &s->old[4]);
		sigaction(SIGUSR2, NULL, &s->old[5]);
	}
	s->taken = 1;
}

void sample_signals_restore(struct sample_signals *s)
{
	if (!s->taken)
		return;
	for (int i = 0; i < SAMPLE_NSIGNALS; i++)
		sigaction(sample_signo[i], &s->old[i], NULL);
	sigprocmask(SIG_SETMASK, &s->orig, NULL);
	s->taken = 0;
}

/* ---- switching ------------------------------------------------------------------------------ */

int sample_switch_init(struct sample_switch *w, int paused)
{
	int p[2];

	*w = (struct sample_switch){ .switchable = paused, .on = !paused, .fd = -1,
				     .since_ns = now_ns() };
	if (!paused)
		return 0;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		sample_err("pipe: %s", strerror(errno));
		return -1;
	}
	w->fd = p[0];
	sample_want_on = 0;
	sample_switch_wfd = p[1];
	return 0;
}

int sample_switch_asked(struct sample_switch *w, int *on, uint64_t *asked_ns)
{
	uint64_t t[64], first = 0;
	ssize_t n;

	if (!w->switchable)
		return 0;
	/* the state is read after the pipe is emptied: a signal after it leaves a byte behind,
	 * and the next call sees it */
	while ((n = read(w->fd, t, sizeof(t))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && !first)
			first = t[0];
	*on = sample_want_on != 0;
	*asked_ns = first ? first : now_ns();
	return *on != w->on;
}

void sample_switch_mark(struct sample_switch *w, int flip, int on, uint64_t asked_ns,
			uint64_t samples, uint64_t events)
{
	uint64_t now = now_ns();

	if (w->niv < SAMPLE_MAX_INTERVALS) {
		if (!w->iv)
			w->iv = xcalloc(SAMPLE_MAX_INTERVALS, sizeof(*w->iv));
		w->iv[w->niv++] = (struct sample_interval){ .on = w->on,
			.wall_ns = now - w->since_ns, .delay_ns = w->delay_ns,
			.samples = samples - w->samples0, .events = events - w->events0 };
	} else
		w->not_kept++;
	w->since_ns = now;
	w->samples0 = samples;
	w->events0 = events;
	if (!flip)
		return;
	w->switches++;
	w->on = on;
	w->delay_ns = now > asked_ns ? now - asked_ns : 0;
	if (w->delay_ns > w->delay_max_ns)
		w->delay_max_ns = w->delay_ns;
}

void sample_switch_free(struct sample_switch *w)
{
	int wfd = sample_switch_wfd;

	if (w->fd >= 0 && wfd >= 0) {	/* ours (the signals are given back by now) */
		sample_switch_wfd = -1;
		close(wfd);
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->iv);
	w->iv = NULL;
	w->fd = -1;
}

json_t *sample_switch_json(const struct sample_switch *w, int with_events)
{
	json_t *j = json_object(), *a = json_array();

	for (uint32_t i = 0; i < w->niv; i++) {
		json_t *o = json_pack("{s:b, s:I, s:I, s:I}", "on", w->iv[i].on,
				      "wall_ns", (json_int_t)w->iv[i].wall_ns,
				      "delay_ns", (json_int_t)w->iv[i].delay_ns,
				      "samples", (json_int_t)w->iv[i].samples);

		if (with_events)
			json_object_set_new(o, "events", json_integer((json_int_t)w->iv[i].events));
		json_array_append_new(a, o);
	}
	json_object_set_new(j, "switchable", json_boolean(w->switchable));
	json_object_set_new(j, "switches", json_integer((json_int_t)w->switches));
	json_object_set_new(j, "switch_delay_max_ns", json_integer((json_int_t)w->delay_max_ns));
	json_object_set_new(j, "intervals", a);
	json_object_set_new(j, "intervals_not_kept", json_integer((json_int_t)w->not_kept));
	return j;
}

void sample_debug(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	if (!tare_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tare sample: debug: %s\n", buf);
}

int sample_common_opt(int c, const char *arg, struct sample_common *o, const char *help)
{
	uint64_t v;

	switch (c) {
	case 'F':
		if (!parse_u64(arg, 1, 1000000, &v))
			return sample_usage(help, "-F %s: expected a rate in Hz, 1 to 1000000", arg);
		o->freq_hz = v;
		return 1;
	case 'e':
		o->event = arg;
		return 1;
	case 'o':
		o->out = arg;
		return 1;
	case 'p':
		if (!parse_u64(arg, 1, INT_MAX, &v))
			return sample_usage(help, "-p %s: expected a process id", arg);
		o->pid = (pid_t)v;
		o->have_pid = 1;
		return 1;
	case 'v':
		tare_verbose = 1;
		return 1;
	case SAMPLE_OPT_FOLDED:
		o->folded = arg;
		return 1;
	case SAMPLE_OPT_STATS:
		o->stats = arg;
		return 1;
	case SAMPLE_OPT_FLUSH:
		if (!parse_number(arg, 0, 1e7, &o->flush_s))
			return sample_usage(help, "--flush %s: expected seconds, 0 or more", arg);
		return 1;
	}
	return 0;
}

int sample_check_target(const struct sample_common *o, int check_rate, const char *help)
{
	uint64_t max = perf_event_max_sample_rate();

	if (check_rate && o->freq_hz && max && o->freq_hz > max)
		return sample_usage(help, "-F %" PRIu64 ": above kernel.perf_event_max_sample_rate (%" PRIu64
				    "); use a lower rate or raise the sysctl", o->freq_hz, max);
	if (o->have_pid && kill(o->pid, 0) < 0 && errno == ESRCH) {
		sample_err("pid %d: no such process", (int)o->pid);
		return EXIT_USAGE;
	}
	return 0;
}

int sample_check_writable(const char *path)
{
	char *tmp = atomic_tmp_name(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644), e = errno;

	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	if (fd < 0) {
		sample_err("cannot write %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

int sample_write_outputs(const char *out, const char *folded, struct session *s,
			 const struct profile_meta *pm)
{
	char err[512];
	int failed = 0;

	if (out && pprof_write(out, s, pm, err, sizeof(err)) < 0)
		sample_err("%s", err), failed = 1;
	if (folded && folded_write(folded, s, pm, err, sizeof(err)) < 0)
		sample_err("%s", err), failed = 1;
	return failed ? -1 : 0;
}

int sample_each_thread(pid_t pid, int (*fn)(void *ctx, pid_t tid), void *ctx, int *nthreads)
{
	pid_t *done = NULL;
	int ndone = 0, rc = 0;

	*nthreads = 0;
	for (int round = 0; round < 8 && !rc; round++) {
		pid_t *tids;
		int n = list_threads(pid, &tids), fresh = 0;

		if (n < 0) {
			if (!ndone)
				*nthreads = -1;
			break;	/* it exited (while we attached, after the first round) */
		}
		for (int i = 0; i < n; i++) {
			int seen = 0;

			for (int k = 0; k < ndone && !seen; k++)
				seen = done[k] == tids[i];
			if (seen)
				continue;
			rc = fn(ctx, tids[i]);
			if (rc)
				break;
			done = xrealloc(done, sizeof(*done) * (size_t)(ndone + 1));
			done[ndone++] = tids[i];
			fresh++;
		}
		free(tids);
		if (!fresh)
			break;
	}
	free(done);
	if (*nthreads == 0)
		*nthreads = ndone;
	return rc;
}

struct sample_cmd_setup {
	const sigset_t *mask;
	const struct sigaction *old;
};

/* In the child, before the gate: the caller's signal dispositions and mask, as if the sampler
 * had not been there.  It stays in the sampler's process group, with its stdin. */
static void sample_cmd_setup(void *arg)
{
	const struct sample_cmd_setup *s = arg;

	for (int i = 0; i < SAMPLE_NSIGNALS; i++)
		sigaction(sample_signo[i], &s->old[i], NULL);
	sigprocmask(SIG_SETMASK, s->mask, NULL);
}

int sample_cmd_fork(struct sample_cmd *c, char *const *argv, const sigset_t *mask,
		    const struct sigaction *old)
{
	struct sample_cmd_setup s = { mask, old };
	char err[128];

	c->pid = gated_fork(argv, sample_cmd_setup, &s, &c->gate_fd, &c->err_fd, err, sizeof(err));
	if (c->pid < 0) {
		sample_err("%s", err);
		return -1;
	}
	return 0;
}

int sample_cmd_release(struct sample_cmd *c, const char *name)
{
	int e = gated_open(&c->gate_fd, &c->err_fd);

	if (e) {
		sample_cmd_reap(c, 1);
		sample_err("cannot run '%s': %s", name, strerror(e));
		return e == ENOENT ? 127 : 126;
	}
	return 0;
}

int sample_cmd_watch(const struct sample_cmd *c, int epfd, uint32_t tag)
{
	int fd = sys_pidfd_open(c->pid);

	if (fd >= 0) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = tag };

		epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
	}
	return fd;
}

void sample_cmd_reap(struct sample_cmd *c, int block)
{
	int st;
	pid_t r;

	if (c->reaped || c->pid <= 0)
		return;
	do
		r = wait4(c->pid, &st, block ? 0 : WNOHANG, &c->ru);
	while (r < 0 && errno == EINTR);
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->reaped = 1;
		c->status = r == c->pid ? st : 0;
	}
}

void sample_cmd_stop(struct sample_cmd *c, double wait_s, void (*each)(void *), void *arg)
{
	uint64_t deadline;

	sample_cmd_reap(c, 0);
	if (c->reaped || c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	deadline = now_ns() + (uint64_t)(wait_s * 1e9);
	while (!c->reaped && now_ns() < deadline) {
		sleep_ns(10000000);
		sample_cmd_reap(c, 0);
		if (each)
			each(arg);
	}
	if (!c->reaped) {
		kill(c->pid, SIGKILL);
		sample_cmd_reap(c, 1);
	}
}

int sample_cmd_exit_code(const struct sample_cmd *c)
{
	if (!c->reaped)
		return 0;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 0;
}

void sample_cmd_close(struct sample_cmd *c)
{
	if (c->gate_fd >= 0)
		close(c->gate_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->gate_fd = c->err_fd = -1;
}

void sample_switch_print(const struct sample_switch *w, uint64_t wall_ns)
{
	uint64_t on_ns = 0;

	if (!w->switchable)
		return;
	for (uint32_t i = 0; i < w->niv; i++)
		on_ns += w->iv[i].on ? w->iv[i].wall_ns : 0;
	fprintf(stderr, "tare-sample: %" PRIu64 " switches, sampling on %.3f s of %.3f s%s; "
		"longest from a signal to its switch %.3f ms\n", w->switches, (double)on_ns / 1e9,
		(double)wall_ns / 1e9, w->not_kept ? " (in the intervals kept)" : "", (double)w->delay_max_ns / 1e6);
}
