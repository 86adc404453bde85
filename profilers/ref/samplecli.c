/* samplecli.c — what the two samplers' commands share (samplecli.h). */
#include "samplecli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

volatile sig_atomic_t sample_stop, sample_sigchld;

static void on_stop(int sig)
{
	sample_stop = sig;
}

static void on_sigchld(int sig)
{
	(void)sig;
	sample_sigchld = 1;
}

void sample_signals_take(struct sample_signals *s)
{
	struct sigaction sa = { .sa_handler = on_stop }, sc = { .sa_handler = on_sigchld };
	sigset_t block;

	sigemptyset(&sa.sa_mask);
	sigemptyset(&sc.sa_mask);
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
	s->taken = 1;
}

void sample_signals_restore(struct sample_signals *s)
{
	if (!s->taken)
		return;
	sigaction(SIGINT, &s->old[0], NULL);
	sigaction(SIGTERM, &s->old[1], NULL);
	sigaction(SIGHUP, &s->old[2], NULL);
	sigaction(SIGCHLD, &s->old[3], NULL);
	sigprocmask(SIG_SETMASK, &s->orig, NULL);
	s->taken = 0;
}

void sample_err(const char *fmt, ...)
{
	va_list ap;
	char buf[1024];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tare sample: %s\n", buf);
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

int sample_usage(const char *help, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tare sample: %s (see %s)\n", buf, help);
	return EXIT_USAGE;
}

int sample_common_opt(int c, const char *arg, struct sample_common *o, const char *help)
{
	uint64_t v;
	char *end;

	switch (c) {
	case 'F':
		if (sample_parse_u64(arg, 1, 1000000, &v) < 0)
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
		if (sample_parse_u64(arg, 1, INT_MAX, &v) < 0)
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
		errno = 0;
		o->flush_s = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->flush_s >= 0) || o->flush_s > 1e7)
			return sample_usage(help, "--flush %s: expected seconds, 0 or more", arg);
		return 1;
	}
	return 0;
}

int sample_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
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

int sample_cmd_fork(struct sample_cmd *c, char *const *argv, const sigset_t *mask,
		    const struct sigaction *old)
{
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD };
	pid_t parent;

	if (pipe2(c->gate, O_CLOEXEC) < 0 || pipe2(c->errp, O_CLOEXEC) < 0) {
		sample_err("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	parent = getpid();
	c->pid = fork();
	if (c->pid < 0) {
		sample_err("fork: %s", strerror(errno));
		return -1;
	}
	if (c->pid == 0) {
		char ch;
		int e;
		ssize_t n;

		/* The command dies with its sampler (a SIGKILLed run must not leave it running), and
		 * runs only when the gate is opened by a byte: EOF means the sampler died first. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		for (int i = 0; i < 4; i++)
			sigaction(sigs[i], &old[i], NULL);
		sigprocmask(SIG_SETMASK, mask, NULL);
		close(c->gate[1]);
		close(c->errp[0]);
		do
			n = read(c->gate[0], &ch, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(127);
		execvp(argv[0], argv);
		e = errno;
		if (write(c->errp[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(e == ENOENT ? 127 : 126);
	}
	close(c->gate[0]);
	close(c->errp[1]);
	c->gate[0] = c->errp[1] = -1;
	return 0;
}

int sample_cmd_release(struct sample_cmd *c, const char *name)
{
	int e = 0;
	ssize_t n;

	write_byte_nosigpipe(c->gate[1], 'g');
	close(c->gate[1]);
	c->gate[1] = -1;
	do
		n = read(c->errp[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(c->errp[0]);
	c->errp[0] = -1;
	if (n == (ssize_t)sizeof(e)) {
		sample_cmd_reap(c, 1);
		sample_err("cannot run '%s': %s", name, strerror(e));
		return e == ENOENT ? 127 : 126;
	}
	return 0;
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
	for (int i = 0; i < 2; i++) {
		if (c->gate[i] >= 0)
			close(c->gate[i]);
		if (c->errp[i] >= 0)
			close(c->errp[i]);
		c->gate[i] = c->errp[i] = -1;
	}
}
