# A signal that lands while tare is stopping a child is never lost.  The hook
# TARE_TEST_INTERRUPT_IN_STOP=N raises SIGINT N times right after the first graceful stop signal
# (perf's SIGINT at the end of the first trial): deterministic, not a race to win.
#   one signal:  perf still finishes its perf.data (its grace is honoured), the measured trial is
#                kept, and the run ends there with exit 130 and complete=false;
#   two signals: the second cuts the grace short: perf is killed at once, and tare says so.
. "$ROOT/tests/lib.sh"
need_root
command -v perf >/dev/null || skip "perf is not installed"
cd "$T"
cat > s.lua <<'LUA'
experiment { name = "stop", workload = { "cpu" }, profilers = { "off", { "perf", hz = 99 } },
  seed = 2, blocks = 4, warmup = 0.1, duration = 0.3 }
LUA
TARE_TEST_INTERRUPT_IN_STOP=1 "$TARE" run s.lua --no-report >out 2>&1 & pid=$!
wait $pid; rc=$?
out=$(cat out)
[ $rc -eq 130 ] || fail "one signal in a stop: exit $rc, want 130: $out"
f=$(ls results/*-stop/results.json) || fail "no results.json: $out"
[ "$(json "$f" 'd["interrupted"] and not d["complete"]')" = True ] || fail "not marked interrupted: $out"
[ "$(json "$f" 'len(d["trials"])')" -eq 1 ] || fail "want the one measured trial kept: $(json "$f" 'len(d["trials"])')"
# seed=2 runs perf first, so the first graceful stop is perf's SIGINT
[ "$(json "$f" 'd["trials"][0]["label"]')" = "perf hz=99" ] ||
	fail "seed 2 no longer runs perf first: $(json "$f" 'd["trials"][0]')"
[ "$(json "$f" 'd["trials"][0]["state"]')" = ok ] || fail "the trial is $(json "$f" 'd["trials"][0]["state"]')"
[ -s results/*-stop/trials/001-*/perf.data ] || fail "perf did not finish its perf.data"
printf '%s\n' "$out" | grep -q "did not stop within" && fail "perf was killed on a first signal: $out"
no_leftovers $pid

rm -rf results
TARE_TEST_INTERRUPT_IN_STOP=2 "$TARE" run s.lua --no-report >out 2>&1 & pid=$!
wait $pid; rc=$?
out=$(cat out)
[ $rc -eq 130 ] || fail "two signals in a stop: exit $rc, want 130: $out"
contains "profiler killed at the second interrupt"
no_leftovers $pid
pgrep -f "results/.*-stop/trials/.*/perf.data" >/dev/null && fail "perf left running"
exit 0
