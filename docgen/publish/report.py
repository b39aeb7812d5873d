"""Results -> text for the terminal and a machine-readable JSON report."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from .. import __version__
from ..check.verdict import FAILED, NUMERIC, PROVEN, PROVEN_ALL, UNDECIDED, Link
from ..run.verify import Result

_SUMMARY = [(PROVEN_ALL, "proven for all sizes"), (PROVEN, "proven at sizes"),
            (NUMERIC, "numeric only"), (UNDECIDED, "undecided"), (FAILED, "failed")]


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
        lines.append(f"    entry ({w.entry[0] + 1}, {w.entry[1] + 1}): left side {w.left}, right side {w.right}")
    return lines


def text_report(results: list[Result], verbose: bool = False, unusable: int = 0) -> str:
    lines = []
    for res in results:
        d = res.derivation
        counts = Counter(link.status for link in res.links)
        summary = ", ".join(f"{counts[s]} {label}" for s, label in _SUMMARY if counts[s])
        mark = "ok  " if res.passed else "FAIL"
        lines.append(f"{mark} {d.id} ({d.path}): {len(res.links)} links: {summary}")
        for p in res.problems:
            lines.append(f"    {p}")
        for link in res.links:
            if verbose or link.status == FAILED:
                lines.extend("    " + line for line in describe_link(link))
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
                "problems": [str(p) for p in r.problems],
                "links": [_link_json(link) for link in r.links],
            }
            for r in results
        ],
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results) + len(errors),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def _link_json(link: Link) -> dict[str, Any]:
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
        "sizes": link.sizes,
        "evidence": link.evidence,
        "witness": None if w is None else {
            "sizes": w.sizes, "point": w.point, "left": w.left, "right": w.right,
            "exact": w.exact, "entry": [w.entry[0] + 1, w.entry[1] + 1],
        },
    }
