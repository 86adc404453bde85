/* gated.h — a child forked and held at a gate until its parent lets it exec.
 *
 * The child dies with its parent (PR_SET_PDEATHSIG: a SIGKILLed tare or sampler must not leave
 * it running), runs the caller's setup, then blocks on a pipe before exec.  Meanwhile the parent
 * moves it into its cgroup or attaches a profiler to its PID, so not one instruction of the
 * program runs unobserved (perf stat's trick).  One byte opens the gate; EOF (the parent died
 * holding it) makes the child exit, never run.  exec's errno comes back on a close-on-exec pipe:
 * EOF means exec succeeded.  Used by the harness (proc.h, child_spawn) and by the samplers for
 * the command they start (samplecli.h, sample_cmd_fork).
 */
#ifndef TARE_GATED_H
#define TARE_GATED_H

#include <stddef.h>
#include <sys/types.h>

/* Runs in the child between fork and the gate: async-signal-safe work only. */
typedef void (*gated_setup_fn)(void *arg);

/* Fork argv[0] (PATH searched) held at the gate; *gate_fd and *err_fd get the parent's ends.
 * The child's pid, or -1 with "pipe: ..." or "fork: ..." in err (nothing left open). */
pid_t gated_fork(char *const *argv, gated_setup_fn setup, void *arg, int *gate_fd, int *err_fd,
		 char *err, size_t errlen);
/* Open the gate and wait until the child has exec'd: 0, or exec's errno (the child has then
 * exited, 127 for ENOENT and 126 otherwise, as a shell's).  Both ends are closed, and -1. */
int gated_open(int *gate_fd, int *err_fd);

#endif
