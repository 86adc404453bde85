#!/bin/sh
# sampler_overhead.sh — what the reference sampler costs (issues 5 and 13), against perf record and
# against the floor.
#
# 999 Hz on the cpu workload (1 thread), by switchback (docs/switchback.md): `tare run` with
# each profiler in its own processes, switched on and off in 0.25 s windows — ref (tare sample
# --paused -p, in its own process and cgroup), perf (perf record -D -1 --control), and the
# floor: build/bench/bench_sampler floor --paused, which opens exactly the perf events tare
# sample opens (same attributes, per thread and CPU with inherit, same ring size and wake-up
# watermark) and, at every wake-up, gives the ring back without reading a record.  The floor
# is what any consumer of these events pays — the kernel's sampling interrupt, unwinding and
# writing into the ring, and the wake-ups — so ref minus floor is what ref's decoding and
# aggregation add.  Overheads are tare's: CPU per unit of work in on windows against the
# paired off windows (workload cgroup + profiler cgroup + CPU neither was charged),
# Hodges-Lehmann per process combined over processes (random effects, Hartung-Knapp interval).
# "outside" is each profiler's CPU outside the measured windows (start, guards, off windows,
# stop), per process, in ms.
#
# 99 Hz: `tare sample -F 99 -p` on the cpu workload for a 20 s warm-up and a SAMPLER_WINDOW_S
# (120 s) window; the sampler's CPU in the window from /proc/PID/schedstat (ns).  Its cost is
# almost all reads of /proc/kallsyms (~50 ms each: the kernel formats 120,000+ lines), which
# symbols.c does, at a 15 s flush when a new kernel frame appears, after 1 minute, then 2, 4, 8
# and at most every 10: so a window shorter than ~75 s says nothing about the steady state, and
# the 20 s warm-up leaves out the first read (start-up, paid once).  The window's flushes are
# itemized.
#
# Goals (issue 13): ref's total overhead <= 1.1x the floor's and <= 1.1x perf record's; the
# sampler's peak RSS <= 8 MB; at 99 Hz its own CPU <= 0.1% of one core.
#
# The two comparisons cannot be decided from the arms above: each arm has its own processes, and
# the margin (0.1x a ~3.5% floor is 0.35 points) is below a difference of two arms' estimates.
# So they are decided by duets (tests/bench/duet.lua, bench_sampler duet): ref and the floor, and ref and perf, opened
# on the same process, the switchback's paired windows switching one on as the other goes off
# ("on" is ref), so what differs between processes is common to both and each pair weighs ref
# against the other directly: r = (1 + ov_ref) / (1 + ov_other), tare's own random-effects
# estimate and interval.  ov_ref <= k ov_other is r <= (1 + k ov_other) / (1 + ov_other), a
# bound that grows with ov_other: PASS when r's upper end is below the bound at ov_other's lower
# end, FAIL when r's lower end is above it at ov_other's upper end, else INCONCLUSIVE.  The
# duets and the floor and perf they are held to run at SAMPLER_DUET_HZ (4999): a cpu-clock
# sampler's cost is its cost per sample times the rate, and at 999 Hz the 10% margin is
# smaller than the noise of any run of minutes here (a 6 x 16 s duet run at 999 Hz gave
# ref/floor +0.01% [-0.64, +0.67] against a margin of 0.39 points); at 4999 Hz the margin is
# ~1.7 points and the pairs' noise grows less than that.  What does not scale with the rate
# (ref's re-reads of /proc/kallsyms) is the 99 Hz figure below.  "<= perf record's" exactly
# is not decidable: ref and perf pay the same kernel sampling path, so the goal is 1.1x as for
# the floor.  Exit 1 only on a FAIL.
#
# SAMPLER_BLOCKS (6 processes), SAMPLER_DURATION (8 s of windows each), SAMPLER_DUET_BLOCKS (6
# processes per configuration), SAMPLER_DUET_DURATION (10 s each), SAMPLER_DUET_HZ (4999),
# SAMPLER_WINDOW_S (120) change the run; the whole takes ~9 min + the window.  Figures are from
# one run on this machine: ratios.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
FLOOR=$BUILD/bench/bench_sampler
CPU=$BUILD/workloads/cpu
BLOCKS=${SAMPLER_BLOCKS:-6}
DURATION=${SAMPLER_DURATION:-8}
WINDOW=${SAMPLER_WINDOW_S:-120}
DUET_BLOCKS=${SAMPLER_DUET_BLOCKS:-6}
DUET_DURATION=${SAMPLER_DUET_DURATION:-10}
DUET_HZ=${SAMPLER_DUET_HZ:-4999}
WARMUP=20
for p in "$TARE" "$FLOOR" "$CPU"; do
	[ -x "$p" ] || { echo "sampler_overhead: $p is not built: run make"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "sampler_overhead: needs root (tare run makes cgroups)"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sampler_overhead.XXXXXX")
cleanup() {
	[ -n "${spid:-}" ] && kill -INT "$spid" 2>/dev/null
	[ -n "${wpid:-}" ] && kill "$wpid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if ! "$TARE" sample -F 99 --folded "$T/probe.folded" -- true 2> "$T/probe.err"; then
	echo "sampler_overhead: tare sample cannot run here: $(tail -n 1 "$T/probe.err")"
	exit 77
fi
perf_arm='{ "perf", hz = o.hz },'
have_perf=1
command -v perf >/dev/null 2>&1 || { perf_arm=''; have_perf=0; }

cat > "$T/floor.lua" <<EOF
-- the floor: tare sample's perf events, with a consumer that reads nothing (bench_sampler.c)
return {
  description = "the sampler's perf events, rings given back unread",
  options = { hz = { "sampling frequency (Hz)", 999, type = "integer", min = 1, max = 100000 } },
  command = function(o, t)
    local argv = { "$FLOOR", "floor", "-F", o.hz, "-p", t.pid }
    if t.switchback then argv[#argv + 1] = "--paused" end
    return argv
  end,
  control = "signal",
  ready = { line = "bench_sampler floor: ready", timeout = 15 },
  stop = { signal = "INT", grace = 10 },
}
EOF
cat > "$T/overhead.lua" <<EOF
local o = options {
  blocks   = { "processes per profiler", 6, type = "integer", min = 2 },
  duration = { "measured seconds per process", 8, min = 0.5 },
  hz       = { "sampling rate (Hz)", 999, type = "integer", min = 1 },
}
experiment {
  name = "sampler-overhead",
  workload = { "cpu", threads = 1 },
  profilers = { { "off" }, { "ref", hz = o.hz }, $perf_arm { "./floor.lua", hz = o.hz } },
  design = "switchback", blocks = o.blocks, warmup = 1, duration = o.duration,
}
EOF
duet_perf="{ \"$ROOT/tests/bench/duet.lua\", label = \"ref/perf\", hz = o.hz, a = \"ref\", b = \"perf\" },"
[ "$have_perf" = 1 ] || duet_perf=''
cat > "$T/duets.lua" <<EOF
local o = options {
  blocks   = { "processes per duet", 6, type = "integer", min = 2 },
  duration = { "measured seconds per process", 10, min = 0.5 },
  hz       = { "sampling rate (Hz)", 4999, type = "integer", min = 1 },
}
experiment {
  name = "sampler-duets",
  workload = { "cpu", threads = 1 },
  profilers = { { "off" }, { "./floor.lua", label = "floor", hz = o.hz }, { "$ROOT/tests/bench/duet.lua", label = "ref/floor", hz = o.hz, a = "ref", b = "floor" },
                $perf_arm $duet_perf },
  design = "switchback", blocks = o.blocks, warmup = 3, duration = o.duration,
}
EOF
echo "sampler_overhead: tare run by switchback, $BLOCKS processes each of ref/perf/floor at 999 Hz, ${DURATION} s of 0.25 s windows ..."
"$TARE" run "$T/overhead.lua" blocks="$BLOCKS" duration="$DURATION" -q -o "$T/results" \
	> "$T/run.out" 2>&1 || { echo "sampler_overhead: tare run failed:"; tail -n 20 "$T/run.out"; exit 1; }
res=$(ls "$T"/results/*/results.json) || { echo "sampler_overhead: no results.json"; exit 1; }
echo "sampler_overhead: at $DUET_HZ Hz, the floor$([ "$have_perf" = 1 ] && echo ", perf") and the duets, ref against the floor$([ "$have_perf" = 1 ] && echo " and against perf") in one process: $DUET_BLOCKS processes each, ${DUET_DURATION} s of 0.25 s windows ..."
"$TARE" run "$T/duets.lua" blocks="$DUET_BLOCKS" duration="$DUET_DURATION" hz="$DUET_HZ" -q -o "$T/duets" \
	> "$T/duets.out" 2>&1 || { echo "sampler_overhead: tare run (duets) failed:"; tail -n 20 "$T/duets.out"; exit 1; }
duets=$(ls "$T"/duets/*/results.json) || { echo "sampler_overhead: no results.json for the duets"; exit 1; }

echo "sampler_overhead: tare sample -F 99 on the cpu workload, ${WARMUP} s warm-up + ${WINDOW} s window ..."
"$CPU" --duration $((WARMUP + WINDOW + 30)) > /dev/null &
wpid=$!
"$TARE" -v sample -F 99 -p "$wpid" --stats "$T/s99.json" --folded "$T/s99.folded" -o "$T/s99.pb.gz" \
	2> "$T/s99.err" &
spid=$!
i=0
until grep -q "tare-sample: ready" "$T/s99.err" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
	[ "$i" -lt 150 ] || { echo "sampler_overhead: tare sample not ready: $(tail -n 1 "$T/s99.err")"; exit 1; }
done
t_ready=$(date +%s.%N)
sleep "$WARMUP"
a=$(cut -d' ' -f1 "/proc/$spid/schedstat"); ta=$(date +%s.%N)
sleep "$WINDOW"
b=$(cut -d' ' -f1 "/proc/$spid/schedstat"); tb=$(date +%s.%N)
kill -INT "$spid"; wait "$spid"; spid=
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; wpid=

PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$ROOT/tests/bench" python3 - "$res" "$T" "$have_perf" "$a" "$b" "$t_ready" "$ta" "$tb" "$duets" "$DUET_HZ" <<'PY'
import glob, json, os, re, sys
from benchlib import arm_name, by_block, fmt, goal_duet, med, overhead, print_duets
res, T, have_perf = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
a, b, t_ready, ta, tb = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8])
doc = json.load(open(res))
duets, duet_hz = json.load(open(sys.argv[9])), int(sys.argv[10])
rdir = os.path.dirname(res)
arms = {arm_name(a["label"]): a for a in doc["summary"]["arms"]}
trials = {}
for t in doc["trials"]:
    trials.setdefault(arm_name(t["label"]), []).append(t)
blocks = by_block(doc)
def ov(name, metric):
    return overhead(doc, name, metric)
names = ["ref", "perf", "floor"] if have_perf else ["ref", "floor"]
print(f"sampler_overhead: 999 Hz, cpu workload (1 thread), {len(blocks)} processes per profiler by switchback; overhead = CPU per pass, on windows vs off, "
      f"measured window (95% CI)")
print(f"  {'arm':<6} {'total':<27} {'workload':>9} {'profiler':>9} {'unattrib.':>9} {'prof. RSS':>10} {'outside':>11}")
print(f"  {'':<6} {'':<27} {'':>9} {'':>9} {'':>9} {'MB':>10} {'ms/trial':>11}")
for n in names:
    tr = [t for t in trials[n] if t["state"] == "ok"]
    outside = med([(t["profiler_cpu_total_ns"] - t["profiler_cpu_ns"]) / 1e6 for t in tr])
    rss = arms[n].get("profiler_rss_bytes") or float("nan")
    print(f"  {n:<6} {fmt(*ov(n, 'cpu_total')):<27} {ov(n, 'cpu_workload')[0]:>+8.2f}% "
          f"{ov(n, 'cpu_profiler')[0]:>+8.3f}% {ov(n, 'cpu_unattributed')[0]:>+8.2f}% {rss/1e6:>10.1f} {outside:>11.1f}")
print(f"  the consumers' own processes in the window (cgroup CPU, precise): ref {ov('ref', 'cpu_profiler')[0]:+.3f}%"
      + (f", perf {ov('perf', 'cpu_profiler')[0]:+.3f}%" if have_perf else "")
      + f", floor {ov('floor', 'cpu_profiler')[0]:+.3f}%; the rest of each total is the workload's and the "
      f"kernel's, where the arms differ by less than this run's noise")
# the sampler's own figures from its trials, and the 99 Hz window
ref_rss = [json.load(open(f))["peak_rss_bytes"] for f in glob.glob(f"{rdir}/trials/*-ref_*/sampler.json")]
s99 = json.load(open(f"{T}/s99.json"))
flushes = [float(x) for x in re.findall(r"flush \d+: \d+ stacks, \d+ locations, ([0-9.]+) ms CPU", open(f"{T}/s99.err").read())]
win_s, win_ms = tb - ta, (b - a) / 1e6
# flush k runs ~15k s after ready: the ones inside the window, and the reads of kallsyms among them
first, last = int((ta - t_ready) // 15), int((tb - t_ready) // 15)
inwin = flushes[first:last]
kall = [f for f in inwin if f > 20]
pct99 = 100 * win_ms / 1e3 / win_s
allin = 100 * s99["sampler_run_cpu_ns"] / s99["wall_ns"]
print(f"99 Hz, cpu workload (1 thread), {win_s:.0f} s window after {ta - t_ready:.0f} s: sampler CPU {win_ms:.1f} ms = "
      f"{pct99:.3f}% of a core")
print(f"  in the window: {len(inwin)} flush(es), {sum(inwin):.1f} ms, of which {len(kall)} read /proc/kallsyms "
      f"({', '.join(f'{k:.0f}' for k in kall) or 'none'} ms); draining {max(win_ms - sum(inwin), 0):.1f} ms "
      f"for ~{99 * win_s:.0f} samples")
print(f"  the whole run, start-up, first read and final flush included: {s99['sampler_run_cpu_ns']/1e6:.1f} ms over "
      f"{s99['wall_ns']/1e9:.0f} s = {allin:.3f}%; peak RSS {s99['peak_rss_bytes']/1e6:.1f} MB")
ok = True
def goal(cond, msg):
    global ok
    print(("PASS" if cond else "FAIL") + ": " + msg)
    ok &= bool(cond)
# Issue 13: a cpu-clock sampler's cost in the workload is mostly the sampling interrupt itself,
# which perf record pays too, so "ref <= 0.5x perf" cannot be met; the goals are the physical
# limit: ref within 1.1x the floor's and no more than perf record's, decided by switchback.
print(f"{duet_hz} Hz, the same workload, {len(by_block(duets))} processes per configuration: the floor and perf against off, and the "
      f"duets (ref on, the other off, in one process)")
print_duets(duets, ["floor", "ref/floor"] + (["perf", "ref/perf"] if have_perf else []))
ok &= goal_duet(duets, "ref/floor", 1.1, "floor", "ref's overhead ≤ 1.1x the floor's", "SAMPLER_DUET_BLOCKS")
if have_perf:
    ok &= goal_duet(duets, "ref/perf", 1.1, "perf", "ref's overhead ≤ 1.1x perf record's", "SAMPLER_DUET_BLOCKS")
else:
    print("SKIP: ref vs perf record: perf is not installed")
rss = max(ref_rss + [s99["peak_rss_bytes"]])
goal(rss <= 8e6, f"sampler peak RSS ≤ 8 MB ({rss/1e6:.1f} MB, the largest of {len(ref_rss) + 1} runs)")
if win_s < 75:
    print(f"INCONCLUSIVE: at 99 Hz the sampler's own CPU ≤ 0.1% of one core ({pct99:.3f}% over {win_s:.0f} s): "
          f"a window under 75 s need not hold a read of /proc/kallsyms (at most one a minute, at a 15 s flush)")
else:
    goal(pct99 <= 0.1, f"at 99 Hz the sampler's own CPU ≤ 0.1% of one core ({pct99:.3f}% over {win_s:.0f} s)")
sys.exit(0 if ok else 1)
PY
