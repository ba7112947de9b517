#!/usr/bin/env python3
"""Open shipskip's published pages in headless Chromium and check them the
way a reader's browser would see them.

A tiny Chrome DevTools Protocol client over --remote-debugging-pipe (file
descriptors 3 and 4, messages ended by NUL), Python standard library only.
For every page given it:

  * loads it as a file:// URL and waits for the load event;
  * fails on any console error, uncaught exception or error log entry
    (a Content-Security-Policy violation is one), and on any network
    request other than the page itself;
  * checks the page is self-contained and well formed: no <script>, no on*
    attribute, no link to a scheme other than http(s) or a relative file,
    one <h1>, every table with a <caption> and scoped header cells, a
    viewport meta tag, a title;
  * checks every inline SVG is one of shipskip's charts, drawn at a real
    size, with role="img", a label and a <title>, its bars and bins as high
    as drawn (no page style resizes them) and filled; panel.html must hold
    the ship-rate bar chart and a score histogram;
  * checks it fits a phone (390 px wide: no horizontal page scroll), that
    the dark colour scheme changes the colours, and that it prints
    (print media, Page.printToPDF).

With --hostile-flag NAME it also checks that window[NAME] is still unset,
i.e. that no markup planted in a tool or review ran.

    check_site.py --chromium /usr/bin/chromium [--hostile-flag F] PAGE...

Exit status 0 when every check passed, 1 otherwise (each failure printed),
2 when Chromium could not be started.
"""

import argparse
import base64
import json
import os
import pathlib
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time

TIMEOUT = 30.0

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--remote-debugging-pipe",
]


class CDPError(Exception):
    pass


class Browser:
    """One Chromium process and the pipe to it."""

    def __init__(self, chromium, log_path):
        self.profile = tempfile.mkdtemp(prefix="sk-chromium-")
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()

        def child_fds():
            # Move both out of the way first: either may already be fd 3 or
            # 4, and dup2 onto itself would keep its close-on-exec flag.
            r, w = os.dup(cmd_r), os.dup(res_w)
            os.dup2(r, 3)
            os.dup2(w, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [chromium] + FLAGS + ["--user-data-dir=" + self.profile,
                                  "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            preexec_fn=child_fds, close_fds=False)
        os.close(cmd_r)
        os.close(res_w)
        self.next_id = 0
        self.buf = b""
        self.events = []

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.send("Browser.close", timeout=5)
                except (CDPError, OSError):
                    pass
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            for fd in (self.cmd_w, self.res_r):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.log.close()
            shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for Chromium")
            ready, _, _ = select.select([self.res_r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.res_r, 1 << 16)
            if not chunk:
                raise CDPError("Chromium closed the pipe (crashed?)")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=None, timeout=TIMEOUT):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            n = os.write(self.cmd_w, data)
            data = data[n:]
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, session, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        for i, m in enumerate(self.events):
            if m.get("method") == method and m.get("sessionId") == session:
                del self.events[i]
                return m
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method and m.get("sessionId") == session:
                return m
            if "method" in m:
                self.events.append(m)


# Evaluated in the page (by the DevTools protocol, which the page's CSP does
# not govern); returns a list of problems.
STRUCTURE_JS = r"""
(() => {
  const p = [];
  if (document.scripts.length) p.push(document.scripts.length + " <script> element(s)");
  for (const e of document.querySelectorAll("*"))
    for (const a of e.attributes)
      if (a.name.startsWith("on")) p.push("<" + e.localName + "> has " + a.name);
  for (const a of document.querySelectorAll("[href],[src],[action],[formaction]")) {
    const v = a.getAttribute("href") || a.getAttribute("src") || a.getAttribute("action") || a.getAttribute("formaction");
    const u = new URL(v, document.baseURI);
    if (!["http:", "https:", "file:"].includes(u.protocol))
      p.push("<" + a.localName + "> points at a " + u.protocol + " URL: " + v);
    if (a.localName !== "a") p.push("<" + a.localName + "> loads " + v);
  }
  for (const a of document.querySelectorAll("a[href]")) {
    const u = new URL(a.getAttribute("href"), document.baseURI);
    if (u.protocol === "file:" && !u.pathname.match(/\.(html|csv)$/))
      p.push("relative link to a non-page: " + a.getAttribute("href"));
  }
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) p.push(h1 + " <h1> elements (want 1)");
  if (!document.title.trim()) p.push("empty <title>");
  const vp = document.querySelector('meta[name="viewport"]');
  if (!vp || !vp.content.includes("width=device-width")) p.push("no viewport meta");
  if (!document.querySelector('meta[http-equiv="Content-Security-Policy"]')) p.push("no CSP meta");
  for (const t of document.querySelectorAll("table")) {
    if (!t.querySelector("caption") || !t.caption.textContent.trim()) p.push("a table without a caption");
    for (const th of t.querySelectorAll("th"))
      if (!th.getAttribute("scope")) p.push("a <th> without scope: " + th.textContent.slice(0, 40));
  }
  if (document.querySelectorAll("link[rel=stylesheet], img, iframe, object, embed, video, audio, font").length)
    p.push("an element that loads something");
  return p;
})()
"""

# The SVG charts (svgchart.h): each is drawn, with an accessible name, and
# no style rule resizes its marks (a page rule for div bars once set every
# .bar to 6 px high, SVG rects included).
CHARTS_JS = r"""
(() => {
  const p = [];
  const kinds = [];
  for (const svg of document.querySelectorAll("svg")) {
    if (!svg.classList.contains("chart")) { p.push("an <svg> that is not a chart"); continue; }
    kinds.push(svg.getAttribute("class"));
    const r = svg.getBoundingClientRect();
    if (r.width < 100 || r.height < 20) p.push("chart drawn " + r.width + "x" + r.height + " px");
    if (svg.getAttribute("role") !== "img" || !svg.getAttribute("aria-label")) p.push("chart without role=img and a label");
    if (!svg.querySelector("title")) p.push("chart without a <title>");
    for (const m of svg.querySelectorAll("rect.bar, rect.bin")) {
      const want = parseFloat(m.getAttribute("height"));
      const got = m.getBBox().height;
      if (Math.abs(want - got) > 0.5) p.push("a chart mark is " + got + " high, not " + want);
      const fill = getComputedStyle(m).fill;
      if (!fill || fill === "none") p.push("a chart mark has no fill");
    }
  }
  return {problems: p, kinds: kinds};
})()
"""

FITS_JS = ("document.documentElement.scrollWidth <= "
           "document.documentElement.clientWidth + 1")
BG_JS = "getComputedStyle(document.body).backgroundColor"
# The innermost elements that stick out past the right edge of the page.
WIDE_JS = r"""
(() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const e of document.body.querySelectorAll("*")) {
    if (e.getBoundingClientRect().right <= w + 1) continue;
    if ([...e.children].some(c => c.getBoundingClientRect().right > w + 1)) continue;
    if (e.closest(".table-wrap")) continue;  /* scrolls inside its box */
    out.push("<" + e.localName + (e.className ? "." + e.className : "") + "> " +
             e.textContent.trim().slice(0, 40));
  }
  return out.slice(0, 5);
})()
"""

# Tables whose columns do not all fit in their box at this width: a column
# pushed out of sight behind a scroll bar is a column the reader never sees.
# On a phone only the index pages are held to it (the panel's wide figure
# tables may scroll there); at desktop widths every table is.
TABLES_JS = r"""
((all) => {
  const out = [];
  for (const w of document.querySelectorAll(".table-wrap")) {
    const t = w.querySelector("table");
    if (!t || !all) continue;
    if (w.scrollWidth > w.clientWidth + 1) {
      const cols = [...t.querySelectorAll("thead th")]
        .filter(th => th.getBoundingClientRect().right > w.getBoundingClientRect().right + 1)
        .map(th => th.textContent.trim());
      out.push((t.caption ? t.caption.textContent.trim() : "a table") + ": " +
               w.scrollWidth + " px in a " + w.clientWidth + " px box, hiding " +
               (cols.join(", ") || "part of a column"));
    }
  }
  return out;
})(%s)
"""
INDEX_PAGES = ("index.html", "by-score.html", "by-name.html")
# The widths every page is looked at: a phone, and the two desktop windows
# where the index once lost its last columns.
WIDTHS = ((390, 844, 2, True), (1280, 900, 1, False), (1600, 1000, 1, False))


def evaluate(b, session, expr):
    r = b.send("Runtime.evaluate", {"expression": expr, "returnByValue": True},
               session)
    if "exceptionDetails" in r:
        raise CDPError("evaluate failed: %s" % r["exceptionDetails"])
    return r["result"].get("value")


def drain(b, session):
    """Returns the console errors and extra requests seen, and forgets the
    events."""
    errors, requests = [], []
    keep = []
    for m in b.events:
        if m.get("sessionId") != session:
            keep.append(m)
            continue
        method, params = m["method"], m.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in (
                "error", "assert", "warning"):
            args = [a.get("value", a.get("description", ""))
                    for a in params.get("args", [])]
            errors.append("console.%s: %s" % (params["type"], " ".join(
                str(a) for a in args)))
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: %s" % params.get(
                "exceptionDetails", {}).get("text"))
        elif method == "Log.entryAdded":
            e = params.get("entry", {})
            if e.get("level") in ("error", "warning"):
                errors.append("%s %s: %s %s" % (e.get("source"), e.get(
                    "level"), e.get("text"), e.get("url", "")))
        elif method == "Network.requestWillBeSent":
            requests.append(params.get("request", {}).get("url", "?"))
    b.events = keep
    return errors, requests


def load(b, session, url):
    b.send("Page.navigate", {"url": url}, session)
    b.wait_event("Page.loadEventFired", session)
    # Let late console messages and requests arrive.
    evaluate(b, session, "new Promise(r => setTimeout(r, 150))")


def screenshot(b, session, path, shots, width, scale):
    """Saves the page as SHOTS/<name>-<width>.png and checks that it is a PNG
    of the width asked for; returns a list of problems."""
    shot = b.send("Page.captureScreenshot",
                  {"format": "png", "captureBeyondViewport": False}, session)
    data = base64.b64decode(shot.get("data", ""))
    name = "%s-%d.png" % (os.path.splitext(os.path.basename(path))[0], width)
    with open(os.path.join(shots, name), "wb") as f:
        f.write(data)
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 24:
        return ["screenshot %s is not a PNG" % name]
    got = struct.unpack(">I", data[16:20])[0]
    if got != width * scale:
        return ["screenshot %s is %d px wide, not %d" % (name, got, width * scale)]
    return []


def check_page(b, session, path, hostile_flag, shots=None):
    url = pathlib.Path(path).resolve().as_uri()
    problems = []

    b.send("Emulation.setEmulatedMedia", {"media": "", "features": []},
           session)
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": 1200, "height": 1600, "deviceScaleFactor": 1,
            "mobile": False}, session)
    load(b, session, url)
    problems += evaluate(b, session, STRUCTURE_JS)
    charts = evaluate(b, session, CHARTS_JS)
    problems += charts["problems"]
    if os.path.basename(path) == "panel.html":
        # The panel page: a ship-rate bar chart and a score histogram per
        # persona, all rendered.
        kinds = charts["kinds"]
        if not any("chart-bars" in k for k in kinds):
            problems.append("panel page without its ship-rate bar chart")
        if not any("chart-histogram" in k for k in kinds):
            problems.append("panel page without a score histogram")
        if not hostile_flag and \
                sum("chart-lines" in k for k in kinds) != 2:
            problems.append("panel page without its two night-by-night "
                            "line charts (ship rate, agreement)")
    if hostile_flag and evaluate(
            b, session, "window[%s] !== undefined" % json.dumps(hostile_flag)):
        problems.append("planted markup ran: window.%s is set" % hostile_flag)
    light = evaluate(b, session, BG_JS)

    b.send("Emulation.setEmulatedMedia",
           {"features": [{"name": "prefers-color-scheme", "value": "dark"}]},
           session)
    dark = evaluate(b, session, BG_JS)
    if dark == light:
        problems.append("dark scheme keeps the background %s" % light)

    b.send("Emulation.setEmulatedMedia", {"media": "print", "features": []},
           session)
    printed = evaluate(b, session, BG_JS)
    if printed not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"):
        problems.append("print background is %s, not white" % printed)
    pdf = b.send("Page.printToPDF", {}, session)
    if len(pdf.get("data", "")) < 1000:
        problems.append("printing produced no PDF")
    b.send("Emulation.setEmulatedMedia", {"media": "", "features": []},
           session)

    for width, height, scale, mobile in WIDTHS:
        b.send("Emulation.setDeviceMetricsOverride",
               {"width": width, "height": height, "deviceScaleFactor": scale,
                "mobile": mobile}, session)
        load(b, session, url)
        if not evaluate(b, session, FITS_JS):
            wide = evaluate(b, session, "document.documentElement.scrollWidth")
            culprits = evaluate(b, session, WIDE_JS)
            problems.append("wider than a %d px screen (%s px): %s" %
                            (width, wide, "; ".join(culprits)))
        every_table = not mobile or os.path.basename(path) in INDEX_PAGES
        for t in evaluate(b, session,
                          TABLES_JS % ("true" if every_table else "false")):
            problems.append("at %d px, %s" % (width, t))
        if shots is not None:
            problems += screenshot(b, session, path, shots, width, scale)

    errors, requests = drain(b, session)
    problems += errors
    problems += ["network request: %s" % r for r in requests if r != url]
    # The page is loaded twice (desktop, phone): report each problem once.
    return list(dict.fromkeys(problems))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--hostile-flag")
    ap.add_argument("--log", default=None,
                    help="Chromium's own output (default: a temporary file)")
    ap.add_argument("--shots", default=None,
                    help="save a screenshot of each page at each width here")
    ap.add_argument("pages", nargs="+")
    args = ap.parse_args()

    log = args.log or os.path.join(tempfile.gettempdir(),
                                   "check-site-chromium-%d.log" % os.getpid())
    try:
        b = Browser(args.chromium, log)
    except OSError as e:
        print("check_site: cannot start %s: %s" % (args.chromium, e))
        return 2
    failed = 0
    try:
        target = b.send("Target.createTarget", {"url": "about:blank"})
        session = b.send("Target.attachToTarget",
                         {"targetId": target["targetId"],
                          "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            b.send(domain + ".enable", {}, session)
        for page in args.pages:
            problems = check_page(b, session, page, args.hostile_flag,
                                  args.shots)
            for p in problems:
                print("FAIL %s: %s" % (page, p))
            if problems:
                failed += 1
            else:
                print("ok   %s" % page)
    except CDPError as e:
        print("check_site: %s (Chromium's log: %s)" % (e, log))
        return 2
    finally:
        b.close()
    print("check_site: %d page(s), %d failed" % (len(args.pages), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
