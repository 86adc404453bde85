/* test_bpf.c — the eBPF sampler without the kernel: the fixed-point arithmetic its BPF side
 * samples allocations with (profilers/bpf/profile.h, the very functions the program runs)
 * against libm, the estimator's unbiasedness on a simulated allocation stream, and the outputs
 * with per-type sample values (pprof read back with protobuf-c, folded stacks). */
#include <linux/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
/* by path: harness/ is searched first and has headers of its own */
#include "../../profilers/bpf/profile.h"
#include "../../profilers/ref/output.h"
#include "../../profilers/ref/record.h"
#include "profile.pb-c.h"
#include "util.h"

#define MEAN (512 * 1024)

static __u64 mean_ln2_q8, log2_tab[TARE_LOG2_N + 1];
static __u32 g_tab[TARE_G_N + 1];

/* splitmix64: the test's own random numbers, seeded, so every run is the same */
static uint64_t rng_state = 0x5eed;
static uint64_t rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_ilog2(void)
{
	for (int k = 0; k <= 32; k++) {
		__u64 v = 1ull << k;

		CHECK(tare_ilog2(v) == (__u32)k, "ilog2(2^%d) = %u", k, tare_ilog2(v));
		if (k > 1)
			CHECK(tare_ilog2(v - 1) == (__u32)(k - 1), "ilog2(2^%d - 1) = %u", k,
			      tare_ilog2(v - 1));
	}
}

/* The draw is -N ln U for U = (u + 1) / 2^32: within 1e-5 of N plus a few bytes, for any u. */
static void test_exp_draw_exact(void)
{
	double worst = 0;

	for (int i = 0; i < 200000; i++) {
		__u32 u = i < 64 ? (__u32)(i == 0 ? 0 : (i < 32 ? (1u << i) - 1 : ~0u - (__u32)i))
				 : (__u32)rng();
		double want = -(double)MEAN * log(((double)u + 1.0) / 4294967296.0);
		double got = (double)tare_exp_draw(u, mean_ln2_q8, log2_tab);
		double err = fabs(got - want);

		if (err > worst)
			worst = err;
		CHECK(err <= 1e-5 * MEAN + 4, "u=%u: draw %.1f, want %.1f", u, got, want);
		if (check_failed_here)
			break;
	}
	printf("# exp draw: worst error %.2f bytes of a %d-byte mean\n", worst, MEAN);
}

/* Its mean is N (so samples come every N bytes on average) and it is memoryless. */
static void test_exp_draw_mean(void)
{
	const int n = 1000000;
	double sum = 0, sum2 = 0, se;

	for (int i = 0; i < n; i++) {
		double x = (double)tare_exp_draw((__u32)rng(), mean_ln2_q8, log2_tab);

		sum += x;
		sum2 += x * x;
	}
	se = MEAN / sqrt(n);	/* the exponential's sd is its mean */
	CHECK_NEAR(sum / n, MEAN, 5 * se);
	CHECK_NEAR(sum2 / n, 2.0 * MEAN * MEAN, 0.01 * 2.0 * MEAN * MEAN);	/* E[X^2] = 2 N^2 */
}

/* The weight of a sample of s bytes: s/P(s) and 1/P(s), P(s) = 1 - exp(-s/N). */
static void test_alloc_weight(void)
{
	static const __u64 sizes[] = { 1, 8, 64, 100, 1000, 4096, 16384, 65536, 100000, 524288,
				       1 << 20, 5 << 20, 16 << 20, 17 << 20, 1ull << 30 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double s = (double)sizes[i], p = -expm1(-s / MEAN);
		__u64 bytes, obj;

		tare_alloc_weight(sizes[i], MEAN, g_tab, &bytes, &obj);
		CHECK(fabs((double)bytes - s / p) <= 2e-5 * (s / p) + 1, "size %.0f: %llu bytes, want %.1f",
		      s, (unsigned long long)bytes, s / p);
		CHECK(fabs((double)obj / 65536.0 - 1.0 / p) <= 2e-5 / p + 2.0 / 65536 * (1 + 1 / p),
		      "size %.0f: %.5f objects, want %.5f", s, (double)obj / 65536.0, 1.0 / p);
	}
}

/* The whole estimator as the BPF program runs it (countdown per thread, sampled when it runs
 * out inside an allocation, weights from the tables) on a stream of mixed sizes: each size's
 * estimated bytes and objects are within 5 standard errors of the truth.  The SE is the
 * estimator's own: Var = sum over allocations of s^2 (1 - P) / P (bytes), (1 - P) / P
 * (objects). */
static void test_estimator_unbiased(void)
{
	static const __u64 sizes[] = { 16, 64, 1024, 4096, 16384, 262144, 2 << 20 };
	static const int weights[] = { 40, 30, 15, 8, 5, 1, 1 };	/* of 100 */
	enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
	double true_b[NS] = { 0 }, true_o[NS] = { 0 }, est_b[NS] = { 0 }, est_o[NS] = { 0 };
	double var_b[NS] = { 0 }, var_o[NS] = { 0 };
	__u64 countdown = tare_exp_draw((__u32)rng(), mean_ln2_q8, log2_tab);
	long samples = 0;

	for (long n = 0; n < 3000000; n++) {
		int r = (int)(rng() % 100), k = 0;
		double s, p;

		while (r >= weights[k])
			r -= weights[k++];
		s = (double)sizes[k];
		p = -expm1(-s / MEAN);
		true_b[k] += s;
		true_o[k] += 1;
		var_b[k] += s * s * (1 - p) / p;
		var_o[k] += (1 - p) / p;
		if (countdown < sizes[k]) {
			__u64 bytes, obj;

			tare_alloc_weight(sizes[k], MEAN, g_tab, &bytes, &obj);
			est_b[k] += (double)bytes;
			est_o[k] += (double)obj / 65536.0;
			samples++;
			countdown = tare_exp_draw((__u32)rng(), mean_ln2_q8, log2_tab);
		} else
			countdown -= sizes[k];
	}
	for (int k = 0; k < NS; k++) {
		CHECK(fabs(est_b[k] - true_b[k]) <= 5 * sqrt(var_b[k]) + 1e-4 * true_b[k],
		      "%llu-byte allocations: %.0f bytes estimated, %.0f true (se %.0f)",
		      (unsigned long long)sizes[k], est_b[k], true_b[k], sqrt(var_b[k]));
		CHECK(fabs(est_o[k] - true_o[k]) <= 5 * sqrt(var_o[k]) + 1e-4 * true_o[k],
		      "%llu-byte allocations: %.0f objects estimated, %.0f true (se %.0f)",
		      (unsigned long long)sizes[k], est_o[k], true_o[k], sqrt(var_o[k]));
	}
	printf("# estimator: %ld samples of 3000000 allocations\n", samples);
}

/* ---- outputs with per-type values ------------------------------------------------------ */

static char *gunzip_file(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int r;

	while (gz && (r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (gz)
		gzclose(gz);
	*len = n;
	return buf;
}

/* A session with names already given (no symbol files needed) and a table of two stacks of
 * its own, as the eBPF sampler keeps one per type. */
static void make_tables(struct session *s, struct stacks *t)
{
	uint32_t f[3];

	session_init(s, 1);
	stacks_init(t, 16);
	maps_comm(&s->maps, 77, "prog");
	f[0] = stacks_loc(t, DSO_KERNEL_ID, 0x1000);
	f[1] = stacks_loc(t, DSO_KERNEL_ID, 0x2000);
	f[2] = stacks_loc(t, DSO_KERNEL_ID, 0x3000);
	t->loc[f[0]].name = strtab_intern(&s->strs, "site_a");
	t->loc[f[1]].name = strtab_intern(&s->strs, "site_b");
	t->loc[f[2]].name = strtab_intern(&s->strs, "main");
	CHECK(stacks_intern(t, 77, maps_mm(&s->maps, 77)->comm, (uint32_t[]){ f[0], f[2] }, 2) == 0,
	      "first stack is not row 0");
	CHECK(stacks_intern(t, 77, maps_mm(&s->maps, 77)->comm, (uint32_t[]){ f[1], f[2] }, 2) == 1,
	      "second stack is not row 1");
	CHECK(stacks_intern(t, 77, 0, (uint32_t[]){ f[0], f[2] }, 2) == 0, "interned twice");
	t->stack[0].count = 3;
	t->stack[1].count = 1;
}

static void test_pprof_alloc_values(void)
{
	struct session s;
	struct stacks t;
	/* rows: alloc_objects, alloc_space, inuse_objects, inuse_space */
	static const int64_t v[] = { 3000, 3 << 20, 100, 100 << 10,  1000, 1 << 20, 0, 0 };
	struct profile_values pv = { .n = 4, .v = v, .default_index = 1, .folded_index = 1,
				     .type = { "alloc_objects", "alloc_space", "inuse_objects",
					       "inuse_space" },
				     .unit = { "count", "bytes", "count", "bytes" },
				     .period_type = "space", .period_unit = "bytes" };
	struct profile_meta pm = { .period = MEAN, .start_wall_ns = 1, .duration_ns = 1000000000,
				   .stacks = &t, .values = &pv };
	char path[] = "/tmp/tare-test-bpf.XXXXXX", err[256];
	int fd = mkstemp(path);
	Perftools__Profiles__Profile *p;
	size_t len;
	char *raw;

	close(fd);
	make_tables(&s, &t);
	CHECK(pprof_write(path, &s, &pm, err, sizeof(err)) == 0, "pprof_write: %s", err);
	raw = gunzip_file(path, &len);
	p = perftools__profiles__profile__unpack(NULL, len, (const uint8_t *)raw);
	CHECK(p, "protobuf-c cannot read it back (%zu bytes)", len);
	if (p) {
		const char **st = (const char **)p->string_table;
		int64_t sum[4] = { 0 };

		CHECK(p->n_sample_type == 4, "%zu sample types", p->n_sample_type);
		for (size_t k = 0; k < p->n_sample_type && k < 4; k++)
			CHECK(!strcmp(st[p->sample_type[k]->type], pv.type[k]) &&
			      !strcmp(st[p->sample_type[k]->unit], pv.unit[k]), "sample type %zu: %s/%s",
			      k, st[p->sample_type[k]->type], st[p->sample_type[k]->unit]);
		CHECK(!strcmp(st[p->default_sample_type], "alloc_space"), "default '%s'",
		      st[p->default_sample_type]);
		CHECK(p->period == MEAN && !strcmp(st[p->period_type->type], "space") &&
		      !strcmp(st[p->period_type->unit], "bytes"), "period");
		CHECK(p->n_sample == 2, "%zu samples", p->n_sample);
		for (size_t i = 0; i < p->n_sample; i++)
			for (size_t k = 0; k < p->sample[i]->n_value && k < 4; k++)
				sum[k] += p->sample[i]->value[k];
		CHECK(sum[0] == 4000 && sum[1] == (4 << 20) && sum[2] == 100 && sum[3] == (100 << 10),
		      "values add to %lld %lld %lld %lld", (long long)sum[0], (long long)sum[1],
		      (long long)sum[2], (long long)sum[3]);
		perftools__profiles__profile__free_unpacked(p, NULL);
	}
	free(raw);
	unlink(path);
	stacks_free(&t);
	session_free(&s);
}

static void test_folded_values(void)
{
	struct session s;
	struct stacks t;
	static const int64_t v[] = { 5, 5000, 2, 0 };	/* blocks, off-cpu ns; row 1 all zero */
	struct profile_values pv = { .n = 2, .v = v, .default_index = 1, .folded_index = 1,
				     .type = { "blocks", "off-cpu" },
				     .unit = { "count", "nanoseconds" },
				     .period_type = "blocks", .period_unit = "count" };
	struct profile_meta pm = { .stacks = &t, .values = &pv };
	char path[] = "/tmp/tare-test-bpf.XXXXXX", err[256], *text;
	int fd = mkstemp(path);

	close(fd);
	make_tables(&s, &t);
	CHECK(folded_write(path, &s, &pm, err, sizeof(err)) == 0, "folded_write: %s", err);
	text = read_file(path, NULL);
	CHECK(text && !strcmp(text, "main;site_a 5000\n"), "folded:\n%s", text ? text : "(none)");
	free(text);
	unlink(path);
	stacks_free(&t);
	session_free(&s);
}

int main(void)
{
	tare_alloc_tables(MEAN, &mean_ln2_q8, log2_tab, g_tab);
	RUN(test_ilog2);
	RUN(test_exp_draw_exact);
	RUN(test_exp_draw_mean);
	RUN(test_alloc_weight);
	RUN(test_estimator_unbiased);
	RUN(test_pprof_alloc_values);
	RUN(test_folded_values);
	return CHECK_DONE();
}
