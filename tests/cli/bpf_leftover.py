"""bpf_leftover.py PID... — print the eBPF sampler's objects that outlived it: every BPF program
and map named tare_*, and every link of such a program, that no process holds (pinned, or
leaked) or that one of PIDS (the test's own processes) still holds.  Nothing printed: clean.

Who holds what comes from /proc/*/fdinfo (prog_id, map_id, link_id lines), as bpftool's own
"pids" column does where it is built with it; others running tare --bpf meanwhile hold their
own objects and are not reported.  Used by tests/cli/bpf_cleanup.sh.
"""
import json
import os
import shutil
import subprocess
import sys


def holders():
    """{("prog"|"map"|"link", id): set of pids} from every process's fdinfo."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        d = "/proc/%s/fdinfo" % pid
        try:
            fds = os.listdir(d)
        except OSError:
            continue
        for fd in fds:
            try:
                text = open(os.path.join(d, fd)).read()
            except OSError:
                continue
            kind = "link" if "link_id:" in text else "prog" if "prog_id:" in text else \
                "map" if "map_id:" in text else None
            if not kind:
                continue
            for line in text.splitlines():
                k, _, v = line.partition(":")
                if k == kind + "_id":
                    out.setdefault((kind, int(v)), set()).add(int(pid))
    return out


def show(bpftool, kind):
    r = subprocess.run([bpftool, "-j", kind, "show"], capture_output=True, text=True)
    return json.loads(r.stdout or "[]") or []


def main():
    mine = set(int(p) for p in sys.argv[1:])
    bpftool = shutil.which("bpftool") or "/usr/sbin/bpftool"
    held = holders()
    progs = show(bpftool, "prog")
    ours = set(p["id"] for p in progs if p.get("name", "").startswith("tare_"))
    found = []
    for kind, objs in (("prog", progs), ("map", show(bpftool, "map")),
                       ("link", show(bpftool, "link"))):
        for o in objs:
            if kind == "link":
                if o.get("prog_id") not in ours:
                    continue
                name = "link of prog %s (%s)" % (o.get("prog_id"), o.get("type"))
            elif not o.get("name", "").startswith("tare_"):
                continue
            else:
                name = o["name"]
            h = held.get((kind, o["id"]), set())
            if not h or h & mine:
                found.append("%s %s (id %s) held by %s" % (kind, name, o["id"], sorted(h) or "nobody"))
    print("\n".join(found))


main()
