"""Results -> text for the terminal and a machine-readable JSON report."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .. import __version__
from ..check.verdict import FAILED, NUMERIC, PROVEN, PROVEN_ALL, UNDECIDED, Link, Policy
from ..model.errors import DocgenError
from ..run.verify import Result, find_files

_TEXT_LAST_LINE = re.compile(r"^\d+ passed, \d+ failed( \(\d+ files? unusable\))?$")
_REPORT_KEYS = {"docgen", "derivations", "errors", "passed", "failed"}
_LOOK_AT = 64 << 20  # bytes of an existing file read to recognise a report


def check_report_target(path: Path, inputs: list[str], fmt: str) -> None:
    """Refuse `-o path` when it would destroy something: an input derivation file, a folder,
    or an existing file that is not a report docgen wrote (in either format)."""
    if path.is_dir():
        raise DocgenError(f"-o {path}: is a folder; name a file")
    target = path.resolve()
    if any(target == f.resolve() for f in find_files(inputs)) or any(
            target == Path(p).resolve() for p in inputs):
        raise DocgenError(f"-o {path}: is one of the derivation files being verified; "
                          "refusing to overwrite it (name a new file, e.g. report.json)")
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_file() or path.is_symlink():
        raise DocgenError(f"-o {path}: exists and is not a regular file; refusing to replace it")
    if not _is_report(path):
        raise DocgenError(f"-o {path}: exists and is not a docgen report; refusing to overwrite "
                          "it (remove it first, or name a new file)")


def _is_report(path: Path) -> bool:
    try:
        if path.stat().st_size > _LOOK_AT:
            return False
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if not text.strip():
        return True  # an empty file holds nothing to lose
    try:
        doc = json.loads(text)
    except ValueError:
        lines = text.rstrip("\n").splitlines()
        return bool(lines) and _TEXT_LAST_LINE.match(lines[-1]) is not None
    return isinstance(doc, dict) and _REPORT_KEYS <= set(doc)

_SUMMARY = [(PROVEN_ALL, "proven for all sizes"), (PROVEN, "proven at sizes"),
            (NUMERIC, "numeric only"), (UNDECIDED, "not checked"), (FAILED, "failed")]


def link_title(link: Link) -> str:
    if link.kind == "claim":
        what = "claim"
    elif link.kind == "identification":
        what = "identification"
    else:
        what = f"step {link.index}"
    return what if link.part == "main" else f"{link.part}: {what}"


def describe_link(link: Link) -> list[str]:
    """The lines printed for one link: its equation, verdict, evidence and witness."""
    where = f"{link.loc}: " if link.loc else ""
    lines = [f"{where}{link_title(link)}: {link.verdict()}",
             f"    {link.left.text}  =  {link.right.text}"]
    for e in link.evidence:
        lines.append(f"    - {e}")
    w = link.witness
    if w is not None:
        sizes = ", ".join(f"{k} = {v}" for k, v in w.sizes.items())
        point = "; ".join(f"{k} = {v}" for k, v in w.point.items())
        kind = "exact" if w.exact else "numeric"
        lines.append(f"    {kind} witness at {sizes or 'the declared sizes'}: {point}")
        lines.append(f"    {w.position()}: left side {w.left}, right side {w.right}")
    return lines


def judged_link(link: Link, policy: Policy) -> list[str]:
    """`describe_link`'s lines, and why the policy does not pass the link when it was not
    refuted (not checked, or numeric evidence under --strict)."""
    lines = describe_link(link)
    why = policy.why_not(link)
    if why and link.status != FAILED:
        lines.append(f"    - does not pass: {why}")
    return lines


def text_report(results: list[Result], verbose: bool = False, unusable: int = 0) -> str:
    lines = []
    for res in results:
        d = res.derivation
        counts = Counter(link.status for link in res.links)
        summary = ", ".join(f"{counts[s]} {label}" for s, label in _SUMMARY if counts[s])
        mark = "ok  " if res.passed else "FAIL"
        n = len(res.links)
        lines.append(f"{mark} {d.id} ({d.path}): {n} link{'s' * (n != 1)}: {summary}")
        for p in res.problems:
            lines.append(f"    {p}")
        rejected = res.unaccepted
        for link in res.links:
            if verbose or link in rejected:
                lines.extend("    " + line for line in judged_link(link, res.policy))
            if verbose:  # what the LaTeX reader decided (steps written with tex:)
                lines.extend(f"        read as: {r}" for r in dict.fromkeys(link.left.read_as + link.right.read_as))
    passed = sum(r.passed for r in results)
    tail = f" ({unusable} file{'s' if unusable != 1 else ''} unusable)" if unusable else ""
    lines.append(f"{passed} passed, {len(results) - passed + unusable} failed{tail}")
    return "\n".join(lines) + "\n"


def json_report(results: list[Result], errors: list[Any]) -> str:
    """A stable JSON document: sorted keys, no timings (so reruns are byte-identical)."""
    doc = {
        "docgen": __version__,
        "errors": [str(e) for e in errors],
        "derivations": [
            {
                "id": r.derivation.id,
                "path": r.derivation.path,
                "passed": r.passed,
                "policy": {"strict": r.policy.strict, "allow_undecided": r.policy.allow_undecided},
                "problems": [str(p) for p in r.problems],
                "links": [_link_json(link, r.policy) for link in r.links],
            }
            for r in results
        ],
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results) + len(errors),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _link_json(link: Link, policy: Policy) -> dict[str, Any]:
    w = link.witness
    return {
        "part": link.part,
        "index": link.index,
        "kind": link.kind,
        "location": str(link.loc) if link.loc else None,
        "left": link.left.text,
        "right": link.right.text,
        "status": link.status,
        "verdict": link.verdict(),
        "passes": policy.accepts(link),
        "sizes": link.sizes,
        "evidence": link.evidence,
        "witness": None if w is None else {
            "sizes": w.sizes, "point": w.point, "left": w.left, "right": w.right,
            "exact": w.exact, "entry": [w.entry[0] + 1, w.entry[1] + 1], "where": w.position(),
        },
    }
