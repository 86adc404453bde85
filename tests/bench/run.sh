#!/bin/sh
# tests/bench/run.sh — `make bench`: run every benchmark program (build/bench/bench_*, one per
# tests/bench/bench_*.c) and every tests/bench/*.sh script, in name order, printing their output.
#
# A benchmark prints its own table and PASS/FAIL goal lines and exits non-zero when a goal
# fails; this script runs all of them regardless and exits 1 if any failed, listing which.
# A script is run with ROOT (the source tree) and BUILD set; exit 77 means skipped (its last
# line says why).  BENCH=pattern runs the matching ones only.  Figures are from one run on
# whatever machine this is: compare them within a run, not across machines.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
export ROOT BUILD
pattern=${BENCH:-}
ran=0 failed="" skipped=""

run_one() { # NAME CMD...
	name=$1; shift
	case "$name" in *"$pattern"*) ;; *) return ;; esac
	printf '== %s\n' "$name"
	"$@"; rc=$?
	ran=$((ran + 1))
	if [ "$rc" -eq 77 ]; then
		skipped="$skipped $name"
	elif [ "$rc" -ne 0 ]; then
		printf '%s: exit %d\n' "$name" "$rc"
		failed="$failed $name"
	fi
	printf '\n'
}

for b in "$BUILD"/bench/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	run_one "$(basename "$b")" "$b"
done
for s in "$ROOT"/tests/bench/*.sh; do
	[ -f "$s" ] || continue
	[ "$(basename "$s")" = run.sh ] && continue
	run_one "$(basename "$s" .sh)" sh "$s"
done

if [ "$ran" -eq 0 ]; then
	echo "no benchmarks found (build/bench/bench_*, tests/bench/*.sh${pattern:+ matching '$pattern'})"
	exit 1
fi
[ -n "$skipped" ] && echo "skipped:$skipped"
if [ -n "$failed" ]; then
	echo "benchmarks with a failed goal:$failed"
	exit 1
fi
echo "$ran benchmark(s), every goal met"
