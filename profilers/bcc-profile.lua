-- bcc-profile: bcc's `profile` tool (Debian's bpfcc-tools: profile-bpfcc), the BPF CPU profiler
-- of Brendan Gregg's tools: perf_event at `hz` on every CPU, stacks of the workload's process
-- counted in a kernel map, printed folded at the end.
--
-- bcc compiles its BPF program when it starts, with clang against the running kernel's headers
-- (/lib/modules/RELEASE/build, or the kheaders module's /sys/kernel/kheaders.tar.xz).  A machine
-- without them cannot run it — the VM tare is developed on has none — and `tare list` and a run
-- say so in one line.  bpftrace and tare's ref-bpf need only BTF (/sys/kernel/btf/vmlinux).
-- Compiling takes seconds of CPU at each start, charged to the profiler: so no switchback
-- (restart would compile in every on window).
--
-- Its output (stdout, {dir}/profiler.out) is folded stacks, so what it recorded
-- (profile_samples) and its own frames (self) are read straight from it.
--
--   profilers = { "off", { "bcc-profile", hz = 99 } }
local tools = { "profile-bpfcc", "/usr/share/bcc/tools/profile", "/usr/sbin/profile-bpfcc" }

local function find()
  for _, t in ipairs(tools) do
    local p = t:sub(1, 1) == "/" and (tare.exists(t) and t) or tare.which(t)
    if p then return p end
  end
end

local function release()
  local f = io.open("/proc/sys/kernel/osrelease")
  local r = f and f:read("l") or "?"
  if f then f:close() end
  return r
end

return {
  description = "bcc's profile (bpfcc-tools): perf_event stacks counted in a BPF map, compiled at start against kernel headers",
  options = {
    hz = { "sampling frequency (Hz)", 99, type = "integer", min = 1, max = 100000 },
  },
  available = function()
    if not find() then return false, "bcc's profile is not installed: apt-get install bpfcc-tools" end
    local r = release()
    if not tare.exists("/lib/modules/" .. r .. "/build") and not tare.exists("/sys/kernel/kheaders.tar.xz") then
      return false, "bcc compiles its BPF program against the kernel's headers, and kernel " .. r .. " has none here " ..
                    "(no /lib/modules/" .. r .. "/build, no /sys/kernel/kheaders.tar.xz): apt-get install linux-headers-" ..
                    r .. " or load the kheaders module; bpftrace and ref-bpf need only BTF"
    end
    return true
  end,
  command = function(o) return { find(), "-F", o.hz, "-f", "-p", "{pid}" } end,
  -- sampling once its perf events are open, one a CPU, after compiling (seconds); it prints its
  -- stacks when it stops
  ready = { perf_event_fds = tare.ncpus, timeout = 60 },
  stop = { signal = "INT", grace = 30 },
  samples = { command = { "sh", "-c", "awk '{ n += $NF } END { print \"samples\", n + 0 }' {dir}/profiler.out" },
              match = "samples ([0-9]+)" },
  self = { folded = "{dir}/profiler.out", pattern = "(^|;)_*(bpf_|perf_)" },
}
