# tare sample --bpf -t alloc against the ground-truth alloc workload: allocation calls and bytes
# counted exactly, and per site (alloc_small malloc 64, alloc_medium calloc 16x64, alloc_large
# malloc 16384, alloc_grow realloc to 4096, alloc_seed malloc 256) the sampled estimates of
# alloc_space, alloc_objects and inuse_space against the workload's own counts; the profile's
# sample types.  A sample every 32 KiB on average (--alloc-rate 32768), for enough samples in
# 3 s at the ~50,000 calls a second the uprobes leave the workload.
#
# Bounds, and why they hold on a noisy 2-CPU VM:
#   calls, bytes  exact, plus what glibc allocates itself (stdio's buffer: at most 16 calls and
#                 64 KiB); the probes see every call.
#   estimates     each allocation of s bytes is sampled on its own with P = 1 - exp(-s/N) and
#                 stands for s/P bytes and 1/P objects, so over n allocations the number of
#                 samples is Binomial(n, P) — sampling noise only, which the machine's load does
#                 not change (it slows the workload, not the sampling).  An estimate must lie
#                 within that binomial's central 1 - 2e-5 (15 checks: a correct sampler fails
#                 ~1 run in 3000), plus 1% (2% for in-use) of the truth.  Exact quantiles, not
#                 "4 standard errors": alloc_small's 64 live objects give 0.125 samples on
#                 average, where 2 samples (0.7% of runs) is 5 normal SEs from the truth.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
out=$("$TARE" sample --bpf -t alloc -o probe.pb.gz -- true 2>&1); rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 3 ] && skip "the eBPF sampler cannot run here: $out"; fail "probe run exited $rc: $out"; }
W=$BUILD/workloads/alloc
[ -x "$W" ] || skip "$W is not built yet"
# make sanitize: AddressSanitizer's malloc replaces glibc's in the workload, so there is nothing
# of glibc's to probe (and LeakSanitizer fails its deliberately live set at exit)
! nm -D "$W" 2>/dev/null | grep -q __asan_init || skip "$W is built with AddressSanitizer: its malloc is not glibc's"

"$TARE" sample --bpf -t alloc --alloc-rate 32768 -o p.pb.gz --folded f.folded --stats s.json \
	-- "$W" --duration 3 > truth.json 2> err || fail "tare sample --bpf exited $?: $(cat err)"
[ -s p.alloc.pb.gz ] && [ -s f.alloc.folded ] || fail "no outputs: $(ls)"
PYTHONPATH=$ROOT/tests/cli python3 - <<'PY' || exit 1
import json, math, sys, bpf_pprof
truth, stats = json.load(open("truth.json")), json.load(open("s.json"))
prof = bpf_pprof.load("p.alloc.pb.gz")
a = stats["types"]["alloc"]
N = a["mean_bytes"]
sites = list(truth["sites"])
ok = True
def bad(msg):
    global ok
    print("FAIL: " + msg); ok = False
want = [("alloc_objects", "count"), ("alloc_space", "bytes"), ("inuse_objects", "count"),
        ("inuse_space", "bytes")]
if prof["types"] != want or prof["default"] != "alloc_space" or prof["period"] != N:
    bad(f"sample types {prof['types']}, default {prof['default']}, period {prof['period']}")
calls = sum(truth["libc_calls"][c] for c in ("malloc", "calloc", "realloc"))
print(f"{a['calls']} calls, {a['bytes']} bytes seen vs truth {calls}, {truth['totals']['bytes']}; "
      f"{a['samples']} samples, {a['frees']} frees")
if not calls <= a["calls"] <= calls + 16:
    bad("calls not counted exactly")
if not truth["totals"]["bytes"] <= a["bytes"] <= truth["totals"]["bytes"] + 65536:
    bad("bytes not counted exactly")
got, _ = bpf_pprof.by_site(prof, sites)
def binomial_range(n, p, tail=1e-5):
    """The fewest and most samples of n trials at p outside of which lies at most tail each."""
    lo, hi, cdf = None, n, 0.0
    for k in range(n + 1):
        cdf += math.exp(math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) +
                        k * math.log(p) + (n - k) * math.log1p(-p))
        if lo is None and cdf > tail:
            lo = k
        if cdf >= 1 - tail:
            hi = k
            break
    return lo, hi
for s in sites:
    t = truth["sites"][s]
    size, n, live = t["size"], t["objects"], t["live_objects"]
    p = -math.expm1(-size / N)
    checks = [("alloc_space", got[s][1], t["bytes"], n, size / p, 0.01),
              ("alloc_objects", got[s][0], n, n, 1 / p, 0.01),
              ("inuse_space", got[s][3], t["live_bytes"], live, size / p, 0.02)]
    for name, est, true, trials, weight, slack in checks:
        lo, hi = binomial_range(trials, p)
        line = f"{s} {name}: {est} vs truth {true} ({est / weight:.1f} samples, {lo}..{hi} expected)"
        print(line)
        if not lo * weight - slack * true <= est <= hi * weight + slack * true:
            bad(line)
    if not any(s in fr and "main" in fr for _, fr in prof["samples"]):
        bad(f"{s}: no stack from main through it")
print(f"dropped {stats['dropped']} ({stats['drops']}), symbolized {a['frames_symbolized_pct']:.1f}%")
if stats["dropped"] or a["frames_symbolized_pct"] < 99:
    bad("drops or unnamed frames")
sys.exit(0 if ok else 1)
PY
exit 0
