# SIGKILL of tare (a CI job killed on timeout) leaves nothing running for long, and nothing at
# all after the next run or `tare clean`:
#   - tare's own children (the workload, the load driver, the profiler: perf record, or the
#     eBPF sampler with its programs and links) die with it (PR_SET_PDEATHSIG);
#   - what those forked in turn (here a profiler's background `sleep`) is found by its cgroup:
#     `tare clean`, or the next run's start, kills it and removes every cgroup of the dead run,
#     saying so in one line;
#   - a workload held at its start gate when tare dies never starts.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
[ -d /sys/fs/cgroup/cpuacct ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no cgroup hierarchy here"
mark=307.$$   # a sleep only this test starts
cat > forker.lua <<LUA
return { description = "a profiler whose child outlives it",
  command = function() return { "sh", "-c", "sleep $mark & wait" } end }
LUA
cat > k.lua <<'LUA'
local o = options { prof = { "profiler", "perf" } }
experiment { name = "killed", workload = { "server", rate = 500 }, profilers = { "off", { o.prof } },
  blocks = 20, warmup = 0.2, duration = 2 }
LUA

# wait_for PATTERN: until a process matching PATTERN (pgrep -f) runs, then a little longer
wait_for() {
	for i in $(seq 1 600); do
		pgrep -f "$1" >/dev/null && { sleep 0.3; return 0; }
		sleep 0.05
	done
	fail "no process '$1' after 30 s: $(cat "$T/out")"
}
# procs_of PID: processes still in the dead run's cgroups
procs_of() { cat $(find /sys/fs/cgroup -maxdepth 6 -path "*tare-$1-*" -name cgroup.procs 2>/dev/null) /dev/null 2>/dev/null | sort -u; }

# 1. perf, and a profiler with a child of its own: tare clean cleans up
for prof in perf forker.lua; do
	command -v perf >/dev/null || [ "$prof" != perf ] || continue
	rm -rf results
	tare_bg run k.lua prof=$prof --no-report
	if [ "$prof" = perf ]; then wait_for "^perf record.*results/.*-killed/"; else wait_for "sleep $mark"; fi
	kill -KILL $pid; wait $pid 2>/dev/null
	sleep 0.5
	left=$(procs_of $pid)
	if [ "$prof" = perf ]; then
		[ -z "$left" ] || fail "$prof: processes outlived tare: $(ps -o pid,args -p "$(echo $left | tr ' ' ,)")"
	else
		# tare's child died; its own child is still there, in the profiler's cgroup
		[ -n "$left" ] || fail "$prof: the profiler's child died with tare (the test needs it alive)"
		for p in $left; do
			grep -q "sleep" /proc/$p/cmdline 2>/dev/null || fail "$prof: a process of tare's own outlived it: $(cat /proc/$p/cmdline | tr '\0' ' ')"
		done
	fi
	[ -n "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "tare-$pid-*")" ] || fail "$prof: no cgroup of the killed run to clean (the test needs one)"
	expect_exit 0 "$TARE" clean
	contains "cleaned up after 1 tare run that died (PID $pid)"
	contains "removed [1-9][0-9]* cgroups"
	[ "$prof" = perf ] || contains "killed 1 process,"
	no_leftovers $pid
	pgrep -f "sleep $mark" >/dev/null && fail "$prof: the profiler's child is still running after tare clean"
	expect_exit 0 "$TARE" clean
	contains "nothing to clean"
done

# 2. the eBPF sampler: its programs and links go with it; the next run sweeps the cgroups
out=$("$TARE" sample --bpf -t cpu -o probe.pb.gz -- true 2>&1); rc=$?
if [ $rc -eq 0 ]; then
	rm -rf results
	tare_bg run k.lua prof=ref-bpf --no-report
	wait_for "sample --bpf.*-p [0-9]"
	kill -KILL $pid; wait $pid 2>/dev/null
	i=0
	while found=$(python3 "$ROOT/tests/cli/bpf_leftover.py") && [ -n "$found" ]; do
		i=$((i + 1)); [ $i -lt 30 ] || fail "ref-bpf: BPF objects outlived the killed run: $found"
		sleep 0.1
	done
	cat > quick.lua <<'LUA'
experiment { name = "quick", workload = { "cpu" }, profilers = { "off" }, blocks = 2, warmup = 0, duration = 0.1 }
LUA
	expect_exit 0 "$TARE" run quick.lua --no-report
	contains "cleaned up after 1 tare run that died (PID $pid)"
	no_leftovers $pid
fi

# 3. a workload held at its gate never starts when tare dies there: the profiler takes 10 s to
#    be ready, tare is killed meanwhile
cat > slow.lua <<'LUA'
return { description = "ready after 10 s", command = function() return { "sleep", "60" } end,
  ready = { delay = 10 } }
LUA
cat > g.lua <<LUA
experiment { name = "gate", workload = { "cpu" }, profilers = { "off", { "slow.lua" } },
  blocks = 1, warmup = 0, duration = 0.1, seed = 3 }
LUA
rm -rf results
tare_bg run g.lua --no-report
for i in $(seq 1 200); do
	pgrep -P $pid -x sleep >/dev/null && break
	sleep 0.05
done
w=$(ls -d results/*-gate/trials/* 2>/dev/null | tail -n 1)
kill -KILL $pid; wait $pid 2>/dev/null
sleep 0.3
[ -z "$(procs_of $pid)" ] || fail "the gated workload or the profiler outlived tare: $(procs_of $pid)"
[ -z "$w" ] || [ ! -s "$w/workload.err" ] || fail "the gated workload ran: $(cat "$w/workload.err")"
"$TARE" clean >/dev/null
no_leftovers $pid
exit 0
