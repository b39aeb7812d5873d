"""The PDF, compiled with the real XeLaTeX (ctex, Noto CJK): text, numbers, reproducibility, errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from buildhelp import DERIVATIONS, need

from docgen.publish import build as pipeline
from docgen.render import tex
from docgen.run.verify import load_corpus

pytestmark = pytest.mark.tex


def softmax_file() -> Path:
    """The Softmax derivation: derivations/softmax-jacobian.yaml, else any file with that id."""
    preferred = DERIVATIONS / "softmax-jacobian.yaml"
    if preferred.is_file():
        return preferred
    for der in load_corpus([str(DERIVATIONS)]).derivations:
        if "softmax" in der.id and "jacobian" in der.id:
            return Path(der.path)
    pytest.fail("no Softmax Jacobian derivation in derivations/")


def softmax_derivation(src: Path):
    """The derivation of `src` (loading a file also loads what it cites)."""
    (der,) = [d for d in load_corpus([str(src)]).derivations
              if Path(d.path).resolve() == src.resolve()]
    return der


def need_tex() -> None:
    need("latexmk", "xelatex", "pdftotext")


@pytest.fixture(scope="module")
def softmax_pdfs(tmp_path_factory):
    """The Softmax derivation built twice (separate folders, so no cached PDF is reused)."""
    need_tex()
    cache = tmp_path_factory.mktemp("verdicts")
    src = softmax_file()
    builds = []
    for i in (1, 2):
        out = tmp_path_factory.mktemp(f"pdf{i}") / "out"
        report = pipeline.build([str(src)], {"latex", "pdf"}, out, cache=cache)
        assert report.exit_code == 0, [str(p) for r in report.failed for p in r.problems]
        did = softmax_derivation(src).id
        assert did in report.rendered
        builds.append((out / did / f"{did}.pdf", out / did / f"{did}.tex"))
    return src, builds


def pdf_text(pdf: Path) -> str:
    proc = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"],
                          capture_output=True, check=True, timeout=60)
    return proc.stdout.decode("utf-8")


def test_softmax_pdf_holds_title_and_every_step_number(softmax_pdfs):
    src, [(pdf, _), _] = softmax_pdfs
    assert pdf.read_bytes().startswith(b"%PDF-")
    der = softmax_derivation(src)
    text = pdf_text(pdf)
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", der.title) in flat, f"title {der.title!r} not in the PDF text"
    numbers = set(re.findall(r"\((\d+(?:\.\d+)*)\)", text))
    steps = sum(len(part.steps) for part in der.parts)
    assert steps > 0
    missing = [n for n in range(1, steps + 1) if str(n) not in numbers
               and not any(x.endswith(f".{n}") for x in numbers)]
    assert not missing, f"equation numbers {missing} not in the PDF text (found {sorted(numbers)})"


def test_two_pdf_builds_are_byte_identical(softmax_pdfs):
    _, [(pdf1, tex1), (pdf2, tex2)] = softmax_pdfs
    assert tex1.read_bytes() == tex2.read_bytes()
    assert pdf1.read_bytes() == pdf2.read_bytes()


def test_pdf_dates_come_from_source_date_epoch(softmax_pdfs):
    _, [(pdf, _), _] = softmax_pdfs
    raw = pdf.read_bytes()
    proc = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, timeout=60)
    if proc.returncode == 0:
        info = proc.stdout.decode("utf-8", "replace")
        assert "CreationDate" not in info or "1970" in info or re.search(r"20\d\d", info)
    assert b"/ID" in raw or b"/ID[" in raw


def test_tex_error_names_document_and_line():
    need_tex()
    source = ("\\documentclass{article}\n\\begin{document}\nfine\n"
              "\\undefinedcontrolsequence{x}\n\\end{document}\n")
    with pytest.raises(tex.TexError) as info:
        tex.compile_pdf(source, "broken", label="broken (derivations/broken.yaml)")
    message = str(info.value)
    assert info.value.tex_line == 4
    assert message.startswith("broken (derivations/broken.yaml): LaTeX error at .tex line 4:")
    assert "Undefined control sequence" in message and "\\undefinedcontrolsequence" in message
    assert len(message.splitlines()) <= 3  # a short message, not a wall of log


def test_tex_error_from_a_log_without_line():
    err = tex.tex_error("d", "! Emergency stop.\n<*> x.tex\n", "")
    assert str(err) == "d: LaTeX error: Emergency stop." and err.tex_line == 0
    err = tex.tex_error("d", "no error here\n", "", "latexmk: something odd\n")
    assert "without a TeX error message" in str(err)


def test_source_date_epoch(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234")
    assert tex.source_date_epoch(tmp_path / "x.yaml") == 1234
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    (tmp_path / "x.yaml").write_text("id: x\n")
    assert tex.source_date_epoch(tmp_path / "x.yaml") == 0  # not in git: constant
    assert tex.source_date_epoch(softmax_file()) >= 0


def test_tex_error_in_a_build_names_the_derivation_and_writes_nothing(tmp_path):
    need_tex()
    from buildhelp import GOOD, write

    from docgen.model.errors import DocgenError

    src = write(tmp_path / "src", "good.yaml", GOOD)
    write(tmp_path / "tpl" / "latex", "document.tex.j2",
          "\\documentclass{article}\n\\begin{document}\n<< doc.title >>\n\\nosuchmacro\n"
          "\\end{document}\n")
    out = tmp_path / "out"
    with pytest.raises(DocgenError) as info:
        pipeline.build([str(src)], {"md", "latex", "pdf"}, out, templates=tmp_path / "tpl",
                       cache=tmp_path / "verdicts")
    message = str(info.value)
    assert message.startswith(f"right-gradient ({src}): LaTeX error at .tex line 4: "
                              "Undefined control sequence."), message
    assert not out.exists()


# -- typography: links, bookmarks, metadata, no overfull lines ----------------------------------

LONG_URL = ("https://www.math.uwaterloo.ca/~hwolkowi/matrixcookbook-with-a-very-long-name"
            "_and_more/verylongpathsegmentwithoutanyseparatoratall0123456789.pdf?a=1&b=2#page=12")
CITING = """\
id: cites-right
title: 指数和的梯度（引用）
language: zh
summary: 引用 right-gradient 的结论。
tags: [exp, gradient]
sources:
  - title: The Matrix Cookbook (Petersen & Pedersen), eq. (46) and (49)
    url: "{url}"
    note: 原文式 (46)
layout: denominator
dims:
  n: {{sizes: [2, 3], numeric: 4}}
symbols:
  x: {{shape: [n], description: 自变量}}
claim: D(sum(exp(x)), x) = exp(x)
steps:
  - expr: D(ones(n).T @ exp(x), x)
    by: definition
    note: 由{{src:46}}，$\\operatorname{{sum}}(v) = \\mathbf{{1}}^\\top v$。
  - expr: exp(x)
    by: right-gradient
""".format(url=LONG_URL)


@pytest.fixture(scope="module")
def citing_pdf(tmp_path_factory):
    """A Chinese note citing another and a source with a long URL, built twice."""
    need_tex()
    from buildhelp import GOOD, write

    src = tmp_path_factory.mktemp("citing")
    write(src, "right.yaml", GOOD)
    path = write(src, "citing.yaml", CITING)
    cache = tmp_path_factory.mktemp("verdicts")
    outs = []
    for i in (1, 2):
        out = tmp_path_factory.mktemp(f"citing{i}") / "out"
        report = pipeline.build([str(path)], {"pdf"}, out, cache=cache)
        assert report.exit_code == 0, [str(p) for r in report.failed for p in r.problems]
        outs.append(out)
    return outs


def test_no_overfull_lines_even_with_a_long_url(citing_pdf):
    out = citing_pdf[0]
    logs = sorted((out / ".cache" / "pdf").glob("*.log"))
    assert {p.name.split("_")[0] for p in logs} == {"cites-right", "right-gradient"}
    for log in logs:
        text = log.read_text("utf-8")
        assert "Output written on" in text  # the log of the pass that wrote the PDF
        assert tex.overfull_boxes(text) == [], log.name


def test_links_bookmarks_and_metadata_in_the_pdf(citing_pdf):
    from buildhelp import pdf_entries

    pdf = (citing_pdf[0] / "cites-right" / "cites-right.pdf").read_bytes()
    assert LONG_URL in pdf_entries(pdf, "URI")  # the source, a web link
    assert "../right-gradient/right-gradient.pdf" in pdf_entries(pdf, "F")  # the cited note's PDF
    titles = pdf_entries(pdf, "Title")
    assert "指数和的梯度（引用）" in titles  # the document information's title
    for bookmark in ("符号", "推导", "引用的推导", "参考资料"):
        assert bookmark in titles, (bookmark, titles)
    assert pdf_entries(pdf, "Lang") == ["zh-CN"]
    assert pdf_entries(pdf, "Subject") == ["引用 right-gradient 的结论。"]
    proc = subprocess.run(["pdfinfo", "-isodates", str(citing_pdf[0] / "cites-right" / "cites-right.pdf")],
                          capture_output=True, check=True, timeout=60)
    info = proc.stdout.decode("utf-8")
    assert re.search(r"^Title:\s+指数和的梯度（引用）$", info, re.M), info
    text = pdf_text(citing_pdf[0] / "cites-right" / "cites-right.pdf")
    assert "〔原文式 46〕" in text and "{src" not in text


def test_pdfs_with_links_and_metadata_are_byte_identical(citing_pdf):
    first, second = citing_pdf
    for did in ("cites-right", "right-gradient"):
        assert (first / did / f"{did}.pdf").read_bytes() == (second / did / f"{did}.pdf").read_bytes()


def test_overfull_boxes_are_read_from_a_log():
    log = ("Overfull \\hbox (42.29643pt too wide) in paragraph at lines 165--166\n"
           "[]\\TU/lmtt/m/n/10.95 squared-norm-gradient\n"
           "Underfull \\hbox (badness 10000) in paragraph at lines 1--2\n"
           "Overfull \\vbox (3.0pt too high) has occurred while \\output is active\n")
    assert tex.overfull_boxes(log) == [
        "Overfull \\hbox (42.29643pt too wide) in paragraph at lines 165--166",
        "Overfull \\vbox (3.0pt too high) has occurred while \\output is active"]
    assert tex.overfull_boxes("Underfull \\hbox (badness 10000)\n") == []
