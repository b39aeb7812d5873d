"""The build pipeline: load, verify, render every format, then write. Read `build` top to bottom.

Everything is gathered and checked first (loading, verification, rendering, KaTeX, TeX); files
are written only at the end, each atomically, so a failed build leaves no half-written outputs.
Output paths are made only from validated derivation ids and always stay inside `out`:
`out/<id>/<id>.tex|.pdf|.html|.md`, and for HTML `out/<id>/katex/` (KaTeX's CSS and fonts,
which the page links as `katex/katex.min.css`).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DocgenError, ErrorGroup
from .fsutil import atomic_write
from .verify import Result, find_files, load_corpus, verify

FORMATS = ("latex", "pdf", "html", "md")
EXTENSIONS = {"latex": "tex", "pdf": "pdf", "html": "html", "md": "md"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
CACHE = ".cache"  # out/.cache/pdf/<id>_<sha256>.pdf: PDFs by the hash of their .tex and epoch


@dataclass
class BuildReport:
    written: list[Path] = field(default_factory=list)  # in write order
    rendered: list[str] = field(default_factory=list)  # ids rendered
    failed: list[Result] = field(default_factory=list)  # failed verification (drafts included)
    errors: list[DocgenError] = field(default_factory=list)  # files that could not be loaded
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 1 if self.failed else 0


def parse_formats(text: str) -> set[str]:
    """'latex,pdf' -> {'latex', 'pdf'}; an unknown name is a DocgenError."""
    names = {f.strip().lower() for f in text.split(",") if f.strip()}
    names = {"md" if n == "markdown" else "latex" if n == "tex" else n for n in names}
    unknown = sorted(names - set(FORMATS))
    if unknown or not names:
        raise DocgenError(f"unknown format {', '.join(unknown) or '(none)'}: choose from "
                          f"{', '.join(FORMATS)}")
    return names


def build(paths: list[str], formats: set[str], out: Path, templates: Path | None = None,
          draft: bool = False, *, cache: Path | None = None, jobs: int = 1) -> BuildReport:
    """Verify the derivations under `paths` and write `formats` of each into `out`.

    `cache` is the verdict cache folder (None: check everything), `jobs` the worker processes
    for checking (0: automatic), both as for `docgen verify`.
    """
    from . import katex, tex
    from .cache import VerdictCache
    from .render import render_document

    report = BuildReport()
    clock = time.perf_counter()
    # 1. the input: paths, formats, templates; then load and verify everything
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise DocgenError(f"no such file or folder: {', '.join(missing)}")
    if not find_files(paths):
        raise DocgenError(f"no derivation files in {', '.join(paths)}")
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise DocgenError(f"unknown format {', '.join(unknown) or '(none)'}: choose from "
                          f"{', '.join(FORMATS)}")
    if templates is not None and not Path(templates).is_dir():
        raise DocgenError(f"--templates {templates}: no such folder")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DocgenError(f"--out {out}: exists and is not a folder")
    corpus = load_corpus(paths)
    report.errors = list(corpus.errors)
    results = verify(corpus.derivations, jobs=jobs, cache=VerdictCache(cache))
    report.failed = [r for r in results if not r.passed]
    chosen = [r for r in results if r.passed or draft]
    report.timings["verify"] = time.perf_counter() - clock

    # 2. where each document goes: only from ids the schema validated, and inside `out`
    root = out.resolve()
    dirs: dict[str, Path] = {}
    for res in chosen:
        did = res.derivation.id
        target = (root / did).resolve()
        if not ID_RE.match(did) or target.parent != root:
            raise DocgenError(f"derivation id {did!r} cannot name an output folder",
                              res.derivation.loc)
        dirs[did] = out / did
    refs = {r.derivation.id: r.derivation.title for r in results}  # titles of citations

    # 3. render everything in memory; collect every problem before giving up
    files: dict[Path, bytes] = {}
    problems: list[DocgenError] = []
    timings = {"render": 0.0, "katex": 0.0, "pdf": 0.0}
    cache = root / CACHE / "pdf"
    pdf_jobs: list[tuple[str, Path, str, str, int]] = []
    for res in chosen:
        der = res.derivation
        did, where = der.id, dirs[der.id]
        label = f"{did} ({der.path})"
        is_draft = not res.passed

        def render(fmt: str, math: Callable[[list[tuple[str, bool]]], list[str]] | None = None,
                   res: Result = res, is_draft: bool = is_draft) -> str:
            return render_document(res, fmt, templates=templates, math_to_html=math,
                                   draft=is_draft, refs=refs)

        try:
            started = time.perf_counter()
            if formats & {"latex", "pdf"}:
                latex = render("latex")
                if "latex" in formats:
                    files[where / f"{did}.tex"] = latex.encode("utf-8")
            if "md" in formats:
                files[where / f"{did}.md"] = render("md").encode("utf-8")
            if "html" in formats:
                spent = [0.0]

                def math(formulas: list[tuple[str, bool]], label: str = label,
                         spent: list[float] = spent) -> list[str]:
                    t0 = time.perf_counter()
                    try:
                        return katex.render_math(formulas)
                    except katex.KatexError as exc:
                        raise DocgenError(f"{label}: {exc.message}") from exc
                    finally:
                        spent[0] += time.perf_counter() - t0

                files[where / f"{did}.html"] = render("html", math).encode("utf-8")
                for rel, data in katex.assets().items():
                    files[where / "katex" / rel] = data
                timings["katex"] += spent[0]
            timings["render"] += time.perf_counter() - started
            if "pdf" in formats:
                pdf_jobs.append((did, where, label, latex, tex.source_date_epoch(der.path)))
        except DocgenError as exc:
            problems.append(exc)
            continue
        report.rendered.append(did)

    # 4. compile the PDFs, a few at a time (each is its own TeX process); reuse cached ones
    def compile_one(job: tuple[str, Path, str, str, int]) -> tuple[Path, Path, bytes]:
        did, where, label, latex, epoch = job
        digest = hashlib.sha256(f"{epoch}\n{latex}".encode()).hexdigest()
        hit = cache / f"{did}_{digest}.pdf"
        if hit.is_file():
            return where / f"{did}.pdf", hit, hit.read_bytes()
        return where / f"{did}.pdf", hit, tex.compile_pdf(latex, did, label=label, epoch=epoch)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, min(len(pdf_jobs), os.cpu_count() or 1))) as pool:
        for job, future in [(job, pool.submit(compile_one, job)) for job in pdf_jobs]:
            try:
                target, hit, pdf = future.result()
            except DocgenError as exc:
                problems.append(exc)
                if job[0] in report.rendered:
                    report.rendered.remove(job[0])
                continue
            files[target] = pdf
            files[hit] = pdf
    timings["pdf"] = time.perf_counter() - started
    timings["render"] -= timings["katex"]
    report.timings.update(timings)
    if problems:
        raise problems[0] if len(problems) == 1 else ErrorGroup(problems)

    # 5. write, last: every path is inside `out`
    for path, data in files.items():
        resolved = path.resolve()
        if root != resolved and root not in resolved.parents:
            raise DocgenError(f"refusing to write outside {out}: {path}")
        if path.parent.name == "fonts" or path.parent == cache or path.name == "katex.min.css":
            if path.is_file() and path.read_bytes() == data:
                continue  # unchanged asset: leave it (and its mtime) alone
        atomic_write(path, data)
        if path.parent != cache:
            report.written.append(path)
    # forget cached PDFs of older versions of the documents just built ('_' is never in an id)
    keep = {p.name for p in files if p.parent == cache}
    for did, *_ in pdf_jobs:
        for old in cache.glob(f"{did}_*.pdf"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
    report.timings["total"] = time.perf_counter() - clock
    return report
