-- off: no profiler.  The baseline arm every other configuration is paired with.
return {
  description = "no profiler: the baseline every other arm is measured against",
  baseline = true,
}
