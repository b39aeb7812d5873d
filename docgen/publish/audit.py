"""`docgen audit NOTE` and `docgen import NOTE`: check the mathematics of an existing note.

Takes a note (Markdown, LaTeX or plain text holding LaTeX math) and an optional sidecar (front
matter, `NOTE.docgen.yaml` beside it, or `--sidecar FILE`: `layout`, `dims`, `symbols`,
`functions` as in a derivation file). Gives an `Audit`: per chain (one docgen derivation each,
verified by `run.verify.verify` like any other) its links with the note's line, verdict and
message (witness and the entry or term that is wrong), the declarations used, the reader's
decisions; and the formulas not read, each with its reason. Reports: text, JSON
(`{"chains": [{"line", "links": [{"line", "verdict", "message"}]}], "unread": [{"line", "reason"}],
"declarations": [{"line", "name", "shape" | "elementwise", "text", "chains"}]}`)
and an annotated HTML copy (publish/auditview.py). `import_note` writes the derivations' files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..check.verdict import DEFAULT_POLICY, FAILED, Link, Policy
from ..model.errors import DocgenError, Location
from ..read.load import load_bytes, load_file
from ..read.note import Note, read_note
from ..read.notechains import Declaration, find_chains
from ..read.noteder import Planned, plan
from ..run.verify import Result, verify
from .fsutil import atomic_write
from .report import describe_link, link_title

VERIFIED, REFUTED, NOT_CHECKED = "verified", "failed", "not checked"


@dataclass
class LinkReport:
    line: int
    col: int
    verdict: str
    message: str


@dataclass
class ChainReport:
    line: int
    ident: str
    links: list[LinkReport] = field(default_factory=list)
    used: list[str] = field(default_factory=list)  # declarations: "line N: x ∈ …"
    declared: list[dict] = field(default_factory=list)  # the same, as data (the JSON report's)
    decisions: list[str] = field(default_factory=list)  # "line:col: …"

    @property
    def passed(self) -> bool:
        return all(l.verdict == VERIFIED for l in self.links)


@dataclass
class Audit:
    note: Note
    chains: list[ChainReport]
    unread: list[tuple[int, int, str]]  # (line, col, reason)
    plain: int  # formulas with nothing to check (no '=')
    planned: list[Planned] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if all(c.passed for c in self.chains) and not self.unread else 1


def load_sidecar(note: Note, path: str | None) -> dict[str, Any]:
    """The sidecar: --sidecar FILE, else NOTE.docgen.yaml beside the note, else front matter."""
    if path is None and Path(note.path + ".docgen.yaml").is_file():
        path = note.path + ".docgen.yaml"
    if path is not None:
        data = load_file(path).data
    elif note.text.startswith("---\n") and "\n---" in note.text[4:]:
        head = note.text[4:note.text.index("\n---", 4) + 1]
        data = load_bytes(head.encode("utf-8"), note.path).data
        data = data.get("docgen", data) if isinstance(data, dict) else data
    else:
        return {}
    if not isinstance(data, dict):
        raise DocgenError("sidecar: a mapping with layout, dims, symbols, functions", Location(path or note.path))
    unknown = set(data) - {"layout", "dims", "symbols", "functions", "title"}
    if unknown and path is not None:
        raise DocgenError(f"sidecar: unknown key(s) {', '.join(sorted(unknown))} (layout, dims, symbols, "
                          "functions)", Location(path))
    if data.get("layout", "denominator") not in ("denominator", "numerator"):
        raise DocgenError("sidecar: layout is denominator or numerator", Location(path or note.path))
    return data


def prepare(note_path: str, sidecar: str | None = None) -> tuple[Note, list[Planned], list, int]:
    note = read_note(note_path)
    found = find_chains(note)
    planned, unread = plan(note, found, load_sidecar(note, sidecar))
    rows = [(note.where(u.start), u.reason) for u in unread]
    rows += [(note.where(at), reason) for at, reason in found.unread]
    return note, planned, sorted(rows), found.plain


def audit(note_path: str, sidecar: str | None = None, jobs: int = 0,
          policy: Policy = DEFAULT_POLICY) -> Audit:
    note, planned, unread, plain = prepare(note_path, sidecar)
    built = [p for p in planned if p.derivation is not None]
    results = verify([p.derivation for p in built], jobs=jobs, policy=policy) if built else []
    by_id = {r.derivation.id: r for r in results}
    chains, seen = [], set()
    for p in planned:
        chains.append(_chain(note, p, by_id.get(p.ident), seen))
    return Audit(note, chains, [(l, c, r) for (l, c), r in unread], plain, planned)


def _chain(note: Note, p: Planned, res: Result | None, seen: set) -> ChainReport:
    line, _ = note.where(p.chain.start)
    rep = ChainReport(line, p.ident)
    for d in p.used:
        where = f"line {note.where(d.start)[0]}" if d.start >= 0 else "sidecar"
        what = f"{d.name} elementwise" if d.kind == "function" else f"{d.name} ∈ ℝ^{d.shape[0]}×{d.shape[1]}"
        rep.used.append(f"{where}: {what}" + ("" if d.text == "sidecar" else f"  ({d.text})"))
        rep.declared.append(_declaration(note, d))
    rep.decisions = [f"{note.where(at)[0]}:{note.where(at)[1]}: {text}" for at, text in p.decisions]
    for f in p.findings:
        if (f.start, f.message) in seen:
            continue
        seen.add((f.start, f.message))
        fl, fc = note.where(f.start)
        rep.links.append(LinkReport(fl, fc, REFUTED, f.message))
    if res is None:
        err = p.error
        loc = err.location if err else None
        rep.links.append(LinkReport(loc.line if loc and loc.line else line, loc.column if loc else 0,
                                    REFUTED, err.message if err else "not built"))
        rep.links.sort(key=lambda l: (l.line, l.col))
        return rep
    for problem in res.problems:
        loc = problem.location
        rep.links.append(LinkReport(loc.line if loc else line, loc.column if loc else 0, REFUTED, problem.message))
    for link in res.links:
        rep.links.append(_link(link, res.policy, p, line))
    rep.links.sort(key=lambda l: (l.line, l.col))
    return rep


def _declaration(note: Note, d: Declaration) -> dict:
    """A declaration used, as data: its line (None from the sidecar), name, shape or 'elementwise',
    and the note's text of it."""
    out: dict[str, Any] = {"line": note.where(d.start)[0] if d.start >= 0 else None, "name": d.name}
    if d.kind == "function":
        out["elementwise"] = True
    else:
        out["shape"] = [d.shape[0], d.shape[1]]
    out["text"] = d.text
    return out


def _link(link: Link, policy: Policy, p: Planned, line: int) -> LinkReport:
    loc = link.loc
    verdict = VERIFIED if policy.accepts(link) else REFUTED if link.status == FAILED else NOT_CHECKED
    lines = describe_link(link)
    prefix = f"{loc}: " if loc else ""
    head = lines[0][len(prefix):] if lines[0].startswith(prefix) else lines[0]
    title = link_title(link)
    if loc is not None and loc.line and p.added >= 0 and link.kind == "step" and link.index == len(
            p.data["parts"][0]["steps"]) and link.part == "main":
        head = head.replace(title, "conclusion (its form (∂f/∂x)ᵀ dx, added)", 1)
    body = [x.strip() for x in lines[1:]]
    body = [x[2:] if x.startswith("- ") else x for x in body]
    message = head + (" — " + "; ".join(body) if body else "")
    return LinkReport(loc.line if loc and loc.line else line, loc.column if loc else 0, verdict, message)


# -- reports ---------------------------------------------------------------------------------------
def json_report(a: Audit) -> str:
    doc = {"chains": [{"line": c.line, "links": [{"line": l.line, "verdict": l.verdict, "message": l.message}
                                                 for l in c.links]} for c in a.chains],
           "unread": [{"line": line, "reason": reason} for line, _, reason in a.unread],
           "declarations": declarations(a)}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def declarations(a: Audit) -> list[dict]:
    """Every declaration some chain used, once, in the note's order, with the lines of the chains
    that used it (`chains`)."""
    seen: dict[str, dict] = {}
    for c in a.chains:
        for d in c.declared:
            key = json.dumps(d, ensure_ascii=False, sort_keys=True)
            entry = seen.setdefault(key, {**d, "chains": []})
            if c.line not in entry["chains"]:
                entry["chains"].append(c.line)
    return sorted(seen.values(), key=lambda d: (d["line"] is not None, d["line"] or 0, d["name"]))


def text_report(a: Audit, verbose: bool = False) -> str:
    out = []
    for c in a.chains:
        out.append(f"{'ok  ' if c.passed else 'FAIL'} {a.note.path}:{c.line}: chain of {len(c.links)} "
                   f"link{'s' * (len(c.links) != 1)}")
        if c.used:
            out.append("    declarations used: " + "; ".join(c.used))
        for l in c.links:
            if verbose or l.verdict != VERIFIED:
                out.append(f"    {a.note.path}:{l.line}:{l.col}: {l.verdict}: {l.message}")
            else:
                out.append(f"    line {l.line}: {l.verdict}: {l.message.split(' — ')[0]}")
        for d in c.decisions if verbose else c.decisions[:0]:
            out.append(f"    read as: {a.note.path}:{d}")
    for line, col, reason in a.unread:
        out.append(f"not read {a.note.path}:{line}:{col}: {reason}")
    passed = sum(c.passed for c in a.chains)
    out.append(f"{passed} chains verified, {len(a.chains) - passed} failed, {len(a.unread)} not read"
               f" ({a.plain} formulas without '=' not checked)")
    return "\n".join(out) + "\n"


# -- import ----------------------------------------------------------------------------------------
def import_note(note_path: str, out_dir: str, sidecar: str | None = None) -> list[Path]:
    """Write one derivation file per chain read (never overwriting); returns the files written."""
    note, planned, _, _ = prepare(note_path, sidecar)
    planned = [p for p in planned if p.derivation is not None]
    folder = Path(out_dir)
    stem = Path(note_path).stem
    targets = [folder / f"{stem}-{p.ident}.yaml" for p in planned]
    existing = [t for t in targets if t.exists() or t.is_symlink()]
    if existing:
        raise DocgenError(f"{existing[0]} exists; docgen import never overwrites (remove it or use "
                          "another -o folder)")
    folder.mkdir(parents=True, exist_ok=True)
    for p, target in zip(planned, targets):
        data = dict(p.data)
        data["id"] = f"{stem}-{p.ident}".lower().replace("_", "-")
        head = (f"# imported by docgen import from {Path(note_path).name}, line {note.where(p.chain.start)[0]}\n"
                "# edit the LaTeX of the steps (tex:) and run docgen verify\n")
        atomic_write(target, (head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None,
                                                    width=100000)).encode("utf-8"))
    return targets
