/* gated.c — fork, hold at a gate, exec. */
#include "gated.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util.h"

static _Noreturn void gated_child(char *const *argv, gated_setup_fn setup, void *arg,
				  int gate_rd, int err_wr, pid_t parent)
{
	char c;
	int e;
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);    /* the parent died before the line above */
	if (setup)
		setup(arg);
	do
		n = read(gate_rd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127);
	close(gate_rd);
	execvp(argv[0], argv);
	e = errno;
	if (write(err_wr, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(e == ENOENT ? 127 : 126);
}

pid_t gated_fork(char *const *argv, gated_setup_fn setup, void *arg, int *gate_fd, int *err_fd,
		 char *err, size_t errlen)
{
	int gate[2] = { -1, -1 }, errp[2] = { -1, -1 };
	pid_t parent, pid;

	*gate_fd = *err_fd = -1;
	if (pipe2(gate, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	fflush(NULL);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		close(gate[1]);
		close(errp[0]);
		gated_child(argv, setup, arg, gate[0], errp[1], parent);
	}
	close(gate[0]);
	close(errp[1]);
	*gate_fd = gate[1];
	*err_fd = errp[0];
	return pid;
fail:
	for (int i = 0; i < 2; i++) {
		if (gate[i] >= 0)
			close(gate[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return -1;
}

int gated_open(int *gate_fd, int *err_fd)
{
	int e = 0;
	ssize_t n;

	write_byte_nosigpipe(*gate_fd, 'g');   /* a child that died already says so below */
	close(*gate_fd);
	*gate_fd = -1;
	do
		n = read(*err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(*err_fd);
	*err_fd = -1;
	return n == (ssize_t)sizeof(e) ? e : 0;
}
