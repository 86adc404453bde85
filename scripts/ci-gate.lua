-- ci-gate: a short run for a CI job — is the profiler still within its budget?
--
-- The cpu workload with the profiler off and on (perf record at 99 Hz: put your own adapter
-- in its place), a budget on the overhead, and blocks added one at a time while the verdict
-- is INCONCLUSIVE, up to max_blocks.  Exit 0 PASS, 1 FAIL, 3 cannot measure here, 4 still
-- INCONCLUSIVE; docs/ci.md shows how to gate a job on it and on `tare compare`.
-- About 20 s on a 2-CPU machine, 40 s when every extra block is needed.
--
--   tare run scripts/ci-gate.lua                           the defaults below
--   tare run scripts/ci-gate.lua budget=cpu:1%,memory:32MiB hz=999
local o = options {
  hz       = { "perf sampling frequency (Hz)", 99, type = "integer", min = 1 },
  -- 8 blocks: `tare compare` of two such runs is not decided by one outlier block (docs/ci.md).
  blocks   = { "blocks before the verdict is first tried", 8, type = "integer", min = 6 },
  duration = { "measured seconds per trial", 0.5, min = 0.1 },
}

experiment {
  name      = "ci-gate",
  workload  = { "cpu" },
  profilers = { { "off" }, { "perf", hz = o.hz } },
  budget    = { cpu = "2%", memory = "64MiB" },
  blocks = o.blocks, max_blocks = 2 * o.blocks, warmup = 0.2, duration = o.duration,
}
