#!/bin/sh
# deploy/ssh/run-hosts.sh — the fleet Job without Kubernetes (docs/fleet.md): on each host, as root
# over ssh, copy this source tree (or clone a repository), scripts/setup.sh && make, run one
# experiment, and copy its results back into results/hosts/<host>/.
#
#   deploy/ssh/run-hosts.sh [-s SCRIPT] [-f HOSTFILE] [-o DIR] [-d REMOTE_DIR] [-g GIT_URL] [-S]
#                           [HOST ...] [-- name=value ...]
#
#   -s SCRIPT      the experiment, a path inside the tree (default scripts/canary.lua)
#   -f HOSTFILE    hosts, one a line (# comments); HOST arguments add to them
#   -o DIR         where results land: DIR/<host>/<run id>/<stamp>-<name>/ (default results/hosts)
#   -d REMOTE_DIR  the tree on each host (default /opt/tare)
#   -g GIT_URL     clone (or fetch and reset to) GIT_URL on the host instead of copying this tree
#                  (git must be installed there)
#   -S             one host after another (default: every host at once, each host's steps in turn)
#   -- ARGS        passed to tare run (name=value options, -q, --no-report ...)
#
# A HOST is a name for ssh (user@host or an alias of ~/.ssh/config; root@ is added to a bare
# name). Each host's output goes to DIR/<host>/run.log. A host named twice runs once: two tare
# runs on one machine perturb each other (and the second would refuse, exit 3). Exits 0 when every
# host's run passed, 4 when the worst was inconclusive, 1 otherwise (the summary says which host
# and why).
# The remote commands are built here, on purpose: their words are quoted with sh_quote.
# shellcheck disable=SC2029
set -eu

usage() {
	echo "usage: deploy/ssh/run-hosts.sh [-s SCRIPT] [-f HOSTFILE] [-o DIR] [-d REMOTE_DIR] [-g GIT_URL] [-S] [HOST ...] [-- name=value ...]" >&2
	exit 2
}

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
script=scripts/canary.lua
hostfile=""
out=$ROOT/results/hosts
remote_dir=/opt/tare
git_url=""
sequential=0
while getopts s:f:o:d:g:Sh opt; do
	case $opt in
	s) script=$OPTARG ;;
	f) hostfile=$OPTARG ;;
	o) out=$OPTARG ;;
	d) remote_dir=$OPTARG ;;
	g) git_url=$OPTARG ;;
	S) sequential=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))

# HOST arguments up to "--"; what follows goes to tare run.
hosts=""
if [ -n "$hostfile" ]; then
	[ -r "$hostfile" ] || { echo "run-hosts: cannot read $hostfile" >&2; exit 2; }
	hosts=$(sed 's/#.*//' "$hostfile" | awk '{ for (i = 1; i <= NF; i++) print $i }')
fi
while [ $# -gt 0 ]; do
	[ "$1" = "--" ] && { shift; break; }
	hosts="$hosts
$1"
	shift
done
# one run per host: drop repeats, keep the order
hosts=$(printf '%s\n' "$hosts" | grep -v '^$' | awk '!seen[$0]++' || :)
[ -n "$hosts" ] || usage

# sh_quote WORD: WORD quoted for the remote shell.
sh_quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
tare_args=""
for a in "$@"; do tare_args="$tare_args $(sh_quote "$a")"; done

version=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
run_id=$(date -u +%Y%m%dT%H%M%SZ)
ssh_opts="-o BatchMode=yes -o ConnectTimeout=15"
mkdir -p "$out"

# one_host HOST: every step on one host, its output in $out/<name>/run.log; its exit code in
# $out/<name>/exit-code (tare run's, or 90 copy, 91 setup/make, 92 fetching the results).
one_host() {
	h=$1
	case $h in *@*) target=$h ;; *) target=root@$h ;; esac
	name=${h#*@}
	dir=$out/$name
	mkdir -p "$dir"
	log=$dir/run.log
	rdir=$(sh_quote "$remote_dir")
	rc=0
	{
		echo "== $target: $(date -u +%Y-%m-%dT%H:%M:%SZ) run $run_id, tare $version"
		# shellcheck disable=SC2086 # ssh_opts is a list of words
		if [ -n "$git_url" ]; then
			ssh $ssh_opts "$target" "set -e; if [ -d $rdir/.git ]; then cd $rdir && git fetch -q && git reset -q --hard FETCH_HEAD; \
else git clone -q $(sh_quote "$git_url") $rdir; fi" || rc=90
		else
			tar -C "$ROOT" --exclude=./.git --exclude=./build --exclude='./build-*' --exclude=./results -cf - . |
				ssh $ssh_opts "$target" "mkdir -p $rdir && tar -C $rdir -xf -" || rc=90
		fi
		if [ "$rc" -eq 0 ]; then
			make_version=$version
			# a clone has its own .git: describe it there
			# shellcheck disable=SC2016
			[ -z "$git_url" ] || make_version='$(git describe --always --dirty 2>/dev/null || echo unknown)'
			# shellcheck disable=SC2086
			ssh $ssh_opts "$target" "cd $rdir && scripts/setup.sh && make VERSION=\"$make_version\"" || rc=91
		fi
		if [ "$rc" -eq 0 ]; then
			echo "== $target: build/tare run $script -o results/fleet/$run_id$tare_args"
			# shellcheck disable=SC2086
			ssh $ssh_opts "$target" "cd $rdir && build/tare run $(sh_quote "$script") -o results/fleet/$run_id$tare_args" || rc=$?
			# whatever the verdict, fetch what was written (a failed run may have kept trials)
			# shellcheck disable=SC2086
			scp -q -r $ssh_opts "$target:$remote_dir/results/fleet/$run_id" "$dir/" || { [ "$rc" -ne 0 ] || rc=92; }
		fi
		echo "== $target: exit $rc"
	} >"$log" 2>&1 </dev/null
	echo "$rc" >"$dir/exit-code"
}

names=""
for h in $hosts; do
	names="$names ${h#*@}"
	if [ "$sequential" -eq 1 ]; then
		echo "run-hosts: $h (log: $out/${h#*@}/run.log)"
		one_host "$h"
	else
		echo "run-hosts: $h started (log: $out/${h#*@}/run.log)"
		one_host "$h" &
	fi
done
wait

worst=0
for n in $names; do
	rc=$(cat "$out/$n/exit-code" 2>/dev/null || echo 1)
	case $rc in
	0) why="pass" ;;
	1) why="FAIL, or a configuration with no measured trial" ;;
	2) why="usage or script error" ;;
	3) why="cannot measure there (permission, tool, or another run measuring)" ;;
	4) why="inconclusive" ;;
	90) why="copying the tree failed" ;;
	91) why="setup.sh or make failed" ;;
	92) why="fetching the results failed" ;;
	255) why="ssh failed" ;;
	*) why="tare exited $rc" ;;
	esac
	printf '%-30s exit %-3s %s\n' "$n" "$rc" "$why"
	if [ "$rc" -eq 4 ]; then
		[ "$worst" -ne 0 ] || worst=4
	elif [ "$rc" -ne 0 ]; then
		worst=1
	fi
done
echo "run-hosts: results in $out/<host>/$run_id/; to combine them: build/tare merge $out/*/$run_id/*/"
exit "$worst"
