#!/bin/sh
# scripts/profilers.sh — the comparison: every profiler tare can run here, each on the runtime it
# profiles, at 99 Hz, in one report.
#
#   scripts/profilers.sh [-o DIR] [-q]     10 minutes on a 2-CPU VM (every runtime); DIR/report/ has the lot
#
# One tare experiment per runtime (a script runs one workload's profilers), all in one report:
#   native  tare's C server: perf, ref and gperftools (toggled by a signal to the server) by
#           switchback with twins (a second server as the control), ref-bpf and bpftrace by
#           switchback (windows of one process), bcc's profile by process trials (it cannot be
#           switched), and
#           jemalloc's heap profiler on the same server running on jemalloc in both arms;
#   go      the Go service: its own runtime/pprof switched by a signal (switchback, twins), and Alloy's
#           pprof scrape by process trials;
#   java    the Java service: JFR switched on and off in windows of each warm JVM (a 12 s warm-up
#           for its JIT, then 6 pairs of 0.5 s windows; scripts/java.lua design=process weighs it
#           started at launch and by jcmd), async-profiler by process trials where installed;
#   node    the Node service: V8's profiler switched by a signal (switchback, twins), and the Pyroscope
#           Node SDK by process trials, flushing every second (its default is 15 s: in a window
#           of 2.5 s that would measure its sampling, never an upload).
# A runtime whose toolchain is missing is left out with a line saying what to install.  Every
# figure is CPU per request against the same experiment's baseline, with its interval; the
# summary's "own frames" lines hold each profiler's self-attributed share against its cost.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tare=$root/build/tare
out=results/profilers-$(date -u +%Y%m%dT%H%M%SZ)
quiet=""
while [ $# -gt 0 ]; do
	case "$1" in
	-o) out=$2; shift 2 ;;
	-q) quiet=-q; shift ;;
	-h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "profilers.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
	esac
done
[ -x "$tare" ] || { echo "profilers.sh: $tare is not built: run make" >&2; exit 3; }
mkdir -p "$out"
runs=""
can() { "$tare" list 2>/dev/null | awk -v n="$1" '$1 == n { print; exit }' | grep -qv 'cannot\|not installed\|not built'; }

# run NAME SCRIPT-TEXT: one experiment, its results directory added to the report
run() {
	printf '%s\n' "$2" > "$out/$1.lua"
	echo "profilers.sh: $1" >&2
	if "$tare" run "$out/$1.lua" $quiet --no-report -o "$out/runs"; then :; else
		echo "profilers.sh: $1 exited $?: its results are still reported" >&2
	fi
	runs="$runs $(ls -d "$out"/runs/*-"$1" | tail -n 1)"
}

# profilers: "name name ..." that tare can run here, as Lua specs at 99 Hz; the others named
at99() {
	l=""
	for p in $1; do can "$p" && l="$l { \"$p\", hz = 99 }," || echo "profilers.sh: $p left out: $("$tare" list 2>/dev/null | awk -v n="$p" '$1 == n' | head -n 1)" >&2; done
	printf '%s' "$l"
}
# Twins (docs/switchback.md) where the profiler's cost stays with the process it profiles: perf's
# and ref's per-task events, gperftools' timer inside the server.  bpftrace's profile:hz and
# ref-bpf's BPF programs fire on the CPU whichever process runs there, so a twin would share
# their cost: those by one process's windows.
sb=$(at99 "perf ref gperftools")
[ -n "$sb" ] && run native-twins "experiment { name = \"native-twins\", workload = { \"server\", rate = 2000 },
  profilers = { \"off\", $sb }, design = \"switchback\", twins = true, blocks = 6, warmup = 0.5, duration = 4, window = 0.5 }"
sb=$(at99 "ref-bpf bpftrace")
[ -n "$sb" ] && run native-switchback "experiment { name = \"native-switchback\", workload = { \"server\", rate = 2000 },
  profilers = { \"off\", $sb }, design = \"switchback\", blocks = 6, warmup = 0.5, duration = 6, window = 0.5 }"
np=$(at99 "bcc-profile")
[ -n "$np" ] && run native-process "experiment { name = \"native-process\", workload = { \"server\", rate = 2000 },
  profilers = { \"off\", $np }, blocks = 8, warmup = 0.5, duration = 1.5 }"
je=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
can jemalloc && [ -e "$je" ] && run native-jemalloc "experiment { name = \"native-jemalloc\", workload = { \"server\", rate = 2000, preload = \"$je\" },
  profilers = { \"off\", { \"jemalloc\" } }, blocks = 8, warmup = 0.5, duration = 1.5 }"
# the service's own runtime/pprof switched in each process (SIGUSR2: StartCPUProfile, StopCPUProfile);
# the scraper cannot be (a stretch would cut a profile of its own): process trials
can go-pprof && run go-switchback 'experiment { name = "go-switchback", workload = { "go", rate = 1000 },
  profilers = { "off", { "go-pprof", seconds = 2 } }, design = "switchback", twins = true, blocks = 6, warmup = 0.5, duration = 5, window = 0.5 }'
can go-pprof-scrape && run go 'experiment { name = "go", workload = { "go", rate = 1000 },
  profilers = { "off", { "go-pprof-scrape", interval = 3 } }, blocks = 6, warmup = 0.5, duration = 3.5 }'
jv=""
can async-profiler && jv='{ "async-profiler", interval = 10.1 },'
# JFR switched in each warm JVM (when = signal): process trials of fresh JVMs measured the JIT's
# uneven warm-up (+-25 points); async-profiler, where installed, in process trials beside it
can jfr && run java-switchback 'experiment { name = "java-switchback", workload = { "java", rate = 1000 },
  profilers = { "off", { "jfr", when = "signal" } }, design = "switchback", blocks = 6, warmup = 12, duration = 6,
  window = 0.5, guard = 0.1 }'
[ -n "$jv" ] && run java "experiment { name = \"java\", workload = { \"java\", rate = 1000 },
  profilers = { \"off\", $jv }, blocks = 6, warmup = 8, duration = 2 }"
# V8's profiler switched in each process (SIGUSR2: node:inspector's Profiler.start, stop); the
# Pyroscope SDK's stop is not one to call every window (0.6.4 throws from its timers): process trials
can node-cpu-prof && run node-switchback 'experiment { name = "node-switchback", workload = { "node", rate = 1000 },
  profilers = { "off", { "node-cpu-prof", hz = 99 } }, design = "switchback", twins = true, blocks = 6, warmup = 2, duration = 4, window = 0.5 }'
can pyroscope-node && run node 'experiment { name = "node", workload = { "node", rate = 1000 },
  profilers = { "off", { "pyroscope-node", flush_s = 1, hz = 99 } }, blocks = 6, warmup = 3, duration = 2.5 }'

[ -n "$runs" ] || { echo "profilers.sh: no profiler can run here (tare list says why)" >&2; exit 3; }
# shellcheck disable=SC2086 # one results directory a word
"$tare" report $runs -o "$out/report"
echo "profilers.sh: the runs are in $out/runs, the report in $out/report/report.html" >&2
