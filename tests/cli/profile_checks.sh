# What a run checks about itself:
#   - each profiler's recording is counted (profile_samples): perf on the workload records
#     samples, a perf recording something else records none, and the run says UNRELIABLE; and
#     held against what its rate gives over the workload's CPU (profile_expected): one that took
#     under a quarter of it is UNRELIABLE too;
#     the share of perf's samples in its own frames is beside its cost (profile_self_pct);
#   - perf's and tare's own sampler's stacks held against the cpu workload's known split, 70/20/10
#     (profile_parts, and a line in the summary); ref's, validated accurate (sample_cpu.sh), must
#     be within the sampling bound: 4.4 SE + 1 point, where ~700 samples make SE 1.7 points
#     for cpu_hot: a correct sampler falls outside with probability ~3e-5 (the point covers the
#     workload's own wander, ~0.5 points: workloads/cpu.c);
#   - a workload still warming up through its measured window is "not steady": its CPU per
#     second falls from up to a CPU in the first half of the window to its wake-ups alone in the
#     second (a log ratio of 4 or more, where a 99.9% interval over 6 trials is about +-1.5 wide
#     even with the machine loaded 4 to 1); a steady one (the cpu workload) is not.
. "$ROOT/tests/lib.sh"
need_root
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
cat > elsewhere.lua <<'LUA'
-- perf recording a command of its own, not the workload: it costs, and profiles nothing
return { description = "perf on the wrong process",
  command = function(o, t) return { "perf", "record", "--quiet", "-F", "99", "-o", t.dir .. "/perf.data", "--", "sleep", "600" } end,
  samples = { command = { "perf", "report", "--stats", "-i", "{dir}/perf.data" }, match = "SAMPLE events: *([0-9]+)" },
  stop = { signal = "INT", grace = 10 } }
LUA
cat > overclaim.lua <<'LUA'
-- perf on the workload at 99 Hz, claiming a rate of 9900 a CPU-second: it takes 1% of what it claims
return { description = "perf that claims 100 times its rate",
  command = function(o, t) return { "perf", "record", "--quiet", "-F", "99", "-p", t.pids, "-o", t.dir .. "/perf.data" } end,
  ready = { perf_event_mmaps = 1, timeout = 15 },
  samples = { command = { "perf", "report", "--stats", "-i", "{dir}/perf.data" }, match = "SAMPLE events: *([0-9]+)", per_cpu_s = 9900 },
  stop = { signal = "INT", grace = 10 } }
LUA
cat > checks.lua <<'LUA'
experiment { name = "checks", workload = { "cpu" },
  profilers = { "off", { "perf", hz = 499 }, { "./elsewhere.lua" }, { "ref", hz = 499 }, { "./overclaim.lua" } },
  blocks = 2, warmup = 0.2, duration = 0.5 }
LUA
expect_exit 0 "$TARE" run checks.lua --no-report
contains "UNRELIABLE: ./elsewhere.lua recorded no samples in 2 of its 2 trials"
printf '%s\n' "$out" | grep -q "UNRELIABLE: perf" && fail "perf on the workload was flagged: $out"
# what a rate promises over the workload's measured CPU (profile_expected): perf and ref at 499
# Hz on a CPU burner take at least that (they sample the warm-up too, and the cpu workload never
# sleeps: 0.5 s of CPU is ~250 due); the one claiming 100 times its rate is flagged
contains "UNRELIABLE: ./overclaim.lua recorded under a quarter of the samples its rate (9900 a CPU-second) gives over the workload's measured CPU in 2 of its 2 trials"
printf '%s\n' "$out" | grep -q "UNRELIABLE: ref.*under a quarter" && fail "ref on the workload was flagged: $out"
[ "$(json "results/$(ls results | grep -- -checks)/results.json" "all(t['profile_expected'] > 100 and t['profile_samples'] >= 0.5 * t['profile_expected'] for t in d['trials'] if t['config'] in (1, 3))")" = True ] ||
	fail "perf's and ref's samples against their rate: $(json "results/$(ls results | grep -- -checks)/results.json" "[(t['config'], t['profile_samples'], t['profile_expected']) for t in d['trials']]")"
r=$(ls -d results/*-checks)
[ "$(json "$r/results.json" "min(t['profile_samples'] for t in d['trials'] if t['config'] == 1)")" -gt 0 ] ||
	fail "perf at 499 Hz over 0.7 s recorded nothing: $(json "$r/results.json" "[t['profile_samples'] for t in d['trials']]")"
[ "$(json "$r/results.json" "[t['profile_samples'] for t in d['trials'] if t['config'] == 2]")" = "[0, 0]" ] ||
	fail "the misdirected perf: $(json "$r/results.json" "[t['profile_samples'] for t in d['trials']]")"
[ "$(json "$r/results.json" "[t['profile_samples'] for t in d['trials'] if t['config'] == 0]")" = "[None, None]" ] ||
	fail "off has no profiler to count"
[ "$(json "$r/results.json" "all(t['profile_self_pct'] is not None and 0 <= t['profile_self_pct'] <= 100 for t in d['trials'] if t['config'] == 1)")" = True ] ||
	fail "perf's own frames: $(json "$r/results.json" "[t['profile_self_pct'] for t in d['trials']]")"
contains "perf hz=499: .* of its samples are in its own frames; it costs"
head -1 "$r/trials.csv" | grep -q profile_samples || fail "trials.csv lacks profile_samples"
# the stacks against the known split: counted per trial for perf and ref, none for the others
[ "$(json "$r/results.json" "[w['truth_parts'] for w in d['workloads']]")" = \
	"[[{'name': 'cpu_hot', 'pct': 70.0}, {'name': 'cpu_warm', 'pct': 20.0}, {'name': 'cpu_cold', 'pct': 10.0}]]" ] ||
	fail "the cpu workload's known split: $(json "$r/results.json" "d['workloads']")"
[ "$(json "$r/results.json" "all(len(t['profile_parts']) == 3 and sum(t['profile_parts']) > 0 if t['config'] in (1, 3) else t['profile_parts'] is None for t in d['trials'])")" = True ] ||
	fail "profile_parts: $(json "$r/results.json" "[(t['config'], t['profile_parts']) for t in d['trials']]")"
head -1 "$r/trials.csv" | grep -q profile_parts || fail "trials.csv lacks profile_parts"
contains "perf hz=499: profile vs the known split: cpu_hot [0-9.]*% (70), cpu_warm [0-9.]*% (20), cpu_cold [0-9.]*% (10) over [0-9]* samples: max error"
contains "ref hz=499: profile vs the known split: cpu_hot .* over [0-9]* samples: max error [0-9.]* points, within the sampling bound (4.4 SE + 1 = "
printf '%s\n' "$out" | grep -q "not steady" && fail "the cpu workload was called not steady: $out"

# a workload that is still warming up: all of a CPU for 1.1 s from its fork, then asleep; the window
# is 0.5-1.5 s after its release (timed from the fork, not from when the interpreter is up: that
# took 0.4 s and more on a loaded machine, and would leave no busy phase in the window at all)
cat > warming.py <<'PY'
import os, time
since = float(open("/proc/uptime").read().split()[0]) - \
    int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
until = time.monotonic() + 1.1 - since
while True:
    busy = 0.02 if time.monotonic() < until else 0
    end = time.monotonic() + busy
    while time.monotonic() < end:
        pass
    time.sleep(0.02 - busy)
PY
# the interpreter itself, not a wrapper that starts it (pyenv's shim takes ~0.1 s)
py=$(python3 -c 'import sys; print(sys.executable)')
cat > warm.lua <<LUA
experiment { name = "warm", workload = { "command", cmd = "$py $T/warming.py", ready = "start", load = "none" },
  profilers = { "off" }, blocks = 6, warmup = 0.5, duration = 1.0 }
LUA
expect_exit 0 "$TARE" run warm.lua --no-report
contains "off: not steady: CPU per unit in the first half of each measured window is +"
exit 0
