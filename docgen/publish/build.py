"""The build pipeline: load, verify, render every format, then write. Read `build` top to bottom.

Everything is gathered and checked first (loading, verification, rendering, KaTeX, TeX); files
are written only at the end, each atomically, so a failed build leaves no half-written outputs.
Output paths are made only from validated derivation ids and always stay inside `out`:
`out/<id>/<id>.tex|.pdf|.html|.md`, and for HTML `out/<id>/katex/` (KaTeX's CSS and fonts,
which the page links as `katex/katex.min.css`).

Incremental: `out/.cache/outputs.json` records, per output, a key (a hash of everything the
output is made from: the derivation file, its checked result, the titles it cites, the
templates, docgen's code, KaTeX, the PDF's date) and the hash of the bytes written. An output
whose key and bytes still match is neither rendered nor written; a document with every
requested output up to date is skipped whole (no rendering, no KaTeX, no TeX). Anything else is
rendered, and a file is rewritten only when its bytes differ, so unchanged outputs keep their
mtimes. The record is only a shortcut: a missing, unreadable or stale one means "render".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..model.errors import DocgenError, ErrorGroup
from .fsutil import atomic_write
from ..run.verify import Result, find_files, load_corpus, start_workers_early, verify

FORMATS = ("latex", "pdf", "html", "md")
EXTENSIONS = {"latex": "tex", "pdf": "pdf", "html": "html", "md": "md"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
CACHE = ".cache"  # out/.cache/pdf/<id>_<sha256>.pdf: PDFs by the hash of their .tex and epoch
MANIFEST = "outputs.json"  # out/.cache/outputs.json: {output path: {key, sha256}}
PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"  # as in render/render.py


@dataclass
class BuildReport:
    written: list[Path] = field(default_factory=list)  # in write order
    rendered: list[str] = field(default_factory=list)  # ids rendered (or already up to date)
    unchanged: list[str] = field(default_factory=list)  # ids whose outputs were all up to date
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


SiteHook = Callable[[list[Result]], dict[str, dict]]


def build(paths: list[str], formats: set[str], out: Path, templates: Path | None = None,
          draft: bool = False, *, cache: Path | None = None, jobs: int = 1,
          site: SiteHook | None = None, only: set[str] | None = None,
          pdf_cache: Path | None = None) -> BuildReport:
    """Verify the derivations under `paths` and write `formats` of each into `out`.

    `cache` is the verdict cache folder (None: check everything), `jobs` the worker processes
    for checking (0: automatic), both as for `docgen verify`.

    For a site (docgen.site): `site(results)` is called once after verification (it may raise
    DocgenError to stop before anything is rendered) and returns each page's `site` template
    variable by id; HTML pages then use `templates/site/note.html.j2` and KaTeX's assets are
    written once, to `out/katex/`. `only` renders just those ids (the others are verified, not
    rendered). `pdf_cache` moves the PDF cache out of `out`.
    """
    from ..render import katex
    from ..render import tex
    from ..run.cache import VerdictCache

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
    verdicts = VerdictCache(cache)
    start_workers_early(paths, verdicts, jobs=jobs)
    corpus = load_corpus(paths)
    report.errors = list(corpus.errors)
    def prepare() -> None:  # while workers check (a checked file is usually re-rendered too)
        if "html" in formats:
            _start_katex()
        from ..render import render  # noqa: F401  (SymPy, Jinja, Markdown)

    try:
        results = verify(corpus.derivations, jobs=jobs, cache=verdicts, meanwhile=prepare)
    finally:
        verdicts.close()
    report.failed = [r for r in results if not r.passed]
    chosen = [r for r in results if r.passed or draft]
    report.timings["verify"] = time.perf_counter() - clock
    contexts = site(results) if site is not None else None
    if only is not None:
        chosen = [r for r in chosen if r.derivation.id in only]

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

    # 3. render what is not up to date, in memory; collect every problem before giving up
    files: dict[Path, bytes] = {}
    problems: list[DocgenError] = []
    timings = {"render": 0.0, "katex": 0.0, "pdf": 0.0}
    cache = Path(pdf_cache).resolve() if pdf_cache is not None else root / CACHE / "pdf"
    pdf_jobs: list[tuple[str, Path, str, str, int]] = []
    pdf_keys: dict[str, str] = {}  # id -> key of its PDF
    manifest_path = root / CACHE / MANIFEST
    manifest = _read_manifest(manifest_path)
    recorded: dict[str, dict[str, str]] = {}  # output (relative to out) -> its new entry
    base = _base_key(templates, "html" in formats)
    assets = None
    for res in chosen:
        der = res.derivation
        did, where = der.id, dirs[der.id]
        label = f"{did} ({der.path})"
        is_draft = not res.passed
        if "html" in formats:
            if assets is None:
                assets = katex.assets()
            for rel, data in assets.items():
                files[(out if contexts is not None else where) / "katex" / rel] = data  # written only where missing or different
        doc = _document_key(base, res, refs, is_draft)
        if contexts is not None:  # a site page also depends on its navigation, cited-by, ...
            doc = _digest(doc, json.dumps(contexts.get(did), sort_keys=True, ensure_ascii=False))
        keys = {fmt: _digest(doc, fmt) for fmt in formats}
        if "pdf" in formats:
            epoch = tex.source_date_epoch(der.path)
            keys["pdf"] = pdf_keys[did] = _digest(doc, "pdf", str(epoch))
        targets = {fmt: where / f"{did}.{EXTENSIONS[fmt]}" for fmt in formats}
        stale = {fmt for fmt in formats if not _fresh(manifest, root, targets[fmt], keys[fmt])}
        for fmt in formats - stale:
            rel = _rel(root, targets[fmt])
            recorded[rel] = manifest[rel]
        if not stale:
            report.rendered.append(did)
            report.unchanged.append(did)
            continue
        if "html" in stale:
            _start_katex()  # Node loads KaTeX while SymPy is imported
        from ..render.render import render_document  # imports SymPy (notation): only when rendering

        def render(fmt: str, math: Callable[[list[tuple[str, bool]]], list[str]] | None = None,
                   res: Result = res, is_draft: bool = is_draft) -> str:
            page = contexts.get(res.derivation.id) if contexts is not None and fmt == "html" else None
            return render_document(res, fmt, templates=templates, math_to_html=math,
                                   draft=is_draft, refs=refs, site=page)

        def keep(fmt: str, data: bytes, keys: dict[str, str] = keys,
                 targets: dict[str, Path] = targets) -> None:
            files[targets[fmt]] = data
            recorded[_rel(root, targets[fmt])] = {"key": keys[fmt], "sha256": _digest(data)}

        try:
            started = time.perf_counter()
            if stale & {"latex", "pdf"}:
                latex = render("latex")
                if "latex" in stale:
                    keep("latex", latex.encode("utf-8"))
            if "md" in stale:
                keep("md", render("md").encode("utf-8"))
            if "html" in stale:
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

                keep("html", render("html", math).encode("utf-8"))
                timings["katex"] += spent[0]
            timings["render"] += time.perf_counter() - started
            if "pdf" in stale:
                pdf_jobs.append((did, where, label, latex, epoch))
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
            recorded[_rel(root, target)] = {"key": pdf_keys[job[0]], "sha256": _digest(pdf)}
    timings["pdf"] = time.perf_counter() - started
    timings["render"] -= timings["katex"]
    report.timings.update(timings)
    if problems:
        raise problems[0] if len(problems) == 1 else ErrorGroup(problems)

    # 5. write, last: every path is inside `out`; a file whose bytes are unchanged is left
    # alone (and keeps its mtime)
    for path, data in files.items():
        resolved = path.resolve()
        if root != resolved and root not in resolved.parents and cache not in resolved.parents:
            raise DocgenError(f"refusing to write outside {out}: {path}")
        if _same_bytes(path, data):
            continue
        atomic_write(path, data)
        if path.parent != cache:
            report.written.append(path)
    if recorded and {**manifest, **recorded} != manifest:
        try:
            atomic_write(manifest_path, json.dumps({**manifest, **recorded}, indent=0,
                                                   sort_keys=True))
        except OSError:
            pass  # only a shortcut: the next build renders again
    # forget cached PDFs of older versions of the documents just built ('_' is never in an id)
    keep = {p.name for p in files if p.parent == cache}
    for did, *_ in pdf_jobs:
        for old in cache.glob(f"{did}_*.pdf"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
    report.timings["total"] = time.perf_counter() - clock
    return report


# -- incremental outputs ---------------------------------------------------------------------
def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(raw).to_bytes(8, "big"))
        h.update(raw)
    return h.hexdigest()


def _rel(root: Path, path: Path) -> str:
    """`path` relative to `root`; the file name itself is not resolved, so an output planted
    as a symlink to elsewhere is a refusal, not a crash."""
    try:
        return (path.parent.resolve() / path.name).relative_to(root).as_posix()
    except ValueError:
        raise DocgenError(f"refusing to write outside {root}: {path}") from None


def _start_katex() -> None:
    """Start KaTeX's Node process early; a missing Node or KaTeX is reported where math is
    rendered, with the document it concerns."""
    from ..render import katex

    try:
        katex.start()
    except (DocgenError, OSError):
        pass


def _tree_digest(folder: Path) -> str:
    parts: list[str | bytes] = []
    if folder.is_dir():
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                parts += [p.relative_to(folder).as_posix(), p.read_bytes()]
    return _digest(*parts)


def _base_key(templates: Path | None, html: bool) -> str:
    """What every output depends on: docgen's code, the templates, KaTeX (for HTML)."""
    from ..render import katex
    from ..run.cache import engine_fingerprint

    package = Path(__file__).resolve().parents[1]
    code = [p.read_bytes() for p in sorted(package.rglob("*.js"))]
    parts: list[str | bytes] = [engine_fingerprint(), *code, _tree_digest(PACKAGE_TEMPLATES),
                                "none" if templates is None else _tree_digest(Path(templates))]
    if html:
        dist = katex.katex_dir() / "dist"
        parts += [(dist / "katex.js").read_bytes(), (dist / "katex.min.css").read_bytes()]
    return _digest(*parts)


def _document_key(base: str, res: Result, refs: dict[str, str], draft: bool) -> str:
    """Everything one document is rendered from, beyond `base`."""
    der = res.derivation
    links = [[link.part, link.index, link.kind, link.status, link.sizes, link.evidence,
              None if link.witness is None else asdict(link.witness)] for link in res.links]
    checked = {"links": links, "example": None if res.example is None else asdict(res.example),
               "problems": [str(p) for p in res.problems], "passed": res.passed}
    return _digest(base, der.path, der.digest, json.dumps(checked, sort_keys=True, default=str),
                   json.dumps(refs, sort_keys=True), str(draft))


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("key"), str) and isinstance(v.get("sha256"), str)}


def _fresh(manifest: dict[str, dict[str, str]], root: Path, path: Path, key: str) -> bool:
    """The output exists, was made from `key`, and is still the bytes docgen wrote."""
    entry = manifest.get(_rel(root, path))
    if entry is None or entry["key"] != key:
        return False
    try:
        return _digest(path.read_bytes()) == entry["sha256"]
    except OSError:
        return False


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
