# tare validate: the reference sampler against the cpu workload's truth, perf record beside it
# (-T cpu -s ref,perf; the eBPF sampler and the other types: validate_bpf.sh).
#
# The bounds of issue 5, at 99 Hz for 20 s on one thread: attribution error <= 3 percentage
# points, effective rate within ±5% of the requested, no lost (or dropped) samples; and the
# perf-record side line is there (that part is skipped, saying so, where perf is missing).
#
# Is "3 points at 99 Hz for 20 s" sound?  n ~ 99 x 20 ~ 1,980 samples (fewer when the VM gives
# the workload less CPU: n follows its CPU time, not the wall clock).  A share p then has a
# binomial standard error sqrt(p(1-p)/n): 1.03 points for cpu_hot (70%), 0.90 for cpu_warm,
# 0.67 for cpu_cold, so 3 points is 2.9, 3.3 and 4.5 SEs.  Simulated (multinomial, 200,000
# draws; tests/unit/test_validate.c checks it with 4,000) the max error over the three exceeds 3
# points by sampling noise alone in 0.4% of runs; the truth's own wander (measured_split moves
# ~0.3 points between runs) brings that to ~0.6%: one false failure in ~150 runs.  Below 1,500
# samples the same 3 points would be 2.5 SEs (~2% false failures), so a machine too busy to
# give the workload 15 CPU-seconds skips the accuracy check rather than flake.  The rate bound
# is not statistical at all: cpu-clock fires every 1e9/99 ns of the task's CPU, so only lost,
# throttled or unaccounted samples move it, and steal: the perf clock runs on while the vCPU is
# stolen, wait4's CPU does not, so the upper bound allows s/(1-s) for a share s stolen.
. "$ROOT/tests/lib.sh"
cd "$T"
"$TARE" validate --help >/dev/null 2>&1 || skip "tare validate is not wired into harness/main.c yet"

# usage errors: one line, exit 2
expect_exit 2 "$TARE" validate -F 0
one_line; contains "^tare validate: -F 0: expected rates in Hz"
expect_exit 2 "$TARE" validate -s ref,nosuch
one_line; contains "unknown sampler 'nosuch'"
expect_exit 2 "$TARE" validate --bogus
one_line

# an event this machine cannot sample: one line, exit 3, before any run
out=$("$TARE" validate -e cycles -F 99 -t 1 -d 0.2 -s ref -o "$T/pmu" 2>&1); rc=$?
if [ "$rc" -eq 3 ]; then
	one_line; contains "^tare validate: perf_event_open(cycles): no hardware PMU here"
	[ ! -d "$T/pmu" ] || fail "a results directory for a validation that could not run"
else
	echo "note: this machine has a hardware PMU (validate -e cycles exited $rc); exit 3 not checked"
fi

# the bounds of issue 5
"$TARE" validate -T cpu -s ref,perf -F 99 -t 1 -d 20 --max-error 3 -o "$T/results" > out 2>&1; rc=$?
[ "$rc" -eq 3 ] && skip "cannot sample here: $(tail -n 1 out)"
cat out
f=$(ls "$T"/results/*-validate/validation.json 2>/dev/null) || fail "no validation.json: $(cat out)"
grep -q "^ref  *cpu  *cpu  *99  *1 " out || fail "no ref line"
have_perf=0; command -v perf >/dev/null 2>&1 && have_perf=1
python3 - "$f" "$rc" "$have_perf" <<'PY'
import json, sys
doc, rc, have_perf = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3] == "1"
cases = {c["sampler"]: c for c in doc["cases"]}
need = ["sampler", "type", "workload", "hz", "threads", "duration_s", "samples", "lost", "throttled",
        "effective_rate_hz", "requested_hz", "attribution_error_max_pp", "tvd", "binomial_se_pp",
        "expected_tvd", "reached_main", "symbolized", "truth", "measured"]
ref = cases.get("ref")
if not ref or ref["status"] != "ok":
    print("FAIL: no ref case:", ref); sys.exit(1)
missing = [k for k in need if k not in ref]
if missing:
    print("FAIL: the case lacks", missing); sys.exit(1)
if (ref["type"], ref["workload"], ref["hz"], ref["threads"]) != ("cpu", "cpu", 99, 1):
    print("FAIL: case", ref["type"], ref["workload"], ref["hz"], ref["threads"]); sys.exit(1)
n = ref["samples_in_sites"]
if n < 1500:
    print(f"only {n:.0f} samples: the machine gave the workload too little CPU for a 3-point bound")
    sys.exit(77)
ok = True
def check(cond, msg):
    global ok
    print(("ok: " if cond else "FAIL: ") + msg)
    ok &= bool(cond)
check(ref["attribution_error_max_pp"] <= 3,
      f"attribution error {ref['attribution_error_max_pp']:.2f} points <= 3 (se {ref['binomial_se_pp']:.2f}, n {n:.0f})")
s = ref["steal_pct"] / 100  # stolen time runs the perf clock, not wait4's CPU (docs/validate.md)
check(0.95 <= ref["effective_rate_hz"] / ref["requested_hz"] <= 1.05 + s / (1 - s),
      f"effective rate {ref['effective_rate_hz']:.1f} Hz within 5% of {ref['requested_hz']} ({100 * s:.1f}% stolen)")
check(ref["lost"] == 0 and ref["dropped"] == 0, f"lost {ref['lost']}, dropped {ref['dropped']}")
check(abs(sum(ref["truth"].values()) - 1) < 1e-6 and set(ref["truth"]) == set(ref["measured"]),
      "truth and measured over the same sites")
check((rc == 0) == ok, f"exit status {rc} agrees with the checks")
perf = cases.get("perf")
if have_perf:
    check(perf is not None and perf["status"] == "ok",
          "perf record side line: " + (perf.get("reason", "present") if perf else "missing"))
else:
    check(perf is not None and perf["status"] == "skipped", "perf missing: its case says skipped")
    print("note: perf is not installed: the perf record side line is not checked")
sys.exit(0 if ok else 1)
PY
rc=$?
[ "$rc" -eq 77 ] && exit 77
[ "$rc" -eq 0 ] || fail "validation out of bounds"
if [ "$have_perf" = 1 ]; then
	grep -q "^perf  *cpu  *cpu  *99  *1  *[0-9]" out || fail "no perf record side line"
fi
exit 0
