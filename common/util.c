/* util.c — errors, memory, clocks and files for the harness. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int tare_verbose;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "tare: %s%s\n", prefix, buf);
}

void tare_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void tare_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void tare_debug(const char *fmt, ...)
{
	va_list ap;
	if (!tare_verbose)
		return;
	va_start(ap, fmt);
	vmsg("debug: ", fmt, ap);
	va_end(ap);
}

void tare_die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(code);
}

void tare_err_as(const char *who, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", who, buf);
}

int tare_vusage(const char *who, const char *help, const char *fmt, va_list ap)
{
	char buf[4096];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	fprintf(stderr, "%s: %s (see %s)\n", who, buf, help);
	return EXIT_USAGE;
}

int tare_usage(const char *who, const char *help, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tare_vusage(who, help, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		tare_die(EXIT_FAIL, "out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		tare_die(EXIT_FAIL, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		tare_die(EXIT_FAIL, "out of memory (%zu bytes)", n);
	return p;
}

char *xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		tare_die(EXIT_FAIL, "out of memory");
	return d;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		tare_die(EXIT_FAIL, "out of memory");
	va_end(ap);
	return s;
}

void ptrvec_push(struct ptrvec *pv, void *p)
{
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 8;
		pv->v = xrealloc(pv->v, (size_t)pv->cap * sizeof(*pv->v));
	}
	pv->v[pv->n++] = p;
}

uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rusage_cpu_ns(const struct rusage *ru)
{
	return ((uint64_t)ru->ru_utime.tv_sec + (uint64_t)ru->ru_stime.tv_sec) * 1000000000ull +
	       ((uint64_t)ru->ru_utime.tv_usec + (uint64_t)ru->ru_stime.tv_usec) * 1000ull;
}

uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t wall_ns(void) { return clock_ns(CLOCK_REALTIME); }

void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf;
	if (fd < 0)
		return NULL;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;
		if (n + 1 >= cap)
			buf = xrealloc(buf, cap *= 2);
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *read_line(const char *path)
{
	char *s = read_file(path, NULL);
	if (s)
		s[strcspn(s, "\n")] = '\0';
	return s;
}

int read_u64(const char *path, uint64_t *out)
{
	char *s = read_line(path), *end;
	if (!s)
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s) {
		free(s);
		errno = EINVAL;
		return -1;
	}
	free(s);
	return 0;
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s);
	ssize_t w;
	if (fd < 0)
		return -1;
	w = write(fd, s, len);
	if (w < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	close(fd);
	return (size_t)w == len ? 0 : -1;
}

void text_last_line(char *text, const char *prefix, char *out, size_t len)
{
	char *end = text + strlen(text), *start;

	while (end > text && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		*--end = '\0';
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	if (prefix && !strncmp(start, prefix, strlen(prefix)))
		start += strlen(prefix);
	snprintf(out, len, "%s", start);
}

void file_last_line(const char *path, const char *prefix, char *out, size_t len)
{
	char *s = read_file(path, NULL);

	out[0] = '\0';
	if (!s)
		return;
	text_last_line(s, prefix, out, len);
	free(s);
}

char *atomic_tmp_name(const char *path)
{
	return xasprintf("%s.tmp.%d", path, (int)getpid());
}

int atomic_commit(const char *tmp, const char *path, int failed, char *err, size_t errlen)
{
	if (failed) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno ? errno : EIO));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = atomic_tmp_name(path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;
	if (fd < 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			close(fd);
			goto fail_unlink;
		}
		off += (size_t)w;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0)
		goto fail_unlink;
	free(tmp);
	return 0;
fail_unlink:
	{
		int e = errno;
		unlink(tmp);
		errno = e;
	}
fail:
	free(tmp);
	return -1;
}

int mkdir_p(const char *path, unsigned mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		if (!d)
			return -1;
		while ((de = readdir(d))) {
			char *sub;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			sub = xasprintf("%s/%s", path, de->d_name);
			rm_rf(sub);
			free(sub);
		}
		closedir(d);
		return rmdir(path);
	}
	return unlink(path);
}

int path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *which(const char *cmd)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	if (!cmd || !*cmd)
		return NULL;
	if (strchr(cmd, '/'))
		return access(cmd, X_OK) == 0 ? xstrdup(cmd) : NULL;
	copy = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", dir, cmd);
		if (access(full, X_OK) == 0) {
			free(copy);
			return full;
		}
		free(full);
	}
	free(copy);
	return NULL;
}

static char root_dir[PATH_MAX], build_dir[PATH_MAX];

static void find_dirs(void)
{
	const char *env = getenv("TARE_ROOT");
	char exe[PATH_MAX];
	ssize_t n;
	if (root_dir[0])
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';          /* .../build */
		snprintf(build_dir, sizeof(build_dir), "%s", exe);
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';          /* the source tree */
		snprintf(root_dir, sizeof(root_dir), "%s", exe);
	} else {
		snprintf(root_dir, sizeof(root_dir), ".");
		snprintf(build_dir, sizeof(build_dir), "build");
	}
	if (env && *env) {
		snprintf(root_dir, sizeof(root_dir), "%s", env);
		if (snprintf(build_dir, sizeof(build_dir), "%s/build", env) >= (int)sizeof(build_dir))
			build_dir[0] = '\0';
	}
	env = getenv("TARE_BUILD");
	if (env && *env)
		snprintf(build_dir, sizeof(build_dir), "%s", env);
}

const char *tare_root(void)
{
	find_dirs();
	return root_dir;
}

const char *tare_build_dir(void)
{
	find_dirs();
	return build_dir;
}

int ncpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int online_cpus(int **out)
{
	char *s = read_line("/sys/devices/system/cpu/online"), *p, *save = NULL;
	int n = 0, cap = 8, *v = xmalloc(sizeof(int) * 8);

	for (p = s ? strtok_r(s, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save)) {
		int a, b;

		if (sscanf(p, "%d-%d", &a, &b) != 2)
			b = a = atoi(p);
		for (int c = a; c <= b && c >= 0; c++) {
			if (n == cap)
				v = xrealloc(v, sizeof(int) * (size_t)(cap *= 2));
			v[n++] = c;
		}
	}
	free(s);
	if (!n)
		for (; n < ncpus_online() && n < cap; n++)
			v[n] = n;
	*out = v;
	return n;
}

int list_threads(pid_t pid, pid_t **out)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int n = 0, cap = 16;
	pid_t *v;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	v = xmalloc(sizeof(*v) * (size_t)cap);
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		if (n == cap)
			v = xrealloc(v, sizeof(*v) * (size_t)(cap *= 2));
		v[n++] = (pid_t)atoi(de->d_name);
	}
	closedir(d);
	*out = v;
	return n;
}

int sys_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

int write_byte_nosigpipe(int fd, char c)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	ssize_t n;
	int e;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	do
		n = write(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	e = errno;
	sigaction(SIGPIPE, &old, NULL);
	errno = e;
	return n == 1 ? 0 : -1;
}

void fput_base64(FILE *f, const void *bytes, size_t n, int url_safe)
{
	const char *tab = url_safe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
				   : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = bytes;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		fputc(tab[v >> 18 & 63], f);
		fputc(tab[v >> 12 & 63], f);
		fputc(i + 1 < n ? tab[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? tab[v & 63] : '=', f);
	}
}

char *tare_command_line(int argc, char *const *argv)
{
	size_t len = 5;
	char *s;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = xmalloc(len);
	strcpy(s, "tare");
	for (int i = 0; i < argc; i++)
		strcat(strcat(s, " "), argv[i]);
	return s;
}
