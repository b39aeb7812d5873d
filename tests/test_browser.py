"""The HTML pages in a real headless Chromium: math rendered, no raw TeX, no network, a screenshot."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from html.parser import HTMLParser
from pathlib import Path

import pytest
from buildhelp import DERIVATIONS, need, need_katex

from docgen.publish import build as pipeline

pytestmark = pytest.mark.browser

# Chromium's own background services (update checks, clock, sign-in) that it contacts even in
# headless mode with background networking disabled; never anything a page asks for.
BROWSER_SERVICES = {
    "clients2.google.com", "update.googleapis.com", "accounts.google.com",
    "clientservices.googleapis.com", "optimizationguide-pa.googleapis.com",
    "safebrowsingohttpgateway.googleapis.com", "content-autofill.googleapis.com",
    "redirector.gvt1.com", "edgedl.me.gvt1.com", "www.googleapis.com",
}
RAW_TEX = re.compile(r"\\[A-Za-z]+|\$|\\[(\[]")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def chromium() -> str:
    need("chromium")
    return shutil.which("chromium")  # type: ignore[return-value]


class Recorder:
    """A do-nothing HTTP proxy on localhost that remembers every request Chromium sends."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    first = conn.recv(4096).split(b"\r\n", 1)[0]
                except OSError:
                    first = b"?"
                if not first:
                    # a connection opened and closed with nothing sent (Chromium preconnects to
                    # its proxy speculatively): no request was made
                    continue
                self.requests.append(first.decode("latin-1"))

    def page_requests(self) -> list[str]:
        """Requests not made by Chromium's own services."""
        out = []
        for line in self.requests:
            parts = line.split()
            target = parts[1] if len(parts) > 1 else line
            host = re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0]
            if host not in BROWSER_SERVICES:
                out.append(line)
        return out

    def close(self) -> None:
        self.sock.close()


def run_chromium(page: Path, profile: Path, proxy: Recorder, *extra: str) -> subprocess.CompletedProcess:
    args = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
        f"--proxy-server=127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
        "--window-size=1000,1400", *extra, page.resolve().as_uri(),
    ]
    return subprocess.run(args, capture_output=True, timeout=120, check=False)


class Visible(HTMLParser):
    """The text a reader sees: no head, scripts, styles or KaTeX's hidden MathML copy."""

    HIDDEN = {"head", "script", "style", "template", "noscript"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []
        self.text: list[str] = []
        self.errors = 0
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "katex-error" in classes:
            self.errors += 1
        if tag == "script":
            self.scripts += 1
        if tag in self.VOID:
            return
        hidden = (tag in self.HIDDEN or "katex-mathml" in classes or tag == "annotation"
                  or (self.stack and self.stack[-1]))
        self.stack.append(bool(hidden))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.text.append(data)


class Loads(HTMLParser):
    """What a page makes the browser fetch: src/srcset/poster/data of any tag, href of <link>.
    (Links a reader may follow, <a href>, load nothing and may point anywhere.)"""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in {"src", "poster", "data"} or (name == "href" and tag == "link"):
                self.urls.append(value.strip())
            elif name == "srcset":
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
        if tag == "base":
            self.urls.append("<base> changes every relative URL")


def local_references(page: Path) -> list[str]:
    """Every URL the page or its stylesheets load that is not a relative file beside the page."""
    bad: list[str] = []
    loads = Loads()
    loads.feed(page.read_text("utf-8"))
    for ref in loads.urls:
        if REMOTE.match(ref) or ref.startswith("<"):
            bad.append(ref)
            continue
        target = page.parent / ref.split("#")[0].split("?")[0]
        if not target.is_file():
            bad.append(f"{ref} (missing)")
        elif target.suffix == ".css":
            css = target.read_text("utf-8")
            for url in re.findall(r"""url\(\s*["']?([^"')]+)""", css):
                if REMOTE.match(url) and not url.startswith("data:"):
                    bad.append(f"{ref}: {url}")
                elif not REMOTE.match(url) and not (target.parent / url).is_file():
                    if "/fonts/" not in f"/{url}" or url.endswith(".woff2"):
                        bad.append(f"{ref}: {url} (missing)")
            bad += [f"{ref}: @import" for _ in re.findall(r"@import", css)]
    return bad


def assert_page_shows_math(page: Path, profile: Path, proxy: Recorder) -> None:
    """Chromium renders the page with KaTeX math: no katex-error, no script, no raw TeX in the
    visible text, and no reference to a local file outside it."""
    assert not local_references(page), page
    proc = run_chromium(page, profile, proxy, "--dump-dom")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    dom = proc.stdout.decode("utf-8")
    assert 'class="katex' in dom, f"{page}: no KaTeX math in the page"
    seen = Visible()
    seen.feed(dom)
    assert seen.errors == 0, f"{page}: {seen.errors} katex-error elements"
    assert seen.scripts == 0, f"{page}: the page has scripts"
    raw = sorted(set(RAW_TEX.findall("".join(seen.text))))
    assert not raw, f"{page}: raw TeX in the visible text: {raw}"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    chromium()
    need_katex()
    out = tmp_path_factory.mktemp("html") / "out"
    report = pipeline.build([str(DERIVATIONS)], {"html"}, out,
                            cache=tmp_path_factory.mktemp("verdicts"))
    found = sorted(out.glob("*/*.html"))
    assert found and len(found) == len(report.rendered)
    return found


def test_pages_show_math_without_errors_raw_tex_or_network(pages, tmp_path):
    proxy = Recorder()
    try:
        for page in pages:
            assert_page_shows_math(page, tmp_path / "profile", proxy)
        assert not proxy.page_requests(), proxy.page_requests()
    finally:
        proxy.close()


def test_screenshot_of_each_page(pages, tmp_path):
    proxy = Recorder()
    try:
        for page in pages:
            png = tmp_path / f"{page.stem}.png"
            proc = run_chromium(page, tmp_path / "profile", proxy, f"--screenshot={png}",
                                "--hide-scrollbars")
            assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
            data = png.read_bytes()
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000, page.name
        assert not proxy.page_requests(), proxy.page_requests()
    finally:
        proxy.close()


def test_a_remote_reference_is_caught(tmp_path):
    page = tmp_path / "p.html"
    page.write_text('<link rel="stylesheet" href="https://cdn.example/katex.css">'
                    '<img src="missing.png"><a href="#eq-1">x</a>'
                    '<a href="https://example.org/paper">a source</a>', encoding="utf-8")
    assert local_references(page) == ["https://cdn.example/katex.css", "missing.png (missing)"]


def test_visible_text_skips_katex_mathml():
    seen = Visible()
    seen.feed('<p>a <span class="katex"><span class="katex-mathml"><math><annotation>\\frac{a}{b}'
              '</annotation></math></span><span class="katex-html">a/b</span></span> $x$</p>')
    assert "".join(seen.text) == "a a/b $x$"
    assert RAW_TEX.findall("".join(seen.text)) == ["$", "$"]


# -- the chain-first layout: no horizontal overflow, a tick that is a tick -------------------

# the page's scrollWidth and clientWidth, and how many labels of the chain and of the example
# (reason and mark, step number, "steps (1)-(7) give the same value") lie beyond the viewport's
# right edge, out of sight in a box that scrolls
MEASURE = ("<script>document.fonts.ready.then(() => { const e = document.documentElement;"
           " const hidden = [...document.querySelectorAll("
           "'table.chain td.why, table.chain td.num, table.values td.why')]"
           ".filter(t => t.textContent.trim() && t.getBoundingClientRect().right > e.clientWidth + 1).length;"
           " parent.postMessage(e.scrollWidth + ' ' + e.clientWidth + ' ' + hidden, '*'); });"
           "</script>")
# headless Chromium's window is at least 500 px wide: the page is laid out in an iframe of the
# width asked for (its own viewport, so the page's media queries apply), which reports its sizes
# to the frame around it, whose DOM --dump-dom prints
FRAME = ('<!DOCTYPE html><html><body style="margin:0"><iframe src="{src}" '
         'style="width:{width}px;height:900px;border:0"></iframe><script>'
         'window.addEventListener("message", m => document.body.setAttribute("data-overflow", m.data));'
         '</script></body></html>')


def overflow(page: Path, width: int, profile: Path, proxy: Recorder) -> tuple[int, int, int]:
    """document.documentElement's scrollWidth and clientWidth, and the labels out of sight (see
    MEASURE), once the page and its fonts are laid out in a viewport `width` px wide (a measuring
    copy of the page, beside it, with one script, shown in an iframe of that width)."""
    probe = page.with_name(page.stem + ".measure.html")
    frame = page.with_name(page.stem + ".frame.html")
    probe.write_text(page.read_text("utf-8").replace("</body>", MEASURE + "</body>"), "utf-8")
    frame.write_text(FRAME.format(src=probe.name, width=width), "utf-8")
    try:
        proc = run_chromium(frame, profile, proxy, "--dump-dom", "--virtual-time-budget=5000",
                            "--window-size=1400,1000")
    finally:
        probe.unlink()
        frame.unlink()
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    found = re.search(r'data-overflow="(\d+) (\d+) (\d+)"', proc.stdout.decode("utf-8"))
    assert found, f"{page}: the measuring script did not run"
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_overflows_horizontally(pages, tmp_path, width):
    proxy = Recorder()
    try:
        wide, hidden = [], []
        for page in pages:
            scroll, client, out_of_sight = overflow(page, width, tmp_path / "profile", proxy)
            if scroll > client:
                wide.append(f"{page.name}: {scroll} > {client}")
            if out_of_sight:
                hidden.append(f"{page.name}: {out_of_sight}")
        assert not wide, f"pages wider than {width} px: {wide}"
        # a long equation may scroll in its box, but its reason, mark and number stay in sight
        assert not hidden, f"labels out of sight at {width} px: {hidden}"
    finally:
        proxy.close()


def test_the_marks_are_drawn_in_katex_ams_font(pages):
    """The tick is AMS's \\checkmark in KaTeX's AMS font, not a ✓ of the page's (CJK) font,
    which looks like √."""
    page = next(p for p in pages if p.stem == "softmax-jacobian")
    text = page.read_text("utf-8")
    marks = re.findall(r'<a class="mark status-[a-z-]+"[^>]*>(.*?)</a>', text, re.S)
    assert len(marks) == 8  # 7 steps and the claim
    assert all('class="mord amsrm">✓</span>' in m for m in marks), marks[0]
    assert "✓" not in re.sub(r'<span class="mord amsrm">✓</span>|<annotation.*?</annotation>'
                             r'|<math.*?</math>', "", text, flags=re.S)


def test_overflow_is_measured(tmp_path):
    """The measurement sees a page that is wider than the window."""
    chromium()
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><body><div style="width:2000px">x</div></body></html>', "utf-8")
    proxy = Recorder()
    try:
        scroll, client, _ = overflow(page, 390, tmp_path / "profile", proxy)
    finally:
        proxy.close()
    assert scroll > client and client <= 390


def test_labels_out_of_sight_are_counted(tmp_path):
    """The measurement sees a label pushed beyond the right edge by a wide equation."""
    chromium()
    page = tmp_path / "label.html"
    page.write_text('<!DOCTYPE html><html><body><div style="overflow-x:auto"><table class="chain"><tr>'
                    '<td class="rhs"><div style="width:2000px">x</div></td><td class="num">(1)</td>'
                    '</tr></table></div></body></html>', "utf-8")
    proxy = Recorder()
    try:
        scroll, client, hidden = overflow(page, 390, tmp_path / "profile", proxy)
    finally:
        proxy.close()
    assert scroll <= client and hidden == 1
