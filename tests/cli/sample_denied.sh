# A perf_event_open the kernel refuses is one line that says what to do, and exit 3.  As root,
# the case is made by dropping to nobody and asking for every CPU (system-wide sampling needs
# kernel.perf_event_paranoid <= 0 or CAP_PERFMON).
. "$ROOT/tests/lib.sh"
"$TARE" sample --help >/dev/null 2>&1 || skip "tare sample is not wired into harness/main.c yet"
need_root
command -v setpriv >/dev/null 2>&1 || skip "setpriv (util-linux) is missing: cannot become nobody"
p=$(cat /proc/sys/kernel/perf_event_paranoid)
[ "$p" -gt 0 ] || skip "kernel.perf_event_paranoid is $p: nobody may sample every CPU here"
chmod 755 "$T"
mkdir -m 777 "$T/out"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
nobody "$TARE" --version >/dev/null 2>&1 || skip "nobody cannot run $TARE (directory permissions)"
expect_exit 3 nobody "$TARE" sample -a -o "$T/out/p.pb.gz"
one_line
contains "^tare sample: perf_event_open(cpu-clock): permission denied — run as root or set kernel.perf_event_paranoid <= 0"
# a process of another user: only its owner (or root) may sample it
expect_exit 3 nobody "$TARE" sample -p 1 -o "$T/out/p.pb.gz"
one_line; contains "perf_event_open(cpu-clock): permission denied on pid 1 — run as root or as its owner"
exit 0
