/* proc.c — gated children, process groups and pidfd waits. */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gated.h"
#include "util.h"

volatile sig_atomic_t tare_interrupted;

void tare_on_signal(int sig)
{
	(void)sig;
	tare_interrupted++;    /* the only writer: one count per signal, never reset */
}

void tare_install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tare_on_signal;
	/* No SA_RESTART: waits return early and see the count.  The three block each other, so
	 * the handler's increment is never interrupted by another of them. */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* In the child, before the gate (gated.h): only async-signal-safe-ish work. */
static void child_setup(void *arg)
{
	const struct spawn_opts *o = arg;
	sigset_t none;
	/* The setting PR_SET_PDEATHSIG (gated_fork) survives exec: the profiler and the load must
	 * not run on unobserved.  What the child forks in turn is found by its cgroup (the
	 * stale-run sweep, tare clean). */
	setpgid(0, 0);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (o->cpus)
		sched_setaffinity(0, sizeof(*o->cpus), o->cpus);
	if (o->stdout_path) {
		int fd = open(o->stdout_path, O_WRONLY | O_CREAT | (o->append ? O_APPEND : O_TRUNC), 0644);
		if (fd >= 0)
			dup2(fd, 1), close(fd);
	}
	if (o->stderr_path) {
		int fd = open(o->stderr_path, O_WRONLY | O_CREAT | (o->append ? O_APPEND : O_TRUNC), 0644);
		if (fd >= 0)
			dup2(fd, 2), close(fd);
	}
	{
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			dup2(fd, 0), close(fd);
	}
	if (o->cwd && chdir(o->cwd) < 0) {
		/* its stderr is the role's .err file by now: the trial's error quotes this line */
		static const char msg[] = "tare: cannot enter the trial's directory\n";
		if (write(2, msg, sizeof(msg) - 1) < 0)
			_exit(126);
		_exit(126);
	}
	for (char *const *e2 = o->env_add; e2 && *e2; e2++)
		putenv(*e2);
	/* Nothing of tare's leaks into the program but keep_fd (the gate's pipes are
	 * close-on-exec already). */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		for (int fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (o->keep_fd >= 0)
		fcntl(o->keep_fd, F_SETFD, 0);
}

int child_spawn(struct child *c, const struct spawn_opts *o, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->pidfd = c->gate_fd = c->err_fd = -1;
	c->pid = gated_fork(o->argv, child_setup, (void *)o, &c->gate_fd, &c->err_fd, err, errlen);
	if (c->pid < 0)
		return -1;
	/* Both sides call setpgid so neither order of scheduling leaves a window. */
	setpgid(c->pid, c->pid);
	c->pidfd = sys_pidfd_open(c->pid);
	return 0;
}

int child_release(struct child *c, const char *what, char *err, size_t errlen)
{
	int e = gated_open(&c->gate_fd, &c->err_fd);
	if (e) {
		snprintf(err, errlen, "cannot run %s: %s", what, strerror(e));
		child_stop(c, SIGKILL, 0);
		return -1;
	}
	return 0;
}

int child_adopt(struct child *c, pid_t pid, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->gate_fd = c->err_fd = -1;
	c->foreign = 1;
	c->pid = pid;
	/* the pidfd is what makes this safe: a PID alone could be reused by another process */
	if ((c->pidfd = sys_pidfd_open(pid)) < 0) {
		snprintf(err, errlen, "no process %d: %s", (int)pid, strerror(errno));
		return -1;
	}
	return 0;
}

int child_poll(struct child *c)
{
	pid_t r;
	if (c->reaped)
		return 1;
	if (c->foreign) {
		struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
		if (poll(&p, 1, 0) > 0) {
			c->reaped = 1;
			c->reaped_ns = now_ns();
		}
		return c->reaped;
	}
	do
		r = wait4(c->pid, &c->status, WNOHANG, &c->ru);
	while (r < 0 && errno == EINTR);
	if (r == c->pid || (r < 0 && errno == ECHILD)) {
		c->reaped = 1;
		c->reaped_ns = now_ns();
		return 1;
	}
	return 0;
}

/* child_wait_any, returning -2 once `signals` signals have arrived. */
static int wait_children(struct child **cs, int n, uint64_t timeout_ns, int signals)
{
	uint64_t deadline = timeout_ns == UINT64_MAX ? UINT64_MAX : now_ns() + timeout_ns;
	struct pollfd pfd[8];
	for (;;) {
		uint64_t now;
		int np = 0, use_poll = 1, ms;
		for (int i = 0; i < n; i++) {
			if (!cs[i])
				continue;
			if (child_poll(cs[i]))
				return i;
			if (cs[i]->pidfd < 0)
				use_poll = 0;
		}
		if (tare_interrupted >= signals)
			return -2;
		now = now_ns();
		if (now >= deadline)
			return -1;
		/* ms granularity is fine for waits; measurements use the clocks, not the wakeup time */
		ms = deadline == UINT64_MAX ? 1000 : (int)((deadline - now + 999999) / 1000000);
		if (ms > 1000)
			ms = 1000;
		if (!use_poll) {
			sleep_ns(ms < 10 ? (uint64_t)ms * 1000000 : 10000000);
			continue;
		}
		for (int i = 0; i < n && np < 8; i++)
			if (cs[i])
				pfd[np].fd = cs[i]->pidfd, pfd[np].events = POLLIN, np++;
		poll(pfd, (nfds_t)np, ms);
	}
}

int child_wait_any(struct child **cs, int n, uint64_t timeout_ns)
{
	return wait_children(cs, n, timeout_ns, 1);
}

void child_signal(struct child *c, int sig)
{
	if (c->pid <= 0 || c->foreign)
		return;
	/* The group first: the leader may be gone while its group is not. */
	if (kill(-c->pid, sig) < 0 && !c->reaped)
		kill(c->pid, sig);
}

/* For tests: TARE_TEST_INTERRUPT_IN_STOP=N raises SIGINT N times right after the first graceful
 * stop signal, so a signal landing inside a stop is tested deterministically, not by luck. */
static void test_interrupt_in_stop(void)
{
	static int done;
	const char *n = getenv("TARE_TEST_INTERRUPT_IN_STOP");
	if (done || !n)
		return;
	done = 1;
	for (int i = atoi(n); i > 0; i--)
		raise(SIGINT);
}

void child_stop(struct child *c, int sig, double grace_s)
{
	struct child *one[1] = { c };
	/* Once stopped, the PID may be reused: never signal that group again. */
	if (c->pid <= 0 || c->stopped || c->foreign)
		return;
	c->stopped = 1;
	if (c->gate_fd >= 0) {
		/* Never released: it is still in our code, waiting at the gate. */
		kill(c->pid, SIGKILL);
	} else if (!child_poll(c)) {
		child_signal(c, sig);
		if (sig != SIGKILL && grace_s > 0)
			test_interrupt_in_stop();
		/* A stop finishes during Ctrl-C (a profiler may be writing its output): only a second
		 * signal cuts the grace short.  The count is only read here, never reset, so the
		 * run still sees the interrupt afterwards. */
		if (wait_children(one, 1, (uint64_t)(grace_s * 1e9), 2) < 0) {
			c->killed = tare_interrupted >= 2 ? KILLED_BY_SECOND_SIGNAL : KILLED_AFTER_GRACE;
			child_signal(c, SIGKILL);
		}
	}
	kill(-c->pid, SIGKILL);          /* leftovers in its process group */
	while (!c->reaped) {
		pid_t r = wait4(c->pid, &c->status, 0, &c->ru);
		if (r == c->pid || (r < 0 && errno != EINTR)) {
			c->reaped = 1;
			c->reaped_ns = now_ns();
		}
	}
}

void child_close(struct child *c)
{
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->gate_fd >= 0)
		close(c->gate_fd);
	if (c->err_fd >= 0)
		close(c->err_fd);
	c->pidfd = c->gate_fd = c->err_fd = -1;
}

void describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s%s", sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?",
			 WCOREDUMP(status) ? " (core dumped)" : "");
	else
		snprintf(buf, len, "wait status 0x%x", status);
}
