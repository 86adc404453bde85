# Option values are passed literally: {root}, {pid}, {dir} typed on the command line or written
# in the script reach the workload's and the profiler's command, the workload's environment and
# the profiler's ready file as that text, never expanded; the adapters' own {dir} still is.
. "$ROOT/tests/lib.sh"
need_root
cd "$T"
# Both write what they were given into the trial's directory, then wait to be stopped.
cat > echo.lua <<'LUA'
return { description = "a profiler writing its argv; the workload's environment from its option",
  options = { text = { "any text", "x" } },
  env = function(o) return { TARE_TEST_TEXT = o.text } end,
  command = function(o, t)
    return { "sh", "-c", 'printf "%s\n" "$2" > "$1/profiler-argv.txt"; : > "$1/ready-$2"; exec sleep 600',
             "sh", t.dir, o.text }
  end,
  ready = function(o) return { file = "{dir}/ready-" .. o.text, timeout = 5 } end,
}
LUA
cat > envdump.lua <<'LUA'
return { description = "a workload writing its argv and environment",
  options = { text = { "any text", "x" } },
  command = function(o, t)
    return { "sh", "-c", 'printf "%s\n" "$2" > "$1/workload-argv.txt"; printf "%s\n" "$TARE_TEST_TEXT" > "$1/env.txt"; exec sleep 600',
             "sh", t.dir, o.text }
  end,
}
LUA
cat > literal.lua <<'LUA'
local o = options { text = { "text for the adapters", "plain" } }
experiment { name = "literal", workload = { "./envdump.lua", text = o.text },
  profilers = { "off", { "./echo.lua", text = o.text }, { "./echo.lua", text = "{dir}{build}{{" } },
  blocks = 1, warmup = 0.1, duration = 0.2 }
LUA
tare_bg run literal.lua 'text={root}-{pid}'
wait $pid; rc=$?
out=$(cat "$T/out")
[ $rc -eq 0 ] || fail "exit $rc: $out"
contains "echo.lua text={root}-{pid}"
dir=$(ls -d results/*-literal)
# Per echo trial: the text its configuration was given, and what each process received.
python3 - "$dir" <<'PY' || fail "$(cat "$dir"/trials.csv)"
import json, os, sys
d = sys.argv[1]
r = json.load(open(os.path.join(d, "results.json")))
bad = []
seen = 0
for t in r["trials"]:
    c = r["configs"][t["config"]]
    if c["profiler"] != "./echo.lua":
        continue
    seen += 1
    want = c["options"]["text"]
    if t["state"] != "ok":
        bad.append("%s: %s %s" % (c["label"], t["state"], t.get("error")))
        continue
    for f in ("profiler-argv.txt", "workload-argv.txt", "env.txt", "ready-" + want):
        p = os.path.join(d, t["dir"], f)
        got = open(p).read().rstrip("\n") if os.path.exists(p) else None
        if f.startswith("ready-"):
            if got is None: bad.append("%s: no ready file %s" % (c["label"], f))
        elif got != (want if f != "workload-argv.txt" else "{root}-{pid}"):
            bad.append("%s: %s holds %r, want %r" % (c["label"], f, got, want))
if sorted(c["options"]["text"] for c in r["configs"] if c["profiler"] == "./echo.lua") != ["{dir}{build}{{", "{root}-{pid}"]:
    bad.append("results.json options: %r" % [c["options"] for c in r["configs"]])
if seen != 2:
    bad.append("want 2 echo trials, got %d" % seen)
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
no_leftovers $pid
exit 0
