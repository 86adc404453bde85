# tare sample --bpf's errors: one line each, and the exit code a script can branch on (2: usage
# or a PID that does not exist; 127/126: a command that cannot be found or run, as env(1)).
. "$ROOT/tests/lib.sh"
cd "$T"
out=$("$TARE" sample --bpf --help 2>&1); rc=$?
[ $rc -eq 0 ] || skip "this tare has no eBPF sampler: $out"
printf '%s\n' "$out" | grep -q -- '-t, --types LIST' || fail "--help: $out"

expect_exit 2 "$TARE" sample --bpf -t cpu,nosuch -- true
one_line; contains "'nosuch' is not a profile type (cpu, offcpu, lock, alloc)"
expect_exit 2 "$TARE" sample --bpf -t , -- true
one_line; contains "name at least one type"
expect_exit 2 "$TARE" sample --bpf -a
one_line; contains "not -a"
expect_exit 2 "$TARE" sample -F 99 --bpf -- true
one_line; contains "--bpf comes first"
expect_exit 2 "$TARE" sample --bpf -t cpu
one_line; contains "what to profile"
expect_exit 2 "$TARE" sample --bpf --stack-depth 200 -- true
one_line; contains "expected 1 to 127"
expect_exit 2 "$TARE" sample --bpf --alloc-rate 0 -- true
one_line; contains "--alloc-rate 0"
expect_exit 2 "$TARE" sample --bpf -e no-such-event -- true
one_line; contains "unknown event"
expect_exit 2 "$TARE" sample --bpf -o /nonexistent-dir/p.pb.gz -- true
one_line; contains "cannot write /nonexistent-dir/p.cpu.pb.gz"
sh -c 'exit 0' & gone=$!
wait $gone
expect_exit 2 "$TARE" sample --bpf -p "$gone" -o p.pb.gz
one_line; contains "^tare sample: pid $gone: no such process$"

# these load the programs first: root only
[ "$(id -u)" -eq 0 ] || skip "not root: the command cases load BPF programs"
probe=$("$TARE" sample --bpf -o probe.pb.gz -- true 2>&1); rc=$?
[ $rc -eq 0 ] || skip "the eBPF sampler cannot run here: $probe"
expect_exit 127 "$TARE" sample --bpf -o p.pb.gz -- tare-no-such-command
one_line; contains "^tare sample: cannot run 'tare-no-such-command': No such file or directory$"
printf 'not a program\n' > notexec
chmod 644 notexec
expect_exit 126 "$TARE" sample --bpf -o p.pb.gz -- ./notexec
one_line; contains "cannot run './notexec': Permission denied"
# the command's own status comes back
expect_exit 7 "$TARE" sample --bpf -o q.pb.gz -- sh -c 'exit 7'
exit 0
