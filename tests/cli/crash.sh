# A workload that crashes is a failed trial with its reason; the run goes on and completes, and
# exits 1: the crasher's configurations were never measured, so the run has no answer for them.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > crasher.lua <<'LUA'
return { description = "dies of SIGSEGV after 0.1 s",
  command = function() return { "sh", "-c", "sleep 0.1; echo about to crash >&2; kill -SEGV $$" } end }
LUA
cat > crash.lua <<'LUA'
experiment { name = "crash", workload = { {"cpu"}, {"crasher.lua"} }, profilers = { "off", {"inject", pct = 1} },
  blocks = 2, warmup = 0.3, duration = 0.3 }
LUA
tare_bg run crash.lua
wait $pid; rc=$?
out=$(cat "$T/out")
[ $rc -eq 1 ] || fail "exit $rc, want 1 (the cpu workload's trials succeed, the crasher's configurations have none): $out"
dir=$(ls -d results/*-crash)
[ "$(json "$dir/results.json" 'len(d["trials"])')" = 8 ] || fail "want 8 trials"
[ "$(json "$dir/results.json" 'sum(t["state"]=="failed" for t in d["trials"])')" = 4 ] || fail "want the crasher's 4 trials failed"
json "$dir/results.json" '[t["error"] for t in d["trials"] if t["state"]=="failed"][0]' | grep -q "killed by SIGSEGV during the warm-up: about to crash" \
	|| fail "reason: $(json "$dir/results.json" '[t["error"] for t in d["trials"] if t["state"]=="failed"]')"
contains "0 (2 failed)"
contains "crasher.lua / off: none of its 2 trials was measured; the first failure: workload killed by SIGSEGV"
contains "2 configurations could not be measured"
[ "$(json "$dir/results.json" 'd["complete"]')" = True ] || fail "the run is complete: every planned trial ran"
no_leftovers $pid
exit 0
