/* replay.c — the driver: open-loop, constant-throughput load and trace replay against
 * workloads/server, with latency measured the way wrk2 measures it.
 *
 * Requests are scheduled at fixed intended times: every 1/rate seconds (--rate), or at a
 * trace's arrival offsets (--trace, looped if it ends first).  There are --connections
 * connections, each with at most one request in flight (no pipelining); a request whose time
 * has come while every connection is busy waits in the schedule and goes out as soon as one
 * frees up.  Each reply is timed twice into HDR histograms (common/hist.h, ns):
 *
 *	corrected   = completion - intended send time   (what a user waiting on it saw)
 *	uncorrected = completion - actual send time     (what a closed-loop tool would report)
 *
 * A server that stalls for 50 ms delays every request scheduled during the stall, not just the
 * few already sent: the corrected histogram shows that; the uncorrected one hides it
 * ("coordinated omission", Gil Tene).  The uncorrected one is kept to show the difference.
 *
 * One thread and one epoll set: connections and a signalfd, waited on by epoll_pwait2 until the
 * next intended send time (nanoseconds, where epoll_wait's millisecond timeout would send up to
 * 1 ms late), with the thread's timer slack at 1 ns (the default 50 us would let the kernel
 * send that late).  A timerfd did the same with a timerfd_settime and a read per request:
 * together a quarter of the driver's CPU at 20,000 requests/s in a VM; it stays for kernels
 * without epoll_pwait2 (before 5.11).
 *
 * A reply is complete when its last byte reached the driver's socket: the kernel's receive
 * timestamp (SO_TIMESTAMPNS) of the segment that carried it, not the moment the driver read it.
 * So the driver need not wake for each reply: while the next send is under REPLAY_HARVEST_NS
 * away and a connection is free for it, it sleeps until that send and first collects whatever
 * replies came in meanwhile (epoll with no wait).  One wake-up per request instead of two, at
 * no cost in latency: the driver's own wake-up delay is not in the figures at all (it is in a
 * tool that timestamps on read).  A backlog (every connection busy), a half-written request or
 * a kernel without the timestamp makes it wait on the replies again.  Requests go
 * out with write(2)/writev(2), never send(2): the calibration shim interposes send() to delay
 * the server's replies, and must not touch the driver's requests if it is preloaded here too.
 *
 * Contract with tare (tare_units.h): every completed request is one unit, at all times;
 * latencies and errors are recorded only while the phase is TARE_PHASE_MEASURE, and the
 * measured window is timed from the phase changes seen here.  At TARE_PHASE_DONE, SIGTERM or
 * SIGINT: stop sending, write PREFIX.hist and PREFIX-uncorrected.hist, print one JSON line,
 * exit 0.  Run by hand (no TARE_UNITS_FD) the window is --duration seconds after --warmup.
 *
 * Failures (refused or reset connections, short or malformed replies, a server that goes
 * away, a reply slower than --timeout) are counted as errors and the connection is reopened
 * with a backoff; the schedule never waits for a dead connection: a request due while no
 * connection is open or opening is counted as an error and skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define WORKLOAD_NAME "replay"
#include "hist.h"
#include "tare_units.h"
#include "trace_format.h"
#include "util.h"
#include "wire.h"
#include "workload.h"

#define REPLAY_MAX_CONNECTIONS	10000
#define REPLAY_MAX_RATE		1e6
/* Histogram range: 1 ns resolution at 3 significant digits (so a 50 µs p50 is kept to
 * ±0.05 µs), up to 60 s; slower replies are counted at 60 s (hist.saturated). */
#define REPLAY_HIST_LOWEST_NS	1
#define REPLAY_HIST_HIGHEST_NS	60000000000ll
#define REPLAY_HIST_SIGFIGS	3
#define REPLAY_LATE_NS		1000000		/* "sent_late": sent > 1 ms after its time */
#define REPLAY_POLL_NS		5000000		/* look at tare's phase at least every 5 ms */
#define REPLAY_BACKOFF_MIN_NS	10000000	/* reconnect after 10 ms, doubling ... */
#define REPLAY_BACKOFF_MAX_NS	1000000000	/* ... up to 1 s */
#define REPLAY_READ_BYTES	65536
#define REPLAY_MAX_EVENTS	64
#define REPLAY_HTTP_HEAD_BYTES	8192	/* a longer status line and headers is a malformed reply */
/* Sleep through replies when the next send is closer than this: a free connection's reply
 * waits at most this long to be read (its time is the kernel's, so only the read is late). */
#define REPLAY_HARVEST_NS	1000000

enum replay_conn_state { CONN_DOWN, CONN_CONNECTING, CONN_IDLE, CONN_BUSY };

struct replay_conn {
	int fd;
	enum replay_conn_state state;
	int idle_pos;			/* index in the idle stack while CONN_IDLE */
	/* the request in flight */
	uint64_t id;
	int64_t intended_ns, sent_ns;
	uint32_t window;		/* switchback: the window it was sent in, 0 for none */
	uint32_t reply_bytes;
	unsigned char req[WIRE_REQ_BYTES];
	size_t out_off, out_len;	/* header + payload written so far / in all */
	bool want_out;			/* EPOLLOUT registered */
	/* the reply */
	unsigned char rep[WIRE_REP_BYTES];
	size_t rep_got;
	uint64_t body_left;
	/* --http: the response's status line and headers, until the blank line; --redis: the
	 * reply's first line */
	char head[REPLAY_HTTP_HEAD_BYTES];
	size_t head_got;
	bool head_done, close_after;
	unsigned http_status;
	/* --http, --redis: the request's bytes (--redis builds each in rbuf) */
	const char *text;
	char *rbuf;
	/* reconnecting */
	int64_t retry_ns, backoff_ns;
};

static struct {
	int port;
	const char *port_file;
	double rate;
	const char *trace_path;
	int connections;
	uint32_t work_us, alloc_bytes, reply_bytes, payload_bytes;
	double duration_s, warmup_s, timeout_s, connect_timeout_s;
	const char *latency_prefix;
	const char *http_path;		/* --http PATH: HTTP/1.1 GET instead of tare's wire protocol */
	bool redis;			/* --redis: RESP GET/SET instead */
	double set_ratio;		/* --redis: the share of SETs */
	uint32_t keys, value_bytes;
} cfg = { .connections = 16, .work_us = 100, .alloc_bytes = 4096, .reply_bytes = 512,
	  .payload_bytes = 64, .timeout_s = 10, .connect_timeout_s = 10,
	  .set_ratio = 0.1, .keys = 10000, .value_bytes = 64 };

static struct trace trace;
static struct replay_conn *conns;
static struct replay_conn **idle;	/* a stack of idle connections */
static int nidle, nopen;		/* idle; connecting, idle or busy */
static int nwant_out;			/* connections waiting to write (EPOLLOUT registered) */
static bool rx_stamps = true;		/* every socket has SO_TIMESTAMPNS: replies may wait */
static int epfd, quietfd, sfd, tfd = -1;
static unsigned char *payload;
static unsigned char scratch[REPLAY_READ_BYTES];
static struct tare_units *units;
static int units_slot;
static uint64_t next_id;
static bool measuring;

/* The measured window's numbers. */
static struct hist corrected, uncorrected;
static struct {
	uint64_t requests, errors, sent_late, dropped, timeouts, bad_replies;
	uint64_t status[6];		/* --http: responses by status class, [2] = 2xx ... [5] = 5xx */
} win;
static char *http_req;			/* --http: the one request every connection sends */
static size_t http_req_len;
/* Over the whole run. */
static uint64_t completed_total, errors_total, connect_errors;

/* Switchback (docs/switchback.md): while tare measures a window its number is on the units
 * page, 0 in the guards between.  Each window's latencies, of requests intended, sent and
 * answered inside it, go to a histogram of their own, saved (hist_save) when the window closes
 * and written to PREFIX-windows.hist at the end: tare pairs the on and off windows, and merges
 * the histograms of consecutive pairs when one window holds too few requests for a p99. */
static struct hist window_hist;
static uint32_t cur_window;
static int cur_arm;
static int64_t cur_window_start;
static FILE *windows_out;		/* an open_memstream of the closed windows */
static char *windows_buf;
static size_t windows_len;

/* ---- the schedule ----------------------------------------------------------------------- */

static struct {
	int64_t t0;
	double interval_ns;	/* --rate */
	uint64_t k;		/* requests scheduled so far */
	size_t idx;		/* --trace: next request, and whole passes done */
	uint64_t loops;
} sched;

static int64_t replay_next_intended(void)
{
	if (!cfg.trace_path)
		return sched.t0 + (int64_t)((double)sched.k * sched.interval_ns);
	return sched.t0 + (int64_t)sched.loops * trace.period_ns + trace.req[sched.idx].offset_ns;
}

static void replay_advance(void)
{
	sched.k++;
	if (cfg.trace_path && ++sched.idx == trace.n) {
		sched.idx = 0;
		sched.loops++;
	}
}

/* ---- connections ------------------------------------------------------------------------ */

static void replay_idle_push(struct replay_conn *c)
{
	c->state = CONN_IDLE;
	c->idle_pos = nidle;
	idle[nidle++] = c;
}

static void replay_idle_remove(struct replay_conn *c)
{
	struct replay_conn *last = idle[--nidle];

	idle[c->idle_pos] = last;
	last->idle_pos = c->idle_pos;
}

static void replay_epoll_set(struct replay_conn *c, bool want_out)
{
	struct epoll_event ev = { .events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = c };

	if (c->want_out != want_out) {
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
		c->want_out = want_out;
		nwant_out += want_out ? 1 : -1;
	}
}

/* Close c, count what it had in flight as an error, and schedule a reconnect. */
static void replay_conn_fail(struct replay_conn *c, int64_t now)
{
	if (c->state == CONN_BUSY) {
		errors_total++;
		if (measuring)
			win.errors++;
	}
	if (c->state == CONN_IDLE)
		replay_idle_remove(c);
	if (c->state != CONN_DOWN) {
		close(c->fd);
		c->fd = -1;
		nopen--;
		nwant_out -= c->want_out;
		c->want_out = false;
	}
	c->state = CONN_DOWN;
	c->retry_ns = now + c->backoff_ns;
	c->backoff_ns = c->backoff_ns * 2 < REPLAY_BACKOFF_MAX_NS ? c->backoff_ns * 2 : REPLAY_BACKOFF_MAX_NS;
}

static void replay_connect(struct replay_conn *c, int64_t now)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)cfg.port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		connect_errors++;
		c->retry_ns = now + REPLAY_BACKOFF_MAX_NS;
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)))
		rx_stamps = false;
	c->fd = fd;
	c->want_out = true;
	nwant_out++;
	c->state = CONN_CONNECTING;
	nopen++;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ||
	    (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)) {
		connect_errors++;
		replay_conn_fail(c, now);
	}
	/* Even an immediate loopback connect is finished by the EPOLLOUT event. */
}

/* Write what is left of c's request; 0, or -1 after failing the connection. */
static int replay_flush(struct replay_conn *c, int64_t now)
{
	while (c->out_off < c->out_len) {
		struct iovec iov[2];
		int n = 0;
		ssize_t w;

		if (c->text)
			iov[n++] = (struct iovec){ (char *)c->text + c->out_off, c->out_len - c->out_off };
		else if (c->out_off < WIRE_REQ_BYTES)
			iov[n++] = (struct iovec){ c->req + c->out_off, WIRE_REQ_BYTES - c->out_off };
		if (!c->text && c->out_len > WIRE_REQ_BYTES) {
			size_t off = c->out_off > WIRE_REQ_BYTES ? c->out_off - WIRE_REQ_BYTES : 0;

			iov[n++] = (struct iovec){ payload + off, c->out_len - WIRE_REQ_BYTES - off };
		}
		w = writev(c->fd, iov, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			replay_epoll_set(c, true);
			return 0;
		}
		if (w <= 0) {
			replay_conn_fail(c, now);
			return -1;
		}
		c->out_off += (size_t)w;
	}
	replay_epoll_set(c, false);
	return 0;
}

/* --redis: the next request into buf: GET or SET (--set-ratio) of one of --keys keys, drawn from
 * a fixed-seed xorshift so that every run sends the same sequence.  Its length. */
static size_t redis_request(char *buf)
{
	static uint64_t x = 0x9e3779b97f4a7c15ull;
	char key[32];
	int klen;
	x ^= x << 13, x ^= x >> 7, x ^= x << 17;
	klen = snprintf(key, sizeof(key), "key:%llu", (unsigned long long)((x >> 11) % cfg.keys));
	if ((double)(x & 0xffff) / 65536.0 < cfg.set_ratio) {
		int n = sprintf(buf, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%u\r\n", klen, key, cfg.value_bytes);
		memset(buf + n, 'v', cfg.value_bytes);
		memcpy(buf + n + cfg.value_bytes, "\r\n", 2);
		return (size_t)n + cfg.value_bytes + 2;
	}
	return (size_t)sprintf(buf, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", klen, key);
}

static void replay_send(struct replay_conn *c, int64_t intended)
{
	struct wire_req r = { .magic = WIRE_REQ_MAGIC, .id = ++next_id, .work_us = cfg.work_us,
			      .alloc_bytes = cfg.alloc_bytes, .reply_bytes = cfg.reply_bytes,
			      .payload_bytes = cfg.payload_bytes };

	if (cfg.trace_path) {
		const struct trace_req *t = &trace.req[sched.idx];

		r.cls = t->cls;
		r.work_us = t->work_us;
		r.reply_bytes = t->reply_bytes;
	}
	if (cfg.http_path) {
		c->text = http_req;
		c->out_len = http_req_len;
	} else if (cfg.redis) {
		c->text = c->rbuf;
		c->out_len = redis_request(c->rbuf);
	} else {
		wire_req_encode(&r, c->req);
		c->text = NULL;
		c->out_len = WIRE_REQ_BYTES + r.payload_bytes;
	}
	replay_idle_remove(c);
	c->state = CONN_BUSY;
	c->id = r.id;
	c->reply_bytes = r.reply_bytes;
	c->intended_ns = intended;
	c->out_off = 0;
	c->rep_got = 0;
	c->body_left = 0;
	c->head_got = 0;
	c->head_done = c->close_after = false;
	c->sent_ns = (int64_t)now_ns();
	c->window = cur_window && intended >= cur_window_start ? cur_window : 0;
	replay_flush(c, c->sent_ns);
}

static void replay_complete(struct replay_conn *c, int64_t now)
{
	tare_units_add(units, units_slot, 1);
	completed_total++;
	if (measuring) {
		hist_record(&corrected, now - c->intended_ns);
		hist_record(&uncorrected, now - c->sent_ns);
		win.requests++;
		if (c->sent_ns - c->intended_ns > REPLAY_LATE_NS)
			win.sent_late++;
	}
	if (c->window && c->window == cur_window)
		hist_record(&window_hist, now - c->intended_ns);
	c->backoff_ns = REPLAY_BACKOFF_MIN_NS;
	replay_idle_push(c);
}

static void replay_bad_reply(struct replay_conn *c, int64_t now)
{
	if (measuring)
		win.bad_replies++;
	replay_conn_fail(c, now);
}

/* A reply is complete with n bytes left over: any, or a request not yet all written, means more
 * than one reply or one before its request; the connection is failed and false returned. */
static bool replay_reply_alone(struct replay_conn *c, size_t n, int64_t now)
{
	if (n > 0 || c->out_off < c->out_len) {
		replay_bad_reply(c, now);
		return false;
	}
	return true;
}

/* The value of header NAME (case-insensitive) in a response head, or NULL. */
static const char *http_header(const char *head, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p && p[2] != '\r'; p = strstr(p + 2, "\r\n")) {
		if (!strncasecmp(p + 2, name, len) && p[2 + len] == ':') {
			const char *v = p + 3 + len;
			while (*v == ' ' || *v == '\t')
				v++;
			return v;
		}
	}
	return NULL;
}

/* Content-Length's value: digits up to the end of the line. */
static bool http_length(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (p == s || (*p != '\r' && *p != '\0'))
		return false;
	*out = v;
	return true;
}

/* The head is complete (c->head holds it, NUL-terminated): status class, body length,
 * keep-alive.  false for a malformed or unsupported response. */
static bool http_parse_head(struct replay_conn *c)
{
	const char *te, *cl, *conn;
	unsigned status;
	if (sscanf(c->head, "HTTP/1.%*1[01] %3u", &status) != 1 || status < 100 || status > 599)
		return false;
	if ((te = http_header(c->head, "Transfer-Encoding")) && strncasecmp(te, "identity", 8))
		return false;	/* chunked: not spoken here (docs/workloads.md) */
	cl = http_header(c->head, "Content-Length");
	if (!cl || !http_length(cl, &c->body_left))
		return false;	/* a keep-alive response needs its length */
	conn = http_header(c->head, "Connection");
	c->close_after = (conn && !strncasecmp(conn, "close", 5)) || !strncmp(c->head, "HTTP/1.0", 8);
	c->http_status = status;
	return true;
}

/* --http: bytes of c's response. */
static void replay_http_bytes(struct replay_conn *c, const unsigned char *p, size_t n, int64_t now)
{
	while (n > 0) {
		if (!c->head_done) {
			char *end;
			size_t take = n < sizeof(c->head) - 1 - c->head_got ? n : sizeof(c->head) - 1 - c->head_got;
			size_t before = c->head_got;
			memcpy(c->head + c->head_got, p, take);
			c->head_got += take;
			c->head[c->head_got] = '\0';
			if (!(end = strstr(c->head, "\r\n\r\n"))) {
				if (c->head_got == sizeof(c->head) - 1) {
					replay_bad_reply(c, now);
					return;
				}
				return;	/* take == n: all used */
			}
			/* what follows the blank line is body */
			end[2] = '\0';
			take = (size_t)(end + 4 - c->head) - before;
			p += take, n -= take;
			c->head_done = true;
			if (!http_parse_head(c)) {
				replay_bad_reply(c, now);
				return;
			}
		} else {
			size_t take = c->body_left < (uint64_t)n ? (size_t)c->body_left : n;
			c->body_left -= take, p += take, n -= take;
		}
		if (c->head_done && !c->body_left) {
			bool close_after = c->close_after;
			if (!replay_reply_alone(c, n, now))
				return;
			/* counted where the request is, so that a window's classes add up to its requests */
			if (measuring) {
				win.status[c->http_status / 100]++;
				if (c->http_status >= 400)
					win.errors++;	/* answered, and timed, but not a success */
			}
			if (c->http_status >= 400)
				errors_total++;
			replay_complete(c, now);
			if (close_after) {
				/* the server ends the connection: reconnect at once, no error */
				replay_conn_fail(c, now);
				c->retry_ns = now;
				c->backoff_ns = REPLAY_BACKOFF_MIN_NS;
			}
			return;
		}
	}
}

/* --redis: bytes of c's reply: +OK, -ERR, :N, $N + N bytes, $-1 (a GET of a missing key).  An
 * error reply is timed and counted as an error; arrays and the rest are malformed here. */
static void replay_redis_bytes(struct replay_conn *c, const unsigned char *p, size_t n, int64_t now)
{
	while (n > 0) {
		if (!c->head_done) {
			char *nl = memchr(p, '\n', n), *end;
			size_t take = nl ? (size_t)(nl - (char *)p) + 1 : n;
			long long len;
			if (c->head_got + take >= sizeof(c->head)) {
				replay_bad_reply(c, now);
				return;
			}
			memcpy(c->head + c->head_got, p, take);
			c->head_got += take, p += take, n -= take;
			if (!nl)
				return;
			c->head[c->head_got] = '\0';
			c->head_done = true;
			switch (c->head[0]) {
			case '+': case ':':
				c->body_left = 0;
				break;
			case '-':
				c->body_left = 0;
				errors_total++;
				if (measuring)
					win.errors++;
				break;
			case '$':
				len = strtoll(c->head + 1, &end, 10);
				if (end == c->head + 1 || *end != '\r' || len < -1) {
					replay_bad_reply(c, now);
					return;
				}
				c->body_left = len < 0 ? 0 : (uint64_t)len + 2;
				break;
			default:
				replay_bad_reply(c, now);
				return;
			}
		} else {
			size_t take = c->body_left < (uint64_t)n ? (size_t)c->body_left : n;
			c->body_left -= take, p += take, n -= take;
		}
		if (c->head_done && !c->body_left) {
			if (!replay_reply_alone(c, n, now))
				return;
			replay_complete(c, now);
			return;
		}
	}
}

/* When the bytes just read reached the socket (CLOCK_MONOTONIC ns): the receive timestamp of
 * the last segment read, moved from CLOCK_REALTIME by the clocks' offset now; the read's own
 * time where there is none.  Never before the request went out, never after now. */
static int64_t replay_arrival(const struct msghdr *m, const struct replay_conn *c)
{
	int64_t now = (int64_t)now_ns(), at;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(m); cm; cm = CMSG_NXTHDR((struct msghdr *)m, cm)) {
		struct timespec ts;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS)
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		at = now - ((int64_t)clock_ns(CLOCK_REALTIME) - ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec));
		if (at > now)
			return now;
		return at < c->sent_ns ? c->sent_ns : at;
	}
	return now;
}

static void replay_readable(struct replay_conn *c)
{
	union { char buf[CMSG_SPACE(sizeof(struct timespec))]; struct cmsghdr align; } ctl;
	struct iovec iov = { scratch, sizeof(scratch) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(c->fd, &m, 0);
	int64_t now = n > 0 ? replay_arrival(&m, c) : (int64_t)now_ns();
	const unsigned char *p = scratch;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || c->state != CONN_BUSY) {
		/* EOF, an error, or bytes nobody asked for: the stream is no longer usable */
		if (n > 0)
			replay_bad_reply(c, now);
		else
			replay_conn_fail(c, now);
		return;
	}
	if (cfg.http_path) {
		replay_http_bytes(c, p, (size_t)n, now);
		return;
	}
	if (cfg.redis) {
		replay_redis_bytes(c, p, (size_t)n, now);
		return;
	}
	while (n > 0) {
		if (c->rep_got < WIRE_REP_BYTES) {
			size_t take = WIRE_REP_BYTES - c->rep_got < (size_t)n ? WIRE_REP_BYTES - c->rep_got : (size_t)n;
			struct wire_rep r;

			memcpy(c->rep + c->rep_got, p, take);
			c->rep_got += take, p += take, n -= (ssize_t)take;
			if (c->rep_got < WIRE_REP_BYTES)
				return;
			wire_rep_decode(c->rep, &r);
			if (r.magic != WIRE_REP_MAGIC || r.id != c->id || r.status != WIRE_STATUS_OK ||
			    r.reply_bytes != c->reply_bytes) {
				replay_bad_reply(c, now);
				return;
			}
			c->body_left = r.reply_bytes;
		} else {
			size_t take = c->body_left < (uint64_t)n ? (size_t)c->body_left : (size_t)n;

			c->body_left -= take, p += take, n -= (ssize_t)take;
		}
		if (c->rep_got == WIRE_REP_BYTES && !c->body_left) {
			if (!replay_reply_alone(c, (size_t)n, now))
				return;
			replay_complete(c, now);
			return;
		}
	}
}

static void replay_conn_event(struct replay_conn *c, uint32_t events)
{
	int64_t now = (int64_t)now_ns();

	if (c->state == CONN_DOWN)
		return;
	if (c->state == CONN_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err ||
		    (events & (EPOLLERR | EPOLLHUP))) {
			connect_errors++;
			replay_conn_fail(c, now);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		replay_epoll_set(c, false);
		replay_idle_push(c);
		return;
	}
	if ((events & EPOLLOUT) && c->state == CONN_BUSY && c->out_off < c->out_len &&
	    replay_flush(c, now))
		return;
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		replay_readable(c);
}

/* Reconnect what is due; fail replies slower than --timeout. */
static void replay_maintain(int64_t now, int64_t *wake)
{
	int64_t timeout_ns = (int64_t)(cfg.timeout_s * 1e9);

	for (int i = 0; i < cfg.connections; i++) {
		struct replay_conn *c = &conns[i];

		if (c->state == CONN_DOWN && c->retry_ns <= now)
			replay_connect(c, now);
		if (c->state == CONN_DOWN && c->retry_ns < *wake)
			*wake = c->retry_ns;
		if (c->state == CONN_BUSY && now - c->sent_ns > timeout_ns) {
			if (measuring)
				win.timeouts++;
			replay_conn_fail(c, now);
		}
	}
}

/* ---- set-up ----------------------------------------------------------------------------- */

static void replay_usage(FILE *f)
{
	fprintf(f,
		"usage: replay (--port N | --port-file PATH) (--rate R | --trace FILE) [options]\n"
		"Open-loop load against workloads/server, latency from the intended send time (wrk2).\n"
		"\n"
		"  --port N               the server's port on 127.0.0.1\n"
		"  --port-file PATH       read the port from PATH, waiting for it to appear\n"
		"  --connect-timeout S    how long to wait for --port-file (default 10)\n"
		"  --rate R               requests per second, evenly spaced (0 < R <= 1e6)\n"
		"  --trace FILE           replay FILE's arrivals, looping it (docs/traces.md)\n"
		"  --connections C        connections, one request in flight each (default 16)\n"
		"  --work-us N            server CPU per request, us (default 100; --rate mode)\n"
		"  --alloc-bytes N        bytes the server allocates per request (default 4096)\n"
		"  --reply-bytes N        reply payload bytes (default 512; --rate mode)\n"
		"  --payload-bytes N      request payload bytes (default 64)\n"
		"  --http PATH            HTTP/1.1 GET PATH (keep-alive) to any HTTP server instead of\n"
		"                         tare's server; responses need a Content-Length\n"
		"  --redis                RESP GET/SET to a Redis server instead of tare's server\n"
		"  --set-ratio F          --redis: the share of SETs (default 0.1)\n"
		"  --keys N               --redis: keys key:0 .. key:N-1 (default 10000)\n"
		"  --value-bytes N        --redis: bytes of each SET's value (default 64)\n"
		"  --timeout S            a reply slower than this is an error (default 10)\n"
		"  --latency PREFIX       write PREFIX.hist and PREFIX-uncorrected.hist (hist_save)\n"
		"  --warmup S             run by hand: seconds before measuring (default 0)\n"
		"  --duration S           run by hand: seconds to measure (default: until SIGINT)\n"
		"  --help                 this text\n"
		"\n"
		"errors: requests lost in flight (reset, EOF, malformed reply, slower than --timeout)\n"
		"or due while no connection was open (\"dropped\").  sent_late: requests sent more\n"
		"than 1 ms after their intended time (every connection busy, or the driver late).\n"
		"Under tare (TARE_UNITS_FD set) the trial's phase decides the measured window and\n"
		"--warmup/--duration are ignored.  At the end one JSON line on stdout: requests,\n"
		"errors, target and achieved rate, measured_s, sent_late, corrected percentiles\n"
		"(p50_us .. max_us) and uncorrected ones (p50_uncorrected_us ..).\n");
}

static double replay_arg_double(const char *opt, const char *s, double min, double max, const char *want)
{
	double v;

	if (!parse_number(s, min, max, &v))
		workload_bad_arg(opt, s, want);
	return v;
}

static uint32_t replay_arg_u32(const char *opt, const char *s, uint32_t min, uint32_t max)
{
	return (uint32_t)workload_arg_u64(opt, s, min, max, "a whole number");
}

static void replay_parse_args(int argc, char **argv)
{
	enum { O_PORT = 1, O_PORT_FILE, O_CONNECT_TIMEOUT, O_RATE, O_TRACE, O_CONNECTIONS, O_WORK,
	       O_ALLOC, O_REPLY, O_PAYLOAD, O_TIMEOUT, O_LATENCY, O_WARMUP, O_DURATION, O_HTTP, O_REDIS,
	       O_SET_RATIO, O_KEYS, O_VALUE_BYTES, O_HELP };
	static const struct option opts[] = {
		{ "port", required_argument, NULL, O_PORT },
		{ "port-file", required_argument, NULL, O_PORT_FILE },
		{ "connect-timeout", required_argument, NULL, O_CONNECT_TIMEOUT },
		{ "rate", required_argument, NULL, O_RATE },
		{ "trace", required_argument, NULL, O_TRACE },
		{ "connections", required_argument, NULL, O_CONNECTIONS },
		{ "work-us", required_argument, NULL, O_WORK },
		{ "alloc-bytes", required_argument, NULL, O_ALLOC },
		{ "reply-bytes", required_argument, NULL, O_REPLY },
		{ "payload-bytes", required_argument, NULL, O_PAYLOAD },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "latency", required_argument, NULL, O_LATENCY },
		{ "warmup", required_argument, NULL, O_WARMUP },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "http", required_argument, NULL, O_HTTP },
		{ "redis", no_argument, NULL, O_REDIS },
		{ "set-ratio", required_argument, NULL, O_SET_RATIO },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "value-bytes", required_argument, NULL, O_VALUE_BYTES },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	const char *rate_only = NULL;
	int c;

	while ((c = workload_getopt(argc, argv, opts)) != -1) {
		switch (c) {
		case O_PORT:
			cfg.port = (int)replay_arg_u32("--port", optarg, 1, 65535);
			break;
		case O_PORT_FILE: cfg.port_file = optarg; break;
		case O_CONNECT_TIMEOUT:
			cfg.connect_timeout_s = replay_arg_double("--connect-timeout", optarg, 0, 3600, "seconds in [0, 3600]");
			break;
		case O_RATE:
			cfg.rate = replay_arg_double("--rate", optarg, 1e-3, REPLAY_MAX_RATE, "requests/s in [0.001, 1e6]");
			break;
		case O_TRACE: cfg.trace_path = optarg; break;
		case O_CONNECTIONS:
			cfg.connections = (int)replay_arg_u32("--connections", optarg, 1, REPLAY_MAX_CONNECTIONS);
			break;
		case O_WORK:
			cfg.work_us = replay_arg_u32("--work-us", optarg, 0, WIRE_MAX_WORK_US);
			rate_only = "--work-us";
			break;
		case O_ALLOC:
			cfg.alloc_bytes = replay_arg_u32("--alloc-bytes", optarg, 0, WIRE_MAX_ALLOC_BYTES);
			break;
		case O_REPLY:
			cfg.reply_bytes = replay_arg_u32("--reply-bytes", optarg, 0, WIRE_MAX_REPLY_BYTES);
			rate_only = "--reply-bytes";
			break;
		case O_PAYLOAD:
			cfg.payload_bytes = replay_arg_u32("--payload-bytes", optarg, 0, WIRE_MAX_PAYLOAD_BYTES);
			break;
		case O_TIMEOUT:
			cfg.timeout_s = replay_arg_double("--timeout", optarg, 0.001, 3600, "seconds in [0.001, 3600]");
			break;
		case O_LATENCY: cfg.latency_prefix = optarg; break;
		case O_WARMUP:
			cfg.warmup_s = replay_arg_double("--warmup", optarg, 0, 1e6, "seconds in [0, 1e6]");
			break;
		case O_DURATION:
			cfg.duration_s = replay_arg_double("--duration", optarg, 1e-3, 1e6, "seconds in [0.001, 1e6]");
			break;
		case O_HTTP:
			if (optarg[0] != '/' || strpbrk(optarg, " \r\n")) {
				fprintf(stderr, "replay: --http %s: give a path such as / or /index.html (no spaces)\n", optarg);
				exit(EXIT_USAGE);
			}
			cfg.http_path = optarg;
			break;
		case O_REDIS: cfg.redis = true; break;
		case O_SET_RATIO:
			cfg.set_ratio = replay_arg_double("--set-ratio", optarg, 0, 1, "a share in [0, 1]");
			break;
		case O_KEYS: cfg.keys = replay_arg_u32("--keys", optarg, 1, 1000000000); break;
		case O_VALUE_BYTES: cfg.value_bytes = replay_arg_u32("--value-bytes", optarg, 0, 16777216); break;
		case O_HELP:
			replay_usage(stdout);
			exit(0);
		}
	}
	if (!cfg.port == !cfg.port_file) {
		fprintf(stderr, "replay: give the server's --port or --port-file, one of them (see replay --help)\n");
		exit(EXIT_USAGE);
	}
	if ((cfg.rate > 0) == (cfg.trace_path != NULL)) {
		fprintf(stderr, "replay: give --rate or --trace, one of them (see replay --help)\n");
		exit(EXIT_USAGE);
	}
	if (cfg.http_path && cfg.redis) {
		fprintf(stderr, "replay: --http and --redis are two protocols: give one of them\n");
		exit(EXIT_USAGE);
	}
	if ((cfg.http_path || cfg.redis) && (cfg.trace_path || rate_only)) {
		fprintf(stderr, "replay: %s speaks to a real server: %s is for tare's own server\n",
			cfg.redis ? "--redis" : "--http", cfg.trace_path ? "--trace" : rate_only);
		exit(EXIT_USAGE);
	}
	if (cfg.trace_path && rate_only) {
		fprintf(stderr, "replay: %s is for --rate: a trace gives each request's work_us and reply_bytes (see docs/traces.md)\n",
			rate_only);
		exit(EXIT_USAGE);
	}
}

/* Wait for the server's port file (written atomically once it listens); false if SIGTERM or
 * SIGINT came first. */
static bool replay_wait_port(void)
{
	int64_t deadline = (int64_t)now_ns() + (int64_t)(cfg.connect_timeout_s * 1e9);
	struct signalfd_siginfo si;

	for (;;) {
		char *s = read_file(cfg.port_file, NULL), *end;
		long v = s ? strtol(s, &end, 10) : 0;

		if (s && end != s && (*end == '\n' || !*end) && v > 0 && v < 65536) {
			free(s);
			cfg.port = (int)v;
			return true;
		}
		free(s);
		if (read(sfd, &si, sizeof(si)) == sizeof(si))
			return false;
		if ((int64_t)now_ns() >= deadline) {
			fprintf(stderr, "replay: --port-file %s: no port after %g s (is the server running with --port-file %s?)\n",
				cfg.port_file, cfg.connect_timeout_s, cfg.port_file);
			exit(EXIT_FAIL);
		}
		sleep_ns(10000000);
	}
}

/* Follow tare's window number: close the window that ended, open the one that began. */
static void replay_follow_window(int64_t now)
{
	uint32_t w = tare_units_window(units);
	if (w == cur_window)
		return;
	if (cur_window && window_hist.total) {
		if (!windows_out && !(windows_out = open_memstream(&windows_buf, &windows_len))) {
			fprintf(stderr, "replay: no memory for the windows' histograms\n");
			exit(EXIT_FAIL);
		}
		fprintf(windows_out, "window %u %d\n", cur_window, cur_arm);
		hist_save(&window_hist, windows_out);
	}
	hist_reset(&window_hist);
	cur_window = w;
	cur_arm = (int)tare_units_arm(units);
	cur_window_start = now;
}

static int replay_save_windows(void)
{
	char *path, *tmp;
	FILE *f;
	int rc = 0;
	if (!windows_out)
		return 0;
	if (fclose(windows_out)) {
		fprintf(stderr, "replay: no memory for the windows' histograms\n");
		windows_out = NULL;
		return -1;
	}
	windows_out = NULL;
	if (!cfg.latency_prefix)
		return 0;
	path = xasprintf("%s-windows.hist", cfg.latency_prefix);
	tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	if ((f = fopen(tmp, "w"))) {
		fprintf(f, "# tare windows: \"window NUMBER ARM\", then its latencies (ns, from the intended send time) as a tare-hist\n");
		fwrite(windows_buf, 1, windows_len, f);
	}
	if (!f || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "replay: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(path);
	return rc;
}

static int replay_save_hist(const struct hist *h, const char *suffix)
{
	char *path = xasprintf("%s%s.hist", cfg.latency_prefix, suffix);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	int rc = 0;

	if (!f || hist_save(h, f) || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "replay: cannot write %s: %s (is the --latency directory writable?)\n",
			path, strerror(errno));
		unlink(tmp);
		rc = -1;
	}
	free(tmp);
	free(path);
	return rc;
}

static double replay_us(const struct hist *h, double p)
{
	if (!h->total)
		return 0;
	return (double)(p >= 100 ? h->max : hist_percentile(h, p)) / 1000.0;
}

static void replay_report(double measured_s, int in_flight)
{
	double target = cfg.trace_path ? trace_mean_rate(&trace) : cfg.rate;

	printf("{\"requests\":%llu,\"errors\":%llu,\"target_rate\":%.3f,\"achieved_rate\":%.3f,"
	       "\"measured_s\":%.6f,\"sent_late\":%llu,"
	       "\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"p999_us\":%.1f,\"max_us\":%.1f,"
	       "\"p50_uncorrected_us\":%.1f,\"p90_uncorrected_us\":%.1f,\"p99_uncorrected_us\":%.1f,"
	       "\"p999_uncorrected_us\":%.1f,\"max_uncorrected_us\":%.1f,"
	       "\"dropped\":%llu,\"timeouts\":%llu,\"bad_replies\":%llu,\"connect_errors\":%llu,"
	       "\"in_flight_at_end\":%d,\"connections\":%d,\"completed_total\":%llu",
	       (unsigned long long)win.requests, (unsigned long long)win.errors, target,
	       measured_s > 0 ? (double)win.requests / measured_s : 0.0, measured_s,
	       (unsigned long long)win.sent_late,
	       replay_us(&corrected, 50), replay_us(&corrected, 90), replay_us(&corrected, 99),
	       replay_us(&corrected, 99.9), replay_us(&corrected, 100),
	       replay_us(&uncorrected, 50), replay_us(&uncorrected, 90), replay_us(&uncorrected, 99),
	       replay_us(&uncorrected, 99.9), replay_us(&uncorrected, 100),
	       (unsigned long long)win.dropped, (unsigned long long)win.timeouts,
	       (unsigned long long)win.bad_replies, (unsigned long long)connect_errors, in_flight,
	       cfg.connections, (unsigned long long)completed_total);
	if (cfg.trace_path)
		printf(",\"trace_loops\":%llu", (unsigned long long)sched.loops);
	if (cfg.http_path)
		printf(",\"http_2xx\":%llu,\"http_3xx\":%llu,\"http_4xx\":%llu,\"http_5xx\":%llu",
		       (unsigned long long)win.status[2], (unsigned long long)win.status[3],
		       (unsigned long long)win.status[4], (unsigned long long)win.status[5]);
	printf("}\n");
	fflush(stdout);
}

/* From now until the monotonic time wake (ns), as epoll_pwait2's timeout; 0 once passed. */
static struct timespec replay_timeout(int64_t wake)
{
	int64_t wait = wake - (int64_t)now_ns();
	return (struct timespec){ .tv_sec = wait > 0 ? wait / 1000000000 : 0, .tv_nsec = wait > 0 ? wait % 1000000000 : 0 };
}

/* Wait for events until the monotonic time wake (ns).  epoll_pwait2's timeout has nanoseconds;
 * a kernel before 5.11 lacks it, and then a timerfd in the set is armed at wake instead (re-armed
 * only to wake earlier or once passed: a settime per request costs more than a spurious wake). */
static int replay_wait(struct epoll_event *got, int64_t wake)
{
	static int64_t armed = -1;
	struct timespec ts = replay_timeout(wake);
	int n;

	if (tfd < 0) {
		n = epoll_pwait2(epfd, got, REPLAY_MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tfd };
		if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
		    epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev)) {
			fprintf(stderr, "replay: no epoll_pwait2 and no timerfd: %s\n", strerror(errno));
			exit(EXIT_FAIL);
		}
	}
	if (armed < 0 || wake < armed || armed <= (int64_t)now_ns()) {
		struct itimerspec its = { .it_value = { .tv_sec = wake / 1000000000, .tv_nsec = wake % 1000000000 } };

		timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
		armed = wake;
	}
	n = epoll_wait(epfd, got, REPLAY_MAX_EVENTS, -1);
	for (int i = 0; i < n; i++)
		if (got[i].data.ptr == &tfd) {
			uint64_t ticks;

			if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
				abort();
			armed = -1;
		}
	return n;
}

/* Sleep until the monotonic time wake without waking for replies: in an epoll set that holds
 * only the signalfd (a 50 µs epoll_pwait2 sleep cost this VM 19.7 µs of CPU, clock_nanosleep's
 * 21; the driver 29 against 36 µs a request at 20,000/s in two A/B runs), or clock_nanosleep
 * before 5.11. */
static void replay_sleep(int64_t wake)
{
	struct timespec ts = replay_timeout(wake);
	struct timespec abs = { .tv_sec = wake / 1000000000, .tv_nsec = wake % 1000000000 };
	struct epoll_event e;

	if (epoll_pwait2(quietfd, &e, 1, &ts, NULL) < 0 && errno == ENOSYS)
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == EINTR)
			;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	bool by_tare = getenv("TARE_UNITS_FD") && *getenv("TARE_UNITS_FD");
	int64_t window_start = 0, window_end = 0, warm_end, end = INT64_MAX;
	char err[512];
	sigset_t mask;
	int in_flight = 0, rc = 0;
	bool harvest_more = false;	/* the last wait filled got[]: collect the rest at once */

	replay_parse_args(argc, argv);
	if (cfg.trace_path && trace_load(cfg.trace_path, &trace, err, sizeof(err))) {
		fprintf(stderr, "replay: %s\n", err);
		return EXIT_USAGE;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	quietfd = epoll_create1(EPOLL_CLOEXEC);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (sfd < 0 || epfd < 0 || quietfd < 0) {
		fprintf(stderr, "replay: setting up: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	units = tare_units_open("requests");
	units_slot = tare_units_slot(units);
	if (hist_init(&corrected, REPLAY_HIST_LOWEST_NS, REPLAY_HIST_HIGHEST_NS, REPLAY_HIST_SIGFIGS) ||
	    hist_init(&uncorrected, REPLAY_HIST_LOWEST_NS, REPLAY_HIST_HIGHEST_NS, REPLAY_HIST_SIGFIGS) ||
	    hist_init(&window_hist, REPLAY_HIST_LOWEST_NS, REPLAY_HIST_HIGHEST_NS, REPLAY_HIST_SIGFIGS)) {
		fprintf(stderr, "replay: cannot allocate the latency histograms\n");
		return EXIT_FAIL;
	}
	if (cfg.http_path) {
		http_req = xasprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: tare-replay\r\n\r\n", cfg.http_path);
		http_req_len = strlen(http_req);
	}
	payload = xmalloc(cfg.payload_bytes ? cfg.payload_bytes : 1);
	for (uint32_t i = 0; i < cfg.payload_bytes; i++)
		payload[i] = (unsigned char)('A' + i % 26);
	conns = xcalloc((size_t)cfg.connections, sizeof(*conns));
	idle = xcalloc((size_t)cfg.connections, sizeof(*idle));
	for (int i = 0; i < cfg.connections; i++) {
		conns[i].fd = -1;
		conns[i].backoff_ns = REPLAY_BACKOFF_MIN_NS;
		if (cfg.redis)
			conns[i].rbuf = xmalloc(128 + cfg.value_bytes);
	}
	ev.data.ptr = &sfd;
	epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
	epoll_ctl(quietfd, EPOLL_CTL_ADD, sfd, &ev);
	/* Stopped before the server was up: nothing was sent; still the JSON and empty files. */
	if (cfg.port_file && !replay_wait_port())
		goto report;

	sched.t0 = (int64_t)now_ns();
	sched.interval_ns = cfg.rate > 0 ? 1e9 / cfg.rate : 0;
	warm_end = sched.t0 + (int64_t)(cfg.warmup_s * 1e9);
	if (cfg.duration_s > 0)
		end = warm_end + (int64_t)(cfg.duration_s * 1e9);
	for (int i = 0; i < cfg.connections; i++)
		replay_connect(&conns[i], sched.t0);

	for (;;) {
		struct epoll_event got[REPLAY_MAX_EVENTS];
		int64_t now = (int64_t)now_ns(), next, wake = now + REPLAY_POLL_NS;
		enum tare_phase phase;
		bool stop = false;
		int n;

		if (by_tare)
			phase = tare_units_phase(units);
		else
			phase = now < warm_end ? TARE_PHASE_WARMUP : now < end ? TARE_PHASE_MEASURE : TARE_PHASE_DONE;
		if (phase == TARE_PHASE_MEASURE && !measuring && !window_end) {
			measuring = true;
			window_start = now;
		}
		if (phase == TARE_PHASE_DONE)
			break;
		if (by_tare)
			replay_follow_window(now);

		replay_maintain(now, &wake);
		/* Send what is due; what finds no free connection waits for one, unless none is
		 * open at all: then it is an error, and the schedule moves on. */
		while ((next = replay_next_intended()) <= now) {
			if (nidle) {
				replay_send(idle[nidle - 1], next);
			} else if (!nopen) {
				errors_total++;
				if (measuring)
					win.errors++, win.dropped++;
			} else {
				break;
			}
			replay_advance();
		}
		if (nidle && next < wake)
			wake = next;
		if (harvest_more) {
			n = epoll_wait(epfd, got, REPLAY_MAX_EVENTS, 0);
		} else if (rx_stamps && nidle && !nwant_out && wake == next && next - now < REPLAY_HARVEST_NS) {
			replay_sleep(next);
			n = epoll_wait(epfd, got, REPLAY_MAX_EVENTS, 0);
		} else {
			n = replay_wait(got, wake);
		}
		harvest_more = n == REPLAY_MAX_EVENTS;
		for (int i = 0; i < n; i++) {
			if (got[i].data.ptr == &sfd)
				stop = true;
			else if (got[i].data.ptr != &tfd)
				replay_conn_event(got[i].data.ptr, got[i].events);
		}
		if (stop)
			break;
	}
report:
	window_end = (int64_t)now_ns();
	for (int i = 0; i < cfg.connections; i++) {
		in_flight += conns[i].state == CONN_BUSY;
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	}
	if (by_tare)
		replay_follow_window(window_end);
	if (cfg.latency_prefix && (replay_save_hist(&corrected, "") || replay_save_hist(&uncorrected, "-uncorrected") ||
				   replay_save_windows()))
		rc = EXIT_FAIL;
	replay_report(measuring ? (double)(window_end - window_start) / 1e9 : 0, in_flight);
	hist_free(&corrected);
	hist_free(&uncorrected);
	hist_free(&window_hist);
	free(windows_buf);
	trace_free(&trace);
	free(conns);
	free(idle);
	free(payload);
	close(epfd);
	close(quietfd);
	close(sfd);
	return rc;
}
