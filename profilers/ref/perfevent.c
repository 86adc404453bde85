/* perfevent.c — perf_event_attr for the sampler, and what to say when the kernel refuses. */
#include "perfevent.h"

#include "counters.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Software clocks work everywhere; the generic hardware events need a PMU (this VM has none).
 * Other names go to libpfm4 through harness/counters.h. */
static const struct event_spec perfevent_known[] = {
	{ "cpu-clock",    PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK,      1, "cpu", "nanoseconds", 0, 0 },
	{ "task-clock",   PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK,     1, "cpu", "nanoseconds", 0, 0 },
	{ "cycles",       PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,     0, "cycles", "count", 0, 0 },
	{ "cpu-cycles",   PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES,     0, "cycles", "count", 0, 0 },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,   0, "instructions", "count", 0, 0 },
};

int perfevent_lookup(const char *name, struct event_spec *ev, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(perfevent_known) / sizeof(perfevent_known[0]); i++) {
		if (!strcmp(name, perfevent_known[i].name)) {
			*ev = perfevent_known[i];
			return 0;
		}
	}
	{
		/* A PMU event by its libpfm4 name (e.g. INST_RETIRED:ANY_P): encoded as counters.c
		 * does; whether it opens here is the kernel's answer, at open. */
		static char held[COUNTERS_NAME_LEN];
		struct perf_event_attr attr;
		char pmu[64], reason[COUNTERS_REASON_LEN];
		if (counters_encode(name, &attr, pmu, sizeof(pmu), reason, sizeof(reason)) < 0) {
			snprintf(err, errlen, "-e %s: %s", name,
				 strncmp(reason, "counters: ", 10) ? reason : reason + 10);
			return -1;
		}
		snprintf(held, sizeof(held), "%s", name);
		*ev = (struct event_spec){ .name = held, .type = attr.type, .config = attr.config,
					   .config1 = attr.config1, .config2 = attr.config2,
					   .value_type = held, .value_unit = "count" };
		return 0;
	}
}

void perfevent_attr(const struct event_spec *ev, uint64_t freq_hz, uint64_t period, int inherit,
		int enable_on_exec, int exclude_kernel, struct perf_event_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = ev->type;
	a->config = ev->config;
	a->config1 = ev->config1;
	a->config2 = ev->config2;
	if (freq_hz) {
		a->freq = 1;
		a->sample_freq = freq_hz;
	} else
		a->sample_period = period;
	a->sample_type = PERFEVENT_SAMPLE_TYPE;
	/* counts read at exit give the CPU time the event covered: the effective rate's base */
	a->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->inherit = (unsigned)inherit;
	a->disabled = (unsigned)enable_on_exec;
	a->enable_on_exec = (unsigned)enable_on_exec;
	a->exclude_kernel = (unsigned)exclude_kernel;
	a->exclude_hv = 1;
	a->exclude_callchain_kernel = 0;
	/* wake the reader when a share of the ring has filled, not at every sample */
	a->watermark = 1;
}

int perfevent_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static int paranoid(void)
{
	uint64_t v;

	return read_u64("/proc/sys/kernel/perf_event_paranoid", &v) == 0 ? (int)v : 2;
}

uint64_t perfevent_max_sample_rate(void)
{
	uint64_t v;

	return read_u64("/proc/sys/kernel/perf_event_max_sample_rate", &v) == 0 ? v : 0;
}

int perfevent_open_error(const struct event_spec *ev, int err, enum event_target target, pid_t pid,
		     char *buf, size_t len)
{
	switch (err) {
	case EACCES:
	case EPERM:
		if (target == EVENT_TARGET_CPU)
			snprintf(buf, len, "perf_event_open(%s): permission denied — run as root or "
				 "set kernel.perf_event_paranoid <= 0 (system-wide sampling)", ev->name);
		else if (paranoid() > 2)
			snprintf(buf, len, "perf_event_open(%s): permission denied — run as root or "
				 "set kernel.perf_event_paranoid <= 1 (it is %d)", ev->name, paranoid());
		else if (geteuid() != 0)
			snprintf(buf, len, "perf_event_open(%s): permission denied on pid %d — run as "
				 "root or as its owner", ev->name, (int)pid);
		else
			snprintf(buf, len, "perf_event_open(%s): permission denied — run as root or "
				 "set kernel.perf_event_paranoid <= 1", ev->name);
		return EXIT_CANNOT;
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		if (ev->type == PERF_TYPE_HARDWARE)
			snprintf(buf, len, "perf_event_open(%s): no hardware PMU here (the event is "
				 "not supported) — sample with -e cpu-clock", ev->name);
		else
			snprintf(buf, len, "perf_event_open(%s): not supported by this kernel",
				 ev->name);
		return EXIT_CANNOT;
	case ESRCH:
		snprintf(buf, len, "pid %d: no such process", (int)pid);
		return EXIT_USAGE;
	case EMFILE:
	case ENFILE:
		snprintf(buf, len, "perf_event_open(%s): out of file descriptors (one per thread "
			 "and CPU) — raise ulimit -n", ev->name);
		return EXIT_FAIL;
	case EINVAL:
		snprintf(buf, len, "perf_event_open(%s): invalid argument — is the rate above "
			 "kernel.perf_event_max_sample_rate (%llu)?", ev->name,
			 (unsigned long long)perfevent_max_sample_rate());
		return EXIT_USAGE;
	default:
		snprintf(buf, len, "perf_event_open(%s): %s", ev->name, strerror(err));
		return EXIT_FAIL;
	}
}
