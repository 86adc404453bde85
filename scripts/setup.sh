#!/bin/sh
# scripts/setup.sh — install the Debian packages tare needs, when they are missing.
#
#   scripts/setup.sh          what building and running tare needs
#   scripts/setup.sh --tests  also what the tests use (Go's pprof, Python for JSON and YAML checks,
#                             Chromium to render the HTML report, nginx and redis as real services,
#                             wrk as a load generator that is not tare's, redis' Prometheus exporter
#                             as a service's own metrics, bpftrace, gperftools and jemalloc as
#                             profilers people run, a JDK for the Java service and JFR, Node.js and npm for the node
#                             workload, and the Pyroscope Node SDK, npm-installed into workloads/node/,
#                             Prometheus and its Pushgateway for tare export --push)
#
# On a machine with systemd, installing prometheus and prometheus-pushgateway also starts them
# as services on ports 9090 and 9091 (and node_exporter on 9100); the tests never use those:
# they start their own on free loopback ports.
#
# Quick when everything is present: it asks dpkg, not the network.  Runs apt-get through sudo
# when not root.
set -eu

build="make gcc pkg-config liblua5.4-dev libjansson-dev libpfm4-dev libelf-dev libdw-dev zlib1g-dev \
libprotobuf-c-dev protobuf-c-compiler libbpf-dev clang llvm bpftool linux-perf gnuplot-nox"
tests="python3 python3-yaml golang-go valgrind chromium nginx-light redis-server wrk prometheus-redis-exporter bpftrace libgoogle-perftools4 libjemalloc2 openjdk-17-jdk-headless nodejs prometheus prometheus-pushgateway"
root=$(cd "$(dirname "$0")/.." && pwd)

want=$build
with_tests=0
for arg in "$@"; do
	case "$arg" in
	--tests) want="$want $tests"; with_tests=1
		# Debian packages npm apart; a nodejs from elsewhere may bring its own
		command -v npm >/dev/null 2>&1 || want="$want npm" ;;
	-h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The Pyroscope Node SDK (profilers/pyroscope-node.lua), into workloads/node/node_modules (ignored
# by git), at the version workloads/node/package.json pins; no lock file is written.
node_sdk() {
	[ "$with_tests" -eq 1 ] || return 0
	[ -f "$root/workloads/node/node_modules/@pyroscope/nodejs/package.json" ] && return 0
	echo "setup: npm install in workloads/node (the Pyroscope Node SDK)"
	(cd "$root/workloads/node" && npm install --no-audit --no-fund --no-package-lock --loglevel=error) ||
		{ echo "setup: npm install in $root/workloads/node failed" >&2; exit 3; }
}

if [ -z "$missing" ]; then
	echo "setup: all packages present"
	node_sdk
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "setup: missing:$missing — this script knows Debian's apt-get only; install them by hand" >&2
	exit 3
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "setup: missing:$missing — run as root (no sudo here)" >&2; exit 3; }
	sudo=sudo
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
node_sdk
echo "setup: done"
