"""Server-side math for HTML: TeX -> HTML with KaTeX, all formulas of a build in one Node process.

KaTeX is installed by `make katex` (npm ci from package.json/package-lock.json at the repo root)
into node_modules/; it is never copied into the repository. The pages then need no JavaScript
and no network to show their math: KaTeX's CSS and fonts are copied beside each page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from .errors import DocgenError

SCRIPT = Path(__file__).with_name("katex_render.js")
TIMEOUT = 300  # seconds for one batch; KaTeX renders thousands of formulas per second


class KatexError(DocgenError):
    """KaTeX rejected a formula; `index` is its position in the list given to render_math."""

    def __init__(self, message: str, index: int, tex: str):
        super().__init__(message)
        self.index = index
        self.tex = tex


def katex_dir() -> Path:
    """node_modules/katex: searched from the current folder upwards, then beside the package."""
    here = Path.cwd().resolve()
    starts = [here, *here.parents, Path(__file__).resolve().parent.parent]
    env = os.environ.get("DOCGEN_KATEX")
    candidates = [Path(env)] if env else []
    candidates += [d / "node_modules" / "katex" for d in starts]
    for cand in candidates:
        if (cand / "dist" / "katex.js").is_file() and (cand / "dist" / "katex.min.css").is_file():
            return cand
    raise DocgenError("KaTeX is not installed (no node_modules/katex found): run `make katex`")


def node_program() -> str:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        raise DocgenError("Node.js (`node`) is needed to render HTML math with KaTeX: install nodejs")
    return node


def render_math(formulas: list[tuple[str, bool]]) -> list[str]:
    """HTML for each (tex, display) pair, in order. A formula KaTeX rejects raises KatexError."""
    if not formulas:
        return []
    payload = json.dumps({"formulas": [[str(t), bool(d)] for t, d in formulas]}, ensure_ascii=False)
    try:
        proc = subprocess.run(
            [node_program(), str(SCRIPT), str(katex_dir() / "dist" / "katex.js")],
            input=payload.encode("utf-8"), capture_output=True, timeout=TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DocgenError(f"KaTeX did not finish within {TIMEOUT} s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise DocgenError("KaTeX (node) failed: " + " | ".join(tail))
    try:
        results = json.loads(proc.stdout.decode("utf-8"))["results"]
    except (ValueError, KeyError) as exc:
        raise DocgenError("KaTeX (node) returned something that is not its JSON answer") from exc
    if len(results) != len(formulas):
        raise DocgenError(f"KaTeX returned {len(results)} results for {len(formulas)} formulas")
    out: list[str] = []
    for i, ((tex, _), res) in enumerate(zip(formulas, results, strict=True)):
        if "error" in res:
            raise KatexError(f"formula {i} rejected by KaTeX: {res['error']} (in: {tex})", i, tex)
        out.append(res["html"])
    return out


def assets() -> dict[str, bytes]:
    """KaTeX's CSS and its woff2 fonts, as {path relative to the katex/ folder: bytes}.

    Only woff2 is shipped (every current browser reads it); the CSS's woff/ttf fallbacks are
    never requested when woff2 loads. Returned rather than written so the caller writes last.
    """
    dist = katex_dir() / "dist"
    files = {"katex.min.css": (dist / "katex.min.css").read_bytes()}
    for font in sorted((dist / "fonts").glob("*.woff2")):
        files[f"fonts/{font.name}"] = font.read_bytes()
    return files
