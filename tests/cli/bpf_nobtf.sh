# A build machine without BTF (simulated: make BTF=/nonexistent, into a build tree of its own)
# builds everything but the eBPF sampler, says why in one line, and its tare answers
# `tare sample --bpf` with that reason and exit 3, while the perf-ring sampler works.
. "$ROOT/tests/lib.sh"
cd "$T"
command -v make >/dev/null 2>&1 || skip "make is not installed"
D=$T/build-nobtf
# what the check needs (the Go and Java programs would double the time and prove nothing here)
# its own make, not a child of the jobserver of a `make test` it may run under (which would warn)
MAKEFLAGS= make -C "$ROOT" -j2 BUILD="$D" BTF=/nonexistent check-bpf "$D/tare" "$D/workloads/cpu" > make.out 2>&1 ||
	fail "make BTF=/nonexistent failed: $(tail -20 make.out)"
n=$(grep -c "^tare: building without the eBPF sampler: no BTF at /nonexistent (tare sample --bpf will exit 3)$" make.out)
[ "$n" -eq 1 ] || fail "want the reason once, got $n times:
$(grep -v '^  ' make.out)"
! grep -qiE 'error|warning' make.out || fail "make BTF=/nonexistent: $(grep -iE 'error|warning' make.out)"
[ ! -e "$D/gen/vmlinux.h" ] || fail "vmlinux.h was generated without BTF"
expect_exit 3 "$D/tare" sample --bpf -t cpu -o p.pb.gz -- true
one_line
contains "^tare sample: --bpf: this tare was built without the eBPF sampler (no BTF at /nonexistent)"
"$D/tare" sample -F 99 --folded f.folded -- "$D/workloads/cpu" --duration 1 > /dev/null 2> err ||
	fail "the perf-ring sampler of that build: exit $?: $(cat err)"
grep -q cpu_hot f.folded || fail "the perf-ring sampler found no cpu_hot: $(cat f.folded)"
exit 0
