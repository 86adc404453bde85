/* prom_http.c — the HTTP half of prom.h: a /metrics URL parsed, and one plain-socket HTTP/1.1
 * exchange for a scrape (GET) or a Pushgateway push (PUT).  Apart from prom.c (the text format)
 * because the two share nothing but an error helper: this side is sockets, deadlines and
 * framing, and a change to either should not mean reading the other.
 *
 * Why by hand: tare reads the endpoint at every window boundary of a switchback run (windows of
 * 0.25–2 s), on a machine where the profiler being weighed is also running, so a scrape must be
 * cheap, bounded in time as a whole (a stuck exporter must cost one window, not the run), and
 * bring no library in.  The exporters that matter answer plain HTTP/1.1 on loopback; Go's
 * net/http ones chunk the body; none needs TLS.
 */
#include "prom.h"
#include "prom_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "util.h"

#define PROM_MAX_ANSWER (64u << 20) /* an answer this large is not a metrics page */

/* ------------------------------------------------------------------ URL */

int prom_url_parse(const char *url, struct prom_url *u, char *err, size_t errlen)
{
	const char *p, *host, *host_end, *port = NULL, *port_end = NULL, *path;
	size_t hl;

	memset(u, 0, sizeof(*u));
	if (strlen(url) >= sizeof(u->text)) {
		seterr(err, errlen, "URL too long (%zu characters, at most %zu)", strlen(url),
		       sizeof(u->text) - 1);
		return -1;
	}
	snprintf(u->text, sizeof(u->text), "%s", url);
	if (!strncasecmp(url, "https://", 8)) {
		seterr(err, errlen, "%s: https is not supported; scrape the exporter over plain http "
		       "(on loopback, or through a local proxy)", url);
		return -1;
	}
	if (strncasecmp(url, "http://", 7)) {
		seterr(err, errlen, "%s: not an http:// URL (want http://HOST:PORT/metrics)", url);
		return -1;
	}
	p = url + 7;
	if (*p == '[') {		/* [IPv6] */
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end) {
			seterr(err, errlen, "%s: no ']' after the IPv6 address", url);
			return -1;
		}
		p = host_end + 1;
	} else {
		host = p;
		while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#')
			p++;
		host_end = p;
	}
	hl = (size_t)(host_end - host);
	if (!hl) {
		seterr(err, errlen, "%s: no host", url);
		return -1;
	}
	if (memchr(host, '@', hl)) {
		seterr(err, errlen, "%s: user names and passwords in the URL are not supported", url);
		return -1;
	}
	if (*p == ':') {
		port = ++p;
		while (isdigit((unsigned char)*p))
			p++;
		port_end = p;
		if (port_end == port || (*p && *p != '/' && *p != '?') ||
		    port_end - port > 5 || atoi(port) < 1 || atoi(port) > 65535) {
			seterr(err, errlen, "%s: bad port (want 1..65535)", url);
			return -1;
		}
	} else if (*p && *p != '/' && *p != '?') {
		seterr(err, errlen, "%s: unexpected '%c' after the host", url, *p);
		return -1;
	}
	path = p;
	memcpy(u->host, host, hl);
	u->host[hl] = '\0';
	if (port)
		snprintf(u->port, sizeof(u->port), "%.*s", (int)(port_end - port), port);
	else
		snprintf(u->port, sizeof(u->port), "80");
	snprintf(u->hostport, sizeof(u->hostport), "%.*s", (int)(path - (url + 7)), url + 7);
	if (*path == '/')
		snprintf(u->path, sizeof(u->path), "%s", path);
	else
		snprintf(u->path, sizeof(u->path), "/%s", path); /* "?x" or "" */
	/* a fragment is never sent */
	*strchrnul(u->path, '#') = '\0';
	for (p = u->path; *p; p++)
		if ((unsigned char)*p <= ' ') {
			seterr(err, errlen, "%s: a blank or control character in the path (encode it as %%20)", url);
			return -1;
		}
	return 0;
}

/* ------------------------------------------------------------------ HTTP */

/* Chunked transfer coding (RFC 9112 7.1) in p[0..len): 1 and the body in out (when out is not
 * NULL; it needs len bytes) when it is complete, 0 when more is to come, -1 when malformed. */
static int dechunk(const char *p, size_t len, char *out, size_t *outlen)
{
	size_t i = 0, o = 0;

	for (;;) {
		size_t size = 0, start = i;
		int digits = 0;

		while (i < len && isxdigit((unsigned char)p[i])) {
			int c = tolower((unsigned char)p[i++]);
			if (++digits > 15)
				return -1;
			size = size * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		if (i == len)
			return 0;
		if (i == start)
			return -1;
		while (i < len && p[i] != '\n')	/* chunk extensions, and the CR */
			i++;
		if (i == len)
			return 0;
		i++;
		if (size == 0) {
			/* trailers, then an empty line */
			for (;;) {
				const char *nl = memchr(p + i, '\n', len - i);
				if (!nl)
					return 0;
				bool empty = nl == p + i || (nl == p + i + 1 && p[i] == '\r');
				i = (size_t)(nl - p) + 1;
				if (empty)
					break;
			}
			if (out)
				*outlen = o;
			return 1;
		}
		if (len - i < size)
			return 0;
		if (out)
			memmove(out + o, p + i, size);	/* out may be p itself, behind */
		o += size;
		i += size;
		if (i < len && p[i] == '\r')
			i++;
		if (i == len)
			return 0;
		if (p[i] != '\n')
			return -1;
		i++;
	}
}

/* The value of header name (case-insensitive) in the header block hdr[0..len), into buf;
 * false when there is none. */
static bool header(const char *hdr, size_t len, const char *name, char *buf, size_t buflen)
{
	size_t nl = strlen(name);
	const char *p = hdr, *end = hdr + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
			const char *v = p + nl + 1, *ve = eol;
			while (v < ve && is_blank(*v))
				v++;
			while (ve > v && is_blank(ve[-1]))
				ve--;
			snprintf(buf, buflen, "%.*s", (int)(ve - v), v);
			return true;
		}
		p = eol + 1;
	}
	return false;
}

struct answer {
	const char *hdr_end;	/* just past the blank line; NULL until it has come */
	size_t hdr_len;		/* the status line and headers */
	bool chunked;
	long long length;	/* Content-Length, -1 when none */
};

/* What the bytes so far say: 1 when the answer is complete, 0 when not yet, -1 when it is not
 * HTTP (err set). */
static int answer_state(const char *buf, size_t len, struct answer *a, const struct prom_url *u,
			char *err, size_t errlen)
{
	char v[64];

	if (!a->hdr_end) {
		const char *e = memmem(buf, len, "\r\n\r\n", 4);
		size_t skip = 4;

		if (len >= 5 && strncmp(buf, "HTTP/", 5)) {
			seterr(err, errlen, "%s: the answer is not HTTP (is this port an exporter's?)", u->text);
			return -1;
		}
		if (!e) {
			e = memmem(buf, len, "\n\n", 2);
			skip = 2;
		}
		if (!e)
			return 0;
		a->hdr_end = e + skip;
		a->hdr_len = (size_t)(e - buf);
		a->length = -1;
		if (header(buf, a->hdr_len, "Transfer-Encoding", v, sizeof(v)))
			a->chunked = strcasestr(v, "chunked") != NULL;
		if (!a->chunked && header(buf, a->hdr_len, "Content-Length", v, sizeof(v))) {
			char *end;
			errno = 0;
			a->length = strtoll(v, &end, 10);
			if (errno || *end || a->length < 0) {
				seterr(err, errlen, "%s: bad Content-Length '%s'", u->text, v);
				return -1;
			}
		}
	}
	size_t body_len = len - (size_t)(a->hdr_end - buf);
	if (a->chunked) {
		int r = dechunk(a->hdr_end, body_len, NULL, NULL);
		if (r < 0)
			seterr(err, errlen, "%s: bad chunked encoding in the answer", u->text);
		return r;
	}
	if (a->length >= 0)
		return body_len >= (size_t)a->length;
	return 0;		/* to EOF */
}

static double remaining_s(uint64_t deadline_ns)
{
	uint64_t now = now_ns();
	return now >= deadline_ns ? 0 : (double)(deadline_ns - now) / 1e9;
}

/* poll fd for events until the deadline: 1 ready, 0 timed out, -1 error (errno). */
static int wait_fd(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		double left = remaining_s(deadline_ns);
		int ms = (int)ceil(left * 1000), r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r;
		return 1;
	}
}

/* strerror, starting lower case as the rest of a message does. */
static void errno_text(int e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strerror(e));
	if (buf[0] && isupper((unsigned char)buf[0]) && !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
}

/* A connected socket to u, or -1 with err set: each address getaddrinfo gives, in order. */
static int connect_to(const struct prom_url *u, uint64_t deadline_ns, double timeout_s, char *err,
		      size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	int r, fd = -1, last = 0;
	char why[128];

	r = getaddrinfo(u->host, u->port, &hints, &res);
	if (r) {
		seterr(err, errlen, "%s: cannot resolve %s: %s", u->text, u->host,
		       r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			last = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			int w = wait_fd(fd, POLLOUT, deadline_ns), so = 0;
			socklen_t sl = sizeof(so);

			if (w == 0) {
				close(fd);
				freeaddrinfo(res);
				seterr(err, errlen, "%s: no answer in %g s (connecting)", u->text, timeout_s);
				return -1;
			}
			if (w > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) == 0 && so == 0)
				break;
			last = w < 0 ? errno : so;
		} else {
			last = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno_text(last ? last : ECONNREFUSED, why, sizeof(why));
		seterr(err, errlen, "%s: %s", u->text, why);
	}
	return fd;
}

/* One request (its head and body in req[0..reqlen)) to u and its answer read whole, within the
 * deadline: 0 with the answer in *buf (NUL-terminated, malloc'd), its length in *len, its headers
 * in *a and its status in *status; or -1 with one line in err, the URL first. */
static int http_exchange(const struct prom_url *u, const char *req, size_t reqlen, uint64_t deadline,
			 double timeout_s, char **bufp, size_t *lenp, struct answer *a, int *status, char *err,
			 size_t errlen)
{
	char *buf = NULL, why[128];
	size_t len = 0, cap = 0, sent = 0;
	int fd, state = 0;

	*bufp = NULL;
	fd = connect_to(u, deadline, timeout_s, err, errlen);
	if (fd < 0)
		return -1;
	while (sent < reqlen) {
		ssize_t n = send(fd, req + sent, reqlen - sent, MSG_NOSIGNAL);

		if (n > 0) {
			sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			int w = wait_fd(fd, POLLOUT, deadline);
			if (w > 0)
				continue;
			if (w == 0) {
				seterr(err, errlen, "%s: no answer in %g s (sending)", u->text, timeout_s);
				goto fail;
			}
		}
		errno_text(errno, why, sizeof(why));
		seterr(err, errlen, "%s: %s", u->text, why);
		goto fail;
	}
	for (;;) {
		ssize_t n;
		int w;

		if (cap - len < 16384) {
			cap = cap ? 2 * cap : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n > 0) {
			len += (size_t)n;
			if (len > PROM_MAX_ANSWER) {
				seterr(err, errlen, "%s: the answer is over %u MiB; not a metrics page?",
				       u->text, PROM_MAX_ANSWER >> 20);
				goto fail;
			}
			state = answer_state(buf, len, a, u, err, errlen);
			if (state < 0)
				goto fail;
			if (state > 0)
				break;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			errno_text(errno, why, sizeof(why));
			seterr(err, errlen, "%s: %s", u->text, why);
			goto fail;
		}
		w = wait_fd(fd, POLLIN, deadline);
		if (w < 0) {
			errno_text(errno, why, sizeof(why));
			seterr(err, errlen, "%s: %s", u->text, why);
			goto fail;
		}
		if (w == 0) {
			if (len == 0)
				seterr(err, errlen, "%s: no answer in %g s", u->text, timeout_s);
			else
				seterr(err, errlen, "%s: answer not complete in %g s (%zu bytes came)",
				       u->text, timeout_s, len);
			goto fail;
		}
	}
	close(fd);
	fd = -1;
	if (len == 0) {
		seterr(err, errlen, "%s: the connection closed with no answer", u->text);
		goto fail;
	}
	buf[len] = '\0';
	if (!a->hdr_end && answer_state(buf, len, a, u, err, errlen) < 0)
		goto fail;
	if (!a->hdr_end) {
		seterr(err, errlen, "%s: the answer was cut short (in its headers)", u->text);
		goto fail;
	}
	if (sscanf(buf, "HTTP/%*d.%*d %d", status) != 1) {
		seterr(err, errlen, "%s: bad HTTP status line", u->text);
		goto fail;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

/* The answer's body, dechunked, moved to the start of buf and NUL-terminated: 0 and its length
 * in *blen; or -1 with err set when it was cut short. */
static int answer_body(char *buf, size_t len, const struct answer *a, const struct prom_url *u,
		       size_t *blenp, char *err, size_t errlen)
{
	size_t off = (size_t)(a->hdr_end - buf), blen = len - off;

	if (a->chunked) {
		size_t outlen = 0;
		int r = dechunk(buf + off, blen, buf, &outlen); /* out trails in: safe in place */
		if (r <= 0) {
			seterr(err, errlen, "%s: the answer was cut short (chunked body incomplete)", u->text);
			return -1;
		}
		blen = outlen;
	} else {
		if (a->length >= 0 && blen < (size_t)a->length) {
			seterr(err, errlen, "%s: the answer was cut short (%zu of %lld bytes)", u->text, blen,
			       a->length);
			return -1;
		}
		if (a->length >= 0)
			blen = (size_t)a->length;
		memmove(buf, buf + off, blen);
	}
	buf[blen] = '\0';
	*blenp = blen;
	return 0;
}

/* "HTTP 404 Not Found" from the status line in buf, into msg. */
static void status_text(const char *buf, int status, char *msg, size_t len)
{
	const char *reason = buf + strcspn(buf, " ");
	int rl;

	reason += strspn(reason, " ");
	reason += strspn(reason, "0123456789");
	reason += strspn(reason, " ");
	rl = (int)strcspn(reason, "\r\n");
	snprintf(msg, len, "HTTP %d%s%.*s", status, rl ? " " : "", rl, reason);
}

int prom_scrape(const struct prom_url *u, double timeout_s, char **body, char *err, size_t errlen)
{
	uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
	char *req, *buf = NULL, v[256], st[160];
	size_t len = 0, blen;
	struct answer a = { 0 };
	int status = 0, rc;

	*body = NULL;
	/* No Accept-Encoding, so no gzip; text/plain first, so no protobuf or exemplars. */
	req = xasprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tare\r\n"
			"Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\nConnection: close\r\n\r\n",
			u->path, u->hostport);
	rc = http_exchange(u, req, strlen(req), deadline, timeout_s, &buf, &len, &a, &status, err, errlen);
	free(req);
	if (rc)
		return -1;
	if (status != 200) {
		status_text(buf, status, st, sizeof(st));
		if (status / 100 == 3 && header(buf, a.hdr_len, "Location", v, sizeof(v)))
			seterr(err, errlen, "%s: %s (to %s)", u->text, st, v);
		else
			seterr(err, errlen, "%s: %s", u->text, st);
		goto fail;
	}
	if (header(buf, a.hdr_len, "Content-Type", v, sizeof(v)) && !strncasecmp(v, "text/html", 9)) {
		seterr(err, errlen, "%s: the answer is a web page (%s), not metrics; is the path right "
		       "(usually /metrics)?", u->text, v);
		goto fail;
	}
	if (answer_body(buf, len, &a, u, &blen, err, errlen))
		goto fail;
	*body = buf;
	return 0;
fail:
	free(buf);
	return -1;
}

int prom_push(const struct prom_url *u, const char *content_type, const char *body, size_t body_len,
	      double timeout_s, char *err, size_t errlen)
{
	uint64_t deadline = now_ns() + (uint64_t)(timeout_s * 1e9);
	char *head, *req, *buf = NULL, st[160];
	size_t len = 0, headlen, blen;
	struct answer a = { 0 };
	int status = 0, rc;

	head = xasprintf("PUT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tare\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			 u->path, u->hostport, content_type, body_len);
	headlen = strlen(head);
	req = xmalloc(headlen + body_len);
	memcpy(req, head, headlen);
	memcpy(req + headlen, body, body_len);
	free(head);
	rc = http_exchange(u, req, headlen + body_len, deadline, timeout_s, &buf, &len, &a, &status, err, errlen);
	free(req);
	if (rc)
		return -1;
	if (status / 100 != 2) {
		/* The server's own words (the Pushgateway's "pushed metrics are invalid ...: line 3:
		 * ...") say what to fix; its first line is enough for a one-line error. */
		status_text(buf, status, st, sizeof(st));
		if (answer_body(buf, len, &a, u, &blen, err, errlen) == 0 && blen) {
			const char *p = buf + strspn(buf, " \t\r\n");
			int n = (int)strcspn(p, "\r\n");
			seterr(err, errlen, "%s: %s: %.*s", u->text, st, n > 300 ? 300 : n, p);
		} else
			seterr(err, errlen, "%s: %s", u->text, st);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}
