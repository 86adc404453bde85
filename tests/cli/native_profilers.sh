# The profilers people run on native code, each a 4-block experiment on tare's CPU workload (a
# steady CPU burner: gperftools' ITIMER_PROF, checked at ticks while the process runs, recorded
# nothing in some 0.8 s trials of the bursty server at 18% of a CPU; that is gperftools, and the
# run says UNRELIABLE there, but it is no test of the adapter):
#   - bpftrace (profile:hz in a one-liner, filtered in the kernel to the workload and the
#     children it forks): samples recorded and counted;
#   - gperftools (libprofiler preloaded into the workload): its profile written at the
#     workload's exit, its interrupts counted, go tool pprof reads the profile, and the
#     adapter's self command finds its own frames' share and the workload's known parts in it.
#   - gperftools switched in one process (switchback, control = "toggle": SIGUSR2 to the
#     workload toggles it): a profile file per run of on windows and one from the warm-up, so
#     several, never more than the on windows and one, its interrupts counted over them, and
#     its files' stacks in the known parts.
# Each skips alone, with the package to install, when it cannot run here.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
profs=""
skipped=""
command -v bpftrace >/dev/null && [ -e /sys/kernel/btf/vmlinux ] && profs="$profs { \"bpftrace\", hz = 499, stacks = \"none\" }," || skipped="$skipped bpftrace"
[ -e /usr/lib/x86_64-linux-gnu/libprofiler.so.0 ] && profs="$profs { \"gperftools\", hz = 499 }," || skipped="$skipped gperftools"
[ -n "$profs" ] || skip "neither bpftrace nor gperftools can run here:$skipped (scripts/setup.sh --tests installs them)"
cat > native.lua <<LUA
experiment { name = "native", workload = { "cpu" }, profilers = { "off", $profs },
  blocks = 4, warmup = 0.2, duration = 0.6 }
LUA
expect_exit 0 "$TARE" run native.lua --no-report
printf '%s\n' "$out" | grep -q "UNRELIABLE.*recorded no" && fail "a profiler recorded nothing: $out"
# on a CPU burner each takes what its rate gives (profile_expected): neither is short of it
printf '%s\n' "$out" | grep -q "UNRELIABLE.*under a quarter" && fail "a profiler recorded too little: $out"
f=$(ls results/*-native/results.json)
[ "$(json "$f" 'all(t["state"] == "ok" for t in d["trials"])')" = True ] ||
	fail "trials: $(json "$f" '[(t["label"], t["state"], t["error"]) for t in d["trials"]]')"
[ "$(json "$f" 'all(t["profile_samples"] > 0 for t in d["trials"] if t["label"] != "off")')" = True ] ||
	fail "samples: $(json "$f" '[(t["label"], t["profile_samples"]) for t in d["trials"]]')"
case "$profs" in *gperftools*)
	if command -v go >/dev/null; then
		p=$(ls results/*-native/trials/*gperftools*/gperftools.prof | head -1)
		go tool pprof -raw "$p" >raw.txt 2>&1 || fail "go tool pprof cannot read $p: $(cat raw.txt)"
		grep -q cpu_hot raw.txt || fail "no cpu_hot in the gperftools profile: $(head -20 raw.txt)"
		# its self command read the same file: a share of its own frames, and the workload's
		# three parts counted (what "profile vs the known split" is made of) — every sample
		# in one of them, as the cpu workload spends all its passes there
		[ "$(json "$f" 'all(t["profile_self_pct"] is not None and 0 <= t["profile_self_pct"] <= 100 and
			len(t["profile_parts"]) == 3 and 0 < sum(t["profile_parts"]) <= t["profile_samples"]
			for t in d["trials"] if t["label"].startswith("gperftools"))')" = True ] ||
			fail "gperftools self/parts: $(json "$f" '[(t["profile_samples"], t["profile_self_pct"], t["profile_parts"]) for t in d["trials"] if t["label"].startswith("gperftools")]')"
		contains "gperftools hz=499: profile vs the known split"
	fi ;;
esac
# bpftrace attached afresh for each run of on windows (switchback, control = "restart"): each
# life appends its own "@samples: N", and all of them are counted: at least half of what 499 Hz
# gives over the on windows' CPU (the first life alone is a third or less of it here)
case "$profs" in *bpftrace*)
	cat > btsb.lua <<'LUA'
experiment { name = "btsb", workload = { "cpu" }, profilers = { "off", { "bpftrace", hz = 499, stacks = "none" } },
  design = "switchback", blocks = 1, warmup = 0.2, duration = 1.5, window = 0.25 }
LUA
	expect_exit 0 "$TARE" run btsb.lua --no-report
	f=$(ls results/*-btsb/results.json)
	PYTHONPATH=$ROOT/tests/cli python3 - "$f" <<'PY' || fail "bpftrace by restart: $out"
import os, sys, switched
((t, base),) = switched.trials(sys.argv[1])
lives = open(os.path.join(base, "profiler.out")).read().count("@samples:")
assert lives == t["profiler_starts"] >= 2, (lives, t["profiler_starts"])
assert t["profile_samples"] >= 0.5 * t["profile_expected"] > 0, (t["profile_samples"], t["profile_expected"])
PY
	;;
esac
case "$profs" in *gperftools*)
	cat > toggle.lua <<'LUA'
experiment { name = "toggle", workload = { "cpu" }, profilers = { "off", { "gperftools", hz = 499 } },
  design = "switchback", blocks = 2, warmup = 0.2, duration = 2, window = 0.2 }
LUA
	expect_exit 0 "$TARE" run toggle.lua --no-report
	f=$(ls results/*-toggle/results.json)
	PYTHONPATH=$ROOT/tests/cli python3 - "$f" <<'PY' || fail "gperftools by toggle"
import os, sys, switched
ts = switched.trials(sys.argv[1], "gperftools")
assert len(ts) == 2, [t["label"] for t, _ in ts]
for t, base in ts:
    on, files = switched.on_windows(t), switched.files(base, "gperftools.prof.*")
    # 5 pairs in a random order: at least 3 runs of on windows, each its own file, and one more
    # from the warm-up (the switch is tried once before the windows)
    assert 2 <= len(files) <= on + 1, (len(files), on)
    assert not os.path.exists(os.path.join(base, "gperftools.prof")), "a profile from launch: it was not off"
    # its files read one by one (pprof would take the first of several for the binary): the parts
    # counted, every sample of the cpu workload's in one of them
    assert t["profile_parts"] and len(t["profile_parts"]) == 3 and sum(t["profile_parts"]) > 0.9 * t["profile_samples"], (t["profile_parts"], t["profile_samples"])
PY
	;;
esac
[ -z "$skipped" ] || echo "skipped:$skipped (not installed here)"
exit 0
