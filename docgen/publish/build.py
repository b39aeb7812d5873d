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
The keys and the record are made in incremental.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..check.verdict import DEFAULT_POLICY, Policy
from ..model.errors import DocgenError, ErrorGroup
from .fsutil import sweep_folders, sweep_temporaries
from .outputs import EXTENSIONS, ID_RE, Outputs, PdfJob, withdraw, write  # noqa: F401  (ID_RE: re-exported)
from .incremental import base_key, digest, document_key, fresh, read_manifest, relative
# katex and tex only start processes (Node, TeX) when asked; importing them is cheap. SymPy and
# Jinja come with render.render, which is imported only when something is rendered.
from ..render import katex, tex
from ..run.cache import VerdictCache
from ..run.progress import SILENT, Progress
from ..run.verify import Result, find_files, load_corpus, start_workers_early, verify

FORMATS = ("latex", "pdf", "html", "md")
CACHE = ".cache"  # out/.cache/pdf/<id>_<sha256>.pdf (and .log): PDFs by the hash of their .tex and epoch
MANIFEST = "outputs.json"  # out/.cache/outputs.json: {output path: {key, sha256}}


@dataclass
class BuildReport:
    written: list[Path] = field(default_factory=list)  # in write order
    rendered: list[str] = field(default_factory=list)  # ids rendered (or already up to date)
    unchanged: list[str] = field(default_factory=list)  # ids whose outputs were all up to date
    failed: list[Result] = field(default_factory=list)  # failed verification (drafts included)
    errors: list[DocgenError] = field(default_factory=list)  # files that could not be loaded
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    removed: list[Path] = field(default_factory=list)  # outputs of notes that now fail
    verified: int = 0  # derivations that passed verification

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
          pdf_cache: Path | None = None, policy: Policy = DEFAULT_POLICY,
          progress: Progress = SILENT) -> BuildReport:
    """Verify the derivations under `paths` and write `formats` of each into `out`.

    `cache` is the verdict cache folder (None: check everything), `jobs` the worker processes
    for checking (0: automatic), both as for `docgen verify`.

    For a site (docgen.site): `site(results)` is called once after verification (it may raise
    DocgenError to stop before anything is rendered) and returns each page's `site` template
    variable by id; HTML pages then use `templates/site/note.html.j2` and KaTeX's assets are
    written once, to `out/katex/`. `only` renders just those ids (the others are verified, not
    rendered). `pdf_cache` moves the PDF cache out of `out`. `policy` decides which verdicts
    pass, as for `docgen verify`.

    The outputs an earlier build wrote for a derivation that now fails (and is not rendered as
    a draft) are removed, so that no page of a note that no longer verifies stays behind.
    """
    report = BuildReport()
    clock = time.perf_counter()
    out = _check_inputs(paths, formats, out, templates)  # 1. refuse unusable input
    results = _verify(paths, formats, cache, jobs, report, policy, progress)  # 2. load, verify
    chosen = [r for r in results if r.passed or draft]
    report.timings["verify"] = time.perf_counter() - clock
    contexts = site(results) if site is not None else None  # may stop here: nothing rendered
    if only is not None:
        chosen = [r for r in chosen if r.derivation.id in only]
    # 3. where each document goes, and what the last build left there
    outputs = _plan(out, chosen, results, formats, templates, contexts, pdf_cache, report)
    progress.phase("rendering", len(chosen))
    for res in chosen:  # 4. render what is not up to date, in memory, collecting problems
        _render(outputs, res)
        progress.advance()
    if outputs.pdf_jobs:  # TeX folders of builds that were killed (SIGKILL skips their cleanup)
        sweep_folders(Path(tempfile.gettempdir()), tex.TEMP_PREFIX)
    _compile_pdfs(outputs, progress)  # 5. the PDFs, from the LaTeX rendered in 4
    outputs.timings["render"] -= outputs.timings["katex"]
    report.timings.update(outputs.timings)
    if outputs.problems:  # every problem of every document, and nothing written
        raise outputs.problems[0] if len(outputs.problems) == 1 else ErrorGroup(outputs.problems)
    withdraw(outputs, [r for r in results if not r.passed and not draft])
    sweep_temporaries(outputs.root)  # what a killed build left half-written
    write(outputs)  # 6. write, last
    report.timings["total"] = time.perf_counter() - clock
    return report


# -- 1, 2. input and verification ------------------------------------------------------------
def _check_inputs(paths: list[str], formats: set[str], out: Path,
                  templates: Path | None) -> Path:
    """Refuse unusable input before anything starts; `out` as a Path."""
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
    for inner in (out / CACHE, out / CACHE / "pdf", out / CACHE / MANIFEST):
        if inner.is_symlink():  # refused before anything is verified, rendered or written
            raise DocgenError(f"--out {out}: {inner.relative_to(out)} is a symbolic link; "
                              "refusing to write through it (remove the link)")
    return out


def _pdf_cache(chosen: Path | None, root: Path) -> Path:
    """Where compiled PDFs are kept: `chosen` (publish: inside the verdict cache folder), unless
    it or its folder is a symbolic link (nothing is written through a link: then out/.cache)."""
    if chosen is not None:
        chosen = Path(chosen)
        if not (chosen.is_symlink() or chosen.parent.is_symlink()):
            return chosen.resolve()
        print(f"docgen: warning: PDF cache {chosen} not used: it is a symbolic link",
              file=sys.stderr)
    return root / CACHE / "pdf"


def _verify(paths: list[str], formats: set[str], cache: Path | None, jobs: int,
            report: BuildReport, policy: Policy = DEFAULT_POLICY,
            progress: Progress = SILENT) -> list[Result]:
    """Load and verify every derivation; files that do not load and failures go to `report`."""
    verdicts = VerdictCache(cache)
    start_workers_early(paths, verdicts, jobs=jobs)
    corpus = load_corpus(paths)
    report.errors = list(corpus.errors)

    def prepare() -> None:  # while workers check (a checked file is usually re-rendered too)
        if "html" in formats:
            _start_katex()
        from ..render import render  # noqa: F401  (SymPy, Jinja, Markdown)

    try:
        results = verify(corpus.derivations, jobs=jobs, cache=verdicts, meanwhile=prepare,
                         policy=policy, progress=progress)
    finally:
        verdicts.close()
    report.failed = [r for r in results if not r.passed]
    report.verified = len(results) - len(report.failed)
    return results


# -- 3. the plan: output folders and the state the later phases share ------------------------
def _plan(out: Path, chosen: list[Result], results: list[Result], formats: set[str],
          templates: Path | None, contexts: dict[str, dict] | None, pdf_cache: Path | None,
          report: BuildReport) -> Outputs:
    """Where each document goes: only from ids the schema validated, and inside `out`."""
    root = out.resolve()
    folders: dict[str, Path] = {}
    for res in chosen:
        did = res.derivation.id
        target = (root / did).resolve()
        if not ID_RE.match(did) or target.parent != root:
            raise DocgenError(f"derivation id {did!r} cannot name an output folder",
                              res.derivation.loc)
        folders[did] = out / did
    refs = {r.derivation.id: r.derivation.title for r in results}  # titles of citations
    manifest_path = root / CACHE / MANIFEST
    return Outputs(
        out=out, root=root, formats=formats, templates=templates, folders=folders, refs=refs,
        contexts=contexts,
        pdf_cache=_pdf_cache(pdf_cache, root),
        manifest_path=manifest_path, manifest=read_manifest(manifest_path),
        base=base_key(templates, "html" in formats), report=report)


# -- 4. rendering ----------------------------------------------------------------------------
def _render(o: Outputs, res: Result) -> None:
    """One document: outputs still up to date are kept as recorded, the others rendered."""
    der = res.derivation
    did, where = der.id, o.folders[der.id]
    if "html" in o.formats:
        if o.assets is None:
            o.assets = katex.assets()
        for rel, data in o.assets.items():  # written only where missing or different
            o.files[(o.out if o.contexts is not None else where) / "katex" / rel] = data
    keys, epoch = _keys(o, res, not res.passed)
    targets = {fmt: where / f"{did}.{EXTENSIONS[fmt]}" for fmt in o.formats}
    stale = {fmt for fmt in o.formats if not fresh(o.manifest, o.root, targets[fmt], keys[fmt])}
    for fmt in o.formats - stale:
        rel = relative(o.root, targets[fmt])
        o.recorded[rel] = o.manifest[rel]
    if not stale:
        o.report.rendered.append(did)
        o.report.unchanged.append(did)
        return
    if "html" in stale:
        _start_katex()  # Node loads KaTeX while SymPy is imported
    if _render_stale(o, res, stale, keys, targets, epoch):
        o.report.rendered.append(did)


def _render_stale(o: Outputs, res: Result, stale: set[str], keys: dict[str, str],
                  targets: dict[str, Path], epoch: int | None) -> bool:
    """The `stale` formats of one document into `o.files`, its LaTeX queued for a PDF; False
    when it fails (the problem is collected)."""
    from ..render.render import render_document  # imports SymPy (notation): only when rendering

    did = res.derivation.id
    label = f"{did} ({res.derivation.path})"

    def render(fmt: str, math: _Math | None = None) -> str:
        page = o.contexts.get(did) if o.contexts is not None and fmt == "html" else None
        return render_document(res, fmt, templates=o.templates, math_to_html=math,
                               draft=not res.passed, refs=o.refs, site=page)

    def keep(fmt: str, data: bytes) -> None:
        o.files[targets[fmt]] = data
        o.recorded[relative(o.root, targets[fmt])] = {"key": keys[fmt], "sha256": digest(data)}

    try:
        started = time.perf_counter()
        if stale & {"latex", "pdf"}:
            latex = render("latex")
            if "latex" in stale:
                keep("latex", latex.encode("utf-8"))
        if "md" in stale:
            keep("md", render("md").encode("utf-8"))
        if "html" in stale:
            math = _Math(label)
            keep("html", render("html", math).encode("utf-8"))
            o.timings["katex"] += math.spent
        o.timings["render"] += time.perf_counter() - started
        if "pdf" in stale:
            o.pdf_jobs.append(PdfJob(did, o.folders[did], label, latex, epoch))
    except DocgenError as exc:
        o.problems.append(exc)
        return False
    return True


def _keys(o: Outputs, res: Result, is_draft: bool) -> tuple[dict[str, str], int | None]:
    """The key of each output of one document, and its PDF's date (None: no PDF asked)."""
    did = res.derivation.id
    doc = document_key(o.base, res, o.refs, is_draft)
    if o.contexts is not None:  # a site page also depends on its navigation, cited-by, ...
        doc = digest(doc, json.dumps(o.contexts.get(did), sort_keys=True, ensure_ascii=False))
    keys = {fmt: digest(doc, fmt) for fmt in o.formats}
    epoch = None
    if "pdf" in o.formats:
        epoch = tex.source_date_epoch(res.derivation.path)
        keys["pdf"] = o.pdf_keys[did] = digest(doc, "pdf", str(epoch))
    return keys, epoch


class _Math:
    """KaTeX for one document: its errors name the document, its time is counted apart."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.spent = 0.0

    def __call__(self, formulas: list[tuple[str, bool]]) -> list[str]:
        t0 = time.perf_counter()
        try:
            return katex.render_math(formulas)
        except katex.KatexError as exc:
            raise DocgenError(f"{self.label}: {exc.message}") from exc
        finally:
            self.spent += time.perf_counter() - t0


# -- 5. PDFs ---------------------------------------------------------------------------------
def _compile_pdfs(o: Outputs, progress: Progress = SILENT) -> None:
    """A few at a time (each is its own TeX process); reuse cached ones. A document whose PDF
    fails is no longer counted as rendered."""
    started = time.perf_counter()
    if o.pdf_jobs:
        progress.phase("compiling PDFs", len(o.pdf_jobs))
    with ThreadPoolExecutor(max_workers=max(1, min(len(o.pdf_jobs), os.cpu_count() or 1))) as pool:
        for job, future in [(job, pool.submit(_compile_pdf, o.pdf_cache, job))
                            for job in o.pdf_jobs]:
            try:
                target, hit, pdf, log = future.result()
            except DocgenError as exc:
                progress.advance()
                o.problems.append(exc)
                if job.did in o.report.rendered:
                    o.report.rendered.remove(job.did)
                continue
            progress.advance()
            o.files[target] = pdf
            o.files[hit] = pdf
            if log is not None:  # TeX's log beside the cached PDF: what `overfull_boxes` reads
                o.files[hit.with_suffix(".log")] = log
            o.recorded[relative(o.root, target)] = {"key": o.pdf_keys[job.did],
                                                    "sha256": digest(pdf)}
    o.timings["pdf"] = time.perf_counter() - started


def _compile_pdf(cache: Path, job: PdfJob) -> tuple[Path, Path, bytes, bytes | None]:
    """(where the PDF goes, its place in the cache, its bytes, TeX's log or None when the
    cached PDF was used: its log is beside it in the cache already)."""
    sha = hashlib.sha256(f"{job.epoch}\n{job.latex}".encode()).hexdigest()
    hit = cache / f"{job.did}_{sha}.pdf"
    target = job.folder / f"{job.did}.pdf"
    if hit.is_file():
        return target, hit, hit.read_bytes(), None
    pdf, log = tex.compile_pdf_and_log(job.latex, job.did, label=job.label, epoch=job.epoch)
    return target, hit, pdf, log.encode("utf-8")


def _start_katex() -> None:
    """Start KaTeX's Node process early; a missing Node or KaTeX is reported where math is
    rendered, with the document it concerns."""
    try:
        katex.start()
    except (DocgenError, OSError):
        pass
