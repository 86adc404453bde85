/* proc.h — child processes: gated start, process groups, waiting on pidfds, stopping.
 *
 * A child is forked *gated* (common/gated.h): it sets up (process group, CPU affinity, output
 * files, environment) and then blocks on a pipe before exec.  Meanwhile tare moves it into its
 * cgroup and, for the workload, attaches and readies the profiler — so the PID is known before
 * the program runs, and not one instruction of it runs outside its cgroup (perf stat's trick).
 */
#ifndef TARE_PROC_H
#define TARE_PROC_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct child {
	pid_t pid;
	int pidfd;              /* -1 where pidfd_open is missing: then waits poll waitpid */
	int gate_fd;            /* write end; closing it lets the child exec */
	int err_fd;             /* read end; exec's errno arrives here, EOF means exec succeeded */
	int reaped;
	int stopped;            /* child_stop ran: its group was killed once, never again */
	enum { KILLED_NOT = 0, KILLED_AFTER_GRACE, KILLED_BY_SECOND_SIGNAL } killed;   /* by child_stop */
	int status;             /* wait status once reaped */
	struct rusage ru;       /* of the child itself and its waited-for descendants */
	uint64_t reaped_ns;
	int foreign;            /* not tare's: a running service watched in place (child_adopt) */
};

struct spawn_opts {
	char *const *argv;
	char *const *env_add;   /* "NAME=value", NULL-terminated, may be NULL */
	const char *stdout_path;
	const char *stderr_path;
	const cpu_set_t *cpus;  /* NULL: inherit */
	int keep_fd;            /* a descriptor the child keeps across exec, or -1 */
	int append;             /* add to stdout_path/stderr_path instead of truncating them */
	const char *cwd;        /* its working directory, or NULL: tare's */
};

/* Fork the child, gated.  0, or -1 with the reason in err. */
int child_spawn(struct child *c, const struct spawn_opts *o, char *err, size_t errlen);
/* Let it exec; -1 with "cannot run X: No such file or directory" in err when exec failed. */
int child_release(struct child *c, const char *what, char *err, size_t errlen);

/* Watch a process tare did not start (a service measured in place) as a child: its exit is
 * seen through a pidfd, and it is never signalled, stopped or waited for — child_signal,
 * child_stop and the killing of leftovers do nothing to it.  0, or -1 with the reason in err
 * (no such process). */
int child_adopt(struct child *c, pid_t pid, char *err, size_t errlen);

/* Wait until any of the children exits or timeout_ns passes (UINT64_MAX: forever).
 * Returns the index of a child that exited (it is reaped), -1 on timeout, -2 when interrupted by
 * a signal whose handler asked the run to stop. */
int child_wait_any(struct child **cs, int n, uint64_t timeout_ns);
/* Reap if it has exited; 1 when reaped. */
int child_poll(struct child *c);
/* Signal the child's whole process group. */
void child_signal(struct child *c, int sig);
/* Send sig to the group, wait up to grace_s (cut short by a second SIGINT/SIGTERM/SIGHUP of the
 * run), then SIGKILL the group; always reaps.  c->killed says whether and why it was killed. */
void child_stop(struct child *c, int sig, double grace_s);
void child_close(struct child *c);

/* "exited with status 3", "killed by SIGSEGV" for a wait status. */
void describe_status(int status, char *buf, size_t len);

/* How many SIGINT/SIGTERM/SIGHUP arrived: the run stops at the next safe point after the
 * first; a second cuts a stop's grace short.  Only the handler writes it. */
extern volatile sig_atomic_t tare_interrupted;
/* The handler that counts them (a command's own handler calls it too), and its installation
 * for the three. */
void tare_on_signal(int sig);
void tare_install_signals(void);

#endif
