# The Go service and its two profilers (workloads/go.lua, profilers/go-pprof-scrape.lua,
# profilers/go-pprof.lua):
#   - a process-design run of off, the scraper (Alloy's pyroscope.scrape) and the self-profiling
#     service: every trial ok, both profilers recorded CPU samples, and their profiles, opened
#     with `go tool pprof -top`, rank cpuHot (70% of the work) first.  A CPU
#     profile of 1 s has the 1.7 s of a trial to finish in (with the service at 65% of a CPU on
#     a loaded 2-CPU machine it took more than 1.8 s), so the load is light: 30% of a CPU;
#   - both profilers' stacks held against the service's known split (profile_parts, a line in
#     the summary): read and counted only.  Whether they fall within the sampling bound is the
#     profilers' accuracy at ~60 samples a trial, not tare's to assert;
#   - go-pprof switched in one service by SIGUSR2 (switchback): a file per stretch of on windows;
#   - a service without net/http/pprof under the scraper: the check before the first trial
#     stops the run, exit 3, with one line naming the URL and the 404; no trial runs.
. "$ROOT/tests/lib.sh"
need_root
command -v go >/dev/null || skip "go is not installed: apt-get install golang-go"
[ -x "$BUILD/workloads/goserver" ] && [ -x "$BUILD/workloads/pprof-scrape" ] || skip "the Go programs are not built: run make"
cd "$T"
export GOCACHE="$T/gocache" GOPATH="$T/gopath" GOPROXY=off GOTOOLCHAIN=local HOME="$T"

cat > go.lua <<'LUA'
experiment { name = "go", workload = { "go", rate = 300, work_us = 1000 },
  profilers = { "off", { "go-pprof-scrape", interval = 2, seconds = 1 }, { "go-pprof", seconds = 1 } },
  design = "process", blocks = 2, warmup = 0.5, duration = 1.2 }
LUA
expect_exit 0 "$TARE" run go.lua --no-report
r=$(ls -d results/*-go)
f=$r/results.json
[ "$(json "$f" 'all(t["state"] == "ok" and t["unit"] == "requests" and t["units"] > 0 for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["state"], t["error"]) for t in d["trials"]]')"
# the scraper's samples, as tare counted them from its scrape.json
[ "$(json "$f" 'all(t["profile_samples"] > 0 for t in d["trials"] if t["config"] == 1)')" = True ] ||
	fail "go-pprof-scrape: $(json "$f" '[t["profile_samples"] for t in d["trials"] if t["config"] == 1]'):
$(cd "$r/trials" && head -n 3 *-go-pprof-scrape_*/scrape.json *-go-pprof-scrape_*/profiler.err)"
# the self-profiling service's: go-pprof runs no process, and tare counts what a profiler
# recorded only for one that does (harness/trial.c, count_profile); count its files here
for d in "$r"/trials/*-go-pprof_*/; do
	n=$("$BUILD/workloads/pprof-scrape" --count "$d" | sed -n 's/.*"samples":\([0-9]*\).*/\1/p')
	[ "${n:-0}" -gt 0 ] || fail "go-pprof recorded no samples in $d: $(ls "$d")"
done
[ "$(json "$f" 'all(t["profile_samples"] is None or t["profile_samples"] > 0 for t in d["trials"] if t["config"] == 2)')" = True ] ||
	fail "go-pprof: $(json "$f" '[t["profile_samples"] for t in d["trials"] if t["config"] == 2]')"
# self attribution read from both profilers' files (go tool pprof -traces): a share, not None
[ "$(json "$f" 'all(t["profile_self_pct"] is not None and 0 <= t["profile_self_pct"] <= 100 for t in d["trials"] if t["config"] > 0)')" = True ] ||
	fail "profile_self_pct: $(json "$f" '[(t["config"], t["profile_self_pct"]) for t in d["trials"]]')"
# the stacks against the known split main.cpuHot/cpuWarm/cpuCold: counted in every trial of
# both profilers (the samples under main.work, ~60 a trial), and a line for each in the summary
[ "$(json "$f" 'all(len(t["profile_parts"]) == 3 and sum(t["profile_parts"]) > 0 for t in d["trials"] if t["config"] > 0)')" = True ] ||
	fail "profile_parts: $(json "$f" '[(t["config"], t["profile_parts"]) for t in d["trials"]]')"
for p in go-pprof-scrape go-pprof; do
	contains "^$p[^:]*: profile vs the known split: main.cpuHot [0-9.]*% (70), main.cpuWarm [0-9.]*% (20), main.cpuCold [0-9.]*% (10) over [0-9]* samples: max error [0-9.]* points, "
done
# the profiles rank the heaviest part first, each profiler's own and all of them merged (pprof's
# -top may leave the lightest part out of its list).  (cpuWarm
# above cpuCold, 20% against 10%, is ~3 sd apart at the ~300 samples of a quiet run and less on a
# loaded one: a check that would fail a correct tare more than once in a thousand runs.  cpuHot
# above cpuWarm is ~5 sd apart at one profiler's ~60 samples from 2 blocks: the service's 30% of
# a CPU sets the count, not the machine's load.)
rank() {   # rank FILES...: the parts cpuHot, cpuWarm, cpuCold in order of cumulative samples
	go tool pprof -top -cum "$@" 2>/dev/null | grep -oE 'main\.cpu(Hot|Warm|Cold)$' | tr '\n' ' '
}
got=$(rank "$r"/trials/*/cpu-*.pb.gz)
case "$got" in "main.cpuHot "*) ;; *)
	fail "the parts rank '$got'; want cpuHot first: $(go tool pprof -top -cum "$r"/trials/*/cpu-*.pb.gz 2>&1 | grep -E 'cpu|Total')" ;;
esac
for p in go-pprof-scrape go-pprof; do
	got=$(rank "$r"/trials/*-${p}_*/cpu-*.pb.gz)
	case "$got" in "main.cpuHot "*) ;; *)
		fail "$p: the parts rank '$got'; want cpuHot first: $(go tool pprof -top -cum "$r"/trials/*-${p}_*/cpu-*.pb.gz 2>&1 | grep -E 'cpu|Total')" ;;
	esac
done

# go-pprof switched in one process (switchback, SIGUSR2 to the service): a file per stretch of on
# windows and one from the warm-up's switch, so never more than the on windows and one, none
# written while off (a 0.25 s window is shorter than seconds = 5: no rotation), and its samples
# counted.  Not required to be more than none: Go 1.19's own profiler of this service took 0 to
# 175 in 6 s by hand, run to run, with and without the switch (the rate check's UNRELIABLE is
# what a run says of that)
cat > gosb.lua <<'LUA'
experiment { name = "gosb", workload = { "go", rate = 300, work_us = 1000 },
  profilers = { "off", { "go-pprof", seconds = 5 } },
  design = "switchback", blocks = 1, warmup = 0.5, duration = 2, window = 0.25 }
LUA
expect_exit 0 "$TARE" run gosb.lua --no-report
f=$(ls results/*-gosb/results.json)
PYTHONPATH=$ROOT/tests/cli python3 - "$f" <<'PY' || fail "go-pprof by toggle: $out"
import sys, switched
((t, base),) = switched.trials(sys.argv[1], samples=False)
on, runs, files = switched.on_windows(t), switched.on_runs(t), switched.files(base, "cpu-*.pb.gz")
assert len(files) == runs + 1 <= on + 1, (len(files), runs, on)
PY

# a service without net/http/pprof: the scraper's check (check = 1) finds the 404 before any
# trial, and the run stops there with exit 3 and one line naming the endpoint
cat > nop.lua <<'LUA'
experiment { name = "nop", workload = { "go", rate = 100, pprof = false },
  profilers = { "off", { "go-pprof-scrape", interval = 2, seconds = 1 } },
  design = "process", blocks = 1, warmup = 0.3, duration = 1 }
LUA
expect_exit 3 "$TARE" run nop.lua --no-report
contains "go-pprof-scrape.* cannot run here: profiler exited with status 3 .*/debug/pprof/profile?seconds=1: 404 Not Found.*does the service import net/http/pprof?"
[ "$(printf '%s\n' "$out" | grep -c 'cannot run here')" -eq 1 ] || fail "want one line saying why: $out"
f=$(ls results/*-nop/results.json)
[ "$(json "$f" 'len(d["trials"])')" = 0 ] || fail "trials ran: $(json "$f" '[(t["config"], t["state"]) for t in d["trials"]]')"
ls results/*-nop/checks/*/profiler.err >/dev/null 2>&1 || fail "the check's output is not kept: $(ls -R results/*-nop)"
# a service with the endpoint passes its check, which leaves nothing behind (the run above)
[ ! -e "$r/checks" ] || fail "the passed check left $r/checks: $(ls -R "$r/checks")"
exit 0
