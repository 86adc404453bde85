# lib.sh — helpers the CLI cases in tests/cli/ source: . "$ROOT/tests/lib.sh"
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }
# expect_exit CODE CMD...: run CMD, keep stdout+stderr in $out, check the exit code.
expect_exit() {
	want=$1; shift
	out=$("$@" 2>&1); got=$?
	[ "$got" -eq "$want" ] || fail "'$*' exited $got, want $want; output:
$out"
}
# one_line: the error is one line (plus nothing else on stderr).
one_line() { [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || fail "want one line, got:
$out"; }
contains() { printf '%s\n' "$out" | grep -q -- "$1" || fail "output lacks '$1':
$out"; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root (cgroups, perf_event)"; }
# json FILE EXPR: evaluate a Python expression over the parsed JSON document d.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# no_leftovers PID: no cgroup of that tare run remains (a process left behind would keep its
# cgroup alive, so this checks processes too).
no_leftovers() {
	left=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "tare-$1-*" 2>/dev/null)
	[ -z "$left" ] || fail "cgroups left behind: $left"
}
# tare_bg ARGS...: start tare in the background, its output in $T/out; sets $pid.
tare_bg() { "$TARE" "$@" >"$T/out" 2>&1 & pid=$!; }
