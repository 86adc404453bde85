# Budgets gate on interval bounds: an A/A pair never FAILs a 1% CPU budget (and PASSes once the
# interval is narrow enough: max_blocks lets the run add blocks until it is decided); a 5%
# injected overhead FAILs a 2% budget; the exit code is the worst verdict (1 for FAIL).
# The FAIL case runs by switchback (docs/switchback.md): by process trials on a loaded 2-CPU VM,
# 30 blocks left 5% against 2% INCONCLUSIVE ([+1.70, +5.66]); switchback's pairs resolve it.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > gate.lua <<'LUA'
experiment { name = "gate", workload = { "cpu" },
  profilers = { "off", { "inject", pct = 0, label = "A/A" }, { "inject", pct = 5 } },
  design = "switchback", blocks = 4, max_blocks = 12, warmup = 0.2, duration = 2,
  budget = { cpu = "2%" } }
LUA
"$TARE" run gate.lua > out 2>&1; rc=$?
[ $rc -eq 1 ] || fail "exit $rc, want 1 (inject 5% fails a 2% budget): $(cat out)"
f=$(ls -d results/*-gate)/results.json
v() { json "$f" "[r['verdict'] for r in d['verdicts']['verdicts'] if r['config']=='$1' and r['metric']=='$2'][0]"; }
[ "$(v 'inject pct=5' cpu)" = FAIL ] || fail "inject 5% vs 2%: $(v 'inject pct=5' cpu)"
[ "$(v 'A/A pct=0' cpu)" != FAIL ] || fail "A/A failed a 2% budget: $(cat out)"
grep -q "verdict: FAIL" out || fail "no overall verdict line"
# The A/A pair against a 1% budget, alone: PASS, or (on a machine too noisy to tell within
# max_blocks) INCONCLUSIVE with exit 4 — never FAIL.
cat > aa.lua <<'LUA'
experiment { name = "aa", workload = { "cpu" }, profilers = { "off", { "off", label = "A/A" } },
  blocks = 8, max_blocks = 30, warmup = 0.2, duration = 0.5, budget = { cpu = "1%" } }
LUA
"$TARE" run aa.lua > out 2>&1; rc=$?
f=$(ls -d results/*-aa)/results.json
lo=$(json "$f" "[a for a in d['summary']['arms'] if a['label']=='A/A'][0]['overhead']['cpu_total']['lo']")
hi=$(json "$f" "[a for a in d['summary']['arms'] if a['label']=='A/A'][0]['overhead']['cpu_total']['hi']")
# (Whether that interval holds 0 is truth.sh's check: a 95% one misses in 5% of correct runs.)
case $rc in
0) grep -q "verdict: PASS" out || fail "exit 0 without PASS: $(cat out)"
   python3 -c "import sys; sys.exit(0 if $hi <= 1 else 1)" || fail "PASS with the interval [$lo, $hi] reaching past 1%" ;;
4) python3 -c "import sys; sys.exit(0 if $lo <= 1 < $hi else 1)" || fail "INCONCLUSIVE with the interval [$lo, $hi]"
   skip "A/A stayed INCONCLUSIVE for a 1% budget after 30 blocks: interval [$lo, $hi] (machine too noisy)" ;;
*) fail "A/A against a 1% budget: exit $rc: $(cat out)" ;;
esac
exit 0
