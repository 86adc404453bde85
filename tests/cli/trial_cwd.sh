# Each trial's processes work in the trial's folder: what a profiler writes to a relative path
# stays with its trial (two trials do not overwrite each other), and a command given relative to
# where tare runs still starts.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
cat > wl.sh <<'SH'
#!/bin/sh
pwd > workload-cwd.txt
exec sleep 60
SH
chmod +x wl.sh
cat > wl.lua <<'LUA'
return { description = "a relative command", command = function() return { "./wl.sh" } end }
LUA
cat > prof.lua <<'LUA'
return { description = "writes where it runs", command = function() return { "sh", "-c", "pwd > profile.txt; exec sleep 60" } end,
  ready = { file = "{dir}/profile.txt", timeout = 5 } }
LUA
cat > cwd.lua <<'LUA'
experiment { name = "cwd", workload = { "./wl.lua" }, profilers = { "off", { "./prof.lua" } }, blocks = 2, warmup = 0.1, duration = 0.2 }
LUA
expect_exit 0 "$TARE" run cwd.lua --no-report
n=0
for d in results/*-cwd/trials/*/; do
	d=${d%/}
	[ "$(cat "$d/workload-cwd.txt")" = "$(cd "$d" && pwd)" ] || fail "workload ran in $(cat "$d/workload-cwd.txt"), not $d"
	case "$d" in *prof*)
		[ "$(cat "$d/profile.txt")" = "$(cd "$d" && pwd)" ] || fail "profiler ran in $(cat "$d/profile.txt"), not $d"
		n=$((n + 1)) ;;
	esac
done
[ "$n" -eq 2 ] || fail "want a profile.txt in each of the 2 profiled trials, found $n"
exit 0
