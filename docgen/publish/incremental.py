"""Incremental outputs: what an output is made from, and whether the file on disk still is it.

An output's key is a hash of everything it is made from: docgen's code, the templates, KaTeX (for
HTML), the derivation file, its checked result, the titles it cites, the draft flag; build adds a
site page's navigation and the PDF's date. build records each output's key and the hash of the
bytes it wrote in `out/.cache/outputs.json` (the manifest, read here); an output is fresh when
its key and bytes still match the record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from ..model.errors import DocgenError
from ..render import katex
from ..render.resources import package_templates
from ..run.cache import engine_fingerprint
from ..run.verify import Result



def digest(*parts: str | bytes) -> str:
    """SHA-256 of the parts, each prefixed by its length (so no two lists of parts collide)."""
    h = hashlib.sha256()
    for part in parts:
        raw = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(raw).to_bytes(8, "big"))
        h.update(raw)
    return h.hexdigest()


def relative(root: Path, path: Path) -> str:
    """`path` relative to `root`; the file name itself is not resolved, so an output planted
    as a symlink to elsewhere is a refusal, not a crash."""
    try:
        return (path.parent.resolve() / path.name).relative_to(root).as_posix()
    except ValueError:
        raise DocgenError(f"refusing to write outside {root}: {path}") from None


def _tree_digest(folder: Path) -> str:
    parts: list[str | bytes] = []
    if folder.is_dir():
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                parts += [p.relative_to(folder).as_posix(), p.read_bytes()]
    return digest(*parts)


def base_key(templates: Path | None, html: bool) -> str:
    """What every output depends on: docgen's code, the templates, KaTeX (for HTML)."""
    package = Path(__file__).resolve().parents[1]
    code = [p.read_bytes() for p in sorted(package.rglob("*.js")) if katex.DIST not in p.parents]
    parts: list[str | bytes] = [engine_fingerprint(), *code, _tree_digest(package_templates()),
                                "none" if templates is None else _tree_digest(Path(templates))]
    if html:
        parts.append(_tree_digest(katex.DIST))
    return digest(*parts)


def document_key(base: str, res: Result, refs: dict[str, str], draft: bool) -> str:
    """Everything one document is rendered from, beyond `base`."""
    der = res.derivation
    links = [[link.part, link.index, link.kind, link.status, link.sizes, link.evidence,
              None if link.witness is None else asdict(link.witness)] for link in res.links]
    checked = {"links": links, "example": None if res.example is None else asdict(res.example),
               "problems": [str(p) for p in res.problems], "passed": res.passed}
    return digest(base, der.path, der.digest, json.dumps(checked, sort_keys=True, default=str),
                  json.dumps(refs, sort_keys=True), str(draft))


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """The last build's record; what is unreadable or malformed is left out (it means "render")."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("key"), str)
            and isinstance(v.get("sha256"), str)}


def fresh(manifest: dict[str, dict[str, str]], root: Path, path: Path, key: str) -> bool:
    """The output exists, was made from `key`, and is still the bytes docgen wrote."""
    entry = manifest.get(relative(root, path))
    return entry is not None and entry["key"] == key and untouched(entry, path)


def untouched(entry: dict[str, str], path: Path) -> bool:
    """`path` still holds the bytes its manifest `entry` records docgen wrote."""
    try:
        return digest(path.read_bytes()) == entry["sha256"]
    except OSError:
        return False


def same_bytes(path: Path, data: bytes) -> bool:
    """The file already holds exactly `data` (then it is not rewritten and keeps its mtime)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
