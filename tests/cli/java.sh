# A JVM service and the JDK's profiler (workloads/java.lua, profilers/jfr.lua): a process-design
# run of off, JFR started with the JVM (-XX:StartFlightRecording) and JFR started on the running
# JVM by jcmd; and a switchback run of JFR switched inside the JVM (below).
#   - every trial ok, and both JFR arms counted execution samples (profile_samples > 0);
#   - the launch arm's flag reached the JVM's command line, and only that arm's;
#   - the recordings hold the truth: more samples in cpuHot (70% of the work) than in cpuCold
#     (10%), over both arms' recordings (one recording has ~10 samples of cpuHot here, too few to
#     rule out a false failure);
#   - the JVM exits 0 on SIGTERM (the server's shutdown), so the recording is complete.
# 2 blocks, not 4: a trial takes 5-10 s (JVM start-up ~1-2 s, each jcmd a JVM of its own that
# needs 2-5 s to attach on 2 busy CPUs), and 12 trials did not fit in a minute.
. "$ROOT/tests/lib.sh"
need_root
command -v java >/dev/null && command -v javac >/dev/null ||
	skip "java/javac are not installed: apt-get install openjdk-17-jdk-headless"
command -v jcmd >/dev/null && command -v jfr >/dev/null || skip "jcmd/jfr are not installed: apt-get install openjdk-17-jdk-headless"
[ -f "$BUILD/workloads/java/Server.class" ] || fail "$BUILD/workloads/java/Server.class is not built though javac is installed"
cd "$T"
cat > jfr.lua <<'LUA'
experiment { name = "jfr", workload = { "java" },
  profilers = { "off", { "jfr", when = "launch" }, { "jfr", when = "jcmd" } },
  design = "process", blocks = 2, warmup = 1, duration = 1 }
LUA
expect_exit 0 "$TARE" run jfr.lua --no-report
f=$(ls results/*-jfr/results.json)
[ "$(json "$f" 'len(d["trials"]) == 6 and all(t["state"] == "ok" and t["units"] > 0 for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["state"], t["error"]) for t in d["trials"]]')"
for arm in launch jcmd; do
	n=$(json "$f" "[t['profile_samples'] for t in d['trials'] if d['configs'][t['config']]['label'] == 'jfr when=$arm']")
	python3 -c "import sys; n = eval(sys.argv[1]); assert len(n) == 2 and all(x and x > 0 for x in n), n" "$n" ||
		fail "jfr when=$arm: profile_samples $n"
done
# the recordings' execution samples, folded (profilers/java/jfr-folded.awk), searched for JFR's
# frames in every trial, and counted per part of the java workload's split (Server.cpuHot, ...:
# the names JFR gives) over the trials: a 1 s trial holds ~10 in the parts, so one may hold none
[ "$(json "$f" 'all(t["profile_self_pct"] is not None for t in d["trials"] if d["configs"][t["config"]]["profiler"] == "jfr") and sum(sum(t["profile_parts"] or [0]) for t in d["trials"] if d["configs"][t["config"]]["profiler"] == "jfr") > 0 and all(len(t["profile_parts"]) == 3 for t in d["trials"] if d["configs"][t["config"]]["profiler"] == "jfr" and t["profile_parts"])')" = True ] ||
	fail "jfr's parts and self share: $(json "$f" '[(t["profile_parts"], t["profile_self_pct"]) for t in d["trials"]]')"
r=$(dirname "$f")
# JFR logs "Started recording" on the JVM's stdout when the flag started it (jcmd prints its own)
for d in "$r"/trials/*-jfr_when-launch; do
	grep -q "Started recording" "$d/workload.out" || fail "$d: the JVM started no recording: $(cat "$d/workload.out")"
done
for d in "$r"/trials/*-off "$r"/trials/*-jfr_when-jcmd; do
	grep -q "Started recording" "$d/workload.out" && fail "-XX:StartFlightRecording reached $d"
	grep -q "Server: listening" "$d/workload.out" || fail "$d: no server: $(cat "$d/workload.err")"
done
hot=0 cold=0
for rec in "$r"/trials/*/recording.jfr; do
	jfr print --events jdk.ExecutionSample "$rec" > samples.txt || fail "jfr print $rec failed"
	hot=$((hot + $(grep -c 'Server\.cpuHot(' samples.txt)))
	cold=$((cold + $(grep -c 'Server\.cpuCold(' samples.txt)))
done
[ "$hot" -gt "$cold" ] && [ "$hot" -gt 0 ] || fail "cpuHot in $hot execution samples, cpuCold in $cold: want more in cpuHot"
# JFR switched in one warm JVM (when = "signal", design = "switchback"): SIGUSR1 to the workload
# (USR2 is HotSpot's: sent that, this JVM died in SR_handler) starts a recording, the next stops it
# and writes recording.N.jfr; one stretch in the warm-up (the switch tried once, before the
# windows), then one per run of on windows: at least 2 files, at most one more than the on windows.
cat > sig.lua <<'LUA'
experiment { name = "jfrsig", workload = { "java" }, profilers = { "off", { "jfr", when = "signal" } },
  design = "switchback", blocks = 1, warmup = 2, duration = 2, window = 0.25, guard = 0.1 }
LUA
expect_exit 0 "$TARE" run sig.lua --no-report
f=$(ls results/*-jfrsig/results.json)
PYTHONPATH=$ROOT/tests/cli python3 - "$f" <<'PY' || fail "jfr when=signal: $out"
import os, sys, switched
((t, base),) = switched.trials(sys.argv[1])
on, files = switched.on_windows(t), switched.files(base, "recording.*.jfr")
assert 2 <= len(files) <= on + 1, (len(files), on)
assert not os.path.exists(os.path.join(base, "recording.jfr")), "started at launch too"
PY
# the server's own stop: exit 0 on SIGTERM
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
java -cp "$BUILD/workloads/java" Server --port "$port" >srv.out 2>&1 &
jpid=$!
for i in $(seq 1 200); do grep -q "Server: listening" srv.out && break; sleep 0.05; done
grep -q "Server: listening" srv.out || { kill $jpid; fail "the server did not start: $(cat srv.out)"; }
kill -TERM $jpid
wait $jpid; rc=$?
[ "$rc" -eq 0 ] || fail "the server exited $rc on SIGTERM, want 0"
exit 0
