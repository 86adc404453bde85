/* test_inject.c — the inject shim (profilers/inject/shim.c) under switchback: with
 * TARE_INJECT_SWITCHBACK=1 it spins only while the units page's arm is TARE_ARM_ON.
 *
 * Each case runs build/workloads/cpu with the shim preloaded and a units page this test makes
 * (a memfd, as the harness does), sets the arm phase by phase, stops the workload with SIGTERM
 * and reads the shim's exit totals (TARE_INJECT_VERBOSE).  The checks are on counts, never on
 * times: every tick in an off window is counted as such and spins nothing, and the spin total
 * is exactly the on ticks' share (each tick owes s; the carry leaves at most one overshoot,
 * a few µs, per thread). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "tare_units.h"

#define HZ		1000
#define PCT		10
#define SPIN_NS		90909	/* P * pct / (100 + pct) = 1 ms * 10 / 110, rounded */
#define OVERSHOOT_NS	200000	/* the carry's bound, generously: one chunk is ~2.5 µs */

/* build/ from TARE_BUILD, else from where this program lives (build/tests/test_inject). */
static const char *build_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("TARE_BUILD");
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return "build";
	dir[n] = '\0';
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(dir, '/');

		if (slash)
			*slash = '\0';
	}
	return dir;
}

struct totals {
	int have_ticks, have_switchback;
	long long ticks, overruns, spin_ns, ticks_off, sends_off;
	char err[8192];		/* the workload's stderr */
};

/* A units page as the harness makes it: magic, version, slots; arm OFF. */
static struct tare_units *units_page(int *fd)
{
	struct tare_units *u;

	*fd = memfd_create("tare-units-test", 0);	/* inherited: no MFD_CLOEXEC */
	if (*fd < 0 || ftruncate(*fd, TARE_UNITS_BYTES) < 0)
		return NULL;
	u = mmap(NULL, TARE_UNITS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (u == MAP_FAILED)
		return NULL;
	memset(u, 0, TARE_UNITS_BYTES);
	u->magic = TARE_UNITS_MAGIC;
	u->version = TARE_UNITS_VERSION;
	u->nslots = TARE_UNITS_SLOTS;
	return u;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Run the cpu workload with the shim and env (NULL-terminated "K=V" strings, the units fd
 * added when fd >= 0); arm[i] for phase i, phase_ms each; then SIGTERM and the totals.
 * 0, or -1 when it could not run. */
static int run_cpu(struct tare_units *u, int fd, const char *const *env, const int *arm,
		   int nphases, int phase_ms, struct totals *t)
{
	char cpu[PATH_MAX], shim[PATH_MAX], preload[PATH_MAX + 16], units_fd[32];
	char *envp[16], *argv[] = { cpu, "--threads", "2", "--duration", "30", NULL };
	int err[2], n = 0, st;
	size_t len = 0;
	ssize_t r;
	pid_t pid;

	memset(t, 0, sizeof(*t));
	snprintf(cpu, sizeof(cpu), "%s/workloads/cpu", build_dir());
	snprintf(shim, sizeof(shim), "%s/profilers/libtare-inject.so", build_dir());
	if (access(cpu, X_OK) || access(shim, R_OK))
		return -1;
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", shim);
	envp[n++] = preload;
	if (fd >= 0) {
		snprintf(units_fd, sizeof(units_fd), "TARE_UNITS_FD=%d", fd);
		envp[n++] = units_fd;
	}
	for (int i = 0; env[i] && n < 15; i++)
		envp[n++] = (char *)env[i];
	envp[n] = NULL;
	if (u)
		tare_units_set_arm(u, (enum tare_arm)arm[0]);
	if (pipe2(err, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(err[1], 2);
		execve(cpu, argv, envp);
		_exit(127);
	}
	close(err[1]);
	for (int i = 0; i < nphases; i++) {
		if (u)
			tare_units_set_arm(u, (enum tare_arm)arm[i]);
		sleep_ms(phase_ms);
	}
	kill(pid, SIGTERM);
	while ((r = read(err[0], t->err + len, sizeof(t->err) - 1 - len)) > 0 ||
	       (r < 0 && errno == EINTR))
		len += r > 0 ? (size_t)r : 0;
	t->err[len] = '\0';
	close(err[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (char *line = t->err; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *p;

		if ((p = strstr(line, " ticks (")) && strstr(line, "spin ns") &&
		    sscanf(strchr(line, ':') + 1, " pid %*d: %lld ticks (%lld overruns), %lld spin ns",
			   &t->ticks, &t->overruns, &t->spin_ns) == 3)
			t->have_ticks = 1;
		if ((p = strstr(line, "switchback: ")) &&
		    sscanf(p, "switchback: %lld ticks and %lld send() calls", &t->ticks_off,
			   &t->sends_off) == 2)
			t->have_switchback = 1;
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static const char *const switchback_env[] = { "TARE_INJECT_SWITCHBACK=1", "TARE_INJECT_VERBOSE=1",
					      "TARE_INJECT_HZ=1000", "TARE_INJECT_PCT=10", NULL };

/* The spin is the on ticks' share: ticks_on x s, plus at most one overshoot per thread. */
static void check_spin(const struct totals *t)
{
	long long on = t->ticks - t->ticks_off, want = on * SPIN_NS;

	CHECK(t->spin_ns >= want - 1000 && t->spin_ns <= want + 3 * OVERSHOOT_NS,
	      "spin %lld ns for %lld on ticks: want %lld (+ at most %d)", t->spin_ns, on, want,
	      3 * OVERSHOOT_NS);
}

static void test_off_window_spins_nothing(void)
{
	struct totals t;
	int fd, arm[] = { TARE_ARM_OFF };
	struct tare_units *u = units_page(&fd);

	if (!u)
		SKIP("memfd_create/mmap failed");
	if (run_cpu(u, fd, switchback_env, arm, 1, 400, &t) < 0)
		SKIP("build/workloads/cpu or the shim is missing, or the workload failed: run make");
	CHECK(t.have_ticks && t.have_switchback, "no totals from the shim: %s", t.err);
	CHECK(t.ticks > 0, "no ticks at all in 0.4 s of CPU: %s", t.err);
	CHECK(t.ticks_off == t.ticks, "%lld ticks, %lld of them off: every one is off", t.ticks,
	      t.ticks_off);
	CHECK(t.spin_ns == 0, "spun %lld ns with the arm off", t.spin_ns);
	close(fd);
	munmap(u, TARE_UNITS_BYTES);
}

static void test_on_window_spins(void)
{
	struct totals t;
	int fd, arm[] = { TARE_ARM_ON };
	struct tare_units *u = units_page(&fd);

	if (!u)
		SKIP("memfd_create/mmap failed");
	if (run_cpu(u, fd, switchback_env, arm, 1, 400, &t) < 0)
		SKIP("build/workloads/cpu or the shim is missing, or the workload failed: run make");
	CHECK(t.have_ticks && t.have_switchback, "no totals from the shim: %s", t.err);
	CHECK(t.ticks > 0 && t.ticks_off == 0, "%lld ticks, %lld off: none off", t.ticks, t.ticks_off);
	check_spin(&t);
	close(fd);
	munmap(u, TARE_UNITS_BYTES);
}

/* The arm is read at every tick: flipped while the workload runs, the ticks split between
 * the two and only the on ones spin. */
static void test_follows_the_arm(void)
{
	struct totals t;
	int fd, arm[] = { TARE_ARM_OFF, TARE_ARM_ON, TARE_ARM_OFF, TARE_ARM_ON, TARE_ARM_OFF };
	struct tare_units *u = units_page(&fd);

	if (!u)
		SKIP("memfd_create/mmap failed");
	if (run_cpu(u, fd, switchback_env, arm, 5, 200, &t) < 0)
		SKIP("build/workloads/cpu or the shim is missing, or the workload failed: run make");
	CHECK(t.have_ticks && t.have_switchback, "no totals from the shim: %s", t.err);
	CHECK(t.ticks_off > 0 && t.ticks - t.ticks_off > 0, "%lld ticks, %lld off: want both",
	      t.ticks, t.ticks_off);
	check_spin(&t);
	close(fd);
	munmap(u, TARE_UNITS_BYTES);
}

/* Without TARE_INJECT_SWITCHBACK the page's arm means nothing to the shim: it spins. */
static void test_without_switchback_the_arm_is_ignored(void)
{
	static const char *const env[] = { "TARE_INJECT_VERBOSE=1", "TARE_INJECT_HZ=1000",
					   "TARE_INJECT_PCT=10", NULL };
	struct totals t;
	int fd, arm[] = { TARE_ARM_OFF };
	struct tare_units *u = units_page(&fd);

	if (!u)
		SKIP("memfd_create/mmap failed");
	if (run_cpu(u, fd, env, arm, 1, 300, &t) < 0)
		SKIP("build/workloads/cpu or the shim is missing, or the workload failed: run make");
	CHECK(t.have_ticks && !t.have_switchback, "want totals and no switchback line: %s", t.err);
	CHECK(t.ticks > 0, "no ticks: %s", t.err);
	t.ticks_off = 0;
	check_spin(&t);
	close(fd);
	munmap(u, TARE_UNITS_BYTES);
}

/* No page to follow, or a bad value: one line, and the shim does nothing at all. */
static void test_switchback_without_a_page(void)
{
	static const char *const bad[] = { "TARE_INJECT_SWITCHBACK=yes", "TARE_INJECT_VERBOSE=1", NULL };
	struct totals t;
	int arm[] = { TARE_ARM_ON };

	if (run_cpu(NULL, -1, switchback_env, arm, 1, 100, &t) < 0)
		SKIP("build/workloads/cpu or the shim is missing, or the workload failed: run make");
	CHECK(strstr(t.err, "tare-inject: TARE_INJECT_SWITCHBACK=1 without TARE_UNITS_FD"),
	      "want the reason: %s", t.err);
	CHECK(!t.have_ticks && !strstr(t.err, "Hz, spin"), "the shim injected: %s", t.err);
	run_cpu(NULL, -1, bad, arm, 1, 100, &t);
	CHECK(strstr(t.err, "tare-inject: TARE_INJECT_SWITCHBACK=yes: expected 1 (or 0)"),
	      "want the reason: %s", t.err);
	CHECK(!t.have_ticks, "the shim injected: %s", t.err);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_off_window_spins_nothing);
	RUN(test_on_window_spins);
	RUN(test_follows_the_arm);
	RUN(test_without_switchback_the_arm_is_ignored);
	RUN(test_switchback_without_a_page);
	return CHECK_DONE();
}
