# tare sample against the ground-truth cpu workload: the folded split among cpu_hot, cpu_warm and
# cpu_cold matches the workload's own measured_split, most stacks reach main, the effective rate
# is the requested one and nothing is lost.  At 99 Hz (the default rate) and at 999 Hz, 3 s each.
#
# The bound is statistical, not a fixed number of points: with n samples a share p has a
# binomial standard error sqrt(p(1-p)/n) — 2.7 points for cpu_hot at 99 Hz x 3 s (~300
# samples), 0.8 at 999 Hz — so the test allows 4 standard errors plus 1 point for the truth's
# own wander (measured_split moves ~0.3 points between runs).  A fixed 3 points would fail a
# correct sampler at 99 Hz about one run in four.
. "$ROOT/tests/lib.sh"
cd "$T"
"$TARE" sample --help >/dev/null 2>&1 || skip "tare sample is not wired into harness/main.c yet"
CPU=$BUILD/workloads/cpu
[ -x "$CPU" ] || fail "$CPU is not built"

check_rate() {
	hz=$1
	"$TARE" sample -F "$hz" -o "p$hz.pb.gz" --folded "f$hz.folded" --stats "s$hz.json" \
		-- "$CPU" --duration 3 > "truth$hz.json" 2> "err$hz" ||
		fail "tare sample -F $hz exited $?: $(cat "err$hz")"
	grep -q '^tare-sample: ready$' "err$hz" || fail "no ready line: $(cat "err$hz")"
	[ -s "p$hz.pb.gz" ] || fail "no profile written"
	python3 - "f$hz.folded" "truth$hz.json" "s$hz.json" "$hz" <<'PY' || exit 1
import json, math, sys
folded, truth, stats, hz = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), int(sys.argv[4])
parts = ["cpu_hot", "cpu_warm", "cpu_cold"]
count = dict.fromkeys(parts, 0)
total = reach_main = 0
for line in open(folded):
    stack, n = line.rstrip("\n").rsplit(" ", 1)
    frames, n = stack.split(";"), int(n)
    total += n
    reach_main += n if "main" in frames else 0
    for p in parts:           # kernel frames above a part (interrupts) are its time too
        if p in frames:
            count[p] += n
in_parts = sum(count.values())
ok = True
def say(msg):
    print(f"{hz} Hz: {msg}")
if in_parts < 0.5 * hz * 3 * 0.5:
    say(f"only {in_parts} samples in cpu_* (machine too busy?)"); sys.exit(1)
for p in parts:
    want, got = truth["measured_split"][p], count[p] / in_parts
    se = math.sqrt(want * (1 - want) / in_parts)
    tol = 4 * se + 0.01
    line = f"{p}: {100*got:.1f}% vs truth {100*want:.1f}% (n={in_parts}, se {100*se:.1f}, bound {100*tol:.1f} points)"
    say(line)
    if abs(got - want) > tol:
        say("FAIL: " + line); ok = False
share_main = reach_main / total
say(f"{100*share_main:.1f}% of {total} samples reach main")
if share_main < 0.9:
    say("FAIL: fewer than 90% of the stacks reach main"); ok = False
say(f"effective {stats['effective_hz']:.1f} Hz vs {stats['requested_hz']:.0f}, lost {stats['lost']}, "
    f"throttled {stats['throttled']}, dropped {stats['dropped']}, symbolized {stats['frames_symbolized_pct']:.1f}%")
if not 0.95 <= stats["rate_ratio"] <= 1.05:
    say("FAIL: effective rate off by more than 5%"); ok = False
if stats["lost"] or stats["dropped"]:
    say("FAIL: samples lost or dropped"); ok = False
if stats["frames_symbolized_pct"] < 99:
    say("FAIL: frames not symbolized"); ok = False
sys.exit(0 if ok else 1)
PY
}
check_rate 99
check_rate 999
exit 0
