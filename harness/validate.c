/* validate.c — `tare validate`: the reference samplers against workloads with a known profile,
 * with `perf record` beside them (docs/validate.md).
 *
 * For each workload (and, for cpu, each rate and thread count) the workload is forked, held at
 * a gate, every sampler that takes its profile type is attached to its PID in its own process
 * (`tare sample -p` and `tare sample --bpf -p` through /proc/self/exe, `perf record -p`), and
 * the gate opens; the samplers stop by themselves when the workload exits.  The workload's CPU
 * time comes from wait4 (the kernel's, in ns behind the timeval), so the effective rate of every
 * CPU sampler has one denominator that no sampler reports about itself.  The truth is the
 * workload's own JSON line; each sampler's stacks are reduced to each *measure* of the type (cpu:
 * samples; offcpu: time blocked and blocks; lock: delay and contentions; alloc: bytes and objects
 * allocated and in use) per truth site, and held against it with the bound for that many
 * samples: binomial for CPU samples, Poisson-per-byte for sampled allocations, measurement noise
 * for the types that count every event.
 *
 * Generic over (sampler, type, workload, truth, measure): a workload says how to run it, which
 * type of profile its truth is for and which measures it has; a sampler says which types it
 * takes, how to start it against a PID and how to read back its stacks.  The two tables are
 * vworkloads (validate_judge.c) and vsamplers (validate_run.c).
 *
 * This file is the command: its options, the table of cases, the lines it prints and its exit
 * code.  validate_run.c runs a workload with the samplers attached, validate_judge.c holds
 * what they saw against the truth, validate_json.c writes validation.json.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "env.h"
#include "perfevent.h"
#include "proc.h"
#include "sweep.h"
#include "util.h"
#include "validate_int.h"

/* ---------------------------------------------------------------------------------------- */
/* The lines: a header for each kind of case, one line per case (and per measure).          */

static const char *case_name(const struct vcase *c, char *buf, size_t len)
{
	if (vcase_is_cpu(c))
		snprintf(buf, len, "%s %s %s %u Hz x%d", c->sampler->name, c->w->type, c->w->name,
			 c->hz, c->threads);
	else
		snprintf(buf, len, "%s %s %s x%d", c->sampler->name, c->w->type, c->w->name,
			 c->threads);
	return buf;
}

static void print_header(int cpu)
{
	if (cpu)
		printf("%-7s %-6s %-8s %5s %3s %8s  %-18s %6s %7s  %-15s  %-15s %6s %6s\n", "sampler",
		       "type", "workload", "hz", "thr", "samples", "effective rate", "lost", "thrott.",
		       "max error (se)", "TVD (expected)", "main", "symb.");
	else
		printf("%-7s %-6s %-8s %3s %8s %7s  %-13s %-20s  %-25s %-16s %6s %6s %5s\n", "sampler",
		       "type", "workload", "thr", "events", "dropped", "measure", "total vs truth",
		       "max error (se) <= bound", "TVD (expected)", "main", "symb.", "sites");
}

static void print_case(const struct vcase *c)
{
	const struct vprofile *p = &c->ms[0].prof;

	if (vcase_is_cpu(c))
		printf("%-7s %-6s %-8s %5u %3d ", c->sampler->name, c->w->type, c->w->name, c->hz,
		       c->threads);
	else
		printf("%-7s %-6s %-8s %3d ", c->sampler->name, c->w->type, c->w->name, c->threads);
	if (c->status != CASE_OK) {
		printf("%8s  %s: %s\n", "-", c->status == CASE_SKIPPED ? "skipped" : "failed", c->reason);
		return;
	}
	if (vcase_is_cpu(c)) {
		const struct vmetrics *m = &c->ms[0].m;

		printf("%8" PRIu64 "  %7.1f Hz %6.1f%% %5.2f%% %6.2f%%  %5.2f pt (%4.2f)  %5.2f pt (%4.2f)"
		       " %5.1f%% %5.1f%%  %s%s%s\n", p->samples, c->effective_hz,
		       100 * c->effective_hz / c->hz, validate_pct(p->lost, p->samples + p->lost),
		       validate_pct(p->throttled, p->samples), m->max_error_pp, m->binomial_se_pp,
		       100 * m->tvd, 100 * m->expected_tvd, 100 * m->reached_main, 100 * m->symbolized,
		       c->within ? "ok" : "OUT: ", c->within ? "" : c->out_of_bounds,
		       c->sampler->gating ? "" : " (not gated)");
		return;
	}
	printf("%8" PRIu64 " %7" PRIu64 "  ", p->samples, p->dropped);
	for (int k = 0; k < c->nm; k++) {
		const struct vmeas *ms = &c->ms[k];
		const struct vmetrics *m = &ms->m;
		char total[64], err[64], sites[16];

		if (k)
			printf("%*s", 7 + 1 + 6 + 1 + 8 + 1 + 3 + 1 + 8 + 1 + 7 + 2, "");
		if (ms->def->kind == VK_EXACT)
			snprintf(total, sizeof(total), "%6.1f%% [%.0f, %.0f]", 100 * m->total_ratio,
				 100 * ms->total_lo, 100 * ms->total_hi);
		else
			snprintf(total, sizeof(total), "%6.1f%% ±%.1f", 100 * m->total_ratio,
				 100 * (ms->total_hi - 1));
		snprintf(err, sizeof(err), "%5.2f pt (%4.2f) <= %.2f", m->max_error_pp, m->se_max_pp,
			 ms->error_bound_pp);
		snprintf(sites, sizeof(sites), "%d/%d", m->sites_found, m->sites_expected);
		printf("%-13s %-20s  %-25s %5.2f pt (%4.2f) %5.1f%% %5.1f%% %5s  %s%s\n", ms->def->name,
		       total, err, 100 * m->tvd, 100 * m->expected_tvd, 100 * m->reached_main,
		       100 * m->symbolized, sites, ms->within ? "ok" : "OUT: ",
		       ms->within ? "" : ms->out_of_bounds);
	}
	if (c->case_out[0])	/* what no measure's line shows: drops, the exact call counts */
		printf("%*sOUT: %s\n", 7 + 1 + 6 + 1 + 8 + 1 + 3 + 1 + 8 + 1 + 7 + 2, "", c->case_out);
}

/* ---------------------------------------------------------------------------------------- */
/* Command line.                                                                              */

static const char validate_usage_text[] =
	"usage: tare validate [-T TYPES] [-s SAMPLERS] [-F HZ,...] [-t THREADS,...] [-d SECONDS]\n"
	"                     [-e EVENT] [--alloc-rate BYTES] [--max-error POINTS]\n"
	"                     [--rate-tolerance PCT] [--max-lost PCT] [--apart] [--quick]\n"
	"                     [-o DIR] [-v]\n"
	"\n"
	"Hold the reference samplers against workloads whose profile is known: cpu (tare\n"
	"sample, tare sample --bpf, and perf record beside them), offcpu, lock and alloc\n"
	"(tare sample --bpf).  One line per case and measure: the error of each site's share\n"
	"against the truth beside the bound for that many samples (binomial for CPU samples,\n"
	"Poisson per byte for sampled allocations, measurement noise where every event is\n"
	"counted), totals, lost and dropped events, stacks reaching main, frames symbolized.\n"
	"\n"
	"  -T, --types LIST          cpu,offcpu,lock,alloc (default: all); or runtime alone:\n"
	"                            the runtimes' own profilers, each on its runtime's service\n"
	"                            with a known split, a tare run of scripts/validate-runtime.lua\n"
	"                            (-d default 10; their profiles decide the exit)\n"
	"  -s, --samplers LIST       ref,ref-bpf,perf (default); a sampler that cannot run here\n"
	"                            is skipped, saying why; perf's cases do not decide the exit.\n"
	"                            -T runtime: gperftools, go-pprof, go-pprof-scrape,\n"
	"                            pyroscope-node, node-cpu-prof, jfr (default: all)\n"
	"  -F, --rates HZ,...        cpu: sampling rates (default 99,999)\n"
	"  -t, --threads N,...       cpu: workload threads (default 1,2); offcpu, lock and\n"
	"                            alloc run with 2\n"
	"  -d, --duration SECONDS    per workload run (default 4)\n"
	"  -e, --event EVENT         cpu: cpu-clock (default), task-clock; cycles with a PMU\n"
	"      --alloc-rate BYTES    alloc: a sample every BYTES allocated on average (default\n"
	"                            32768: enough samples in a short run)\n"
	"      --max-error POINTS    cpu: a fixed bound on the attribution error instead of the\n"
	"                            statistical one (4 x binomial SE + 1 point)\n"
	"      --rate-tolerance PCT  cpu: effective rate within this of the requested (default 5)\n"
	"      --max-lost PCT        lost (and dropped) samples or events allowed (default 0)\n"
	"      --apart               each sampler on its own run of the workload (default: the\n"
	"                            samplers of a workload, rate and thread count share one)\n"
	"      --quick               -F 99,999 -t 1 -d 2: a smoke check\n"
	"  -o, --out DIR             results under DIR/<UTC stamp>-validate/ (default results)\n"
	"  -v, --verbose             the measured shares of each case beside the truth\n"
	"\n"
	"Writes validation.json (a table of cases) and each run's profiles and logs; -T runtime\n"
	"writes runtime.json beside each profiler's results directory (DIR/<stamp>-validate-runtime/).\n"
	"Exit: 0 every measured ref and ref-bpf case within its bounds, 1 one is out (said\n"
	"which), 2 usage, 3 no gated sampler can run here (perf_event denied, no PMU, no BPF),\n"
	"130 interrupted.  -T runtime: 0 every profile with a verdict within the bound, 1 one is\n"
	"outside, 3 none could run here.\n";

#define vusage(...) tare_usage("tare validate", "tare validate --help", __VA_ARGS__)

/* "99,999" into v; the count, or -1. */
static int parse_list(const char *s, long min, long max, long *v, int cap)
{
	char *end;
	int n = 0;

	for (;;) {
		long x;

		if (*s < '0' || *s > '9')
			return -1;
		errno = 0;
		x = strtol(s, &end, 10);
		if (errno || x < min || x > max || n == cap || (*end && *end != ','))
			return -1;
		v[n++] = x;
		if (!*end)
			return n;
		s = end + 1;
	}
}

static int parse_pos(const char *s, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !(*out >= 0) || *out > max ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct vopts *o)
{
	enum { OPT_MAX_ERROR = 256, OPT_RATE_TOL, OPT_MAX_LOST, OPT_APART, OPT_QUICK,
	       OPT_ALLOC_RATE };
	static const struct option opts[] = {
		{ "types",          required_argument, NULL, 'T' },
		{ "alloc-rate",     required_argument, NULL, OPT_ALLOC_RATE },
		{ "rates",          required_argument, NULL, 'F' },
		{ "threads",        required_argument, NULL, 't' },
		{ "duration",       required_argument, NULL, 'd' },
		{ "samplers",       required_argument, NULL, 's' },
		{ "event",          required_argument, NULL, 'e' },
		{ "out",            required_argument, NULL, 'o' },
		{ "verbose",        no_argument,       NULL, 'v' },
		{ "help",           no_argument,       NULL, 'h' },
		{ "max-error",      required_argument, NULL, OPT_MAX_ERROR },
		{ "rate-tolerance", required_argument, NULL, OPT_RATE_TOL },
		{ "max-lost",       required_argument, NULL, OPT_MAX_LOST },
		{ "apart",          no_argument,       NULL, OPT_APART },
		{ "quick",          no_argument,       NULL, OPT_QUICK },
		{ NULL, 0, NULL, 0 },
	};
	long v[VALIDATE_MAX_LIST];
	int c, n, have_rates = 0, have_threads = 0, have_duration = 0, have_samplers = 0, quick = 0;
	double x;
	char *list, *save = NULL, *tok;

	o->rates[0] = 99, o->rates[1] = 999, o->nrates = 2;
	o->threads[0] = 1, o->threads[1] = 2, o->nthreads = 2;
	o->duration_s = 4;
	o->event = "cpu-clock";
	o->samplers[0] = "ref", o->samplers[1] = "ref-bpf", o->samplers[2] = "perf";
	o->nsamplers = 3;
	o->types = (1 << VALIDATE_NWORKLOADS) - 1;
	o->alloc_rate = VALIDATE_ALLOC_RATE;
	o->out_base = "results";
	vbounds_default(&o->b);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":T:F:t:d:s:e:o:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
			o->types = 0;
			list = xstrdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				int k = 0;

				if (!strcmp(tok, "runtime")) {
					o->runtime = 1;
					continue;
				}
				while (k < VALIDATE_NWORKLOADS && strcmp(vworkloads[k].type, tok))
					k++;
				if (k == VALIDATE_NWORKLOADS) {
					vusage("-T %s: unknown type '%s' (known: cpu, offcpu, lock, alloc, runtime)",
					       optarg, tok);
					free(list);
					return EXIT_USAGE;
				}
				o->types |= 1 << k;
			}
			free(list);
			if (!o->types && !o->runtime)
				return vusage("-T %s: expected types, e.g. cpu,lock", optarg);
			if (o->types && o->runtime)
				return vusage("-T %s: runtime runs alone (its cases are experiments, not sampler runs): "
					      "validate the samplers in a run of their own", optarg);
			break;
		case OPT_ALLOC_RATE:
			if ((n = parse_list(optarg, 1, 1 << 30, v, 1)) != 1)
				return vusage("--alloc-rate %s: expected bytes, 1 to %d", optarg, 1 << 30);
			o->alloc_rate = (uint64_t)v[0];
			break;
		case 'F':
			if ((n = parse_list(optarg, 1, 1000000, v, VALIDATE_MAX_LIST)) < 0)
				return vusage("-F %s: expected rates in Hz, e.g. 99,999", optarg);
			for (int i = 0; i < n; i++)
				o->rates[i] = (unsigned)v[i];
			o->nrates = n, have_rates = 1;
			break;
		case 't':
			if ((n = parse_list(optarg, 1, 1024, v, VALIDATE_MAX_LIST)) < 0)
				return vusage("-t %s: expected thread counts 1 to 1024, e.g. 1,2", optarg);
			for (int i = 0; i < n; i++)
				o->threads[i] = (int)v[i];
			o->nthreads = n, have_threads = 1;
			break;
		case 'd':
			if (parse_pos(optarg, 86400, &x) < 0 || x < 0.1)
				return vusage("-d %s: expected seconds, 0.1 to 86400", optarg);
			o->duration_s = x, have_duration = 1;
			break;
		case 's':
			o->nsamplers = 0;
			list = xstrdup(optarg);
			for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				const struct vsampler *s = vsampler_find(tok);
				const char *rt = validate_runtime_find(tok);
				int dup = 0;

				if (rt) {
					for (int i = 0; i < o->nruntime; i++)
						dup |= o->runtimes[i] == rt;
					if (!dup && o->nruntime < VALIDATE_MAX_LIST)
						o->runtimes[o->nruntime++] = rt;
					continue;
				}
				if (!s) {
					vusage("-s %s: unknown sampler '%s' (known: ref, ref-bpf, perf; with -T runtime: %s)",
					       optarg, tok, validate_runtime_names());
					free(list);
					return EXIT_USAGE;
				}
				for (int i = 0; i < o->nsamplers; i++)
					dup |= !strcmp(o->samplers[i], s->name);
				if (!dup && o->nsamplers < VALIDATE_MAX_LIST)
					o->samplers[o->nsamplers++] = s->name;
			}
			free(list);
			if (!o->nsamplers && !o->nruntime)
				return vusage("-s %s: expected samplers, e.g. ref,ref-bpf", optarg);
			have_samplers = o->nsamplers > 0;
			break;
		case 'e':
			o->event = optarg;
			break;
		case 'o':
			o->out_base = optarg;
			break;
		case 'v':
			tare_verbose = 1;
			break;
		case 'h':
			fputs(validate_usage_text, stdout);
			return -1;
		case OPT_MAX_ERROR:
			if (parse_pos(optarg, 100, &o->b.max_error_pp) < 0)
				return vusage("--max-error %s: expected percentage points, 0 to 100", optarg);
			break;
		case OPT_RATE_TOL:
			if (parse_pos(optarg, 100, &x) < 0)
				return vusage("--rate-tolerance %s: expected a percentage", optarg);
			o->b.rate_tolerance = x / 100;
			break;
		case OPT_MAX_LOST:
			if (parse_pos(optarg, 100, &o->b.max_lost_pct) < 0)
				return vusage("--max-lost %s: expected a percentage", optarg);
			break;
		case OPT_APART:
			o->apart = 1;
			break;
		case OPT_QUICK:
			if (!have_rates)
				o->rates[0] = 99, o->rates[1] = 999, o->nrates = 2;
			if (!have_threads)
				o->threads[0] = 1, o->nthreads = 1;
			if (!have_duration)
				o->duration_s = 2;
			quick = 1;
			break;
		case ':':
			return vusage("%s: expected a value", argv[optind - 1]);
		default:
			return vusage("%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return vusage("%s: unexpected argument", argv[optind]);
	if (o->runtime && have_samplers)
		return vusage("-s %s: not a runtime profiler; -T runtime takes %s", o->samplers[0],
			      validate_runtime_names());
	if (!o->runtime && o->nruntime)
		return vusage("-s %s: a runtime profiler: give -T runtime", o->runtimes[0]);
	/* a runtime's profiler samples at ~100 Hz a service that is not always busy: longer runs */
	if (o->runtime && !have_duration)
		o->duration_s = quick ? 4 : 10;
	return 0;
}

/* Can this process sample a task of its own with the event?  The sampler's own sentence when
 * it cannot.  Kernel frames are optional (the sampler falls back to user frames, as perf). */
static int probe(const struct vopts *o, char *msg, size_t len)
{
	struct event_spec ev;
	struct perf_event_attr attr;
	int fd, e;

	if (perfevent_lookup(o->event, &ev, msg, len) < 0)
		return EXIT_USAGE;
	perfevent_attr(&ev, o->rates[0], 0, 0, 0, 0, &attr);
	fd = perf_event_open_fd(&attr, 0, -1, -1);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		attr.exclude_kernel = 1;
		fd = perf_event_open_fd(&attr, 0, -1, -1);
	}
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	e = errno;
	return perf_event_why(e, ev.name, &attr, getpid(), PERF_EVENT_ERROR, msg, len);
}

static void print_verbose(const struct vcase *c)
{
	if (!tare_verbose || c->status != CASE_OK)
		return;
	for (int k = 0; k < c->nm; k++) {
		const struct vmeas *ms = &c->ms[k];

		printf("        %s%s", vcase_is_cpu(c) ? "" : ms->def->name, vcase_is_cpu(c) ? "" : ": ");
		for (int i = 0; i < ms->truth.nsites; i++)
			printf("%s%s %.1f%% (truth %.1f%%, se %.2f)", i ? ", " : "", ms->truth.site[i],
			       100 * ms->m.measured[i], 100 * ms->truth.share[i], ms->m.se_pp[i]);
		if (vcase_is_cpu(c))
			printf("; n %.0f of %.0f stacks\n", ms->m.n, ms->prof.stacks_weight);
		else
			printf("; %.4g of %.4g %s in the sites (truth %.4g)\n", ms->m.n,
			       ms->prof.stacks_weight, ms->def->unit, ms->m.total_truth);
	}
}

static volatile sig_atomic_t validate_sig;

static void on_signal(int sig)
{
	validate_sig = sig;
	tare_on_signal(sig);
}

/* Which samplers cannot run here: asked once each, before any run. */
struct vavail {
	int asked, ok;
	char why[512];
};

int validate_main(int argc, char **argv)
{
	struct vopts o = { 0 };
	struct vstate st = { .o = &o };
	struct cgroup_sys cg;
	struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
	struct vavail avail[VALIDATE_NSAMPLERS] = { { 0 } };
	char msg[512], stamp[32], name[64];
	json_t *failed = NULL;
	int rc, nruns = 0, ngated = 0, nout = 0, nskipped = 0, need_probe = 0, printed = -1;
	size_t ncap;
	ssize_t l;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.runtime)
		return validate_runtime(&o, argc, argv);
	{
		uint64_t max = perf_event_max_sample_rate();

		for (int i = 0; i < o.nrates && (o.types & 1); i++)
			if (max && o.rates[i] > max)
				return vusage("-F %u: above kernel.perf_event_max_sample_rate (%" PRIu64 ")",
					      o.rates[i], max);
	}
	l = readlink("/proc/self/exe", o.self, sizeof(o.self) - 1);
	if (l <= 0) {
		validate_err("cannot find this program (/proc/self/exe): %s", strerror(errno));
		return EXIT_FAIL;
	}
	o.self[l] = '\0';
	/* the table of cases: workloads x (cpu: rates x threads) x the samplers that take the
	 * workload's type; the cases of one (workload, rate, threads) are contiguous: they share a
	 * run */
	ncap = (size_t)VALIDATE_NWORKLOADS * (size_t)(o.nrates * o.nthreads * o.nsamplers);
	st.cases = xcalloc(ncap, sizeof(*st.cases));
	for (int wi = 0; wi < VALIDATE_NWORKLOADS; wi++) {
		const struct vworkload *w = &vworkloads[wi];
		int nr = w->threads ? 1 : o.nrates, nt = w->threads ? 1 : o.nthreads;

		if (!(o.types & (1 << wi)))
			continue;
		for (int i = 0; i < nr; i++)
			for (int k = 0; k < nt; k++)
				for (int s = 0; s < o.nsamplers; s++) {
					const struct vsampler *sp = vsampler_find(o.samplers[s]);
					struct vavail *av = &avail[sp - vsamplers];
					struct vcase *c = &st.cases[st.ncases];

					if (!vsampler_takes(sp, w->type))
						continue;
					*c = (struct vcase){ .sampler = sp, .w = w,
							     .hz = w->threads ? 0 : o.rates[i],
							     .threads = w->threads ? w->threads : o.threads[k],
							     .duration_s = o.duration_s, .nm = w->nmeasures,
							     .calls_truth = NAN, .bytes_truth = NAN };
					for (int m = 0; m < w->nmeasures; m++)
						c->ms[m].def = &w->measures[m];
					if (!av->asked) {
						av->asked = 1;
						av->ok = sp->available(&o, av->why, sizeof(av->why)) == 0;
					}
					if (!av->ok) {
						c->status = CASE_SKIPPED;
						snprintf(c->reason, sizeof(c->reason), "%s", av->why);
					}
					need_probe |= !strcmp(w->type, "cpu") && strcmp(sp->name, "ref-bpf");
					ngated += sp->gating;
					nskipped += sp->gating && !av->ok;
					st.ncases++;
				}
	}
	/* the workloads of the cases */
	for (int k = 0; k < VALIDATE_NWORKLOADS; k++) {
		char *bin;
		int used = 0;

		for (int i = 0; i < st.ncases && !used; i++)
			used = st.cases[i].w == &vworkloads[k];
		if (!used)
			continue;
		bin = xasprintf("%s/workloads/%s", tare_build_dir(), vworkloads[k].name);
		if (access(bin, X_OK) != 0) {
			validate_err("%s is not built: run make", bin);
			free(bin);
			rc = EXIT_CANNOT;
			goto out;
		}
		free(bin);
	}
	if (need_probe) {
		rc = probe(&o, msg, sizeof(msg));
		if (rc) {
			if (rc == EXIT_USAGE)
				rc = vusage("%s", msg);
			else
				validate_err("%s", msg);
			goto out;
		}
	}
	if (!ngated || nskipped == ngated) {
		/* nothing that decides the verdict can run: say why, as ref would */
		for (size_t k = 0; k < VALIDATE_NSAMPLERS; k++)
			if (avail[k].asked && !avail[k].ok && vsamplers[k].gating) {
				validate_err("%s: %s", vsamplers[k].name, avail[k].why);
				rc = EXIT_CANNOT;
				goto out;
			}
		validate_err("no case to run: -T and -s select no sampler that takes the types (ref: cpu; "
		     "ref-bpf: cpu, offcpu, lock, alloc)");
		rc = EXIT_USAGE;
		goto out;
	}

	/* results/<stamp>-validate/ */
	validate_utc_now(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ");
	validate_utc_now(st.started_utc, sizeof(st.started_utc), "%Y-%m-%dT%H:%M:%SZ");
	snprintf(name, sizeof(name), "%s-validate", stamp);
	snprintf(st.rel, sizeof(st.rel), "%s/%s", o.out_base, name);
	for (int i = 2; path_exists(st.rel) && i < 1000; i++)
		snprintf(st.rel, sizeof(st.rel), "%s/%s-%d", o.out_base, name, i);
	if (st.rel[0] == '/' || !getcwd(st.dir, sizeof(st.dir)) ||
	    strlen(st.dir) + strlen(st.rel) + 2 > sizeof(st.dir))
		snprintf(st.dir, sizeof(st.dir), "%s", st.rel);
	else
		strcat(strcat(st.dir, "/"), st.rel);
	if (mkdir_p(st.dir, 0755) < 0) {
		validate_err("cannot create %s: %s", st.rel, strerror(errno));
		rc = EXIT_USAGE;
		goto out;
	}
	st.command_line = tare_command_line(argc, argv);
	{
		char warning[512], err[512];
		int rc2 = sweep_begin(warning, sizeof(warning), err, sizeof(err));
		if (rc2) {
			tare_err("validate: %s", err);
			rc = rc2;
			goto out;
		}
		if (warning[0])
			tare_warn("%s", warning);
	}
	cgroup_init(&cg);
	st.environment = env_capture(&cg);

	for (int k = 0; k < VALIDATE_NWORKLOADS; k++)
		if (o.types & (1 << k))
			printf("tare validate: workload %s (%s: %s), truth = its own report\n",
			       vworkloads[k].name, vworkloads[k].type, vworkloads[k].describe);
	printf("tare validate: %g s a run", o.duration_s);
	if (o.types & 1)
		printf("; cpu: %d rate%s x %d thread count%s", o.nrates, o.nrates == 1 ? "" : "s",
		       o.nthreads, o.nthreads == 1 ? "" : "s");
	if (o.types & ~1)
		printf("; offcpu, lock, alloc: %d threads", VALIDATE_OTHER_THREADS);
	if (o.types & (1 << 3))
		printf(", a sample every %" PRIu64 " bytes", o.alloc_rate);
	printf("; %s\n", o.apart || o.nsamplers == 1 ? "each sampler on its own run" :
	       "the samplers of one workload, rate and thread count share a run");
	for (size_t k = 0; k < VALIDATE_NSAMPLERS; k++)
		if (avail[k].asked && !avail[k].ok)
			printf("tare validate: %s is skipped: %s\n", vsamplers[k].name, avail[k].why);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = 0;
	for (int i = 0; i < st.ncases && !rc; ) {
		struct vcase *group[VALIDATE_MAX_LIST];
		int n = 0, j = i;

		if (tare_interrupted) {
			rc = 130;
			break;
		}

		/* the pending cases of one workload, rate and thread count: one run, or one each
		 * (--apart) */
		for (; j < st.ncases && st.cases[j].w == st.cases[i].w &&
		       st.cases[j].hz == st.cases[i].hz && st.cases[j].threads == st.cases[i].threads; j++)
			if (st.cases[j].status == CASE_PENDING && n < VALIDATE_MAX_LIST)
				group[n++] = &st.cases[j];
		if (o.apart)
			for (int k = 0; k < n && !rc; k++)
				rc = validate_run(&st, &group[k], 1, nruns++);
		else if (n)
			rc = validate_run(&st, group, n, nruns++);
		for (int k = i; k < j; k++) {
			if (st.cases[k].status == CASE_PENDING)
				continue;
			if (printed != vcase_is_cpu(&st.cases[k])) {
				printed = vcase_is_cpu(&st.cases[k]);
				print_header(printed);
			}
			print_case(&st.cases[k]);
			print_verbose(&st.cases[k]);
		}
		fflush(stdout);
		i = j;
		validate_write_json(&st, "running", NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (rc == 130) {
		validate_write_json(&st, "interrupted", NULL);
		validate_err("interrupted; the finished cases are in %s/validation.json", st.rel);
		goto out;
	}
	if (rc == EXIT_CANNOT) {
		validate_write_json(&st, "cannot", NULL);
		goto out;
	}

	failed = json_array();
	nskipped = 0;
	for (int i = 0; i < st.ncases; i++) {
		struct vcase *c = &st.cases[i];
		char cn[128];

		if (!c->sampler->gating)
			continue;
		if (c->status == CASE_SKIPPED) {
			nskipped++;	/* said above, and in validation.json: not a verdict */
			continue;
		}
		if (c->status == CASE_OK && c->within)
			continue;
		nout++;
		json_array_append_new(failed, json_sprintf("%s: %s", case_name(c, cn, sizeof(cn)),
			c->status == CASE_OK ? c->out_of_bounds : c->reason));
	}
	validate_write_json(&st, nout ? "fail" : "pass", failed);
	printf("results: %s/validation.json\n", st.rel);
	if (nout) {
		for (size_t i = 0; i < json_array_size(failed); i++)
			printf("tare validate: out of bounds: %s\n",
			       json_string_value(json_array_get(failed, i)));
		printf("tare validate: %d of %d gated case%s out of bounds\n", nout, ngated - nskipped,
		       ngated - nskipped == 1 ? "" : "s");
		rc = EXIT_FAIL;
	} else {
		printf("tare validate: every gated case within its bounds (%d case%s of ref and ref-bpf%s; "
		       "perf is shown beside them, not gated)\n", ngated - nskipped,
		       ngated - nskipped == 1 ? "" : "s", nskipped ? ", the skipped ones aside" : "");
		rc = 0;
	}
out:
	for (int i = 0; i < st.ncases; i++)
		json_decref(st.cases[i].sampler_report);
	json_decref(failed);
	json_decref(st.environment);
	free(st.command_line);
	free(st.cases);
	return rc;
}
