"""Server-side math for HTML: TeX -> HTML with KaTeX, every formula of a build in one Node process.

KaTeX is installed by `make katex` (npm ci from package.json/package-lock.json at the repo root)
into node_modules/; it is never copied into the repository. The pages then need no JavaScript
and no network to show their math: KaTeX's CSS and fonts are copied beside each page.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..model.errors import DocgenError

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
    starts = [here, *here.parents, Path(__file__).resolve().parents[2]]
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


class _Node:
    """One Node process running katex_render.js: one JSON request per line, one answer per line."""

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [node_program(), str(SCRIPT), str(katex_dir() / "dist" / "katex.js")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
        )
        self.buffer = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def ask(self, payload: bytes) -> bytes:
        """Send one request line and read one answer line, within TIMEOUT seconds."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write(payload + b"\n")
            self.proc.stdin.flush()
        except OSError:
            raise self._failed() from None
        deadline = time.monotonic() + TIMEOUT
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                raise DocgenError(f"KaTeX did not finish within {TIMEOUT} s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise self._failed()
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def _failed(self) -> DocgenError:
        self.close()
        self.stderr.seek(0)
        tail = self.stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        return DocgenError("KaTeX (node) failed: " + " | ".join(tail))

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.close()
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()
        self.stderr.close()


_NODE: dict[int, _Node] = {}  # per process (a forked child never uses its parent's)


def start() -> None:
    """Start Node and load KaTeX now, so that it is ready by the first formula (e.g. while the
    renderer's own imports run). Safe to call more than once."""
    node = _NODE.get(os.getpid())
    if node is None or not node.alive():
        if node is not None:
            node.close()
        _NODE[os.getpid()] = _Node()


def stop() -> None:
    """End this process's Node, if any (also done at exit)."""
    node = _NODE.pop(os.getpid(), None)
    if node is not None:
        node.close()


atexit.register(stop)


def render_math(formulas: list[tuple[str, bool]]) -> list[str]:
    """HTML for each (tex, display) pair, in order. A formula KaTeX rejects raises KatexError.

    All calls of a process share one Node process (started by `start()` or on first use)."""
    if not formulas:
        return []
    payload = json.dumps({"formulas": [[str(t), bool(d)] for t, d in formulas]}, ensure_ascii=False)
    start()
    node = _NODE[os.getpid()]
    line = node.ask(payload.encode("utf-8"))
    try:
        results = json.loads(line.decode("utf-8"))["results"]
    except (ValueError, KeyError) as exc:
        stop()
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
