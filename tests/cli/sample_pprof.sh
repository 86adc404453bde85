# A real client reads tare sample's pprof profile: `go tool pprof -top` (Debian's golang-go) lists
# the cpu workload's functions in their true order, cpu_hot, cpu_warm, cpu_cold.
. "$ROOT/tests/lib.sh"
cd "$T"
"$TARE" sample --help >/dev/null 2>&1 || skip "tare sample is not wired into harness/main.c yet"
command -v go >/dev/null 2>&1 || skip "go is not installed (apt-get install golang-go): pprof client not checked"
"$TARE" sample -F 999 -o p.pb.gz -- "$BUILD/workloads/cpu" --duration 2 >/dev/null 2>err ||
	fail "tare sample exited $?: $(cat err)"
HOME=${HOME:-$T} GOCACHE=$T/gocache go tool pprof -top p.pb.gz > top 2> top.err ||
	fail "go tool pprof cannot read the profile: $(cat top.err)"
order=$(grep -oE 'cpu_(hot|warm|cold)$' top | tr '\n' ' ')
[ "$order" = "cpu_hot cpu_warm cpu_cold " ] || fail "pprof -top order is '$order':
$(cat top)"
grep -q '^Type: cpu' top || fail "no 'Type: cpu' in:
$(cat top)"
exit 0
