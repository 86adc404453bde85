/* perf_event.c — event names, perf_event_open, the PMU probe and refusals (see perf_event.h). */
#include "perf_event.h"

#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

/* PERF_COUNT_SW_CGROUP_SWITCHES arrived in Linux 5.13 headers; the number is ABI. */
#define SW_CGROUP_SWITCHES 11

#define HW PERF_TYPE_HARDWARE
#define SW PERF_TYPE_SOFTWARE
/* perf's own names (tools/perf/util/parse-events.c), so a script written for `perf stat`
 * means the same here.  libpfm4's "perf" PMU knows most of them; the table is the fallback
 * for the ones it lacks (alignment-faults, emulation-faults in 4.13), the listing, and the
 * samplers' names (which need no libpfm4). */
const struct perf_event_name perf_event_names[] = {
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
const int perf_event_names_n = (int)(sizeof(perf_event_names) / sizeof(perf_event_names[0]));
#undef HW
#undef SW

const struct perf_event_name *perf_event_name_find(const char *name)
{
	size_t len;
	if (strstr(name, "::"))
		return NULL;
	len = strcspn(name, ":");
	for (int i = 0; i < perf_event_names_n; i++) {
		const struct perf_event_name *g = &perf_event_names[i];
		if ((strlen(g->name) == len && !strncasecmp(g->name, name, len)) ||
		    (g->alias && strlen(g->alias) == len && !strncasecmp(g->alias, name, len)))
			return g;
	}
	return NULL;
}

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

void perf_event_shutdown(void)
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
static int pfm_encode_once(const char *name, struct perf_event_attr *attr, pfm_perf_encode_arg_t *arg)
{
	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	memset(arg, 0, sizeof(*arg));
	arg->size = sizeof(*arg);
	arg->attr = attr;
	return pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, arg);
}

static int pfm_encode(const char *name, struct perf_event_attr *attr, int *idx)
{
	pfm_perf_encode_arg_t arg;
	int r = pfm_encode_once(name, attr, &arg);
	if (r == PFM_ERR_ATTR) {
		char *alt = perf_letters_to_pfm(name);
		if (alt) {
			r = pfm_encode_once(alt, attr, &arg);
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

/* The heart of it: name -> attr, its PMU and unit.  See perf_event.h. */
enum perf_event_encoded perf_event_encode(const char *name, struct perf_event_encoding *enc)
{
	const struct perf_event_name *g = perf_event_name_find(name);
	struct perf_event_attr *attr = &enc->attr;
	char *pmu = enc->pmu, *reason = enc->reason;
	size_t pmulen = sizeof(enc->pmu), len = sizeof(enc->reason);
	int idx = 0, r;
	memset(enc, 0, sizeof(*enc));
	enc->unit = "";
	if (!*name) {
		snprintf(reason, len, "empty event name (tare events lists them)");
		return PERF_EVENT_BAD;
	}
	if (g) {
		enc->unit = g->unit;
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
				snprintf(reason, len, "bad modifier in '%s': use :u (user only), :k (kernel only) or :uk", name);
				return PERF_EVENT_BAD;
			}
			r = PFM_SUCCESS;
		}
	} else if (!pfm_ready()) {
		snprintf(reason, len, "unknown event '%s' (libpfm4 did not initialise, so only perf's generic names are known; tare events lists them)", name);
		return PERF_EVENT_BAD;
	} else {
		r = pfm_encode(name, attr, &idx);
	}
	switch (r) {
	case PFM_SUCCESS:
		break;
	case PFM_ERR_NOTFOUND: {
		char desc[64];      /* a PMU's description: "AMD64 Fam17h Zen2" */
		if (find_elsewhere(name, pmu, pmulen, desc, sizeof(desc))) {
			snprintf(reason, len, "not this machine's PMU: %s is an event of %s (%s); this machine has %s (tare events lists its events)",
				 name, pmu, desc, host_core_pmu());
			return PERF_EVENT_NOT_HERE;
		}
		snprintf(reason, len, "unknown event '%s' (tare events lists them)", name);
		return PERF_EVENT_BAD;
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
			snprintf(reason, len, "event '%s' needs a unit mask, e.g. '%s:%s' (tare events --umasks lists them)", name, ev, um);
		else
			snprintf(reason, len, "event '%s' needs a unit mask (tare events --umasks lists them)", name);
		free(ev);
		return PERF_EVENT_NEEDS_UMASK;
	}
	case PFM_ERR_ATTR:
	case PFM_ERR_ATTR_VAL:
	case PFM_ERR_ATTR_SET:
	case PFM_ERR_FEATCOMB:
	case PFM_ERR_TOOMANY:
		snprintf(reason, len, "bad modifier or unit mask in '%s' (libpfm4: %s); modifiers are :u (user only) and :k (kernel only), unit masks are listed by tare events --umasks",
			 name, pfm_strerror(r));
		return PERF_EVENT_BAD;
	default:
		snprintf(reason, len, "cannot encode '%s' (libpfm4: %s)", name, pfm_strerror(r));
		return PERF_EVENT_BAD;
	}
	/* libpfm4 offers the h modifier (and so sets exclude_hv) only where CPUID shows a
	 * hypervisor: on bare metal, or under valgrind, it leaves exclude_hv 0.  Never count the
	 * hypervisor unless asked to. */
	if (!has_h_modifier(name))
		attr->exclude_hv = 1;
	if (attr->sample_period || attr->freq) {
		snprintf(reason, len, "'%s' asks for sampling (period/freq); counters count, they do not sample: drop the :period or :freq", name);
		return PERF_EVENT_BAD;
	}
	if (!g) {
		pfm_event_info_t ei;
		pfm_pmu_info_t pi;
		snprintf(pmu, pmulen, "?");
		if (event_info(idx, &ei) && pmu_info(ei.pmu, &pi)) {
			snprintf(pmu, pmulen, "%s", pi.name);
			if (pi.type == PFM_PMU_TYPE_UNCORE) {
				enc->uncore = 1;
				snprintf(reason, len, "per-CPU only: %s is an uncore event of %s, counted per socket, not per process", name, pi.name);
				return PERF_EVENT_NOT_HERE;
			}
		}
	}
	return PERF_EVENT_HERE;
}


/* ---- opening, and the machine ----------------------------------------------------------- */

int perf_event_open_fd(struct perf_event_attr *attr, pid_t pid, int cpu, int group_fd)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
}

int perf_event_pmu_errno(void)
{
	static int known, err;
	if (!known) {
		struct perf_event_attr a;
		int fd;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_HARDWARE;
		a.config = PERF_COUNT_HW_CPU_CYCLES;
		a.disabled = 1;
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		fd = perf_event_open_fd(&a, 0, -1, -1);
		err = fd >= 0 ? 0 : errno;
		if (fd >= 0)
			close(fd);
		known = 1;
	}
	return err;
}

static int no_pmu(int err)
{
	return err == ENOENT || err == ENODEV || err == EOPNOTSUPP;
}

int perf_event_have_pmu(void)
{
	return !no_pmu(perf_event_pmu_errno());
}

int perf_event_is_core(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_HARDWARE || a->type == PERF_TYPE_HW_CACHE || a->type == PERF_TYPE_RAW;
}

int perf_event_kernel_only(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE &&
	       (a->config == PERF_COUNT_SW_CONTEXT_SWITCHES || a->config == PERF_COUNT_SW_CPU_MIGRATIONS ||
		a->config == SW_CGROUP_SWITCHES);
}

int perf_event_paranoid(void)
{
	char *s = read_line("/proc/sys/kernel/perf_event_paranoid");
	int v = s ? atoi(s) : 2;
	free(s);
	return v;
}

uint64_t perf_event_max_sample_rate(void)
{
	uint64_t v;
	return read_u64("/proc/sys/kernel/perf_event_max_sample_rate", &v) == 0 ? v : 0;
}

const char *perf_event_errname(int e)
{
	const char *s = strerrorname_np(e);
	return s ? s : "errno";
}

/* ---- refusals --------------------------------------------------------------------------- */

/* Permission: a command (ERROR) is told how to get what it asked for; an event of a set
 * (REASON) also whether user space alone would do. */
static void denied(int e, const char *name, const struct perf_event_attr *a, pid_t pid,
		   enum perf_event_say say, char *buf, size_t len)
{
	const char *en = perf_event_errname(e);
	int p = perf_event_paranoid(), bare = (int)strcspn(name, ":");
	if (say == PERF_EVENT_BRIEF)
		snprintf(buf, len, "permission denied (%s)", en);
	else if (say == PERF_EVENT_ERROR && pid == -1)
		snprintf(buf, len, "perf_event_open(%s): permission denied — run as root or "
			 "set kernel.perf_event_paranoid <= 0 (system-wide sampling)", name);
	else if (say == PERF_EVENT_ERROR && p > 2)
		snprintf(buf, len, "perf_event_open(%s): permission denied — run as root or "
			 "set kernel.perf_event_paranoid <= 1 (it is %d)", name, p);
	else if (say == PERF_EVENT_ERROR && geteuid() != 0)
		snprintf(buf, len, "perf_event_open(%s): permission denied on pid %d — run as "
			 "root or as its owner", name, (int)pid);
	else if (say == PERF_EVENT_ERROR)
		snprintf(buf, len, "perf_event_open(%s): permission denied — run as root or "
			 "set kernel.perf_event_paranoid <= 1", name);
	else if (p > 2)
		snprintf(buf, len, "permission denied (%s): kernel.perf_event_paranoid is %d, which denies perf_event_open to all but root; set it <= 1 or run as root", en, p);
	else if (!a->exclude_kernel && p > 1 && perf_event_kernel_only(a))
		snprintf(buf, len, "permission denied (%s): %.*s happen in the kernel, and counting kernel space needs kernel.perf_event_paranoid <= 1 (it is %d) or root",
			 en, bare, name, p);
	else if (!a->exclude_kernel && p > 1)
		snprintf(buf, len, "permission denied (%s): counting kernel space needs kernel.perf_event_paranoid <= 1 (it is %d) or root; or count user space only with '%.*s:u'",
			 en, p, bare, name);
	else
		snprintf(buf, len, "permission denied (%s): set kernel.perf_event_paranoid <= 1 or run as root", en);
}

/* A missing PMU or feature. */
static void unsupported(int e, const char *name, int missing_pmu, enum perf_event_say say, char *buf, size_t len)
{
	const char *en = perf_event_errname(e);
	if (missing_pmu && say == PERF_EVENT_BRIEF)
		snprintf(buf, len, "no hardware PMU (%s)", en);
	else if (missing_pmu && say == PERF_EVENT_REASON)
		snprintf(buf, len, "no hardware PMU: %s is not supported on this machine (%s)", name, en);
	else if (missing_pmu)
		snprintf(buf, len, "perf_event_open(%s): no hardware PMU here (the event is not "
			 "supported) — sample with -e cpu-clock", name);
	else if (say == PERF_EVENT_BRIEF)
		snprintf(buf, len, "not supported here (%s)", en);
	else if (say == PERF_EVENT_REASON)
		snprintf(buf, len, "not supported: this kernel or PMU cannot count %s (%s)", name, en);
	else
		snprintf(buf, len, "perf_event_open(%s): not supported by this kernel", name);
}

int perf_event_why(int err, const char *name, const struct perf_event_attr *a, pid_t pid,
		   enum perf_event_say say, char *buf, size_t len)
{
	int missing_pmu;
	if (say == PERF_EVENT_ERROR) {
		/* The samplers' rule, kept as it was: a generic hardware event the kernel did not
		 * find.  (Theirs would say "not supported by this kernel" for a raw libpfm4 event
		 * where the probe found no PMU, as on a VM; the rule below says "no hardware PMU".) */
		missing_pmu = a->type == PERF_TYPE_HARDWARE && no_pmu(err);
	} else {
		/* With paranoid >= 2 the kernel refuses (EACCES) before it looks for a PMU: on a
		 * machine without one, the missing PMU is the cause worth reporting. */
		missing_pmu = perf_event_is_core(a) && !perf_event_have_pmu();
		if (missing_pmu)
			err = perf_event_pmu_errno();
	}
	switch (err) {
	case ENOENT:
	case ENODEV:
	case EOPNOTSUPP:
		unsupported(err, name, missing_pmu, say, buf, len);
		return EXIT_CANNOT;
	case EACCES:
	case EPERM:
		denied(err, name, a, pid, say, buf, len);
		return EXIT_CANNOT;
	case EINVAL:
		if (say == PERF_EVENT_BRIEF)
			snprintf(buf, len, "invalid here (EINVAL)");
		else if (say == PERF_EVENT_REASON)
			snprintf(buf, len, "invalid here: this kernel or PMU rejects %s (EINVAL)", name);
		else
			snprintf(buf, len, "perf_event_open(%s): invalid argument — is the rate above "
				 "kernel.perf_event_max_sample_rate (%llu)?", name,
				 (unsigned long long)perf_event_max_sample_rate());
		return EXIT_USAGE;
	case EBUSY:
		if (say == PERF_EVENT_BRIEF) {
			snprintf(buf, len, "PMU busy (EBUSY)");
			return EXIT_FAIL;
		}
		if (say == PERF_EVENT_REASON) {
			snprintf(buf, len, "the PMU is busy: another user holds it exclusively (EBUSY)");
			return EXIT_FAIL;
		}
		break;
	case ESRCH:
		if (say == PERF_EVENT_ERROR) {
			snprintf(buf, len, "pid %d: no such process", (int)pid);
			return EXIT_USAGE;
		}
		break;
	case EMFILE:
	case ENFILE:
		if (say == PERF_EVENT_ERROR) {
			snprintf(buf, len, "perf_event_open(%s): out of file descriptors (one per thread "
				 "and CPU) — raise ulimit -n", name);
			return EXIT_FAIL;
		}
		break;
	}
	if (say == PERF_EVENT_BRIEF)
		snprintf(buf, len, "%s (%s)", strerror(err), perf_event_errname(err));
	else if (say == PERF_EVENT_REASON)
		snprintf(buf, len, "perf_event_open(%s) failed: %s (%s)", name, strerror(err), perf_event_errname(err));
	else
		snprintf(buf, len, "perf_event_open(%s): %s", name, strerror(err));
	return EXIT_FAIL;
}
