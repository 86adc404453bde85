# pprof-folded.awk — `go tool pprof -traces` (one block per stack: its value and the leaf, then
# the callers, one a line) as folded stacks, root first, a count per line: what an adapter's
# `self` command prints (docs/adapters.md).  A time ("10ms") is counted in microseconds, a bare
# number (-sample_index=samples) as it is.  Labels (a line "bytes:", "key:")
# are skipped; a frame's name is its line's last field (Go names have no blanks) but for an
# inlined one's "(inline)" mark.  Several profiles' outputs may follow one another.
function micros(v,    n, u) {
	n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
	if (u == "ns") return n / 1000
	if (u == "us" || u == "µs") return n
	if (u == "ms") return n * 1000
	if (u == "s") return n * 1e6
	if (u == "mins") return n * 6e7
	if (u == "hrs") return n * 3.6e9
	return n
}
function flush() { if (stack != "" && count > 0) sum[stack] += count; stack = ""; count = 0 }
/^-+\+-+$/ { flush(); inblock = 1; next }
# a header (File:, Type:, ... at the line's start; frames are indented): the next profile's,
# when several outputs are joined
/^[^ \t]/ { flush(); inblock = 0; next }
!inblock { next }
/^ *[a-z_]+:/ { next }
{ sub(/ \(inline\)$/, "") }
stack == "" && count == 0 && NF >= 2 { count = micros($1); stack = $NF; next }
NF >= 1 { stack = $NF ";" stack }
END { flush(); for (s in sum) printf "%s %d\n", s, sum[s] + 0.5 }
