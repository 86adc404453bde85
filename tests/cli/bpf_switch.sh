# tare sample --bpf --paused (switchback, docs/switchback.md): started off, switched on by SIGUSR1
# and off by SIGUSR2 three times, ~0.3 s apart, then stopped with SIGINT.  From --stats: the
# intervals alternate off/on, every off interval has 0 cpu samples and 0 events of any program,
# every on one has samples, and they add up.  -t cpu with one event per CPU on a command, and
# --per-thread on a running process (-p).  Then offcpu: a block is counted only when it begins
# and ends in the same on interval, so the off-CPU time recorded is at most the on time.
#
# Bounds that cannot flake on a busy 2-CPU VM (tests/cli/sample_switch.sh has the reasoning):
#   on > 0, off == 0, total <= 999 Hz x 2 threads x on wall x 1.1, >= 999 Hz x on wall x 10%.
#   rate    per thread: samples / the events' time running, within 10% of 999 Hz; per CPU the
#           CPU time is read from /proc in clock ticks at each switch (10 ms each way): 25%.
#   offcpu  the workload sleeps 0.4 s at a time in one thread: a block is counted only when it
#           begins and ends in one on interval, so the time is <= the on time, and the blocks
#           are no longer on average than the longest on interval (one that spanned an off
#           interval would be 0.8 s or more).
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
out=$("$TARE" sample --bpf -t cpu -o probe.pb.gz -- true 2>&1); rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 3 ] && skip "the eBPF sampler cannot run here: $out"; fail "probe run exited $rc: $out"; }
"$TARE" sample --bpf --help 2>/dev/null | grep -q -- --paused || fail "tare sample --bpf --help does not document --paused"
CPU=$BUILD/workloads/cpu
OFFCPU=$BUILD/workloads/offcpu
[ -x "$CPU" ] && [ -x "$OFFCPU" ] || fail "the workloads are not built"

wait_ready() {
	i=0
	until grep -q '^tare-sample: ready$' "$1"; do
		kill -0 "$2" 2>/dev/null || fail "the sampler exited before it was ready: $(cat "$1")"
		i=$((i + 1)); [ $i -lt 300 ] || fail "not ready after 30 s: $(cat "$1")"
		sleep 0.1
	done
}

switch() {
	sleep 0.3
	for i in 1 2 3; do
		kill -USR1 "$1"; sleep 0.3
		kill -USR2 "$1"; sleep 0.3
	done
	kill -INT "$1"
}

# check STATS NAME RATE_TOLERANCE [cpu|offcpu]
check() {
	python3 - "$@" <<'PY' || exit 1
import json, sys
stats, name, tol, kind = json.load(open(sys.argv[1])), sys.argv[2], float(sys.argv[3]), sys.argv[4]
iv, hz, threads = stats["intervals"], 999, 2
def fail(msg):
    print(f"FAIL: {name}: {msg}\nintervals: {iv}"); sys.exit(1)
if not stats["switchable"] or stats["switches"] != 6 or len(iv) != 7 or stats["intervals_not_kept"]:
    fail(f"switchable {stats['switchable']}, {stats['switches']} switches, {len(iv)} intervals; want 6 and 7")
if [i["on"] for i in iv] != [False, True] * 3 + [False]:
    fail("the intervals do not alternate off, on, ..., off")
for k, i in enumerate(iv):
    if not i["on"] and (i["samples"] or i["events"]):
        fail(f"off interval {k} has {i['samples']} samples, {i['events']} events")
on_s = sum(i["wall_ns"] for i in iv if i["on"]) / 1e9
if max(i["delay_ns"] for i in iv) != stats["switch_delay_max_ns"] or iv[0]["delay_ns"]:
    fail("the intervals' delay_ns do not match switch_delay_max_ns")
if stats["switch_delay_max_ns"] > 2e8:
    fail(f"a switch came {stats['switch_delay_max_ns']/1e6:.1f} ms after its signal")
if kind == "offcpu":
    t = stats["types"]["offcpu"]
    print(f"{name}: {t['blocks']} blocks, {t['off-cpu']/1e9:.3f} s off-CPU in {on_s:.3f} s on")
    if sum(i["events"] for i in iv) != t["blocks"]:
        fail("the intervals' events are not the blocks")
    longest = max(i["wall_ns"] for i in iv if i["on"])
    if t["off-cpu"] > on_s * 1e9 + 1e6 * len(iv) or t["off-cpu"] > t["blocks"] * (longest + 1e6):
        fail(f"{t['off-cpu']/1e9:.3f} s off-CPU in {t['blocks']} blocks, {on_s:.3f} s on (the longest "
             f"interval {longest/1e9:.3f} s): a block across an off interval was counted")
    sys.exit(0)
for k, i in enumerate(iv):
    if i["on"] and i["samples"] <= 0:
        fail(f"on interval {k} ({i['wall_ns']/1e9:.3f} s) has no samples")
total = sum(i["samples"] for i in iv)
if total != stats["samples"] or sum(i["events"] for i in iv) != total:
    fail(f"the intervals hold {total} samples, the total is {stats['samples']}")
hi, lo = hz * threads * on_s * 1.1, hz * on_s * 0.1
print(f"{name}: {total} samples in {on_s:.3f} s on (bounds {lo:.0f}..{hi:.0f}), covered "
      f"{stats['covered_cpu_ns']/1e9:.3f} CPU-s, rate ratio {stats['rate_ratio']:.3f}, longest "
      f"switch {stats['switch_delay_max_ns']/1e6:.2f} ms")
if not lo <= total <= hi:
    fail(f"{total} samples for {on_s:.3f} s on at {hz} Hz: want {lo:.0f}..{hi:.0f}")
if not 1 - tol <= stats["rate_ratio"] <= 1 + tol:
    fail(f"effective rate {stats['effective_hz']:.1f} Hz vs {hz} (covered {stats['covered_cpu_ns']/1e9:.3f} CPU-s)")
if stats["dropped"]:
    fail(f"dropped {stats['dropped']}")
PY
}

# -t cpu, an event per CPU, on a command (its second thread made while off)
"$TARE" sample --bpf --paused -t cpu -F 999 --stats cmd.json --folded cmd.folded -- \
	"$CPU" --threads 2 --duration 60 > truth.json 2> cmd.err &
spid=$!
wait_ready cmd.err $spid
switch $spid
wait $spid; rc=$?
[ $rc -eq 0 ] || fail "tare sample --bpf --paused -- cpu exited $rc: $(cat cmd.err)"
grep -q 'tare-sample: 6 switches, sampling on' cmd.err || fail "no switching line on stderr: $(cat cmd.err)"
check cmd.json per-cpu 0.25 cpu
grep -q 'cpu_thread_main' cmd.cpu.folded || fail "no samples of the second thread: $(cat cmd.cpu.folded)"

# -t cpu --per-thread on a running process: its threads' events, inherited, switched by ioctl
"$CPU" --threads 2 --duration 60 > /dev/null &
wpid=$!
sleep 0.2
"$TARE" sample --bpf --paused -t cpu --per-thread -F 999 -p $wpid --stats pid.json -o pid.pb.gz 2> pid.err &
spid=$!
wait_ready pid.err $spid
switch $spid
wait $spid; rc=$?
kill $wpid; wait $wpid
[ $rc -eq 0 ] || fail "tare sample --bpf --paused --per-thread -p exited $rc: $(cat pid.err)"
check pid.json per-thread 0.1 cpu

# offcpu: 0.4 s sleeps, longer than an off interval
"$TARE" sample --bpf --paused -t offcpu --stats off.json -o off.pb.gz -- \
	"$OFFCPU" --sleep-us 400000 --pipe-us 0 --futex-us 0 --duration 60 > /dev/null 2> off.err &
spid=$!
wait_ready off.err $spid
switch $spid
wait $spid; rc=$?
[ $rc -eq 0 ] || fail "tare sample --bpf --paused -t offcpu exited $rc: $(cat off.err)"
check off.json offcpu 0 offcpu
exit 0
