/* sweep.c — clean up after tare runs that died; one measuring run at a time. */
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

/* Each measuring run holds an exclusive flock on /run/lock/tare-PID.lock for its lifetime: the
 * kernel drops it when the process dies however it dies, so a held lock is a live run (a PID
 * alone could have been reused by then). */
#define LOCK_DIR       "/run/lock"
#define LOCK_DIR_ALT   "/tmp"
#define LOCK_PREFIX    "tare-"
#define LOCK_SUFFIX    ".lock"
/* tare's cgroups sit directly beneath the cgroup of the tare that made them; on the whole
 * machine, a run may have been started anywhere down a service manager's tree. */
#define SWEEP_MAX_DEPTH 8

static const char *lock_dir(void)
{
	return access(LOCK_DIR, W_OK) == 0 ? LOCK_DIR : LOCK_DIR_ALT;
}

/* The tare PID a cgroup's name carries (tare-PID-tN-X, tare-probe-PID), or 0. */
static pid_t owner_pid(const char *name)
{
	int pid, idx, n = 0;
	char tag;
	if (sscanf(name, "tare-probe-%d%n", &pid, &n) == 1 && n && name[n] == '\0')
		return pid > 0 ? (pid_t)pid : 0;
	n = 0;
	if (sscanf(name, "tare-%d-t%d-%c%n", &pid, &idx, &tag, &n) == 3 && n && name[n] == '\0')
		return pid > 0 ? (pid_t)pid : 0;
	return 0;
}

/* Is the run's lock file held?  1 held, 0 free or absent. */
static int lock_held(pid_t pid)
{
	char path[PATH_MAX];
	int fd, held = 0;
	snprintf(path, sizeof(path), "%s/" LOCK_PREFIX "%d" LOCK_SUFFIX, lock_dir(), (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
		held = 1;
	close(fd);
	return held;
}

/* A live tare: its lock is held, or (a command that takes no lock, such as a cgroup probe) the
 * PID is a process named tare. */
static int live_tare(pid_t pid)
{
	char path[64], *comm;
	int yes;
	if (pid == getpid() || lock_held(pid))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	comm = read_line(path);
	yes = comm && !strcmp(comm, "tare");
	free(comm);
	return yes;
}

/* The BPF programs and links a process holds, from its fdinfo (as bpftool's pids column). */
static void count_bpf(pid_t pid, int *progs, int *links)
{
	char dir[64];
	DIR *d;
	struct dirent *de;
	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", (int)pid);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char path[320], *s;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!(s = read_file(path, NULL)))
			continue;
		if (strstr(s, "\nlink_id:"))
			(*links)++;
		else if (strstr(s, "\nprog_id:"))
			(*progs)++;
		free(s);
	}
	closedir(d);
}

struct seen {
	pid_t *v;
	int n;
};

/* SIGKILL everything in a group until it stays empty (bounded: a fork bomb can outrun us). */
static void empty_group(const char *dir, struct sweep_report *rep, struct seen *seen)
{
	char *procs = xasprintf("%s/cgroup.procs", dir);
	for (int round = 0; round < 200; round++) {
		char *s = read_file(procs, NULL), *line, *save = NULL;
		int n = 0;
		for (line = s ? strtok_r(s, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
			pid_t pid = (pid_t)atoi(line);
			int known = 0;
			if (pid <= 0)
				continue;
			for (int i = 0; i < seen->n && !known; i++)
				known = seen->v[i] == pid;
			if (!known) {
				/* v1 lists a process once per hierarchy: count it, and what it holds, once. */
				seen->v = xrealloc(seen->v, (size_t)(seen->n + 1) * sizeof(pid_t));
				seen->v[seen->n++] = pid;
				rep->processes++;
				count_bpf(pid, &rep->bpf_progs, &rep->bpf_links);
			}
			kill(pid, SIGKILL);
			n++;
		}
		free(s);
		if (!n)
			break;
		sleep_ns(5 * 1000000ull);
	}
	free(procs);
}

static void remove_group(const char *dir, struct sweep_report *rep)
{
	/* rmdir fails with EBUSY for a moment after the last task exits. */
	for (int tries = 0; tries < 100; tries++) {
		if (rmdir(dir) == 0 || errno == ENOENT) {
			rep->cgroups++;
			return;
		}
		sleep_ns(2 * 1000000ull);
	}
	if (!rep->cgroups_left++)
		snprintf(rep->error, sizeof(rep->error), "cannot remove %.180s: %s", dir, strerror(errno));
}

static void note_run(struct sweep_report *rep, pid_t pid)
{
	int n = rep->runs < 8 ? rep->runs : 8;
	for (int i = 0; i < n; i++)
		if (rep->run_pid[i] == pid)
			return;
	if (rep->runs < 8)
		rep->run_pid[rep->runs] = pid;
	rep->runs++;
}

static void walk(const char *dir, int depth, int maxdepth, struct sweep_report *rep, struct seen *seen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		pid_t pid;
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if ((pid = owner_pid(de->d_name))) {
			/* tare's groups have no children of tare's making: never descend into them. */
			if (!live_tare(pid)) {
				note_run(rep, pid);
				empty_group(path, rep, seen);
				remove_group(path, rep);
			}
		} else if (depth < maxdepth) {
			walk(path, depth + 1, maxdepth, rep, seen);
		}
	}
	closedir(d);
}

/* Lock files of runs that are gone: nobody holds them. */
static void sweep_locks(void)
{
	DIR *d = opendir(lock_dir());
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid, n = 0;
		if (sscanf(de->d_name, LOCK_PREFIX "%d" LOCK_SUFFIX "%n", &pid, &n) == 1 && n && de->d_name[n] == '\0' &&
		    pid != getpid() && !lock_held((pid_t)pid)) {
			char path[PATH_MAX];
			snprintf(path, sizeof(path), "%s/%s", lock_dir(), de->d_name);
			unlink(path);
		}
	}
	closedir(d);
}

void sweep_stale(int whole, struct sweep_report *rep)
{
	char **dirs;
	int n = cgroup_scan_dirs(whole, &dirs);
	struct seen seen = { 0 };
	memset(rep, 0, sizeof(*rep));
	for (int i = 0; i < n; i++) {
		walk(dirs[i], 0, whole ? SWEEP_MAX_DEPTH : 0, rep, &seen);
		free(dirs[i]);
	}
	free(dirs);
	free(seen.v);
	sweep_locks();
}

void sweep_describe(const struct sweep_report *rep, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	if (!rep->runs)
		return;
	off += (size_t)snprintf(buf, len, "cleaned up after %d tare run%s that died (PID", rep->runs, rep->runs > 1 ? "s" : "");
	for (int i = 0; i < rep->runs && i < 8 && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s %d", i ? "," : "", (int)rep->run_pid[i]);
	if (off < len && rep->runs > 8)
		off += (size_t)snprintf(buf + off, len - off, ", ...");
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, "): killed %d process%s", rep->processes,
					rep->processes == 1 ? "" : "es");
	if (off < len && (rep->bpf_progs || rep->bpf_links))
		off += (size_t)snprintf(buf + off, len - off, " (releasing the %d BPF program%s and %d link%s they held)",
					rep->bpf_progs, rep->bpf_progs == 1 ? "" : "s", rep->bpf_links, rep->bpf_links == 1 ? "" : "s");
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, ", removed %d cgroup%s", rep->cgroups, rep->cgroups == 1 ? "" : "s");
	if (off < len && rep->cgroups_left)
		snprintf(buf + off, len - off, "; %d could not be removed (%s)", rep->cgroups_left, rep->error);
}

int tare_concurrent;
static int lock_fd = -1;

static void unlock_at_exit(void)
{
	char path[PATH_MAX];
	if (lock_fd < 0)
		return;
	snprintf(path, sizeof(path), "%s/" LOCK_PREFIX "%d" LOCK_SUFFIX, lock_dir(), (int)getpid());
	unlink(path);
	close(lock_fd);
	lock_fd = -1;
}

/* Another live run's PID, or 0. */
static pid_t other_live_run(void)
{
	DIR *d = opendir(lock_dir());
	struct dirent *de;
	pid_t other = 0;
	if (!d)
		return 0;
	while (!other && (de = readdir(d))) {
		int pid, n = 0;
		if (sscanf(de->d_name, LOCK_PREFIX "%d" LOCK_SUFFIX "%n", &pid, &n) == 1 && n && de->d_name[n] == '\0' &&
		    pid != getpid() && lock_held((pid_t)pid))
			other = (pid_t)pid;
	}
	closedir(d);
	return other;
}

int sweep_begin(char *warning, size_t wlen, char *err, size_t errlen)
{
	struct sweep_report rep;
	char msg[1024], path[PATH_MAX];
	pid_t other;
	warning[0] = '\0';
	if (lock_fd >= 0)
		return 0;    /* calibrate runs several experiments: one lock for the process */
	sweep_stale(0, &rep);
	sweep_describe(&rep, msg, sizeof(msg));
	if (msg[0])
		tare_warn("%s", msg);
	if ((other = other_live_run())) {
		if (!tare_concurrent) {
			snprintf(err, errlen, "another tare run (PID %d) is measuring on this machine: two runs perturb each "
				 "other's numbers and pin their workloads to the same CPUs; wait for it, or pass --concurrent",
				 (int)other);
			return EXIT_CANNOT;
		}
		snprintf(warning, wlen, "another tare run (PID %d) measured on this machine at the same time (--concurrent): "
			 "the two perturb each other, and both pin their workloads to the same CPUs", (int)other);
	}
	snprintf(path, sizeof(path), "%s/" LOCK_PREFIX "%d" LOCK_SUFFIX, lock_dir(), (int)getpid());
	lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) == 0)
		atexit(unlock_at_exit);
	else
		tare_warn("cannot take the run lock %s: %s (other runs will not see this one)", path, strerror(errno));
	return 0;
}

static const char clean_usage[] =
	"usage: tare clean\n"
	"\n"
	"Clean up after tare runs that died (killed with SIGKILL, or on a machine that lost power):\n"
	"every cgroup on the machine named after a tare PID that is no longer a running tare\n"
	"(tare-PID-tN-w, -p, -d) has its processes killed (a dead eBPF sampler's programs and links\n"
	"go with them) and is removed.  A run does the same beneath its own cgroup when it starts.\n"
	"Live runs are left alone.\n"
	"\n"
	"exit codes: 0 clean (or nothing to do), 1 something could not be removed\n";

int sweep_main(int argc, char **argv)
{
	struct sweep_report rep;
	char msg[1024];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(clean_usage, stdout);
			return 0;
		}
		fprintf(stderr, "tare: clean: unknown argument '%s' (see tare clean --help)\n", argv[i]);
		return EXIT_USAGE;
	}
	sweep_stale(1, &rep);
	sweep_describe(&rep, msg, sizeof(msg));
	if (!msg[0]) {
		printf("nothing to clean: no cgroup of a tare run that died\n");
		return 0;
	}
	printf("%s\n", msg);
	return rep.cgroups_left ? EXIT_FAIL : 0;
}
