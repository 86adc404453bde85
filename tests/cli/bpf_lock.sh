# tare sample --bpf -t lock against the ground-truth lock workload: contentions and delay at
# each site (lock_site_a holds 200 us, lock_site_b 50 us) against the workload's own count of
# its pthread_mutex_lock calls (each one a contention: it calls them only after a failed
# trylock) and their timing; the profile's sample types.
#
# Bounds, and why they hold on a noisy 2-CPU VM:
#   contentions  at most the truth's (every contention the profile counts is one of its calls),
#                at least 95% of it: a call is missed only when the holder let go between the
#                workload's trylock and the uprobe's look at the mutex and the call then took
#                it without sleeping — a window of a few us against a 50-200 us hold.
#   delay        at most the truth's +1% (the uprobe's entry and return lie inside the timed
#                call); at least the truth less 100 us a contention: what is left out is the
#                two probe traps and the clock reads (~10 us a call here).
#   shares       each site's share of the delay within 3 points.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
out=$("$TARE" sample --bpf -t lock -o probe.pb.gz -- true 2>&1); rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 3 ] && skip "the eBPF sampler cannot run here: $out"; fail "probe run exited $rc: $out"; }
W=$BUILD/workloads/lock
[ -x "$W" ] || skip "$W is not built yet"

"$TARE" sample --bpf -t lock -o p.pb.gz --folded f.folded --stats s.json \
	-- "$W" --duration 3 > truth.json 2> err || fail "tare sample --bpf exited $?: $(cat err)"
[ -s p.lock.pb.gz ] && [ -s f.lock.folded ] || fail "no outputs: $(ls)"
PYTHONPATH=$ROOT/tests/cli python3 - <<'PY' || exit 1
import json, sys, bpf_pprof
truth, stats = json.load(open("truth.json")), json.load(open("s.json"))
prof = bpf_pprof.load("p.lock.pb.gz")
sites = list(truth["sites"])
ok = True
def bad(msg):
    global ok
    print("FAIL: " + msg); ok = False
if prof["types"] != [("contentions", "count"), ("delay", "nanoseconds")] or prof["default"] != "delay":
    bad(f"sample types {prof['types']}, default {prof['default']}")
got, total = bpf_pprof.by_site(prof, sites)
tot_t = sum(truth["sites"][s]["wait_ns"] for s in sites)
tot_p = sum(got[s][1] for s in sites)
for s in sites:
    t = truth["sites"][s]
    n, d = got[s]
    share_t, share_p = t["wait_ns"] / tot_t, d / tot_p if tot_p else 0
    print(f"{s}: {n} contentions, {d/1e6:.1f} ms vs truth {t['contentions']}, "
          f"{t['wait_ns']/1e6:.1f} ms; share {100*share_p:.1f}% vs {100*share_t:.1f}%")
    if not 0.95 * t["contentions"] <= n <= t["contentions"]:
        bad(f"{s}: contentions out of [95%, 100%] of the truth")
    if not t["wait_ns"] - 100e3 * t["contentions"] <= d <= 1.01 * t["wait_ns"]:
        bad(f"{s}: delay out of [truth - 100 us a contention, truth + 1%]")
    if abs(share_p - share_t) > 0.03:
        bad(f"{s}: share off by more than 3 points")
    if not any(s in fr and "main" in fr for _, fr in prof["samples"]):
        bad(f"{s}: no stack from main through it")
l = stats["types"]["lock"]
print(f"{l['calls']} pthread_mutex_lock calls, dropped {stats['dropped']}, "
      f"symbolized {l['frames_symbolized_pct']:.1f}%")
if stats["dropped"] or l["frames_symbolized_pct"] < 99:
    bad("drops or unnamed frames")
sys.exit(0 if ok else 1)
PY
exit 0
