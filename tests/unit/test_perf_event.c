/* test_perf_event.c — common/perf_event: the name table, the one open (CLOEXEC), the PMU probe,
 * kernel.perf_event_paranoid, and the messages for each refusal in each caller's form.
 * Refusals are fed as errnos, so every branch is checked whatever this machine allows. */
#include "perf_event.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "util.h"

static struct perf_event_attr attr_of(uint32_t type, uint64_t config)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	a.config = config;
	return a;
}

/* perf_event_why into a buffer; its exit code in *code. */
static const char *why(int err, const char *name, const struct perf_event_attr *a, pid_t pid,
		       enum perf_event_say say, int *code)
{
	static char buf[PERF_EVENT_REASON_LEN];
	*code = perf_event_why(err, name, a, pid, say, buf, sizeof(buf));
	return buf;
}

static void test_names(void)
{
	const struct perf_event_name *g = perf_event_name_find("cycles");
	CHECK(g && g->type == PERF_TYPE_HARDWARE && g->config == PERF_COUNT_HW_CPU_CYCLES, "cycles");
	CHECK(perf_event_name_find("CPU-Cycles:u") == g, "an alias, any case, a modifier: cycles");
	g = perf_event_name_find("cs");
	CHECK(g && !strcmp(g->name, "context-switches"), "cs is %s", g ? g->name : "NULL");
	g = perf_event_name_find("task-clock");
	CHECK(g && !strcmp(g->unit, "ns"), "task-clock's unit is ns");
	CHECK(!perf_event_name_find("cyc") && !perf_event_name_find("perf::cycles") &&
	      !perf_event_name_find("INST_RETIRED:ANY_P"), "only whole names of the table");
	for (int i = 0; i < perf_event_names_n; i++)
		CHECK(perf_event_name_find(perf_event_names[i].name) == &perf_event_names[i],
		      "%s found as another entry", perf_event_names[i].name);
}

static void test_open_is_cloexec(void)
{
	struct perf_event_attr a = attr_of(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	int fd;
	a.disabled = 1;
	a.exclude_kernel = 1;
	fd = perf_event_open_fd(&a, 0, -1, -1);
	if (fd < 0)
		SKIP("task-clock does not open on ourselves here");
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC, "fd %d is not close-on-exec", fd);
	close(fd);
}

/* The probe agrees with opening cycles ourselves, as it does. */
static void test_pmu_probe(void)
{
	struct perf_event_attr a = attr_of(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	int fd, e;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = perf_event_open_fd(&a, 0, -1, -1);
	e = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	CHECK(perf_event_pmu_errno() == e, "probe says %s, opening cycles says %s",
	      perf_event_errname(perf_event_pmu_errno()), perf_event_errname(e));
	CHECK(perf_event_have_pmu() == !(e == ENOENT || e == ENODEV || e == EOPNOTSUPP),
	      "have_pmu %d with %s", perf_event_have_pmu(), perf_event_errname(e));
}

static void test_paranoid(void)
{
	char *s = read_line("/proc/sys/kernel/perf_event_paranoid");
	int want = s ? atoi(s) : 2;
	free(s);
	CHECK(perf_event_paranoid() == want, "paranoid %d, the file says %d", perf_event_paranoid(), want);
}

/* Software events: the errno decides, in the three forms. */
static void test_why_software(void)
{
	struct perf_event_attr tc = attr_of(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	int code;
	CHECK(!strcmp(why(ENOENT, "task-clock", &tc, 0, PERF_EVENT_BRIEF, &code), "not supported here (ENOENT)") && code == EXIT_CANNOT,
	      "%s", why(ENOENT, "task-clock", &tc, 0, PERF_EVENT_BRIEF, &code));
	CHECK(!strcmp(why(ENOENT, "task-clock", &tc, 0, PERF_EVENT_REASON, &code),
		      "not supported: this kernel or PMU cannot count task-clock (ENOENT)"), "%s",
	      why(ENOENT, "task-clock", &tc, 0, PERF_EVENT_REASON, &code));
	CHECK(!strcmp(why(EOPNOTSUPP, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code),
		      "perf_event_open(cpu-clock): not supported by this kernel") && code == EXIT_CANNOT, "%s",
	      why(EOPNOTSUPP, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code));
	CHECK(!strcmp(why(ESRCH, "cpu-clock", &tc, 4242, PERF_EVENT_ERROR, &code), "pid 4242: no such process") &&
	      code == EXIT_USAGE, "ESRCH: %s, exit %d", why(ESRCH, "cpu-clock", &tc, 4242, PERF_EVENT_ERROR, &code), code);
	CHECK(strstr(why(EMFILE, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code), "out of file descriptors") &&
	      code == EXIT_FAIL, "EMFILE: exit %d", code);
	CHECK(strstr(why(EINVAL, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code), "kernel.perf_event_max_sample_rate") &&
	      code == EXIT_USAGE, "EINVAL: exit %d", code);
	CHECK(!strcmp(why(EINVAL, "task-clock", &tc, 0, PERF_EVENT_REASON, &code),
		      "invalid here: this kernel or PMU rejects task-clock (EINVAL)"), "EINVAL reason");
	CHECK(!strcmp(why(EBUSY, "task-clock", &tc, 0, PERF_EVENT_BRIEF, &code), "PMU busy (EBUSY)"), "EBUSY brief");
	CHECK(!strcmp(why(EBUSY, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code), "perf_event_open(cpu-clock): Device or resource busy") &&
	      code == EXIT_FAIL, "EBUSY error: %s", why(EBUSY, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code));
	CHECK(!strcmp(why(ENOMEM, "task-clock", &tc, 0, PERF_EVENT_REASON, &code),
		      "perf_event_open(task-clock) failed: Cannot allocate memory (ENOMEM)"), "ENOMEM reason");
}

/* Permission: the advice follows kernel.perf_event_paranoid, the target and the event. */
static void test_why_denied(void)
{
	struct perf_event_attr tc = attr_of(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	struct perf_event_attr cs = attr_of(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES);
	int p = perf_event_paranoid(), code;
	const char *s;
	CHECK(!strcmp(why(EACCES, "task-clock", &tc, 0, PERF_EVENT_BRIEF, &code), "permission denied (EACCES)") &&
	      code == EXIT_CANNOT, "brief");
	s = why(EACCES, "cpu-clock", &tc, -1, PERF_EVENT_ERROR, &code);
	CHECK(!strcmp(s, "perf_event_open(cpu-clock): permission denied — run as root or set "
		      "kernel.perf_event_paranoid <= 0 (system-wide sampling)") && code == EXIT_CANNOT, "every CPU: %s", s);
	s = why(EPERM, "cpu-clock", &tc, 1, PERF_EVENT_ERROR, &code);
	if (p > 2)
		CHECK(strstr(s, "paranoid <= 1 (it is ") != NULL, "paranoid %d: %s", p, s);
	else if (geteuid() != 0)
		CHECK(!strcmp(s, "perf_event_open(cpu-clock): permission denied on pid 1 — run as root or as its owner"), "%s", s);
	else
		CHECK(!strcmp(s, "perf_event_open(cpu-clock): permission denied — run as root or set kernel.perf_event_paranoid <= 1"), "%s", s);
	s = why(EACCES, "task-clock", &tc, 0, PERF_EVENT_REASON, &code);
	if (p > 2)
		CHECK(strstr(s, "denies perf_event_open to all but root") != NULL, "paranoid %d: %s", p, s);
	else if (p > 1)
		CHECK(strstr(s, "count user space only with 'task-clock:u'") != NULL, "paranoid %d: %s", p, s);
	else
		CHECK(!strcmp(s, "permission denied (EACCES): set kernel.perf_event_paranoid <= 1 or run as root"), "%s", s);
	s = why(EACCES, "context-switches", &cs, 0, PERF_EVENT_REASON, &code);
	if (p == 2)
		CHECK(strstr(s, "context-switches happen in the kernel") != NULL, "%s", s);
	CHECK(!strchr(s, '\n'), "one line: %s", s);
}

/* A core event on a machine without a PMU is that, whatever the errno (the kernel may refuse
 * on permission first); with a PMU the errno decides.  The samplers' errors keep their rule:
 * a generic hardware event that was not found. */
static void test_why_core(void)
{
	struct perf_event_attr cy = attr_of(PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES);
	struct perf_event_attr raw = attr_of(PERF_TYPE_RAW, 0xc0);
	const char *en = perf_event_errname(perf_event_pmu_errno()), *s;
	char want[256];
	int code;
	s = why(ENOENT, "cycles", &cy, 1, PERF_EVENT_ERROR, &code);
	CHECK(!strcmp(s, "perf_event_open(cycles): no hardware PMU here (the event is not supported) — sample with -e cpu-clock") &&
	      code == EXIT_CANNOT, "%s", s);
	s = why(ENOENT, "RETIRED_INSTRUCTIONS", &raw, 1, PERF_EVENT_ERROR, &code);
	CHECK(!strcmp(s, "perf_event_open(RETIRED_INSTRUCTIONS): not supported by this kernel") && code == EXIT_CANNOT, "%s", s);
	s = why(EACCES, "cycles", &cy, -1, PERF_EVENT_ERROR, &code);
	CHECK(strstr(s, "perf_event_open(cycles): permission denied — ") == s, "%s", s);
	if (perf_event_have_pmu()) {
		s = why(ENOENT, "cycles", &cy, 0, PERF_EVENT_REASON, &code);
		CHECK(!strcmp(s, "not supported: this kernel or PMU cannot count cycles (ENOENT)"), "%s", s);
		return;
	}
	s = why(EACCES, "cycles", &cy, 0, PERF_EVENT_BRIEF, &code);
	snprintf(want, sizeof(want), "no hardware PMU (%s)", en);
	CHECK(!strcmp(s, want) && code == EXIT_CANNOT, "%s, want %s", s, want);
	s = why(ENOENT, "cycles", &cy, 0, PERF_EVENT_REASON, &code);
	snprintf(want, sizeof(want), "no hardware PMU: cycles is not supported on this machine (%s)", en);
	CHECK(!strcmp(s, want), "%s, want %s", s, want);
	s = why(ENOENT, "RETIRED_INSTRUCTIONS", &raw, 0, PERF_EVENT_BRIEF, &code);
	snprintf(want, sizeof(want), "no hardware PMU (%s)", en);
	CHECK(!strcmp(s, want), "%s, want %s", s, want);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_names);
	RUN(test_open_is_cloexec);
	RUN(test_pmu_probe);
	RUN(test_paranoid);
	RUN(test_why_software);
	RUN(test_why_denied);
	RUN(test_why_core);
	perf_event_shutdown();
	return CHECK_DONE();
}
