#!/bin/sh
# bpf_overhead.sh — what the eBPF sampler's cpu type costs at 999 Hz, against the perf-ring
# reference sampler and against the floor (issue 8).
#
# `tare run` with four arms in seeded, interleaved blocks on the cpu workload (1 thread): off,
# ref (tare sample -F 999 -p: per-thread cpu-clock events, rings, a user-space consumer),
# ref-bpf (tare sample --bpf -t cpu -F 999 -p: per-CPU cpu-clock events, a BPF program that
# walks the stacks and counts them in the kernel), and the floor: build/bench/bench_bpf floor
# --stacks, the same per-CPU events with the same attributes and a BPF program that only takes
# the stacks as ref-bpf does (bpf_get_stack, user part and, in kernel mode, kernel part, into a
# per-CPU scratch) — what any per-CPU BPF stack profiler pays: the hrtimer interrupt on every
# CPU, the perf sample path, the BPF dispatch and the stack walks.  So ref-bpf minus the floor
# is what its own work (the target lookup, interning the stacks, the counts) and its process
# add.  The floor was an empty program (r0 = 0; exit) until that proved no stack profiler's
# limit: with the kernel's BPF statistics on, the empty program ran 177 ns a sample here and
# the stacks program 5.7 us — the user stack walk — and ref-bpf came out at 3.2x the empty
# floor (+3.81% vs +1.19% at 999 Hz, FAIL).
# Overheads are tare's: CPU per pass against the same block's off trial (workload cgroup +
# profiler cgroup + CPU neither was charged), Hodges-Lehmann estimates with Wilcoxon intervals,
# over the measured window; start and stop are shown apart (a profiler left on pays them once).
#
# Per-CPU events fire on every CPU, whatever runs there: their cost on a CPU where no target
# runs lands on an idle CPU or another process, which the totals above do not count.  The
# "machine" column is every CPU's busy time per pass (/proc/stat, other processes included:
# noisier) against off, which does.
#
# Goals (this bench's; issue 8 asks for the comparison, not a number): ref-bpf's total
# overhead <= 1.2x the floor's (its program and process add at most a fifth to the per-CPU
# BPF floor, as issue 5 held ref to its floor) and <= 1.0x ref's (aggregating in the kernel
# costs no more than the rings and a consumer).  Judged per block on the interval's bounds, as
# tare judges a budget: PASS when the whole interval meets the goal, FAIL when none of it
# does, INCONCLUSIVE when this run cannot tell.  Exit 1 only on a FAIL.
#
# Issue 13's goals for ref-bpf: <= 1.1x the floor's and <= 1.1x perf record's, decided in one
# run.  The blocks above cannot (a 10% margin on a ~3% overhead is under their noise), so they
# are decided as sampler_overhead.sh decides ref's: by duets (tests/bench/duet.lua), ref-bpf and
# a floor, and ref-bpf and perf, on the same process with one of them on at a time, at
# BPF_DUET_HZ (4999) where the per-sample cost stands well above the noise; goal_duet
# (benchlib.py) has the arithmetic.  The floor there is the stacks floor (bench_bpf floor
# --stacks: the empty program plus ref-bpf's two bpf_get_stack calls into a per-CPU scratch):
# the empty program is not the limit of a stack profiler — against it ref-bpf came out at
# +4.70% [+3.95, +5.45] at 4999 Hz, ~1.4x, which is mostly the stack walks any BPF stack
# profiler pays; against the stacks floor what remains is ref-bpf's own work (the target
# lookup, interning each stack in a hash, the counts).
#
# BPF_BLOCKS (8), BPF_DURATION (2 s a trial), BPF_DUET_BLOCKS (6 processes per configuration),
# BPF_DUET_DURATION (10 s each), BPF_DUET_HZ (4999) change the run (~7 min).  Figures are from one
# run on this machine: ratios.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
FLOOR=$BUILD/bench/bench_bpf
CPU=$BUILD/workloads/cpu
BLOCKS=${BPF_BLOCKS:-8}
DURATION=${BPF_DURATION:-2}
DUET_BLOCKS=${BPF_DUET_BLOCKS:-6}
DUET_DURATION=${BPF_DUET_DURATION:-10}
DUET_HZ=${BPF_DUET_HZ:-4999}
for p in "$TARE" "$FLOOR" "$CPU"; do
	[ -x "$p" ] || { echo "bpf_overhead: $p is not built: run make"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "bpf_overhead: needs root (tare run makes cgroups; BPF)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/bpf_overhead.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
if ! "$TARE" sample --bpf -t cpu --folded "$T/probe.folded" -- true 2> "$T/probe.err"; then
	echo "bpf_overhead: the eBPF sampler cannot run here: $(tail -n 1 "$T/probe.err")"
	exit 77
fi

cat > "$T/floor.lua" <<EOF
-- the floor: ref-bpf's per-CPU cpu-clock events with an empty BPF program (bench_bpf.c)
return {
  description = "per-CPU cpu-clock events, an empty BPF program on each",
  options = { hz = { "sampling frequency (Hz)", 999, type = "integer", min = 1, max = 100000 },
              stacks = { "the program also takes the stacks, as ref-bpf does", false, type = "boolean" } },
  command = function(o, t)
    local argv = { "$FLOOR", "floor", "-F", o.hz, "-p", t.pid }
    if o.stacks then argv[#argv + 1] = "--stacks" end
    if t.switchback then argv[#argv + 1] = "--paused" end
    return argv
  end,
  control = "signal",
  ready = { line = "bench_bpf floor: ready", timeout = 15 },
  stop = { signal = "INT", grace = 10 },
}
EOF
cat > "$T/overhead.lua" <<EOF
local o = options {
  blocks   = { "blocks", 8, type = "integer", min = 2 },
  duration = { "measured seconds per trial", 2, min = 0.5 },
  hz       = { "sampling rate (Hz)", 999, type = "integer", min = 1 },
}
experiment {
  name = "bpf-overhead",
  workload = { "cpu", threads = 1 },
  profilers = { { "off" }, { "ref", hz = o.hz }, { "ref-bpf", hz = o.hz, types = { "cpu" } },
                { "./floor.lua", hz = o.hz, stacks = true } },
  blocks = o.blocks, warmup = 1, duration = o.duration,
}
EOF
perf_arm='{ "perf", hz = o.hz },'
duet_perf="{ \"$ROOT/tests/bench/duet.lua\", label = \"ref-bpf/perf\", hz = o.hz, a = \"ref-bpf\", b = \"perf\" },"
have_perf=1
command -v perf >/dev/null 2>&1 || { perf_arm=''; duet_perf=''; have_perf=0; }
cat > "$T/duets.lua" <<EOF
local o = options {
  blocks   = { "processes per configuration", 6, type = "integer", min = 2 },
  duration = { "measured seconds per process", 10, min = 0.5 },
  hz       = { "sampling rate (Hz)", 4999, type = "integer", min = 1 },
}
experiment {
  name = "bpf-duets",
  workload = { "cpu", threads = 1 },
  profilers = { { "off" }, { "./floor.lua", label = "stacks", hz = o.hz, stacks = true },
                { "$ROOT/tests/bench/duet.lua", label = "ref-bpf/stacks", hz = o.hz, a = "ref-bpf", b = "bpf-stacks" },
                $perf_arm $duet_perf },
  design = "switchback", blocks = o.blocks, warmup = 3, duration = o.duration,
}
EOF
echo "bpf_overhead: tare run, $BLOCKS blocks of off/ref/ref-bpf/floor at 999 Hz, ${DURATION} s trials ..."
"$TARE" run "$T/overhead.lua" blocks="$BLOCKS" duration="$DURATION" -q -o "$T/results" \
	> "$T/run.out" 2>&1 || { echo "bpf_overhead: tare run failed:"; tail -n 20 "$T/run.out"; exit 1; }
res=$(ls "$T"/results/*/results.json) || { echo "bpf_overhead: no results.json"; exit 1; }
echo "bpf_overhead: at $DUET_HZ Hz, the floor$([ "$have_perf" = 1 ] && echo ", perf") and the duets, ref-bpf against the floor$([ "$have_perf" = 1 ] && echo " and against perf") in one process: $DUET_BLOCKS processes each, ${DUET_DURATION} s of 0.25 s windows ..."
"$TARE" run "$T/duets.lua" blocks="$DUET_BLOCKS" duration="$DUET_DURATION" hz="$DUET_HZ" -q -o "$T/duets" \
	> "$T/duets.out" 2>&1 || { echo "bpf_overhead: tare run (duets) failed:"; tail -n 20 "$T/duets.out"; exit 1; }
duets=$(ls "$T"/duets/*/results.json) || { echo "bpf_overhead: no results.json for the duets"; exit 1; }

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/tests/bench" python3 - "$res" "$duets" "$DUET_HZ" "$have_perf" <<'PY'
import json, sys
from benchlib import arm_name, by_block, fmt, goal_duet, goal_paired, hl, med, overhead, per_unit, print_duets
doc = json.load(open(sys.argv[1]))
duets, duet_hz, have_perf = json.load(open(sys.argv[2])), int(sys.argv[3]), sys.argv[4] == "1"
trials = {}
for t in doc["trials"]:
    trials.setdefault(arm_name(t["label"]), []).append(t)
blocks = by_block(doc)
def ov(name, metric):
    return overhead(doc, name, metric)
def machine(t):
    return t["machine_busy_ns"] / t["units"]
def ovs(a, f):
    return [100 * (f(v[a]) / f(v["off"]) - 1) for v in blocks.values() if a in v and "off" in v]
names = ["ref", "ref-bpf", "floor"]
print(f"bpf_overhead: 999 Hz, cpu workload (1 thread), {len(blocks)} blocks; overhead = CPU per pass vs off, "
      f"measured window (95% CI)")
print(f"  {'arm':<8} {'total':<27} {'workload':>9} {'profiler':>9} {'unattrib.':>9}  {'machine':<25} {'RSS+kernel':>10} {'start+stop':>11}")
print(f"  {'':<8} {'':<27} {'':>9} {'':>9} {'':>9}  {'(all CPUs, others too)':<25} {'MB':>10} {'ms/trial':>11}")
for n in names:
    tr = [t for t in trials[n] if t["state"] == "ok"]
    outside = med([(t["profiler_cpu_total_ns"] - t["profiler_cpu_ns"]) / 1e6 for t in tr])
    mem = med([(t.get("profiler_rss_peak_bytes") or 0) + (t.get("profiler_kernel_bytes") or 0) for t in tr])
    print(f"  {n:<8} {fmt(*ov(n, 'cpu_total')):<27} {ov(n, 'cpu_workload')[0]:>+8.2f}% "
          f"{ov(n, 'cpu_profiler')[0]:>+8.3f}% {ov(n, 'cpu_unattributed')[0]:>+8.2f}%  "
          f"{fmt(*hl(ovs(n, machine))):<25} {mem/1e6:>10.1f} {outside:>11.1f}")
rb, fl, rf = ov("ref-bpf", "cpu_total")[0], ov("floor", "cpu_total")[0], ov("ref", "cpu_total")[0]
print(f"ratios from this run: ref-bpf / ref {rb / rf:.2f}x, ref-bpf / floor {rb / fl:.2f}x, "
      f"ref / floor {rf / fl:.2f}x (totals; each has the interval above)")
ok = goal_paired(doc, blocks, "ref-bpf", 1.2, "floor", "ref-bpf's overhead ≤ 1.2x the floor's", "BPF_BLOCKS")
ok &= goal_paired(doc, blocks, "ref-bpf", 1.0, "ref", "ref-bpf's overhead ≤ 1.0x ref's", "BPF_BLOCKS")
# issue 13: ref-bpf within 1.1x its floor and 1.1x perf record, decided in one process (duets)
print(f"{duet_hz} Hz, the same workload, {len(by_block(duets))} processes per configuration by switchback: the floor and "
      f"perf against off, and the duets (ref-bpf on, the other off, in one process)")
print_duets(duets, ["stacks", "ref-bpf/stacks"] + (["perf", "ref-bpf/perf"] if have_perf else []))
ok &= goal_duet(duets, "ref-bpf/stacks", 1.1, "stacks",
                "ref-bpf's overhead ≤ 1.1x the BPF stacks floor's", "BPF_DUET_BLOCKS")
if have_perf:
    ok &= goal_duet(duets, "ref-bpf/perf", 1.1, "perf", "ref-bpf's overhead ≤ 1.1x perf record's", "BPF_DUET_BLOCKS")
else:
    print("SKIP: ref-bpf vs perf record: perf is not installed")
sys.exit(0 if ok else 1)
PY
