/* server.c — a loopback TCP request/response server: the workload whose tail latency tare
 * weighs, driven open-loop by workloads/replay.
 *
 * The main thread accepts on 127.0.0.1 (epoll: the listening socket and a signalfd) and hands
 * each connection to one of --threads workers, round robin; each worker runs its own epoll
 * loop over its connections and answers their requests in order.  Per request a worker does
 *
 *	server_handle -> server_work	work_us of real arithmetic (a calibrated spin)
 *	              -> server_alloc	malloc, touch and free alloc_bytes in 4 chunks
 *	              -> server_update	a pthread-mutex-protected update of a shared table
 *
 * each its own never-inlined function with a frame (built with frame pointers), so profiles
 * show where the time goes.  The spin is not a clock-polling loop: its iterations per µs are
 * measured once at start-up with the thread CPU clock, so a sampler sees server_work's own
 * frames doing arithmetic, not clock_gettime.
 *
 * The protocol (common/wire.h has the encoding):
 *   request  32 bytes: magic "TRQ1" | class | id | work_us | alloc_bytes | reply_bytes |
 *                      payload_bytes, then payload_bytes bytes (read and discarded)
 *   reply    24 bytes: magic "TRP1" | status (0 ok) | id | reply_bytes | server_us, then
 *                      reply_bytes bytes
 * little-endian; replies in request order; a bad header (magic, a field above its maximum)
 * closes the connection.  Replies go out with ONE send(2) of header + payload (more only if
 * the socket buffer is full, > ~2 MB on loopback): the calibration shim interposes send() to
 * add a known latency per reply, so never write(2)/writev(2) here.
 *
 * --stall-every S --stall-ms M: every S seconds since start, for M ms, every worker sleeps
 * before its next request (server_stall), so requests queue as behind a GC pause: the load
 * generator's coordinated-omission test.  The driver counts requests as tare's units; the
 * server maps the units page (to name the unit) and adds nothing.
 *
 * SIGTERM/SIGINT: stop, print one JSON line of counts on stdout, exit 0.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define WORKLOAD_NAME "server"
#include "tare_units.h"
#include "wire.h"
#include "workload.h"

#define SERVER_MAX_THREADS	256
#define SERVER_MAX_EVENTS	64
#define SERVER_READ_BYTES	65536
#define SERVER_TABLE_SLOTS	4096
#define SERVER_CLASSES		64
#define SERVER_ALLOC_CHUNKS	4
#define SERVER_SEND_TIMEOUT_MS	10000	/* a client that stops reading is dropped after this */
#define SERVER_CAL_ROUNDS	9
#define SERVER_CAL_ITERATIONS	200000	/* ~0.5 ms per round */

#if defined(__has_attribute)
#if __has_attribute(noclone)
#define SERVER_NOCLONE noclone,
#endif
#endif
#ifndef SERVER_NOCLONE
#define SERVER_NOCLONE
#endif
/* noinline/noclone keep the names in every stack; the asm forces a frame on a leaf (GCC omits
 * it there even with -fno-omit-frame-pointer, and the unwinder would then skip the caller). */
#define SERVER_FN __attribute__((SERVER_NOCLONE noinline))
#define SERVER_FRAME(name) asm volatile("# " #name :: "r"(__builtin_frame_address(0)) : "memory")

struct server_conn {
	int fd;
	unsigned char hdr[WIRE_REQ_BYTES];
	size_t hdr_got;
	struct wire_req req;
	uint64_t payload_left;
	struct server_conn *prev, *next;	/* the worker's list, to free at exit */
};

struct server_worker {
	pthread_t tid;
	int index;
	int epfd;
	pthread_mutex_t conns_lock;	/* the acceptor links new connections in */
	struct server_conn *conns;
	unsigned char in[SERVER_READ_BYTES];
	unsigned char *out;		/* reply header + payload, grown to the largest reply */
	size_t out_cap;
	uint64_t requests, protocol_errors, bytes_in, bytes_out, stall_sleeps, closed;
	volatile uint64_t sink;
} __attribute__((aligned(64)));

struct server_table_slot {
	uint64_t count, work_us, bytes, last_id;
};

static struct {
	int port;
	const char *port_file;
	int threads;
	double stall_every_s;
	int stall_ms;
} cfg = { .threads = 1 };

static struct server_worker *workers;
static int server_stop;			/* read with __atomic */
static int stop_fd = -1;		/* eventfd: readable once stopping, wakes every worker */
static double iterations_per_us;
static int64_t start_ns;
static uint64_t connections;
static char *port_file_written;
static struct tare_units *units;

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct server_table_slot table[SERVER_TABLE_SLOTS];
static uint64_t class_counts[SERVER_CLASSES];

static int64_t server_now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static SERVER_FN uint64_t server_work(uint64_t x, uint32_t work_us)
{
	SERVER_FRAME(server_work);
	return workload_kernel(x, (uint64_t)llround(work_us * iterations_per_us));
}

static SERVER_FN void server_alloc(uint32_t bytes)
{
	void *p[SERVER_ALLOC_CHUNKS];
	size_t chunk = bytes / SERVER_ALLOC_CHUNKS;

	SERVER_FRAME(server_alloc);
	if (!bytes)
		return;
	for (int i = 0; i < SERVER_ALLOC_CHUNKS; i++) {
		size_t n = i == SERVER_ALLOC_CHUNKS - 1 ? bytes - chunk * (SERVER_ALLOC_CHUNKS - 1) : chunk;

		p[i] = malloc(n ? n : 1);
		if (!p[i])
			abort();
		memset(p[i], i + 1, n);
		/* without this the compiler may drop malloc+memset+free as dead */
		asm volatile("" :: "r"(p[i]) : "memory");
	}
	for (int i = SERVER_ALLOC_CHUNKS - 1; i >= 0; i--)
		free(p[i]);
}

static SERVER_FN void server_update(const struct wire_req *r)
{
	struct server_table_slot *s = &table[(r->id * 0x9e3779b97f4a7c15ull) >> 52];	/* 4096 slots */

	SERVER_FRAME(server_update);
	pthread_mutex_lock(&table_lock);
	s->count++;
	s->work_us += r->work_us;
	s->bytes += r->reply_bytes;
	s->last_id = r->id;
	class_counts[r->cls % SERVER_CLASSES]++;
	pthread_mutex_unlock(&table_lock);
}

/* Inside a stall window (every stall_every_s since start, stall_ms long): sleep to its end. */
static SERVER_FN void server_stall(struct server_worker *w)
{
	int64_t every = (int64_t)(cfg.stall_every_s * 1e9), len = (int64_t)cfg.stall_ms * 1000000;
	int64_t since, into;
	struct timespec end;

	SERVER_FRAME(server_stall);
	since = server_now_ns(CLOCK_MONOTONIC) - start_ns;
	if (since < every)
		return;
	into = since % every;
	if (into >= len)
		return;
	since = start_ns + since - into + len;
	end.tv_sec = (time_t)(since / 1000000000);
	end.tv_nsec = (long)(since % 1000000000);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &end, NULL) == EINTR)
		;
	w->stall_sleeps++;
}

/* One reply, header and payload, in one send(2) unless the socket buffer is full. */
static int server_send_all(int fd, const unsigned char *buf, size_t len)
{
	size_t off = 0;
	int waited_ms = 0;

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    waited_ms < SERVER_SEND_TIMEOUT_MS && !__atomic_load_n(&server_stop, __ATOMIC_RELAXED)) {
			/* A slow reader holds its worker, as in a thread-per-request server. */
			poll(&p, 1, 100);
			waited_ms += 100;
			continue;
		}
		return -1;
	}
	return 0;
}

static SERVER_FN int server_handle(struct server_worker *w, struct server_conn *c)
{
	const struct wire_req *r = &c->req;
	struct wire_rep rep = { .magic = WIRE_REP_MAGIC, .status = WIRE_STATUS_OK, .id = r->id,
				.reply_bytes = r->reply_bytes };
	size_t len = WIRE_REP_BYTES + r->reply_bytes;
	int64_t t0;

	if (cfg.stall_ms)
		server_stall(w);
	t0 = server_now_ns(CLOCK_MONOTONIC);
	w->sink = server_work(w->sink | 1, r->work_us);
	server_alloc(r->alloc_bytes);
	server_update(r);
	if (len > w->out_cap) {
		unsigned char *p = realloc(w->out, len);

		if (!p)
			return -1;
		/* the payload is a fixed pattern; only the header changes per reply */
		for (size_t i = w->out_cap > WIRE_REP_BYTES ? w->out_cap : WIRE_REP_BYTES; i < len; i++)
			p[i] = (unsigned char)('a' + i % 26);
		w->out = p;
		w->out_cap = len;
	}
	rep.server_us = (uint32_t)((server_now_ns(CLOCK_MONOTONIC) - t0) / 1000);
	wire_rep_encode(&rep, w->out);
	if (server_send_all(c->fd, w->out, len))
		return -1;
	w->requests++;
	w->bytes_out += len;
	return 0;
}

/* Feed bytes read from c; -1 closes it (a protocol error, or a failed send). */
static int server_feed(struct server_worker *w, struct server_conn *c, const unsigned char *p, size_t n)
{
	while (n) {
		if (c->hdr_got < WIRE_REQ_BYTES) {
			size_t take = WIRE_REQ_BYTES - c->hdr_got < n ? WIRE_REQ_BYTES - c->hdr_got : n;

			memcpy(c->hdr + c->hdr_got, p, take);
			c->hdr_got += take, p += take, n -= take;
			if (c->hdr_got < WIRE_REQ_BYTES)
				return 0;
			wire_req_decode(c->hdr, &c->req);
			if (wire_req_check(&c->req)) {
				w->protocol_errors++;
				return -1;
			}
			c->payload_left = c->req.payload_bytes;
		} else {
			size_t take = c->payload_left < n ? (size_t)c->payload_left : n;

			c->payload_left -= take, p += take, n -= take;
		}
		if (c->hdr_got == WIRE_REQ_BYTES && !c->payload_left) {
			c->hdr_got = 0;
			if (server_handle(w, c))
				return -1;
		}
	}
	return 0;
}

static void server_close(struct server_worker *w, struct server_conn *c)
{
	close(c->fd);	/* also leaves the epoll set */
	pthread_mutex_lock(&w->conns_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&w->conns_lock);
	free(c);
	w->closed++;
}

static SERVER_FN void server_serve(struct server_worker *w)
{
	struct epoll_event ev[SERVER_MAX_EVENTS];

	while (!__atomic_load_n(&server_stop, __ATOMIC_RELAXED)) {
		int n = epoll_wait(w->epfd, ev, SERVER_MAX_EVENTS, -1);

		for (int i = 0; i < n; i++) {
			struct server_conn *c = ev[i].data.ptr;
			ssize_t got;

			if (!c)
				return;		/* the stop eventfd */
			got = read(c->fd, w->in, sizeof(w->in));
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got <= 0 || server_feed(w, c, w->in, (size_t)got)) {
				server_close(w, c);
				continue;
			}
			w->bytes_in += (uint64_t)got;
		}
	}
}

static void *server_worker_main(void *arg)
{
	server_serve(arg);
	return NULL;
}

/* Iterations of workload_kernel per µs of this thread's CPU: the median of a few rounds, so one
 * interrupted round does not skew it. */
static void server_calibrate(void)
{
	double r[SERVER_CAL_ROUNDS], tmp;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	x = workload_kernel(x, SERVER_CAL_ITERATIONS);	/* warm up: page in, ramp the clock */
	for (int i = 0; i < SERVER_CAL_ROUNDS; i++) {
		int64_t t0 = server_now_ns(CLOCK_THREAD_CPUTIME_ID), dt;

		x = workload_kernel(x, SERVER_CAL_ITERATIONS);
		asm volatile("" : "+r"(x));
		dt = server_now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
		r[i] = SERVER_CAL_ITERATIONS / ((double)(dt > 0 ? dt : 1) / 1000);
	}
	for (int i = 1; i < SERVER_CAL_ROUNDS; i++)
		for (int j = i; j > 0 && r[j] < r[j - 1]; j--)
			tmp = r[j], r[j] = r[j - 1], r[j - 1] = tmp;
	iterations_per_us = r[SERVER_CAL_ROUNDS / 2];
}

static void server_usage(FILE *f)
{
	fprintf(f,
		"usage: server [options]\n"
		"A loopback TCP request/response server for replay (protocol in server.c).\n"
		"\n"
		"  --port N             port on 127.0.0.1 (default 0: the kernel picks one)\n"
		"  --port-file PATH     once listening, write the port to PATH (atomically)\n"
		"  --threads N          worker threads (default 1, at most %d)\n"
		"  --stall-every S      every S seconds, all workers pause ... (default: never)\n"
		"  --stall-ms MS        ... for MS milliseconds (both or neither)\n"
		"  --help               this text\n"
		"\n"
		"Each request: server_work (work_us of calibrated arithmetic), server_alloc\n"
		"(alloc_bytes in %d chunks), server_update (a mutex-protected shared table).\n"
		"SIGTERM/SIGINT: one JSON line of counts on stdout, exit 0.\n",
		SERVER_MAX_THREADS, SERVER_ALLOC_CHUNKS);
}

static void server_parse_args(int argc, char **argv)
{
	enum { O_PORT = 1, O_PORT_FILE, O_THREADS, O_STALL_EVERY, O_STALL_MS, O_HELP };
	static const struct option opts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "port-file", required_argument, NULL, O_PORT_FILE },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "stall-every", required_argument, NULL, O_STALL_EVERY },
		{ "stall-ms", required_argument, NULL, O_STALL_MS },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	while ((c = workload_getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case O_PORT:
			if (!parse_u64(optarg, 0, 65535, &v))
				workload_bad_arg("--port", optarg, "a port in [0, 65535] (0: any free one)");
			cfg.port = (int)v;
			break;
		case O_PORT_FILE:
			if (!*optarg)
				workload_bad_arg("--port-file", "''", "a path");
			cfg.port_file = optarg;
			break;
		case O_THREADS:
			cfg.threads = (int)workload_arg_int("--threads", optarg, 1,
							    SERVER_MAX_THREADS);
			break;
		case O_STALL_EVERY:
			if (!parse_number(optarg, 0.001, 86400, &cfg.stall_every_s))
				workload_bad_arg("--stall-every", optarg, "seconds in [0.001, 86400]");
			break;
		case O_STALL_MS:
			if (!parse_u64(optarg, 0, 86400000, &v))
				workload_bad_arg("--stall-ms", optarg, "whole milliseconds");
			cfg.stall_ms = (int)v;
			break;
		case O_HELP:
			server_usage(stdout);
			exit(0);
		}
	}
	if ((cfg.stall_every_s > 0) != (cfg.stall_ms > 0)) {
		fprintf(stderr, "server: --stall-every and --stall-ms go together (see server --help)\n");
		exit(2);
	}
	if (cfg.stall_ms && cfg.stall_ms >= cfg.stall_every_s * 1000) {
		fprintf(stderr, "server: --stall-ms %d is not shorter than --stall-every %g s: the server would never run\n",
			cfg.stall_ms, cfg.stall_every_s);
		exit(2);
	}
}

static int server_listen(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "server: socket: %s\n", strerror(errno));
		exit(1);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 1024)) {
		fprintf(stderr, "server: listening on 127.0.0.1:%d: %s (another process on that port? --port 0 picks a free one)\n",
			cfg.port, strerror(errno));
		exit(1);
	}
	getsockname(fd, (struct sockaddr *)&a, &alen);
	cfg.port = ntohs(a.sin_port);
	return fd;
}

/* Write the port via a temporary file and rename: whoever waits for the file never reads it
 * half-written. */
static void server_write_port_file(void)
{
	char *tmp;
	FILE *f;

	if (!cfg.port_file)
		return;
	if (asprintf(&tmp, "%s.tmp.%d", cfg.port_file, (int)getpid()) < 0)
		abort();
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", cfg.port) < 0 || fclose(f) || rename(tmp, cfg.port_file)) {
		fprintf(stderr, "server: cannot write --port-file %s: %s (is its directory writable?)\n",
			cfg.port_file, strerror(errno));
		unlink(tmp);
		exit(1);
	}
	free(tmp);
	port_file_written = (char *)cfg.port_file;
}

static void server_accept(int lfd)
{
	static unsigned next;

	for (;;) {
		int one = 1, fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct server_worker *w;
		struct server_conn *c;
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd < 0)
			return;		/* EAGAIN: all taken; anything else: try again on the next event */
		/* small requests and replies: Nagle + delayed ACK would add 40 ms */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		w = &workers[next++ % (unsigned)cfg.threads];
		pthread_mutex_lock(&w->conns_lock);
		c->next = w->conns;
		if (w->conns)
			w->conns->prev = c;
		w->conns = c;
		pthread_mutex_unlock(&w->conns_lock);
		ev.data.ptr = c;
		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			server_close(w, c);
			continue;
		}
		connections++;
	}
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	int lfd, sfd, epfd, started = 0;
	uint64_t requests = 0, perr = 0, bin = 0, bout = 0, stalls = 0;

	server_parse_args(argc, argv);
	units = tare_units_open("requests");	/* names the unit; the driver counts the requests */
	/* Signals arrive on the signalfd only: blocked here, before any thread inherits the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	server_calibrate();
	lfd = server_listen();

	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	workers = aligned_alloc(64, sizeof(*workers) * (size_t)cfg.threads);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || stop_fd < 0 || !workers || epfd < 0) {
		fprintf(stderr, "server: setting up: %s\n", strerror(errno));
		return 1;
	}
	memset(workers, 0, sizeof(*workers) * (size_t)cfg.threads);
	start_ns = server_now_ns(CLOCK_MONOTONIC);
	for (; started < cfg.threads; started++) {
		struct server_worker *w = &workers[started];
		struct epoll_event sev = { .events = EPOLLIN, .data.ptr = NULL };
		int err;

		w->index = started;
		pthread_mutex_init(&w->conns_lock, NULL);
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->epfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, stop_fd, &sev)) {
			fprintf(stderr, "server: epoll: %s\n", strerror(errno));
			return 1;
		}
		err = pthread_create(&w->tid, NULL, server_worker_main, w);
		if (err) {
			fprintf(stderr, "server: pthread_create (worker %d of %d): %s\n", started + 1,
				cfg.threads, strerror(err));
			return 1;
		}
	}
	ev.data.fd = lfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.fd = sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	server_write_port_file();

	while (!server_stop) {
		struct epoll_event got[4];
		int n = epoll_wait(epfd, got, 4, -1);

		for (int i = 0; i < n; i++) {
			if (got[i].data.fd == lfd)
				server_accept(lfd);
			else
				server_stop = 1;	/* SIGTERM or SIGINT, from the signalfd */
		}
	}
	__atomic_store_n(&server_stop, 1, __ATOMIC_RELAXED);
	if (eventfd_write(stop_fd, 1))
		abort();
	for (int i = 0; i < started; i++) {
		struct server_worker *w = &workers[i];

		pthread_join(w->tid, NULL);
		while (w->conns)
			server_close(w, w->conns);
		requests += w->requests;
		perr += w->protocol_errors;
		bin += w->bytes_in;
		bout += w->bytes_out;
		stalls += w->stall_sleeps;
		close(w->epfd);
		free(w->out);
		pthread_mutex_destroy(&w->conns_lock);
	}
	if (port_file_written)
		unlink(port_file_written);	/* a stale port would send the next replay nowhere */
	printf("{\"workload\":\"server\",\"unit\":\"%s\",\"requests\":%llu,\"protocol_errors\":%llu,\"connections\":%llu,"
	       "\"threads\":%d,\"port\":%d,\"bytes_in\":%llu,\"bytes_out\":%llu,\"stall_sleeps\":%llu,"
	       "\"iterations_per_us\":%.1f}\n",
	       units->unit, (unsigned long long)requests, (unsigned long long)perr, (unsigned long long)connections,
	       cfg.threads, cfg.port, (unsigned long long)bin, (unsigned long long)bout,
	       (unsigned long long)stalls, iterations_per_us);
	fflush(stdout);
	free(workers);
	close(epfd);
	close(lfd);
	close(sfd);
	close(stop_fd);
	return 0;
}
