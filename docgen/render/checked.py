"""The appendix "How this note was checked": every link's evidence in the note's language.

Takes the checked links of a derivation; gives `Groups` (consecutive steps of a part with the
same verdict and evidence share one entry, "(1)–(7)", so the chain's marks point to it) and the
appendix's view: a legend of the marks used, then per part one line per entry (the claim's,
the identification's, the steps'), a failed link with its counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..lang import notation
from ..model.derivation import Derivation
from . import evidence


@dataclass
class Entry:
    part: str
    kind: str  # "step" | "identification" | "claim"
    links: list[Any]
    anchor: str


@dataclass
class Groups:
    """The appendix's entries, in document order, and which entry each link belongs to."""

    entries: list[Entry] = field(default_factory=list)
    by_link: dict[tuple[str, int, str], str] = field(default_factory=dict)

    def anchor_of(self, link: Any) -> str:
        return self.by_link.get((link.part, link.index, link.kind), "")


def _same(a: Any, b: Any) -> bool:
    return (a.status == b.status and a.evidence == b.evidence and a.witness is None
            and b.witness is None)


def group_links(der: Derivation, links: list[Any]) -> Groups:
    """Per part: runs of steps with the same verdict and evidence, the identification, the
    claim. Anchors: check-<part>-<first step>, check-<part>-ident, check-<part>-claim."""
    groups = Groups()
    for part in der.parts:
        mine = [lk for lk in links if lk.part == part.label]
        steps = sorted((lk for lk in mine if lk.kind == "step"), key=lambda lk: lk.index)
        run: list[Any] = []
        for lk in steps + [None]:  # type: ignore[list-item]
            if run and (lk is None or not _same(run[-1], lk)):
                groups.entries.append(Entry(part.label, "step", run,
                                            f"check-{part.label}-{run[0].index}"))
                run = []
            if lk is not None:
                run.append(lk)
        for kind, suffix in (("identification", "ident"), ("claim", "claim")):
            for lk in mine:
                if lk.kind == kind:
                    groups.entries.append(Entry(part.label, kind, [lk], f"check-{part.label}-{suffix}"))
    for entry in groups.entries:
        for lk in entry.links:
            groups.by_link[(lk.part, lk.index, lk.kind)] = entry.anchor
    return groups


def _label(entry: Entry, der: Derivation, words: dict[str, str]) -> evidence.Pieces:
    if entry.kind == "claim":
        return [("text", words["claim"])]
    if entry.kind == "identification":
        return [("math", r"\Rightarrow")]
    pi = next(i for i, p in enumerate(der.parts) if p.label == entry.part)

    def num(k: int) -> str:
        return str(k) if len(der.parts) == 1 else f"{pi + 1}.{k}"

    first, last = entry.links[0].index, entry.links[-1].index
    return [("text", f"({num(first)})" if first == last else f"({num(first)})–({num(last)})")]


def checked_view(groups: Groups, der: Derivation, f: Any, lang: str,
                 words: dict[str, str]) -> dict[str, Any]:
    """The appendix: intro, legend (only the marks used) and the entries, by part."""
    digits = der.example.digits if der.example is not None else 4
    seen: dict[str, str] = {}
    for entry in groups.entries:
        for lk in entry.links:
            seen.setdefault(lk.status, evidence.mark_tex(lk))
    legend_words = evidence.LEGEND["zh" if lang == "zh" else "en"]
    legend = [{"mark": f.math(seen[s]), "status": s, "words": f.text(legend_words[s])}
              for s in evidence.MARK_ORDER if s in seen]
    parts = []
    sep = words["semicolon"]
    for part in der.parts:
        entries = []
        for entry in (e for e in groups.entries if e.part == part.label):
            lk = entry.links[0]
            pieces: evidence.Pieces = []
            form = None
            if entry.kind == "identification" and part.wrt in der.symbols:
                form = evidence.identification_form(notation.latex_name(part.wrt, der),
                                                    der.symbols[part.wrt].shape)
            for i, text in enumerate(lk.evidence):
                if i:
                    pieces.append(("text", sep))
                pieces += evidence.evidence_pieces(text, lang, form)
            entries.append({
                "anchor": entry.anchor,
                "label": f.pieces(_label(entry, der, words)),
                "status": lk.status,
                "failed": lk.status == "failed",
                "mark": f.math(evidence.mark_tex(lk)),
                # a pass is said by its mark (and the legend); anything else also in words
                "verdict": "" if lk.status in ("proven-all", "proven")
                else f.text(legend_words.get(lk.status, lk.status)),
                "evidence": f.pieces(evidence.merge(pieces)),
                # a step's counterexample is shown under the step itself (the commentary)
                "witness": f.pieces(evidence.witness_pieces(lk.witness, lang, digits))
                if lk.witness is not None and entry.kind != "step" else "",
            })
        parts.append({"title": f.text(part.title) if part.title else "", "entries": entries})
    return {"intro": f.text(words["checked_intro"]), "legend": legend, "parts": parts,
            "several": len(der.parts) > 1}
