/* cgroup.c — discovery of tare's own cgroups, per-trial child groups, CPU and membership. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"
#include "util.h"

/* Mount point of the hierarchy: v1 by controller name in the super options, or cgroup2.
 * mountinfo gives the mount's root too: inside a container the root is not "/". */
static int find_mount(const char *controller, char *mnt, size_t mlen, char *root, size_t rlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char r[PATH_MAX], m[PATH_MAX], *sep, fstype[64], source[PATH_MAX], opts[1024];
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", r, m) != 2)
			continue;
		sep = strstr(line, " - ");
		if (!sep || sscanf(sep + 3, "%63s %4095s %1023s", fstype, source, opts) != 3)
			continue;
		if (controller == NULL) {
			found = !strcmp(fstype, "cgroup2");
		} else if (!strcmp(fstype, "cgroup")) {
			char *save = NULL, *tok;
			for (tok = strtok_r(opts, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				if (!strcmp(tok, controller))
					found = 1;
		}
		if (found) {
			snprintf(mnt, mlen, "%s", m);
			snprintf(root, rlen, "%s", r);
		}
	}
	fclose(f);
	return found;
}

/* Our cgroup path in a hierarchy from /proc/self/cgroup ("" controller = the v2 line). */
static int own_path(const char *controller, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2, *save = NULL, *tok;
		if (!c1 || !(c2 = strchr(c1 + 1, ':')))
			continue;
		*c2 = '\0';
		line[strcspn(line, "\n")] = '\0';
		c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (!controller) {
			found = c1[1] == '\0' && !strncmp(line, "0", 1);
		} else {
			for (tok = strtok_r(c1 + 1, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				if (!strcmp(tok, controller))
					found = 1;
		}
		if (found)
			snprintf(out, len, "%s", c2 + 1);
	}
	fclose(f);
	return found;
}

static int base_dir(const char *controller, char *out, size_t len, char *mount, size_t mlen)
{
	char mnt[PATH_MAX], root[PATH_MAX], path[PATH_MAX];
	const char *rel;
	if (!find_mount(controller, mnt, sizeof(mnt), root, sizeof(root)) || !own_path(controller, path, sizeof(path)))
		return 0;
	/* Inside a container the mount's root is our own cgroup: then there is no machine view. */
	snprintf(mount, mlen, "%s", strcmp(root, "/") ? "" : mnt);
	rel = path;
	if (strcmp(root, "/") && !strncmp(path, root, strlen(root)))
		rel = path + strlen(root);
	return snprintf(out, len, "%s%s", mnt, !strcmp(rel, "/") ? "" : rel) < (int)len;
}

/* Where to look for what other tare runs left: in every mounted hierarchy (v1 and v2), tare's
 * own cgroup (whole = 0: where a run started from here makes its groups), or the mount point
 * (whole = 1: the machine).  Returns the count; *dirs malloc'd, each entry too. */
int cgroup_scan_dirs(int whole, char ***dirs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int n = 0;
	*dirs = NULL;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char r[PATH_MAX], m[PATH_MAX], *sep, fstype[64], source[PATH_MAX], opts[1024], own[PATH_MAX] = "";
		char *save = NULL, *tok, *dir;
		int found = 0;
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", r, m) != 2 || !(sep = strstr(line, " - ")) ||
		    sscanf(sep + 3, "%63s %4095s %1023s", fstype, source, opts) != 3)
			continue;
		if (!strcmp(fstype, "cgroup2"))
			found = own_path(NULL, own, sizeof(own));
		else if (!strcmp(fstype, "cgroup"))
			for (tok = strtok_r(opts, ",", &save); tok && !found; tok = strtok_r(NULL, ",", &save))
				found = own_path(tok, own, sizeof(own));
		if (!found)
			continue;
		if (whole)
			dir = xstrdup(m);
		else {
			const char *rel = own;
			if (strcmp(r, "/") && !strncmp(own, r, strlen(r)))
				rel = own + strlen(r);
			dir = xasprintf("%s%s", m, !strcmp(rel, "/") ? "" : rel);
		}
		for (int i = 0; i < n && dir; i++)
			if (!strcmp((*dirs)[i], dir))
				free(dir), dir = NULL;
		if (dir) {
			*dirs = xrealloc(*dirs, (size_t)(n + 1) * sizeof(char *));
			(*dirs)[n++] = dir;
		}
	}
	fclose(f);
	return n;
}

/* Can we make a child here?  Try it: permissions on cgroupfs are not what access() says. */
static int probe_writable(const char *base, char *why, size_t len)
{
	char *p = xasprintf("%s/tare-probe-%d", base, (int)getpid());
	int ok = mkdir(p, 0755) == 0;
	if (!ok)
		snprintf(why, len, "cannot create a cgroup in %.160s: %s", base, strerror(errno));
	else
		rmdir(p);
	free(p);
	return ok;
}

static int v2_has(const char *base, const char *file, const char *word)
{
	char *p = xasprintf("%s/%s", base, file), *s = read_file(p, NULL), *tok, *save = NULL;
	int yes = 0;
	free(p);
	if (!s)
		return 0;
	for (tok = strtok_r(s, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, word))
			yes = 1;
	free(s);
	return yes;
}

void cgroup_init(struct cgroup_sys *s)
{
	const char *force = getenv("TARE_CGROUP");
	char why[256] = "", memwhy[256], v1cpu[PATH_MAX], v1mem[PATH_MAX], v2[PATH_MAX];
	char v1cpu_mnt[PATH_MAX], v1mem_mnt[PATH_MAX], v2_mnt[PATH_MAX];
	int has_v1cpu, has_v1mem, has_v2;
	memset(s, 0, sizeof(*s));
	has_v1cpu = base_dir("cpuacct", v1cpu, sizeof(v1cpu), v1cpu_mnt, sizeof(v1cpu_mnt));
	has_v1mem = base_dir("memory", v1mem, sizeof(v1mem), v1mem_mnt, sizeof(v1mem_mnt));
	has_v2 = base_dir(NULL, v2, sizeof(v2), v2_mnt, sizeof(v2_mnt));
	if (force && !strcmp(force, "none"))
		has_v1cpu = has_v1mem = has_v2 = 0, snprintf(why, sizeof(why), "TARE_CGROUP=none");
	else if (force && !strcmp(force, "v2"))
		has_v1cpu = has_v1mem = 0;
	else if (force && !strcmp(force, "v1"))
		has_v2 = 0;

	/* v1 cpuacct counts in ns and splits user/system; on hybrid systems it is the better clock. */
	if (has_v1cpu && probe_writable(v1cpu, why, sizeof(why))) {
		s->cpu_mode = CG_V1;
		snprintf(s->cpu_base, sizeof(s->cpu_base), "%s", v1cpu);
		snprintf(s->cpu_root, sizeof(s->cpu_root), "%s", v1cpu_mnt);
	} else if (has_v2 && probe_writable(v2, why, sizeof(why))) {
		s->cpu_mode = CG_V2;
		snprintf(s->cpu_base, sizeof(s->cpu_base), "%s", v2);
		snprintf(s->cpu_root, sizeof(s->cpu_root), "%s", v2_mnt);
	}
	if (s->cpu_mode == CG_V2 && v2_has(v2, "cgroup.controllers", "memory")) {
		char *sub = xasprintf("%s/cgroup.subtree_control", v2);
		if (v2_has(v2, "cgroup.subtree_control", "memory") || write_str(sub, "+memory") == 0)
			s->mem_mode = CG_V2, snprintf(s->mem_base, sizeof(s->mem_base), "%s", v2);
		free(sub);
	}
	if (!s->mem_mode && has_v1mem && probe_writable(v1mem, memwhy, sizeof(memwhy))) {
		s->mem_mode = CG_V1;
		snprintf(s->mem_base, sizeof(s->mem_base), "%s", v1mem);
	}
	snprintf(s->desc, sizeof(s->desc), "%s%s%s",
		 s->cpu_mode == CG_V1 ? "v1 (cpuacct" : s->cpu_mode == CG_V2 ? "v2 (cpu.stat" : "none (procfs",
		 s->mem_mode == CG_V1 ? ", memory" : s->mem_mode == CG_V2 ? ", memory.peak" : "",
		 ")");
	if (s->cpu_mode == CG_NONE)
		snprintf(s->warning, sizeof(s->warning),
			 "no writable cgroup hierarchy (%s): CPU falls back to per-thread schedstat of the process "
			 "group, which misses threads that exit early; run as root or delegate a cgroup to this user",
			 why[0] ? why : "none mounted");
}

static int make_dir(const char *base, const char *name, char *out, size_t len, char *err, size_t errlen)
{
	if (snprintf(out, len, "%s/%s", base, name) >= (int)len) {
		snprintf(err, errlen, "cgroup path too long under %.200s", base);
		out[0] = '\0';
		return -1;
	}
	if (mkdir(out, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", out, strerror(errno));
		out[0] = '\0';
		return -1;
	}
	return 0;
}

int cgroup_create(const struct cgroup_sys *s, const char *name, struct cgroup *cg, char *err, size_t errlen)
{
	memset(cg, 0, sizeof(*cg));
	cg->sys = s;
	if (s->cpu_mode != CG_NONE && make_dir(s->cpu_base, name, cg->cpu_path, sizeof(cg->cpu_path), err, errlen) < 0)
		return -1;
	if (s->mem_mode != CG_NONE && strcmp(s->mem_base, s->cpu_base) &&
	    make_dir(s->mem_base, name, cg->mem_path, sizeof(cg->mem_path), err, errlen) < 0) {
		cgroup_destroy(cg);
		return -1;
	}
	if (s->mem_mode != CG_NONE && !strcmp(s->mem_base, s->cpu_base))
		snprintf(cg->mem_path, sizeof(cg->mem_path), "%s", cg->cpu_path);
	return 0;
}

static int join(const char *dir, pid_t pid, char *err, size_t errlen)
{
	char *p = xasprintf("%s/cgroup.procs", dir), num[24];
	int rc;
	snprintf(num, sizeof(num), "%d", (int)pid);
	rc = write_str(p, num);
	if (rc < 0)
		snprintf(err, errlen, "cannot move pid %d into %s: %s", (int)pid, dir, strerror(errno));
	free(p);
	return rc;
}

int cgroup_attach(struct cgroup *cg, pid_t pid, char *err, size_t errlen)
{
	cg->pgid = pid;
	if (cg->cpu_path[0] && join(cg->cpu_path, pid, err, errlen) < 0)
		return -1;
	if (cg->mem_path[0] && strcmp(cg->mem_path, cg->cpu_path) && join(cg->mem_path, pid, err, errlen) < 0)
		return -1;
	return 0;
}

/* procfs mode: the processes whose process group is pgid. */
struct group_scan {
	pid_t pgid;
	pid_t *pids;
	int n, cap;
};

static void group_scan_add(pid_t pid, const struct procfs_stat *st, void *arg)
{
	struct group_scan *g = arg;

	if (st->pgrp != g->pgid)
		return;
	if (g->n == g->cap)
		g->pids = xrealloc(g->pids, (size_t)(g->cap *= 2) * sizeof(pid_t));
	g->pids[g->n++] = pid;
}

static int group_pids(pid_t pgid, pid_t **pids)
{
	struct group_scan g = { .pgid = pgid, .cap = 16 };

	g.pids = xmalloc((size_t)g.cap * sizeof(pid_t));
	procfs_each_process(group_scan_add, &g);
	*pids = g.pids;
	return g.n;
}

/* In place by PID: root and its descendants now. */
struct tree_scan {
	pid_t *pid, *parent;
	int n, cap;
};

static void tree_scan_add(pid_t pid, const struct procfs_stat *st, void *arg)
{
	struct tree_scan *t = arg;
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->pid = xrealloc(t->pid, (size_t)t->cap * sizeof(pid_t));
		t->parent = xrealloc(t->parent, (size_t)t->cap * sizeof(pid_t));
	}
	t->pid[t->n] = pid, t->parent[t->n++] = (pid_t)st->ppid;
}

static int tree_pids(pid_t root, pid_t **pids)
{
	struct tree_scan t = { 0 };
	int out = 0, grew;
	procfs_each_process(tree_scan_add, &t);
	*pids = xmalloc((size_t)(t.n + 1) * sizeof(pid_t));
	for (int i = 0; i < t.n; i++)
		if (t.pid[i] == root)
			(*pids)[out++] = root;
	/* descendants: whoever's parent is in the set, until nothing is added (a tree is shallow) */
	do {
		grew = 0;
		for (int i = 0; i < t.n; i++) {
			int in = 0, par = 0;
			for (int k = 0; k < out && !(in && par); k++)
				in |= (*pids)[k] == t.pid[i], par |= (*pids)[k] == t.parent[i];
			if (par && !in)
				(*pids)[out++] = t.pid[i], grew = 1;
		}
	} while (grew);
	free(t.pid);
	free(t.parent);
	return out;
}

int cgroup_pids(const struct cgroup *cg, pid_t **pids)
{
	char *p, *s, *line, *save = NULL;
	int n = 0, cap = 16;
	if (cg->tree)
		return tree_pids(cg->tree, pids);
	if (!cg->cpu_path[0])
		return cg->pgid > 0 ? group_pids(cg->pgid, pids) : (*pids = NULL, 0);
	p = xasprintf("%s/cgroup.procs", cg->cpu_path);
	s = read_file(p, NULL);
	free(p);
	*pids = xmalloc((size_t)cap * sizeof(pid_t));
	if (!s)
		return 0;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (n == cap)
			*pids = xrealloc(*pids, (size_t)(cap *= 2) * sizeof(pid_t));
		(*pids)[n++] = (pid_t)atoi(line);
	}
	free(s);
	return n;
}

/* procfs mode CPU: schedstat gives ns on CPU per thread; stat's utime/stime (ticks) give the
 * user/system proportion, applied to the ns total. */
static int procfs_cpu(const pid_t *pids, int n, struct cg_cpu *out)
{
	uint64_t user_ticks = 0, sys_ticks = 0;
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n; i++) {
		char dir[64];
		DIR *d;
		struct dirent *de;
		snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pids[i]);
		if (!(d = opendir(dir)))
			continue;
		while ((de = readdir(d))) {
			char path[360];
			struct procfs_stat st;
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/schedstat", dir, de->d_name);
			out->total_ns += procfs_schedstat_ns(path);
			snprintf(path, sizeof(path), "%s/%s/stat", dir, de->d_name);
			if (procfs_stat_read(path, &st) == 0)
				user_ticks += st.utime_ticks, sys_ticks += st.stime_ticks;
		}
		closedir(d);
	}
	if (user_ticks + sys_ticks > 0) {
		out->user_ns = (uint64_t)((double)out->total_ns * (double)user_ticks / (double)(user_ticks + sys_ticks));
		out->sys_ns = out->total_ns - out->user_ns;
	} else {
		out->user_ns = out->total_ns;
	}
	return 0;
}

static int v2_cpu(const char *dir, struct cg_cpu *out)
{
	char *p = xasprintf("%s/cpu.stat", dir), *s = read_file(p, NULL), *line, *save = NULL;
	free(p);
	if (!s)
		return -1;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;
		if (sscanf(line, "usage_usec %llu", &v) == 1)
			out->total_ns = v * 1000;
		else if (sscanf(line, "user_usec %llu", &v) == 1)
			out->user_ns = v * 1000;
		else if (sscanf(line, "system_usec %llu", &v) == 1)
			out->sys_ns = v * 1000;
	}
	free(s);
	return 0;
}

static int v1_cpu(const char *dir, struct cg_cpu *out)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/cpuacct.usage", dir);
	if (read_u64(path, &out->total_ns) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/cpuacct.usage_user", dir);
	if (read_u64(path, &out->user_ns) < 0)
		out->user_ns = out->total_ns;
	snprintf(path, sizeof(path), "%s/cpuacct.usage_sys", dir);
	if (read_u64(path, &out->sys_ns) < 0)
		out->sys_ns = 0;
	return 0;
}

static int summed_by_procfs(const struct cgroup *cg)
{
	return cg->tree || (cg->sys->cpu_mode != CG_V1 && cg->sys->cpu_mode != CG_V2 && cg->pgid > 0);
}

int cgroup_cpu_members(const struct cgroup *cg, pid_t **pids)
{
	*pids = NULL;
	return summed_by_procfs(cg) ? cgroup_pids(cg, pids) : -1;
}

int cgroup_cpu_of(const struct cgroup *cg, const pid_t *pids, int n, struct cg_cpu *out)
{
	memset(out, 0, sizeof(*out));
	if (pids)
		return procfs_cpu(pids, n, out);
	switch (cg->sys->cpu_mode) {
	case CG_V1:
		return v1_cpu(cg->cpu_path, out);
	case CG_V2:
		return v2_cpu(cg->cpu_path, out);
	default:
		return 0;
	}
}

int cgroup_cpu(const struct cgroup *cg, struct cg_cpu *out)
{
	pid_t *pids;
	int n = cgroup_cpu_members(cg, &pids), rc = cgroup_cpu_of(cg, pids, n, out);
	free(pids);
	return rc;
}

int cgroup_root_cpu(const struct cgroup_sys *s, uint64_t *ns)
{
	struct cg_cpu c = { 0 };
	int rc = -1;
	if (!s->cpu_root[0])
		return -1;
	if (s->cpu_mode == CG_V1)
		rc = v1_cpu(s->cpu_root, &c);
	else if (s->cpu_mode == CG_V2)
		rc = v2_cpu(s->cpu_root, &c);
	*ns = c.total_ns;
	return rc;
}

int cgroup_mem_peak(const struct cgroup *cg, uint64_t *bytes)
{
	char path[PATH_MAX + 32];
	if (!cg->mem_path[0])
		return -1;
	snprintf(path, sizeof(path), "%s/%s", cg->mem_path,
		 cg->sys->mem_mode == CG_V2 ? "memory.peak" : "memory.max_usage_in_bytes");
	return read_u64(path, bytes);
}

int cgroup_borrow(const struct cgroup_sys *s, const char *path, struct cgroup *cg, char *err, size_t errlen)
{
	char real[PATH_MAX], root[PATH_MAX];
	size_t rl;
	memset(cg, 0, sizeof(*cg));
	cg->sys = s;
	cg->borrowed = 1;
	if (s->cpu_mode == CG_NONE || !s->cpu_root[0]) {
		snprintf(err, errlen, "cgroup %s: no CPU hierarchy is readable here (%s): give the service by --pid", path,
			 s->warning[0] ? s->warning : "none mounted");
		return -1;
	}
	if (path[0] == '/')
		snprintf(cg->cpu_path, sizeof(cg->cpu_path), "%s", path);
	else
		snprintf(cg->cpu_path, sizeof(cg->cpu_path), "%.*s/%.*s", PATH_MAX / 2, s->cpu_root, PATH_MAX / 2 - 2, path);
	if (!realpath(cg->cpu_path, real) || !realpath(s->cpu_root, root)) {
		snprintf(err, errlen, "cgroup %s: no such cgroup (looked for %s)", path, cg->cpu_path);
		return -1;
	}
	rl = strlen(root);
	if (strncmp(real, root, rl) || (real[rl] != '/' && real[rl] != '\0')) {
		snprintf(err, errlen, "cgroup %s is not beneath %s, the CPU hierarchy tare reads", path, root);
		return -1;
	}
	snprintf(cg->cpu_path, sizeof(cg->cpu_path), "%s", real);
	return 0;
}

void cgroup_tree(const struct cgroup_sys *s, pid_t pid, struct cgroup *cg)
{
	memset(cg, 0, sizeof(*cg));
	cg->sys = s;
	cg->tree = pid;
	cg->borrowed = 1;
}

void cgroup_kill_all(const struct cgroup *cg)
{
	if (cg->borrowed)
		return;   /* a service's: never */
	/* Killing is racy against forks: repeat until the group stays empty (bounded). */
	for (int round = 0; round < 200; round++) {
		pid_t *pids;
		int n = cgroup_pids(cg, &pids);
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		free(pids);
		if (n == 0)
			return;
		sleep_ns(5 * 1000000ull);
	}
	tare_warn("processes remain in cgroup %s after repeated SIGKILL", cg->cpu_path[0] ? cg->cpu_path : "(procfs group)");
}

void cgroup_destroy(struct cgroup *cg)
{
	/* rmdir fails with EBUSY for a moment after the last task exits; retry briefly. */
	char *dirs[2] = { cg->cpu_path, cg->mem_path };
	if (cg->borrowed)
		return;
	for (int i = 0; i < 2; i++) {
		if (!dirs[i][0] || (i == 1 && !strcmp(dirs[1], dirs[0])))
			continue;
		for (int tries = 0; tries < 100; tries++) {
			if (rmdir(dirs[i]) == 0 || errno == ENOENT)
				break;
			sleep_ns(2 * 1000000ull);
		}
		if (path_exists(dirs[i]))
			tare_warn("cannot remove cgroup %s: %s", dirs[i], strerror(errno));
	}
	cg->cpu_path[0] = cg->mem_path[0] = '\0';
}
