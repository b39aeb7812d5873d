"""`docgen audit` and `docgen import` on the seed post and on a corpus of notes written for the
tests (Markdown, LaTeX, plain text; English and Chinese; index and matrix notation; with and
without planted errors): every planted error found at its line, no correct link rejected."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.publish.audit import audit, json_report

NOTES = Path(__file__).parent / "notes"
SEED = NOTES / "softmax-bp-post.txt"


def failed_lines(a) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for c in a.chains:
        for link in c.links:
            if link.verdict != "verified":
                out.setdefault(link.line, []).append(link.message)
    return out


def test_seed_post_every_typo_at_its_line_and_the_rest_verified():
    a = audit(str(SEED), jobs=1)
    by_line = {c.line: c for c in a.chains}
    # B.15's statement (34) and proof (36), B.26's statement (40) and proof (42), (1) (47), (2) (51)
    assert {34, 36, 40, 42, 47, 51} <= set(by_line)
    for line in (36, 40, 47, 51):
        assert all(c.passed for c in a.chains if c.line == line), line
    bad = failed_lines(a)
    assert set(bad) == {34, 42}
    assert any("k^{M \\times 1}" in m and "k is not declared" in m for m in bad[34])
    text = "\n".join(bad[42])
    assert "entry (1, n): eta is not declared" in text
    assert "entry (n, 2) reads D(f(x)[1], x[n]); the pattern of the other entries gives D(f(x)[2], x[n])" in text
    assert "entry (n, n) as written: -D(f(x)[n], x[n]): differs from the other side" in text
    # the statement's own link is right: only the declaration is wrong
    assert [l.verdict for l in by_line[34].links if "claim" in l.message] == ["verified"]
    # (2) used the differential, its conclusion and the chain after it
    assert len(by_line[51].links) == 8
    # anything not read has a line and a reason
    assert a.unread and all(line and reason for line, _, reason in a.unread)
    assert a.exit_code == 1


def test_json_has_exactly_the_documented_keys(capsys):
    code = main(["audit", str(NOTES / "zh-exp.md"), "--format", "json", "-j", "1"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(doc) == {"chains", "unread", "declarations"}
    assert [c["line"] for c in doc["chains"]] == [6, 9]
    for c in doc["chains"]:
        assert set(c) == {"line", "links"}
        for link in c["links"]:
            assert set(link) == {"line", "verdict", "message"} and link["verdict"] == "verified"


def test_json_says_which_declarations_it_used(capsys):
    """The declarations of the text report, as data: line, name, shape (or elementwise), the
    note's text, the chains that used each; the sidecar's with line null."""
    main(["audit", str(SEED), "--format", "json", "-j", "1"])
    decl = json.loads(capsys.readouterr().out)["declarations"]
    assert decl[0] == {"line": 34, "name": "x", "shape": ["M", 1], "text": r"\vec{x} \in k^{M \times 1}",
                       "chains": [34, 36]}
    assert [(d["line"], d["name"]) for d in decl] == [(34, "x"), (34, "y"), (34, "z"), (40, "f"), (40, "x"),
                                                      (47, "x")]
    f = decl[3]
    assert f["elementwise"] is True and "shape" not in f and f["chains"] == [40, 42]
    assert decl[1]["shape"] == [1, 1] and decl[5]["chains"] == [47, 51]
    main(["audit", str(NOTES / "en-sidecar.md"), "--format", "json", "-j", "1"])
    side = json.loads(capsys.readouterr().out)["declarations"]
    assert {(d["line"], d["name"], tuple(d["shape"]), d["text"]) for d in side} == {
        (None, "W", ("m", "n"), "sidecar"), (None, "h", ("n", 1), "sidecar")}


# note -> {line: a fragment of the failure there}; every other link must verify
CORPUS = {
    "en-product.md": {},
    "en-product-wrong.md": {6: "claim: failed"},
    "zh-exp.md": {},
    "zh-exp-wrong.md": {6: "different shapes", 9: "different shapes"},
    "en-differential.tex": {},
    "en-differential-wrong.tex": {6: "step 2: failed", 7: "step 3: failed", 8: "claim: failed"},
    "zh-elementwise.md": {},
    "en-matrix.md": {},
    "en-matrix-wrong.md": {6: "entry (1, n) as written"},
    "en-index.txt": {7: "claim: failed"},
    "en-sidecar.md": {},
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus(name):
    a = audit(str(NOTES / name), jobs=1)
    assert a.chains, name
    assert not a.unread, a.unread
    bad = failed_lines(a)
    assert set(bad) == set(CORPUS[name]), bad
    for line, fragment in CORPUS[name].items():
        assert any(fragment in m for m in bad[line]), (line, bad[line])
    assert a.exit_code == (1 if CORPUS[name] else 0)


def test_import_then_fix_the_typos_then_verify(tmp_path, capsys):
    out = tmp_path / "derivations"
    assert main(["import", str(SEED), "-o", str(out)]) == 0
    files = sorted(out.glob("*.yaml"))
    assert len(files) == 7
    assert main(["import", str(SEED), "-o", str(out)]) == 2  # never overwrites
    assert "never overwrites" in capsys.readouterr().err
    # the user's fixes, by hand: the declaration, and the three entries of B.26's matrix
    for f in files:
        text = f.read_text("utf-8")
        text = text.replace(r"\frac{\partial f_n}{\partial \eta_n}", r"\frac{\partial f_n}{\partial x_1}")
        text = text.replace(r"\frac{\partial f_1}{\partial x_n} & \frac{\partial f_1}{\partial x_n}",
                            r"\frac{\partial f_1}{\partial x_n} & \frac{\partial f_2}{\partial x_n}")
        text = text.replace(r"-\frac{\partial f_n}{\partial x_n}", r"\frac{\partial f_n}{\partial x_n}")
        text = re.sub(r"\n  eta:\n(?:    .*\n)*", "\n", text)
        f.write_text(text, "utf-8")
    capsys.readouterr()
    code = main(["verify", "--no-cache", "-j", "1", str(out)])
    report = capsys.readouterr().out
    assert code == 0, report
    assert "7 passed, 0 failed" in report


def test_html_marks_each_formula_and_escapes_the_prose(tmp_path):
    note = tmp_path / "hostile.md"
    note.write_text("<script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
                    "Let $x \\in \\mathbb{R}^{n}$.\n\n$$\\frac{\\partial x^\\top x}{\\partial x} = x$$\n\n"
                    "$$\\input{/etc/passwd} = 1$$\n", "utf-8")
    html = tmp_path / "out.html"
    assert main(["audit", str(note), "--html", str(html), "-j", "1"]) == 1
    page = html.read_text("utf-8")
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert "✗ line 5" in page and "not read (line 7)" in page and 'class="katex' in page
    assert html.read_bytes() == (main(["audit", str(note), "--html", str(html), "-j", "1"]) and html.read_bytes())


PROSE = re.compile(r'<span class="prose">(.*?)</span>', re.S)


@pytest.mark.parametrize("name, formulas, text", [
    ("delims.md", 6, "A <b>bold</b> & claim: $y = y$ inline, \\(y = y\\) too.\n\n$$\\frac{\\partial y}{\\partial y} = 1$$\n\n"
                  "\\[ y + y = 2 y \\]\n\n```math\ny y = y^2\n```\n\n$$ y = y，则 \\text{此} $$\n"),
    ("delims.tex", 3, "Let $y \\in \\mathbb{R}$ <i>.\n\\begin{align} y + y &= 2 y \\label{e1} \\\\ &= y \\cdot 2 \\nonumber"
                   "\n\\end{align}\n\\begin{equation*} y = y \\end{equation*}\n"),
])
def test_html_renders_formulas_without_their_delimiters(tmp_path, name, formulas, text):
    """Each formula is KaTeX's alone: the note's $$, \\[, $, \\(, ```math and \\begin{…} are not
    shown as text around it; the prose is still the note's, escaped; the page carries KaTeX's CSS
    and fonts."""
    note = tmp_path / name
    note.write_text(text, "utf-8")
    out = tmp_path / "out.html"
    main(["audit", str(note), "--html", str(out), "-j", "1"])
    page = out.read_text("utf-8")
    prose = "".join(PROSE.findall(page))
    for delim in ("$", "\\[", "\\]", "\\(", "\\)", "```", "\\begin", "\\end", "math\n"):
        assert delim not in prose, (delim, prose)
    assert "<b>" not in page and "<i>" not in page
    assert ("&lt;b&gt;bold&lt;/b&gt; &amp; claim:" in prose) if name.endswith(".md") else ("&lt;i&gt;" in prose)
    assert "<code>" not in page  # every formula rendered (CJK in math, align rows, a label)
    assert page.count('<span class="katex">') == page.count('class="math"') == formulas
    assert "@font-face" in page and "data:font/woff2;base64," in page and "url(fonts/" not in page


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01 $x$", "control character"),
    (b"\xff\xfe", "not UTF-8"),
    (b"a" * 1_000_001, "at most"),
])
def test_hostile_notes_are_refused_in_one_line(tmp_path, capsys, content, message):
    note = tmp_path / "n.md"
    note.write_bytes(content)
    assert main(["audit", str(note)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_huge_matrix_and_unknown_commands_are_not_read_with_a_reason(tmp_path):
    big = " \\\\ ".join(" & ".join("1" for _ in range(60)) for _ in range(60))
    note = tmp_path / "n.md"
    note.write_text(f"Let $x \\in \\mathbb{{R}}^{{n}}$.\n\n$$x = \\begin{{bmatrix}} {big} \\end{{bmatrix}}$$\n\n"
                    "$$x = \\csname foo\\endcsname$$\n", "utf-8")
    a = audit(str(note), jobs=1)
    assert [line for line, _, _ in a.unread] == [3, 5]
    assert all(reason for _, _, reason in a.unread)
