# Symbolization of a shared library's function and of a PIE executable's, end to end: a small
# library built here (with its link-time addresses moved away from its file offsets, so the
# PT_LOAD arithmetic is exercised) and a PIE program that spends its time in it.
. "$ROOT/tests/lib.sh"
"$TARE" sample --help >/dev/null 2>&1 || skip "tare sample is not wired into harness/main.c yet"
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || skip "no C compiler ($CC) to build the test library"
cd "$T"
cat > tslib.c <<'C'
__attribute__((noinline)) unsigned long tslib_spin(unsigned long n)
{
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < n; i++)
		x += i * i;
	return x;
}
C
cat > tsmain.c <<'C'
#include <time.h>
unsigned long tslib_spin(unsigned long n);
static __attribute__((noinline)) unsigned long tsmain_loop(double seconds)
{
	struct timespec a, b;
	unsigned long s = 0;
	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		s += tslib_spin(200000);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
	return s;
}
int main(void) { return (int)(tsmain_loop(1.5) & 0); }
C
flags="-O1 -g -fno-omit-frame-pointer"
$CC $flags -fPIC -shared -Wl,-Ttext-segment=0x200000 -o libtslib.so tslib.c 2>/dev/null ||
	$CC $flags -fPIC -shared -o libtslib.so tslib.c || fail "cannot build libtslib.so"
$CC $flags -fPIE -pie -o tsmain tsmain.c -L. -ltslib -Wl,-rpath,"$T" || fail "cannot build tsmain"
"$TARE" sample -F 999 --folded f.folded -o p.pb.gz --stats s.json -- ./tsmain 2>err ||
	fail "tare sample exited $?: $(cat err)"
total=$(awk '{n += $NF} END {print n + 0}' f.folded)
inlib=$(awk '/(^|;)main;tsmain_loop;tslib_spin( |;)/ {n += $NF} END {print n + 0}' f.folded)
[ "$total" -gt 300 ] || fail "only $total samples:
$(cat f.folded)"
[ $((inlib * 100)) -ge $((total * 80)) ] || fail "$inlib of $total samples in main;tsmain_loop;tslib_spin:
$(cat f.folded)"
grep -q 'libtslib.so+0x' f.folded && fail "library frames left unsymbolized:
$(grep 'libtslib.so+0x' f.folded)"
exit 0
