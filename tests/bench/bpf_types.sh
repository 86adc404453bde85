#!/bin/sh
# bpf_types.sh — what each extra profile type of the eBPF sampler costs, per million units of
# work, on the workloads it hooks (issue 8): the alloc workload (a unit: one malloc, calloc or
# realloc call; unpaced, one thread) and the lock workload (a unit: one mutex acquisition; two
# threads, holds of 200 and 50 us asleep).
#
# For each workload, `tare run` with five arms in seeded, interleaved blocks: off, and ref-bpf
# (tare sample --bpf -p, cpu at 99 Hz) with types {cpu}, {cpu,offcpu}, {cpu,lock},
# {cpu,alloc}.  Per block, CPU per unit (workload cgroup + profiler cgroup + CPU neither was
# charged, over the measured window, as tare counts it) of each arm against the same block's
# off and against its {cpu}: the extra type's own cost, as CPU-seconds per million units, with a
# Hodges-Lehmann estimate and a Wilcoxon signed-rank 95% interval over the blocks.  What each
# type hooks, and so where it costs:
#   offcpu  every context switch on the machine (tp_btf/sched_switch), two stack walks at each
#           target switch-out: the lock workload blocks at every contention
#   lock    pthread_mutex_lock's entry and return (uprobe + uretprobe: two traps a call), a
#           stack walk at each contention
#   alloc   malloc, calloc, realloc (entry and return) and free: three or four traps an
#           allocation and its free, a stack walk a sample (every 512 KiB on average)
# A type that hooks nothing the workload does (lock on alloc: glibc's allocator takes its own
# locks, not pthread_mutex_lock) should cost nothing but its share of the noise.
#
# No goal: this prints the table.  BPF_TYPES_BLOCKS (6: the fewest with a 95% interval),
# BPF_TYPES_DURATION (1 s a trial) change the run (~3 min for both workloads).  Figures are
# from one run on this machine.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
BLOCKS=${BPF_TYPES_BLOCKS:-6}
DURATION=${BPF_TYPES_DURATION:-1}
for p in "$TARE" "$BUILD/workloads/alloc" "$BUILD/workloads/lock"; do
	[ -x "$p" ] || { echo "bpf_types: $p is not built: run make"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "bpf_types: needs root (tare run makes cgroups; BPF)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/bpf_types.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
if ! "$TARE" sample --bpf -t cpu,lock,alloc --folded "$T/probe.folded" -- true 2> "$T/probe.err"; then
	echo "bpf_types: the eBPF sampler cannot run here: $(tail -n 1 "$T/probe.err")"
	exit 77
fi
if nm -D "$BUILD/workloads/alloc" 2>/dev/null | grep -q __asan_init; then
	echo "bpf_types: $BUILD/workloads/alloc is built with AddressSanitizer: its malloc is not glibc's"
	exit 77
fi

for w in alloc lock; do
	case $w in
	alloc) wl='{ "alloc", threads = 1 }' ;;
	lock)  wl='{ "lock", threads = 2 }' ;;
	esac
	cat > "$T/$w.lua" <<EOF
local o = options {
  blocks   = { "blocks", 6, type = "integer", min = 2 },
  duration = { "measured seconds per trial", 1, min = 0.2 },
}
experiment {
  name = "bpf-types-$w",
  workload = $wl,
  profilers = { { "off" },
                { "ref-bpf", types = { {"cpu"}, {"cpu","offcpu"}, {"cpu","lock"}, {"cpu","alloc"} } } },
  blocks = o.blocks, warmup = 0.5, duration = o.duration,
}
EOF
	echo "bpf_types: tare run on $w, $BLOCKS blocks of off and ref-bpf with 4 sets of types, ${DURATION} s trials ..."
	"$TARE" run "$T/$w.lua" blocks="$BLOCKS" duration="$DURATION" -q -o "$T/$w" > "$T/$w.out" 2>&1 ||
		{ echo "bpf_types: tare run on $w failed:"; tail -n 20 "$T/$w.out"; exit 1; }
done

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/tests/bench" python3 - "$T" <<'PY'
import glob, json, sys
from benchlib import by_block, fmt, hl, per_unit
T = sys.argv[1]
def arm(label):
    return "off" if label.split()[0] == "off" else \
        next((w[6:] for w in label.split() if w.startswith("types=")), "cpu")
units = {"alloc": "allocations", "lock": "acquisitions"}
for w in ("alloc", "lock"):
    doc = json.load(open(glob.glob(f"{T}/{w}/*/results.json")[0]))
    blocks = by_block(doc, arm)
    offs = [per_unit(v["off"]) for v in blocks.values() if "off" in v]
    off_rate = sorted(v["off"]["units"] / v["off"]["wall_s"] for v in blocks.values() if "off" in v)
    print(f"\n{w} workload: {len(blocks)} blocks; a unit is one of its {units[w]}; off: "
          f"{sorted(offs)[len(offs) // 2]:.0f} ns CPU a unit, {off_rate[len(off_rate) // 2] / 1e3:.1f} k units/s")
    print(f"  {'types':<12} {'CPU/unit':>10} {'units/s':>10}  {'vs off [95% CI]':<30} "
          f"{'extra type vs cpu: CPU-s per million ' + units[w] + ' [95% CI]':<48}")
    for a in ("cpu", "cpu,offcpu", "cpu,lock", "cpu,alloc"):
        rows = [v for v in blocks.values() if a in v and "off" in v]
        if not rows:
            print(f"  {a:<12} no trial"); continue
        pu = sorted(per_unit(v[a]) for v in rows)
        rate = sorted(v[a]["units"] / v[a]["wall_s"] for v in rows)
        vs_off = hl([100 * (per_unit(v[a]) / per_unit(v["off"]) - 1) for v in rows])
        extra = "(the base)"
        if a != "cpu":
            d = hl([(per_unit(v[a]) - per_unit(v["cpu"])) * 1e6 / 1e9 for v in blocks.values()
                    if a in v and "cpu" in v])
            extra = fmt(*d, unit="", prec=3) + " s"
        cpu_unit = pu[len(pu) // 2]
        cu = f"{cpu_unit / 1e3:.2f} us" if cpu_unit >= 1e3 else f"{cpu_unit:.0f} ns"
        print(f"  {a:<12} {cu:>10} {rate[len(rate) // 2] / 1e3:>8.1f} k  {fmt(*vs_off, unit='%'):<30} {extra}")
print("\nCPU per unit: workload + profiler + unattributed CPU over the units done in the window "
      "(medians); vs off and the extra type's cost: per block, paired (Hodges-Lehmann, Wilcoxon).")
PY
