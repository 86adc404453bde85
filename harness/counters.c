/* counters.c — perf counters for a trial's process tree (see counters.h), on common/perf_event. */
#include "counters.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util.h"

struct counter_event {
	char *name;                     /* as given */
	char pmu[64];
	const char *unit;
	int optional;
	struct perf_event_attr attr;    /* valid when here */
	int here;                       /* 0: known, but not countable on this machine (decided
					 * at parse time; reason says why) */
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

/* ---- does it open here ------------------------------------------------------------------ */

int counters_probe(const char *name, char *reason, size_t len)
{
	struct perf_event_encoding enc;
	struct perf_event_attr *a = &enc.attr;
	int r = perf_event_encode(name, &enc), fd;
	if (r == PERF_EVENT_NEEDS_UMASK) {
		snprintf(reason, len, "needs a unit mask (--umasks)");
		return -1;
	}
	if (r == PERF_EVENT_BAD) {
		snprintf(reason, len, "counters: %s", enc.reason);
		return -1;
	}
	if (r == PERF_EVENT_NOT_HERE) {
		snprintf(reason, len, "%s", enc.uncore ? "per-CPU (uncore) only" : "not on this machine");
		return 0;
	}
	a->disabled = 1;
	fd = perf_event_open_fd(a, 0, -1, -1);
	if (fd >= 0) {
		close(fd);
		reason[0] = '\0';
		return 1;
	}
	if ((errno == EACCES || errno == EPERM) && !a->exclude_kernel && !perf_event_kernel_only(a) &&
	    !(perf_event_is_core(a) && !perf_event_have_pmu())) {
		/* paranoid 2: would user space alone do? */
		int e = errno;
		a->exclude_kernel = a->exclude_hv = 1;
		fd = perf_event_open_fd(a, 0, -1, -1);
		if (fd >= 0) {
			close(fd);
			snprintf(reason, len, "only as :u (%s)", perf_event_errname(e));
			return 0;
		}
		errno = e;
	}
	perf_event_why(errno, name, a, 0, PERF_EVENT_BRIEF, reason, len);
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
		struct perf_event_encoding enc;
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
		r = perf_event_encode(name, &enc);
		if (r < 0) {
			snprintf(err, errlen, "counters: %s", enc.reason);
			counters_free(set);
			return -1;
		}
		e->name = xstrdup(name);
		e->attr = enc.attr;
		snprintf(e->pmu, sizeof(e->pmu), "%s", enc.pmu);
		e->unit = enc.unit;
		e->here = r == PERF_EVENT_HERE;
		e->fd = -1;
		e->leader = -1;
		snprintf(e->reason, sizeof(e->reason), "%s", e->here ? "not opened" : enc.reason);
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
		if (e->here)
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
	if (perf_event_is_core(a))
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
		if (!e->here)
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
		fd = perf_event_open_fd(&a, pid, -1, group_fd);
		e1 = errno;
		if (fd >= 0 && group_fd >= 0) {
			joined = 1;
		} else if (fd < 0 && group_fd >= 0 && (e1 == EINVAL || e1 == ENOSPC)) {
			/* It does not fit the group (more events than counters): alone, it is
			 * multiplexed and scaled. */
			a.read_format = READ_FORMAT;
			fd = perf_event_open_fd(&a, pid, -1, -1);
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
						 e->name, perf_event_errname(e1));
				counters_close(set);
				errno = e1;
				return -1;
			}
			perf_event_why(e1, e->name, &a, pid, PERF_EVENT_REASON, e->reason, sizeof(e->reason));
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
