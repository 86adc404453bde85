"""benchlib — what the benchmark scripts' Python shares (tests/bench/*.sh import it).

The goals compare arms of the same block directly: per block, g = ov_a - k ov_b (points), where
ov = CPU per unit / the off trial's - 1; a Hodges-Lehmann estimate and an exact Wilcoxon
signed-rank 95% interval over the blocks, judged as tare judges a budget (harness/budget.h):
PASS when the interval lies at or below 0, FAIL when it lies above, else INCONCLUSIVE.
"""
import math


def hl(g):
    """Hodges-Lehmann estimate and exact Wilcoxon signed-rank 95% interval of g: (est, lo, hi);
    lo and hi are nan below 6 values, est too when there are none."""
    n = len(g)
    walsh = sorted((g[i] + g[j]) / 2 for i in range(n) for j in range(i, n))
    if not walsh:
        return float("nan"), float("nan"), float("nan")
    m = len(walsh)
    est = (walsh[m // 2] + walsh[(m - 1) // 2]) / 2
    dist = [1] + [0] * m                      # null distribution of the signed-rank statistic
    for r in range(1, n + 1):
        for v in range(m, r - 1, -1):
            dist[v] += dist[v - r]
    cum, c = 0, 0
    for v in range(m + 1):
        if (cum + dist[v]) / 2 ** n > 0.025:
            break
        cum += dist[v]
        c = v + 1
    if c == 0:
        return est, float("nan"), float("nan")
    return est, walsh[c - 1], walsh[m - c]


def med(xs):
    xs = sorted(xs)
    n = len(xs)
    return (xs[n // 2] + xs[(n - 1) // 2]) / 2 if n else float("nan")


def missing(x):
    return x is None or math.isnan(x)


def fmt(e, lo, hi, unit="%", prec=2):
    """'+1.23% [+0.45, +2.01]', without the interval where there is none, '-' without a value."""
    if missing(e):
        return "-"
    s = f"{e:+.{prec}f}{unit}"
    if not (missing(lo) or missing(hi)):
        s += f" [{lo:+.{prec}f}, {hi:+.{prec}f}]"
    return s


def per_unit(t):
    """A trial's CPU per unit of work: the workload's, the profiler's and the unattributed."""
    return (t["workload_cpu_ns"] + t["profiler_cpu_ns"] + t["unattributed_ns"]) / t["units"]


def arm_name(label):
    """A configuration's first word, the scripts' own floor profiler named 'floor'."""
    return label.split()[0].replace("./floor.lua", "floor")


def by_block(doc, name=arm_name):
    """{block: {arm: trial}} of a results.json's measured trials."""
    blocks = {}
    for t in doc["trials"]:
        if t["state"] == "ok" and t["units"]:
            blocks.setdefault(t["block"], {})[name(t["label"])] = t
    return blocks


def overhead(doc, name, metric, arm=arm_name):
    """tare's own (estimate, lo, hi) of an arm's overhead in a metric."""
    for a in doc["summary"]["arms"]:
        if arm(a["label"]) == name:
            o = a["overhead"].get(metric, {})
            return o.get("estimate"), o.get("lo"), o.get("hi")
    return None, None, None


def paired(blocks, a, k, b):
    """Per block ov_a - k ov_b, in points: (est, lo, hi, blocks)."""
    g = [100 * ((per_unit(v[a]) / per_unit(v["off"]) - 1) - k * (per_unit(v[b]) / per_unit(v["off"]) - 1))
         for v in blocks.values() if all(x in v for x in ("off", a, b))]
    return hl(g) + (len(g),)


def goal_paired(doc, blocks, a, k, b, what, knob):
    """Print the verdict of 'a's overhead <= k x b's'; False when it FAILs.  knob: the
    environment variable that sets the number of blocks."""
    est, lo, hi, n = paired(blocks, a, k, b)
    ra, rb = overhead(doc, a, "cpu_total")[0], overhead(doc, b, "cpu_total")[0]
    v = "PASS" if hi <= 0 else "FAIL" if lo > 0 else "INCONCLUSIVE"
    ratio = f"{ra / rb:.2f}x" if rb else "-"
    print(f"{v}: {what} ({ra:+.2f}% vs {rb:+.2f}%, {ratio}; per block {a} - {k:g} x {b} = "
          f"{est:+.2f} points [{lo:+.2f}, {hi:+.2f}], {n} blocks)")
    if v == "INCONCLUSIVE" and math.isnan(lo):
        print("  too few blocks for an interval (6 or more)")
    elif v == "INCONCLUSIVE":
        print(f"  the interval holds 0: this run cannot tell on this machine; more blocks "
              f"({knob}) narrow it as 1/sqrt(blocks)")
    return v != "FAIL"


def goal_switchback(doc, a, k, b, what, knob):
    """The verdict of 'a's overhead <= k x b's' from a switchback run, where each arm has its
    own processes: the difference ov_a - k ov_b of two independent random-effects estimates,
    its half-width sqrt(h_a^2 + k^2 h_b^2) from the arms' own half-widths (the same t quantile
    when both have as many processes, as blocks give them).  False when it FAILs."""
    ea, la, ha = overhead(doc, a, "cpu_total")
    eb, lb, hb = overhead(doc, b, "cpu_total")
    if any(missing(x) for x in (ea, la, ha, eb, lb, hb)):
        print(f"INCONCLUSIVE: {what} (no interval for {a} or {b})")
        return True
    d = ea - k * eb
    half = math.sqrt(((ha - la) / 2) ** 2 + (k * (hb - lb) / 2) ** 2)
    lo, hi = d - half, d + half
    v = "PASS" if hi <= 0 else "FAIL" if lo > 0 else "INCONCLUSIVE"
    ratio = f"{ea / eb:.2f}x" if eb else "-"
    print(f"{v}: {what} ({ea:+.2f}% vs {eb:+.2f}%, {ratio}; {a} - {k:g} x {b} = {d:+.2f} points "
          f"[{lo:+.2f}, {hi:+.2f}], switchback)")
    if v == "INCONCLUSIVE":
        print(f"  the interval holds 0: this run cannot tell on this machine; more processes "
              f"({knob}) or longer ones narrow it")
    return v != "FAIL"
