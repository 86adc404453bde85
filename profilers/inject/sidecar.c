/* sidecar.c — inject-sidecar: a separate process that burns a set fraction of one CPU.
 *
 * The "profiler's own process" half of the inject calibration: its CPU lands in the
 * profiler's cgroup, not in the workload's, so tare can show it puts a known cost in the
 * right column.  Each period it spins for pct% of the period, measured on its own CPU clock
 * (so time it is preempted does not count, and the cost of sleeping and waking is paid out
 * of the spin), then sleeps to the next period boundary on absolute CLOCK_MONOTONIC
 * deadlines, so periods do not drift.  A period it could not start
 * on time (the machine was busy, or it was stopped) is skipped and counted rather than made
 * up with a burst.  At exit (SIGTERM/SIGINT or --duration) one JSON line on stdout.
 *
 * It prints "inject-sidecar: ready" on stderr once it takes its signals.
 *
 * Switchback (docs/switchback.md): with --paused it starts off, asleep in sigsuspend until a
 * signal; SIGUSR1 switches it on, SIGUSR2 off.  A switch on starts the periods afresh (no
 * spin owed for the time off); a switch off takes effect at the end of the spin in progress
 * (at most pct% of one period) and cuts the sleep short.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WORKLOAD_NAME "inject-sidecar"
#include "inject.h"
#include "workload.h"	/* the workloads' command line and stop flag (-Iworkloads) */

struct sidecar_config {
	double pct;		/* of one CPU, [0, 100] */
	double period_ms;
	double duration_s;	/* 0: until SIGTERM/SIGINT */
	bool paused;		/* switchable, starting off */
	int64_t period_ns;
	int64_t spin_ns;	/* per period */
};

struct sidecar_stats {
	int64_t wall_ns;
	int64_t cpu_ns;		/* the process CPU clock: spin, sleeps' overhead, everything */
	int64_t spin_ns;	/* of which spinning */
	uint64_t periods;
	uint64_t missed_periods;
	uint64_t switches;	/* --paused: state changes */
	int64_t on_wall_ns;	/* --paused: wall time switched on */
};

/* --paused: what the last of SIGUSR1 (on) and SIGUSR2 (off) asked for. */
static volatile sig_atomic_t sidecar_want_on;

static void sidecar_usage(FILE *f)
{
	fprintf(f,
		"usage: inject-sidecar --pct P [--period-ms MS] [--duration SECONDS]\n"
		"Burn P%% of one CPU: spin P%% of each period (own CPU clock), sleep the rest.\n"
		"\n"
		"  --pct P             percent of one CPU to burn, in [0, 100] (required)\n"
		"  --period-ms MS      period in milliseconds, in [0.1, 10000] (default 10)\n"
		"  --duration SECONDS  stop after this long (default: until SIGTERM/SIGINT)\n"
		"  --paused            start off; SIGUSR1 switches the burn on, SIGUSR2 off\n"
		"  --help              this text\n"
		"\n"
		"At exit one JSON line on stdout: wall_ns, cpu_ns, spin_ns, periods,\n"
		"missed_periods, burned_pct (= 100 * cpu_ns / wall_ns), switches and on_wall_ns.\n");
}

static double sidecar_number(const char *opt, const char *arg, double lo, double hi,
			     const char *expected)
{
	double v;

	if (!parse_number(arg, lo, hi, &v))
		workload_bad_arg(opt, arg, expected);
	return v;
}

static void sidecar_parse_args(int argc, char **argv, struct sidecar_config *c)
{
	enum { OPT_PCT = 1, OPT_PERIOD, OPT_DURATION, OPT_PAUSED, OPT_HELP };
	static const struct option opts[] = {
		{ "pct",       required_argument, NULL, OPT_PCT },
		{ "period-ms", required_argument, NULL, OPT_PERIOD },
		{ "duration",  required_argument, NULL, OPT_DURATION },
		{ "paused",    no_argument,       NULL, OPT_PAUSED },
		{ "help",      no_argument,       NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool have_pct = false;
	int o;

	*c = (struct sidecar_config){ .period_ms = 10 };
	while ((o = workload_getopt(argc, argv, opts)) != -1) {
		switch (o) {
		case OPT_PCT:
			c->pct = sidecar_number("--pct", optarg, 0, 100, "a number in [0, 100]");
			have_pct = true;
			break;
		case OPT_PERIOD:
			c->period_ms = sidecar_number("--period-ms", optarg, 0.1, 10000,
						      "a number of milliseconds in [0.1, 10000]");
			break;
		case OPT_DURATION:
			c->duration_s = workload_arg_duration(optarg);
			break;
		case OPT_PAUSED:
			c->paused = true;
			break;
		case OPT_HELP:
			sidecar_usage(stdout);
			exit(0);
		}
	}
	if (!have_pct) {
		fprintf(stderr, "inject-sidecar: --pct is required: the percent of one CPU to "
			"burn, in [0, 100] (see inject-sidecar --help)\n");
		exit(2);
	}
	c->period_ns = (int64_t)(c->period_ms * 1e6 + 0.5);
	c->spin_ns = (int64_t)((double)c->period_ns * c->pct / 100.0 + 0.5);
}

static void sidecar_on_switch(int sig)
{
	sidecar_want_on = sig == SIGUSR1;
}

/* SIGTERM and SIGINT set the workloads' stop flag.  Not workload_catch_stop_signals: that
 * also catches SIGALRM, and here --duration is a deadline in sidecar_run, not a timer.  With
 * --paused, SIGUSR1 and SIGUSR2 switch it. */
static void sidecar_install_signals(const struct sidecar_config *c)
{
	struct sigaction sa = { .sa_handler = workload_on_signal };
	struct sigaction su = { .sa_handler = sidecar_on_switch };

	/* No SA_RESTART: a signal must cut the sleep short so the exit is prompt. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (c->paused) {
		sigemptyset(&su.sa_mask);
		sigaction(SIGUSR1, &su, NULL);
		sigaction(SIGUSR2, &su, NULL);
	}
}

/* Whether to keep going in the state it is in: not stopping, and (--paused) not switched. */
static bool sidecar_keep(const struct sidecar_config *c, bool on)
{
	return !workload_stopping() && (!c->paused || (sidecar_want_on != 0) == on);
}

static void sidecar_sleep_until(const struct sidecar_config *c, int64_t deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / INJECT_NS_PER_S,
		.tv_nsec = deadline_ns % INJECT_NS_PER_S,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		if (!sidecar_keep(c, true))
			return;
}

/* --paused, off: asleep until a signal switches it on or stops it, or the end comes.  The
 * signals are blocked between the check and the sleep, and let in only inside ppoll (which
 * swaps the mask atomically), so none is missed; the end is a deadline, as sidecar_run's. */
static void sidecar_wait_on(const struct sidecar_config *c, int64_t end)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (sidecar_keep(c, false)) {
		int64_t left = end - inject_clock_ns(CLOCK_MONOTONIC);
		struct timespec ts = { left / INJECT_NS_PER_S, left % INJECT_NS_PER_S };

		if (left <= 0)
			break;
		ppoll(NULL, 0, end == INT64_MAX ? NULL : &ts, &old);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* One period after another from `start`; period k begins at start + k * period_ns.  The
 * spin target is cumulative over the periods run: each spin tops the process CPU up to
 * periods * spin_ns.  So the cost of each sleep and wake-up (~50 µs on a VM, +0.5% of a CPU
 * at 100 Hz) is paid out of the spin instead of on top of it, and each spin's overshoot is
 * taken off the next.  Below that floor (tiny pct) the sidecar burns the floor, and says so
 * through cpu_ns. */
static void sidecar_burn(const struct sidecar_config *c, struct sidecar_stats *st, int64_t end)
{
	int64_t start = inject_clock_ns(CLOCK_MONOTONIC);
	int64_t cpu0 = inject_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	int64_t next = start, target = 0;

	while (sidecar_keep(c, true) && next < end) {
		int64_t used, now, late;

		target += c->spin_ns;
		used = inject_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
		st->spin_ns += inject_spin_ns(target - used);
		st->periods++;

		next += c->period_ns;
		now = inject_clock_ns(CLOCK_MONOTONIC);
		late = now - next;
		if (late >= c->period_ns) {	/* skip whole periods we cannot honour */
			int64_t k = late / c->period_ns;

			next += k * c->period_ns;
			st->missed_periods += (uint64_t)k;
		}
		sidecar_sleep_until(c, next < end ? next : end);
	}
	st->on_wall_ns += inject_clock_ns(CLOCK_MONOTONIC) - start;
}

/* Burn until the end; --paused: burn while on, sleep while off. */
static void sidecar_run(const struct sidecar_config *c, struct sidecar_stats *st)
{
	int64_t start = inject_clock_ns(CLOCK_MONOTONIC);
	int64_t end = c->duration_s ? start + (int64_t)(c->duration_s * 1e9) : INT64_MAX;
	int64_t cpu0 = inject_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	bool on = !c->paused;

	while (!workload_stopping() && inject_clock_ns(CLOCK_MONOTONIC) < end) {
		if (on)
			sidecar_burn(c, st, end);
		else
			sidecar_wait_on(c, end);
		if (c->paused && (sidecar_want_on != 0) != on) {
			on = !on;
			st->switches++;
		}
	}
	st->wall_ns = inject_clock_ns(CLOCK_MONOTONIC) - start;
	st->cpu_ns = inject_clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
}

static void sidecar_print(const struct sidecar_config *c, const struct sidecar_stats *st)
{
	printf("{\"profiler\":\"inject-sidecar\",\"pct\":%.6g,\"period_ms\":%.6g,"
	       "\"wall_ns\":%lld,\"cpu_ns\":%lld,\"spin_ns\":%lld,\"periods\":%llu,"
	       "\"missed_periods\":%llu,\"burned_pct\":%.4f,\"switches\":%llu,"
	       "\"on_wall_ns\":%lld}\n",
	       c->pct, c->period_ms, (long long)st->wall_ns, (long long)st->cpu_ns,
	       (long long)st->spin_ns, (unsigned long long)st->periods,
	       (unsigned long long)st->missed_periods,
	       st->wall_ns > 0 ? 100.0 * (double)st->cpu_ns / (double)st->wall_ns : 0.0,
	       (unsigned long long)st->switches, (long long)st->on_wall_ns);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sidecar_config cfg;
	struct sidecar_stats st = { 0 };

	sidecar_parse_args(argc, argv, &cfg);
	sidecar_install_signals(&cfg);
	/* the signals are taken from here on: a harness may switch it (and measure) after this */
	fputs("inject-sidecar: ready\n", stderr);
	sidecar_run(&cfg, &st);
	sidecar_print(&cfg, &st);
	return 0;
}
