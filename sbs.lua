experiment { name = "sbs", workload = { "server", rate = 2000 }, profilers = { "off", { "perf", hz = 99 } },
  design = "switchback", blocks = 2, warmup = 0.5, duration = 6, window = 0.5 }
