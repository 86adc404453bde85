# The ground-truth workloads alloc, lock and offcpu: each runs ~1 s and prints one line of
# truth JSON whose internal consistency holds, stops cleanly on SIGTERM, and, where perf and
# root allow, agrees with an independent count made outside the process.
#
# Bounds, and why they hold on a loaded machine:
# - alloc: exact.  bytes = objects x size per site, frees + live = objects, the libc call
#   counts add up to the units, the mix follows the weights (a weighted round-robin, exact per
#   cycle), and after 1 s every live ring is full, so the in-use shares are exactly
#   size / sum(sizes).  Cross-check: uprobes on malloc/calloc/realloc in the target's libc
#   (perf probe + perf stat) count the workload's own calls plus what glibc makes itself
#   (stdout's buffer: 1 malloc; each extra thread's TLS: 1 calloc), so 0..threads+4 more.
# - lock: exact counts.  The leader holds the mutex until every other thread has failed its
#   trylock, so each site has exactly rounds x (threads-1) contentions, and the waits are at
#   least hold x (1 + 2 + .. + threads-1) per round.  Wake-up latency only adds, so the site
#   with 4x the hold waits longer (idle: ~265 vs ~100 us per contention; with three CPU hogs
#   ~300 vs ~130).  That holds for sleeping holds (the default) only: a spinning holder is
#   preempted on a loaded machine (three hogs: 306 vs 463 us), so spin is checked for counts
#   and lower bounds, not for the order.  Cross-check:
#   pthread_mutex_lock is called only after a failed trylock, so a uprobe on it counts the
#   contentions plus glibc's own few (one per thread at exit), 0..threads+2 more.
# - offcpu: each block lasts at least its duration, exactly (absolute deadlines); what it
#   lasts beyond is wake-up latency: 30-70 us on average idle, up to ~330 us with three CPU hogs
#   on this 2-CPU VM (single blocks up to 28 ms), so the mean may exceed the duration by at
#   most 1 ms + 50%.  Cross-check: perf stat's context-switches (all the process's threads)
#   is at least the number of blocks (the workload's own voluntary-switch count can fall a
#   little short: a deadline can pass while the thread is preempted).
. "$ROOT/tests/lib.sh"
cd "$T"
W=$BUILD/workloads
for w in alloc lock offcpu; do
	[ -x "$W/$w" ] || fail "$W/$w is not built"
done

# truth OUT NAME ARGS...: run workload NAME, its stdout in OUT; one line of JSON.
truth() {
	o=$1 name=$2; shift 2
	"$W/$name" "$@" > "$o" 2> "$o.err" || fail "$name $* exited $?: $(cat "$o.err")"
	[ "$(wc -l < "$o")" -eq 1 ] || fail "$name $*: want one line of JSON, got:
$(cat "$o")"
}

# check FILE...: run the Python checks on stdin over the files.
check() { python3 - "$@" || fail "$1: the truth does not hold together (above)"; }

truth alloc.json alloc --duration 1 --threads 2
check alloc.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
S, threads, live = d["sites"], d["threads"], d["live"]
size = {"alloc_small": 64, "alloc_medium": 1024, "alloc_large": 16384, "alloc_grow": 4096, "alloc_seed": 256}
call = {"alloc_small": "malloc", "alloc_medium": "calloc", "alloc_large": "malloc", "alloc_grow": "realloc", "alloc_seed": "malloc"}
mix = ["alloc_small", "alloc_medium", "alloc_large", "alloc_grow"]
bad = []
def want(ok, msg):
    if not ok: bad.append(msg)
want(sorted(S) == sorted(size), f"sites {sorted(S)}")
for n, s in S.items():
    want(s["size"] == size[n] and s["call"] == call[n], f"{n}: size/call {s['size']} {s['call']}")
    want(s["bytes"] == s["objects"] * s["size"], f"{n}: bytes {s['bytes']} != {s['objects']} x {s['size']}")
    want(s["live_bytes"] == s["live_objects"] * s["size"], f"{n}: live_bytes")
    want(s["frees"] + s["live_objects"] == s["objects"], f"{n}: frees + live != objects")
    want(s["objects"] > 0, f"{n}: no objects")
seed, grow = S["alloc_seed"], S["alloc_grow"]
want(seed["objects"] == grow["objects"] and seed["live_objects"] == 0, "alloc_seed does not follow alloc_grow")
for n in mix:   # 1 s fills every ring: the in-use profile is the designed one
    want(S[n]["live_objects"] == live * threads, f"{n}: live {S[n]['live_objects']}, want {live * threads}")
calls = {c: sum(s["objects"] for n, s in S.items() if call[n] == c) for c in ("malloc", "calloc", "realloc")}
for c, v in calls.items():
    want(d["libc_calls"][c] == v, f"libc_calls.{c} {d['libc_calls'][c]} != {v}")
want(d["units"] == sum(calls.values()), f"units {d['units']} != allocation calls {sum(calls.values())}")
want(d["libc_calls"]["free"] == sum(s["frees"] for s in S.values()) - seed["frees"], "libc_calls.free")
for k in ("objects", "bytes", "frees", "live_objects", "live_bytes"):
    want(d["totals"][k] == sum(s[k] for s in S.values()), f"totals.{k}")
fam = {"alloc_objects": "objects", "alloc_space": "bytes", "inuse_objects": "live_objects", "inuse_space": "live_bytes"}
for f, k in fam.items():
    sh = d["shares"][f]
    want(abs(sum(sh.values()) - 1) < 1e-5, f"shares.{f} sum to {sum(sh.values())}")
    for n in S:
        want(abs(sh[n] - S[n][k] / d["totals"][k]) < 1e-6, f"shares.{f}.{n}")
weights = {n: S[n]["weight"] for n in mix}
mixed = sum(S[n]["objects"] for n in mix)
for n in mix:
    want(abs(S[n]["objects"] / mixed - weights[n] / sum(weights.values())) < 1e-3, f"{n}: objects off the mix")
    inuse = size[n] / sum(size[m] for m in mix)
    want(abs(d["shares"]["inuse_space"][n] - inuse) < 1e-5, f"{n}: inuse_space {d['shares']['inuse_space'][n]} != {inuse:.6f}")
print(f"alloc: {d['units']} allocations in 1 s on {threads} threads; alloc_space " +
      ", ".join(f"{n} {v:.3f}" for n, v in d["shares"]["alloc_space"].items()))
for m in bad: print("alloc: FAIL: " + m)
sys.exit(1 if bad else 0)
PY

truth lock.json lock --duration 1
truth lock3.json lock --duration 0.5 --threads 3 --hold-us 100,30
truth lockspin.json lock --duration 0.5 --hold-mode spin
check lock.json lock3.json lockspin.json <<'PY'
import json, sys
bad = []
for path in sys.argv[1:]:
    d = json.load(open(path))
    N, R, S = d["threads"], d["rounds"], d["sites"]
    def want(ok, msg):
        if not ok: bad.append(f"{path}: {msg}")
    want(R > 0, "no rounds")
    for n, s in S.items():
        h = s["hold_us"] * 1000
        want(s["acquisitions"] == R * N, f"{n}: {s['acquisitions']} acquisitions, want {R * N}")
        want(s["contentions"] == R * (N - 1), f"{n}: {s['contentions']} contentions, want {R * (N - 1)}")
        want(s["wait_ns"] >= R * h * N * (N - 1) // 2, f"{n}: wait {s['wait_ns']} ns < the holds' {R * h * N * (N - 1) // 2}")
        want(s["wait_max_ns"] >= h * (N - 1), f"{n}: wait_max")
        want(s["hold_ns"] >= s["acquisitions"] * h, f"{n}: hold {s['hold_ns']} ns < {s['acquisitions']} x {h}")
    for k in ("acquisitions", "contentions", "wait_ns", "hold_ns"):
        want(d["totals"][k] == sum(s[k] for s in S.values()), f"totals.{k}")
    want(d["units"] == d["totals"]["acquisitions"], "units != acquisitions")
    for f, k in (("contentions", "contentions"), ("delay", "wait_ns")):
        want(abs(sum(d["shares"][f].values()) - 1) < 1e-5, f"shares.{f} do not sum to 1")
        for n in S:
            want(abs(d["shares"][f][n] - S[n][k] / d["totals"][k]) < 1e-6, f"shares.{f}.{n}")
    a, b = S["lock_site_a"], S["lock_site_b"]
    # Spinning holders are preempted on a loaded machine: then scheduling decides the waits.
    if d["hold_mode"] == "sleep":
        want(a["wait_ns"] > b["wait_ns"], f"lock_site_a (hold {a['hold_us']} us) waits no longer than lock_site_b (hold {b['hold_us']} us)")
    print(f"lock ({N} threads, {d['hold_mode']} {a['hold_us']},{b['hold_us']} us): {R} rounds; wait per contention " +
          ", ".join(f"{n} {s['wait_ns'] / s['contentions'] / 1e3:.0f} us" for n, s in S.items()) +
          f"; delay shares {', '.join(f'{v:.3f}' for v in d['shares']['delay'].values())}")
for m in bad: print("lock: FAIL: " + m)
sys.exit(1 if bad else 0)
PY

truth offcpu.json offcpu --duration 1 --threads 2
check offcpu.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
S, threads = d["sites"], d["threads"]
bad = []
def want(ok, msg):
    if not ok: bad.append(msg)
for n, s in S.items():
    dur = s["block_us"] * 1000
    want(s["count"] > 0, f"{n}: no blocks")
    if not s["count"]: continue
    mean = s["blocked_ns"] / s["count"]
    want(s["min_ns"] >= dur, f"{n}: a block of {s['min_ns']} ns is shorter than its {dur} ns")
    want(mean <= dur * 1.5 + 1e6, f"{n}: mean block {mean:.0f} ns exceeds {dur} ns by more than 1 ms + 50%")
    print(f"offcpu: {n}: {s['count']} x {s['block_us']} us, mean {mean / 1e3:.0f} us, max {s['max_ns'] / 1e3:.0f} us")
counts = [s["count"] for s in S.values()]
want(max(counts) - min(counts) <= threads, f"site counts {counts} are not round-robin")
want(d["count"] == sum(counts) == d["units"], "count, units and the sites' counts disagree")
want(d["blocked_ns"] == sum(s["blocked_ns"] for s in S.values()), "blocked_ns != the sites' sum")
want(d["blocked_ns"] <= d["wall_ns"] and 0 < d["cpu_ns"] <= d["wall_ns"], "blocked or CPU time exceeds the threads' wall time")
for f, k, total in (("offcpu", "blocked_ns", d["blocked_ns"]), ("blocks", "count", d["count"])):
    want(abs(sum(d["shares"][f].values()) - 1) < 1e-5, f"shares.{f} do not sum to 1")
    for n in S:
        want(abs(d["shares"][f][n] - S[n][k] / total) < 1e-6, f"shares.{f}.{n}")
print(f"offcpu: offcpu shares " + ", ".join(f"{n} {v:.3f}" for n, v in d["shares"]["offcpu"].items()) +
      f"; {d['voluntary_switches']} voluntary switches for {d['count']} blocks")
for m in bad: print("offcpu: FAIL: " + m)
sys.exit(1 if bad else 0)
PY

# A stop signal ends each workload with its truth and exit 0; bad input is one line, exit 2.
for w in alloc lock offcpu; do
	"$W/$w" > "$w.term" 2>&1 & pid=$!
	sleep 0.3
	kill -TERM $pid; wait $pid; rc=$?
	[ $rc -eq 0 ] || fail "$w: exit $rc after SIGTERM: $(cat "$w.term")"
	python3 -c "import json,sys; sys.exit(json.load(open('$w.term'))['units'] <= 0)" ||
		fail "$w: no truth with units after SIGTERM: $(cat "$w.term")"
	expect_exit 2 "$W/$w" --threads x
	one_line; contains "$w: --threads x: expected"
done
# list options: an empty field, too many or too few values, a value out of range
for bad in "cpu --split 70,,30" "cpu --split 100," "cpu --split 50,40" "alloc --mix 1,2,3" \
	"alloc --mix 0,0,0,0" "lock --hold-us ,100" "lock --hold-us 5,5,5,5,5" "lock --hold-us 0"; do
	set -- $bad
	expect_exit 2 "$W/$1" "$2" "$3"
	one_line; contains "^$1: $2 $3: expected"
done

# Independent counts, from outside the process: uprobes and perf stat (root only).
if [ "$(id -u)" -ne 0 ] || ! command -v perf >/dev/null 2>&1; then
	echo "cross-checks skipped: they need root and perf"
	exit 0
fi
LIBC=$(ldd "$W/alloc" | awk '$1 ~ /^libc\.so/ { print $3 }')
G=tare_truth_$$
trap 'perf probe -q -d "$G:*" >/dev/null 2>&1' EXIT
probes=1
for f in malloc calloc realloc pthread_mutex_lock; do
	perf probe -q -x "$LIBC" -a "$G:$f=$f" > probe.err 2>&1 || probes=0
done
if [ $probes -eq 1 ]; then
	perf stat -x, -o alloc.stat -e "$G:malloc,$G:calloc,$G:realloc" -- \
		"$W/alloc" --units 100000 --threads 2 > alloc.units.json ||
		fail "perf stat alloc exited $?"
	perf stat -x, -o lock.stat -e "$G:pthread_mutex_lock" -- \
		"$W/lock" --units 800 --threads 2 > lock.units.json || fail "perf stat lock exited $?"
	check alloc.units.json alloc.stat lock.units.json lock.stat <<'PY'
import json, sys
def counts(path):
    c = {}
    for line in open(path):
        f = line.strip().split(",")
        if len(f) > 2 and ":" in f[2]:
            c[f[2].split(":")[1]] = int(f[0]) if f[0].isdigit() else -1
    return c
bad = []
a, ac = json.load(open(sys.argv[1])), counts(sys.argv[2])
for f in ("malloc", "calloc", "realloc"):
    extra = ac.get(f, -1) - a["libc_calls"][f]
    print(f"alloc: uprobe {f} {ac.get(f)} vs truth {a['libc_calls'][f]} (+{extra})")
    if not 0 <= extra <= a["threads"] + 4: bad.append(f"alloc: uprobe count of {f} off by {extra}")
l, lc = json.load(open(sys.argv[3])), counts(sys.argv[4])
extra = lc.get("pthread_mutex_lock", -1) - l["totals"]["contentions"]
print(f"lock: uprobe pthread_mutex_lock {lc.get('pthread_mutex_lock')} vs {l['totals']['contentions']} contentions (+{extra})")
if not 0 <= extra <= l["threads"] + 2: bad.append(f"lock: uprobe count off by {extra}")
for m in bad: print("FAIL: " + m)
sys.exit(1 if bad else 0)
PY
else
	echo "uprobe cross-checks skipped: perf probe -x $LIBC failed: $(head -n 1 probe.err)"
fi
perf stat -x, -o offcpu.stat -e context-switches -- "$W/offcpu" --units 300 --threads 2 \
	> offcpu.units.json || fail "perf stat offcpu exited $?"
cs=$(awk -F, '$3 == "context-switches" { print $1 }' offcpu.stat)
case $cs in ''|*[!0-9]*) fail "perf stat -e context-switches gave '$cs': $(cat offcpu.stat)" ;; esac
[ "$cs" -ge 300 ] || fail "offcpu: $cs context switches for 300 blocks"
echo "offcpu: $cs context switches for 300 blocks"
exit 0
