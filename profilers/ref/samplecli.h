/* samplecli.h — what the two samplers' commands share (tare sample, profilers/ref/sample.c;
 * tare sample --bpf, profilers/bpf/profile.c): messages, common options, signals, the command. */
#ifndef TARE_REF_SAMPLECLI_H
#define TARE_REF_SAMPLECLI_H

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "util.h"

/* "tare sample: MESSAGE" on stderr; sample_debug only with -v (tare_verbose). */
#define sample_err(...) tare_err_as("tare sample", __VA_ARGS__)
void sample_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tare sample: MESSAGE (see HELP)" on stderr; returns EXIT_USAGE (tare_usage, util.h). */
#define sample_usage(help, ...) tare_usage("tare sample", help, __VA_ARGS__)

/* The options both commands take, into the same fields: -F -e -o -p -v and --folded, --stats,
 * --flush.  A command lists SAMPLE_COMMON_LONGOPTS among its long options, numbers its own from
 * SAMPLE_OPT_OWN, and hands each getopt result to sample_common_opt() first. */
struct sample_common {
	uint64_t freq_hz;	/* 0 until -F */
	const char *event, *out, *folded, *stats;
	double flush_s;
	pid_t pid;
	int have_pid;
};
enum { SAMPLE_OPT_FOLDED = 256, SAMPLE_OPT_STATS, SAMPLE_OPT_FLUSH, SAMPLE_OPT_OWN };
#define SAMPLE_COMMON_SHORTOPTS "F:e:o:p:v"
#define SAMPLE_COMMON_LONGOPTS                                                                  \
	{ "freq", required_argument, NULL, 'F' }, { "event", required_argument, NULL, 'e' },     \
	{ "output", required_argument, NULL, 'o' }, { "pid", required_argument, NULL, 'p' },     \
	{ "verbose", no_argument, NULL, 'v' }, { "folded", required_argument, NULL, SAMPLE_OPT_FOLDED }, \
	{ "stats", required_argument, NULL, SAMPLE_OPT_STATS },                                   \
	{ "flush", required_argument, NULL, SAMPLE_OPT_FLUSH }
/* 1: c was a common option, taken; 0: it is not one; EXIT_USAGE after one line naming help. */
int sample_common_opt(int c, const char *arg, struct sample_common *o, const char *help);
/* After the options, before anything is opened: -F no higher than the kernel allows
 * (kernel.perf_event_max_sample_rate; with check_rate, when the rate drives a perf event), and
 * -p a process that exists.  0, or EXIT_USAGE after one line. */
int sample_check_target(const struct sample_common *o, int check_rate, const char *help);

/* Whether an output can be written where it is asked for (a file beside it is created and
 * removed), before anything is measured; -1 after one line saying why not. */
int sample_check_writable(const char *path);

/* A flush's writes: the profile into each output asked for (pprof at out, folded stacks at
 * folded; NULL: not asked), both tried; -1 when one failed, after a line saying why. */
struct session;
struct profile_meta;
int sample_write_outputs(const char *out, const char *folded, struct session *s,
			 const struct profile_meta *pm);

/* -p: fn(ctx, tid) once for every thread of pid.  A thread made between listing and opening
 * would be missed, so the threads are listed again until a round finds none new (at most 8
 * rounds).  fn's first nonzero return stops it and is returned; else 0.  *nthreads: how many
 * threads fn was given, -1 when pid was gone at the first listing. */
int sample_each_thread(pid_t pid, int (*fn)(void *ctx, pid_t tid), void *ctx, int *nthreads);

/* Set by the handlers sample_signals_take() installs: the stop signal's number (SIGINT,
 * SIGTERM, SIGHUP), and whether a SIGCHLD came. */
extern volatile sig_atomic_t sample_stop, sample_sigchld;

/* ---- switching (--paused; docs/switchback.md, "Switching a profiler") ----------------------
 * A switchable sampler starts with sampling off; SIGUSR1 switches it on, SIGUSR2 off.  The
 * handler only notes the state asked for and writes the time it came into a pipe that the
 * sampler's epoll loop watches (the pipe wakes the loop, even in the middle of a flush the
 * byte waits for it); the loop applies the request.  These two signals are not blocked, so
 * requests are noted in the order they came (two blocked signals would be delivered lowest
 * number first, whatever their order: SIGUSR2 then SIGUSR1 would end off).
 *
 * The record: per interval between two switches, whether sampling was on, how long it
 * lasted, how late its switch came and how many samples it took — the first
 * SAMPLE_MAX_INTERVALS of them, the rest counted.  Without --paused there is one interval, on,
 * the whole run. */
#define SAMPLE_MAX_INTERVALS 4096
struct sample_interval {
	int on;
	uint64_t wall_ns;
	uint64_t delay_ns;	/* from the signal to the switch that began it (0: the first) */
	uint64_t samples;	/* --bpf: the cpu samples */
	uint64_t events;	/* --bpf: every event its programs handled (cpu samples, offcpu
				 * blocks, lock calls, allocation calls, frees); else = samples */
};
struct sample_switch {
	int switchable;		/* --paused: SIGUSR1/SIGUSR2 are handled */
	int on;			/* sampling now */
	int fd;			/* the pipe's read end, for the epoll set; -1 when not switchable */
	uint64_t switches;	/* state changes applied */
	uint64_t since_ns, samples0, events0;	/* when the current interval began, its counts */
	uint64_t delay_ns;			/* ... and how late its switch came */
	struct sample_interval *iv;
	uint32_t niv;
	uint64_t not_kept;	/* intervals past SAMPLE_MAX_INTERVALS */
	uint64_t delay_max_ns;	/* from a signal to its switch applied, the longest */
};
/* Start the record (paused: switchable, off; else not switchable, on) at now_ns(); the pipe
 * for a switchable one.  -1 after one line. */
int sample_switch_init(struct sample_switch *w, int paused);
/* The state asked for by the signals since the last call, and when the oldest of them came;
 * 1 when it differs from w->on (a switch to apply), else 0.  Drains the pipe. */
int sample_switch_asked(struct sample_switch *w, int *on, uint64_t *asked_ns);
/* Close the current interval with the counts so far (samples and events are running totals)
 * and begin one in state on.  flip: a switch (counted, its delay from asked_ns); else the end
 * of the run (on is ignored). */
void sample_switch_mark(struct sample_switch *w, int flip, int on, uint64_t asked_ns,
			uint64_t samples, uint64_t events);
/* After sample_signals_restore(): the handler must be gone before its pipe is. */
void sample_switch_free(struct sample_switch *w);
/* The closing line on stderr of a switchable sampler: switches, time on, the slowest switch. */
void sample_switch_print(const struct sample_switch *w, uint64_t wall_ns);
/* "switchable", "switches", "switch_delay_max_ns", "intervals" [{"on","wall_ns","delay_ns",
 * "samples" (,"events" with_events)}], "intervals_not_kept": a jansson object, for the --stats
 * line. */
struct json_t;
struct json_t *sample_switch_json(const struct sample_switch *w, int with_events);

/* The signals a sampler handles: the three stop signals and SIGCHLD, blocked so that the loop
 * takes them only inside epoll_pwait/ppoll with orig as the mask (a stop request is never
 * missed between checking the flag and going to sleep), and with w switchable SIGUSR1 and
 * SIGUSR2 (not blocked: above).  The previous dispositions go to old[] and the mask to orig:
 * sample_cmd_fork() gives them back to the command, sample_signals_restore() to the
 * sampler's caller. */
#define SAMPLE_NSIGNALS 6	/* SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2 */
struct sample_signals {
	sigset_t orig;
	struct sigaction old[SAMPLE_NSIGNALS];
	int taken;
};
void sample_signals_take(struct sample_signals *s, const struct sample_switch *w);
void sample_signals_restore(struct sample_signals *s);

/* A command the sampler starts itself: forked and held at a gate (common/gated.h) until its
 * profiling is attached (the events exist, the programs are loaded), then let exec. */
struct sample_cmd {
	pid_t pid;
	int reaped, status;	/* its wait status once reaped */
	struct rusage ru;
	int gate_fd, err_fd;	/* the parent's ends of the gate (gated.h); -1 once closed */
};
#define SAMPLE_CMD_INIT { .pid = -1, .gate_fd = -1, .err_fd = -1 }

/* Fork argv[0] (PATH searched) held at the gate; in the child, the signal dispositions old[]
 * (sample_signals) and the mask are put back.  -1 after one line. */
int sample_cmd_fork(struct sample_cmd *c, char *const *argv, const sigset_t *mask,
		    const struct sigaction *old);
/* Open the gate: 0 once it runs; 127 (not found) or 126 (cannot run) after one line, reaped. */
int sample_cmd_release(struct sample_cmd *c, const char *name);
/* The command's pidfd, in epfd's set with data.u32 tag (readable once the command exits): the
 * fd to close, or -1 where pidfds are not (the loop then waits for SIGCHLD alone). */
int sample_cmd_watch(const struct sample_cmd *c, int epfd, uint32_t tag);
/* Reap it if it has exited; with block, wait until it has. */
void sample_cmd_reap(struct sample_cmd *c, int block);
/* The sampler's exit code from the command's status: its exit status, 128 + a signal. */
int sample_cmd_exit_code(const struct sample_cmd *c);
#define SAMPLE_WAIT_CHILD_S 5.0	/* after SIGTERM to a command we started, before SIGKILL */
/* Stop it if it still runs: SIGTERM, up to wait_s seconds for it to exit (each, when not NULL,
 * runs every 10 ms meanwhile: the perf-ring sampler drains its rings), then SIGKILL. */
void sample_cmd_stop(struct sample_cmd *c, double wait_s, void (*each)(void *), void *arg);
/* Close what is left of the gate and the error pipe (a start that failed half-way). */
void sample_cmd_close(struct sample_cmd *c);

#endif
