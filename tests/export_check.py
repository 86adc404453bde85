#!/usr/bin/env python3
"""tare export's text against the results.json it came from (tests/cli/export*.sh).

  export_check.py RESULTS.json FILE.prom        every figure, and the format's rules
  export_check.py --parse FILE.prom NAME        the samples of NAME, one "labels value" a line

The exposition text is parsed here by the rules (label values with \\\\, \\" and \\n escaped), not
with a regular expression that would take a broken escape: the point is to read back what a
Prometheus parser would.
"""
import json
import math
import sys
import calendar
import time


def parse_labels(s, i):
    """s[i] is '{': the labels as a dict, and the index past '}'."""
    labels = {}
    i += 1
    while s[i] != '}':
        eq = s.index('=', i)
        name = s[i:eq]
        assert s[eq + 1] == '"', "label %s: value not quoted in %r" % (name, s)
        j, val = eq + 2, []
        while s[j] != '"':
            if s[j] == '\\':
                nxt = s[j + 1]
                assert nxt in '\\"n', "bad escape \\%s in %r" % (nxt, s)
                val.append('\n' if nxt == 'n' else nxt)
                j += 2
            else:
                val.append(s[j])
                j += 1
        assert name not in labels, "label %s twice in %r" % (name, s)
        labels[name] = ''.join(val)
        i = j + 1
        if s[i] == ',':
            i += 1
    return labels, i + 1


def parse(text):
    """{family: {"type", "unit", "help", "samples": [(labels, value)]}}; checks the layout."""
    fams, order, seen_eof = {}, [], False
    lines = text.split('\n')
    assert lines[-1] == '', "no newline at the end"
    for ln in lines[:-1]:
        assert not seen_eof, "a line after # EOF: %r" % ln
        if ln == '# EOF':
            seen_eof = True
            continue
        if ln.startswith('# '):
            kind, name, rest = (ln[2:].split(' ', 2) + [''])[:3]
            assert kind in ('HELP', 'TYPE', 'UNIT'), ln
            f = fams.setdefault(name, {'samples': []})
            if name not in order:
                order.append(name)
            assert order[-1] == name, "metadata of %s after another family" % name
            assert not f['samples'], "metadata of %s after its samples" % name
            f[kind.lower()] = rest
            continue
        brace = ln.index('{')
        name = ln[:brace]
        labels, i = parse_labels(ln, brace)
        assert ln[i] == ' '
        value = float(ln[i + 1:])
        assert order and order[-1] == name, "sample of %s outside its family" % name
        assert math.isfinite(value), "non-finite value: %r" % ln
        fams[name]['samples'].append((labels, value))
    return fams, seen_eof


def close(a, b):
    return abs(a - b) <= 1e-7 * max(1.0, abs(a), abs(b))


def check(results, prom):
    d = json.load(open(results))
    fams, eof = parse(open(prom).read())
    assert eof, "no # EOF"
    host = d['environment']['hostname']
    for name, f in fams.items():
        assert f.get('type') == 'gauge' and f.get('help'), "%s: TYPE/HELP %r" % (name, f)
        if 'unit' in f:
            assert name.endswith('_' + f['unit']), "%s: UNIT %s is not its suffix" % (name, f['unit'])
    def one(name, config, **extra):
        got = [v for lb, v in fams.get(name, {'samples': []})['samples']
               if lb.get('configuration') == config and all(lb.get(k) == x for k, x in extra.items())]
        assert len(got) <= 1, "%s{configuration=%r} twice" % (name, config)
        return got[0] if got else None
    for arm in d['summary']['arms']:
        label = arm['label']
        if arm['baseline']:
            assert one('tare_cpu_overhead_ratio', label) is None, "a baseline has an overhead"
            continue
        for metric, name, scale in (('cpu_total', 'tare_cpu_overhead', 0.01), ('memory', 'tare_memory_overhead', 1),
                                    ('p99', 'tare_p99_change', 1e-6)):
            o = arm['overhead'].get(metric)
            unit = 'bytes' if metric == 'memory' else 'seconds' if metric == 'p99' else 'ratio'
            for key, suffix in (('estimate', ''), ('lo', '_lower'), ('hi', '_upper')):
                want = o and o[key]
                got = one(name + suffix + '_' + unit, label)
                if want is None:
                    assert got is None, "%s%s: %s for %s, want it left out" % (name, suffix, got, label)
                else:
                    assert got is not None and close(got, want * scale), \
                        "%s%s_%s{%s}: %s, results.json %s" % (name, suffix, unit, label, got, want * scale)
        assert one('tare_blocks', label) == arm['overhead']['cpu_total']['n'], "tare_blocks"
        rows = [r for r in (d.get('verdicts') or {}).get('verdicts', []) if r['config'] == label]
        if rows:
            order = ['PASS', 'INCONCLUSIVE', 'FAIL']
            worst = max((r['verdict'] for r in rows), key=order.index)
            for v in order:
                assert one('tare_verdict', label, verdict=v.lower()) == (1 if v == worst else 0), "verdict %s" % v
    for f in fams.values():
        for lb, _ in f['samples']:
            assert lb['host'] == host and lb['experiment'] == d['name'], lb
    ts = calendar.timegm(time.strptime(d['finished'], '%Y-%m-%dT%H:%M:%SZ'))
    assert fams['tare_run_timestamp_seconds']['samples'][0][1] == ts


if __name__ == '__main__':
    if sys.argv[1] == '--parse':
        fams, _ = parse(open(sys.argv[2]).read())
        for lb, v in fams.get(sys.argv[3], {'samples': []})['samples']:
            print(json.dumps(lb, sort_keys=True), repr(v))
    else:
        try:
            check(sys.argv[1], sys.argv[2])
        except AssertionError as e:
            sys.exit("export_check: %s" % e)
