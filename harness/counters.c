/* counters.c — perf counters through libpfm4 and perf_event_open (see counters.h). */
#include "counters.h"

#include <ctype.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* PERF_COUNT_SW_CGROUP_SWITCHES arrived in Linux 5.13 headers; the number is ABI. */
#define SW_CGROUP_SWITCHES 11

#define HW PERF_TYPE_HARDWARE
#define SW PERF_TYPE_SOFTWARE
/* perf's own names (tools/perf/util/parse-events.c), so a script written for `perf stat`
 * means the same here.  libpfm4's "perf" PMU knows most of them; the table is the fallback
 * for the ones it lacks (alignment-faults, emulation-faults in 4.13) and the listing. */
const struct counters_generic counters_generic[] = {
	{ "cycles", "cpu-cycles", HW, PERF_COUNT_HW_CPU_CYCLES, "", "CPU cycles, at the core's current clock" },
	{ "instructions", NULL, HW, PERF_COUNT_HW_INSTRUCTIONS, "", "instructions retired" },
	{ "cache-references", NULL, HW, PERF_COUNT_HW_CACHE_REFERENCES, "", "cache accesses (usually the last level; the CPU model decides)" },
	{ "cache-misses", NULL, HW, PERF_COUNT_HW_CACHE_MISSES, "", "cache misses (usually the last level; the CPU model decides)" },
	{ "branch-instructions", "branches", HW, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "", "branch instructions retired" },
	{ "branch-misses", NULL, HW, PERF_COUNT_HW_BRANCH_MISSES, "", "mispredicted branches" },
	{ "bus-cycles", NULL, HW, PERF_COUNT_HW_BUS_CYCLES, "", "bus cycles" },
	{ "stalled-cycles-frontend", "idle-cycles-frontend", HW, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, "", "cycles the front end delivered nothing" },
	{ "stalled-cycles-backend", "idle-cycles-backend", HW, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, "", "cycles the back end made no progress" },
	{ "ref-cycles", NULL, HW, PERF_COUNT_HW_REF_CPU_CYCLES, "", "reference cycles, at a constant rate whatever the clock" },
	{ "cpu-clock", NULL, SW, PERF_COUNT_SW_CPU_CLOCK, "ns", "CPU time, ns (per-CPU clock)" },
	{ "task-clock", NULL, SW, PERF_COUNT_SW_TASK_CLOCK, "ns", "CPU time of the tasks, ns" },
	{ "page-faults", "faults", SW, PERF_COUNT_SW_PAGE_FAULTS, "", "page faults, minor and major" },
	{ "context-switches", "cs", SW, PERF_COUNT_SW_CONTEXT_SWITCHES, "", "context switches, voluntary and involuntary" },
	{ "cpu-migrations", "migrations", SW, PERF_COUNT_SW_CPU_MIGRATIONS, "", "moves of a task to another CPU" },
	{ "minor-faults", NULL, SW, PERF_COUNT_SW_PAGE_FAULTS_MIN, "", "page faults served from memory" },
	{ "major-faults", NULL, SW, PERF_COUNT_SW_PAGE_FAULTS_MAJ, "", "page faults that waited for I/O" },
	{ "alignment-faults", NULL, SW, PERF_COUNT_SW_ALIGNMENT_FAULTS, "", "unaligned accesses fixed up by the kernel" },
	{ "emulation-faults", NULL, SW, PERF_COUNT_SW_EMULATION_FAULTS, "", "instructions emulated by the kernel" },
	{ "cgroup-switches", NULL, SW, SW_CGROUP_SWITCHES, "", "context switches into another cgroup" },
};
const int counters_generic_n = (int)(sizeof(counters_generic) / sizeof(counters_generic[0]));
#undef HW
#undef SW

/* Why a known event cannot be counted here, decided at parse time. */
enum not_here { HERE = 0, OTHER_MACHINE, UNCORE };

struct counter_event {
	char *name;                     /* as given */
	char pmu[64];
	const char *unit;
	int optional;
	struct perf_event_attr attr;    /* valid when not_here == HERE */
	enum not_here not_here;
	/* open state */
	int fd;                         /* -1: not open */
	int leader;                     /* its group's leader, -1 standalone */
	int group_read;                 /* fd is read with PERF_FORMAT_GROUP (a leader) */
	uint64_t id;
	int supported;
	char reason[COUNTERS_REASON_LEN];
};

struct counter_set {
	int n;
	struct counter_event ev[COUNTERS_MAX];
};

/* ---- libpfm4 ---------------------------------------------------------------------------- */

static int pfm_state;   /* 0 not tried, 1 ready, -1 failed (then perf's generic names only) */

static int pfm_ready(void)
{
	if (!pfm_state) {
		int r = pfm_initialize();
		pfm_state = r == PFM_SUCCESS ? 1 : -1;
		if (r != PFM_SUCCESS)
			tare_debug("libpfm4 did not initialise (%s): perf's generic event names only", pfm_strerror(r));
	}
	return pfm_state > 0;
}

void counters_shutdown(void)
{
	if (pfm_state > 0)
		pfm_terminate();
	pfm_state = 0;
}

/* perf writes modifiers as letters (":uk"), libpfm4 as attributes (":u:k"): "cycles:uk" ->
 * "cycles:u:k".  Only clusters of u, k, h are rewritten; NULL when there is nothing to do. */
static char *perf_letters_to_pfm(const char *name)
{
	const char *start = strstr(name, "::");
	const char *colon = strchr(start ? start + 2 : name, ':');
	char *out, *o;
	int changed = 0;
	if (!colon)
		return NULL;
	out = xmalloc(strlen(name) * 2 + 1);
	memcpy(out, name, (size_t)(colon - name));
	o = out + (colon - name);
	while (*colon == ':') {
		const char *seg = colon + 1, *end = strchr(seg, ':');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);
		int letters = len >= 2 && len <= 3 && strspn(seg, "ukh") == len;
		if (letters) {
			for (size_t i = 0; i < len; i++)
				*o++ = ':', *o++ = seg[i];
			changed = 1;
		} else {
			*o++ = ':';
			memcpy(o, seg, len);
			o += len;
		}
		colon = seg + len;
	}
	*o = '\0';
	if (!changed) {
		free(out);
		return NULL;
	}
	return out;
}

/* pfm_get_os_event_encoding as perf_util.c calls it: attr.size and arg.size set first, user
 * and kernel by default (PFM_PLM0|PFM_PLM3) unless the name's modifiers say otherwise. */
static int pfm_encode(const char *name, struct perf_event_attr *attr, int *idx)
{
	pfm_perf_encode_arg_t arg;
	int r;
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	memset(&arg, 0, sizeof(arg));
	arg.size = sizeof(arg);
	arg.attr = attr;
	r = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r == PFM_ERR_ATTR) {
		char *alt = perf_letters_to_pfm(name);
		if (alt) {
			memset(attr, 0, sizeof(*attr));
			attr->size = sizeof(*attr);
			memset(&arg, 0, sizeof(arg));
			arg.size = sizeof(arg);
			arg.attr = attr;
			r = pfm_get_os_event_encoding(alt, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
			free(alt);
		}
	}
	attr->size = sizeof(*attr);
	*idx = arg.idx;
	return r;
}

static int pmu_info(pfm_pmu_t p, pfm_pmu_info_t *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->size = sizeof(*pi);
	return pfm_get_pmu_info(p, pi) == PFM_SUCCESS;
}

static int event_info(int idx, pfm_event_info_t *ei)
{
	memset(ei, 0, sizeof(*ei));
	ei->size = sizeof(*ei);
	return pfm_get_event_info(idx, PFM_OS_PERF_EVENT_EXT, ei) == PFM_SUCCESS;
}

/* The first core PMU libpfm4 detected here, for messages ("none" if it found none). */
static const char *host_core_pmu(void)
{
	pfm_pmu_t p;
	pfm_pmu_info_t pi;
	if (!pfm_ready())
		return "none";
	pfm_for_all_pmus(p) {
		if (pmu_info(p, &pi) && pi.is_present && pi.type == PFM_PMU_TYPE_CORE)
			return pi.name;
	}
	return "none";
}

/* Is EVENT (of "[PMU::]EVENT[:...]") an event of a PMU libpfm4 knows but did not detect? */
static int find_elsewhere(const char *name, char *pmu, size_t pmulen, char *pmudesc, size_t desclen)
{
	char want_pmu[64] = "", want_ev[128];
	const char *sep = strstr(name, "::"), *ev = sep ? sep + 2 : name;
	pfm_pmu_t p;
	pfm_pmu_info_t pi;
	if (sep) {
		if ((size_t)(sep - name) >= sizeof(want_pmu))
			return 0;
		memcpy(want_pmu, name, (size_t)(sep - name));
		want_pmu[sep - name] = '\0';
	}
	snprintf(want_ev, sizeof(want_ev), "%.*s", (int)strcspn(ev, ":"), ev);
	pfm_for_all_pmus(p) {
		if (!pmu_info(p, &pi) || pi.is_present || (want_pmu[0] && strcasecmp(pi.name, want_pmu)))
			continue;
		for (int i = pi.first_event; i != -1; i = pfm_get_event_next(i)) {
			pfm_event_info_t ei;
			if (event_info(i, &ei) && ei.pmu == p && !strcasecmp(ei.name, want_ev)) {
				snprintf(pmu, pmulen, "%s", pi.name);
				snprintf(pmudesc, desclen, "%s", pi.desc ? pi.desc : pi.name);
				return 1;
			}
		}
	}
	return 0;
}

/* The first unit mask of libpfm4 event idx, for a "needs a unit mask, e.g. X:Y" hint. */
static const char *first_umask(int idx)
{
	pfm_event_info_t ei;
	if (!event_info(idx, &ei))
		return NULL;
	for (int a = 0; a < ei.nattrs; a++) {
		pfm_event_attr_info_t ai;
		memset(&ai, 0, sizeof(ai));
		ai.size = sizeof(ai);
		if (pfm_get_event_attr_info(idx, a, PFM_OS_PERF_EVENT_EXT, &ai) == PFM_SUCCESS && ai.type == PFM_ATTR_UMASK)
			return ai.name;
	}
	return NULL;
}

/* ---- encoding --------------------------------------------------------------------------- */

static const struct counters_generic *generic_lookup(const char *name)
{
	size_t len;
	if (strstr(name, "::"))
		return NULL;
	len = strcspn(name, ":");
	for (int i = 0; i < counters_generic_n; i++) {
		const struct counters_generic *g = &counters_generic[i];
		if ((strlen(g->name) == len && !strncasecmp(g->name, name, len)) ||
		    (g->alias && strlen(g->alias) == len && !strncasecmp(g->alias, name, len)))
			return g;
	}
	return NULL;
}

/* perf's modifier letters for the table's own encoding (when libpfm4 lacks the name): any of
 * u, k, h given turns the others off, as in libpfm4 and perf. */
static int table_modifiers(const char *mods, struct perf_event_attr *attr)
{
	int u = 0, k = 0, h = 0, any = 0;
	while (*mods == ':') {
		const char *seg = mods + 1;
		size_t len = strcspn(seg, ":");
		if (!len || strspn(seg, "ukh") < len)
			return -1;
		for (size_t i = 0; i < len; i++) {
			u |= seg[i] == 'u';
			k |= seg[i] == 'k';
			h |= seg[i] == 'h';
		}
		any = 1;
		mods = seg + len;
	}
	if (any) {
		attr->exclude_user = !u;
		attr->exclude_kernel = !k;
		attr->exclude_hv = !h;
	}
	return 0;
}

/* Does the name ask for hypervisor counting (":h", ":h=1", ":uh")? */
static int has_h_modifier(const char *name)
{
	const char *sep = strstr(name, "::"), *m = strchr(sep ? sep + 2 : name, ':');
	while (m && *m == ':') {
		const char *seg = m + 1;
		size_t len = strcspn(seg, ":");
		if ((len == 1 && seg[0] == 'h') || (len == 3 && !strncmp(seg, "h=1", 3)) ||
		    (len >= 2 && len <= 3 && strspn(seg, "ukh") == len && memchr(seg, 'h', len)))
			return 1;
		m = seg + len;
	}
	return 0;
}

enum encode_status { ENC_OK = 1, ENC_NOT_HERE = 0, ENC_ERROR = -1, ENC_NEEDS_UMASK = -2 };

/* The heart of parsing: name -> attr, its PMU and unit.  On ENC_NOT_HERE reason says why (at
 * length); on an error reason is the one-line message counters_parse reports. */
static int encode(const char *name, struct perf_event_attr *attr, char *pmu, size_t pmulen,
		  const char **unit, enum not_here *why, char *reason, size_t len)
{
	const struct counters_generic *g = generic_lookup(name);
	int idx = 0, r;
	*unit = "";
	*why = HERE;
	reason[0] = '\0';
	if (!*name) {
		snprintf(reason, len, "counters: empty event name (tare events lists them)");
		return ENC_ERROR;
	}
	if (g) {
		*unit = g->unit;
		snprintf(pmu, pmulen, "perf");
		if (pfm_ready()) {
			char *full = xasprintf("perf::%s", name);
			r = pfm_encode(full, attr, &idx);
			free(full);
		} else {
			r = PFM_ERR_NOTFOUND;
		}
		if (r == PFM_ERR_NOTFOUND) {
			/* perf's name, not in this libpfm4: encode it the way perf does */
			memset(attr, 0, sizeof(*attr));
			attr->size = sizeof(*attr);
			attr->type = g->type;
			attr->config = g->config;
			attr->exclude_hv = 1;
			attr->exclude_guest = 1;
			if (table_modifiers(name + strcspn(name, ":"), attr) < 0) {
				snprintf(reason, len, "counters: bad modifier in '%s': use :u (user only), :k (kernel only) or :uk", name);
				return ENC_ERROR;
			}
			r = PFM_SUCCESS;
		}
	} else if (!pfm_ready()) {
		snprintf(reason, len, "counters: unknown event '%s' (libpfm4 did not initialise, so only perf's generic names are known; tare events lists them)", name);
		return ENC_ERROR;
	} else {
		r = pfm_encode(name, attr, &idx);
	}
	switch (r) {
	case PFM_SUCCESS:
		break;
	case PFM_ERR_NOTFOUND: {
		char desc[128];
		if (find_elsewhere(name, pmu, pmulen, desc, sizeof(desc))) {
			*why = OTHER_MACHINE;
			snprintf(reason, len, "not this machine's PMU: %s is an event of %s (%s); this machine has %s (tare events lists its events)",
				 name, pmu, desc, host_core_pmu());
			return ENC_NOT_HERE;
		}
		snprintf(reason, len, "counters: unknown event '%s' (tare events lists them)", name);
		return ENC_ERROR;
	}
	case PFM_ERR_UMASK: {
		/* The bare event's first unit mask makes the hint concrete. */
		const char *sep = strstr(name, "::");
		size_t bare = (size_t)(sep ? sep + 2 - name : 0);
		char *ev = xstrdup(name);
		const char *um;
		ev[bare + strcspn(name + bare, ":")] = '\0';
		idx = pfm_find_event(ev);
		um = idx >= 0 ? first_umask(idx) : NULL;
		if (um)
			snprintf(reason, len, "counters: event '%s' needs a unit mask, e.g. '%s:%s' (tare events --umasks lists them)", name, ev, um);
		else
			snprintf(reason, len, "counters: event '%s' needs a unit mask (tare events --umasks lists them)", name);
		free(ev);
		return ENC_NEEDS_UMASK;
	}
	case PFM_ERR_ATTR:
	case PFM_ERR_ATTR_VAL:
	case PFM_ERR_ATTR_SET:
	case PFM_ERR_FEATCOMB:
	case PFM_ERR_TOOMANY:
		snprintf(reason, len, "counters: bad modifier or unit mask in '%s' (libpfm4: %s); modifiers are :u (user only) and :k (kernel only), unit masks are listed by tare events --umasks",
			 name, pfm_strerror(r));
		return ENC_ERROR;
	default:
		snprintf(reason, len, "counters: cannot encode '%s' (libpfm4: %s)", name, pfm_strerror(r));
		return ENC_ERROR;
	}
	/* libpfm4 offers the h modifier (and so sets exclude_hv) only where CPUID shows a
	 * hypervisor: on bare metal, or under valgrind, it leaves exclude_hv 0.  Never count the
	 * hypervisor unless asked to. */
	if (!has_h_modifier(name))
		attr->exclude_hv = 1;
	if (attr->sample_period || attr->freq) {
		snprintf(reason, len, "counters: '%s' asks for sampling (period/freq); counters count, they do not sample: drop the :period or :freq", name);
		return ENC_ERROR;
	}
	if (!g) {
		pfm_event_info_t ei;
		pfm_pmu_info_t pi;
		snprintf(pmu, pmulen, "?");
		if (event_info(idx, &ei) && pmu_info(ei.pmu, &pi)) {
			snprintf(pmu, pmulen, "%s", pi.name);
			if (pi.type == PFM_PMU_TYPE_UNCORE) {
				*why = UNCORE;
				snprintf(reason, len, "per-CPU only: %s is an uncore event of %s, counted per socket, not per process", name, pi.name);
				return ENC_NOT_HERE;
			}
		}
	}
	return ENC_OK;
}

int counters_encode(const char *name, struct perf_event_attr *attr, char *pmu, size_t pmulen,
		    char *reason, size_t len)
{
	const char *unit;
	enum not_here why;
	char pmubuf[64];
	int r = encode(name, attr, pmu ? pmu : pmubuf, pmu ? pmulen : sizeof(pmubuf), &unit, &why, reason, len);
	return r == ENC_NEEDS_UMASK ? -1 : r;
}

/* ---- why an open failed ----------------------------------------------------------------- */

static const char *errname(int e)
{
	const char *s = strerrorname_np(e);
	return s ? s : "errno";
}

static int is_core(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_HARDWARE || a->type == PERF_TYPE_HW_CACHE || a->type == PERF_TYPE_RAW;
}

/* Can this machine count cycles at all?  Decided once, on ourselves, user space only (so a
 * paranoid setting cannot pass for a missing PMU); no_pmu_errno keeps the kernel's answer. */
static int no_pmu_errno;

static int have_hw_pmu(void)
{
	static int known = -1;
	if (known < 0) {
		struct perf_event_attr a;
		int fd;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_HARDWARE;
		a.config = PERF_COUNT_HW_CPU_CYCLES;
		a.disabled = 1;
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd >= 0)
			close(fd);
		known = fd >= 0 || !(errno == ENOENT || errno == ENODEV || errno == EOPNOTSUPP);
		no_pmu_errno = known ? 0 : errno;
	}
	return known;
}

/* Software events that only ever happen in kernel context: with :u they always count 0. */
static int kernel_only(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE &&
	       (a->config == PERF_COUNT_SW_CONTEXT_SWITCHES || a->config == PERF_COUNT_SW_CPU_MIGRATIONS ||
		a->config == SW_CGROUP_SWITCHES);
}

static int paranoid_level(void)
{
	char *s = read_line("/proc/sys/kernel/perf_event_paranoid");
	int v = s ? atoi(s) : 2;
	free(s);
	return v;
}

/* The reason an event did not open: long for results, brief for `tare events`. */
static void open_reason(const char *name, const struct perf_event_attr *a, int e, int brief, char *buf, size_t len)
{
	/* With paranoid >= 2 the kernel refuses (EACCES) before it looks for a PMU: on a machine
	 * without one, the missing PMU is the cause worth reporting. */
	if (is_core(a) && !have_hw_pmu())
		e = no_pmu_errno;
	switch (e) {
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
		if (is_core(a) && !have_hw_pmu()) {
			if (brief)
				snprintf(buf, len, "no hardware PMU (%s)", errname(e));
			else
				snprintf(buf, len, "no hardware PMU: %s is not supported on this machine (%s)", name, errname(e));
		} else if (brief) {
			snprintf(buf, len, "not supported here (%s)", errname(e));
		} else {
			snprintf(buf, len, "not supported: this kernel or PMU cannot count %s (%s)", name, errname(e));
		}
		return;
	case EACCES:
	case EPERM: {
		int p = paranoid_level();
		if (brief)
			snprintf(buf, len, "permission denied (%s)", errname(e));
		else if (p > 2)
			snprintf(buf, len, "permission denied (%s): kernel.perf_event_paranoid is %d, which denies perf_event_open to all but root; set it <= 1 or run as root", errname(e), p);
		else if (!a->exclude_kernel && p > 1 && kernel_only(a))
			snprintf(buf, len, "permission denied (%s): %.*s happen in the kernel, and counting kernel space needs kernel.perf_event_paranoid <= 1 (it is %d) or root",
				 errname(e), (int)strcspn(name, ":"), name, p);
		else if (!a->exclude_kernel && p > 1)
			snprintf(buf, len, "permission denied (%s): counting kernel space needs kernel.perf_event_paranoid <= 1 (it is %d) or root; or count user space only with '%.*s:u'",
				 errname(e), p, (int)strcspn(name, ":"), name);
		else
			snprintf(buf, len, "permission denied (%s): set kernel.perf_event_paranoid <= 1 or run as root", errname(e));
		return;
	}
	case EINVAL:
		if (brief)
			snprintf(buf, len, "invalid here (EINVAL)");
		else
			snprintf(buf, len, "invalid here: this kernel or PMU rejects %s (EINVAL)", name);
		return;
	case EBUSY:
		if (brief)
			snprintf(buf, len, "PMU busy (EBUSY)");
		else
			snprintf(buf, len, "the PMU is busy: another user holds it exclusively (EBUSY)");
		return;
	default:
		if (brief)
			snprintf(buf, len, "%s (%s)", strerror(e), errname(e));
		else
			snprintf(buf, len, "perf_event_open(%s) failed: %s (%s)", name, strerror(e), errname(e));
	}
}

static int sys_perf_event_open(struct perf_event_attr *a, pid_t pid, int group_fd)
{
	return (int)syscall(SYS_perf_event_open, a, pid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
}

int counters_probe(const char *name, char *reason, size_t len)
{
	struct perf_event_attr a;
	const char *unit;
	enum not_here why;
	char pmu[64], msg[COUNTERS_REASON_LEN];
	int r = encode(name, &a, pmu, sizeof(pmu), &unit, &why, msg, sizeof(msg)), fd;
	if (r == ENC_NEEDS_UMASK) {
		snprintf(reason, len, "needs a unit mask (--umasks)");
		return -1;
	}
	if (r == ENC_ERROR) {
		snprintf(reason, len, "%s", msg);
		return -1;
	}
	if (r == ENC_NOT_HERE) {
		snprintf(reason, len, "%s", why == UNCORE ? "per-CPU (uncore) only" : "not on this machine");
		return 0;
	}
	a.disabled = 1;
	fd = sys_perf_event_open(&a, 0, -1);
	if (fd >= 0) {
		close(fd);
		reason[0] = '\0';
		return 1;
	}
	if ((errno == EACCES || errno == EPERM) && !a.exclude_kernel && !kernel_only(&a) && !(is_core(&a) && !have_hw_pmu())) {
		/* paranoid 2: would user space alone do? */
		int e = errno;
		a.exclude_kernel = a.exclude_hv = 1;
		fd = sys_perf_event_open(&a, 0, -1);
		if (fd >= 0) {
			close(fd);
			snprintf(reason, len, "only as :u (%s)", errname(e));
			return 0;
		}
		errno = e;
	}
	open_reason(name, &a, errno, 1, reason, len);
	return 0;
}

/* ---- sets ------------------------------------------------------------------------------- */

int counters_parse(struct counter_set **out, const char *const *names, int n, char *err, size_t errlen)
{
	struct counter_set *set;
	*out = NULL;
	if (n < 0 || n > COUNTERS_MAX) {
		snprintf(err, errlen, "counters: %d events asked for; at most %d in one set", n, COUNTERS_MAX);
		return -1;
	}
	set = xcalloc(1, sizeof(*set));
	for (int i = 0; i < n; i++) {
		struct counter_event *e = &set->ev[i];
		const char *name = names[i] ? names[i] : "";
		char msg[COUNTERS_REASON_LEN];
		int r;
		if (strlen(name) >= COUNTERS_NAME_LEN) {
			snprintf(err, errlen, "counters: event name '%.40s...' is longer than %d characters", name, COUNTERS_NAME_LEN - 1);
			counters_free(set);
			return -1;
		}
		for (int j = 0; j < i; j++) {
			if (!strcmp(set->ev[j].name, name)) {
				snprintf(err, errlen, "counters: event '%s' is listed twice", name);
				counters_free(set);
				return -1;
			}
		}
		r = encode(name, &e->attr, e->pmu, sizeof(e->pmu), &e->unit, &e->not_here, msg, sizeof(msg));
		if (r < 0) {
			snprintf(err, errlen, "%s", msg);
			counters_free(set);
			return -1;
		}
		e->name = xstrdup(name);
		e->fd = -1;
		e->leader = -1;
		snprintf(e->reason, sizeof(e->reason), "%s", r == ENC_NOT_HERE ? msg : "not opened");
		set->n = i + 1;
	}
	*out = set;
	return 0;
}

int counters_default(struct counter_set **set, char *err, size_t errlen)
{
	static const char *const names[] = {
		"task-clock", "context-switches", "cpu-migrations", "page-faults",
		"cycles", "instructions", "cache-misses", "branch-misses",
	};
	int r = counters_parse(set, names, 8, err, errlen);
	if (r == 0)
		for (int i = 4; i < 8; i++)
			(*set)->ev[i].optional = 1;
	return r;
}

int counters_count(const struct counter_set *set)
{
	return set ? set->n : 0;
}

const struct perf_event_attr *counters_attr(const struct counter_set *set, int i)
{
	return set && i >= 0 && i < set->n ? &set->ev[i].attr : NULL;
}

const char *counters_pmu(const struct counter_set *set, int i)
{
	return set && i >= 0 && i < set->n ? set->ev[i].pmu : NULL;
}

void counters_close(struct counter_set *set)
{
	if (!set)
		return;
	for (int i = 0; i < set->n; i++) {
		struct counter_event *e = &set->ev[i];
		if (e->fd >= 0)
			close(e->fd);
		e->fd = -1;
		e->leader = -1;
		e->group_read = 0;
		e->supported = 0;
		if (e->not_here == HERE)
			snprintf(e->reason, sizeof(e->reason), "not opened");
	}
}

void counters_free(struct counter_set *set)
{
	if (!set)
		return;
	counters_close(set);
	for (int i = 0; i < set->n; i++)
		free(set->ev[i].name);
	free(set);
}

/* Which group an event joins: the core PMU's (hardware, cache, raw), the software one, or
 * none (tracepoints, breakpoints, other PMUs' dynamic types). */
enum { GROUP_CORE, GROUP_SW, GROUP_NONE };

static int group_kind(const struct perf_event_attr *a)
{
	if (is_core(a))
		return GROUP_CORE;
	if (a->type == PERF_TYPE_SOFTWARE)
		return GROUP_SW;
	return GROUP_NONE;
}

#define READ_FORMAT (PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | PERF_FORMAT_ID)

int counters_open(struct counter_set *set, pid_t pid, char *err, size_t errlen)
{
	int leader[2] = { -1, -1 }, opened = 0;
	counters_close(set);
	for (int i = 0; i < set->n; i++) {
		struct counter_event *e = &set->ev[i];
		struct perf_event_attr a;
		int kind, fd, group_fd = -1, joined = 0, e1;
		if (e->not_here != HERE)
			continue;   /* the reason was set at parse time */
		a = e->attr;
		a.size = sizeof(a);
		a.inherit = 1;          /* threads and children, see counters.h */
		a.disabled = 0;         /* counting from now: windows are differences of snapshots */
		a.read_format = READ_FORMAT;
		kind = group_kind(&a);
		if (kind != GROUP_NONE) {
			a.read_format |= PERF_FORMAT_GROUP;
			if (leader[kind] >= 0)
				group_fd = set->ev[leader[kind]].fd;
		}
		fd = sys_perf_event_open(&a, pid, group_fd);
		e1 = errno;
		if (fd >= 0 && group_fd >= 0) {
			joined = 1;
		} else if (fd < 0 && group_fd >= 0 && (e1 == EINVAL || e1 == ENOSPC)) {
			/* It does not fit the group (more events than counters): alone, it is
			 * multiplexed and scaled. */
			a.read_format = READ_FORMAT;
			fd = sys_perf_event_open(&a, pid, -1);
			e1 = errno;
			kind = GROUP_NONE;
		}
		if (fd < 0) {
			if (e1 == ESRCH || e1 == EMFILE || e1 == ENFILE) {
				if (e1 == ESRCH)
					snprintf(err, errlen, "counters: cannot open %s on PID %d: no such process (ESRCH); it must be held at its gate until its counters are open",
						 e->name, (int)pid);
				else
					snprintf(err, errlen, "counters: out of file descriptors opening %s (%s): raise the limit (ulimit -n)",
						 e->name, errname(e1));
				counters_close(set);
				errno = e1;
				return -1;
			}
			open_reason(e->name, &a, e1, 0, e->reason, sizeof(e->reason));
			continue;
		}
		if (ioctl(fd, PERF_EVENT_IOC_ID, &e->id) < 0) {
			snprintf(err, errlen, "counters: ioctl(PERF_EVENT_IOC_ID) on %s: %s", e->name, strerror(errno));
			close(fd);
			counters_close(set);
			return -1;
		}
		e->fd = fd;
		e->supported = 1;
		e->reason[0] = '\0';
		if (joined) {
			e->leader = leader[kind];
		} else if (kind != GROUP_NONE) {
			leader[kind] = i;
			e->leader = i;
			e->group_read = 1;
		}
		opened++;
	}
	/* A leader nobody joined is a group of one: report it as standalone (it is still read
	 * with the group format it was opened with). */
	for (int k = 0; k < 2; k++) {
		int l = leader[k], members = 0;
		if (l < 0)
			continue;
		for (int i = 0; i < set->n; i++)
			members += i != l && set->ev[i].leader == l;
		if (!members)
			set->ev[l].leader = -1;
	}
	return opened;
}

static struct counter_event *by_id(struct counter_set *set, uint64_t id, int *index)
{
	for (int i = 0; i < set->n; i++) {
		if (set->ev[i].fd >= 0 && set->ev[i].id == id) {
			*index = i;
			return &set->ev[i];
		}
	}
	return NULL;
}

int counters_snapshot(struct counter_set *set, struct counter_snap *out)
{
	int failed = 0, saved = 0;
	memset(out, 0, sizeof(*out));
	out->n = set->n;
	for (int i = 0; i < set->n; i++) {
		struct counter_event *e = &set->ev[i];
		uint64_t buf[3 + 2 * COUNTERS_MAX];
		ssize_t got;
		if (e->fd < 0)
			continue;
		if (e->group_read) {
			/* { nr, time_enabled, time_running, { value, id }[nr] } */
			got = read(e->fd, buf, sizeof(buf));
			if (got < (ssize_t)(3 * sizeof(uint64_t)) || got < (ssize_t)((3 + 2 * buf[0]) * sizeof(uint64_t))) {
				int er = got < 0 ? errno : EIO;
				for (int j = 0; j < set->n; j++)
					if (j == i || (set->ev[j].fd >= 0 && set->ev[j].leader == i))
						out->r[j].err = er;
				failed = 1, saved = er;
				continue;
			}
			for (uint64_t k = 0; k < buf[0] && k < COUNTERS_MAX; k++) {
				int j;
				if (by_id(set, buf[4 + 2 * k], &j)) {
					out->r[j].value = buf[3 + 2 * k];
					out->r[j].enabled_ns = buf[1];
					out->r[j].running_ns = buf[2];
					out->r[j].ok = 1;
				}
			}
		} else if (e->leader < 0) {
			/* { value, time_enabled, time_running, id } */
			got = read(e->fd, buf, 4 * sizeof(uint64_t));
			if (got < (ssize_t)(3 * sizeof(uint64_t))) {
				out->r[i].err = got < 0 ? errno : EIO;
				failed = 1, saved = out->r[i].err;
				continue;
			}
			out->r[i].value = buf[0];
			out->r[i].enabled_ns = buf[1];
			out->r[i].running_ns = buf[2];
			out->r[i].ok = 1;
		}
		/* else: a group member, read with its leader */
	}
	out->t_ns = now_ns();
	if (failed) {
		errno = saved;
		return -1;
	}
	return 0;
}

int counters_window(const struct counter_set *set, const struct counter_snap *a,
		    const struct counter_snap *b, struct counter_result *out, int max)
{
	int n = set->n < max ? set->n : max;
	for (int i = 0; i < n; i++) {
		const struct counter_event *e = &set->ev[i];
		const struct counter_reading *ra = &a->r[i], *rb = &b->r[i];
		struct counter_result *r = &out[i];
		uint64_t de, dr;
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", e->name);
		r->unit = e->unit;
		r->optional = e->optional;
		r->supported = e->supported;
		r->group = e->leader;
		r->running_ratio = 0;
		if (!e->supported) {
			snprintf(r->reason, sizeof(r->reason), "%s", e->reason);
			continue;
		}
		if (i >= a->n || i >= b->n || !ra->ok || !rb->ok) {
			int er = i < a->n && !ra->ok ? ra->err : i < b->n ? rb->err : 0;
			snprintf(r->reason, sizeof(r->reason), "not counted: reading %s failed%s%s", e->name,
				 er ? ": " : " (snapshot taken before counters_open?)", er ? strerror(er) : "");
			continue;
		}
		if (rb->value < ra->value || rb->enabled_ns < ra->enabled_ns || rb->running_ns < ra->running_ns) {
			snprintf(r->reason, sizeof(r->reason), "not counted: %s went backwards (snapshots from different opens, or swapped?)", e->name);
			continue;
		}
		r->raw = rb->value - ra->value;
		de = rb->enabled_ns - ra->enabled_ns;
		dr = rb->running_ns - ra->running_ns;
		if (de == 0) {
			/* No task of the tree ran in the window: nothing to count, and nothing was. */
			r->value = (double)r->raw;
			r->running_ratio = 1;
			r->counted = 1;
		} else if (dr == 0) {
			snprintf(r->reason, sizeof(r->reason),
				 "not counted: %s never got a hardware counter in the window (enabled %llu ns, running 0; too many events multiplexed)",
				 e->name, (unsigned long long)de);
		} else {
			/* Multiplexed: the count is extrapolated from the share of the time it ran
			 * (perf stat's scaling; libpfm4's perf_util.c perf_scale). */
			r->running_ratio = (double)dr / (double)de;
			r->scaled = dr < de;
			r->value = r->scaled ? (double)r->raw * ((double)de / (double)dr) : (double)r->raw;
			r->counted = 1;
		}
	}
	return n;
}
