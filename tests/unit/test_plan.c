/* test_plan.c — the seeded schedule, templates and labels. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plan.h"
#include "prng.h"

static void test_schedule_same_seed_same_order(void)
{
	int *a = plan_schedule(20, 5, 42), *b = plan_schedule(20, 5, 42), *c = plan_schedule(20, 5, 43);
	CHECK(!memcmp(a, b, 20 * 5 * sizeof(int)), "seed 42 twice gives two orders");
	CHECK(memcmp(a, c, 20 * 5 * sizeof(int)), "seeds 42 and 43 give the same 100 positions");
	free(a), free(b), free(c);
}

static void test_schedule_every_config_once_per_block(void)
{
	int *s = plan_schedule(50, 7, 1234);
	for (int b = 0; b < 50; b++) {
		int seen[7] = { 0 };
		for (int i = 0; i < 7; i++) {
			int c = s[b * 7 + i];
			CHECK(c >= 0 && c < 7, "block %d position %d: config %d out of range", b, i, c);
			if (c >= 0 && c < 7)
				seen[c]++;
		}
		for (int c = 0; c < 7; c++)
			CHECK(seen[c] == 1, "block %d runs config %d %d times", b, c, seen[c]);
	}
	free(s);
}

/* A shuffle that never moves anything, or always puts config 0 first, would pass the test
 * above: check that every config takes the first slot about equally often. */
static void test_schedule_is_shuffled(void)
{
	int first[4] = { 0 }, *s = plan_schedule(4000, 4, 7);
	for (int b = 0; b < 4000; b++)
		first[s[b * 4]]++;
	for (int c = 0; c < 4; c++)   /* 1000 expected, sd ~27 */
		CHECK(first[c] > 850 && first[c] < 1150, "config %d first in %d of 4000 blocks", c, first[c]);
	free(s);
}

/* The order of a block depends only on the seed and on the blocks before it: extending a run
 * keeps what has been run. */
static void test_schedule_prefix_stable(void)
{
	int *a = plan_schedule(5, 3, 99), *b = plan_schedule(12, 3, 99);
	CHECK(!memcmp(a, b, 5 * 3 * sizeof(int)), "the first 5 blocks differ between K=5 and K=12");
	free(a), free(b);
}

static void test_prng_below_uniform(void)
{
	struct prng r;
	int hist[3] = { 0 };
	prng_seed(&r, 1);
	for (int i = 0; i < 30000; i++)
		hist[prng_below(&r, 3)]++;
	for (int i = 0; i < 3; i++)
		CHECK(hist[i] > 9600 && hist[i] < 10400, "value %d drawn %d times of 30000", i, hist[i]);
	CHECK(prng_below(&r, 1) == 0 && prng_below(&r, 0) == 0, "degenerate bounds");
}

/* Switchback windows: one of each arm per pair, both orders about equally often, the same
 * sequence from the same seed, another from another seed or block. */
static void test_window_arms(void)
{
	int on_first = 0, same = 1, other_seed = 0, other_block = 0;
	for (int w = 0; w < 2000; w += 2) {
		int a = plan_window_arm(42, 3, 1, w), b = plan_window_arm(42, 3, 1, w + 1);
		CHECK((a == 0 || a == 1) && a + b == 1, "pair %d holds %d and %d", w / 2, a, b);
		on_first += a;
		same &= a == plan_window_arm(42, 3, 1, w);
		other_seed += a != plan_window_arm(43, 3, 1, w);
		other_block += a != plan_window_arm(42, 4, 1, w);
	}
	CHECK(same, "the same seed gives the same order");
	/* 1000 fair coins: 500 +- 5 sd is 421..579; a bound a correct PRNG misses once in 1e6 */
	CHECK(on_first > 421 && on_first < 579, "on first in %d of 1000 pairs", on_first);
	CHECK(other_seed > 421 && other_seed < 579, "another seed differs in %d of 1000 pairs", other_seed);
	CHECK(other_block > 421 && other_block < 579, "another block differs in %d of 1000 pairs", other_block);
}

static void test_expand(void)
{
	char *s = plan_expand("-p {pid} -o {dir}/perf.data {pid}", 4242, "/tmp/t", 0);
	CHECK(!strcmp(s, "-p 4242 -o /tmp/t/perf.data 4242"), "got '%s'", s);
	free(s);
	s = plan_expand("listen 127.0.0.1:{port}; {{port}", 1, "d", 40123);
	CHECK(!strcmp(s, "listen 127.0.0.1:40123; {port}"), "{port}: got '%s'", s);
	free(s);
	s = plan_expand("{nope} {pid", 1, "d", 0);
	CHECK(!strcmp(s, "{nope} {pid"), "unknown placeholders stay: '%s'", s);
	free(s);
}

/* An option value is escaped before an adapter joins it into its text; filling in the template
 * gives back the value as typed, never a placeholder expanded inside it. */
static void test_escape(void)
{
	const char *values[] = { "{root}", "{pid}", "{{pid}}", "a{", "{", "}{dir}{", "plain", "" };
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		char esc[64], tmpl[160], want[160], *got;
		size_t n = plan_escape(esc, values[i]);
		CHECK(n == strlen(esc), "'%s': length %zu, wrote %zu", values[i], n, strlen(esc));
		/* the adapter's own text on both sides, a lone { of its own before the value too */
		snprintf(tmpl, sizeof(tmpl), "-p {pid} --x=%s {dir}/{{%s", esc, esc);
		snprintf(want, sizeof(want), "-p 7 --x=%s /d/{%s", values[i], values[i]);
		got = plan_expand(tmpl, 7, "/d", 0);
		CHECK(!strcmp(got, want), "'%s': template '%s' gave '%s', want '%s'", values[i], tmpl, got, want);
		free(got);
	}
	{
		char esc[16];
		plan_escape(esc, "{pid}");
		CHECK(!strcmp(esc, "{{pid}"), "braces doubled: '%s'", esc);
	}
}

static void test_slugify(void)
{
	char *s = slugify("perf hz=99 type=cpu,offcpu / x");
	CHECK(!strcmp(s, "perf_hz-99_type-cpu_offcpu_x"), "got '%s'", s);
	free(s);
}

int main(void)
{
	RUN(test_schedule_same_seed_same_order);
	RUN(test_schedule_every_config_once_per_block);
	RUN(test_schedule_is_shuffled);
	RUN(test_schedule_prefix_stable);
	RUN(test_prng_below_uniform);
	RUN(test_window_arms);
	RUN(test_expand);
	RUN(test_escape);
	RUN(test_slugify);
	return CHECK_DONE();
}
