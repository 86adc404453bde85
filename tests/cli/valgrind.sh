# The harness under valgrind: a short run (with a profiler, counters, the report), compare and
# report stay free of memory errors and definite leaks.  The children (workload, profiler) are
# not traced: they are the subjects, not tare.
. "$ROOT/tests/lib.sh"
need_root
command -v valgrind >/dev/null || skip "valgrind is not installed (scripts/setup.sh --tests)"
[ -z "${TARE_SANITIZED:-}" ] || skip "tare is built with sanitizers (make sanitize): valgrind runs on the plain build"
cd "$T"
cat > v.lua <<'LUA'
experiment { name = "v", workload = { "cpu" }, profilers = { "off", { "inject", pct = 2 }, { "perf", hz = 99 } },
  blocks = 2, warmup = 0.1, duration = 0.3 }
LUA
vg() { valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite -q "$TARE" "$@"; }
vg run v.lua -q > out 2>&1; rc=$?
[ $rc -eq 0 ] || fail "tare run under valgrind: exit $rc: $(grep -E '==[0-9]+==' out | head -20)"
d=$(ls -d results/*-v)
vg compare "$d" "$d" > out 2>&1 || fail "compare under valgrind: $(grep -E '==[0-9]+==' out | head -20)"
vg report "$d" -o rpt > out 2>&1 || fail "report under valgrind: $(grep -E '==[0-9]+==' out | head -20)"
exit 0
