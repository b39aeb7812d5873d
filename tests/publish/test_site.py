"""`docgen publish`: the static site. Links and anchors all resolve, pages open in Chromium
without math errors or network, a failing note blocks publishing and leaves the old site as it
was, two publishes are byte-identical, the citation graph is escaped and deterministic."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from buildhelp import BAD, DERIVATIONS, GOOD, need, need_katex, tree, write

from docgen import cli
from docgen.model.errors import DocgenError
from docgen.publish.site import PublishBlocked, publish
from docgen.publish.siteplan import tag_slug

# Notes of the repository that cite each other (the Softmax family), plus an English pair
FILES = ["softmax-jacobian", "product-rule-b15", "elementwise-b26", "softmax-cross-entropy",
         "exp-jacobian", "sum-exp-gradient", "linear-softmax-backprop"]
SEED = ["softmax-jacobian", "b15-product-rule", "b26-elementwise", "softmax-cross-entropy",
        "exp-jacobian", "sum-exp-gradient", "linear-softmax-backprop"]  # their ids
USES = """\
id: twice-gradient
title: Twice the gradient of a sum of exponentials
language: en
summary: Scaling by 2 scales the gradient, $\\frac{\\partial}{\\partial x} 2\\,\\mathbf{1}^\\top \\exp(x) = 2\\exp(x)$.
tags: [gradient, exp]
layout: denominator
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  x: {shape: [n], style: vec, description: input}
claim: D(2 * sum(exp(x)), x) = 2 * exp(x)
method: chain
steps:
  - expr: 2 * D(sum(exp(x)), x)
    by: linearity
  - expr: 2 * exp(x)
    by: right-gradient
    note: The gradient of the sum of exponentials, from the cited note.
"""


def corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(DERIVATIONS / f"{name}.yaml", folder / f"{name}.yaml")
    write(folder, "right-gradient.yaml", GOOD)
    write(folder, "twice-gradient.yaml", USES)
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def site(tmp_path_factory, cache) -> Path:
    need_katex()
    src = corpus(tmp_path_factory.mktemp("src") / "derivations")
    out = tmp_path_factory.mktemp("pub") / "site"
    report = publish([str(src)], out, formats={"html", "md"}, cache=cache)
    assert report.pages == len(SEED) + 2
    return out


# -- a link checker ---------------------------------------------------------------------------

class Links(HTMLParser):
    """Every id on the page, and every URL it links to or loads (href, src, xlink:href)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[str] = []
        self.external: list[str] = []  # <a href="https://..."> to a source a note names

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if name in ("href", "src", "xlink:href", "data", "poster"):
                if tag == "a" and name == "href" and re.match(r"https?://", value):
                    self.external.append(value)
                else:
                    self.urls.append(value)

    handle_startendtag = handle_starttag


def page_links(path: Path) -> Links:
    links = Links()
    links.feed(path.read_text("utf-8"))
    return links


def check_links(root: Path) -> tuple[list[str], int]:
    """Broken links across every HTML and SVG file under `root`, and how many were checked."""
    pages = {p: page_links(p) for p in sorted(root.rglob("*.html")) + sorted(root.rglob("*.svg"))}
    broken: list[str] = []
    checked = 0
    for page, links in pages.items():
        for url in links.urls:
            parts = urlsplit(url)
            checked += 1
            if parts.scheme or parts.netloc or url.startswith("/"):
                broken.append(f"{page.relative_to(root)}: {url} (not a relative link)")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if root.resolve() not in target.parents or not target.is_file():
                broken.append(f"{page.relative_to(root)}: {url} (no such file)")
                continue
            if parts.fragment:
                ids = pages[target].ids if target in pages else page_links(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{page.relative_to(root)}: {url} (no id {parts.fragment!r})")
            if target.suffix == ".css":
                for ref in re.findall(r"""url\(\s*["']?([^"')]+)""", target.read_text("utf-8")):
                    if ref.startswith("data:"):
                        continue
                    if not (target.parent / ref.split("?")[0].split("#")[0]).is_file() and ref.endswith(".woff2"):
                        broken.append(f"{target.relative_to(root)}: {ref} (no such file)")
    return broken, checked


def test_every_link_and_anchor_resolves(site):
    broken, checked = check_links(site)
    assert not broken, "\n".join(broken[:20])
    assert checked > 200  # the checker really looked at the pages


def test_the_link_checker_catches_broken_links(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "a.html").write_text(
        '<p id="here"><a href="#here">ok</a><a href="#gone">x</a><a href="../b/b.html#eq-1">y</a>'
        '<a href="../missing/missing.html">z</a><img src="https://cdn.example/x.png"></p>', "utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "b.html").write_text('<tr id="eq-2"></tr>', "utf-8")
    broken, _ = check_links(tmp_path)
    assert [b.split(" (")[0] for b in broken] == [
        "a/a.html: #gone", "a/a.html: ../b/b.html#eq-1", "a/a.html: ../missing/missing.html",
        "a/a.html: https://cdn.example/x.png"]


def test_layout_and_stable_urls(site):
    ids = SEED + ["right-gradient", "twice-gradient"]
    assert {p.name for p in site.iterdir() if p.is_dir()} == {*ids, "katex"}
    for did in ids:
        assert (site / did / f"{did}.html").is_file() and (site / did / f"{did}.md").is_file()
        assert not (site / did / "katex").exists()  # KaTeX once, at the top
    assert (site / "katex" / "katex.min.css").is_file()
    assert not (site / ".cache").exists() and (site / "index.html").is_file()
    assert not list(site.parent.glob(".site.*"))  # no temporary folder left behind
    assert (site / "index.html").stat().st_mode & 0o777 == 0o644


def test_index_lists_every_note_with_its_facts(site):
    index = (site / "index.html").read_text("utf-8")
    for did in SEED + ["right-gradient", "twice-gradient"]:
        assert f'<tr id="note-{did}">' in index
        assert f'href="{did}/{did}.html"' in index
    assert "Softmax 的雅可比矩阵" in index and "The gradient of a sum of exponentials" in index
    assert "中文" in index and "English" in index and "✓ verified" in index
    assert f'id="{tag_slug("softmax")}"' in index and 'href="#tag-gradient"' in index
    assert 'class="katex' in index and "katex-error" not in index  # summaries' math rendered
    # the table is sorted by title
    titles = re.findall(r'<td class="title"[^>]*><a href="[^"]+">([^<]+)</a>', index)
    assert titles == sorted(titles, key=str.casefold) and len(titles) == len(SEED) + 2


def test_note_page_navigation_contents_downloads_and_cited_by(site):
    page = (site / "softmax-jacobian" / "softmax-jacobian.html").read_text("utf-8")
    assert 'href="../index.html"' in page and 'href="../katex/katex.min.css"' in page
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert '<nav class="toc"' in page and 'href="#part-main"' in page
    assert 'href="softmax-jacobian.md">Markdown</a>' in page
    # cited by the cross-entropy note, linking to the very step that cites it
    assert 'id="cited-by"' in page
    cross = (site / "softmax-cross-entropy" / "softmax-cross-entropy.html").read_text("utf-8")
    m = re.search(r'href="\.\./softmax-cross-entropy/softmax-cross-entropy\.html#(eq-main-\d+)"', page)
    assert m and f'id="{m.group(1)}"' in cross
    # and the citing step links to the cited note's claim (an equation reference across pages)
    assert 'href="../softmax-jacobian/softmax-jacobian.html#claim-main"' in cross


def test_reading_order_puts_lemmas_first(site):
    index = (site / "index.html").read_text("utf-8")
    reading = index.split('id="reading"')[1].split("</section>")[0]
    order = re.findall(r'href="([a-z0-9.-]+)/', reading)
    assert order.index("softmax-jacobian") > order.index("b15-product-rule")
    assert order.index("softmax-cross-entropy") > order.index("softmax-jacobian")
    assert order.index("twice-gradient") > order.index("right-gradient")


def test_graph_is_drawn_escaped_and_deterministic(site):
    need("dot")
    svg = (site / "graph.svg").read_text("utf-8")
    root = ET.fromstring(svg)  # well-formed XML
    assert "<!--" not in svg and "<?xml" not in svg
    hrefs = {a.get("{http://www.w3.org/1999/xlink}href") for a in root.iter("{http://www.w3.org/2000/svg}a")}
    for did in SEED + ["right-gradient", "twice-gradient"]:
        assert f"{did}/{did}.html" in hrefs
    index = (site / "index.html").read_text("utf-8")
    assert '<div class="graph"><svg' in index
    assert "node-softmax-jacobian" in page_links(site / "index.html").ids  # note pages link here
    assert (site / "graph.dot").read_text("utf-8").count("->") >= 4


def test_graph_labels_cannot_inject_markup():
    need("dot")
    from docgen.render.graph import Node, dot_source, render_svg

    evil = 'A "quoted" <script>alert(1)</script> & \\N \\"} ]; x -> y; 二'
    svg = render_svg(dot_source([Node("a", evil, "verified", "a/a.html"),
                                 Node("b", "plain", "failed", "b/b.html", evil)], [("a", "b")]))
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "<script" not in svg and not list(root.iter(f"{ns}script"))
    joined = " ".join(texts)
    assert "alert(1)" in joined and "二" in joined and "✗ b" in joined
    assert len([n for n in root.iter(f"{ns}g") if n.get("class") == "node"]) == 2
    assert svg == render_svg(dot_source([Node("a", evil, "verified", "a/a.html"),
                                         Node("b", "plain", "failed", "b/b.html", evil)], [("a", "b")]))


def test_two_publishes_are_byte_identical(site, tmp_path, cache):
    src = corpus(tmp_path / "derivations")
    again = tmp_path / "again"
    publish([str(src)], again, formats={"html", "md"}, cache=cache)
    first, second = tree(site), tree(again)
    assert sorted(first) == sorted(second)
    diff = [k for k in first if first[k] != second[k]]
    assert not diff, diff[:5]


def test_a_failing_note_blocks_publish_and_leaves_the_site_untouched(tmp_path, cache, capsys):
    need_katex()
    src = tmp_path / "derivations"
    write(src, "right-gradient.yaml", GOOD)
    write(src, "twice-gradient.yaml", USES)
    out = tmp_path / "site"
    assert cli.main(["publish", str(src), "--out", str(out), "--format", "html,md",
                     "--cache", str(cache)]) == 0
    before = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    stats = {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    bad = write(src, "wrong-gradient.yaml", BAD)
    capsys.readouterr()
    code = cli.main(["publish", str(src), "--out", str(out), "--format", "html,md",
                     "--cache", str(cache)])
    err = capsys.readouterr().err
    assert code == 1
    assert "wrong-gradient" in err and f"{bad}:" in err and "failed" in err
    assert re.search(re.escape(str(bad)) + r":\d+", err)  # file:line of the failing link
    assert "nothing published" in err
    after = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before
    assert {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stats
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]
    # fixed: published again, the new note included
    bad.unlink()
    with pytest.raises(PublishBlocked):
        write(src, "wrong-gradient.yaml", BAD)
        publish([str(src)], out, formats={"html", "md"}, cache=cache)
    bad.unlink()
    assert publish([str(src)], out, formats={"html", "md"}, cache=cache).pages == 2


def test_publish_refuses_a_folder_that_is_not_a_site(tmp_path, capsys):
    src = tmp_path / "derivations"
    write(src, "right-gradient.yaml", GOOD)
    precious = tmp_path / "notes"
    write(precious, "thesis.txt", "do not delete")
    assert cli.main(["publish", str(src), "--out", str(precious)]) == 2
    assert "was not made by `docgen publish`" in capsys.readouterr().err
    assert (precious / "thesis.txt").read_text() == "do not delete"
    # a folder with an index.html of its own is not a site docgen made either
    write(precious, "index.html", "<p>my homepage</p>")
    assert cli.main(["publish", str(src), "--out", str(precious)]) == 2
    assert (precious / "thesis.txt").read_text() == "do not delete"
    assert (precious / "index.html").read_text() == "<p>my homepage</p>"
    assert cli.main(["publish", str(src), "--out", str(tmp_path / "s"), "--format", "md"]) == 2
    assert cli.main(["publish", str(tmp_path / "nowhere"), "--out", str(tmp_path / "s")]) == 2
    assert not (tmp_path / "s").exists()


def test_publish_replaces_only_a_site_it_made(tmp_path, cache):
    """The marker publish writes is what lets the next publish replace the folder; a marker
    that is a symbolic link does not count."""
    need_katex()
    src = tmp_path / "derivations"
    write(src, "right-gradient.yaml", GOOD)
    out = tmp_path / "site"
    publish([str(src)], out, formats={"html"}, cache=cache)
    assert (out / ".docgen-site").is_file()
    publish([str(src)], out, formats={"html"}, cache=cache)  # its own site: replaced
    (out / ".docgen-site").unlink()
    (out / ".docgen-site").symlink_to(tmp_path / "derivations" / "right-gradient.yaml")
    with pytest.raises(DocgenError, match="not made by"):
        publish([str(src)], out, formats={"html"}, cache=cache)
    assert (out / "index.html").is_file()


def test_a_killed_swap_is_recovered(tmp_path, cache):
    """The fallback swap renames the old site aside first; a kill there is repaired next time."""
    need_katex()
    src = tmp_path / "derivations"
    write(src, "right-gradient.yaml", GOOD)
    out = tmp_path / "site"
    publish([str(src)], out, formats={"html"}, cache=cache)
    (tmp_path / ".site.old").mkdir()
    out.rename(tmp_path / ".site.old.tmp")
    (tmp_path / ".site.old").rmdir()
    (tmp_path / ".site.old.tmp").rename(tmp_path / ".site.old")  # as if killed between renames
    (tmp_path / ".site.new-999999999-x").mkdir()  # a temporary folder of a dead publish
    publish([str(src)], out, formats={"html"}, cache=cache)
    assert (out / "index.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["derivations", "site"]


# -- in a real browser ---------------------------------------------------------------------------

@pytest.mark.browser
def test_every_site_page_in_chromium_no_math_errors_no_network(site, tmp_path):
    from test_browser import Recorder, assert_page_shows_math, chromium, run_chromium

    chromium()
    pages = [site / "index.html"] + sorted(site.glob("*/*.html"))
    proxy = Recorder()
    try:
        for page in pages:
            assert_page_shows_math(page, tmp_path / "profile", proxy)
        for page in [site / "index.html", site / "softmax-jacobian" / "softmax-jacobian.html"]:
            png = tmp_path / f"{page.stem}.png"
            proc = run_chromium(page, tmp_path / "profile", proxy, f"--screenshot={png}",
                                "--hide-scrollbars")
            assert proc.returncode == 0 and png.read_bytes().startswith(b"\x89PNG")
        assert not proxy.page_requests(), proxy.page_requests()
    finally:
        proxy.close()
