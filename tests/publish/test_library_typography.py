"""The library in derivations/, built in every format: no PDF line wider than the text (TeX's
logs, kept beside the cached PDFs), every cited note and source a link in the PDF and the HTML,
the PDF's title, and no ASCII punctuation after Chinese in the Chinese notes.

One build of the whole library, PDFs included (a few minutes): marker `tex`."""

from __future__ import annotations

import re
import subprocess

import pytest
from buildhelp import DERIVATIONS, need, need_katex, pdf_entries
from renderhelp import ASCII_AFTER_CJK, PROSE

from docgen.lang.rules import RULES
from docgen.publish import build as pipeline
from docgen.render import tex, view
from docgen.run.verify import load_corpus

pytestmark = [pytest.mark.tex, pytest.mark.slow]


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    need("latexmk", "xelatex")
    need_katex()
    out = tmp_path_factory.mktemp("library") / "out"
    report = pipeline.build([str(DERIVATIONS)], {"latex", "pdf", "html", "md"}, out,
                            cache=tmp_path_factory.mktemp("verdicts"), jobs=0)
    assert report.exit_code == 0, [str(p) for r in report.failed for p in r.problems]
    ders = load_corpus([str(DERIVATIONS)]).derivations
    assert len(ders) == len(report.rendered) >= 30
    return out, ders


def cited(der) -> list[str]:
    return sorted({s.by for p in der.parts for s in p.steps if s.by and s.by not in RULES})


def test_no_overfull_box_in_any_library_pdf(library):
    out, ders = library
    logs = {p.name.split("_")[0]: p for p in (out / ".cache" / "pdf").glob("*.log")}
    assert sorted(logs) == sorted(d.id for d in ders)
    overfull = {did: tex.overfull_boxes(p.read_text("utf-8")) for did, p in sorted(logs.items())}
    assert {did: boxes for did, boxes in overfull.items() if boxes} == {}


def test_no_character_is_missing_from_the_fonts_of_any_library_pdf(library):
    """Greek letters and superscripts in text (克罗内克 δ, tr(X⁻¹A)) have no glyph in the text
    fonts; XeTeX leaves them out of the PDF with only a line in its log."""
    out, ders = library
    missing = {p.name.split("_")[0]: tex.missing_characters(p.read_text("utf-8"))
               for p in (out / ".cache" / "pdf").glob("*.log")}
    assert {did: chars for did, chars in missing.items() if chars} == {}


def test_no_page_ends_with_a_heading(library):
    """A section's heading is followed on its page by what it heads (TeX's headings alone may
    end a page when the next thing is a display: 'Numeric example' stood at a page's foot)."""
    need("pdftotext")
    out, ders = library
    words = [view.WORDS[lang][key] for lang in view.WORDS
             for key in ("example", "checked", "references", "sources", "symbols", "definitions")]
    headings = set(words) | {p.title for d in ders for p in d.parts if p.title}
    stranded = []
    for der in ders:
        pdf = out / der.id / f"{der.id}.pdf"
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        for k, page in enumerate(text.split("\f")[:-1], 1):
            lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
            if lines and lines[-1].isdigit():  # the page number
                lines.pop()
            if lines and lines[-1] in headings:
                stranded.append(f"{der.id} page {k}: {lines[-1]}")
    assert stranded == []


def test_missing_characters_are_read_from_the_log():
    log = ("Missing character: There is no δ (U+03B4) in font [lmroman10-regular]:mapping=tex-text;!\n"
           "Missing character: There is no δ (U+03B4) in font [lmroman10-regular]:mapping=tex-text;!\n")
    assert tex.missing_characters(log) == ["δ (U+03B4)"]


def test_every_cited_note_and_source_is_a_link_in_pdf_and_html(library):
    out, ders = library
    for der in ders:
        pdf = (out / der.id / f"{der.id}.pdf").read_bytes()
        page = (out / der.id / f"{der.id}.html").read_text("utf-8")
        files, uris = pdf_entries(pdf, "F"), pdf_entries(pdf, "URI")
        for cid in cited(der):
            assert f"../{cid}/{cid}.pdf" in files, (der.id, cid)
            assert f'href="../{cid}/{cid}.html"' in page, (der.id, cid)
        for source in der.sources:
            if source.url:
                assert source.url in uris, (der.id, source.url)
                assert f'href="{source.url}"' in page, (der.id, source.url)
        assert der.title in pdf_entries(pdf, "Title"), der.id


def test_chinese_notes_use_full_width_punctuation_in_every_format(library):
    out, ders = library
    zh = [d for d in ders if d.language == "zh"]
    assert len(zh) >= 10
    bad = []
    for der in zh:
        for fmt, ext in (("latex", "tex"), ("html", "html"), ("md", "md")):
            text = PROSE[fmt]((out / der.id / f"{der.id}.{ext}").read_text("utf-8"))
            bad += [(der.id, fmt, text[max(0, m.start() - 10):m.end() + 5])
                    for m in ASCII_AFTER_CJK.finditer(text)]
    assert bad == []


def test_the_library_refers_to_source_equations_with_the_markup(library):
    """No note's prose writes 式 (N) for an equation, which reads as the note's own step (N):
    a source's equation is {src:N}. (The list of sources may: it is about the source.)"""
    out, ders = library
    for der in ders:
        for ext, sources in (("tex", "{sources}"), ("md", "\n## 参考资料\n")):
            text = (out / der.id / f"{der.id}.{ext}").read_text("utf-8").split(sources)[0]
            assert not re.search(r"式 ?\(\d+\)", text), (der.id, ext)
            assert "{src:" not in text.replace("\\{src:", ""), (der.id, ext)


def pdf_pages(pdf) -> int:
    """The page count pdfinfo reports."""
    import subprocess

    need("pdfinfo")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_the_chain_first_notes_fit_their_pages(library):
    """Issue 16's targets: the Softmax Jacobian on 2 pages (it was 4), the MLP on 4 (it was 7):
    each matrix printed once, the evidence in one short appendix."""
    out, _ = library
    assert pdf_pages(out / "softmax-jacobian" / "softmax-jacobian.pdf") <= 2
    assert pdf_pages(out / "mlp-backprop" / "mlp-backprop.pdf") <= 4
