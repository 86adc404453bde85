# jemalloc's heap profiler (profilers/jemalloc.lua) on tare's alloc workload, which preloads
# jemalloc in every arm (preload=), so the overhead is profiling's, not jemalloc's against glibc's:
#   - a 2-block process-design run: every trial ok, each jemalloc trial left its final heap dump
#     and counted its sampled allocations (profile_samples > 0), and the baseline ran on jemalloc
#     too (its workload's environment);
#   - a workload that does not preload jemalloc is refused at plan time with one line (exit 2);
#   - a preload path that does not exist is refused at plan time with one line (exit 2).
. "$ROOT/tests/lib.sh"
need_root
lib=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
[ -e "$lib" ] || skip "jemalloc is not installed: apt-get install libjemalloc2 (scripts/setup.sh --tests installs it)"
MALLOC_CONF=stats_print:true LD_PRELOAD=$lib /bin/true 2>&1 | grep -q 'config.prof: true' ||
	skip "$lib was built without heap profiling (config.prof: false)"
cd "$T"

cat > je.lua <<LUA
experiment { name = "je", workload = { "alloc", preload = "$lib" },
  profilers = { "off", { "jemalloc" } }, design = "process", blocks = 2, warmup = 0.2, duration = 0.6 }
LUA
expect_exit 0 "$TARE" run je.lua --no-report
r=$(ls -d results/*-je)
f=$r/results.json
[ "$(json "$f" 'all(t["state"] == "ok" for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["label"], t["state"], t["error"]) for t in d["trials"]]')"
[ "$(json "$f" 'all(t["profile_samples"] > 0 for t in d["trials"] if t["label"] == "jemalloc")')" = True ] ||
	fail "samples: $(json "$f" '[(t["label"], t["profile_samples"]) for t in d["trials"]]')"
for d in "$r"/trials/*-jemalloc/; do
	ls "$d"/jeprof.*.f.heap >/dev/null 2>&1 || fail "no final heap dump in $d: $(ls "$d")"
	head -n 1 "$d"/jeprof.*.f.heap | grep -q '^heap_v2/524288$' || fail "not a heap profile of lg_prof_sample 19: $(head -n 2 "$d"/jeprof.*.f.heap)"
done
# the baseline ran on jemalloc too (the workload's environment is every arm's), not profiling
[ "$(json "$f" 'd["workloads"][0]["env"]')" = "['LD_PRELOAD=$lib']" ] || fail "workload env: $(json "$f" 'd["workloads"][0]')"
for d in "$r"/trials/*-off/; do
	[ -z "$(ls "$d"/jeprof.* 2>/dev/null)" ] || fail "the baseline profiled: $(ls "$d")"
done
[ "$(json "$f" '[c["workload_env"] for c in d["configs"] if c["profiler"] == "jemalloc"][0][0].startswith("MALLOC_CONF=prof:true,")')" = True ] ||
	fail "MALLOC_CONF: $(json "$f" '[c["workload_env"] for c in d["configs"]]')"

# without jemalloc preloaded in every arm the comparison would be glibc's against jemalloc's
cat > glibc.lua <<'LUA'
experiment { name = "glibc", workload = { "alloc" }, profilers = { "off", { "jemalloc" } }, blocks = 2 }
LUA
expect_exit 2 "$TARE" run glibc.lua
one_line
contains "profiler jemalloc: .*workload alloc does not preload jemalloc.*give it preload = \"$lib\""

cat > missing.lua <<'LUA'
experiment { name = "missing", workload = { "alloc", preload = "/nonexistent/libjemalloc.so.2" },
  profilers = { "off", { "jemalloc" } }, blocks = 2 }
LUA
expect_exit 2 "$TARE" run missing.lua
one_line
contains "preload: /nonexistent/libjemalloc.so.2 does not exist (jemalloc: apt-get install libjemalloc2)"

# a profiler that preloads its own library (gperftools, the inject shim) on a workload that
# preloads its allocator: both are loaded, the workload's first (ld.so keeps only the last
# LD_PRELOAD it is given, so tare joins them)
cat > shim.lua <<'LUA'
return { description = "a profiler that preloads a library",
  env = function() return { LD_PRELOAD = tare.build .. "/profilers/libtare-inject.so", TARE_INJECT_PCT = 0 } end }
LUA
cat > both.lua <<LUA
experiment { name = "both", workload = { "command", load = "none", ready = "start", preload = "$lib",
    cmd = "grep -o 'lib[a-z-]*[.]so[.0-9]*' /proc/self/maps | sort -u > libs.txt; exec sleep 60" },
  profilers = { "off", { "./shim.lua", label = "shim" } }, blocks = 1, warmup = 0.2, duration = 0.3 }
LUA
expect_exit 0 "$TARE" run both.lua --no-report -q
for d in results/*-both/trials/*-off results/*-both/trials/*-shim; do
	[ -s "$d/libs.txt" ] || fail "no libs.txt in $d: $(ls "$d")"
done
grep -q "libjemalloc" results/*-both/trials/*-off/libs.txt && ! grep -q "libtare-inject" results/*-both/trials/*-off/libs.txt ||
	fail "the baseline's libraries: $(cat results/*-both/trials/*-off/libs.txt)"
grep -q "libjemalloc" results/*-both/trials/*-shim/libs.txt && grep -q "libtare-inject" results/*-both/trials/*-shim/libs.txt ||
	fail "jemalloc and the profiler's library are not both loaded: $(cat results/*-both/trials/*-shim/libs.txt)"
exit 0
