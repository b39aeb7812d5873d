"""The outputs of one build: planned (build.py, phase 3), gathered in memory (4, 5), and
written here, last (6): only inside `out`, a file whose bytes are unchanged left alone, and the
outputs an earlier build wrote for a note that now fails removed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..model.errors import DocgenError
from ..run.verify import Result
from .fsutil import atomic_write
from .incremental import relative, same_bytes, untouched

if TYPE_CHECKING:
    from .build import BuildReport

ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
EXTENSIONS = {"latex": "tex", "pdf": "pdf", "html": "html", "md": "md"}


@dataclass
class PdfJob:
    did: str
    folder: Path
    label: str  # "<id> (<file>)", for TeX's errors
    latex: str
    epoch: int


@dataclass
class Outputs:
    """One build's outputs: planned in phase 3, gathered in memory by 4 and 5, written by 6."""

    out: Path
    root: Path  # `out` resolved: every file written is inside it or in `pdf_cache`
    formats: set[str]
    templates: Path | None
    folders: dict[str, Path]  # id -> out/<id>
    refs: dict[str, str]  # id -> title, of every derivation (citations name them)
    contexts: dict[str, dict] | None  # a site's `site` template variable by id
    pdf_cache: Path
    manifest_path: Path
    manifest: dict[str, dict[str, str]]  # what the last build recorded
    base: str  # the part of every output's key that no document changes
    report: BuildReport
    files: dict[Path, bytes] = field(default_factory=dict)  # in write order
    # output (relative to out) -> its new manifest entry
    recorded: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[DocgenError] = field(default_factory=list)
    timings: dict[str, float] = field(
        default_factory=lambda: {"render": 0.0, "katex": 0.0, "pdf": 0.0})
    pdf_jobs: list[PdfJob] = field(default_factory=list)
    pdf_keys: dict[str, str] = field(default_factory=dict)  # id -> key of its PDF
    assets: dict[str, bytes] | None = None  # KaTeX's CSS and fonts, read once when needed
    withdrawn: list[tuple[str, Path]] = field(default_factory=list)  # outputs of failing notes


def withdraw(o: Outputs, failing: list[Result]) -> None:
    """Plan the removal of what an earlier build wrote for notes that now fail: only files the
    manifest says docgen wrote, still holding those bytes (a file edited or put there by hand
    is left alone), and only inside `out`."""
    for res in failing:
        did = res.derivation.id
        if not ID_RE.match(did):
            continue
        for ext in EXTENSIONS.values():
            path = o.out / did / f"{did}.{ext}"
            try:
                rel = relative(o.root, path)
            except DocgenError:
                continue
            entry = o.manifest.get(rel)
            if entry is not None and not path.is_symlink() and untouched(entry, path):
                o.withdrawn.append((rel, path))


def write(o: Outputs) -> None:
    """Every path is inside `out`; a file whose bytes are unchanged is left alone (and keeps
    its mtime)."""
    for path, data in o.files.items():
        resolved = path.resolve()
        if o.root != resolved and o.root not in resolved.parents \
                and o.pdf_cache not in resolved.parents:
            raise DocgenError(f"refusing to write outside {o.out}: {path}")
        if same_bytes(path, data):
            continue
        atomic_write(path, data)
        if path.parent != o.pdf_cache:
            o.report.written.append(path)
    for rel, path in o.withdrawn:
        path.unlink(missing_ok=True)
        o.report.removed.append(path)
    gone = {rel for rel, _ in o.withdrawn}
    manifest = {k: v for k, v in {**o.manifest, **o.recorded}.items() if k not in gone}
    if manifest != o.manifest:
        try:
            atomic_write(o.manifest_path, json.dumps(manifest, indent=0, sort_keys=True))
        except OSError:
            pass  # only a shortcut: the next build renders again
    # forget cached PDFs of older versions of the documents just built ('_' is never in an id)
    keep = {p.stem for p in o.files if p.parent == o.pdf_cache}
    for job in o.pdf_jobs:
        for old in [*o.pdf_cache.glob(f"{job.did}_*.pdf"), *o.pdf_cache.glob(f"{job.did}_*.log")]:
            if old.stem not in keep:
                old.unlink(missing_ok=True)
