"""Server-side math for HTML: TeX -> HTML with KaTeX, every formula of a build in one process.

Takes [(tex, display)] pairs; gives KaTeX's HTML for each, and KaTeX's CSS and fonts as bytes.
KaTeX itself ships inside the package (`katex_dist/`: katex.min.js, katex.min.css, the woff2
fonts, LICENSE and SHA256SUMS; refreshed by `make vendor-katex` from the npm tarball pinned in
package-lock.json). It runs in a JavaScript engine in a child process speaking one JSON line per
request (`katex_render.js`): embedded V8 from the mini-racer package (`katex_v8.py`, a
dependency of docgen, so `pip install` is enough), or Node.js. V8 never runs inside docgen's own
process, which forks checking workers. The pages then need no JavaScript and no network to show
their math: KaTeX's CSS and fonts are copied beside each page.
"""

from __future__ import annotations

import atexit
import base64
import importlib.util
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..model.errors import DocgenError

HERE = Path(__file__).resolve().parent
DIST = HERE / "katex_dist"
KATEX_JS = DIST / "katex.min.js"
RENDER_JS = HERE / "katex_render.js"  # the protocol, for both engines
V8_SCRIPT = HERE / "katex_v8.py"
TIMEOUT = 300  # seconds for one batch; KaTeX renders thousands of formulas per second
# Engines in order of preference: the first usable one renders. mini-racer first: it is always
# installed with docgen, and measured 1.5x faster than Node on the library (bench_katex.py,
# docs/build.md). Both give byte-identical HTML (tests/render/test_katex.py).
ENGINES = ("mini-racer", "node")


class KatexError(DocgenError):
    """KaTeX rejected a formula; `index` is its position in the list given to render_math."""

    def __init__(self, message: str, index: int, tex: str):
        super().__init__(message)
        self.index = index
        self.tex = tex


def engine_command(engine: str) -> list[str] | None:
    """The command that runs `engine` with KaTeX, or None when it is not installed here."""
    if engine == "mini-racer":
        if importlib.util.find_spec("py_mini_racer") is None:  # found, not imported
            return None
        # -P: the script's folder (docgen/render/, whose module names are not the stdlib's)
        # is not put on sys.path
        return [sys.executable, "-P", str(V8_SCRIPT), str(KATEX_JS)]
    if engine == "node":
        node = shutil.which("node") or shutil.which("nodejs")
        return None if node is None else [node, str(RENDER_JS), str(KATEX_JS)]
    raise ValueError(f"unknown KaTeX engine {engine!r}; one of {', '.join(ENGINES)}")


def choose_engine() -> str:
    """The first engine of ENGINES that is installed; none: a one-line DocgenError."""
    for engine in ENGINES:
        if engine_command(engine) is not None:
            return engine
    raise DocgenError("no JavaScript engine to render HTML math with KaTeX: install docgen's "
                      "dependency mini-racer (pip install mini-racer==0.14.1) or Node.js")


def configured_engine() -> str:
    """The engine this process uses: DOCGEN_KATEX_ENGINE if set (it must be installed), else
    the first installed of ENGINES."""
    wanted = os.environ.get("DOCGEN_KATEX_ENGINE", "").strip()
    if not wanted:
        return choose_engine()
    if wanted not in ENGINES:
        raise DocgenError(f"DOCGEN_KATEX_ENGINE={wanted!r} is not a KaTeX engine: use one of "
                          f"{', '.join(ENGINES)}")
    if engine_command(wanted) is None:
        hint = "pip install mini-racer==0.14.1" if wanted == "mini-racer" else "install Node.js"
        raise DocgenError(f"DOCGEN_KATEX_ENGINE={wanted} is not installed ({hint})")
    return wanted


class _Engine:
    """One engine process: one JSON request per line in, one answer per line out."""

    def __init__(self, engine: str) -> None:
        command = engine_command(engine)
        if command is None:
            raise DocgenError(f"KaTeX engine {engine} is not installed")
        self.engine = engine
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr)
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
                raise DocgenError(f"KaTeX ({self.engine}) did not finish within {TIMEOUT} s")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise self._failed()
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def _failed(self) -> DocgenError:
        """The error for an engine that died: the last lines it wrote to stderr (read before
        close(), which closes that file)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stderr.seek(0)
        tail = self.stderr.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        self.close()
        return DocgenError(f"KaTeX ({self.engine}) failed: " + " | ".join(tail))

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
                try:
                    pipe.close()
                except OSError:  # a request still buffered for a process that died
                    pass
        self.stderr.close()


# per process and engine (a forked child never uses its parent's)
_ENGINES: dict[tuple[int, str], _Engine] = {}


def start(engine: str | None = None) -> None:
    """Start the engine (default: `configured_engine()`) and load KaTeX now, so that it is ready
    by the first formula (e.g. while the renderer's own imports run). Safe to call more than
    once."""
    key = (os.getpid(), engine or configured_engine())
    proc = _ENGINES.get(key)
    if proc is None or not proc.alive():
        if proc is not None:
            proc.close()
        _ENGINES[key] = _Engine(key[1])


def stop() -> None:
    """End this process's engine processes, if any (also done at exit)."""
    for key in [k for k in _ENGINES if k[0] == os.getpid()]:
        _ENGINES.pop(key).close()


atexit.register(stop)


def render_math(formulas: list[tuple[str, bool]], engine: str | None = None) -> list[str]:
    """HTML for each (tex, display) pair, in order. A formula KaTeX rejects raises KatexError.

    All calls of a process share one engine process (started by `start()` or on first use);
    `engine` picks one of ENGINES instead of `configured_engine()` (benchmarks, tests)."""
    if not formulas:
        return []
    payload = json.dumps({"formulas": [[str(t), bool(d)] for t, d in formulas]}, ensure_ascii=False)
    engine = engine or configured_engine()
    start(engine)
    proc = _ENGINES[(os.getpid(), engine)]
    line = proc.ask(payload.encode("utf-8"))
    try:
        results = json.loads(line.decode("utf-8"))["results"]
    except (ValueError, KeyError) as exc:
        stop()
        raise DocgenError(f"KaTeX ({engine}) returned something that is not its JSON answer") \
            from exc
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
    files = {"katex.min.css": (DIST / "katex.min.css").read_bytes()}
    for font in sorted((DIST / "fonts").glob("*.woff2")):
        files[f"fonts/{font.name}"] = font.read_bytes()
    return files


def inline_css() -> str:
    """KaTeX's CSS with its woff2 fonts inside it (data: URLs): one self-contained page, such as
    `docgen audit --html`, shows its math with nothing beside it. Only woff2 is kept."""
    css = (DIST / "katex.min.css").read_text("utf-8")

    def font(m: re.Match[str]) -> str:
        path = DIST / "fonts" / m.group(1)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'src:url(data:font/woff2;base64,{data}) format("woff2")}}'

    return re.sub(r'src:url\(fonts/([A-Za-z0-9_-]+\.woff2)\) format\("woff2"\)[^}]*\}', font, css)
