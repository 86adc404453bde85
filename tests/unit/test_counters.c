/* test_counters.c — event names, their encodings against perf's own, and counts against the
 * kernel's CPU accounting on real child processes. */
#include "counters.h"   /* first: <linux/perf_event.h> before libpfm4's copy */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <perfmon/pfmlib_perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"
#include "procfs.h"
#include "sysstat.h"
#include "util.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static int one_line_msg(const char *s)
{
	return s[0] && !strchr(s, '\n');
}

/* The perf_event_attr perf itself builds for EVENT: `perf stat -vv` prints it, leaving out
 * zero fields.  0 on success; -1 when perf printed no attr block. */
struct perf_attr {
	unsigned long long type, config;
	int exclude_user, exclude_kernel;
};

static int perf_attr_of(const char *perf, const char *event, struct perf_attr *pa)
{
	char cmd[512], line[512];
	FILE *f;
	int in = 0, done = 0;
	memset(pa, 0, sizeof(*pa));
	snprintf(cmd, sizeof(cmd), "LC_ALL=C '%s' stat -vv -e '%s' true 2>&1", perf, event);
	if (!(f = popen(cmd, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char key[64];
		unsigned long long v;
		if (done)
			continue;
		if (!in) {
			in = !strncmp(line, "perf_event_attr:", 16);
			continue;
		}
		if (!strncmp(line, "----", 4)) {
			done = 1;
			continue;
		}
		/* "  config   0x1" and, in newer perf, "  type   1 (PERF_TYPE_SOFTWARE)" */
		if (sscanf(line, " %63s %lli", key, &v) != 2)
			continue;
		if (!strcmp(key, "type"))
			pa->type = v;
		else if (!strcmp(key, "config"))
			pa->config = v;
		else if (!strcmp(key, "exclude_user"))
			pa->exclude_user = (int)v;
		else if (!strcmp(key, "exclude_kernel"))
			pa->exclude_kernel = (int)v;
	}
	pclose(f);
	return done ? 0 : -1;
}

/* build/ from TARE_BUILD, else from where this program lives (build/tests/test_counters). */
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

static const struct counter_result *find(const struct counter_result *r, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

/* perf_event_encode, as counters_parse uses it: 1 here, 0 known but not here (why says
 * why), -1 not an event (why is the error). */
static int encode_name(const char *name, struct perf_event_attr *a, char *pmu, size_t pmulen, char *why, size_t len)
{
	struct perf_event_encoding enc;
	int r = perf_event_encode(name, &enc);
	*a = enc.attr;
	if (pmu)
		snprintf(pmu, pmulen, "%s", enc.pmu);
	snprintf(why, len, "%s", enc.reason);
	return r < 0 ? -1 : r;
}

static int pmu_here(void)
{
	char why[COUNTERS_REASON_LEN];
	return counters_probe("cycles:u", why, sizeof(why)) > 0;
}

/* Wait until the gated child blocks at its gate (state S), and return the CPU it has used so
 * far (ns, /proc/PID/schedstat): its set-up between fork and the gate, which rusage will
 * include but counters opened afterwards cannot — a few µs natively, milliseconds when this
 * test runs under valgrind, which emulates the child until it execs. */
static double cpu_before_gate_ns(pid_t pid)
{
	char path[64];
	for (int tries = 0; tries < 5000; tries++) {
		struct procfs_stat st;
		if (procfs_pid_stat(pid, &st) == 0 && st.state == 'S') {
			snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
			return (double)procfs_schedstat_ns(path);
		}
		usleep(1000);
	}
	return 0;
}

/* Run argv gated, counting names; results in r (n of them), the child's rusage in ru, and the
 * CPU it used before its counters were opened in pre_ns. */
/* stolen_ns: the machine's steal (and interrupt time, where the kernel accounts it apart) over
 * the window, time that task-clock counts and the task's CPU accounting does not. */
static int count_child(char *const *argv, const char *const *names, int nnames, struct counter_result *r,
		       struct rusage *ru, double *pre_ns, double *stolen_ns, int *opened, char *err, size_t errlen)
{
	struct counter_set *cs;
	struct counter_snap a, b;
	struct procstat ps0, ps1, d;
	int have_ps;
	struct spawn_opts o = { 0 };
	struct child c;
	struct child *one[1] = { &c };
	int n;
	if (counters_parse(&cs, names, nnames, err, errlen) < 0)
		return -1;
	o.argv = argv;
	o.stdout_path = "/dev/null";
	o.keep_fd = -1;
	if (child_spawn(&c, &o, err, errlen) < 0) {
		counters_free(cs);
		return -1;
	}
	*pre_ns = cpu_before_gate_ns(c.pid);
	*opened = counters_open(cs, c.pid, err, errlen);
	if (*opened < 0) {
		child_stop(&c, SIGKILL, 0);
		child_close(&c);
		counters_free(cs);
		return -1;
	}
	have_ps = procstat_read(&ps0) == 0;
	counters_snapshot(cs, &a);
	if (child_release(&c, argv[0], err, errlen) < 0 || child_wait_any(one, 1, 60ull * 1000000000) != 0) {
		if (!err[0])
			snprintf(err, errlen, "%s did not finish in 60 s", argv[0]);
		child_stop(&c, SIGKILL, 0);
		child_close(&c);
		counters_free(cs);
		return -1;
	}
	/* After the child has exited and been reaped: the counts are still there. */
	counters_snapshot(cs, &b);
	*stolen_ns = 0;
	if (have_ps && procstat_read(&ps1) == 0) {
		procstat_delta(&ps0, &ps1, &d);
		*stolen_ns = (double)d.steal_ns + (sysstat_irq_time_accounted() ? (double)(d.irq_ns + d.softirq_ns) : 0);
	}
	n = counters_window(cs, &a, &b, r, COUNTERS_MAX);
	*ru = c.ru;
	child_close(&c);
	counters_free(cs);
	return n;
}

/* ---- encodings -------------------------------------------------------------------------- */

static void test_generic_encodings(void)
{
	static const struct { const char *name; uint32_t type; uint64_t config; } want[] = {
		{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
		{ "cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
		{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
		{ "cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
		{ "branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
		{ "task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
		{ "cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
		{ "page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
		{ "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
		{ "context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
		{ "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
		{ "cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
		{ "minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
		/* not in libpfm4 4.13's perf PMU: the table's own encoding */
		{ "alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
		{ "emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct perf_event_attr a;
		char pmu[64], why[COUNTERS_REASON_LEN];
		int r = encode_name(want[i].name, &a, pmu, sizeof(pmu), why, sizeof(why));
		CHECK(r == 1, "%s: encode returned %d: %s", want[i].name, r, why);
		if (r != 1)
			continue;
		CHECK(a.type == want[i].type && a.config == want[i].config, "%s: type %u config %#llx, want %u %#llx",
		      want[i].name, a.type, (unsigned long long)a.config, want[i].type, (unsigned long long)want[i].config);
		/* no modifier: user and kernel, like perf stat as root; never the hypervisor */
		CHECK(!a.exclude_user && !a.exclude_kernel && a.exclude_hv, "%s: exclude user %d kernel %d hv %d, want 0 0 1",
		      want[i].name, a.exclude_user, a.exclude_kernel, a.exclude_hv);
		CHECK(!strcmp(pmu, "perf"), "%s: pmu '%s', want perf", want[i].name, pmu);
	}
}

static void test_modifiers(void)
{
	static const struct { const char *name; int eu, ek; } want[] = {
		{ "cycles:u", 0, 1 }, { "instructions:k", 1, 0 }, { "cycles:uk", 0, 0 }, { "cycles:u:k", 0, 0 },
		{ "task-clock:u", 0, 1 }, { "context-switches:k", 1, 0 },
		{ "alignment-faults:u", 0, 1 }, { "emulation-faults:k", 1, 0 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct perf_event_attr a;
		char why[COUNTERS_REASON_LEN];
		int r = encode_name(want[i].name, &a, NULL, 0, why, sizeof(why));
		CHECK(r == 1, "%s: encode returned %d: %s", want[i].name, r, why);
		if (r == 1)
			CHECK(a.exclude_user == want[i].eu && a.exclude_kernel == want[i].ek,
			      "%s: exclude_user %d exclude_kernel %d, want %d %d", want[i].name,
			      a.exclude_user, a.exclude_kernel, want[i].eu, want[i].ek);
	}
}

/* What libpfm4 fills in must be what perf itself asks the kernel for. */
static void test_encodings_match_perf(void)
{
	static const char *const names[] = {
		"cycles", "instructions", "cache-misses", "branch-misses", "task-clock", "page-faults",
		"context-switches", "cpu-migrations", "cycles:u", "instructions:k", "task-clock:u",
	};
	char *perf = which("perf");
	int compared = 0;
	if (!perf)
		SKIP("perf is not installed: cannot compare encodings with perf's");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct perf_event_attr a;
		struct perf_attr pa;
		char why[COUNTERS_REASON_LEN];
		unsigned long long cfg;
		if (perf_attr_of(perf, names[i], &pa) < 0) {
			CHECK(0, "%s stat -vv -e %s printed no perf_event_attr", perf, names[i]);
			continue;
		}
		if (encode_name(names[i], &a, NULL, 0, why, sizeof(why)) != 1) {
			CHECK(0, "%s: %s", names[i], why);
			continue;
		}
		/* Hybrid CPUs: newer perf puts the PMU's type in config's high 32 bits. */
		cfg = (pa.type == PERF_TYPE_HARDWARE || pa.type == PERF_TYPE_HW_CACHE) ? pa.config & 0xffffffffull : pa.config;
		CHECK(a.type == pa.type && a.config == cfg, "%s: tare type %u config %#llx, perf type %llu config %#llx",
		      names[i], a.type, (unsigned long long)a.config, pa.type, pa.config);
		CHECK(a.exclude_user == pa.exclude_user && a.exclude_kernel == pa.exclude_kernel,
		      "%s: tare exclude_user %d exclude_kernel %d, perf %d %d", names[i],
		      a.exclude_user, a.exclude_kernel, pa.exclude_user, pa.exclude_kernel);
		compared++;
	}
	CHECK(compared == (int)(sizeof(names) / sizeof(names[0])), "compared %d of %zu", compared, sizeof(names) / sizeof(names[0]));
	free(perf);
}

/* ---- bad names -------------------------------------------------------------------------- */

static void test_unknown_event(void)
{
	const char *names[] = { "task-clock", "foo" };
	struct counter_set *cs = (struct counter_set *)1;
	char err[512] = "";
	CHECK(counters_parse(&cs, names, 2, err, sizeof(err)) == -1, "'foo' parsed");
	CHECK(cs == NULL, "set not NULL after a failed parse");
	CHECK(!strcmp(err, "counters: unknown event 'foo' (tare events lists them)"), "err: %s", err);
}

static void test_bad_names_one_line(void)
{
	static const struct { const char *name; const char *says; } bad[] = {
		{ "cycles:bogus", "bad modifier" },
		{ "task-clock:x", "bad modifier" },
		{ "alignment-faults:z", "bad modifier" },
		{ "cycles:period=100000", "sampling" },
		{ "", "empty event name" },
		{ "nosuchpmu::cycles", "unknown event" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct counter_set *cs;
		const char *names[1] = { bad[i].name };
		char err[512] = "";
		int r = counters_parse(&cs, names, 1, err, sizeof(err));
		CHECK(r == -1, "'%s' parsed", bad[i].name);
		CHECK(one_line_msg(err) && !strncmp(err, "counters: ", 10) && strstr(err, bad[i].says) && strstr(err, bad[i].name),
		      "'%s': err '%s' should be one line naming it and saying '%s'", bad[i].name, err, bad[i].says);
		if (r == 0)
			counters_free(cs);
	}
	{
		struct counter_set *cs;
		const char *twice[] = { "cycles", "task-clock", "cycles" };
		char err[512] = "";
		CHECK(counters_parse(&cs, twice, 3, err, sizeof(err)) == -1 && strstr(err, "twice"), "twice: %s", err);
	}
	{
		struct counter_set *cs;
		const char *many[COUNTERS_MAX + 1];
		char err[512] = "";
		for (int i = 0; i <= COUNTERS_MAX; i++)
			many[i] = "task-clock";
		CHECK(counters_parse(&cs, many, COUNTERS_MAX + 1, err, sizeof(err)) == -1 && strstr(err, "at most"), "too many: %s", err);
	}
}

/* An event of a detected PMU that has no default unit mask: the error names one to use. */
static void test_needs_umask(void)
{
	pfm_pmu_t p;
	char name[320] = "";
	if (pfm_initialize() != PFM_SUCCESS)
		SKIP("libpfm4 did not initialise");
	pfm_for_all_pmus(p) {
		pfm_pmu_info_t pi;
		memset(&pi, 0, sizeof(pi));
		pi.size = sizeof(pi);
		if (name[0] || pfm_get_pmu_info(p, &pi) != PFM_SUCCESS || !pi.is_present || pi.type != PFM_PMU_TYPE_CORE)
			continue;
		for (int i = pi.first_event; i != -1 && !name[0]; i = pfm_get_event_next(i)) {
			pfm_event_info_t ei;
			struct perf_event_attr a;
			char why[COUNTERS_REASON_LEN], full[sizeof(name)];
			memset(&ei, 0, sizeof(ei));
			ei.size = sizeof(ei);
			if (pfm_get_event_info(i, PFM_OS_PERF_EVENT_EXT, &ei) != PFM_SUCCESS)
				continue;
			snprintf(full, sizeof(full), "%s::%s", pi.name, ei.name);
			if (encode_name(full, &a, NULL, 0, why, sizeof(why)) == -1 && strstr(why, "needs a unit mask"))
				snprintf(name, sizeof(name), "%s", full);
		}
	}
	if (!name[0])
		SKIP("no detected core PMU has an event that needs a unit mask");
	{
		struct counter_set *cs;
		const char *names[1] = { name };
		char err[512] = "";
		CHECK(counters_parse(&cs, names, 1, err, sizeof(err)) == -1, "%s parsed", name);
		CHECK(one_line_msg(err) && strstr(err, "needs a unit mask, e.g. '") && strstr(err, name), "%s: %s", name, err);
	}
}

/* Known, but for a PMU this machine does not have: parses, then is unsupported with why. */
static void test_other_machines_event(void)
{
	const char *intel = "INST_RETIRED:ANY_P:u", *amd = "RETIRED_INSTRUCTIONS:u";
	const char *names[1];
	struct perf_event_attr a;
	struct counter_set *cs;
	struct counter_snap s;
	struct counter_result r[1];
	char why[COUNTERS_REASON_LEN], err[512] = "";
	/* Whichever of the two is not this machine's. */
	names[0] = encode_name(intel, &a, NULL, 0, why, sizeof(why)) == 0 ? intel
		 : encode_name(amd, &a, NULL, 0, why, sizeof(why)) == 0 ? amd : NULL;
	if (!names[0])
		SKIP("this machine's PMU knows both INST_RETIRED and RETIRED_INSTRUCTIONS");
	CHECK(counters_parse(&cs, names, 1, err, sizeof(err)) == 0, "%s: %s", names[0], err);
	if (!cs)
		return;
	CHECK(counters_open(cs, getpid(), err, sizeof(err)) == 0, "%s opened: %s", names[0], err);
	counters_snapshot(cs, &s);
	counters_window(cs, &s, &s, r, 1);
	CHECK(!r[0].supported && !r[0].counted && strstr(r[0].reason, "not this machine's PMU"), "%s: supported %d reason '%s'",
	      names[0], r[0].supported, r[0].reason);
	counters_free(cs);
}

/* ---- counting --------------------------------------------------------------------------- */

/* task-clock over the cpu workload (two threads, so inherit covers threads) agrees with the
 * kernel's own CPU accounting of the process, from wait4, within 2%.
 *
 * On a quiet machine they agree to -0.1..+0.9%.  Under contention task-clock reads higher, in
 * proportion to the involuntary context switches (see counters.h; likely perf stopping a task's
 * clock later in a switch than the scheduler stops charging it).  Measured here: ~4 µs a switch
 * under a wakeup-heavy load, up to +5% in all while another engineer's JVM shared the 2 CPUs.
 * So the upper bound allows 20 µs per context switch counted in the same window.  It allows the
 * machine's steal in the window too: task-clock runs on the perf clock, which goes on while the
 * hypervisor has the vCPU, and the scheduler's charge does not (CI saw +2.48% with 11 switches
 * while 12% of the CPU time was stolen).  The lower bound stays at 2%. */
static void test_task_clock_matches_rusage(void)
{
	char cpu[PATH_MAX + 32], err[512] = "";
	const char *names[] = { "task-clock", "page-faults", "cycles", "instructions", "context-switches" };
	struct counter_result r[COUNTERS_MAX];
	const struct counter_result *tc, *pf, *cy, *cs;
	struct rusage ru;
	int opened, n;
	double want, pre, slack, stolen;
	snprintf(cpu, sizeof(cpu), "%s/workloads/cpu", build_dir());
	if (access(cpu, X_OK) != 0)
		SKIP("build/workloads/cpu is missing: run make");
	{
		char *argv[] = { cpu, "--units", "10000", "--threads", "2", NULL };
		n = count_child(argv, names, 5, r, &ru, &pre, &stolen, &opened, err, sizeof(err));
	}
	CHECK(n == 5, "count_child: %d: %s", n, err);
	if (n != 5)
		return;
	tc = find(r, n, "task-clock");
	pf = find(r, n, "page-faults");
	cy = find(r, n, "cycles");
	cs = find(r, n, "context-switches");
	want = (double)rusage_cpu_ns(&ru) - pre;
	slack = (cs->counted ? 20e3 * cs->value : 0) + stolen;
	CHECK(tc->supported && tc->counted && !strcmp(tc->unit, "ns"), "task-clock: %s", tc->reason);
	CHECK(want > 50e6, "the workload used %.1f ms of CPU; too little to compare", want / 1e6);
	CHECK(tc->value >= 0.98 * want && tc->value <= 1.02 * want + slack,
	      "task-clock %.3f ms, rusage %.3f ms (%+.2f%%; allowed -2%%..+2%% + %.3f ms for %.0f context switches and %.0f ms "
	      "stolen; %.3f ms before the gate left out)",
	      tc->value / 1e6, want / 1e6, 100 * (tc->value - want) / want, slack / 1e6, cs->value, stolen / 1e6, pre / 1e6);
	CHECK(!tc->scaled && tc->running_ratio == 1, "task-clock scaled %d ratio %g", tc->scaled, tc->running_ratio);
	CHECK(pf->counted && pf->value > 10, "page-faults %g: %s", pf->value, pf->reason);
	/* Software events share one group: one read takes both. */
	CHECK(tc->group == 0 && pf->group == 0, "task-clock group %d, page-faults group %d; want 0, 0", tc->group, pf->group);
	if (pmu_here()) {
		CHECK(cy->supported && cy->counted && cy->value > 0, "cycles: %g %s", cy->value, cy->reason);
		CHECK(opened == 5, "opened %d of 5", opened);
	} else {
		/* No PMU: reported as unsupported with the reason, never as a zero count. */
		CHECK(!cy->supported && !cy->counted && cy->value == 0, "cycles supported %d counted %d", cy->supported, cy->counted);
		CHECK(!strcmp(cy->reason, "no hardware PMU: cycles is not supported on this machine (ENOENT)"), "cycles reason: %s", cy->reason);
		CHECK(opened == 3, "opened %d, want 3 (the software events)", opened);
	}
}

/* A shell that runs `sleep` N times: each sleep blocks (a context switch), and each is a child
 * that exits before the window ends — inherit must have folded its counts in. */
static void test_context_switches_of_sleeping_children(void)
{
	enum { N = 20 };
	char script[256], err[512] = "";
	const char *names[] = { "context-switches", "task-clock", "cpu-migrations", "minor-faults" };
	struct counter_result r[COUNTERS_MAX];
	const struct counter_result *cs, *tc, *mf;
	struct rusage ru;
	int opened, n;
	double cpu, pre, stolen;
	snprintf(script, sizeof(script), "i=0; while [ $i -lt %d ]; do sleep 0.01; i=$((i+1)); done", N);
	{
		char *argv[] = { "/bin/sh", "-c", script, NULL };
		n = count_child(argv, names, 4, r, &ru, &pre, &stolen, &opened, err, sizeof(err));
	}
	CHECK(n == 4 && opened == 4, "count_child: %d opened %d: %s", n, opened, err);
	if (n != 4)
		return;
	cs = find(r, n, "context-switches");
	tc = find(r, n, "task-clock");
	mf = find(r, n, "minor-faults");
	CHECK(cs->counted && cs->value >= N, "context-switches %g, want >= %d", cs->value, N);
	/* The shell alone takes a few hundred faults; each exec of sleep, about a hundred more. */
	CHECK(mf->counted && mf->value >= 20.0 * N, "minor-faults %g: the sleeps' faults are missing", mf->value);
	/* wait4's rusage includes the children the shell reaped; so must task-clock. */
	cpu = (double)rusage_cpu_ns(&ru) - pre;
	CHECK(tc->value >= 0.8 * cpu && tc->value <= 1.2 * cpu + 2e6 + stolen,
	      "task-clock %.2f ms, rusage of sh and its children %.2f ms (%.0f ms stolen)", tc->value / 1e6, cpu / 1e6,
	      stolen / 1e6);
}

/* The default set: software events count; the hardware ones are optional and, without a PMU,
 * unsupported with the reason. */
static void test_default_set(void)
{
	static const char *const want[] = { "task-clock", "context-switches", "cpu-migrations", "page-faults",
					    "cycles", "instructions", "cache-misses", "branch-misses" };
	struct counter_set *cs;
	struct counter_snap a, b;
	struct counter_result r[COUNTERS_MAX];
	char err[512] = "";
	volatile double x = 0;
	int n, opened;
	CHECK(counters_default(&cs, err, sizeof(err)) == 0, "%s", err);
	if (!cs)
		return;
	CHECK(counters_count(cs) == 8, "%d events", counters_count(cs));
	opened = counters_open(cs, getpid(), err, sizeof(err));
	CHECK(opened >= 4, "opened %d: %s", opened, err);
	CHECK(counters_snapshot(cs, &a) == 0, "snapshot: %s", strerror(errno));
	for (int i = 0; i < 3000000; i++)
		x += i * 0.5;
	CHECK(x > 0, "the busy loop did not run");
	CHECK(counters_snapshot(cs, &b) == 0, "snapshot: %s", strerror(errno));
	n = counters_window(cs, &a, &b, r, COUNTERS_MAX);
	CHECK(n == 8, "%d results", n);
	for (int i = 0; i < n && i < 8; i++) {
		CHECK(!strcmp(r[i].name, want[i]), "result %d is %s, want %s", i, r[i].name, want[i]);
		CHECK(r[i].optional == (i >= 4), "%s optional %d", r[i].name, r[i].optional);
		if (i < 4)
			CHECK(r[i].supported && r[i].counted, "%s: %s", r[i].name, r[i].reason);
		else if (!pmu_here())
			CHECK(!r[i].supported && strstr(r[i].reason, "no hardware PMU") && strstr(r[i].reason, r[i].name),
			      "%s: supported %d reason '%s'", r[i].name, r[i].supported, r[i].reason);
	}
	CHECK(r[0].value > 0, "task-clock %g over a busy loop", r[0].value);
	counters_free(cs);
}

/* The window's arithmetic: differences, multiplex scaling, and what is not a measurement. */
static void test_window_scaling(void)
{
	const char *names[] = { "task-clock" };
	struct counter_set *cs;
	struct counter_snap a, b;
	struct counter_result r[1];
	char err[512] = "";
	CHECK(counters_parse(&cs, names, 1, err, sizeof(err)) == 0, "%s", err);
	if (!cs)
		return;
	CHECK(counters_open(cs, getpid(), err, sizeof(err)) == 1, "open: %s", err);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.n = b.n = 1;
	a.r[0] = (struct counter_reading){ .value = 100, .enabled_ns = 1000, .running_ns = 500, .ok = 1 };
	b.r[0] = (struct counter_reading){ .value = 1100, .enabled_ns = 3000, .running_ns = 1500, .ok = 1 };
	counters_window(cs, &a, &b, r, 1);
	CHECK(r[0].counted && r[0].raw == 1000 && r[0].value == 2000 && r[0].scaled && r[0].running_ratio == 0.5,
	      "multiplexed half the time: counted %d raw %llu value %g scaled %d ratio %g", r[0].counted,
	      (unsigned long long)r[0].raw, r[0].value, r[0].scaled, r[0].running_ratio);
	b.r[0].running_ns = 500;   /* never on a counter in the window */
	counters_window(cs, &a, &b, r, 1);
	CHECK(!r[0].counted && strstr(r[0].reason, "never got a hardware counter"), "running 0: counted %d '%s'", r[0].counted, r[0].reason);
	b.r[0] = (struct counter_reading){ .value = 100, .enabled_ns = 1000, .running_ns = 500, .ok = 1 };
	counters_window(cs, &a, &b, r, 1);
	CHECK(r[0].counted && r[0].value == 0 && !r[0].scaled && r[0].running_ratio == 1, "idle window: counted %d value %g",
	      r[0].counted, r[0].value);
	b.r[0].ok = 0;
	b.r[0].err = EIO;
	counters_window(cs, &a, &b, r, 1);
	CHECK(!r[0].counted && strstr(r[0].reason, "reading task-clock failed"), "failed read: '%s'", r[0].reason);
	counters_free(cs);
}

/* close keeps the parse: the next trial opens the same set again. */
static void test_close_and_reopen(void)
{
	const char *names[] = { "task-clock", "context-switches" };
	struct counter_set *cs;
	struct counter_snap s;
	char err[512] = "";
	CHECK(counters_parse(&cs, names, 2, err, sizeof(err)) == 0, "%s", err);
	if (!cs)
		return;
	CHECK(counters_open(cs, getpid(), err, sizeof(err)) == 2, "first open: %s", err);
	counters_close(cs);
	counters_snapshot(cs, &s);
	CHECK(!s.r[0].ok && !s.r[1].ok, "closed counters read ok");
	CHECK(counters_open(cs, getpid(), err, sizeof(err)) == 2, "second open: %s", err);
	CHECK(counters_open(cs, getpid(), err, sizeof(err)) == 2, "open of an open set: %s", err);
	CHECK(counters_snapshot(cs, &s) == 0 && s.r[0].ok && s.r[1].ok, "snapshot after reopen");
	counters_free(cs);
}

/* A process that is gone is a hard error, and nothing is left open. */
static void test_open_on_missing_process(void)
{
	const char *names[] = { "task-clock" };
	struct counter_set *cs;
	char err[512] = "";
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	CHECK(counters_parse(&cs, names, 1, err, sizeof(err)) == 0, "%s", err);
	if (!cs)
		return;
	CHECK(counters_open(cs, pid, err, sizeof(err)) == -1, "opened on reaped PID %d", (int)pid);
	CHECK(one_line_msg(err) && strstr(err, "no such process"), "err: %s", err);
	counters_free(cs);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_generic_encodings);
	RUN(test_modifiers);
	RUN(test_encodings_match_perf);
	RUN(test_unknown_event);
	RUN(test_bad_names_one_line);
	RUN(test_needs_umask);
	RUN(test_other_machines_event);
	RUN(test_task_clock_matches_rusage);
	RUN(test_context_switches_of_sleeping_children);
	RUN(test_default_set);
	RUN(test_window_scaling);
	RUN(test_close_and_reopen);
	RUN(test_open_on_missing_process);
	perf_event_shutdown();
	return CHECK_DONE();
}
