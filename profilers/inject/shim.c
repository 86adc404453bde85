/* shim.c — libtare-inject.so: an LD_PRELOAD shim that adds a KNOWN CPU overhead to every
 * thread of its host, so that tare can show it recovers a known truth (calibration).
 *
 *   LD_PRELOAD=build/profilers/libtare-inject.so TARE_INJECT_PCT=5 ./workload
 *
 * Environment:
 *   TARE_INJECT_HZ=100		ticks per second of each thread's CPU time, in (0, 10000]
 *   TARE_INJECT_PCT=1		inflation of each thread's CPU per unit of work, in [0, 100)
 *   TARE_INJECT_US=N		or: spin N µs per tick, in [0, 1e6/HZ) (not both)
 *   TARE_INJECT_SIGNAL=4	the signal is SIGRTMIN+N, N in [0, SIGRTMAX-SIGRTMIN]
 *   TARE_INJECT_SEND_US=N	latency mode: spin N µs (thread CPU) before every send(2), so a
 *				server that replies with send() answers each request N µs later;
 *				without PCT or US set too, no CPU timers run at all
 *   TARE_INJECT_SWITCHBACK=1	switchback: inject only while the units page's arm is ON (below)
 *   TARE_INJECT_VERBOSE=1	print the configuration at start and the totals at exit
 * With neither PCT nor US set the shim injects 1%.  An invalid variable gets one line on
 * stderr and the shim does nothing at all: it never kills or changes its host otherwise.
 *
 * How: every thread gets a POSIX timer on its own CPU clock (CLOCK_THREAD_CPUTIME_ID,
 * SIGEV_THREAD_ID so the signal goes to that thread) that expires every P = 1/HZ of that
 * thread's CPU time; the handler spins for s ns, measured on the thread's CPU clock so
 * that preemption does not shorten it.  Like a sampling profiler's handler, the cost lands
 * where the thread was running, in proportion to its CPU time.
 *
 * The math.  The spin advances the same clock that drives the timer, so each period P of
 * thread CPU time holds s of spin and P - s of the host's own work.  The inflation of CPU per
 * unit of work is therefore s / (P - s), and for a requested inflation pct:
 *
 *	s / (P - s) = pct / 100   =>   s = P * pct / (100 + pct)
 *
 * e.g. 100 Hz, 5%: s = 10 ms * 5 / 105 = 476.19 µs.  With TARE_INJECT_US the spin is set
 * directly and the inflation is US / (P - US): 100 Hz x 100 µs = +1.0101%.
 *
 * Exactness: expirations the kernel folds into one signal (si_overrun, e.g. at HZ above
 * CONFIG_HZ, or while the signal was blocked) are each spun for, and each spin's overshoot
 * past its target is carried into the next one, so the spin total is exact to ~2.5 µs per
 * thread; the first tick comes at a random phase, so a thread's last, partial period is
 * not lost on average.  Not compensated: signal delivery and return (~1-3 µs per tick,
 * ~0.02% at 100 Hz; TARE_INJECT_PCT=0 keeps the timers and measures exactly that), and the
 * CPU a thread uses before its timer is armed or after it is deleted (clone, exit): it
 * matters only for very short-lived threads (20000 empty threads: +3.6% for +5%).
 *
 * Switchback (docs/switchback.md): with TARE_INJECT_SWITCHBACK=1 the shim maps the units page
 * the harness gave the workload (TARE_UNITS_FD, common/tare_units.h) and spins, on a tick
 * or before a send, only while its arm is TARE_ARM_ON; the harness switches the arm in the
 * guard time between two windows.  The timers keep running in off windows (re-arming every
 * thread's timer at each switch would have to reach into every thread): a tick there costs
 * only the signal's delivery and return, what TARE_INJECT_PCT=0 measures (~1-3 µs, ~0.02% at
 * 100 Hz), and spins nothing; so the off windows carry that floor and the on windows the
 * inflation asked for on top of it.  Ticks come at a phase of each thread's CPU clock, not of
 * the windows: a window of W of a thread's CPU gets W / P ticks on average.  Without the page
 * (no TARE_UNITS_FD, or not a v3 page) the shim says so in one line and injects nothing.
 *
 * Limits: threads made by pthread_create (interposed here) and the main thread (from the
 * constructor, and again in the child after fork) are covered; threads made by raw clone()
 * are not.  Like any signal-based profiler, a tick can make a blocking call (nanosleep,
 * poll, epoll_wait) return EINTR even with SA_RESTART.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "inject.h"
#include "parse.h"
#include "tare_units.h"	/* the switchback arm (-Iworkloads) */

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid	/* glibc < 2.41 lacks the name */
#endif

/* initial-exec: the handler must not call __tls_get_addr (it may allocate).  The shim is
 * preloaded, so its TLS is in the static block. */
#define INJECT_TLS __thread __attribute__((tls_model("initial-exec")))

#define INJECT_DEFAULT_HZ	100.0
#define INJECT_DEFAULT_PCT	1.0
#define INJECT_DEFAULT_SIGNAL	4

struct inject_config {
	double hz;
	double pct;		/* the inflation that s / (P - s) gives */
	int64_t period_ns;	/* P */
	int64_t spin_ns;	/* s */
	int signo;
	int sig_offset;
	bool verbose;
	bool timers;		/* the CPU-time ticks; off in pure latency mode */
	int64_t send_ns;	/* spin before each send(2); 0: send is not touched */
	bool switchback;	/* spin only while units->arm is TARE_ARM_ON */
};

struct inject_thread {
	timer_t timer;
	bool armed;
};

typedef int (*inject_pthread_create_fn)(pthread_t *, const pthread_attr_t *,
					void *(*)(void *), void *);
typedef ssize_t (*inject_send_fn)(int, const void *, size_t, int);

struct inject_start {
	void *(*start)(void *);
	void *arg;
};

static struct inject_config cfg;
static bool inject_enabled;
static pthread_key_t inject_key;
static inject_pthread_create_fn inject_real_create;
static inject_send_fn inject_real_send;
static uint64_t inject_sends;
static const struct tare_units *inject_units;	/* switchback: the harness's page, read-only */

/* Totals for TARE_INJECT_VERBOSE; updated with relaxed atomics (signal-safe, lock-free). */
static uint64_t inject_ticks;		/* expirations, including overruns */
static uint64_t inject_overruns;
static uint64_t inject_spin_total_ns;
static uint64_t inject_arm_failures;
static uint64_t inject_ticks_off;	/* expirations in switchback off windows: not spun */
/* Set when the totals are read at exit: the other threads still tick meanwhile, and a tick
 * counted between two of the reads would make the totals disagree with each other. */
static int inject_reporting;
static uint64_t inject_sends_off;

/* Switchback: whether this is an off window (an atomic load of the page's arm). */
static inline bool inject_off_window(void)
{
	return inject_units && tare_units_arm(inject_units) != TARE_ARM_ON;
}

static INJECT_TLS struct inject_thread inject_self;
static INJECT_TLS int64_t inject_carry_ns;	/* spin owed (+) or overshot (-) */

/* ---- the tick ---------------------------------------------------------------------- */

static void inject_on_tick(int sig, siginfo_t *si, void *uc)
{
	int saved_errno = errno;
	int64_t expirations, owed, spun;

	(void)sig;
	(void)uc;
	if (si->si_code != SI_TIMER || __atomic_load_n(&inject_reporting, __ATOMIC_ACQUIRE)) {
		/* someone else's kill(), not a tick; or the totals are being read */
		errno = saved_errno;
		return;
	}
	expirations = 1 + (si->si_overrun > 0 ? si->si_overrun : 0);
	if (inject_off_window()) {
		__atomic_add_fetch(&inject_ticks, (uint64_t)expirations, __ATOMIC_RELAXED);
		__atomic_add_fetch(&inject_ticks_off, (uint64_t)expirations, __ATOMIC_RELAXED);
		errno = saved_errno;
		return;
	}
	owed = expirations * cfg.spin_ns + inject_carry_ns;
	spun = inject_spin_ns(owed);
	inject_carry_ns = owed - spun;

	__atomic_add_fetch(&inject_ticks, (uint64_t)expirations, __ATOMIC_RELAXED);
	__atomic_add_fetch(&inject_overruns, (uint64_t)(expirations - 1), __ATOMIC_RELAXED);
	__atomic_add_fetch(&inject_spin_total_ns, (uint64_t)spun, __ATOMIC_RELAXED);
	errno = saved_errno;
}

/* ---- per-thread timers ------------------------------------------------------------- */

static void inject_warn_arm(const char *what, int err)
{
	/* One line per process: the calibration of this run is off, and the user should know. */
	if (__atomic_fetch_add(&inject_arm_failures, 1, __ATOMIC_RELAXED) == 0)
		fprintf(stderr, "tare-inject: %s: %s; some threads run without injection\n",
			what, strerror(err));
}

/* The first expiry at a random phase in (0, P]: a thread that runs T of CPU then gets T / P
 * ticks on average, where a fixed phase would lose half a tick per thread (short-lived
 * threads would be under-injected).  splitmix64 of the tid and the clock: any spread will do. */
static int64_t inject_first_tick_ns(void)
{
	uint64_t z = (uint64_t)inject_clock_ns(CLOCK_MONOTONIC) ^ ((uint64_t)gettid() << 32);

	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return 1 + (int64_t)(z % (uint64_t)cfg.period_ns);
}

/* Arm a timer on the calling thread's CPU clock that signals this thread. */
static void inject_arm_thread(void)
{
	struct sigevent sev;
	struct itimerspec its;
	int64_t first_ns;
	sigset_t set;

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = cfg.signo;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_THREAD_CPUTIME_ID, &sev, &inject_self.timer)) {
		inject_warn_arm("timer_create(CLOCK_THREAD_CPUTIME_ID)", errno);
		return;
	}
	first_ns = inject_first_tick_ns();
	its.it_interval.tv_sec = cfg.period_ns / INJECT_NS_PER_S;
	its.it_interval.tv_nsec = cfg.period_ns % INJECT_NS_PER_S;
	its.it_value.tv_sec = first_ns / INJECT_NS_PER_S;
	its.it_value.tv_nsec = first_ns % INJECT_NS_PER_S;
	if (timer_settime(inject_self.timer, 0, &its, NULL)) {
		inject_warn_arm("timer_settime", errno);
		timer_delete(inject_self.timer);
		return;
	}
	inject_self.armed = true;
	inject_carry_ns = 0;
	pthread_setspecific(inject_key, &inject_self);

	/* A thread inherits its creator's mask; a blocked tick would only pile up overruns. */
	sigemptyset(&set);
	sigaddset(&set, cfg.signo);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

/* Key destructor: runs when a thread exits (return, pthread_exit, cancellation), so that
 * timers of dead threads do not pile up against the process's timer limit. */
static void inject_disarm_thread(void *p)
{
	struct inject_thread *self = p;

	if (self->armed) {
		timer_delete(self->timer);
		self->armed = false;
	}
}

/* POSIX timers are not inherited across fork: the child's only thread needs its own. */
static void inject_after_fork_child(void)
{
	inject_ticks = inject_overruns = inject_spin_total_ns = inject_arm_failures = 0;
	inject_ticks_off = 0;
	inject_self.armed = false;
	inject_arm_thread();
}

/* ---- pthread_create interposition -------------------------------------------------- */

static inject_pthread_create_fn inject_next_create(void)
{
	inject_pthread_create_fn fn = __atomic_load_n(&inject_real_create, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = (inject_pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
		__atomic_store_n(&inject_real_create, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

static void *inject_thread_main(void *p)
{
	struct inject_start s = *(struct inject_start *)p;

	free(p);
	inject_arm_thread();
	return s.start(s.arg);
}

int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg)
{
	inject_pthread_create_fn next = inject_next_create();
	struct inject_start *s;
	int err;

	if (!next)
		return EAGAIN;
	if (!__atomic_load_n(&inject_enabled, __ATOMIC_ACQUIRE) || !cfg.timers)
		return next(thread, attr, start, arg);
	s = malloc(sizeof(*s));
	if (!s) {
		inject_warn_arm("malloc", ENOMEM);
		return next(thread, attr, start, arg);	/* never fail the host for our sake */
	}
	s->start = start;
	s->arg = arg;
	err = next(thread, attr, inject_thread_main, s);
	if (err)
		free(s);
	return err;
}

/* ---- send(2) interposition: the latency mode ---------------------------------------- */

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	inject_send_fn next = __atomic_load_n(&inject_real_send, __ATOMIC_ACQUIRE);

	if (!next) {
		next = (inject_send_fn)dlsym(RTLD_NEXT, "send");
		__atomic_store_n(&inject_real_send, next, __ATOMIC_RELEASE);
		if (!next) {
			errno = ENOSYS;
			return -1;
		}
	}
	/* CPU time, like a profiler's work on the request path: a preempted spin still costs
	 * the full amount, and the reply leaves that much later. */
	if (cfg.send_ns > 0 && __atomic_load_n(&inject_enabled, __ATOMIC_ACQUIRE)) {
		if (inject_off_window()) {
			__atomic_add_fetch(&inject_sends_off, 1, __ATOMIC_RELAXED);
		} else {
			inject_spin_ns(cfg.send_ns);
			__atomic_add_fetch(&inject_sends, 1, __ATOMIC_RELAXED);
		}
	}
	return next(fd, buf, len, flags);
}

/* ---- configuration ----------------------------------------------------------------- */

/* Reads a number from the environment if set; false (after one line on stderr) if it is
 * not a number in the range, which `range` spells out for the user. */
static bool inject_env_number(const char *name, const char *range, double lo, bool lo_open,
			      double hi, bool hi_open, double *out)
{
	const char *v = getenv(name);
	double x;

	if (!v)
		return true;
	if (!parse_number(v, lo, hi, &x) || (lo_open && x == lo) || (hi_open && x == hi)) {
		fprintf(stderr, "tare-inject: %s=%s: expected %s\n", name, v, range);
		return false;
	}
	*out = x;
	return true;
}

static int64_t inject_round(double x)
{
	return (int64_t)(x + 0.5);	/* x >= 0 here; no libm in the shim */
}

static bool inject_parse_env(struct inject_config *c)
{
	double pct = -1, us = -1, sig = INJECT_DEFAULT_SIGNAL, hz = INJECT_DEFAULT_HZ;
	int sig_max = SIGRTMAX - SIGRTMIN;
	const char *verbose = getenv("TARE_INJECT_VERBOSE");
	char range[96];

	if (!inject_env_number("TARE_INJECT_HZ", "a number in (0, 10000]", 0, true, 10000, false,
			       &hz))
		return false;
	c->hz = hz;
	c->period_ns = inject_round(1e9 / hz);

	if (!inject_env_number("TARE_INJECT_PCT", "a number in [0, 100)", 0, false, 100, true,
			       &pct))
		return false;
	snprintf(range, sizeof(range),
		 "a number of microseconds in [0, %.6g) (1e6 / TARE_INJECT_HZ)",
		 c->period_ns / 1e3);
	if (!inject_env_number("TARE_INJECT_US", range, 0, false, c->period_ns / 1e3, true, &us))
		return false;
	if (pct >= 0 && us >= 0) {
		fprintf(stderr, "tare-inject: TARE_INJECT_PCT and TARE_INJECT_US are both set: "
			"expected one of them\n");
		return false;
	}
	{
		double send_us = -1;
		if (!inject_env_number("TARE_INJECT_SEND_US", "a number of microseconds in [0, 1000000]", 0, false, 1e6,
				       false, &send_us))
			return false;
		c->send_ns = send_us > 0 ? inject_round(send_us * 1e3) : 0;
		/* Latency mode alone: no ticks, so the only change is the one asked for. */
		c->timers = !(send_us >= 0 && pct < 0 && us < 0);
	}
	if (us >= 0) {
		c->spin_ns = inject_round(us * 1e3);
	} else {
		if (pct < 0)
			pct = INJECT_DEFAULT_PCT;
		c->spin_ns = inject_round((double)c->period_ns * pct / (100.0 + pct));
	}
	c->pct = 100.0 * (double)c->spin_ns / (double)(c->period_ns - c->spin_ns);

	snprintf(range, sizeof(range), "an offset from SIGRTMIN, an integer in [0, %d]", sig_max);
	if (!inject_env_number("TARE_INJECT_SIGNAL", range, 0, false, sig_max, false, &sig))
		return false;
	if (sig != (int)sig) {
		fprintf(stderr, "tare-inject: TARE_INJECT_SIGNAL=%s: expected %s\n",
			getenv("TARE_INJECT_SIGNAL"), range);
		return false;
	}
	c->sig_offset = (int)sig;
	c->signo = SIGRTMIN + c->sig_offset;
	c->verbose = verbose && *verbose && strcmp(verbose, "0") != 0;
	{
		const char *sb = getenv("TARE_INJECT_SWITCHBACK");

		if (sb && strcmp(sb, "0") && strcmp(sb, "1")) {
			fprintf(stderr, "tare-inject: TARE_INJECT_SWITCHBACK=%s: expected 1 (or 0)\n", sb);
			return false;
		}
		c->switchback = sb && !strcmp(sb, "1");
	}
	return true;
}

/* Switchback: map the units page of TARE_UNITS_FD, read-only; false after one line. */
static bool inject_map_units(void)
{
	const char *fd = getenv("TARE_UNITS_FD");
	const struct tare_units *u;
	void *p;

	if (!fd || !*fd) {
		fprintf(stderr, "tare-inject: TARE_INJECT_SWITCHBACK=1 without TARE_UNITS_FD: no arm "
			"to follow; not injecting\n");
		return false;
	}
	p = mmap(NULL, TARE_UNITS_BYTES, PROT_READ, MAP_SHARED, atoi(fd), 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "tare-inject: TARE_UNITS_FD=%s: cannot map the units page (%s); "
			"not injecting\n", fd, strerror(errno));
		return false;
	}
	u = p;
	if (u->magic != TARE_UNITS_MAGIC || u->version < 3) {
		fprintf(stderr, "tare-inject: TARE_UNITS_FD=%s: not a units page of version 3 or "
			"later (no switchback arm); not injecting\n", fd);
		munmap(p, TARE_UNITS_BYTES);
		return false;
	}
	inject_units = u;
	return true;
}

/* SA_RESTART so that most interrupted calls resume; SA_SIGINFO for si_overrun.  A signal
 * the host already handles is left alone: stealing it would change the host's behaviour. */
static bool inject_install_handler(void)
{
	struct sigaction sa, old;

	if (sigaction(cfg.signo, NULL, &old) == 0 && old.sa_handler != SIG_DFL) {
		fprintf(stderr, "tare-inject: SIGRTMIN+%d is already in use in this process; "
			"set TARE_INJECT_SIGNAL to a free offset\n", cfg.sig_offset);
		return false;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = inject_on_tick;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(cfg.signo, &sa, NULL)) {
		fprintf(stderr, "tare-inject: sigaction(SIGRTMIN+%d): %s\n", cfg.sig_offset,
			strerror(errno));
		return false;
	}
	return true;
}

__attribute__((constructor)) static void inject_init(void)
{
	if (!inject_parse_env(&cfg))
		return;
	if (cfg.switchback && !inject_map_units())
		return;
	if (!cfg.timers) {
		if (cfg.verbose)
			fprintf(stderr, "tare-inject: pid %d: latency mode, %lld ns before each send()%s\n",
				(int)getpid(), (long long)cfg.send_ns,
				cfg.switchback ? " in on windows (switchback)" : "");
		__atomic_store_n(&inject_enabled, true, __ATOMIC_RELEASE);
		return;
	}
	if (!inject_install_handler())
		return;
	if (pthread_key_create(&inject_key, inject_disarm_thread)) {
		fprintf(stderr, "tare-inject: pthread_key_create failed; not injecting\n");
		signal(cfg.signo, SIG_DFL);
		return;
	}
	inject_next_create();
	pthread_atfork(NULL, NULL, inject_after_fork_child);
	if (cfg.verbose)
		fprintf(stderr, "tare-inject: pid %d: %.6g Hz, spin %lld ns per %lld ns tick, "
			"expected inflation +%.4f%%, signal SIGRTMIN+%d%s\n", (int)getpid(),
			cfg.hz, (long long)cfg.spin_ns, (long long)cfg.period_ns, cfg.pct,
			cfg.sig_offset, cfg.switchback ? ", in on windows (switchback)" : "");
	__atomic_store_n(&inject_enabled, true, __ATOMIC_RELEASE);
	inject_arm_thread();
}

/* The measured inflation counts the CPU of every thread, dead ones included (the process
 * CPU clock keeps them), against the spin they did. */
__attribute__((destructor)) static void inject_fini(void)
{
	uint64_t spin, ticks;
	int64_t cpu;

	if (!inject_enabled || !cfg.verbose)
		return;
	__atomic_store_n(&inject_reporting, 1, __ATOMIC_RELEASE);
	if (cfg.send_ns)
		fprintf(stderr, "tare-inject: pid %d: %llu send() calls delayed by %lld ns\n", (int)getpid(),
			(unsigned long long)__atomic_load_n(&inject_sends, __ATOMIC_RELAXED), (long long)cfg.send_ns);
	if (cfg.switchback)
		fprintf(stderr, "tare-inject: pid %d: switchback: %llu ticks and %llu send() calls in off "
			"windows (not spun)\n", (int)getpid(),
			(unsigned long long)__atomic_load_n(&inject_ticks_off, __ATOMIC_RELAXED),
			(unsigned long long)__atomic_load_n(&inject_sends_off, __ATOMIC_RELAXED));
	if (!cfg.timers)
		return;
	ticks = __atomic_load_n(&inject_ticks, __ATOMIC_RELAXED);
	spin = __atomic_load_n(&inject_spin_total_ns, __ATOMIC_RELAXED);
	cpu = inject_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	fprintf(stderr, "tare-inject: pid %d: %llu ticks (%llu overruns), %llu spin ns, "
		"%lld process CPU ns: inflation +%.4f%% (expected +%.4f%%%s)\n", (int)getpid(),
		(unsigned long long)ticks,
		(unsigned long long)__atomic_load_n(&inject_overruns, __ATOMIC_RELAXED),
		(unsigned long long)spin, (long long)cpu,
		cpu > (int64_t)spin ? 100.0 * (double)spin / (double)(cpu - (int64_t)spin) : 0.0,
		cfg.pct, cfg.switchback ? " in on windows; this is the whole run's" : "");
}
