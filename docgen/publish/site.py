"""Publishing: the rendered notes as a static site (`docgen publish`), reused by `docgen serve`.

The pipeline is docgen.build's: `build(..., site=plan.hook)` verifies and renders; the hook sees
every verification result before anything is rendered, computes what each note page needs
(previous/next in reading order, "cited by", downloads, cross-page anchors) and, for publish,
stops the build when a derivation fails (SitePlan, in siteplan.py, with the index page and the
citation graph). This module writes what only a site has, the index page and the graph, and
replaces the old site with the new one.

Layout of a site (URLs made only from validated ids, stable across builds):

    index.html                  every note: title, summary, tags, language, status; by tag; graph
    graph.svg, graph.dot        the citation graph (Graphviz), nodes link to the notes
    katex/                      KaTeX's CSS and fonts, shared by every page
    <id>/<id>.html              the note (templates/site/note.html.j2 around html/document.html.j2)
    <id>/<id>.pdf .md .tex      its downloads

`publish` builds into a temporary folder beside the target and swaps it in with one rename
(RENAME_EXCHANGE where the kernel has it), so a failure or a kill leaves the old site as it was.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .build import BuildReport, build
from ..check.verdict import DEFAULT_POLICY, Policy
from ..model.errors import DocgenError, ErrorGroup
from .fsutil import atomic_write, sweep_folders
from ..run.progress import SILENT, Progress
from ..run.verify import Result
from .siteplan import PublishBlocked, SitePlan, graph_files, render_index  # noqa: F401
# (PublishBlocked: raised by publish, through the plan's hook; callers catch it from here)

SITE_FORMATS = ("html", "pdf", "md", "latex")


def write_site_pages(out: Path, results: list[Result], templates: Path | None,
                     banner: list[str], formats: set[str]) -> list[Path]:
    """index.html, graph.dot and graph.svg into `out` (atomically, each)."""
    source, svg = graph_files(results)
    files = {out / "graph.dot": source.encode("utf-8")}
    if svg is not None:
        files[out / "graph.svg"] = svg.encode("utf-8")
    index = render_index(results, templates, svg, banner, formats)
    files[out / "index.html"] = index.encode("utf-8")
    for path, data in files.items():
        atomic_write(path, data)
    return list(files)


# ===========================================================================================
# publish
# ===========================================================================================


@dataclass
class PublishReport:
    out: Path
    build: BuildReport
    pages: int
    seconds: float
    graph: bool  # False: Graphviz missing, graph.svg not drawn


def publish(paths: list[str], out: Path, *, formats: set[str] | None = None,
            templates: Path | None = None, cache: Path | None = None,
            jobs: int = 0, policy: Policy = DEFAULT_POLICY,
            progress: Progress = SILENT) -> PublishReport:
    """Verify, render and write the site to `out`, replacing the old one in one rename.

    Raises:
        PublishBlocked: a derivation fails verification (nothing written; exit 1).
        DocgenError: unusable input (exit 2); nothing written either.
    """
    started = time.perf_counter()
    formats = set(SITE_FORMATS if formats is None else formats)
    if "html" not in formats:
        raise DocgenError("publish needs the html format (the site is made of HTML pages)")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DocgenError(f"--out {out}: exists and is not a folder")
    if out.is_symlink():
        raise DocgenError(f"--out {out}: is a symbolic link; name the folder itself")
    if out.resolve() in (Path.cwd().resolve(), Path.home().resolve(), Path("/")):
        raise DocgenError(f"--out {out}: refusing to replace this folder with a site")
    if out.exists() and any(out.iterdir()) and not _made_by_docgen(out):
        raise DocgenError(f"--out {out}: exists, is not empty and was not made by `docgen "
                          f"publish` (no {MARKER} file in it); refusing to replace it with a site. "
                          "Name another folder, or remove this one yourself")
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    _recover(out)
    _remove_stale(parent, out.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-{os.getpid()}-", dir=parent))
    try:
        plan = SitePlan(formats=formats, block_failures=True)
        report = build(paths, formats, tmp, templates, draft=False, cache=cache, jobs=jobs,
                       site=plan.hook, policy=policy, progress=progress,
                       pdf_cache=(Path(cache) / "pdf") if cache is not None else None)
        if report.errors:
            raise report.errors[0] if len(report.errors) == 1 else ErrorGroup(report.errors)
        shutil.rmtree(tmp / ".cache", ignore_errors=True)
        write_site_pages(tmp, plan.results, templates, [], formats)
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        _readable(tmp)
        _swap(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return PublishReport(out, report, len(plan.results), time.perf_counter() - started,
                         graph=(out / "graph.svg").is_file())


MARKER = ".docgen-site"  # in every published site: publish replaces only folders holding it
MARKER_TEXT = ("This folder was written by `docgen publish`, which replaces it as a whole.\n"
               "Files put here by hand are lost at the next publish.\n")


def _made_by_docgen(out: Path) -> bool:
    """`out` holds the marker that `publish` writes (a regular file, not a link)."""
    marker = out / MARKER
    return marker.is_file() and not marker.is_symlink()


def _readable(folder: Path) -> None:
    """mkdtemp and atomic_write make 0700 folders and 0600 files; a site is for reading."""
    os.chmod(folder, 0o755)
    for p in sorted(folder.rglob("*")):
        if not p.is_symlink():
            os.chmod(p, 0o755 if p.is_dir() else 0o644)


def _old_name(out: Path) -> Path:
    return out.resolve().parent / f".{out.name}.old"


def _recover(out: Path) -> None:
    """A kill between the two renames of the fallback swap: put the old site back."""
    old = _old_name(out)
    if not out.exists() and old.is_dir():
        os.rename(old, out)
    elif old.is_dir():
        shutil.rmtree(old, ignore_errors=True)


def _remove_stale(parent: Path, name: str) -> None:
    """Temporary folders of earlier publishes that were killed (their process is gone), or that
    this process left (publish makes its own only after this)."""
    sweep_folders(parent, f".{name}.new-", own=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE) (Linux); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP if hasattr(errno, "ENOTSUP") else errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _swap(new: Path, out: Path) -> None:
    """Make `new` the folder `out`, atomically where possible; the old site is removed after."""
    if not out.exists():
        os.rename(new, out)
        return
    if _exchange(new, out):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old site
        return
    old = _old_name(out)  # fallback: two renames; _recover() repairs a kill in between
    os.rename(out, old)
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)

