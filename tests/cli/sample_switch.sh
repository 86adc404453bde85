# tare sample --paused (switchback, docs/switchback.md): started off on the cpu workload, switched
# on by SIGUSR1 and off by SIGUSR2 three times, ~0.3 s apart, then stopped with SIGINT.  From
# --stats: the intervals alternate off/on, every off interval has 0 samples and every on one
# has some, and the samples add up.  With a command (its threads are made after attach, while
# off: inherited off, switched with their parent event) and with -p PID (threads listed and
# opened at attach).  Without --paused nothing changes: one interval, on, not switchable.
#
# Bounds that cannot flake on a busy 2-CPU VM:
#   on > 0        an on interval is >= 0.3 s of wall; at 999 Hz a thread running 1% of it has 3
#   off == 0      not a bound: a disabled event takes no sample at all
#   total         <= 999 Hz x (2 threads x on wall) x 1.1: CPU time cannot exceed wall time,
#                 so more would mean samples taken while off; >= 999 Hz x on wall x 10% (the
#                 two threads got a tenth of one CPU)
#   rate          samples / covered_cpu_ns within 10% of 999 Hz; covered_cpu_ns is the events'
#                 time running, and <= 2 x on wall: the events did not run while off
#   delay         a switch applied within 0.2 s of its signal (the loop sleeps in epoll; no
#                 flush falls in this run)
. "$ROOT/tests/lib.sh"
cd "$T"
"$TARE" sample --help 2>/dev/null | grep -q -- --paused || fail "tare sample --help does not document --paused"
CPU=$BUILD/workloads/cpu
[ -x "$CPU" ] || fail "$CPU is not built"

# wait_ready FILE PID: the sampler printed its ready line (it is switchable from then on)
wait_ready() {
	i=0
	until grep -q '^tare-sample: ready$' "$1"; do
		kill -0 "$2" 2>/dev/null || fail "the sampler exited before it was ready: $(cat "$1")"
		i=$((i + 1)); [ $i -lt 300 ] || fail "not ready after 30 s: $(cat "$1")"
		sleep 0.1
	done
}

# switch PID: off (as started) 0.3 s, then three times on 0.3 s, off 0.3 s; then SIGINT
switch() {
	sleep 0.3
	for i in 1 2 3; do
		kill -USR1 "$1"; sleep 0.3
		kill -USR2 "$1"; sleep 0.3
	done
	kill -INT "$1"
}

check() {
	python3 - "$1" "$2" <<'PY' || exit 1
import json, sys
stats, name = json.load(open(sys.argv[1])), sys.argv[2]
iv, hz, threads = stats["intervals"], 999, 2
def fail(msg):
    print(f"FAIL: {name}: {msg}\nintervals: {iv}"); sys.exit(1)
if not stats["switchable"] or stats["switches"] != 6 or len(iv) != 7 or stats["intervals_not_kept"]:
    fail(f"switchable {stats['switchable']}, {stats['switches']} switches, {len(iv)} intervals; want 6 and 7")
if [i["on"] for i in iv] != [False, True] * 3 + [False]:
    fail("the intervals do not alternate off, on, ..., off")
for k, i in enumerate(iv):
    if not i["on"] and i["samples"] != 0:
        fail(f"off interval {k} has {i['samples']} samples")
    if i["on"] and i["samples"] <= 0:
        fail(f"on interval {k} ({i['wall_ns']/1e9:.3f} s) has no samples")
total = sum(i["samples"] for i in iv)
if total != stats["samples"]:
    fail(f"the intervals hold {total} samples, the total is {stats['samples']}")
on_s = sum(i["wall_ns"] for i in iv if i["on"]) / 1e9
hi, lo = hz * threads * on_s * 1.1, hz * on_s * 0.1
print(f"{name}: {total} samples in {on_s:.3f} s on (bounds {lo:.0f}..{hi:.0f}), covered "
      f"{stats['covered_cpu_ns']/1e9:.3f} CPU-s, rate ratio {stats['rate_ratio']:.3f}, longest "
      f"switch {stats['switch_delay_max_ns']/1e6:.2f} ms")
if not lo <= total <= hi:
    fail(f"{total} samples for {on_s:.3f} s on at {hz} Hz: want {lo:.0f}..{hi:.0f}")
if stats["covered_cpu_ns"] > threads * on_s * 1.05e9 + 5e7:
    fail(f"the events ran {stats['covered_cpu_ns']/1e9:.3f} CPU-s in {on_s:.3f} s on: they ran while off")
if not 0.9 <= stats["rate_ratio"] <= 1.1:
    fail(f"effective rate {stats['effective_hz']:.1f} Hz vs {hz}")
if max(i["delay_ns"] for i in iv) != stats["switch_delay_max_ns"] or iv[0]["delay_ns"]:
    fail("the intervals' delay_ns do not match switch_delay_max_ns")
if stats["switch_delay_max_ns"] > 2e8:
    fail(f"a switch came {stats['switch_delay_max_ns']/1e6:.1f} ms after its signal")
if stats["lost"] or stats["frames_symbolized_pct"] < 99:
    fail(f"lost {stats['lost']}, {stats['frames_symbolized_pct']:.1f}% of frames symbolized")
PY
}

# a command: its second thread is made after exec, while sampling is off
"$TARE" sample --paused -F 999 --stats cmd.json --folded cmd.folded -o cmd.pb.gz -- \
	"$CPU" --threads 2 --duration 60 > truth.json 2> cmd.err &
spid=$!
wait_ready cmd.err $spid
switch $spid
wait $spid; rc=$?
[ $rc -eq 0 ] || fail "tare sample --paused -- cpu exited $rc: $(cat cmd.err)"
grep -q 'tare-sample: 6 switches, sampling on' cmd.err || fail "no switching line on stderr: $(cat cmd.err)"
check cmd.json command
grep -q 'cpu_thread_main' cmd.folded || fail "no samples of the thread made while off: $(cat cmd.folded)"

# -p: a process already running, both threads listed at attach
"$CPU" --threads 2 --duration 60 > /dev/null &
wpid=$!
sleep 0.2
"$TARE" sample --paused -F 999 -p $wpid --stats pid.json -o pid.pb.gz 2> pid.err &
spid=$!
wait_ready pid.err $spid
switch $spid
wait $spid; rc=$?
kill $wpid; wait $wpid
[ $rc -eq 0 ] || fail "tare sample --paused -p exited $rc: $(cat pid.err)"
check pid.json pid

# without --paused: one interval, on, with every sample
"$TARE" sample -F 99 --stats plain.json -o plain.pb.gz -- "$CPU" --duration 0.5 > /dev/null 2> plain.err ||
	fail "tare sample exited $?: $(cat plain.err)"
python3 - plain.json <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
iv = d["intervals"]
if d["switchable"] or d["switches"] or len(iv) != 1 or not iv[0]["on"] or iv[0]["samples"] != d["samples"]:
    print(f"FAIL: without --paused: switchable {d['switchable']}, {d['switches']} switches, intervals {iv}")
    sys.exit(1)
PY
exit 0
