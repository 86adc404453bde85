# Profilers that cannot run on every machine say exactly what is missing, in `tare list` and
# when a run asks for them (one line, exit 3, before anything is measured): async-profiler (not
# packaged by Debian) and bcc's profile (needs bpfcc-tools and the kernel's headers).  Where one
# can run here, its refusal is not checked.
. "$ROOT/tests/lib.sh"
cd "$T"
expect_exit 0 "$TARE" list
for p in async-profiler bcc-profile; do
	printf '%s\n' "$out" | grep -q "^  $p " || fail "tare list lacks $p: $out"
done
checked=0
for p in async-profiler bcc-profile; do
	line=$(printf '%s\n' "$out" | grep -A1 "^  $p " | tail -n 1)
	printf '%s\n' "$out" | grep -q "^  $p  *cannot run" || continue
	case "$p" in
	async-profiler) printf '%s\n' "$line" | grep -qE "java is not installed|async-profiler is not installed .*asprof on PATH|agent is missing" ;;
	bcc-profile) printf '%s\n' "$line" | grep -qE "apt-get install bpfcc-tools|kernel's headers.*linux-headers-" ;;
	esac || fail "$p: the reason does not say what to do: $line"
	cat > $p.lua <<LUA
experiment { name = "x", workload = { "cpu" }, profilers = { "off", { "$p" } }, blocks = 1, duration = 0.2 }
LUA
	expect_exit 3 "$TARE" run $p.lua
	one_line; contains "$p"
	[ ! -d results ] || [ -z "$(ls results)" ] || fail "$p: a refused run left results: $(ls -R results)"
	checked=$((checked + 1))
done
[ $checked -gt 0 ] || skip "both async-profiler and bcc's profile can run here: nothing to refuse"
exit 0
