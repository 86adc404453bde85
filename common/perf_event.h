/* perf_event.h — the one way tare talks to perf_event_open(2), below the harness's counters
 * (harness/counters.c, `tare events`) and the samplers (profilers/ref, profilers/bpf).
 *
 * Contract:
 *  - Names.  perf_event_encode() turns an event name into the perf_event_attr to open: perf's
 *    generic and software names (the perf_event_names table, "cycles", "task-clock", "cs"),
 *    anything libpfm4 knows for this host's PMUs ("INST_RETIRED:ANY_P", "pmu::EVENT:UMASK"),
 *    with perf's modifiers (":u", ":k", ":uk", ":h").  Without one an event counts user and
 *    kernel space and never the hypervisor.  A name that is an event of a PMU this machine
 *    does not have, or a per-CPU uncore event, is known but not here: that is not an error.
 *  - Opening.  perf_event_open_fd() is the only perf_event_open(2) call (always
 *    PERF_FLAG_FD_CLOEXEC: no fd leaks into a workload or profiler tare starts).
 *  - The machine.  perf_event_pmu_errno() is the core-PMU probe, made once per process;
 *    perf_event_paranoid() reads kernel.perf_event_paranoid.
 *  - Refusals.  perf_event_why() turns the errno of a failed open into one line that says what
 *    is missing and what to do, in the form each caller shows (a column, an event's reason, a
 *    command's error), and the exit code it means (util.h: 3 cannot measure here).
 * Nothing here keeps state but libpfm4's tables (perf_event_shutdown) and the probe's answer.
 *
 * Include this before <perfmon/pfmlib_perf_event.h>: libpfm4's copy of the kernel's
 * perf_event.h stands aside only when the kernel's is already in.  (libpfm4's header also
 * defines a perf_event_open(): that name is taken.)
 */
#ifndef TARE_PERF_EVENT_H
#define TARE_PERF_EVENT_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PERF_EVENT_NAME_LEN 128    /* longest event name tare keeps + 1 */
#define PERF_EVENT_REASON_LEN 256  /* a reason or error line */

/* ---- names ------------------------------------------------------------------------------ */

/* perf's generic and software events (tools/perf/util/parse-events.c spells them), known
 * without libpfm4: a script written for `perf stat` means the same here. */
struct perf_event_name {
	const char *name;          /* as perf spells it */
	const char *alias;         /* perf's other spelling, or NULL */
	uint32_t type;             /* PERF_TYPE_HARDWARE or PERF_TYPE_SOFTWARE */
	uint64_t config;
	const char *unit;          /* "ns" for the clocks (a period is ns of CPU), "" for counts */
	const char *desc;
};
extern const struct perf_event_name perf_event_names[];
extern const int perf_event_names_n;

/* The entry for name (or its alias), regardless of case and of modifiers ("Cycles:u");
 * NULL for anything else, "pmu::EVENT" included. */
const struct perf_event_name *perf_event_name_find(const char *name);

/* What perf_event_encode() made of a name. */
struct perf_event_encoding {
	struct perf_event_attr attr;  /* type, config[12], exclusions; meaningful when HERE */
	char pmu[64];                 /* "perf", "amd64_fam19h_zen4", ...; "?" when unknown */
	const char *unit;             /* "ns" or "" (static) */
	int uncore;                   /* NOT_HERE because it is a per-CPU uncore event (else:
				       * an event of a PMU this machine does not have) */
	char reason[PERF_EVENT_REASON_LEN]; /* NOT_HERE: why, at length; < 0: the one-line error
				       * (no prefix: callers say who is asking) */
};
enum perf_event_encoded {
	PERF_EVENT_HERE = 1,          /* encoded for this machine: attr is ready to open */
	PERF_EVENT_NOT_HERE = 0,      /* a known event that cannot be counted on this machine */
	PERF_EVENT_BAD = -1,          /* not an event: unknown, bad modifier, asks for sampling */
	PERF_EVENT_NEEDS_UMASK = -2,  /* an event that needs a unit mask; reason gives one */
};
enum perf_event_encoded perf_event_encode(const char *name, struct perf_event_encoding *enc);

/* Release libpfm4's tables (for valgrind-clean exits); perf_event_encode initialises it again. */
void perf_event_shutdown(void);

/* ---- opening, and the machine ----------------------------------------------------------- */

/* perf_event_open(2) with PERF_FLAG_FD_CLOEXEC: the fd, or -1 with errno. */
int perf_event_open_fd(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd);

/* The core-PMU probe, once per process: cycles opened on ourselves, disabled, user space only
 * (so a paranoid setting cannot pass for a missing PMU), and closed.  0 when it opened, else
 * the kernel's errno: ENOENT, ENODEV or EOPNOTSUPP mean no hardware PMU (software events
 * only); EACCES or EPERM mean permission hides the answer. */
int perf_event_pmu_errno(void);
/* 1 unless the probe showed there is no hardware PMU. */
int perf_event_have_pmu(void);

/* Does the event need the core PMU (hardware, hardware-cache, raw)? */
int perf_event_is_core(const struct perf_event_attr *attr);
/* A software event that only happens in kernel context (context-switches, cpu-migrations,
 * cgroup-switches): with :u it always counts 0. */
int perf_event_kernel_only(const struct perf_event_attr *attr);

/* kernel.perf_event_paranoid; 2 (the kernel's default) when it cannot be read. */
int perf_event_paranoid(void);
/* kernel.perf_event_max_sample_rate, or 0 when it cannot be read. */
uint64_t perf_event_max_sample_rate(void);

/* "EACCES" for EACCES: errno's name, for messages. */
const char *perf_event_errname(int err);

/* ---- refusals --------------------------------------------------------------------------- */

enum perf_event_say {
	PERF_EVENT_BRIEF,      /* a column: "permission denied (EACCES)" (tare events) */
	PERF_EVENT_REASON,     /* why one event of a set is not counted: "permission denied
				* (EACCES): counting kernel space needs ..." (counters) */
	PERF_EVENT_ERROR,      /* a command's one-line error: "perf_event_open(cpu-clock):
				* permission denied — run as root or ..." (the samplers) */
};

/* Why perf_event_open(attr, pid, ...) of the event called name failed with err, into buf.
 * pid is the task it was opened on (-1: every task on a CPU, system-wide sampling; 0: tare
 * itself — pass getpid() to have it named).  A core event on a machine without a PMU is
 * reported as that, whatever the errno (with paranoid >= 2 the kernel refuses before it looks
 * for a PMU); in the ERROR form, a generic hardware event that was not found.  Returns the exit code the failure means: EXIT_CANNOT (3) for permission and a
 * missing PMU or feature, EXIT_USAGE (2) for a bad request (EINVAL, no such process),
 * EXIT_FAIL (1) else. */
int perf_event_why(int err, const char *name, const struct perf_event_attr *attr, pid_t pid,
		   enum perf_event_say say, char *buf, size_t len);

#endif
