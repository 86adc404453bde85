# tare validate -T runtime: a runtime's own profiler held against its service's known split, a
# tare run of scripts/validate-runtime.lua per profiler.  gperftools on the cpu workload: one
# line with the profile's three shares and a verdict, runtime.json with the case, the exit code
# the verdict's (0 within, 1 outside), the experiment's summary kept in gperftools.out; a
# profiler that cannot run (node off the PATH) is skipped with its reason and exit 3; -T runtime
# mixed with sampler types, a runtime profiler without -T runtime, a sampler with it: exit 2.
. "$ROOT/tests/lib.sh"
need_root
[ -e /usr/lib/x86_64-linux-gnu/libprofiler.so.0 ] || skip "gperftools is not installed (scripts/setup.sh --tests installs libgoogle-perftools4)"
command -v go >/dev/null || skip "go is not installed: gperftools' profile is read by go tool pprof (apt-get install golang-go)"
cd "$T"

"$TARE" validate -T runtime -s gperftools -d 3 -o v > out 2>&1; rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "exit $rc: $(cat out)"
grep -q "^gperftools  *cpu threads=1  *profile vs the known split: cpu_hot .* over [0-9]* samples" out || fail "no gperftools line: $(cat out)"
j=$(ls v/*-validate-runtime/runtime.json) || fail "no runtime.json: $(cat out)"
python3 - "$j" "$rc" <<'PY' || fail "runtime.json: $(cat "$j")"
import json, sys
d = json.load(open(sys.argv[1])); rc = int(sys.argv[2])
c, = d["cases"]
assert c["profiler"] == "gperftools" and c["status"] == "ok" and c["samples"] > 100, c
assert [p["name"] for p in c["parts"]] == ["cpu_hot", "cpu_warm", "cpu_cold"], c
assert abs(sum(p["pct"] for p in c["parts"]) - 100) < 0.01, c
# the verdict is the bound's, and the exit code says it
worst = max(abs(p["pct"] - p["truth_pct"]) for p in c["parts"])
assert abs(worst - c["max_error_pts"]) < 1e-6, c
assert c["within_bounds"] == (rc == 0) and d["status"] == ("pass" if rc == 0 else "fail"), (c, rc)
PY
grep -q "^configuration" v/*-validate-runtime/gperftools.out || fail "the experiment's summary is not in gperftools.out"
[ -f "$(ls -d v/*-validate-runtime/*-validate-gperftools)/results.json" ] || fail "no results directory of the experiment"

# node off the PATH: the workload cannot run; said, skipped, exit 3
PATH=/nonexistent "$TARE" validate -T runtime -s node-cpu-prof -d 1 -o w > out 2>&1; rc=$?
[ "$rc" = 3 ] && grep -q "node is not installed" out && grep -q "^node-cpu-prof  *skipped" out || fail "node missing: exit $rc: $(cat out)"

expect_exit 2 "$TARE" validate -T runtime,cpu
expect_exit 2 "$TARE" validate -s go-pprof
expect_exit 2 "$TARE" validate -T runtime -s ref
expect_exit 2 "$TARE" validate -T runtime -s bogus
