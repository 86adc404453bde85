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


def print_duets(doc, names):
    """One line per configuration of a duet run: each floor or profiler against off, and each
    duet 'a/b' as (1 + ov_a) / (1 + ov_b) - 1."""
    for n in names:
        what = f"(1 + ov_{n.split('/')[0]}) / (1 + ov_{n.split('/')[1]}) - 1" if "/" in n else "against off"
        print(f"  {n:<14} {fmt(*overhead(doc, n, 'cpu_total')):<27} {what}")


def goal_duet(doc, duet, k, other, what, knob):
    """The verdict of 'ov_a <= k ov_b' from a duet (bench_sampler duet): a and b on one process,
    tare's "on" arm a and its "off" arm b, so the duet's overhead is r - 1 with
    r = (1 + ov_a) / (1 + ov_b), from within-process pairs alone.  The goal is
    r <= (1 + k ov_b) / (1 + ov_b), a bound that grows with ov_b (configuration `other` of the
    same run, against off): PASS when r's upper end is at most the bound at ov_b's lower end,
    FAIL when r's lower end exceeds the bound at ov_b's upper end.  Arms by their label's first
    word (arm_name).  False when it FAILs."""
    est, lo, hi = overhead(doc, duet, "cpu_total")
    eb, lb, hb = overhead(doc, other, "cpu_total")
    if any(missing(x) for x in (est, lo, hi, eb, lb, hb)):
        print(f"INCONCLUSIVE: {what} (no interval for the duet {duet} or for {other})")
        return True
    def bound(b):
        return 100 * ((1 + k * b / 100) / (1 + b / 100) - 1)
    v = "PASS" if hi <= bound(lb) else "FAIL" if lo > bound(hb) else "INCONCLUSIVE"
    ratio = f"{((1 + est / 100) * (1 + eb / 100) - 1) / (eb / 100):.2f}x" if eb else "-"
    print(f"{v}: {what} (in one process {duet}: {est:+.2f}% [{lo:+.2f}, {hi:+.2f}]; the goal is at most "
          f"{bound(lb):+.2f}% to {bound(hb):+.2f}% with {other} at {fmt(eb, lb, hb)}; ratio of overheads {ratio})")
    if v == "INCONCLUSIVE":
        print(f"  this run cannot tell on this machine; more processes ({knob}) or longer ones narrow it")
    return v != "FAIL"
