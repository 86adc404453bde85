# tare sample --bpf leaves nothing attached: no BPF program, link or map of its own (all named
# tare_*) outlives it — after a normal run, a run that fails half-way through attaching, -p of a
# process that exits at once, SIGINT (with every type attached, outputs written, exit 0; and to
# a command that is never sampled) and SIGKILL.  Also: -p follows a process
# and ends when it exits, and `go tool pprof -top` reads every type's profile (skipped without
# go).
#
# What "left" means: a tare_* program or map, or a link of such a program, that no process
# holds (pinned, or leaked) or that a process of this test holds — the sampler, or its target
# through an inherited descriptor.  Holders come from /proc/*/fdinfo (bpftool here is built
# without its "pids" column); others running tare --bpf at the same time hold their own, and
# are not counted.  The kernel frees a program shortly after its last descriptor is closed
# (RCU), so each check waits up to 3 s.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
command -v bpftool >/dev/null 2>&1 || [ -x /usr/sbin/bpftool ] || skip "bpftool is not installed"
out=$("$TARE" sample --bpf -t cpu -o probe.pb.gz -- true 2>&1); rc=$?
[ $rc -eq 0 ] || { [ $rc -eq 3 ] && skip "the eBPF sampler cannot run here: $out"; fail "probe run exited $rc: $out"; }
CPU=$BUILD/workloads/cpu
LOCK=$BUILD/workloads/lock

# check_clean WHAT PIDS...: nothing of the sampler's left (tests/cli/bpf_leftover.py).
check_clean() {
	what=$1; shift
	i=0
	while :; do
		found=$(python3 "$ROOT/tests/cli/bpf_leftover.py" "$@")
		[ -z "$found" ] && return 0
		i=$((i + 1))
		[ $i -lt 30 ] || fail "$what: left attached:
$found"
		sleep 0.1
	done
}

# 1. a normal run, every type, on a command
"$TARE" sample --bpf -t cpu,offcpu,lock,alloc -o n.pb.gz --folded n.folded -- \
	"$LOCK" --duration 1 > /dev/null 2> err1 & s=$!
wait $s || fail "normal run exited $?: $(cat err1)"
check_clean "after a normal run" $s
for ty in cpu offcpu lock alloc; do
	[ -s n.$ty.pb.gz ] && [ -e n.$ty.folded ] || fail "no $ty outputs after a normal run: $(ls)"
done

# 2. a run that fails after attaching part of it: cpu and offcpu attach, then lock finds no
#    glibc in a kernel thread (kthreadd, pid 2) and gives up — exit 3, one line
expect_exit 3 "$TARE" sample --bpf -t cpu,offcpu,lock -o f.pb.gz -p 2
one_line; contains "maps no glibc"
check_clean "after a failed run"

# 2b. -p of a process that exits at once (while the programs load, or are attached): exit 0 with
#     empty profiles, or 2 when it is gone before the sampler looks — nothing left either way
for d in 0.02 0.1 0.3; do
	sleep $d & w=$!
	"$TARE" sample --bpf -t cpu,offcpu,lock,alloc -p $w -o g.pb.gz > /dev/null 2> err2b & s=$!
	wait $s; rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 2 ] || fail "-p of a process that exits after $d s: exit $rc: $(cat err2b)"
	wait $w
	check_clean "after -p of a process that exited after $d s" $s
done

# 3. -p PID and a process that exits: the sampler ends by itself, exit 0
"$CPU" --duration 1 > /dev/null & w=$!
"$TARE" sample --bpf -t cpu,offcpu -p $w --folded e.folded 2> err3 & s=$!
i=0
while kill -0 $s 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { kill $s; fail "still running 10 s after its process"; }
	sleep 0.1
done
wait $s || fail "-p of an exiting process: exit $?: $(cat err3)"
wait $w
grep -q cpu_hot e.cpu.folded || fail "no samples of the exited process: $(cat e.cpu.folded)"
check_clean "after its process exited" $s $w

# 4. SIGINT while every type is attached: outputs written, exit 0
"$LOCK" --duration 30 > /dev/null & w=$!
"$TARE" sample --bpf -t cpu,offcpu,lock,alloc -p $w -o i.pb.gz --folded i.folded 2> err4 & s=$!
i=0
until grep -q '^tare-sample: ready$' err4 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { kill $s $w; fail "not ready after 10 s: $(cat err4)"; }
	sleep 0.1
done
sleep 1
kill -INT $s
wait $s; rc=$?
[ $rc -eq 0 ] || { kill $w; fail "SIGINT: exit $rc, want 0: $(cat err4)"; }
check_clean "after SIGINT" $s
kill -0 $w 2>/dev/null || fail "the target died with the sampler"
grep -q lock_site_a i.lock.folded || { kill $w; fail "no lock stacks after SIGINT: $(cat i.lock.folded)"; }
kill $w; wait $w 2>/dev/null

# 4b. SIGINT to a command that is never sampled (a sleep): the sampler idles while it waits (a
#     settled exec with no keys once kept its loop waking at once: a core's worth of CPU, and
#     SIGINT never landed), then stops the command with SIGTERM and exits with its status
"$TARE" sample --bpf -t cpu -o z.pb.gz --stats z.json -- sleep 30 2> errz & s=$!
i=0
until grep -q '^tare-sample: ready$' errz 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { pkill -KILL -P $s; kill -KILL $s; fail "not ready after 10 s: $(cat errz)"; }
	sleep 0.1
done
sleep 2
kill -INT $s
i=0
while kill -0 $s 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { pkill -KILL -P $s; kill -KILL $s; fail "SIGINT to a sampler with a sleeping command: still running after 10 s"; }
	sleep 0.1
done
wait $s; rc=$?
[ $rc -eq 143 ] || fail "SIGINT with a command: exit $rc, want 143 (its SIGTERM): $(cat errz)"
check_clean "after SIGINT with a command" $s
python3 - z.json <<'PY' || fail "the sampler was busy while nothing ran: $(cat z.json)"
import json, sys
d = json.load(open(sys.argv[1]))
busy = d["sampler_run_cpu_ns"] - d["flush_cpu_ns"]
print(f"loop CPU {busy / 1e6:.1f} ms over {d['wall_ns'] / 1e6:.0f} ms")
assert busy < 0.25 * d["wall_ns"]
PY

# 5. SIGKILL: the kernel detaches everything with the last descriptor
"$CPU" --duration 30 > /dev/null & w=$!
"$TARE" sample --bpf -t cpu,alloc -p $w -o k.pb.gz 2> err5 & s=$!
i=0
until grep -q '^tare-sample: ready$' err5 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { kill $s $w; fail "not ready after 10 s: $(cat err5)"; }
	sleep 0.1
done
kill -KILL $s
wait $s 2>/dev/null
check_clean "after SIGKILL" $s
kill $w; wait $w 2>/dev/null

# every type's profile opens in pprof
if command -v go >/dev/null 2>&1; then
	for ty in cpu offcpu lock alloc; do
		HOME=${HOME:-$T} GOCACHE=$T/gocache go tool pprof -top i.$ty.pb.gz > top.$ty 2> top.err ||
			fail "go tool pprof cannot read the $ty profile: $(cat top.err)"
	done
	grep -q '^Type: delay' top.lock || fail "lock profile: $(head -5 top.lock)"
	grep -q 'lock_site_a' top.lock || fail "lock profile has no lock_site_a: $(cat top.lock)"
	grep -q '^Type: off-cpu' top.offcpu || fail "offcpu profile: $(head -5 top.offcpu)"
	grep -q '^Type: alloc_space' top.alloc || fail "alloc profile: $(head -5 top.alloc)"
else
	echo "go is not installed: pprof client not checked"
fi
exit 0
