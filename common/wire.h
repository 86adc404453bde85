/* wire.h — the wire protocol between workloads/replay and workloads/server.
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
#ifndef TARE_WIRE_H
#define TARE_WIRE_H

#include <stdint.h>

#include "trace_format.h"	/* a request's maxima are a trace's */

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
