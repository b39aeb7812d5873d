"""Helpers shared by the build, PDF and browser tests: program checks that skip locally but
never in CI (CI=true), and small derivation files."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DERIVATIONS = ROOT / "derivations"

GOOD = """\
id: right-gradient
title: The gradient of a sum of exponentials
language: en
summary: The gradient of $\\mathbf{1}^\\top \\exp(x)$ is $\\exp(x)$.
layout: denominator
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  x: {shape: [n], style: vec, description: input}
claim: D(sum(exp(x)), x) = exp(x)
method: chain
steps:
  - expr: D(ones(n).T @ exp(x), x)
    by: definition
    note: By definition, $\\operatorname{sum}(v) = \\mathbf{1}^\\top v$.
  - expr: exp(x)
    by: chain-rule
example:
  sizes: {n: 3}
  values: {x: [1, 2, 0.5]}
"""

BAD = (GOOD.replace("right-gradient", "wrong-gradient")
       .replace("The gradient of a sum", "A wrong gradient of a sum")
       .replace("D(ones(n).T @ exp(x), x)", "2 * exp(x)"))


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def need(*programs: str) -> None:
    """Skip (locally) or fail (in CI) when a program is missing."""
    missing = [p for p in programs if shutil.which(p) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} (not on PATH)"
    if in_ci():
        pytest.fail(f"CI=true: {message}; .ci/run installs it")
    pytest.skip(message)


def need_katex() -> None:
    """Skip (locally) or fail (in CI) when no engine can run the bundled KaTeX (mini-racer is a
    dependency of docgen, so this only happens in a broken environment)."""
    from docgen.model.errors import DocgenError
    from docgen.render.katex import configured_engine

    try:
        configured_engine()
    except DocgenError as exc:
        if in_ci():
            pytest.fail(f"CI=true: {exc}")
        pytest.skip(str(exc))


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the PDF cache left out) as {relative path: bytes}."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".cache" not in p.relative_to(folder).parts}


def pdf_dictionaries(pdf: bytes) -> str:
    """A PDF's objects as text, compressed object streams inflated (xdvipdfmx keeps the link
    annotations, outlines and document information in them): what /URI, /F, /Title and /Lang
    entries a PDF holds, without a PDF library."""
    import zlib

    texts = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", m.end())
        try:
            texts.append(zlib.decompress(pdf[m.end():end]))
        except zlib.error:
            continue  # not a Flate stream (fonts are; images may not be)
    return b"\n".join(texts).decode("latin-1")


def pdf_string(raw: str) -> str:
    """A PDF string as written in an object, (literal) or <hex UTF-16BE with BOM>, decoded."""
    if raw.startswith("<"):
        data = bytes.fromhex(raw[1:-1])
        return data[2:].decode("utf-16-be") if data.startswith(b"\xfe\xff") else data.decode("latin-1")
    body = raw[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


def pdf_entries(pdf: bytes, key: str) -> list[str]:
    """Every value of /key that is a string, decoded (e.g. 'URI', 'F', 'Title', 'Lang')."""
    text = pdf_dictionaries(pdf)
    return [pdf_string(m.group(1)) for m in
            re.finditer(r"/" + key + r"\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f]*>)", text)]
