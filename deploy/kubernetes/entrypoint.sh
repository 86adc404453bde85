#!/bin/sh
# deploy/kubernetes/entrypoint.sh — what a tare pod runs (the image's entrypoint; docs/fleet.md):
#
#   build/tare run "$SCRIPT" -o "$RESULTS_DIR/$NODE_NAME" $TARE_ARGS
#
# then, when PUSHGATEWAY_URL is set, pushes the run's figures to a Prometheus Pushgateway with
# `tare export --openmetrics RESULTS --push URL` ({node} in the URL becomes the node's name, so each
# node pushes to its own group), then sleeps HOLD_SECONDS so `kubectl cp` can fetch the results.
# Exits with tare run's exit code: 0 pass, 1 fail, 3 cannot measure here, 4 inconclusive.
#
# Environment: SCRIPT (default scripts/canary.lua; a path, e.g. /experiments/fleet.lua from the
# ConfigMap), TARE_ARGS (name=value options and flags, split at spaces, no quoting),
# PUSHGATEWAY_URL, RESULTS_DIR (/results), NODE_NAME (the Job sets it from spec.nodeName),
# HOLD_SECONDS (0), TARE_HOME (/opt/tare: the tree with build/tare).
set -eu
cd "${TARE_HOME:-/opt/tare}"
SCRIPT=${SCRIPT:-scripts/canary.lua}
RESULTS_DIR=${RESULTS_DIR:-/results}
node=${NODE_NAME:-$(hostname)}
out=$RESULTS_DIR/$node
mkdir -p "$out"
# The results directories there before the run: the one this run writes is the new one.  (Not a
# marker file's time: file times tick at the kernel's timer, and a fast run can share the tick.)
before=$(ls -1 -- "$out")

echo "tare fleet: node $node, index ${JOB_COMPLETION_INDEX:--}: build/tare run $SCRIPT -o $out ${TARE_ARGS:-}"
# tare runs in the background so that the SIGTERM the kubelet sends this shell (PID 1, which would
# ignore it) reaches tare: it stops as at Ctrl-C, keeping every finished trial
# (terminationGracePeriodSeconds in job.yaml gives it the time).
# shellcheck disable=SC2086 # TARE_ARGS is a list of words
build/tare run "$SCRIPT" -o "$out" ${TARE_ARGS:-} &
tare_pid=$!
trap 'kill -TERM "$tare_pid" 2>/dev/null || :' TERM INT
rc=0
wait "$tare_pid" || rc=$?
# a trapped signal ends wait early: wait again until tare has exited
while kill -0 "$tare_pid" 2>/dev/null; do
	rc=0
	wait "$tare_pid" || rc=$?
done
trap - TERM INT

res=""
for f in "$out"/*/results.json; do
	[ -f "$f" ] || continue
	d=$(basename "$(dirname "$f")")
	printf '%s\n' "$before" | grep -qxF -- "$d" || res=$f
done
if [ -z "$res" ]; then
	echo "tare fleet: node $node: no results.json written (tare run exited $rc)" >&2
	exit "$rc"
fi
res=$(dirname "$res")
echo "tare fleet: node $node: results in $res (tare run exited $rc)"

if [ -n "${PUSHGATEWAY_URL:-}" ]; then
	url=$(printf '%s\n' "$PUSHGATEWAY_URL" | sed "s|{node}|$node|g")
	# A failed push does not hide the run's own verdict: it is reported, and the exit code stays tare run's
	# unless the run itself passed.
	if ! build/tare export --openmetrics "$res" --push "$url"; then
		echo "tare fleet: node $node: push to $url failed" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
fi

if [ "${HOLD_SECONDS:-0}" -gt 0 ]; then
	echo "tare fleet: node $node: holding ${HOLD_SECONDS}s for kubectl cp"
	sleep "$HOLD_SECONDS"
fi
exit "$rc"
