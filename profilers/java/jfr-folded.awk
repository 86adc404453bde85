# jfr-folded.awk — a JFR recording's execution samples as folded stacks, one "root;...;leaf count"
# line per distinct stack, for tare's self share and known-split check (profilers/jfr.lua):
#
#   jfr print --events jdk.ExecutionSample --stack-depth 64 recording.jfr | awk -f jfr-folded.awk
#
# jfr prints each event's stackTrace leaf first, a frame a line, "Server.cpuHot(int, long) line:
# 42"; a frame here is "Class.method" (the package kept, the signature and line dropped), the
# names a workload's known split gives.  A stack cut at --stack-depth ends in "..."; it is kept,
# rooted where jfr stopped.
/stackTrace = \[/ { in_stack = 1; n = 0; next }
in_stack && /^[ \t]*\][ \t]*$/ {
	in_stack = 0
	s = ""
	for (i = n; i >= 1; i--)
		s = s (s == "" ? "" : ";") frame[i]
	if (s != "")
		count[s]++
	next
}
in_stack {
	f = $0
	sub(/^[ \t]+/, "", f)
	if (f == "" || f == "...")
		next
	sub(/\(.*$/, "", f)
	frame[++n] = f
	next
}
END { for (s in count) print s, count[s] }
