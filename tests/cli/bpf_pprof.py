"""bpf_pprof.py — read a pprof profile (.pb.gz) with no protobuf package: the fields the eBPF
sampler's tests need (sample types, samples with their values and frame names, leaf first).
Used by tests/cli/bpf_*.sh:  python3 -c 'import bpf_pprof' ... or  bpf_pprof.load(path).

profile.proto (google/pprof): Profile { 1 sample_type: ValueType, 2 sample: Sample,
4 location: Location, 5 function: Function, 6 string_table, 11 period_type, 12 period,
14 default_sample_type }; Sample { 1 location_id (packed), 2 value (packed), 3 label };
Location { 1 id, 4 line: Line { 1 function_id } }; Function { 1 id, 2 name };
ValueType { 1 type, 2 unit }.  Concatenated messages merge, so repeated fields append.
"""
import gzip


def _varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return v, i


def _fields(b):
    """(field number, wire type, value) of one message; value is int or bytes."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        else:
            raise ValueError("wire type %d" % wt)
        yield f, wt, v


def _ints(wt, v):
    """A repeated integer field: packed (bytes) or one value."""
    if wt != 2:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def _signed(x):
    return x - (1 << 64) if x >= 1 << 63 else x


def load(path):
    """{"types": [(type, unit)], "default": type, "period_type": (type, unit), "period": int,
    "samples": [(values, frames leaf first)]}."""
    raw = gzip.open(path, "rb").read()
    strings, vts, samples, locs, funcs = [], [], [], {}, {}
    period_vt, period, default = None, 0, 0
    for f, wt, v in _fields(raw):
        if f == 6:
            strings.append(v.decode())
        elif f in (1, 11):
            t = u = 0
            for g, _, x in _fields(v):
                t, u = (x, u) if g == 1 else (t, x) if g == 2 else (t, u)
            if f == 1:
                vts.append((t, u))
            else:
                period_vt = (t, u)
        elif f == 2:
            ids, vals = [], []
            for g, w, x in _fields(v):
                if g == 1:
                    ids += _ints(w, x)
                elif g == 2:
                    vals += [_signed(y) for y in _ints(w, x)]
            samples.append((vals, ids))
        elif f == 4:
            lid, fid = 0, 0
            for g, _, x in _fields(v):
                if g == 1:
                    lid = x
                elif g == 4:
                    for h, _, y in _fields(x):
                        if h == 1:
                            fid = y
            locs[lid] = fid
        elif f == 5:
            fid = name = 0
            for g, _, x in _fields(v):
                fid, name = (x, name) if g == 1 else (fid, x) if g == 2 else (fid, name)
            funcs[fid] = name
        elif f == 12:
            period = _signed(v)
        elif f == 14:
            default = v
    s = lambda k: strings[k] if k < len(strings) else "?"
    return {
        "types": [(s(t), s(u)) for t, u in vts],
        "default": s(default),
        "period_type": (s(period_vt[0]), s(period_vt[1])) if period_vt else None,
        "period": period,
        "samples": [(vals, [s(funcs.get(locs.get(i, 0), 0)) for i in ids])
                    for vals, ids in samples],
    }


def by_site(prof, sites):
    """Per site (the one nearest the leaf in each stack), the sum of each value; and the sum
    over every sample."""
    out = {site: [0] * len(prof["types"]) for site in sites}
    total = [0] * len(prof["types"])
    for vals, frames in prof["samples"]:
        total = [a + b for a, b in zip(total, vals)]
        for fr in frames:
            if fr in out:
                out[fr] = [a + b for a, b in zip(out[fr], vals)]
                break
    return out, total
