#!/bin/sh
# sampler_scale.sh — the reference sampler as distinct stacks grow, and its drain cost per sample,
# measured through `tare sample` on real processes (the kernel, the rings, symbolization of a
# real binary and kallsyms included).  build/bench/bench_sampler measures the same sizes with
# the table and writers fed directly; this script's figures are the whole sampler's.
#
# Scaling: workloads/stacks walks PATHS = 4 x N distinct call paths at random (deterministic from
# its seed); `tare sample -F 40000 --max-stacks N --flush 0` samples both its threads until the
# table is full (about 1.15 N samples: a uniform draw of k from 4N paths hits 4N(1 - e^(-k/4N))
# distinct ones; the few addresses of the leaf loop add more).  Per N: samples, stacks kept,
# dropped (table full: counted, never blocking), the sampler's peak RSS and what it added over
# an empty table (`--max-stacks 1`, the same run), and the one flush at exit — symbolization
# (ELF, kallsyms) and writing pprof and folded — in ms and µs per stack.
#
# Drain: `tare sample -F 999 --flush 0` on the cpu workload with 1 and then 2 threads (1 and 2
# CPUs busy); drain CPU = the sampler's CPU from ready to exit minus its flush, per sample.
#
# Goals (this bench's, from the sampler's design — docs/sampler.md — not issue 5's, which are in
# sampler_overhead.sh): memory stays bounded (stacks kept never exceed --max-stacks; peak RSS
# within the empty table's plus stacks_cap_bytes, ~340 bytes a stack, plus 2 MB for what a flush
# holds while it runs: zlib's state, symbol tables mapped while they are read), and draining
# costs at most 1 µs a sample with 1 or 2 CPUs busy (0.1% of a core per 1,000 samples/s).
#
# SAMPLER_SCALE_1M=0 leaves out the 1 M case (~35 s).  Figures are from one run: ratios and
# per-sample costs, not absolute times to compare across machines.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
STACKS=$BUILD/workloads/stacks
CPU=$BUILD/workloads/cpu
for p in "$TARE" "$STACKS" "$CPU"; do
	[ -x "$p" ] || { echo "sampler_scale: $p is not built: run make"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/sampler_scale.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

if ! "$TARE" sample -F 99 --folded "$T/probe.folded" -- true 2> "$T/probe.err"; then
	echo "sampler_scale: tare sample cannot run here: $(tail -n 1 "$T/probe.err")"
	exit 77
fi
max_rate=$(cat /proc/sys/kernel/perf_event_max_sample_rate 2>/dev/null || echo 100000)
HZ=40000
[ "$max_rate" -lt "$HZ" ] && HZ=$max_rate

# sample NAME MAX_STACKS HZ -- COMMAND...: tare sample with --stats NAME.json, -v on NAME.err
sample() {
	name=$1 max=$2 hz=$3; shift 4
	"$TARE" -v sample -F "$hz" -m 1024 --flush 0 --max-stacks "$max" --folded "$T/$name.folded" \
		--stats "$T/$name.json" -- "$@" > "$T/$name.out" 2> "$T/$name.err" || {
		echo "sampler_scale: tare sample ($name) failed: $(tail -n 1 "$T/$name.err")"
		exit 1
	}
}

sizes="1000 100000"
[ "${SAMPLER_SCALE_1M:-1}" = 0 ] || sizes="$sizes 1000000"
# empty table: the sampler's RSS with nothing to hold
sample empty 1 "$HZ" -- "$STACKS" --threads 2 --duration 1 --paths 4000
for n in $sizes; do
	case $n in
	1000) secs=1 ;;
	100000) secs=4 ;;
	*) secs=30 ;;
	esac
	sample "s$n" "$n" "$HZ" -- "$STACKS" --threads 2 --duration "$secs" --paths $((4 * n))
done
for t in 1 2; do
	sample "d$t" 4096 999 -- "$CPU" --threads "$t" --duration 5
done

python3 - "$T" "$HZ" $sizes <<'PY'
import json, re, sys
d, hz, sizes = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
def load(name):
    s = json.load(open(f"{d}/{name}.json"))
    # the last flush's CPU, from -v: "flush N: S stacks, L locations, X ms CPU"
    flushes = re.findall(r"flush \d+: \d+ stacks, \d+ locations, ([0-9.]+) ms CPU", open(f"{d}/{name}.err").read())
    s["last_flush_ms"] = float(flushes[-1]) if flushes else s["flush_cpu_ns"] / 1e6
    return s
empty = load("empty")
cap_per_stack = 340     # stacks.h: ~340 bytes a stack at most
flush_slack = 2e6       # a flush's transient memory: zlib's state, symbol tables mapped while read
print(f"sampler_scale: tare sample -F {hz} --max-stacks N --flush 0 on workloads/stacks (2 threads, 4N paths)")
print(f"  {'N':>8} {'samples':>9} {'stacks':>8} {'dropped':>8} {'lost':>6} {'peak RSS':>9} {'added':>9} "
      f"{'per stack':>9} {'flush':>9} {'per stack':>9}")
print(f"  {'':>8} {'':>9} {'':>8} {'':>8} {'':>6} {'MB':>9} {'MB':>9} {'bytes':>9} {'ms':>9} {'µs':>9}")
ok_bounded = True
for n in sizes:
    s = load(f"s{n}")
    added = s["peak_rss_bytes"] - empty["peak_rss_bytes"]
    per = added / max(s["stacks"], 1)
    print(f"  {n:>8} {s['samples']:>9} {s['stacks']:>8} {s['dropped']:>8} {s['lost']:>6} "
          f"{s['peak_rss_bytes']/1e6:>9.1f} {added/1e6:>9.1f} {per:>9.0f} {s['last_flush_ms']:>9.1f} "
          f"{1000*s['last_flush_ms']/max(s['stacks'],1):>9.2f}")
    if s["stacks"] > n or added > flush_slack + n * cap_per_stack:
        ok_bounded = False
    if s["stacks"] < n:
        print(f"  note: N={n}: the table reached {s['stacks']} of {n} stacks in this run "
              f"(the workload got too little CPU for enough samples)")
print(f"  empty table: peak RSS {empty['peak_rss_bytes']/1e6:.1f} MB; the flush includes symbolizing "
      f"the workload, libc and kernel frames (one read of /proc/kallsyms, ~50 ms)")
print("drain: tare sample -F 999 --flush 0 on the cpu workload; (CPU from ready to exit - flush) / samples")
print(f"  {'CPUs busy':>9} {'samples':>8} {'drain ms':>9} {'ns/sample':>10} {'% of a core':>12}")
drain = {}
for t in (1, 2):
    s = load(f"d{t}")
    ms = (s["sampler_run_cpu_ns"] - s["flush_cpu_ns"]) / 1e6
    ns = 1e6 * ms / max(s["samples"], 1)
    drain[t] = ns
    print(f"  {t:>9} {s['samples']:>8} {ms:>9.2f} {ns:>10.0f} {100*ms/1e3/(s['wall_ns']/1e9):>11.3f}%")
print(f"  per sample with 2 CPUs busy / with 1: {drain[2]/drain[1]:.2f}x")
worst = max(drain.values())
print(f"{'PASS' if ok_bounded else 'FAIL'}: memory bounded: stacks kept ≤ --max-stacks and peak RSS ≤ "
      f"empty + 2 MB (a flush's buffers) + {cap_per_stack} bytes a stack at every N")
print(f"{'PASS' if worst <= 1000 else 'FAIL'}: drain ≤ 1 µs per sample with 1 and 2 CPUs busy "
      f"(worst {worst:.0f} ns)")
sys.exit(0 if ok_bounded and worst <= 1000 else 1)
PY
