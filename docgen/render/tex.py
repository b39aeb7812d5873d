"""LaTeX -> PDF with `latexmk -xelatex`, reproducibly, with TeX errors reported by line.

The .tex is compiled in a fresh temporary folder (no shell escape, no latexmkrc), with
SOURCE_DATE_EPOCH and FORCE_SOURCE_DATE=1 so that the PDF's dates, \\today and the trailer /ID
that xdvipdfmx derives from them are the same in every build: two builds of the same .tex are
byte-identical. The epoch is chosen by `source_date_epoch`.

`compile_pdf_and_log` also returns TeX's log, which a build keeps beside the cached PDF;
`overfull_boxes` reads the lines set wider (or pages taller) than their space from it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..model.errors import DocgenError

TIMEOUT = 300  # seconds per document
LATEXMK_ARGS = ["-norc", "-xelatex", "-interaction=nonstopmode", "-halt-on-error",
                "-no-shell-escape", "-latexoption=-file-line-error"]


class TexError(DocgenError):
    """TeX stopped on an error: `tex_line` is the line of the .tex (0 if unknown)."""

    def __init__(self, message: str, tex_line: int = 0):
        super().__init__(message)
        self.tex_line = tex_line


TEMP_PREFIX = "docgen-tex-"  # + "<pid>-": a build sweeps those of dead processes (publish/build.py)

def source_date_epoch(path: str | Path | None) -> int:
    """The time stamped into a PDF: $SOURCE_DATE_EPOCH if set, else the last git commit of
    the derivation file, else 0 (1970-01-01). Never the clock, so rebuilds are identical."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    git = shutil.which("git")
    if path is not None and git is not None:
        p = Path(path).resolve()
        try:
            proc = subprocess.run(
                [git, "log", "-1", "--format=%ct", "--", p.name],
                cwd=p.parent, capture_output=True, timeout=10, check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return 0
        out = proc.stdout.decode("ascii", "replace").strip()
        if proc.returncode == 0 and out.isdigit():
            return int(out)
    return 0


def have_tex() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("xelatex") is not None


def compile_pdf(tex: str, jobname: str, *, label: str, epoch: int = 0) -> bytes:
    """Compile the LaTeX source `tex` and return the PDF's bytes.

    `jobname` must be a validated derivation id (it names files in the temporary folder);
    `label` names the document in error messages (e.g. the derivation id and its file).
    """
    return compile_pdf_and_log(tex, jobname, label=label, epoch=epoch)[0]


def compile_pdf_and_log(tex: str, jobname: str, *, label: str, epoch: int = 0) -> tuple[bytes, str]:
    """As `compile_pdf`, and the TeX log of the last pass."""
    latexmk = shutil.which("latexmk")
    if latexmk is None or shutil.which("xelatex") is None:
        raise DocgenError("PDF output needs TeX Live (latexmk and xelatex; with ctex and "
                          "Noto CJK fonts for Chinese): install them or leave out the pdf format")
    env = dict(os.environ)
    env.update(SOURCE_DATE_EPOCH=str(epoch), FORCE_SOURCE_DATE="1", TZ="UTC",
               max_print_line="1000", error_line="254", half_error_line="238")
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        src = Path(tmp) / f"{jobname}.tex"
        src.write_text(tex, encoding="utf-8")
        try:
            proc = subprocess.run(
                [latexmk, *LATEXMK_ARGS, f"-jobname={jobname}", src.name],
                cwd=tmp, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                timeout=TIMEOUT, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise TexError(f"{label}: LaTeX did not finish within {TIMEOUT} s") from exc
        pdf = Path(tmp) / f"{jobname}.pdf"
        log = Path(tmp) / f"{jobname}.log"
        log_text = log.read_text("utf-8", "replace") if log.exists() else ""
        if proc.returncode != 0 or not pdf.is_file():
            raise tex_error(label, log_text, tex, proc.stdout.decode("utf-8", "replace"), jobname)
        return pdf.read_bytes(), log_text


_OVERFULL = re.compile(r"^Overfull \\([hv])box \((-?[\d.]+)pt too (?:wide|high)\) (.*)$", re.M)


def overfull_boxes(log: str) -> list[str]:
    """TeX's 'Overfull \\hbox' and 'Overfull \\vbox' warnings in `log`, one line each, e.g.
    'Overfull \\hbox (42.3pt too wide) in paragraph at lines 165--166'."""
    return [m.group(0).strip() for m in _OVERFULL.finditer(log)]


def missing_characters(log: str) -> list[str]:
    """XeTeX's 'Missing character: There is no δ (U+03B4) in font …' lines: a character the
    font has no glyph for, which the PDF silently leaves out."""
    return sorted({m.group(1) for m in _MISSING.finditer(log)})


_MISSING = re.compile(r"^Missing character: There is no (.+?) in font", re.M)
_LINE = re.compile(r"^l\.(\d+) ?(.*)$")
_FILE_LINE = re.compile(r"^(.+?\.(?:tex|sty|cls|def|cfg|fd|aux|toc|out|ldf|clo)):(\d+): (.*)$")


def tex_error(label: str, log: str, tex: str, output: str = "", jobname: str = "") -> TexError:
    """A short error from a TeX log: the first error message and the .tex line it names.

    With -file-line-error, errors read `./<job>.tex:12: message` (or a package file's path when
    the error is raised inside a package); a few fatal ones still start with `! `.
    """
    lines = log.splitlines()
    src_lines = tex.splitlines()
    for i, line in enumerate(lines):
        m = _FILE_LINE.match(line)
        if m:
            where, n, message = m.group(1), int(m.group(2)), m.group(3).strip()
        elif line.startswith("! "):
            where, n, message = "", 0, line[2:].strip()
        else:
            continue
        name = where.rsplit("/", 1)[-1]
        in_main = (not where) or name == f"{jobname}.tex" or (not jobname and name.endswith(".tex"))
        if in_main and not n:
            # the "l.N" line within the next lines gives the line of the current file
            for follow in lines[i + 1:i + 30]:
                lm = _LINE.match(follow)
                if lm:
                    n = int(lm.group(1))
                    break
        if in_main and n:
            src = src_lines[n - 1].strip() if 0 < n <= len(src_lines) else ""
            shown = src if len(src) <= 120 else src[:117] + "..."
            return TexError(f"{label}: LaTeX error at .tex line {n}: {message}"
                            + (f"\n    {n} | {shown}" if shown else ""), n)
        if where and not in_main:
            return TexError(f"{label}: LaTeX error in {name} line {n} (a package or auxiliary "
                            f"file, not the .tex): {message}")
        return TexError(f"{label}: LaTeX error: {message}")
    tail = [ln for ln in (output or log).splitlines() if ln.strip()][-3:]
    return TexError(f"{label}: LaTeX failed without a TeX error message"
                    + (": " + " | ".join(tail) if tail else ""))
