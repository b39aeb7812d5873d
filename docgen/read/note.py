"""A note (Markdown, LaTeX or plain text holding LaTeX math) -> its math, with the note's lines.

Takes the bytes of a note and gives `Note`: its text and every math block found in it
(`MathBlock`: the LaTeX between the delimiters, where it starts as 1-based line and column,
whether it is displayed, and its span with the delimiters). Found: ```` ```math ```` fences,
`$$…$$`, `\\[…\\]`, `\\(…\\)`, `$…$` and the environments `equation`, `align`, `gather`,
`multline` (starred or not). Markdown code (fenced or indented blocks, backticks) and LaTeX
comments are not math. The prose around the math is kept (`Note.prose`) for the declarations written in words.

Nothing in a note is executed; a note is refused (DocgenError, exit 2) when it is too large,
not UTF-8, or holds control characters other than tab and line breaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import DocgenError, Location

MAX_NOTE_BYTES = 1_000_000
MAX_BLOCKS = 2000  # math blocks per note
MAX_BLOCK_CHARS = 20_000  # a display block (its rows are read one by one, each at most 4000)

_ENVS = r"(?:equation|align|gather|multline|eqnarray|displaymath|math)\*?"
_OPEN = re.compile(r"```+\s*math[ \t]*\n|\$\$|\\\[|\\\(|\\begin\{(" + _ENVS + r")\}|(?<![\\$])\$(?!\$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class MathBlock:
    tex: str
    start: int  # offset of tex[0] in the note's text
    line: int  # 1-based line of tex[0]
    col: int  # 1-based column of tex[0]
    display: bool
    env: str = ""  # the environment when the block is \begin{env}…\end{env}
    outer: tuple[int, int] = (-1, -1)  # offsets of the block with its delimiters: [start, end)


@dataclass
class Note:
    path: str
    text: str
    kind: str  # "markdown" | "latex" | "text"
    blocks: list[MathBlock]
    prose: str  # the text with math and code blanked out (same offsets)

    def where(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        line = self.text.count("\n", 0, offset) + 1
        col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return line, col

    def loc(self, offset: int) -> Location:
        line, col = self.where(offset)
        return Location(self.path, line, col)


def note_kind(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".tex", ".ltx", ".latex"):
        return "latex"
    if suffix in (".md", ".markdown", ".mdown", ".qmd", ".rmd"):
        return "markdown"
    return "text"


def read_note_bytes(raw: bytes, path: str) -> Note:
    """A note's math blocks. Raises DocgenError for a note that cannot be used at all."""
    where = Location(path)
    if len(raw) > MAX_NOTE_BYTES:
        raise DocgenError(f"note is {len(raw)} bytes; at most {MAX_NOTE_BYTES}", where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocgenError(f"note is not UTF-8 text (byte {exc.start})", where) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise DocgenError(f"control character U+{ord(bad.group()):04X} in the note; "
                          "remove it", Location(path, line))
    kind = note_kind(path)
    masked = _mask(text, kind)
    blocks = _find(text, masked, path)
    prose = list(masked)
    for b in blocks:
        for i in range(b.start, b.start + len(b.tex)):
            if prose[i] != "\n":
                prose[i] = " "
    return Note(path, text, kind, blocks, "".join(prose))


def read_note(path: str | Path) -> Note:
    p = Path(path)
    try:
        if not p.is_file():
            raise DocgenError("no such note (or not a regular file)", Location(str(path)))
        with p.open("rb") as fh:
            raw = fh.read(MAX_NOTE_BYTES + 1)
    except OSError as exc:
        raise DocgenError(f"cannot read note: {exc.strerror}", Location(str(path))) from None
    return read_note_bytes(raw, str(path))


def _blank(text: str, a: int, b: int) -> str:
    return text[:a] + re.sub(r"[^\n]", " ", text[a:b]) + text[b:]


def _mask(text: str, kind: str) -> str:
    """The text with what is never math blanked out (same length, lines kept): code in
    Markdown (but not ```math fences), comments in LaTeX."""
    if kind == "latex":
        return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)
    out = text
    for m in re.finditer(r"^(```+|~~~+)(.*)\n(?:.*\n)*?(?:\1[ \t]*$|\Z)", text, re.M):
        if m.group(2).strip().lower() != "math":
            out = _blank(out, m.start(), m.end())
    for m in re.finditer(r"(?<!`)(`+)(?!`)[^\n]*?(?<!`)\1(?!`)", out):
        out = _blank(out, m.start(), m.end())
    return out


def _find(text: str, masked: str, path: str) -> list[MathBlock]:
    blocks: list[MathBlock] = []
    pos = 0
    while True:
        m = _OPEN.search(masked, pos)
        if m is None:
            break
        opener = m.group()
        env = m.group(1) or ""
        if opener.startswith("```"):
            close, display = re.compile(r"^```+[ \t]*$", re.M), True
        elif opener == "$$":
            close, display = re.compile(r"\$\$"), True
        elif opener == "\\[":
            close, display = re.compile(r"\\\]"), True
        elif opener == "\\(":
            close, display = re.compile(r"\\\)"), False
        elif env:
            close, display = re.compile(r"\\end\{" + re.escape(env) + r"\}"), True
        else:
            close, display = re.compile(r"(?<!\\)\$"), False
        end = close.search(masked, m.end())
        if end is None or (not display and "\n\n" in masked[m.end():end.start()]):
            pos = m.end()  # an opener without its closer is prose (a price: $5)
            continue
        start = m.end()
        tex = text[start:end.start()]
        line = text.count("\n", 0, start) + 1
        col = start - (text.rfind("\n", 0, start) + 1) + 1
        if len(tex) > MAX_BLOCK_CHARS:
            raise DocgenError(f"a math block of {len(tex)} characters; at most {MAX_BLOCK_CHARS}",
                              Location(path, line, col))
        if tex.strip():
            outer = (m.start(), end.end())
            blocks.append(MathBlock(tex, start, line, col, display, env.rstrip("*"), outer))
        if len(blocks) > MAX_BLOCKS:
            raise DocgenError(f"more than {MAX_BLOCKS} math blocks in the note", Location(path, line))
        pos = end.end()
    return blocks
