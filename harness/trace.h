/* trace.h — request traces: a small text format, its strict parser, seeded generators
 * (Poisson, bursty, diurnal), an importer from web-server access logs, and the wire protocol
 * that workloads/replay speaks to workloads/server.
 *
 * A trace is the arrival times and sizes of requests, replayed open-loop by workloads/replay
 * (docs/traces.md, workloads/traces/README.md):
 *
 *	# tare-trace 1
 *	# duration: 2
 *	# offset_s  class  work_us  reply_bytes
 *	0.000412    get    100      512
 *	0.000950    put    400      64
 *
 * The first line is exactly "# tare-trace 1".  Then one request per line, four columns
 * separated by blanks: the arrival offset in seconds from the start of the trace (decimal, at
 * most 9 fractional digits, non-decreasing), a class token (1-32 of [A-Za-z0-9_.:/-]), the
 * server CPU work in whole microseconds, and the reply size in bytes (the bytes the server
 * sends back, which is what access logs record).  '#' starts a comment anywhere; blank lines
 * are skipped.  "# duration: SECONDS" (optional, >= the last offset) is the length of the
 * trace, the period after which replay loops it; without it the period is the last offset
 * plus the mean gap between arrivals.
 *
 * The limits are the TRACE_MAX_* below; a value beyond one is an error naming the line, not a
 * silent clamp (the importer clamps, and counts, request times and sizes above them).
 */
#ifndef TARE_TRACE_H
#define TARE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TRACE_MAGIC		"# tare-trace 1"
#define TRACE_MAX_OFFSET_S	1000000			/* ~11.6 days */
#define TRACE_MAX_WORK_US	10000000u		/* 10 s of CPU for one request */
#define TRACE_MAX_REPLY_BYTES	(16u << 20)		/* 16 MiB */
#define TRACE_MAX_REQUESTS	5000000			/* 24 bytes each in memory: 120 MB */
#define TRACE_MAX_CLASSES	256
#define TRACE_MAX_CLASS_LEN	32
#define TRACE_MAX_LINE		4096

struct trace_req {
	int64_t offset_ns;	/* from the start of the trace */
	uint32_t work_us;
	uint32_t reply_bytes;
	uint16_t cls;		/* index into trace.classes */
};

struct trace {
	struct trace_req *req;
	size_t n;
	char **classes;		/* in order of first appearance */
	int nclasses;
	int64_t period_ns;	/* loop period: "# duration:", else last offset + mean gap */
	int has_duration;
};

/* Parse a trace from path (or an open stream, named name in messages).  0, or -1 with one line
 * in err: "FILE:LINE: what is wrong (what to do)".  On error t is left empty. */
int trace_load(const char *path, struct trace *t, char *err, size_t errlen);
int trace_parse(FILE *f, const char *name, struct trace *t, char *err, size_t errlen);
void trace_free(struct trace *t);
/* Requests per second over one period. */
double trace_mean_rate(const struct trace *t);

/* Generators: write a whole trace to f.  cmdline is recorded in the header, so the file says
 * how to make it again; the same arguments and seed give the same bytes. */
enum trace_shape { TRACE_POISSON, TRACE_BURSTY, TRACE_DIURNAL };
enum trace_work_dist { TRACE_WORK_CONST, TRACE_WORK_EXP };

struct trace_class_spec {
	char name[TRACE_MAX_CLASS_LEN + 1];
	uint32_t work_us;	/* the mean, under TRACE_WORK_EXP */
	uint32_t reply_bytes;
	double weight;
};

#define TRACE_GEN_MAX_CLASSES 16

struct trace_gen {
	enum trace_shape shape;
	double rate;		/* poisson: the rate; bursty: the base rate */
	double burst_rate, burst_len_s, burst_every_s;	/* bursty */
	double min_rate, max_rate, period_s;		/* diurnal */
	double duration_s;
	uint64_t seed;
	enum trace_work_dist work_dist;
	struct trace_class_spec cls[TRACE_GEN_MAX_CLASSES];
	int ncls;
};

/* The rate (requests/s) of the generator's process at time t, and its mean over duration. */
double trace_gen_rate_at(const struct trace_gen *g, double t);
double trace_gen_mean_rate(const struct trace_gen *g);
/* 0, or -1 with a message in err (bad parameters, too many requests, a write error). */
int trace_generate(const struct trace_gen *g, const char *cmdline, FILE *f, char *err, size_t errlen);

/* Importer: access-log lines in the "combined" format with the request time as the last field:
 *   nginx:  ... "$http_user_agent" $request_time    (seconds with a decimal point, 0.012)
 *   apache: ... \"%{User-agent}i\" %D                (microseconds, 12000)
 */
enum trace_log_format { TRACE_LOG_AUTO, TRACE_LOG_NGINX, TRACE_LOG_APACHE };

struct trace_import_line {
	int64_t time_s;		/* Unix seconds (UTC) */
	char cls[TRACE_MAX_CLASS_LEN + 1];	/* the HTTP method, or "other" */
	uint64_t work_us;	/* request time in µs, before scaling and clamping */
	uint64_t reply_bytes;
	enum trace_log_format format;	/* which one this line was */
};

/* Parse one log line (without its newline).  NULL, or what is wrong with it (a static string). */
const char *trace_import_parse_line(const char *line, enum trace_log_format fmt,
				    struct trace_import_line *out);

struct trace_import_stats {
	uint64_t lines, requests, skipped, blank;	/* skipped: malformed lines */
	uint64_t first_bad_line;	/* 0: none */
	char first_bad_why[160];
	uint64_t outliers;		/* well-formed lines dated far from the bulk, skipped too */
	uint64_t first_outlier_line;	/* 0: none */
	uint64_t work_clamped, bytes_clamped;
	enum trace_log_format format;	/* what the good lines were (AUTO if mixed) */
};

struct trace_import_opts {
	enum trace_log_format format;
	double work_scale;	/* work_us = request time × scale (default 1) */
	int strict;		/* the first bad line is fatal (malformed, else outlying) */
};

/* Read an access log from in (named name), write a trace to out.  0; -1 with one line in err
 * (a bad line under strict, no usable line, a span above TRACE_MAX_OFFSET_S once outliers are
 * skipped, a write error). */
int trace_import(FILE *in, const char *name, const struct trace_import_opts *o, const char *cmdline,
		 FILE *out, struct trace_import_stats *st, char *err, size_t errlen);

/* `tare trace gen|import|check ...`; argv[0] is "trace".  Returns the exit code: 0, 1 (an I/O
 * failure), 2 (bad usage or a bad trace/log). */
int trace_main(int argc, char **argv);

/* ---- The wire protocol between workloads/replay and workloads/server ---------------------
 *
 * Over one TCP connection on 127.0.0.1 the client sends requests, the server answers each
 * with one reply, in order.  All integers little-endian.
 *
 *   request  (32 bytes): magic "TRQ1" u32 | class u32 | id u64 | work_us u32 | alloc_bytes u32
 *                        | reply_bytes u32 | payload_bytes u32, then payload_bytes bytes
 *   reply    (24 bytes): magic "TRP1" u32 | status u32 (0 ok) | id u64 (the request's)
 *                        | reply_bytes u32 | server_us u32 (time from parsed to reply), then
 *                        reply_bytes bytes
 *
 * A request with a bad magic or a field above its maximum is a protocol error: the server
 * closes the connection (the stream cannot be resynchronised).  replay keeps one request in
 * flight per connection (no pipelining); the server would answer pipelined requests in order.
 */
#define WIRE_REQ_MAGIC		0x31515254u	/* "TRQ1" as bytes on the wire */
#define WIRE_REP_MAGIC		0x31505254u	/* "TRP1" */
#define WIRE_REQ_BYTES		32
#define WIRE_REP_BYTES		24
#define WIRE_MAX_WORK_US	TRACE_MAX_WORK_US
#define WIRE_MAX_ALLOC_BYTES	(64u << 20)
#define WIRE_MAX_REPLY_BYTES	TRACE_MAX_REPLY_BYTES
#define WIRE_MAX_PAYLOAD_BYTES	(16u << 20)
#define WIRE_STATUS_OK		0

struct wire_req {
	uint32_t magic, cls;
	uint64_t id;
	uint32_t work_us, alloc_bytes, reply_bytes, payload_bytes;
};

struct wire_rep {
	uint32_t magic, status;
	uint64_t id;
	uint32_t reply_bytes, server_us;
};

static inline void wire_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16), p[3] = (unsigned char)(v >> 24);
}

static inline uint32_t wire_get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void wire_put64(unsigned char *p, uint64_t v)
{
	wire_put32(p, (uint32_t)v);
	wire_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t wire_get64(const unsigned char *p)
{
	return (uint64_t)wire_get32(p) | (uint64_t)wire_get32(p + 4) << 32;
}

static inline void wire_req_encode(const struct wire_req *r, unsigned char b[WIRE_REQ_BYTES])
{
	wire_put32(b, r->magic), wire_put32(b + 4, r->cls), wire_put64(b + 8, r->id);
	wire_put32(b + 16, r->work_us), wire_put32(b + 20, r->alloc_bytes);
	wire_put32(b + 24, r->reply_bytes), wire_put32(b + 28, r->payload_bytes);
}

static inline void wire_req_decode(const unsigned char b[WIRE_REQ_BYTES], struct wire_req *r)
{
	r->magic = wire_get32(b), r->cls = wire_get32(b + 4), r->id = wire_get64(b + 8);
	r->work_us = wire_get32(b + 16), r->alloc_bytes = wire_get32(b + 20);
	r->reply_bytes = wire_get32(b + 24), r->payload_bytes = wire_get32(b + 28);
}

/* NULL, or which field is out of bounds. */
static inline const char *wire_req_check(const struct wire_req *r)
{
	if (r->magic != WIRE_REQ_MAGIC)
		return "bad magic";
	if (r->work_us > WIRE_MAX_WORK_US)
		return "work_us above its maximum";
	if (r->alloc_bytes > WIRE_MAX_ALLOC_BYTES)
		return "alloc_bytes above its maximum";
	if (r->reply_bytes > WIRE_MAX_REPLY_BYTES)
		return "reply_bytes above its maximum";
	if (r->payload_bytes > WIRE_MAX_PAYLOAD_BYTES)
		return "payload_bytes above its maximum";
	return NULL;
}

static inline void wire_rep_encode(const struct wire_rep *r, unsigned char b[WIRE_REP_BYTES])
{
	wire_put32(b, r->magic), wire_put32(b + 4, r->status), wire_put64(b + 8, r->id);
	wire_put32(b + 16, r->reply_bytes), wire_put32(b + 20, r->server_us);
}

static inline void wire_rep_decode(const unsigned char b[WIRE_REP_BYTES], struct wire_rep *r)
{
	r->magic = wire_get32(b), r->status = wire_get32(b + 4), r->id = wire_get64(b + 8);
	r->reply_bytes = wire_get32(b + 16), r->server_us = wire_get32(b + 20);
}

#endif
