"""Verdicts: the result of checking one link, with its evidence. No SymPy needed to read them."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.errors import Location
from ..model.expr import Call, unparse
from ..model.derivation import Derivation, Expr, Part

PROVEN_ALL = "proven-all"  # for every size: identical once definitions are expanded
PROVEN = "proven"  # exact, at the listed sizes
NUMERIC = "numeric"  # numeric evidence only
UNDECIDED = "undecided"  # could not be checked: no decision and no evidence (see Policy)
FAILED = "failed"
STATUSES = (PROVEN_ALL, PROVEN, NUMERIC, UNDECIDED, FAILED)


@dataclass(frozen=True)
class Policy:
    """Which verdicts pass. The default: a link passes when it is proven (for every size or at
    the listed sizes) or has numeric evidence (random points and numeric derivatives agree);
    it fails when refuted, and also when it could not be checked at all (budget spent, worker
    dead or out of memory, no finite point): no evidence is not a pass.

    `allow_undecided` (`--allow-undecided`) lets links that could not be checked pass; the
    documents then mark them "not checked". `strict` (`--strict`) passes only symbolic proofs:
    numeric evidence alone and undecided links fail, whatever `allow_undecided` says."""

    strict: bool = False
    allow_undecided: bool = False

    def accepts(self, link: Link) -> bool:
        if link.kind == "identification" or link.status in (PROVEN_ALL, PROVEN):
            return True
        if link.status == NUMERIC:
            return not self.strict
        if link.status == UNDECIDED:
            return self.allow_undecided and not self.strict
        return False

    def why_not(self, link: Link) -> str:
        """Why `accepts(link)` is False, for a report line ('' when it is accepted)."""
        if self.accepts(link):
            return ""
        if link.status == FAILED:
            return "refuted"
        if self.strict:
            return "--strict passes only symbolic proofs"
        return "could not be checked (--allow-undecided accepts it; documents then say 'not checked')"


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Witness:
    """A concrete point where the two sides differ, with both values."""

    sizes: dict[str, int]
    point: dict[str, str]
    left: str
    right: str
    exact: bool
    entry: tuple[int, int]
    where: str = ""  # the entry in the user's terms: "i = 2, k = 1", "entry (1, n) as written: ..."

    def position(self, word: str = "entry") -> str:
        """Where the sides differ: `where`, or "entry (i, j)" (1-based)."""
        return self.where or f"{word} ({self.entry[0] + 1}, {self.entry[1] + 1})"


@dataclass
class Link:
    """One equality A = B that was checked."""

    part: str
    index: int  # 0: claim; 1..k: step k (joins step k-1, or the start, to step k)
    kind: str  # "claim" | "step" | "identification"
    left: Expr
    right: Expr
    loc: Location | None
    status: str = UNDECIDED
    sizes: list[dict[str, int]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    witness: Witness | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Not refuted (it may still not pass: see Policy)."""
        return self.status != FAILED

    def verdict(self, language: str = "en") -> str:
        """Compact wording of the verdict, e.g. 'proven at n ∈ {2, 3, 4}' (or in Chinese)."""
        words = _VERDICTS["zh" if language == "zh" else "en"]
        if self.kind == "identification":
            return words["identification"]
        if self.status == PROVEN:
            return words[PROVEN].format(sizes=format_sizes(self.sizes))
        return words[self.status]


_VERDICTS = {
    "en": {
        "identification": "identification (structural: the differential has the form (∂f/∂x)ᵀ dx)",
        PROVEN_ALL: "proven for all sizes",
        PROVEN: "proven at {sizes}",
        NUMERIC: "numeric evidence only",
        FAILED: "failed",
        UNDECIDED: "could not be checked",
    },
    "zh": {
        "identification": "辨识（结构：微分形如 (∂f/∂x)ᵀ dx）",
        PROVEN_ALL: "对所有维数成立",
        PROVEN: "已在 {sizes} 上精确证明",
        NUMERIC: "仅有数值证据",
        FAILED: "不成立",
        UNDECIDED: "未能检验",
    },
}


def format_sizes(assignments: list[dict[str, int]]) -> str:
    if not assignments or not assignments[0]:
        return "the declared sizes"
    names = list(assignments[0])
    if len(names) == 1:
        return f"{names[0]} ∈ {{{', '.join(str(a[names[0]]) for a in assignments)}}}"
    tuples = ", ".join("(" + ", ".join(str(a[n]) for n in names) + ")" for a in assignments)
    return f"({', '.join(names)}) ∈ {{{tuples}}}"


@dataclass
class ExampleResult:
    """Values of the inputs, the definitions and each chain expression (floats, by rows)."""

    sizes: dict[str, int]
    inputs: dict[str, list[list[float]]]
    # (differential values used are in Example.differentials or all ones)
    definitions: dict[str, list[list[float]]]
    parts: dict[str, list[list[list[float]]]]  # part label -> [start, step 1, ...]
    claims: dict[str, list[list[float]]] = field(default_factory=dict)  # part label -> lhs value
    # part label -> per chain expression [start, step 1, ...], the values of its terms when it is
    # a sum of two or more (`summands`), else []
    terms: dict[str, list[list[list[list[float]]]]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    fd_agree: bool = True


def chain_links(der: Derivation) -> list[Link]:
    """Every link of every part, unchecked, in document order (steps, then the claim)."""
    out: list[Link] = []
    for part in der.parts:
        prev = chain_start(part)
        for k, step in enumerate(part.steps, 1):
            out.append(Link(part.label, k, "step", prev, step.expr, step.expr.loc))
            prev = step.expr
        if part.method == "differential":
            out.append(Link(part.label, len(part.steps) + 1, "identification", prev, part.rhs, prev.loc,
                            status=PROVEN_ALL,
                            evidence=["df = (∂f/∂x)ᵀ dx holds for every differential dx, so ∂f/∂x is read off"]))
        out.append(Link(part.label, 0, "claim", part.lhs, part.rhs, part.loc))
    return out


def chain_start(part: Part) -> Expr:
    """The first expression of a chain: the claim's left side, or d(f) for a differential proof."""
    if part.method != "differential":
        return part.lhs
    tree = part.lhs.tree
    assert isinstance(tree, Call)
    start = Call("d", (tree.args[0],))
    shape = part.steps[0].expr.shape if part.steps else part.lhs.shape
    return Expr(unparse(start), start, part.lhs.loc, shape)
