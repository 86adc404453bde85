/* validate_run.c — `tare validate`'s runs: the samplers, and one run of a truth workload with
 * them attached (validate.c says how the parts fit).
 *
 * A run forks the workload held at a gate, starts every sampler of its cases against the PID
 * in a process of its own and waits until each samples, opens the gate, waits for the workload
 * and then for the samplers, which stop by themselves when it exits.  Each case then gets the
 * workload's CPU time (wait4) and the machine's steal over the run, the truth from the
 * workload's JSON line, its sampler's stacks and counts (collect), the metrics and the verdict
 * (validate_judge.c).  Everything a run writes is in runs/NN-<workload>-.../ of the results.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "sysstat.h"
#include "util.h"
#include "validate_int.h"

#define VALIDATE_READY_S	15.0	/* a sampler not ready by then has failed */
#define VALIDATE_WORKLOAD_SLACK_S 60.0	/* past its duration before the workload is killed */
#define VALIDATE_STOP_S		30.0	/* for a sampler to stop by itself after the workload */

/* One sampler attached to one run. */
struct vslot {
	struct vcase *c;
	struct child ch;
	int started;
	int ctl_fd, ack_fd;       /* perf's control fifos */
};

struct vrun {
	const struct vopts *o;
	const struct vworkload *w;
	int index;
	unsigned hz;
	int threads;
	char dir[PATH_MAX];       /* absolute */
	struct child wl;
};

/* ---------------------------------------------------------------------------------------- */
/* Samplers: each in a process of its own, started against the workload's PID.              */

static int file_has(const char *path, const char *text)
{
	char *s = read_file(path, NULL);
	int yes = s && strstr(s, text);

	free(s);
	return yes;
}

/* Wait for c to exit for up to timeout_s; 1 exited, 0 not yet, -2 interrupted. */
static int wait_exit(struct child *c, double timeout_s)
{
	struct child *one[1] = { c };
	int r = child_wait_any(one, 1, (uint64_t)(timeout_s * 1e9));

	return r == 0 ? 1 : r == -2 ? -2 : 0;
}

static int spawn(struct child *c, char **argv, const char *out, const char *errpath, char *err,
		 size_t len)
{
	struct spawn_opts so = { .argv = argv, .stdout_path = out, .stderr_path = errpath,
				 .keep_fd = -1 };

	return child_spawn(c, &so, err, len);
}

static void free_argv(char **v)
{
	for (int i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* ---- ref and ref-bpf: `tare sample [--bpf] -p PID` in its own process ---- */

static int ref_available(const struct vopts *o, char *why, size_t len)
{
	(void)o, (void)why, (void)len;
	return 0;	/* it is this program; whether it may sample is probed before any run */
}

/* Start argv (a tare sample) and wait for "tare-sample: ready" in errp. */
static int sample_start(struct vslot *s, char **argv, const char *out, const char *errp,
			char *err, size_t len, int *code)
{
	uint64_t t0 = now_ns();

	*code = EXIT_FAIL;
	if (spawn(&s->ch, argv, out, errp, err, len) < 0 ||
	    child_release(&s->ch, "tare sample", err, len) < 0)
		return -1;
	s->started = 1;
	for (;;) {
		int w;

		if (file_has(errp, "tare-sample: ready"))
			return 0;
		w = wait_exit(&s->ch, 0.005);
		if (w == 1) {
			char line[400];

			file_last_line(errp, "tare sample: ", line, sizeof(line));
			if (WIFEXITED(s->ch.status) && WEXITSTATUS(s->ch.status) == EXIT_CANNOT)
				*code = EXIT_CANNOT;
			snprintf(err, len, "%s", line[0] ? line : "tare sample exited before it was ready");
			return -1;
		}
		if (w == -2) {
			snprintf(err, len, "interrupted");
			return -1;
		}
		if (now_ns() - t0 > (uint64_t)(VALIDATE_READY_S * 1e9)) {
			snprintf(err, len, "tare sample not ready after %.0f s (see %s)", VALIDATE_READY_S,
				 errp);
			return -1;
		}
	}
}

static int ref_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], *pb = xasprintf("%s/ref.pb.gz", r->dir);
	char *folded = xasprintf("%s/ref.folded", r->dir), *stats = xasprintf("%s/ref.json", r->dir);
	char *out = xasprintf("%s/ref.out", r->dir), *errp = xasprintf("%s/ref.err", r->dir);
	char *argv[] = { (char *)r->o->self, "sample", "-F", hz, "-e", (char *)r->o->event, "-p", pid,
			 "-o", pb, "--folded", folded, "--stats", stats, NULL };
	int rc;

	snprintf(hz, sizeof(hz), "%u", r->hz);
	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	rc = sample_start(s, argv, out, errp, err, len, code);
	free(pb), free(folded), free(stats), free(out), free(errp);
	return rc;
}

static uint64_t json_u64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (uint64_t)json_integer_value(v) :
	       json_is_real(v) ? (uint64_t)json_real_value(v) : 0;
}

static int read_stats(struct vcase *c, const char *stats, const char *what, char *err, size_t len)
{
	json_error_t je;

	c->sampler_report = json_load_file(stats, 0, &je);
	if (!json_is_object(c->sampler_report)) {
		snprintf(err, len, "%s wrote no figures (%s: %s)", what, stats, je.text);
		return -1;
	}
	return 0;
}

static int read_folded_file(const char *path, const char *what, struct vmeas *ms, char *err,
			    size_t len)
{
	FILE *f = fopen(path, "re");
	int rc;

	if (!f) {
		snprintf(err, len, "%s wrote no folded stacks (%s: %s)", what, path, strerror(errno));
		return -1;
	}
	rc = vprofile_read_folded(f, &ms->truth, &ms->prof, err, len);
	fclose(f);
	return rc;
}

static int ref_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	struct vcase *c = s->c;
	char *folded = xasprintf("%s/ref.folded", r->dir), *stats = xasprintf("%s/ref.json", r->dir);
	int rc = -1;

	if (read_folded_file(folded, "tare sample", &c->ms[0], err, len) < 0 ||
	    read_stats(c, stats, "tare sample", err, len) < 0)
		goto out;
	c->ms[0].prof.samples = json_u64(c->sampler_report, "samples");
	c->ms[0].prof.lost = json_u64(c->sampler_report, "lost");
	c->ms[0].prof.throttled = json_u64(c->sampler_report, "throttled");
	c->ms[0].prof.dropped = json_u64(c->sampler_report, "dropped");
	rc = 0;
out:
	free(folded), free(stats);
	return rc;
}

/* ref-bpf: does the eBPF sampler load here?  Asked of tare sample itself, once, on a program
 * that exits at once (-t cpu: the object, BTF and the capabilities; ~20 ms). */
static int bpf_available(const struct vopts *o, char *why, size_t len)
{
	char dir[] = "/tmp/tare-validate.XXXXXX", *folded, *errp, err[256];
	char *argv[] = { (char *)o->self, "sample", "--bpf", "-t", "cpu", "--folded", NULL, "--",
			 "true", NULL };
	struct child ch = { .pidfd = -1, .gate_fd = -1, .err_fd = -1 };
	int rc = -1;

	if (!mkdtemp(dir)) {
		snprintf(why, len, "cannot make a directory in /tmp: %s", strerror(errno));
		return -1;
	}
	folded = xasprintf("%s/probe.folded", dir);
	errp = xasprintf("%s/probe.err", dir);
	argv[6] = folded;
	if (spawn(&ch, argv, NULL, errp, err, sizeof(err)) < 0 ||
	    child_release(&ch, "tare sample", err, sizeof(err)) < 0) {
		snprintf(why, len, "%s", err);
	} else if (wait_exit(&ch, VALIDATE_READY_S) != 1) {
		child_stop(&ch, SIGKILL, 1);
		snprintf(why, len, "tare sample --bpf did not finish a probe run in %.0f s",
			 VALIDATE_READY_S);
	} else if (!(WIFEXITED(ch.status) && WEXITSTATUS(ch.status) == 0)) {
		char line[400];

		file_last_line(errp, "tare sample: ", line, sizeof(line));
		snprintf(why, len, "%s", line[0] ? line : "tare sample --bpf failed");
	} else {
		rc = 0;
	}
	child_close(&ch);
	{
		char *x = xasprintf("%s/probe.cpu.folded", dir);

		unlink(x), unlink(errp);
		free(x);
	}
	rmdir(dir);
	free(folded), free(errp);
	return rc;
}

static int bpf_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], rate[32], *pb = xasprintf("%s/ref-bpf.pb.gz", r->dir);
	char *folded = xasprintf("%s/ref-bpf.folded", r->dir);
	char *stats = xasprintf("%s/ref-bpf.json", r->dir);
	char *out = xasprintf("%s/ref-bpf.out", r->dir), *errp = xasprintf("%s/ref-bpf.err", r->dir);
	char *argv[24] = { (char *)r->o->self, "sample", "--bpf", "-t", (char *)r->w->type, "-p", pid,
			   "-o", pb, "--folded", folded, "--stats", stats };
	int n = 13, rc;

	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	if (!strcmp(r->w->type, "cpu")) {
		snprintf(hz, sizeof(hz), "%u", r->hz);
		argv[n++] = "-F", argv[n++] = hz;
		argv[n++] = "-e", argv[n++] = (char *)r->o->event;
	}
	if (!strcmp(r->w->type, "alloc")) {
		snprintf(rate, sizeof(rate), "%" PRIu64, r->o->alloc_rate);
		argv[n++] = "--alloc-rate", argv[n++] = rate;
	}
	argv[n] = NULL;
	rc = sample_start(s, argv, out, errp, err, len, code);
	free(pb), free(folded), free(stats), free(out), free(errp);
	return rc;
}

static int bpf_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	struct vcase *c = s->c;
	const char *type = r->w->type;
	char *stats = xasprintf("%s/ref-bpf.json", r->dir);
	char *folded = xasprintf("%s/ref-bpf.%s.folded", r->dir, type);
	char *pb = xasprintf("%s/ref-bpf.%s.pb.gz", r->dir, type);
	json_t *ty;
	uint64_t not_kept;
	int rc = -1;

	if (read_stats(c, stats, "tare sample --bpf", err, len) < 0)
		goto out;
	ty = json_object_get(json_object_get(c->sampler_report, "types"), type);
	not_kept = json_u64(ty, "stacks_not_kept");
	c->ms[0].prof.dropped = json_u64(c->sampler_report, "dropped") + not_kept;
	if (!strcmp(type, "cpu")) {
		if (read_folded_file(folded, "tare sample --bpf", &c->ms[0], err, len) < 0)
			goto out;
		c->ms[0].prof.samples = json_u64(c->sampler_report, "samples");
	} else {
		const struct vtruth *t[VALIDATE_MAX_MEASURES];
		struct vprofile *p[VALIDATE_MAX_MEASURES];
		int vi[VALIDATE_MAX_MEASURES];

		for (int k = 0; k < c->nm; k++) {
			t[k] = &c->ms[k].truth;
			p[k] = &c->ms[k].prof;
			vi[k] = c->ms[k].def->value;
		}
		if (vprofile_read_pprof(pb, t, p, vi, c->nm, err, len) < 0)
			goto out;
		/* the events it recorded: blocks, contentions, sampled allocations */
		c->ms[0].prof.samples = json_u64(ty, !strcmp(type, "offcpu") ? "blocks" :
						 !strcmp(type, "lock") ? "contentions" : "samples");
		if (!strcmp(type, "alloc")) {
			c->alloc_mean = (double)json_u64(ty, "mean_bytes");
			c->calls_seen = json_u64(ty, "calls");
			c->bytes_seen = json_u64(ty, "bytes");
		}
	}
	rc = 0;
out:
	free(stats), free(folded), free(pb);
	return rc;
}

/* ---- perf: `perf record -g -p PID`, read back through `perf script` ---- */

static int perf_available(const struct vopts *o, char *why, size_t len)
{
	char *perf = which("perf");

	(void)o;
	if (!perf) {
		snprintf(why, len, "perf is not installed (apt-get install linux-perf)");
		return -1;
	}
	free(perf);
	return 0;
}

/* perf starts with its events disabled (-D -1) and enables them when told on its control
 * fifo, answering "ack": so it samples from a known moment, before the workload runs. */
static int perf_start(struct vslot *s, struct vrun *r, char *err, size_t len, int *code)
{
	char hz[32], pid[32], *data = xasprintf("%s/perf.data", r->dir);
	char *ctl = xasprintf("%s/perf.ctl", r->dir), *ack = xasprintf("%s/perf.ack", r->dir);
	char *control = xasprintf("fifo:%s,%s", ctl, ack), *errp = xasprintf("%s/perf.err", r->dir);
	char *argv[] = { "perf", "record", "-F", hz, "-e", (char *)r->o->event, "-g", "-p", pid,
			 "-o", data, "-D", "-1", "--control", control, NULL };
	uint64_t t0;
	int rc = -1;

	snprintf(hz, sizeof(hz), "%u", r->hz);
	snprintf(pid, sizeof(pid), "%d", (int)r->wl.pid);
	*code = EXIT_FAIL;
	s->ctl_fd = s->ack_fd = -1;
	unlink(ctl), unlink(ack);
	if (mkfifo(ctl, 0600) < 0 || mkfifo(ack, 0600) < 0) {
		snprintf(err, len, "mkfifo %s: %s", ctl, strerror(errno));
		goto out;
	}
	/* read-write, so neither side's open blocks waiting for the other */
	s->ctl_fd = open(ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	s->ack_fd = open(ack, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->ctl_fd < 0 || s->ack_fd < 0) {
		snprintf(err, len, "open %s: %s", ctl, strerror(errno));
		goto out;
	}
	if (spawn(&s->ch, argv, NULL, errp, err, len) < 0 ||
	    child_release(&s->ch, "perf", err, len) < 0)
		goto out;
	s->started = 1;
	if (write(s->ctl_fd, "enable\n", 7) != 7) {
		snprintf(err, len, "write %s: %s", ctl, strerror(errno));
		goto out;
	}
	for (t0 = now_ns();;) {
		struct pollfd pf = { .fd = s->ack_fd, .events = POLLIN };
		char buf[16];
		int w;

		if (poll(&pf, 1, 5) > 0 && read(s->ack_fd, buf, sizeof(buf)) > 0) {
			rc = 0;
			break;
		}
		w = wait_exit(&s->ch, 0);
		if (w == 1) {
			char line[400];

			file_last_line(errp, "tare sample: ", line, sizeof(line));
			snprintf(err, len, "perf record: %s", line[0] ? line : "exited before it was ready");
			if (strstr(line, "ermission") || strstr(line, "paranoid"))
				*code = EXIT_CANNOT;
			break;
		}
		if (tare_interrupted) {
			snprintf(err, len, "interrupted");
			break;
		}
		if (now_ns() - t0 > (uint64_t)(VALIDATE_READY_S * 1e9)) {
			snprintf(err, len, "perf record did not enable its events in %.0f s (see %s)",
				 VALIDATE_READY_S, errp);
			break;
		}
	}
out:
	free(data), free(ctl), free(ack), free(control), free(errp);
	return rc;
}

/* Run argv with its stdout on a pipe (*f) and stderr into errpath; wait with reader_wait. */
static pid_t reader_open(char **argv, const char *errpath, FILE **f, char *err, size_t len)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(pfd[1], 1);
		if (fd >= 0)
			dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		snprintf(err, len, "fork: %s", strerror(errno));
		return -1;
	}
	*f = fdopen(pfd[0], "r");
	return pid;
}

/* Close the pipe, reap; 0 when it exited 0 (else err from its last line).  Adds its CPU. */
static int reader_wait(pid_t pid, FILE *f, const char *what, const char *errpath,
		       uint64_t *cpu_ns, char *err, size_t len)
{
	struct rusage ru;
	int status;

	fclose(f);
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	*cpu_ns += rusage_cpu_ns(&ru);
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		char line[400];

		file_last_line(errpath, "tare sample: ", line, sizeof(line));
		snprintf(err, len, "%s: %s", what, line[0] ? line : "failed");
		return -1;
	}
	return 0;
}

/* perf script has no option to show THROTTLE records (6.1); perf report --stats counts them. */
static int perf_throttled(const char *data, const char *errpath, struct vcase *c, char *err,
			  size_t len)
{
	char *argv[] = { "perf", "report", "-i", (char *)data, "--stats", "--stdio", NULL };
	char *line = NULL;
	size_t cap = 0;
	FILE *f;
	pid_t pid = reader_open(argv, errpath, &f, err, len);

	if (pid < 0)
		return -1;
	while (getline(&line, &cap, f) >= 0) {
		char *p = strstr(line, "THROTTLE events:");

		/* the aggregated line comes first; per-event sections repeat it */
		if (p && (p == line || p[-1] == ' ') && !strstr(line, "UNTHROTTLE")) {
			c->ms[0].prof.throttled = strtoull(p + 16, NULL, 10);
			break;
		}
	}
	while (getline(&line, &cap, f) >= 0)
		;
	free(line);
	return reader_wait(pid, f, "perf report --stats", errpath, &c->post_cpu_ns, err, len);
}

static int perf_collect(struct vslot *s, struct vrun *r, char *err, size_t len)
{
	char *data = xasprintf("%s/perf.data", r->dir), *errp = xasprintf("%s/perf-script.err", r->dir);
	char *argv[] = { "perf", "script", "-i", data, "-F", "comm,pid,tid,ip,sym,dso",
			 "--show-lost-events", NULL };
	FILE *f;
	pid_t pid = reader_open(argv, errp, &f, err, len);
	int rc = -1;

	(void)s;
	if (pid < 0)
		goto out;
	rc = vprofile_read_perf_script(f, &s->c->ms[0].truth, &s->c->ms[0].prof, err, len);
	if (reader_wait(pid, f, "perf script", errp, &s->c->post_cpu_ns, err, len) < 0 ||
	    perf_throttled(data, errp, s->c, err, len) < 0)
		rc = -1;
out:
	free(data), free(errp);
	return rc;
}

const struct vsampler vsamplers[] = {
	{ "ref", "cpu", 1, 0, 1, ref_available, ref_start, ref_collect },
	{ "ref-bpf", "cpu,offcpu,lock,alloc", 1, 1, 0, bpf_available, bpf_start, bpf_collect },
	{ "perf", "cpu", 0, 0, 0, perf_available, perf_start, perf_collect },
};
_Static_assert(sizeof(vsamplers) / sizeof(vsamplers[0]) == VALIDATE_NSAMPLERS,
	       "VALIDATE_NSAMPLERS (validate_int.h): one per row of vsamplers");

const struct vsampler *vsampler_find(const char *name)
{
	for (size_t i = 0; i < VALIDATE_NSAMPLERS; i++)
		if (!strcmp(vsamplers[i].name, name))
			return &vsamplers[i];
	return NULL;
}

int vsampler_takes(const struct vsampler *s, const char *type)
{
	size_t n = strlen(type);

	for (const char *p = s->types; (p = strstr(p, type)); p += n)
		if ((p == s->types || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* A run.                                                                                   */

static void stop_slot(struct vslot *s)
{
	if (s->started && !s->ch.reaped)
		child_stop(&s->ch, SIGINT, VALIDATE_STOP_S);
	child_close(&s->ch);
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	if (s->ack_fd >= 0)
		close(s->ack_fd);
	s->ctl_fd = s->ack_fd = -1;
}

int validate_run(struct vstate *st, struct vcase **cs, int n, int index)
{
	struct vrun r = { .o = st->o, .w = cs[0]->w, .index = index, .hz = cs[0]->hz,
			  .threads = cs[0]->threads };
	struct vslot *slots = xcalloc((size_t)n, sizeof(*slots));
	char err[512], rel[256], *bin = xasprintf("%s/workloads/%s", tare_build_dir(), r.w->name);
	char *out, *errp, **argv, *text;
	int rc = 0, code = EXIT_FAIL, released = 0, w;
	uint64_t t_released = 0;
	double timeout, steal = 0;
	struct procstat ps0, ps1, d;
	int have_ps0 = 0;

	for (int i = 0; i < n; i++) {
		slots[i] = (struct vslot){ .c = cs[i], .ctl_fd = -1, .ack_fd = -1 };
		slots[i].ch.pidfd = slots[i].ch.gate_fd = slots[i].ch.err_fd = -1;
	}
	if (r.hz)
		snprintf(rel, sizeof(rel), "runs/%02d-%s-%uhz-%dt%s%s", index + 1, r.w->name, r.hz,
			 r.threads, n == 1 ? "-" : "", n == 1 ? cs[0]->sampler->name : "");
	else
		snprintf(rel, sizeof(rel), "runs/%02d-%s-%dt%s%s", index + 1, r.w->name, r.threads,
			 n == 1 ? "-" : "", n == 1 ? cs[0]->sampler->name : "");
	if (snprintf(r.dir, sizeof(r.dir), "%s/%s", st->dir, rel) >= (int)sizeof(r.dir) ||
	    mkdir_p(r.dir, 0755) < 0) {
		const char *why = strerror(errno ? errno : ENAMETOOLONG);

		for (int i = 0; i < n; i++)
			cs[i]->status = CASE_FAILED,
			snprintf(cs[i]->reason, sizeof(cs[i]->reason), "cannot create %s: %s", rel, why);
		free(bin), free(slots);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		snprintf(cs[i]->dir, sizeof(cs[i]->dir), "%s", rel);
		cs[i]->run = index;
	}
	out = xasprintf("%s/workload.out", r.dir);
	errp = xasprintf("%s/workload.err", r.dir);
	argv = r.w->argv(bin, r.threads, cs[0]->duration_s);
	if (spawn(&r.wl, argv, out, errp, err, sizeof(err)) < 0) {
		for (int i = 0; i < n; i++)
			cs[i]->status = CASE_FAILED, snprintf(cs[i]->reason, sizeof(cs[i]->reason), "%s", err);
		goto done;
	}
	for (int i = 0; i < n; i++) {
		if (cs[i]->sampler->start(&slots[i], &r, err, sizeof(err), &code) == 0)
			continue;
		if (tare_interrupted) {
			rc = 130;
			goto done;
		}
		if (code == EXIT_CANNOT && cs[i]->sampler->gating && cs[i]->sampler->cannot_is_fatal) {
			validate_err("%s: %s", cs[i]->sampler->name, err);
			rc = EXIT_CANNOT;
			goto done;
		}
		cs[i]->status = code == EXIT_CANNOT ? CASE_SKIPPED : CASE_FAILED;
		snprintf(cs[i]->reason, sizeof(cs[i]->reason), "%s", err);
		stop_slot(&slots[i]);
	}
	if (child_release(&r.wl, bin, err, sizeof(err)) < 0) {
		for (int i = 0; i < n; i++)
			if (cs[i]->status == CASE_PENDING)
				cs[i]->status = CASE_FAILED,
				snprintf(cs[i]->reason, sizeof(cs[i]->reason), "%s", err);
		goto done;
	}
	released = 1;
	t_released = now_ns();
	have_ps0 = procstat_read(&ps0) == 0;
	timeout = cs[0]->duration_s + VALIDATE_WORKLOAD_SLACK_S;
	w = wait_exit(&r.wl, timeout);
	if (w == -2) {
		rc = 130;
		goto done;
	}
	if (w == 0) {
		child_stop(&r.wl, SIGTERM, 5);
		for (int i = 0; i < n; i++)
			if (cs[i]->status == CASE_PENDING)
				cs[i]->status = CASE_FAILED,
				snprintf(cs[i]->reason, sizeof(cs[i]->reason),
					 "the workload did not finish in %.0f s", timeout);
		goto done;
	}
	/* The stolen share of the time the CPUs wanted: an idle vCPU is not stolen from, so the
	 * whole machine's wall time would understate what the workload's vCPU lost. */
	if (have_ps0 && procstat_read(&ps1) == 0) {
		procstat_delta(&ps0, &ps1, &d);
		if (procstat_busy_ns(&d) + d.steal_ns > 0)
			steal = (double)d.steal_ns / (double)(procstat_busy_ns(&d) + d.steal_ns);
	}
	/* the samplers stop by themselves once the workload has exited */
	for (int i = 0; i < n; i++) {
		if (!slots[i].started || slots[i].ch.reaped)
			continue;
		if (wait_exit(&slots[i].ch, VALIDATE_STOP_S) == -2) {
			rc = 130;
			goto done;
		}
		stop_slot(&slots[i]);
	}
	if (!(WIFEXITED(r.wl.status) && WEXITSTATUS(r.wl.status) == 0)) {
		char how[128], line[400];

		describe_status(r.wl.status, how, sizeof(how));
		file_last_line(errp, "tare sample: ", line, sizeof(line));
		for (int i = 0; i < n; i++)
			if (cs[i]->status == CASE_PENDING)
				cs[i]->status = CASE_FAILED,
				snprintf(cs[i]->reason, sizeof(cs[i]->reason), "the workload %s%s%s", how,
					 line[0] ? ": " : "", line);
		goto done;
	}
	text = read_file(out, NULL);
	for (int i = 0; i < n; i++) {
		struct vcase *c = cs[i];

		if (c->status != CASE_PENDING)
			continue;
		c->workload_cpu_ns = rusage_cpu_ns(&r.wl.ru);
		c->workload_wall_ns = r.wl.reaped_ns > t_released ? r.wl.reaped_ns - t_released : 0;
		c->steal_share = steal;
		c->sampler_cpu_ns = rusage_cpu_ns(&slots[i].ch.ru);
		c->sampler_rss_bytes = (uint64_t)slots[i].ch.ru.ru_maxrss * 1024;
		if (!(WIFEXITED(slots[i].ch.status) && WEXITSTATUS(slots[i].ch.status) == 0)) {
			char how[128];

			describe_status(slots[i].ch.status, how, sizeof(how));
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s %s", c->sampler->name, how);
			continue;
		}
		for (int k = 0; k < c->nm && c->status == CASE_PENDING; k++)
			if (vmeasure_truth(r.w, c->ms[k].def, text ? text : "", &c->ms[k].truth, err,
					  sizeof(err)) < 0) {
				c->status = CASE_FAILED;
				snprintf(c->reason, sizeof(c->reason), "%s (%s)", err, out);
			}
		if (c->status != CASE_PENDING)
			continue;
		if (c->sampler->collect(&slots[i], &r, err, sizeof(err)) < 0) {
			c->status = CASE_FAILED;
			snprintf(c->reason, sizeof(c->reason), "%s", err);
			continue;
		}
		if (!strcmp(r.w->type, "alloc")) {
			if (!(c->alloc_mean > 0))
				c->alloc_mean = (double)st->o->alloc_rate;
			validate_alloc_calls_truth(text ? text : "", &c->calls_truth, &c->bytes_truth);
		}
		for (int k = 0; k < c->nm; k++)
			validate_metrics_kind(&c->ms[k].truth, &c->ms[k].prof, c->ms[k].def->kind,
					      c->alloc_mean, &c->ms[k].m);
		c->effective_hz = c->workload_cpu_ns ?
				  (double)c->ms[0].prof.samples / ((double)c->workload_cpu_ns / 1e9) : 0;
		c->status = CASE_OK;
		vcase_judge(st->o, c);
	}
	free(text);
done:
	for (int i = 0; i < n; i++)
		stop_slot(&slots[i]);
	if (!r.wl.reaped && r.wl.pid > 0)
		child_stop(&r.wl, released ? SIGTERM : SIGKILL, 5);
	child_close(&r.wl);
	{
		char *ctl = xasprintf("%s/perf.ctl", r.dir), *ack = xasprintf("%s/perf.ack", r.dir);

		unlink(ctl), unlink(ack);
		free(ctl), free(ack);
	}
	free_argv(argv);
	free(out), free(errp), free(bin), free(slots);
	return rc;
}
