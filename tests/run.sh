#!/bin/sh
# tests/run.sh — run every test: the unit-test programs in build/tests/ and the golden CLI cases
# in tests/cli/*.sh.  Prints one line per test and ends with "N passed, N failed, N skipped".
#
# A CLI case is a shell script run with TARE (the binary), ROOT (the source tree) and T (a fresh
# temporary directory) set; it exits 0 to pass, 77 to skip (its last line says why), anything
# else to fail (its output is shown).  TESTS=pattern runs the matching cases only.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TARE=$BUILD/tare
TARE_ROOT=$ROOT TARE_BUILD=$BUILD
export ROOT BUILD TARE TARE_ROOT TARE_BUILD
pass=0 fail=0 skip=0
failed=""
pattern=${TESTS:-}

note() { printf '%s\n' "$*"; }
# leftovers DIR: PIDs of processes whose working directory is in DIR (a case's $T).
leftovers() {
	for p in /proc/[0-9]*; do
		case "$(readlink "$p/cwd" 2>/dev/null)" in "$1"|"$1"/*) printf '%s ' "${p#/proc/}" ;; esac
	done
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out" | grep -E '^(ok|not ok|skip) ' | sed "s/^/$name: /"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	s=$(printf '%s\n' "$out" | grep -c '^skip ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; note "not ok - $name exited with $rc"; fi
	[ "$f" -gt 0 ] && { printf '%s\n' "$out" | grep '^#' | sed 's/^/    /'; failed="$failed $name"; }
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
done

for c in "$ROOT"/tests/cli/*.sh; do
	[ -f "$c" ] || continue
	name=$(basename "$c" .sh)
	case "$name" in *"$pattern"*) ;; *) continue ;; esac
	T=$(mktemp -d "${TMPDIR:-/tmp}/tare-test.XXXXXX")
	export T
	start=$(date +%s)
	out=$(cd "$T" && sh "$c" 2>&1); rc=$?
	secs=$(( $(date +%s) - start ))
	# A case must not leave anything running (a tare left measuring makes every later run
	# refuse): what still works in its directory is killed, and a passing case fails for it.
	left=$(leftovers "$T")
	if [ -n "$left" ]; then
		kill -KILL $left 2>/dev/null
		[ "$rc" -eq 0 ] && { rc=1; out="$out
FAIL: left running: $left"; }
	fi
	if [ "$rc" -eq 0 ]; then
		note "ok - cli/$name (${secs}s)"; pass=$((pass + 1))
	elif [ "$rc" -eq 77 ]; then
		note "skip - cli/$name: $(printf '%s\n' "$out" | tail -n 1)"; skip=$((skip + 1))
	else
		note "not ok - cli/$name (exit $rc, ${secs}s)"
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /'
		# the reason comes first in a long message: keep it in view
		printf '%s\n' "$out" | tail -n 40 | grep -q '^FAIL:' ||
			printf '%s\n' "$out" | grep -m 1 '^FAIL:' | sed 's/^/    /'
		fail=$((fail + 1)); failed="$failed cli/$name"
	fi
	rm -rf "$T"
done

[ -n "$failed" ] && note "failed:$failed"
if [ "$skip" -gt 0 ]; then
	note "$pass passed, $fail failed, $skip skipped"
else
	note "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
