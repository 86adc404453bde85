# Without a writable cgroup hierarchy tare falls back to procfs accounting and says so in the
# run's output and results.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > nocg.lua <<'LUA'
experiment { name = "nocg", workload = { "cpu" }, profilers = { "off", { "inject", pct = 1 } },
  blocks = 2, warmup = 0.2, duration = 0.4 }
LUA
TARE_CGROUP=none "$TARE" run nocg.lua > "$T/out" 2>&1; rc=$?
out=$(cat "$T/out")
[ $rc -eq 0 ] || fail "exit $rc: $out"
contains "no writable cgroup hierarchy"
f=$(ls -d results/*-nocg)/results.json
[ "$(json "$f" 'd["environment"]["cgroup_mode"]')" = "none (procfs)" ] || fail "cgroup mode: $(json "$f" 'd["environment"]["cgroup_mode"]')"
[ "$(json "$f" 'all(t["state"]=="ok" and t["workload_cpu_ns"] > 0.1e9 for t in d["trials"])')" = True ] || fail "trials: $(cat results/*/trials.csv)"
exit 0
