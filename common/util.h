/* util.h — small helpers the harness, the samplers and the load driver share: errors, memory,
 * clocks, files. */
#ifndef TARE_UTIL_H
#define TARE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* Exit codes, as DESIGN.md: scripts and CI branch on them. */
enum {
	EXIT_PASS = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,        /* bad command line, script or configuration */
	EXIT_CANNOT = 3,       /* cannot measure here: missing permission, feature or tool */
	EXIT_INCONCLUSIVE = 4,
};

extern int tare_verbose;

/* One line on stderr, prefixed "tare: ".  What failed, on which input, what to do. */
void tare_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tare_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tare_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void tare_die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* One line on stderr as a command other than tare's own says it: "WHO: MESSAGE" (who
 * "tare sample"). */
void tare_err_as(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error, the one line every command prints for one: "WHO: MESSAGE (see HELP)" on stderr
 * (who "tare hist", help "tare hist --help").  Returns EXIT_USAGE. */
int tare_usage(const char *who, const char *help, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tare_vusage(const char *who, const char *help, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "tare ARGV..." as typed (argv[0] is the command's name, e.g. "run"): the line a report's
 * Reproduce section shows.  malloc'd. */
char *tare_command_line(int argc, char *const *argv);

/* Growable array of pointers; the owner decides what the elements are. */
struct ptrvec {
	void **v;
	int n, cap;
};
void ptrvec_push(struct ptrvec *pv, void *p);

uint64_t now_ns(void);           /* CLOCK_MONOTONIC */
uint64_t wall_ns(void);          /* CLOCK_REALTIME */
uint64_t clock_ns(clockid_t id); /* any clock: CLOCK_PROCESS_CPUTIME_ID, ... */
struct rusage;
uint64_t rusage_cpu_ns(const struct rusage *ru);	/* user + system */
void sleep_ns(uint64_t ns);

/* Whole file into a NUL-terminated buffer; NULL with errno on failure. */
char *read_file(const char *path, size_t *len);
/* First line of a small file (sysfs/procfs) without the newline; NULL on failure. */
char *read_line(const char *path);
int read_u64(const char *path, uint64_t *out);
int write_str(const char *path, const char *s);
/* The last non-empty line of text (trailing newlines, blanks and CRs dropped; text is cut
 * there), without prefix where it starts with it (NULL: none), into out: what a failed
 * program's log says went wrong.  file_last_line() reads it from a file; "" when it cannot. */
void text_last_line(char *text, const char *prefix, char *out, size_t len);
void file_last_line(const char *path, const char *prefix, char *out, size_t len);
/* Write via a temporary file and rename, so a reader never sees half a file. */
int write_file_atomic(const char *path, const char *data, size_t len);
/* The same for writers of their own (stdio, zlib): write into atomic_tmp_name(path) (free it),
 * then atomic_commit() with failed set when a write or the close failed (errno then says why);
 * it renames the temporary into place.  0, or -1 with err set and the temporary removed. */
char *atomic_tmp_name(const char *path);
int atomic_commit(const char *tmp, const char *path, int failed, char *err, size_t errlen);
int mkdir_p(const char *path, unsigned mode);
int rm_rf(const char *path);
int path_exists(const char *path);
/* Search PATH like execvp; returns a malloc'd path or NULL. */
char *which(const char *cmd);

/* The directory holding the tare sources (workloads/, profilers/, scripts/) and the build
 * directory holding its programs, found from /proc/self/exe (build/tare); TARE_ROOT and
 * TARE_BUILD override them (the unit tests live in build/tests/). */
const char *tare_root(void);
const char *tare_build_dir(void);
const char *tare_version(void);

int ncpus_online(void);
/* The online CPUs' numbers, from /sys/devices/system/cpu/online ("0-3,6"), into a malloc'd
 * array; their count (0 .. ncpus_online()-1 where the file cannot be read). */
int online_cpus(int **out);
/* The threads of a process, from /proc/PID/task, into a malloc'd array; their count, or -1
 * when the process does not exist. */
int list_threads(pid_t pid, pid_t **out);
/* Write one byte to a pipe whose reader may be gone (a gated child that died): -1 with EPIPE,
 * not a SIGPIPE that kills tare. */
int write_byte_nosigpipe(int fd, char c);
/* pidfd_open(2); -1 with ENOSYS where the C library's headers lack it. */
int sys_pidfd_open(pid_t pid);

/* n bytes as base64 (RFC 4648, padded with '='): the standard alphabet, or with url_safe the
 * URL and file name one ('-' and '_' for '+' and '/'). */
void fput_base64(FILE *f, const void *bytes, size_t n, int url_safe);

#endif
