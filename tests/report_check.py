#!/usr/bin/env python3
"""report_check.py -- checks of a `tare report` directory for tests/cli/report.sh.

  report_check.py png FILE WIDTH HEIGHT   a PNG of that size (from its IHDR), not a stub
  report_check.py svg FILE                well-formed XML whose root is <svg>, 960x540
  report_check.py html FILE NPLOTS        self-contained: NPLOTS <img> with data: URIs whose
                                          SVGs parse, nothing fetched (no src/href elsewhere
                                          than data: and #anchors, no <link>, no url(...))
  report_check.py dom FILE NPLOTS         a DOM dumped by headless Chromium after load: every
                                          image has data-loaded="yes" and the body says
                                          data-plots-loaded="NPLOTS/NPLOTS"

Exits 0 when the check holds, else 1 with one line saying what is wrong.
"""
import base64
import html.parser
import struct
import sys
import xml.etree.ElementTree as ET


def fail(msg):
    print(msg)
    sys.exit(1)


def check_png(path, width, height):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        fail(f"{path}: not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    if (w, h) != (width, height):
        fail(f"{path}: {w}x{h}, want {width}x{height}")
    if len(data) < 4000:
        fail(f"{path}: only {len(data)} bytes: an empty plot?")


def check_svg_bytes(name, data):
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        fail(f"{name}: not XML: {e}")
    if not root.tag.endswith("svg"):
        fail(f"{name}: root element is {root.tag}, not svg")
    if root.get("width") != "960" or root.get("height") != "540":
        fail(f"{name}: {root.get('width')}x{root.get('height')}, want 960x540")
    if len(list(root.iter())) < 20:
        fail(f"{name}: almost empty ({len(list(root.iter()))} elements)")


class Refs(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.bad = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link":
            self.bad.append("<link>")
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        for key in ("src", "href", "poster", "data"):
            v = a.get(key)
            if v is None:
                continue
            if not (v.startswith("data:") or (key == "href" and v.startswith("#"))):
                self.bad.append(f'{tag} {key}="{v[:60]}"')


def check_html(path, nplots):
    text = open(path, encoding="utf-8").read()
    p = Refs()
    p.feed(text)
    if p.bad:
        fail(f"{path}: external references: {p.bad[:3]}")
    for needle in ("url(", "@import"):
        if needle in text:
            fail(f"{path}: contains {needle}")
    if len(p.imgs) != nplots:
        fail(f"{path}: {len(p.imgs)} images, want {nplots}")
    for i, src in enumerate(p.imgs):
        head, _, b64 = src.partition(",")
        if head == "data:image/svg+xml;base64":
            check_svg_bytes(f"{path} image {i + 1}", base64.b64decode(b64))
        elif head != "data:image/png;base64":
            fail(f"{path}: image {i + 1} is {head}")


def check_dom(path, nplots):
    text = open(path, encoding="utf-8", errors="replace").read()
    want = f'data-plots-loaded="{nplots}/{nplots}"'
    if want not in text:
        got = text.split('data-plots-loaded="')[1].split('"')[0] if 'data-plots-loaded="' in text else "nothing"
        fail(f"{path}: want {want}, the page says {got}")
    if 'data-loaded="no"' in text:
        fail(f"{path}: an image did not load")


def main(argv):
    if len(argv) < 3:
        fail(__doc__.strip().splitlines()[0])
    what, path = argv[1], argv[2]
    if what == "png":
        check_png(path, int(argv[3]), int(argv[4]))
    elif what == "svg":
        check_svg_bytes(path, open(path, "rb").read())
    elif what == "html":
        check_html(path, int(argv[3]))
    elif what == "dom":
        check_dom(path, int(argv[3]))
    else:
        fail(f"unknown check {what}")


if __name__ == "__main__":
    main(sys.argv)
