"""KaTeX in embedded V8 (mini-racer): the same line protocol as `node katex_render.js`.

Usage: python docgen/render/katex_v8.py /path/to/katex.min.js
       (or python -m docgen.render.katex_v8 ...)
Reads one JSON request per line on stdin ({"formulas": [[tex, display], ...]}) and writes one
JSON answer per line on stdout, until stdin ends: KaTeX and katex_render.js (beside this file)
are evaluated once, then katex_render.js's answer() is called with each request line as a
string argument (request text is data, never evaluated as code).

Run as its own process by docgen/render/katex.py, never imported by docgen: V8 is then never
loaded into a process that later forks (docgen's checking workers), and a runaway formula is
ended the same way as Node's (the parent's timeout kills the process). It imports nothing of
docgen, so `python -P <this file>` runs it without docgen on sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path

RENDER_JS = Path(__file__).with_name("katex_render.js")


def serve(katex_js: Path) -> None:
    from py_mini_racer import MiniRacer

    ctx = MiniRacer()
    ctx.eval(katex_js.read_text("utf-8"))
    ctx.eval(RENDER_JS.read_text("utf-8"))
    answer = ctx.eval("(line) => answer(katex, line)")
    out = sys.stdout.buffer
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8")
        if line.strip():
            out.write(str(answer(line)).encode("utf-8") + b"\n")
            out.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: katex_v8.py /path/to/katex.min.js", file=sys.stderr)
        return 2
    serve(Path(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
