# Ctrl-C (SIGINT) stops cleanly: exit 130, the finished trials are kept in results.json, the
# interrupted one is dropped, no process or cgroup is left behind.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > long.lua <<'LUA'
experiment { name = "long", workload = { "cpu" }, profilers = { "off", { "perf", hz = 99 } },
  blocks = 50, warmup = 0.1, duration = 0.3 }
LUA
tare_bg run long.lua
# Wait until at least two trials are in results.json, then interrupt mid-trial.
for i in $(seq 1 100); do
	f=$(ls results/*-long/results.json 2>/dev/null)
	[ -n "$f" ] && [ "$(json "$f" 'len(d["trials"])' 2>/dev/null || echo 0)" -ge 2 ] && break
	sleep 0.1
done
sleep 0.15
kill -INT $pid
wait $pid; rc=$?
out=$(cat "$T/out")
[ $rc -eq 130 ] || fail "exit $rc, want 130: $out"
contains "interrupted"
n=$(json "$f" 'len(d["trials"])')
[ "$n" -ge 2 ] && [ "$n" -lt 100 ] || fail "$n trials kept"
[ "$(json "$f" 'd["interrupted"] and not d["complete"]')" = True ] || fail "not marked interrupted"
[ "$(json "$f" 'all(t["state"] != "interrupted" for t in d["trials"])')" = True ] || fail "an interrupted trial was kept"
[ "$(ls -d results/*-long/trials/* | wc -l)" -eq "$n" ] || fail "trial directories: $(ls results/*-long/trials)"
no_leftovers $pid
pgrep -f "results/.*-long/trials/.*/perf.data" >/dev/null && fail "perf left running"
exit 0
