/* gauge.c — a fixed kernel path timed on the workload's CPUs (gauge.h). */
#include "gauge.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

enum {
	GAUGE_BURST = 16,        /* round trips per burst: ~150 us here */
	GAUGE_PERIOD_MS = 20,    /* a burst every 20 ms: 25 in a 0.5 s window, <1% of a CPU */
	GAUGE_BYTES = 64,
};

struct gauge_cpu {
	struct gauge *g;
	int cpu;
	int cli, srv;            /* the two ends of one loopback TCP connection */
	pthread_t th;
	int started;
	_Atomic uint64_t ns, ops;
};

struct gauge {
	int stop_fd;             /* eventfd: readable when the threads are to stop */
	int n;
	struct gauge_cpu *c;
};

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int round_trip(const struct gauge_cpu *c, char *buf)
{
	size_t got = 0;
	if (write(c->cli, buf, GAUGE_BYTES) != GAUGE_BYTES)
		return -1;
	while (got < GAUGE_BYTES) {
		ssize_t r = read(c->srv, buf + got, GAUGE_BYTES - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void *gauge_thread(void *arg)
{
	struct gauge_cpu *c = arg;
	struct sched_param sp = { 0 };
	struct pollfd stop = { .fd = c->g->stop_fd, .events = POLLIN };
	cpu_set_t one;
	char buf[GAUGE_BYTES] = { 0 };
	CPU_ZERO(&one);
	CPU_SET(c->cpu, &one);
	/* Where either fails the gauge still reads a speed, of another CPU or at normal priority:
	 * a weaker reading, never a wrong one. */
	pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
	pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
	while (poll(&stop, 1, GAUGE_PERIOD_MS) == 0) {
		uint64_t t0 = thread_cpu_ns();
		int k;
		for (k = 0; k < GAUGE_BURST; k++)
			if (round_trip(c, buf) < 0)
				return NULL;
		atomic_fetch_add(&c->ns, thread_cpu_ns() - t0);
		atomic_fetch_add(&c->ops, (uint64_t)k);
	}
	return NULL;
}

static int loopback_pair(int *cli, int *srv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	int one = 1, l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*cli = *srv = -1;
	if (l < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &al) < 0 ||
	    (*cli = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(*cli, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (*srv = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0 ||
	    setsockopt(*cli, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0) {
		int e = errno;
		if (*cli >= 0)
			close(*cli);
		close(l);
		*cli = *srv = -1;
		errno = e;
		return -1;
	}
	close(l);
	return 0;
}

struct gauge *gauge_start(const cpu_set_t *cpus, char *err, size_t errlen)
{
	struct gauge *g = xcalloc(1, sizeof(*g));
	int ncpu = ncpus_online();
	g->c = xcalloc((size_t)ncpu, sizeof(*g->c));
	if ((g->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "gauge: eventfd: %s", strerror(errno));
		free(g->c);
		free(g);
		return NULL;
	}
	for (int cpu = 0; cpu < ncpu && cpu < CPU_SETSIZE; cpu++) {
		struct gauge_cpu *c = &g->c[g->n];
		int e;
		if (cpus && !CPU_ISSET(cpu, cpus))
			continue;
		c->g = g;
		c->cpu = cpu;
		if (loopback_pair(&c->cli, &c->srv) < 0) {
			snprintf(err, errlen, "gauge: a loopback TCP connection: %s", strerror(errno));
			gauge_stop(g);
			return NULL;
		}
		g->n++;
		if ((e = pthread_create(&c->th, NULL, gauge_thread, c)) != 0) {
			snprintf(err, errlen, "gauge: a thread: %s", strerror(e));
			gauge_stop(g);
			return NULL;
		}
		c->started = 1;
	}
	return g;
}

void gauge_read(struct gauge *g, uint64_t *ns, uint64_t *ops)
{
	*ns = *ops = 0;
	for (int i = 0; g && i < g->n; i++) {
		*ns += atomic_load(&g->c[i].ns);
		*ops += atomic_load(&g->c[i].ops);
	}
}

void gauge_stop(struct gauge *g)
{
	uint64_t one = 1;
	if (!g)
		return;
	if (write(g->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();   /* an eventfd write of 1 cannot fail short of a bug */
	for (int i = 0; i < g->n; i++) {
		struct gauge_cpu *c = &g->c[i];
		if (c->started)
			pthread_join(c->th, NULL);
		close(c->cli);
		close(c->srv);
	}
	close(g->stop_fd);
	free(g->c);
	free(g);
}
