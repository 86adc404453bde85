/* hist_import.c — see hist_import.h.  Each value is recorded in nanoseconds at its own value
 * (text), at the row's value (hgrm: the highest value of the bucket the row ends in, as
 * HdrHistogram prints it), or at the middle of its bucket (hlog, as HdrHistogram's mean
 * does); tare's histogram keeps each to 3 significant digits, so percentiles read back agree
 * with the source's within its precision and tare's. */
#include "hist_import.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "parse.h"

/* HdrHistogram's V2 cookies (HdrHistogram_c hdr_histogram_log.c, Java AbstractHistogram): the
 * low nibble of the second byte holds the word size (0x10: LEB128), so compare without it. */
#define HDR_COOKIE_BASE(c)      ((c) & ~0xf0u)
#define HDR_V2_ENCODING         0x1c849303u
#define HDR_V2_COMPRESSED       0x1c849304u
#define HDR_V1_COMPRESSED       0x1c849302u
#define HDR_V0_COMPRESSED       0x1c849309u
#define HDR_V2_HEADER_BYTES     40
/* A compressed histogram of a 3-digit, 1 ns .. 1 h layout inflates to well under 1 MiB. */
#define HDR_INFLATED_MAX        (256u << 20)

int hist_format_parse(const char *s, enum hist_format *out)
{
	static const char *const names[] = { "text", "hgrm", "hlog" };
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum hist_format)i;
			return 0;
		}
	return -1;
}

double hist_unit_ns(const char *s)
{
	if (!strcmp(s, "ns"))
		return 1;
	if (!strcmp(s, "us") || !strcmp(s, "\xc2\xb5s"))
		return 1e3;
	if (!strcmp(s, "ms"))
		return 1e6;
	if (!strcmp(s, "s"))
		return 1e9;
	return 0;
}

struct reader {
	FILE *in;
	const char *name;
	long line;
	char *buf;
	size_t cap;
	char *err;
	size_t errlen;
};

/* "NAME:LINE: ..." into err; always -1. */
static int bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *r, const char *fmt, ...)
{
	int n = snprintf(r->err, r->errlen, "%s:%ld: ", r->name, r->line);
	if (n >= 0 && (size_t)n < r->errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The next line, without its newline (and a CRLF file's '\r'): 1, 0 at the end, -1 with a
 * message (a read error, a NUL byte: not a text file). */
static int next_line(struct reader *r)
{
	errno = 0;
	ssize_t len = getline(&r->buf, &r->cap, r->in);
	if (len < 0) {
		if (ferror(r->in)) {
			snprintf(r->err, r->errlen, "%s: read error: %s", r->name, strerror(errno));
			return -1;
		}
		return 0;
	}
	r->line++;
	if (strlen(r->buf) != (size_t)len)
		return bad(r, "NUL byte in the line: not a text file");
	while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r'))
		r->buf[--len] = '\0';
	return 1;
}

static char *skip_blanks(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Split s in place at runs of the characters in seps into at most max fields; the count, or
 * max + 1 when there are more. */
static int split(char *s, const char *seps, char **f, int max)
{
	int n = 0;
	for (;;) {
		s += strspn(s, seps);
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		f[n++] = s;
		s += strcspn(s, seps);
		if (*s)
			*s++ = '\0';
	}
}

/* n values of v (the input's unit) into h, in ns.  0, or -1 with a message. */
static int record(struct reader *r, struct hist *h, double v, uint64_t n, double ns_per_unit)
{
	double ns = v * ns_per_unit;
	if (!(ns < 9e18))
		return bad(r, "latency %g is too large (over 9e18 ns)", v);
	if (n > UINT64_MAX - h->total)
		return bad(r, "the counts add up to more than 2^64");
	hist_record_n(h, (int64_t)llround(ns), n);
	return 0;
}

static int parse_latency(struct reader *r, const char *s, double *v)
{
	if (!parse_number(s, -HUGE_VAL, HUGE_VAL, v))
		return bad(r, "'%s' is not a number", s);
	if (*v < 0)
		return bad(r, "latency %s is negative", s);
	return 0;
}

/* "VALUE [COUNT]" a line. */
static int import_text(struct reader *r, struct hist *h, double ns_per_unit)
{
	int rc;
	while ((rc = next_line(r)) > 0) {
		char *p = skip_blanks(r->buf), *f[3];
		double v;
		uint64_t n = 1;
		if (!*p || *p == '#')
			continue;
		int nf = split(p, " \t", f, 2);
		if (nf > 2)
			return bad(r, "want \"VALUE [COUNT]\", found more fields");
		if (parse_latency(r, f[0], &v) < 0)
			return -1;
		if (nf == 2 && !parse_u64(f[1], 0, UINT64_MAX, &n))
			return bad(r, "count '%s' is not a whole number >= 0", f[1]);
		if (record(r, h, v, n, ns_per_unit) < 0)
			return -1;
	}
	return rc;
}

/* The first percentile table: after its header line, rows "VALUE PERCENTILE TOTALCOUNT
 * [1/(1-PERCENTILE)]" (blanks or commas between), up to the first line that does not start
 * with a number (HdrHistogram's "#[Mean = ...]" footer, wrk2's "----"). */
static int import_hgrm(struct reader *r, struct hist *h, double ns_per_unit)
{
	int rc, in_table = 0;
	uint64_t prev_total = 0;
	double prev_level = 0;
	long header = 0;
	while ((rc = next_line(r)) > 0) {
		char *p = skip_blanks(r->buf), *f[5];
		double v, level;
		uint64_t total;
		if (!in_table) {
			if (strstr(p, "Value") && strstr(p, "Percentile") && strstr(p, "TotalCount")) {
				in_table = 1;
				header = r->line;
			}
			continue;
		}
		if (!*p)
			continue;
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			break;
		int nf = split(p, " \t,", f, 4);
		if (nf < 3 || nf > 4)
			return bad(r, "want \"VALUE PERCENTILE TOTALCOUNT [1/(1-PERCENTILE)]\"");
		if (parse_latency(r, f[0], &v) < 0)
			return -1;
		if (!parse_number(f[1], 0, 1, &level))
			return bad(r, "percentile '%s' is not a number in 0..1", f[1]);
		if (!parse_u64(f[2], 0, UINT64_MAX, &total))
			return bad(r, "TotalCount '%s' is not a whole number >= 0", f[2]);
		if (total < prev_total || level < prev_level)
			return bad(r, "TotalCount or percentile below the previous row's: not a cumulative table");
		if (record(r, h, v, total - prev_total, ns_per_unit) < 0)
			return -1;
		prev_total = total;
		prev_level = level;
	}
	if (rc < 0)
		return -1;
	if (!in_table) {
		snprintf(r->err, r->errlen,
			 "%s: no percentile table in it (a line \"Value Percentile TotalCount "
			 "1/(1-Percentile)\", as wrk2 --latency and HdrHistogram print)", r->name);
		return -1;
	}
	if (h->total == 0) {
		r->line = header;
		return bad(r, "the percentile table has no rows with a count");
	}
	return 0;
}

/* RFC 4648 base64, padding optional.  The byte count, or -1. */
static long base64_decode(const char *s, unsigned char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	long n = 0;
	for (; *s && *s != '='; s++) {
		const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *c = strchr(alphabet, *s);
		if (!c)
			return -1;
		acc = acc << 6 | (uint32_t)(c - alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	while (*s == '=')
		s++;
	return *s ? -1 : n;
}

/* "[Tag=NAME,]START,LENGTH,MAX,BASE64" lines; comments, the #[...] lines and the column-name
 * header skipped. */
static int import_hlog(struct reader *r, struct hist *h, double ns_per_unit)
{
	int rc;
	while ((rc = next_line(r)) > 0) {
		char *p = skip_blanks(r->buf), *f[5], why[256];
		double x;
		if (!*p || *p == '#' || !strncmp(p, "\"StartTimestamp\"", 16) ||
		    !strncmp(p, "StartTimestamp", 14))
			continue;
		if (!strncmp(p, "Tag=", 4)) {
			if (!(p = strchr(p, ',')))
				return bad(r, "a Tag= and nothing after it");
			p++;
		}
		if (split(p, ", \t", f, 4) != 4)
			return bad(r, "want \"[Tag=NAME,]START,LENGTH,MAX,BASE64_HISTOGRAM\"");
		for (int i = 0; i < 3; i++)
			if (!parse_number(f[i], 0, HUGE_VAL, &x))
				return bad(r, "'%s' is not a number >= 0 (interval start, length or max)", f[i]);
		size_t len = strlen(f[3]);
		unsigned char *bytes = malloc(len / 4 * 3 + 3);
		if (!bytes)
			return bad(r, "out of memory");
		long n = base64_decode(f[3], bytes);
		if (n < 0) {
			free(bytes);
			return bad(r, "the histogram is not base64");
		}
		int ok = hist_import_hdr_v2(bytes, (size_t)n, ns_per_unit, h, why, sizeof why);
		free(bytes);
		if (ok < 0)
			return bad(r, "%s", why);
	}
	return rc;
}

int hist_import(FILE *in, const char *name, enum hist_format fmt, double ns_per_unit,
		struct hist *h, char *err, size_t errlen)
{
	struct reader r = { .in = in, .name = name, .err = err, .errlen = errlen };
	int rc;
	err[0] = '\0';
	if (hist_init(h, HIST_IMPORT_LOWEST_NS, HIST_IMPORT_HIGHEST_NS, HIST_IMPORT_SIGFIGS) < 0) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	switch (fmt) {
	case HIST_FROM_TEXT: rc = import_text(&r, h, ns_per_unit); break;
	case HIST_FROM_HGRM: rc = import_hgrm(&r, h, ns_per_unit); break;
	default:             rc = import_hlog(&r, h, ns_per_unit); break;
	}
	free(r.buf);
	if (rc == 0 && h->total == 0) {
		snprintf(err, errlen, "%s: no latencies in it (%ld lines)", name, r.line);
		rc = -1;
	}
	if (rc < 0)
		hist_free(h);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ HdrHistogram V2 */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* One LEB128 word as HdrHistogram writes it: 7 bits a byte for the first 8 bytes, all 8 bits
 * of a 9th.  The bytes used, or 0 when the data ends inside the word. */
static size_t leb128(const unsigned char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t k = 0; k < 8; k++) {
		if (k >= len)
			return 0;
		v |= (uint64_t)(p[k] & 0x7f) << (7 * k);
		if (!(p[k] & 0x80)) {
			*out = v;
			return k + 1;
		}
	}
	if (len < 9)
		return 0;
	*out = v | (uint64_t)p[8] << 56;
	return 9;
}

/* zlib's stream into a buffer that grows; its length, or -1 with a message. */
static long inflate_all(const unsigned char *in, size_t len, unsigned char **out, char *err, size_t errlen)
{
	z_stream z = { 0 };
	size_t cap = 4096;
	unsigned char *buf = malloc(cap);
	int ret;
	if (!buf || inflateInit(&z) != Z_OK) {
		free(buf);
		snprintf(err, errlen, "cannot start zlib's inflate");
		return -1;
	}
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	do {
		if (z.total_out == cap) {
			unsigned char *nb = cap >= HDR_INFLATED_MAX ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				snprintf(err, errlen, "the histogram inflates past %u MiB", HDR_INFLATED_MAX >> 20);
				goto fail;
			}
			buf = nb;
			cap *= 2;
		}
		z.next_out = buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		ret = inflate(&z, Z_NO_FLUSH);
		if (ret == Z_BUF_ERROR && z.avail_in == 0) {
			snprintf(err, errlen, "the compressed histogram is cut short");
			goto fail;
		}
		if (ret != Z_OK && ret != Z_STREAM_END && ret != Z_BUF_ERROR) {
			snprintf(err, errlen, "the compressed histogram does not inflate: %s",
				 z.msg ? z.msg : "zlib error");
			goto fail;
		}
	} while (ret != Z_STREAM_END);
	*out = buf;
	inflateEnd(&z);
	return (long)z.total_out;
fail:
	inflateEnd(&z);
	free(buf);
	return -1;
}

/* The encoding (HdrHistogram_c's hdr_encode_compressed, Java's
 * encodeIntoCompressedByteBuffer), all integers big-endian:
 *   compressed:  cookie 0x1c849304 | 0x10, int32 length, then `length` bytes of a zlib stream
 *   inflated:    cookie 0x1c849303 | 0x10, int32 payload length, int32 normalizing index
 *                offset, int32 significant digits, int64 lowest discernible value, int64
 *                highest trackable value, float64 integer-to-double ratio (40 bytes), then
 *                the counts in index order as ZigZag LEB128 words, a negative word -n
 *                standing for n buckets of zero. */
int hist_import_hdr_v2(const unsigned char *buf, size_t len, double ns_per_unit, struct hist *h,
		       char *err, size_t errlen)
{
	unsigned char *raw = NULL;
	const unsigned char *p;
	struct hist layout = { 0 };
	long n;
	if (len < 8) {
		snprintf(err, errlen, "%zu bytes: too short for a compressed HdrHistogram", len);
		return -1;
	}
	uint32_t cookie = HDR_COOKIE_BASE(be32(buf));
	if (cookie == HDR_V1_COMPRESSED || cookie == HDR_V0_COMPRESSED) {
		snprintf(err, errlen, "an HdrHistogram in an older encoding (V%d): tare reads V2, "
			 "what HdrHistogram has written since 2.1.8", cookie == HDR_V1_COMPRESSED ? 1 : 0);
		return -1;
	}
	if (cookie != HDR_V2_COMPRESSED) {
		snprintf(err, errlen, "not a compressed V2 HdrHistogram (cookie 0x%08" PRIx32
			 ", want 0x1c849314); a DoubleHistogram is not read", be32(buf));
		return -1;
	}
	uint32_t clen = be32(buf + 4);
	if (clen > len - 8) {
		snprintf(err, errlen, "compressed length %" PRIu32 " runs past the %zu bytes given", clen, len);
		return -1;
	}
	if ((n = inflate_all(buf + 8, clen, &raw, err, errlen)) < 0)
		return -1;
	p = raw;
	if (n < HDR_V2_HEADER_BYTES || HDR_COOKIE_BASE(be32(p)) != HDR_V2_ENCODING) {
		snprintf(err, errlen, "the inflated histogram has no V2 header (cookie 0x1c849313)");
		goto fail;
	}
	/* The normalizing index offset and the integer-to-double ratio are read past, as
	 * HdrHistogram's JavaScript and Rust decoders do: they matter only to a shifted histogram
	 * or inside a DoubleHistogram, and hdr-histogram-js writes 1 (as an integer) into both. */
	uint32_t payload = be32(p + 4);
	uint32_t sigfigs = be32(p + 12);
	uint64_t lowest = be64(p + 16), highest = be64(p + 24);
	if (payload > (uint64_t)n - HDR_V2_HEADER_BYTES) {
		snprintf(err, errlen, "payload length %" PRIu32 " runs past the %ld inflated bytes", payload, n);
		goto fail;
	}
	if (sigfigs < 1 || sigfigs > 5 || lowest < 1 || lowest > INT64_MAX / 2 || highest > INT64_MAX ||
	    hist_init(&layout, (int64_t)lowest, (int64_t)highest, (int)sigfigs) < 0) {
		snprintf(err, errlen, "bad layout: lowest %" PRIu64 ", highest %" PRIu64 ", %" PRIu32
			 " significant digits (want 1 <= lowest, 2 * lowest <= highest, 1..5 digits)",
			 lowest, highest, sigfigs);
		goto fail;
	}

	/* The counts into the source's own layout, then each bucket into h at its middle. */
	const unsigned char *c = p + HDR_V2_HEADER_BYTES, *end = c + payload;
	int64_t index = 0;
	while (c < end) {
		uint64_t word;
		size_t used = leb128(c, (size_t)(end - c), &word);
		if (!used) {
			snprintf(err, errlen, "the counts end inside a LEB128 word");
			goto fail;
		}
		c += used;
		int64_t v = (int64_t)(word >> 1) ^ -(int64_t)(word & 1);
		if (v < 0) {
			if (v == INT64_MIN || -v > layout.counts_len - index) {
				snprintf(err, errlen, "a run of zero counts past the layout's %d buckets", layout.counts_len);
				goto fail;
			}
			index += -v;
			continue;
		}
		if (index >= layout.counts_len) {
			snprintf(err, errlen, "more counts than the layout's %d buckets", layout.counts_len);
			goto fail;
		}
		layout.counts[index++] = (uint64_t)v;
	}
	for (int i = 0; i < layout.counts_len; i++) {
		if (!layout.counts[i])
			continue;
		double ns = (double)hist_index_middle(&layout, i) * ns_per_unit;
		if (!(ns < 9e18)) {
			snprintf(err, errlen, "a latency of %.3g ns: too large", ns);
			goto fail;
		}
		if (layout.counts[i] > UINT64_MAX - h->total) {
			snprintf(err, errlen, "the counts add up to more than 2^64");
			goto fail;
		}
		hist_record_n(h, (int64_t)llround(ns), layout.counts[i]);
	}
	hist_free(&layout);
	free(raw);
	return 0;
fail:
	hist_free(&layout);
	free(raw);
	return -1;
}
