"""switched.py — the trials of a switchback run whose profiler is switched inside its workload
(control = "toggle" or "restart"), for tests/cli/{java,go,node,native_profilers}.sh:

    import switched
    for t, base in switched.trials(results_json, "gperftools"):   # each ok, with samples counted
        switched.on_windows(t), switched.on_runs(t), switched.files(base, "gperftools.prof.*")

A run of on windows is one stretch of the profiler: one file for the profilers that write one
when switched off, one life for a restarted one.
"""
import glob
import json
import os


def trials(path, label=None, samples=True):
    """(trial, its folder) for each trial of the run at path (whose label starts with label),
    asserted ok and, with samples, to have recorded something."""
    d = json.load(open(path))
    out = []
    for t in d["trials"]:
        if label and not t["label"].startswith(label):
            continue
        assert t["state"] == "ok", (t["label"], t["state"], t["error"])
        assert t["profile_samples"] is not None and (t["profile_samples"] > 0 or not samples), \
            (t["label"], t["profile_samples"])
        out.append((t, os.path.join(os.path.dirname(path), t["dir"])))
    assert out, f"no trial of {label or 'any profiler'} in {path}"
    return out


def on_windows(t):
    return sum(w["arm"] == 1 for w in t["windows"])


def on_runs(t):
    w = t["windows"]
    return sum(1 for i, x in enumerate(w) if x["arm"] == 1 and (i == 0 or w[i - 1]["arm"] == 0))


def files(base, pattern):
    return sorted(glob.glob(os.path.join(base, pattern)))
