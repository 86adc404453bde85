/* events.c — `tare events`: the perf events tare can count, and whether each opens here.
 *
 * Rows come from three places: perf's generic and software names (perf_event_names), the rest
 * of libpfm4's "perf" PMU (the hardware-cache events), and every PMU libpfm4 detected on this
 * host (with --all, every PMU it knows).  Each row that could open is tried on tare itself,
 * disabled, and closed at once: that is the only reliable test (a VM may report a CPU model
 * whose PMU the hypervisor does not pass through).
 */
#include "counters.h"   /* first: <linux/perf_event.h> before libpfm4's copy of it */

#include <fnmatch.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "env.h"
#include "util.h"

static const char events_usage[] =
	"usage: tare events [-a|--all] [-u|--umasks] [PATTERN]\n"
	"\n"
	"List the perf events tare can count: perf's generic and software events, and the events of\n"
	"the PMUs libpfm4 detects on this machine, with whether each opens here and, if not, why.\n"
	"\n"
	"PATTERN is a substring, or a glob with * ? [...], matched regardless of case against NAME\n"
	"and PMU::NAME (so 'task', 'cycles', 'L1-*', 'amd64_fam19h_zen4::*' all work).\n"
	"\n"
	"  -a, --all      also the PMUs libpfm4 knows that this machine does not have\n"
	"  -u, --umasks   also each event's unit masks, one line each, as EVENT:UMASK\n"
	"  -h, --help     this text\n"
	"\n"
	"Any NAME listed is a valid counter name; add :u to count user space only, :k kernel only\n"
	"(the default is both).  Exit status: 0 listed, 1 nothing matched, 2 usage error.\n";

struct row {
	char *name, *pmu, *status, *desc;
};

struct listing {
	const char *pattern;
	int all, umasks;
	struct row *rows;
	int n, cap, ok;
	int hw;                 /* rows that need a hardware PMU */
};

static int matches(const struct listing *l, const char *name, const char *pmu)
{
	char full[512];
	if (!l->pattern)
		return 1;
	snprintf(full, sizeof(full), "%s::%s", pmu, name);
	if (strpbrk(l->pattern, "*?["))
		return !fnmatch(l->pattern, name, FNM_CASEFOLD) || !fnmatch(l->pattern, full, FNM_CASEFOLD);
	return strcasestr(name, l->pattern) || strcasestr(full, l->pattern);
}

/* Descriptions from libpfm4 can be long and multi-line: one line, trimmed. */
static char *one_line(const char *s)
{
	char *d = xstrdup(s ? s : "");
	for (char *p = d; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	return d;
}

static void add(struct listing *l, const char *name, const char *pmu, const char *status, const char *desc)
{
	struct row *r;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->rows = xrealloc(l->rows, (size_t)l->cap * sizeof(*l->rows));
	}
	r = &l->rows[l->n++];
	r->name = xstrdup(name);
	r->pmu = xstrdup(pmu);
	r->status = xstrdup(status);
	r->desc = one_line(desc);
	l->ok += !strcmp(status, "ok");
	l->hw += strcmp(pmu, "perf/software") && strcmp(status, "not on this machine");
}

/* Try it here: "ok", or the brief reason. */
static void add_probed(struct listing *l, const char *name, const char *probe_name, const char *pmu, const char *desc)
{
	char why[COUNTERS_REASON_LEN];
	int r = counters_probe(probe_name, why, sizeof(why));
	add(l, name, pmu, r > 0 ? "ok" : why, desc);
}

static void list_generic(struct listing *l)
{
	for (int i = 0; i < perf_event_names_n; i++) {
		const struct perf_event_name *g = &perf_event_names[i];
		const char *pmu = g->type == PERF_TYPE_HARDWARE ? "perf/hardware" : "perf/software";
		char desc[256];
		if (!matches(l, g->name, "perf") && !(g->alias && matches(l, g->alias, "perf")))
			continue;
		if (g->alias)
			snprintf(desc, sizeof(desc), "%s (also: %s)", g->desc, g->alias);
		else
			snprintf(desc, sizeof(desc), "%s", g->desc);
		add_probed(l, g->name, g->name, pmu, desc);
	}
}

static void list_umasks(struct listing *l, const pfm_event_info_t *ei, const char *pmu, int present)
{
	for (int a = 0; a < ei->nattrs; a++) {
		pfm_event_attr_info_t ai;
		char name[256], probe[320];
		memset(&ai, 0, sizeof(ai));
		ai.size = sizeof(ai);
		if (pfm_get_event_attr_info(ei->idx, a, PFM_OS_PERF_EVENT_EXT, &ai) != PFM_SUCCESS || ai.type != PFM_ATTR_UMASK)
			continue;
		snprintf(name, sizeof(name), "%s:%s", ei->name, ai.name);
		if (!matches(l, name, pmu))
			continue;
		snprintf(probe, sizeof(probe), "%s::%s", pmu, name);
		if (present)
			add_probed(l, name, probe, pmu, ai.desc);
		else
			add(l, name, pmu, "not on this machine", ai.desc);
	}
}

static void list_pmu(struct listing *l, pfm_pmu_t p, const pfm_pmu_info_t *pi)
{
	int perf = pi->pmu == PFM_PMU_PERF_EVENT;
	for (int i = pi->first_event; i != -1; i = pfm_get_event_next(i)) {
		pfm_event_info_t ei;
		char probe[320];
		const char *pmu = perf ? "perf/hw-cache" : pi->name;
		memset(&ei, 0, sizeof(ei));
		ei.size = sizeof(ei);
		if (pfm_get_event_info(i, PFM_OS_PERF_EVENT_EXT, &ei) != PFM_SUCCESS || ei.pmu != p)
			continue;
		/* The perf PMU's generic names are listed already, under perf's spelling; its
		 * PERF_COUNT_HW_CACHE_* stems need unit masks that its named aliases spell out. */
		if (perf && (perf_event_name_find(ei.name) || !strncmp(ei.name, "PERF_COUNT_", 11)))
			continue;
		if (matches(l, ei.name, pi->name) || (perf && matches(l, ei.name, "perf"))) {
			snprintf(probe, sizeof(probe), "%s::%s", pi->name, ei.name);
			if (!pi->is_present)
				add(l, ei.name, pmu, "not on this machine", ei.desc);
			else if (pi->type == PFM_PMU_TYPE_UNCORE)
				add(l, ei.name, pmu, "per-CPU (uncore) only", ei.desc);
			else
				add_probed(l, ei.name, probe, pmu, ei.desc);
		}
		if (l->umasks && !perf)
			list_umasks(l, &ei, pi->name, pi->is_present && pi->type != PFM_PMU_TYPE_UNCORE);
	}
}

static int term_width(void)
{
	struct winsize ws;
	if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		return ws.ws_col;
	return 0;   /* not a terminal: never cut */
}

static void print_rows(const struct listing *l)
{
	int wn = 5, wp = 3, ws = 4, width = term_width();
	for (int i = 0; i < l->n; i++) {
		int a = (int)strlen(l->rows[i].name), b = (int)strlen(l->rows[i].pmu), c = (int)strlen(l->rows[i].status);
		wn = a > wn ? a : wn;
		wp = b > wp ? b : wp;
		ws = c > ws ? c : ws;
	}
	/* Very long names (a few Intel events) should not push every row off the screen. */
	wn = wn > 40 ? 40 : wn;
	wp = wp > 24 ? 24 : wp;
	ws = ws > 32 ? 32 : ws;
	printf("%-*s  %-*s  %-*s  %s\n", wn, "EVENT", wp, "PMU", ws, "HERE", "DESCRIPTION");
	for (int i = 0; i < l->n; i++) {
		const struct row *r = &l->rows[i];
		int used = printf("%-*s  %-*s  %-*s  ", wn, r->name, wp, r->pmu, ws, r->status);
		int room = width ? width - used : 0;
		/* Cut to the terminal, unless that would leave a stub: then let it wrap. */
		if (width && room >= 24 && (int)strlen(r->desc) > room)
			printf("%.*s…\n", room - 1, r->desc);
		else
			printf("%s\n", r->desc);
	}
}

/* "AMD family 26 model 2", from /proc/cpuinfo, for a note about a CPU libpfm4 may not know. */
static void cpu_identity(char *buf, size_t len)
{
	char *vendor = env_cpuinfo_field("vendor_id"), *family = env_cpuinfo_field("cpu family"),
	     *model = env_cpuinfo_field("model");
	const char *v = !vendor ? "" : !strcmp(vendor, "AuthenticAMD") ? "AMD " : !strcmp(vendor, "GenuineIntel") ? "Intel " : vendor;
	if (family && model)
		snprintf(buf, len, "%s%sfamily %s model %s", v, *v && v == vendor ? " " : "", family, model);
	else
		snprintf(buf, len, "%s", vendor ? vendor : "this CPU");
	free(vendor), free(family), free(model);
}

/* A note when hardware events cannot open because the kernel exposes no PMU for the CPU (a VM
 * without a virtual PMU): otherwise a page of "no hardware PMU" rows looks like a bug.  Said
 * whether or not libpfm4 recognises the CPU: a newer CPU than libpfm4 knows (AMD family 26
 * under libpfm4 4.13) has no core PMU listed at all, and needs the note most. */
static void print_notes(const struct listing *l)
{
	pfm_pmu_t p;
	char why[COUNTERS_REASON_LEN], cpu[128];
	int pmu_ok = counters_probe("cycles:u", why, sizeof(why)) > 0, known = 0;
	printf("\n%d event%s listed, %d open here.\n", l->n, l->n == 1 ? "" : "s", l->ok);
	if (pmu_ok || !l->hw)
		return;
	if (strncmp(why, "no hardware PMU", 15)) {
		printf("Hardware events do not open here: cycles:u fails with %s.\n", why);
		return;
	}
	pfm_for_all_pmus(p) {
		pfm_pmu_info_t pi;
		memset(&pi, 0, sizeof(pi));
		pi.size = sizeof(pi);
		if (pfm_get_pmu_info(p, &pi) == PFM_SUCCESS && pi.is_present && pi.type == PFM_PMU_TYPE_CORE) {
			printf("%s: libpfm4 recognises this CPU, but the kernel exposes no hardware PMU for it\n"
			       "  (a VM without a virtual PMU, or a kernel without the driver): only software events count here.\n",
			       pi.name);
			known = 1;
		}
	}
	if (known)
		return;
	cpu_identity(cpu, sizeof(cpu));
	printf("%s: the kernel exposes no hardware PMU for it (no core PMU in %s:\n"
	       "  a VM without a virtual PMU, or a kernel without the driver), and libpfm4 does not recognise\n"
	       "  this CPU, so it lists no model-specific events: only software events count here.\n",
	       cpu, "/sys/bus/event_source/devices");
}

#define usage_err(...) tare_usage("tare: events", "tare events --help", __VA_ARGS__)

int events_main(int argc, char **argv)
{
	struct listing l = { 0 };
	int opts_done = 0, rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!opts_done && !strcmp(a, "--")) {
			opts_done = 1;
		} else if (!opts_done && !strcmp(a, "--all")) {
			l.all = 1;
		} else if (!opts_done && !strcmp(a, "--umasks")) {
			l.umasks = 1;
		} else if (!opts_done && !strcmp(a, "--help")) {
			fputs(events_usage, stdout);
			return 0;
		} else if (!opts_done && a[0] == '-' && a[1] == '-') {
			return usage_err("unknown option '%s'", a);
		} else if (!opts_done && a[0] == '-' && a[1]) {
			for (const char *c = a + 1; *c; c++) {
				if (*c == 'a')
					l.all = 1;
				else if (*c == 'u')
					l.umasks = 1;
				else if (*c == 'h') {
					fputs(events_usage, stdout);
					return 0;
				} else
					return usage_err("unknown option '%s'", a);
			}
		} else if (l.pattern) {
			return usage_err("one PATTERN at most; '%s' is a second one", a);
		} else {
			l.pattern = a;
		}
	}

	list_generic(&l);
	if (pfm_initialize() == PFM_SUCCESS) {
		pfm_pmu_t p;
		pfm_pmu_info_t pi;
		/* perf's own PMU, then the other detected ones, then (--all) the rest. */
		for (int pass = 0; pass < 3; pass++) {
			pfm_for_all_pmus(p) {
				int perf = p == PFM_PMU_PERF_EVENT;
				memset(&pi, 0, sizeof(pi));
				pi.size = sizeof(pi);
				if (p == PFM_PMU_PERF_EVENT_RAW || pfm_get_pmu_info(p, &pi) != PFM_SUCCESS)
					continue;
				if ((pass == 0 && !perf) || (pass == 1 && (perf || !pi.is_present)) ||
				    (pass == 2 && (perf || pi.is_present || !l.all)))
					continue;
				list_pmu(&l, p, &pi);
			}
		}
	} else {
		fprintf(stderr, "tare: events: libpfm4 did not initialise; listing perf's generic events only\n");
	}

	if (!l.n) {
		fprintf(stderr, "tare: events: no event matches '%s'%s\n", l.pattern ? l.pattern : "",
			l.all ? "" : " (--all includes PMUs this machine does not have)");
		rc = EXIT_FAIL;
	} else {
		print_rows(&l);
		print_notes(&l);
		rc = 0;
	}
	for (int i = 0; i < l.n; i++) {
		free(l.rows[i].name);
		free(l.rows[i].pmu);
		free(l.rows[i].status);
		free(l.rows[i].desc);
	}
	free(l.rows);
	perf_event_shutdown();
	return rc;
}
