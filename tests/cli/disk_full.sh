# Disk full: a run whose results can no longer be written says so, says how many trials the
# results.json on disk holds, and exits 1 (not 0 with "results.json (N of N trials)").
# The results go to a small tmpfs that the test fills once the first trials are on disk.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
mkdir small
mount -t tmpfs -o size=4m tare-test-full small 2>/dev/null || skip "cannot mount a tmpfs here"
trap 'umount -l "$T/small" 2>/dev/null' EXIT
cat > d.lua <<'LUA'
experiment { name = "full", workload = { "cpu" }, profilers = { "off", { "inject", pct = 1 } },
  blocks = 6, warmup = 0.05, duration = 0.2 }
LUA
"$TARE" run d.lua -o small --no-report >out 2>&1 & pid=$!
for i in $(seq 1 200); do
	f=$(ls small/*-full/results.json 2>/dev/null)
	[ -n "$f" ] && [ "$(json "$f" 'len(d["trials"])' 2>/dev/null || echo 0)" -ge 2 ] && break
	sleep 0.05
done
[ -n "$f" ] || { kill $pid; fail "no results.json after 10 s: $(cat out)"; }
dd if=/dev/zero of=small/fill bs=64k 2>/dev/null   # until ENOSPC
wait $pid; rc=$?
out=$(cat out)
[ $rc -eq 1 ] || fail "exit $rc, want 1: $out"
n=$(json "$f" 'len(d["trials"])')
[ "$n" -ge 2 ] && [ "$n" -lt 12 ] || fail "the file on disk holds $n trials"
contains "No space left on device"
contains "results: NOT SAVED: .*results.json holds $n of the 12 trials run"
contains "the results could not be written (No space left on device): $n of 12 trials are on disk"
no_leftovers $pid
exit 0
