# inject-sidecar --paused (switchback): asleep until SIGUSR1, burning until SIGUSR2.  It says it
# is ready once it takes its signals; off 0.3 s, on 0.5 s, off 0.3 s, then SIGTERM.  Its exit
# line counts the periods it burned: only in the on time (periods <= on wall / period + 1;
# burning the whole run would be twice that), and the spin is theirs.  Counts, not times.
. "$ROOT/tests/lib.sh"
cd "$T"
SC=$BUILD/profilers/inject-sidecar
[ -x "$SC" ] || fail "$SC is not built"
"$SC" --help | grep -q -- --paused || fail "inject-sidecar --help does not document --paused"
"$SC" --pct 20 --paused > out.json 2> err &
pid=$!
i=0
until grep -q '^inject-sidecar: ready$' err; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no ready line: $(cat err)"
	sleep 0.1
done
sleep 0.3; kill -USR1 $pid; sleep 0.5; kill -USR2 $pid; sleep 0.3; kill -TERM $pid
wait $pid || fail "inject-sidecar exited $?: $(cat err)"
python3 - out.json <<'PY' || fail "$(cat out.json)"
import json, sys
d = json.load(open(sys.argv[1]))
on_periods = d["on_wall_ns"] / (d["period_ms"] * 1e6)
print(f"{d['switches']} switches, on {d['on_wall_ns']/1e9:.3f} s of {d['wall_ns']/1e9:.3f} s, "
      f"{d['periods']} periods, {d['spin_ns']/1e6:.1f} ms spun")
ok = d["switches"] == 2 and 0 < d["periods"] <= on_periods + 1 and d["on_wall_ns"] < d["wall_ns"]
ok = ok and d["spin_ns"] <= d["periods"] * d["pct"] / 100 * d["period_ms"] * 1e6 + 5e6
sys.exit(0 if ok else 1)
PY
# without --paused: burning from the start, no switch
"$SC" --pct 20 --duration 0.3 > plain.json 2> err || fail "inject-sidecar exited $?: $(cat err)"
[ "$(json plain.json 'd["switches"] == 0 and d["periods"] > 0')" = True ] || fail "$(cat plain.json)"
exit 0
