# tare sample -p: every thread of a running process (the second one's stacks start at
# start_thread), a periodic flush that rewrites the profile while it runs, SIGINT for a final
# flush and exit 0; and on its own, an exit once the process it follows has exited.
. "$ROOT/tests/lib.sh"
"$TARE" sample --help >/dev/null 2>&1 || skip "tare sample is not wired into harness/main.c yet"
CPU=$BUILD/workloads/cpu
cd "$T"
"$CPU" --threads 2 --duration 8 > truth.json &
w=$!
sleep 0.3    # let it start its second thread: -p opens on the threads it has
"$TARE" sample -F 199 -p "$w" --flush 1 -o p.pb.gz --folded f.folded --stats s.json 2> err &
s=$!
i=0
until grep -q '^tare-sample: ready$' err 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { kill $s $w; fail "not ready after 10 s: $(cat err)"; }
	sleep 0.1
done
sleep 2.5
[ -s f.folded ] || { kill $s $w; fail "--flush 1 wrote nothing in 2.5 s"; }
kill -INT $s
wait $s; rc=$?
kill $w 2>/dev/null; wait $w
[ $rc -eq 0 ] || fail "SIGINT: exit $rc, want 0: $(cat err)"
grep -q '^start_thread;cpu_thread_main;worker;cpu_hot ' f.folded || fail "no second-thread stacks:
$(cat f.folded)"
grep -q 'main;worker;cpu_hot ' f.folded || fail "no main-thread stacks:
$(cat f.folded)"
[ "$(json s.json 'd["mode"]')" = pid ] || fail "stats mode: $(cat s.json)"
[ "$(json s.json 'd["flushes"] >= 2')" = True ] || fail "periodic flushes: $(cat s.json)"

# following a process that exits: tare sample exits by itself, 0
"$CPU" --duration 1 > /dev/null &
w=$!
"$TARE" sample -F 99 -p "$w" --folded g.folded 2> err2 &
s=$!
i=0
while kill -0 $s 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 100 ] || { kill $s; fail "still running 10 s after its process"; }
	sleep 0.1
done
wait $s || fail "exit $? after its process exited: $(cat err2)"
wait $w
grep -q 'cpu_hot' g.folded || fail "no samples of the exited process: $(cat g.folded)"
exit 0
