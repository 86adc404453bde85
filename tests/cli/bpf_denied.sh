# tare sample --bpf where BPF is denied: one line that says what to do, exit 3, nothing started
# — and the perf-ring sampler still works under the same denial.
#
# The denial is made for real, as root: the sampler runs with CAP_BPF, CAP_PERFMON and
# CAP_SYS_ADMIN removed from its bounding set (setpriv), so it holds none of them (checked in
# /proc/self/status, bits 21, 38, 39), and with kernel.unprivileged_bpf_disabled set (checked)
# the kernel refuses every bpf() call.  A second case runs it as nobody.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
out=$("$TARE" sample --bpf --help 2>&1); rc=$?
[ $rc -eq 0 ] || skip "this tare has no eBPF sampler: $out"
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is missing: cannot drop capabilities"
ub=$(cat /proc/sys/kernel/unprivileged_bpf_disabled 2>/dev/null || echo 0)
[ "$ub" != 0 ] || skip "kernel.unprivileged_bpf_disabled is 0: bpf() is not denied without CAP_BPF here"
dropped() { setpriv --bounding-set -bpf,-sys_admin,-perfmon --inh-caps=-all "$@"; }
eff=$(dropped sh -c 'grep ^CapEff /proc/self/status' 2>/dev/null | awk '{print $2}')
[ -n "$eff" ] || skip "this setpriv cannot drop bpf and perfmon (util-linux >= 2.36 knows them)"
python3 -c "import sys; e = int(sys.argv[1], 16); sys.exit(1 if e & (1 << 21 | 1 << 38 | 1 << 39) else 0)" "$eff" ||
	fail "capabilities not dropped: CapEff $eff"

# every type, on a command: refused before the command runs
expect_exit 3 dropped "$TARE" sample --bpf -t cpu,offcpu,lock,alloc -o p.pb.gz -- sh -c 'echo ran > ran'
one_line
contains "^tare sample: --bpf: loading the BPF programs: permission denied — run as root, or give tare CAP_BPF and CAP_PERFMON$"
[ ! -e ran ] || fail "the command ran although the sampler could not"
[ ! -e p.cpu.pb.gz ] || fail "a profile was written by a run that never started"

# the perf-ring sampler, same denial: user-space stacks of its own child, exit 0
dropped "$TARE" sample -F 99 --folded r.folded -- "$BUILD/workloads/cpu" --duration 1 \
	> /dev/null 2> err || fail "the perf-ring sampler under the same denial: exit $?: $(cat err)"
grep -q cpu_hot r.folded || fail "the perf-ring sampler found no cpu_hot: $(cat r.folded)"

# as nobody
chmod 755 "$T"
mkdir -m 777 "$T/out"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
if nobody "$TARE" --version >/dev/null 2>&1; then
	expect_exit 3 nobody "$TARE" sample --bpf -t cpu -o "$T/out/p.pb.gz" -- true
	one_line; contains "permission denied — run as root, or give tare CAP_BPF and CAP_PERFMON"
else
	echo "nobody cannot run $TARE (directory permissions): that case not checked"
fi
exit 0
