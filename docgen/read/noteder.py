"""A note's chains and declarations -> docgen derivations (in memory, and as YAML data to write).

Takes a `Note`, its `Found` chains and declarations (read/notechains.py) and an optional sidecar
(front matter or a YAML file: `layout`, `dims`, `symbols`, `functions`, docgen's own keys) and
gives one `Planned` per chain: the derivation's data (what `docgen import` writes, with `tex:`
steps in the note's own LaTeX), the derivation built from it (every location is the note's
line:column, so every verdict and error names the note), the declarations it used, and what was
decided on the way. A chain that cannot be built becomes `Unread` with the reason.

Decisions, each reported: a declaration is the last one before the chain (the sidecar fills
what the text leaves implicit); a symbol differentiated (∂y/∂x, d y in a differential chain)
is a function of that variable; a size written `N` in the declaration and `n` in subscripts is
one size; a name the note never declares is read as a new symbol like the chain's variable and
reported as a failure (`\\eta_n` where `x_n` was meant); a conclusion `∂f/∂x = R` after a chain
of differentials ending in another form gets the step `(R)^T dx`, checked like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..lang.latex import Context, NotRead, read_expr
from ..lang.latex.context import from_scope
from ..lang.shapes import Scope
from ..model.derivation import Derivation, Symbol
from ..model.errors import DocgenError, Location
from ..model.expr import Call, Name, Node, unparse
from .load import Document
from .note import Note
from .notechains import Chain, Declaration, Found, entry_at
from .spec import build_derivation, identified

_UNDECLARED = re.compile(r"neither (\w+) nor \S+ is declared|^(\w+) is not declared")
_SIZES = ([2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7])


@dataclass
class Finding:
    """Something wrong in the note that is not a link: an undeclared set or name."""

    start: int
    message: str


@dataclass
class Planned:
    chain: Chain
    ident: str
    data: dict[str, Any] = field(default_factory=dict)
    marks: dict[tuple, tuple[int, int, str]] = field(default_factory=dict)
    derivation: Derivation | None = None
    used: list[Declaration] = field(default_factory=list)
    decisions: list[tuple[int, str]] = field(default_factory=list)  # (offset, text)
    findings: list[Finding] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)  # offsets of the members checked as steps
    added: int = -1  # offset of the conclusion whose form step was added
    error: DocgenError | None = None  # read, but not a derivation (the two sides' shapes differ)


@dataclass
class Unread:
    start: int
    reason: str


def plan(note: Note, found: Found, sidecar: dict[str, Any] | None = None) -> tuple[list[Planned], list[Unread]]:
    """Every chain -> Planned (built) or Unread (with the reason)."""
    sidecar = sidecar or {}
    planned, unread, ids = [], [], set()
    for chain in found.chains:
        line, _ = note.where(chain.start)
        ident = f"line-{line}"
        k = 2
        while ident in ids:
            ident, k = f"line-{line}-{k}", k + 1
        ids.add(ident)
        p = Planned(chain, ident)
        try:
            _build(note, found, sidecar, p)
        except NotRead as exc:
            unread.append(Unread(_offset(note, exc.location, chain.start), exc.message))
            continue
        except DocgenError as exc:  # read, but wrong (shapes that do not fit, a bad chain)
            p.error = exc
        planned.append(p)
    return planned, unread


def _offset(note: Note, loc: Location | None, default: int) -> int:
    if loc is None or not loc.line:
        return default
    lines = note.text.split("\n")
    return sum(len(x) + 1 for x in lines[:loc.line - 1]) + max(loc.column - 1, 0)


# -- declarations in force -------------------------------------------------------------------------
def _mentions(tex: str, name: str) -> bool:
    if len(name) > 1:
        return re.search(r"\\" + re.escape(name) + r"(?![A-Za-z])|(?<![A-Za-z\\])" + re.escape(name)
                         + r"(?![A-Za-z])", tex) is not None
    return re.search(r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])", tex) is not None


def _in_force(found: Found, sidecar: dict[str, Any], chain: Chain) -> dict[str, Declaration]:
    tex = " ".join(m.tex for m in chain.members + chain.conclusion)
    out: dict[str, Declaration] = {}
    for d in found.declarations:
        if d.start < chain.start + 1 and _mentions(tex, d.name):
            out[d.name] = d
    for name, spec in (sidecar.get("symbols") or {}).items():
        if name not in out and _mentions(tex, name) and isinstance(spec, dict):
            shape = spec.get("shape", "scalar")
            shape = (1, 1) if shape == "scalar" else (list(shape) + [1])[:2]
            out[name] = Declaration(name, tuple(shape), -1, "sidecar")
    for name, spec in (sidecar.get("functions") or {}).items():
        if name not in out and _mentions(tex, name):
            arg = spec.get("applied_to", "") if isinstance(spec, dict) else ""
            out[name] = Declaration(name, (), -1, "sidecar", "function", applied_to=arg)
    return out


def _renames(tex: str, decls: dict[str, Declaration]) -> dict[str, str]:
    """Dims written N in a declaration and n in the formulas' subscripts (or the other way)."""
    dims = {p for d in decls.values() for p in d.shape if isinstance(p, str)}
    out = {}
    for dim in sorted(dims):
        other = dim.swapcase()
        if len(dim) == 1 and other not in dims and other not in decls and re.search(
                r"_\{?[^{}]*(?<![A-Za-z\\])" + other + r"(?![A-Za-z])", tex):
            out[dim] = other
    return out


# -- one chain -------------------------------------------------------------------------------------
def _build(note: Note, found: Found, sidecar: dict[str, Any], p: Planned) -> None:
    chain = p.chain
    members = chain.members + chain.conclusion
    tex = " ".join(m.tex for m in members)
    decls = _in_force(found, sidecar, chain)
    renames = _renames(tex, decls)
    for old, new in renames.items():
        p.decisions.append((chain.start, f"the size {old} of the declarations is the {new} of the subscripts"))
    symbols: dict[str, tuple] = {}
    functions: dict[str, str] = {}
    for d in decls.values():
        p.used.append(d)
        if d.kind == "function":
            functions[d.name] = d.applied_to
        else:
            symbols[d.name] = tuple(renames.get(x, x) if isinstance(x, str) else x for x in d.shape)
            if d.problem:
                p.findings.append(Finding(d.start, f"{d.text}: {d.problem}"))
    for name, spec in (sidecar.get("functions") or {}).items():
        if name in functions and isinstance(spec, dict) and spec.get("applied_to"):
            functions[name] = spec["applied_to"]
    # functions applied to a symbol in force: f_k alone is f(x)_k
    for f, arg in list(functions.items()):
        if arg and arg not in symbols:
            functions[f] = ""
    layout = sidecar.get("layout", "denominator")
    trees = _read_all(note, members, symbols, functions, layout, p)
    deps = _dependencies(trees, symbols, functions, chain)
    for name, wrt in sorted(deps.items()):
        p.decisions.append((chain.start, f"{name} read as a function of {', '.join(wrt)} "
                                         f"(it is differentiated with respect to {wrt[0]})"))
    _data(note, p, symbols, functions, deps, layout, sidecar, trees)
    doc = Document(note.path, p.data, p.marks)
    p.derivation = build_derivation(doc)


def _indices(tex: str, symbols: dict[str, tuple]) -> dict[str, str]:
    """Subscripts i, j, k, l that nothing declares: index variables over the first size."""
    dims = [x for s in symbols.values() for x in s if isinstance(x, str)]
    found = set(re.findall(r"_\{?([ijkl])\}?|_\{([ijkl])([ijkl])\}", tex))
    names = sorted({c for t in found for c in t if c} - set(symbols))
    return {i: dims[0] for i in names} if dims else {}


def _context(symbols: dict[str, tuple], functions: dict[str, str], layout: str,
             indices: dict[str, str] | None = None) -> Context:
    dims = frozenset(x for s in symbols.values() for x in s if isinstance(x, str))
    scope = Scope(symbols={n: Symbol(n, s) for n, s in symbols.items()}, dims=dims, layout=layout,
                  indices=dict(indices or {}))
    for f, arg in functions.items():
        scope.functions[f] = f
        scope.functions[f + "prime"] = f
        if arg:
            scope.applied[f] = arg
    return from_scope(scope)


def _read_all(note: Note, members: list, symbols: dict[str, tuple], functions: dict[str, str],
              layout: str, p: Planned) -> list[Node]:
    """Each member's tree; a name the note never declares is declared like the chain's vector
    (at most 3 of them), and reported."""
    indices = _indices(" ".join(m.tex for m in members), symbols)
    for _ in range(4):
        ctx = _context(symbols, functions, layout, indices)
        try:
            out = []
            for m in members:
                reading = read_expr(m.tex.replace("\x00", " "), ctx, note.loc(m.start))
                out.append(reading.tree)
                p.decisions += [(m.start + d.col, d.text) for d in reading.decisions]
            return out
        except NotRead as exc:
            hit = _UNDECLARED.search(exc.message)
            name = hit and (hit.group(1) or hit.group(2))
            like = [n for n, s in symbols.items() if s[1] == 1 and s[0] != 1]
            if not name or name in functions or not like or len(name) > 8 or not name.isidentifier():
                raise
            at = _offset(note, exc.location, members[0].start)
            symbols[name] = symbols[like[-1]]
            cell = ""
            for m in members:
                if m.start <= at < m.start + len(m.tex):
                    size = symbols[like[-1]][0]
                    cell = entry_at(m.tex, at - m.start, size if isinstance(size, str) else "n")
            where = f"{cell}: " if cell else ""
            p.decisions = [d for d in p.decisions if d[0] < members[0].start]
            p.findings.append(Finding(at, f"{where}{name} is not declared in the note (a typo for {like[-1]}?); "
                                          f"read as a new symbol like {like[-1]} to check the rest"))
    raise NotRead("too many undeclared names", note.loc(members[0].start), 0)


def _dependencies(trees: list[Node], symbols: dict[str, tuple], functions: dict[str, str],
                  chain: Chain) -> dict[str, list[str]]:
    """Symbols differentiated with respect to another: name -> [variables]."""
    wrts: list[str] = []
    for t in trees:
        for n in t.walk():
            if isinstance(n, Call) and n.func == "D" and isinstance(n.args[1], Name):
                if n.args[1].name not in wrts:
                    wrts.append(n.args[1].name)
    deps: dict[str, list[str]] = {}
    for t in trees:
        for n in t.walk():
            target = None
            if isinstance(n, Call) and n.func == "D" and isinstance(n.args[1], Name):
                target, wrt = n.args[0], [n.args[1].name]
            elif isinstance(n, Call) and n.func == "d" and wrts:
                target, wrt = n.args[0], wrts[:1]
            # only a symbol differentiated on its own (∂y/∂x, d y) is a function of x
            if isinstance(target, Name) and target.name in symbols and target.name not in wrts:
                deps.setdefault(target.name, [])
                for w in wrt:
                    if w not in deps[target.name]:
                        deps[target.name].append(w)
    return deps


def _variables(trees: list[Node]) -> set[str]:
    return {n.args[1].name for t in trees for n in t.walk()
            if isinstance(n, Call) and n.func == "D" and isinstance(n.args[1], Name)}


def _shape_yaml(shape: tuple) -> Any:
    if shape == (1, 1):
        return "scalar"
    return [shape[0]] if shape[1] == 1 else list(shape)


def _data(note: Note, p: Planned, symbols: dict[str, tuple], functions: dict[str, str],
          deps: dict[str, list[str]], layout: str, sidecar: dict[str, Any], trees: list[Node]) -> None:
    chain = p.chain
    line, _ = note.where(chain.start)
    dims = sorted({x for s in symbols.values() for x in s if isinstance(x, str)})
    given = sidecar.get("dims") or {}
    data: dict[str, Any] = {"id": p.ident, "title": f"{_name(note.path)}, line {line}",
                            "layout": layout}
    if dims:
        data["dims"] = {d: dict(given[d]) if isinstance(given.get(d), dict) else {"sizes": _SIZES[min(k, 3)]}
                        for k, d in enumerate(dims)}
    data["symbols"] = {}
    for n, s in symbols.items():
        spec: dict[str, Any] = {"shape": _shape_yaml(s)}
        if n in deps:
            spec["of"] = deps[n]
        elif chain.conclusion and n not in _variables(trees):
            spec["assume"] = ["constant"]
            p.decisions.append((chain.start, f"{n} is constant in the differentials (only the "
                                             "variable and what is differentiated vary)"))
        data["symbols"][n] = spec
    indices = _indices(" ".join(m.tex for m in chain.members + chain.conclusion), symbols)
    if indices:
        data["indices"] = indices
    if functions:
        data["functions"] = {f: ({"derivative": f + "prime", "applied_to": a} if a
                                 else {"derivative": f + "prime"}) for f, a in functions.items()}
    members = chain.members
    marks = p.marks
    where = note.where
    if chain.conclusion:
        concl = chain.conclusion
        parts = []
        main: dict[str, Any] = {"label": "main", "claim_tex": f"{concl[0].tex} = {concl[1].tex}",
                                "method": "differential", "steps": []}
        marks[("parts", 0, "claim_tex")] = (*where(concl[0].start), "")
        for j, m in enumerate(members[1:]):
            main["steps"].append({"tex": m.tex})
            marks[("parts", 0, "steps", j)] = marks[("parts", 0, "steps", j, "tex")] = (*where(m.start), "")
            p.steps.append(m.start)
        lhs, first = trees[len(members)], trees[len(members) + 1]
        start = trees[0]
        if isinstance(lhs, Call) and lhs.func == "D" and isinstance(lhs.args[1], Name):
            wrt = lhs.args[1].name
            if start != Call("d", (lhs.args[0],)):
                p.findings.append(Finding(members[0].start, f"the chain starts at {unparse(start)} but its "
                                          f"conclusion is about ∂({unparse(lhs.args[0])})/∂{wrt}"))
            shape = symbols.get(wrt, (1, 1))
            if identified(trees[len(members) - 1], wrt, shape, layout) != first:
                form = f"({unparse(first)}).T @ d({wrt})" if layout != "numerator" else f"({unparse(first)}) @ d({wrt})"
                if shape[1] != 1:
                    form = f"tr({form})"
                j = len(main["steps"])
                main["steps"].append({"expr": form, "by": "identification",
                                      "note": "added by docgen audit: the conclusion's form"})
                marks[("parts", 0, "steps", j)] = marks[("parts", 0, "steps", j, "expr")] = (*where(concl[0].start), "")
                p.added = concl[0].start
        parts.append(main)
        if len(concl) > 2:
            rest = {"label": "conclusion", "claim_tex": f"{concl[1].tex} = {concl[-1].tex}", "steps": []}
            marks[("parts", 1, "claim_tex")] = (*where(concl[1].start), "")
            for j, m in enumerate(concl[2:]):
                rest["steps"].append({"tex": m.tex})
                marks[("parts", 1, "steps", j)] = marks[("parts", 1, "steps", j, "tex")] = (*where(m.start), "")
                p.steps.append(m.start)
            parts.append(rest)
        data["parts"] = parts
        marks[("parts",)] = (*where(chain.start), "")
    else:
        data["claim_tex"] = f"{members[0].tex} = {members[-1].tex}"
        marks[("claim_tex",)] = (*where(members[0].start), "")
        if len(members) > 2:
            data["steps"] = []
            for j, m in enumerate(members[1:]):
                data["steps"].append({"tex": m.tex})
                marks[("steps", j)] = marks[("steps", j, "tex")] = (*where(m.start), "")
                p.steps.append(m.start)
    marks[()] = (*where(chain.start), "")
    p.data = data


def _name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
