-- async-profiler: the sampling profiler most JVM services are profiled with (Pyroscope's Java
-- SDK embeds it), on a Java workload (workloads/java.lua, or any workload whose program is java).
-- Debian does not package it: unpack a release of the async-profiler project (bin/asprof and
-- lib/libasyncProfiler.so) into /opt/async-profiler, or put its bin/ on PATH.  Where it is
-- missing, `tare list` and a run say so in one line (exit 3 for a run).
--
--   when = "launch"  the agent on the JVM's command line (-agentpath, through workload_args):
--                    it samples from the JVM's start and writes {dir}/profile.collapsed when the
--                    JVM exits.  Its whole cost is in the workload's process.
--   when = "attach"  `asprof start` on the running JVM once it is ready, `asprof stop` at the
--                    end (which writes the profile): each asprof attaches through the JVM's
--                    attach listener; its own CPU is counted as the profiler's.
--
-- event = "cpu" (perf_events where permitted, else itimer) or "itimer", every `interval` ms.
-- The profile is collapsed stacks (folded: one line a stack and its count), so what it
-- recorded (profile_samples) and its own frames (self) are read straight from it.
--
--   profilers = { "off", { "async-profiler" }, { "async-profiler", when = "attach", interval = 1 } }
local homes = { "/opt/async-profiler", "/usr/local/async-profiler", "/usr/lib/async-profiler" }

local function find()
  local asprof = tare.which("asprof")
  if asprof then
    local home = asprof:gsub("/bin/asprof$", "")
    return asprof, home .. "/lib/libasyncProfiler.so"
  end
  for _, h in ipairs(homes) do
    if tare.exists(h .. "/bin/asprof") then return h .. "/bin/asprof", h .. "/lib/libasyncProfiler.so" end
  end
end

return {
  description = "async-profiler on a JVM (not packaged by Debian): as an agent at launch or attached by asprof",
  options = {
    when     = { "launch: -agentpath on the JVM's command line; attach: asprof start on the running JVM",
                 "launch", choices = { "launch", "attach" } },
    event    = { "what it samples: cpu (perf_events where permitted, else itimer) or itimer", "cpu",
                 choices = { "cpu", "itimer" } },
    interval = { "milliseconds of CPU between samples", 10, type = "number", min = 0.1, max = 1000 },
  },
  available = function()
    if not tare.which("java") then return false, "java is not installed: apt-get install openjdk-17-jdk-headless" end
    local asprof, lib = find()
    if not asprof then
      return false, "async-profiler is not installed (Debian does not package it): unpack a release of the " ..
                    "async-profiler project into /opt/async-profiler, or put its bin/asprof on PATH"
    end
    if not tare.exists(lib) then return false, "async-profiler's agent is missing: no " .. lib end
    return true
  end,
  workload_args = function(o)
    if o.when ~= "launch" then return nil end
    local _, lib = find()
    return { "-agentpath:" .. lib .. "=start,event=" .. o.event .. ",interval=" .. math.floor(o.interval * 1e6) ..
             ",collapsed,file={dir}/profile.collapsed" }
  end,
  command = function(o)
    if o.when == "launch" then return nil end
    local asprof = find()
    -- dash ignores SIGINT in a background job, so the trap ends the sleep itself
    return { "sh", "-c",
      asprof .. " start -e " .. o.event .. " -i " .. math.floor(o.interval * 1e6) .. " {pid} || exit 1\n" ..
      "trap 'kill $s 2>/dev/null; " .. asprof .. " stop -o collapsed -f {dir}/profile.collapsed {pid}; exit $?' INT TERM\n" ..
      "sleep infinity & s=$!\n" ..
      "wait $s" }
  end,
  start = "ready",
  stop = { signal = "INT", grace = 30 },
  samples = { command = { "sh", "-c", "awk '{ n += $NF } END { print \"samples\", n + 0 }' {dir}/profile.collapsed" },
              match = "samples ([0-9]+)" },
  -- its own frames: the signal handler's and the profiler's threads' native frames
  self = { folded = "{dir}/profile.collapsed", pattern = "(^|;)(Profiler::|AsyncGetCallTrace|.*libasyncProfiler)" },
}
