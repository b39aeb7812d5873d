"""Loaded data -> Derivation model: names, parsing and shapes, once the schema is met (schema.py).

All problems of a file are collected and reported together, each with its line.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable

from ..model.errors import DocgenError, Location, ModelError, ParseError, raise_all
from ..model.expr import BinOp, Call, Name, Node, Transpose, index_names
from .load import Document
from .schema import schema, validate  # noqa: F401  (schema: re-exported)
from ..model.derivation import (
    SCALAR,
    Assumption,
    CheckSettings,
    Definition,
    Derivation,
    DimSpec,
    Example,
    Expr,
    Function,
    Part,
    Shape,
    Source,
    Step,
    Symbol,
    size_of,
)
from ..lang.parse import BUILTINS, INTERNAL, parse_expr, split_equation
from ..lang.shapes import OPEN, Scope, infer, show
from ..model.expr import unparse

RESERVED = frozenset(BUILTINS) | INTERNAL | {"T", "t", "pi", "e", "E", "I"}


def build_derivation(doc: Document) -> Derivation:
    """Validate a loaded document and build its model.

    Raises:
        DocgenError: every problem found, each with file and line.
    """
    validate(doc)
    return _Builder(doc).build()


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.errors: list[DocgenError] = []
        self.scope = Scope(symbols={}, layout=self.data.get("layout", "denominator"))
        self.chain_indices: tuple[str, ...] = ()
        self.tex = self.data.get("input", "expr") == "tex"  # claims, steps, definitions written in LaTeX

    def collect(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except DocgenError as exc:
            self.errors.append(exc)
            return None

    def expr(self, text: str, *keys: Any, offset: int = 0, expect: Shape | None = None,
             tex: bool = False) -> Expr:
        loc = self.doc.text_loc(*keys).shifted(offset)
        if tex:
            from ..lang.latex import from_scope, read_expr  # only for files with LaTeX: it loads SymPy's tables

            reading = read_expr(text, from_scope(self.scope), loc)
            return self.tex_expr(reading.tree, loc, reading.decisions, expect)
        tree = parse_expr(text, loc)
        shape = infer(tree, self.scope, loc)
        if expect is not None and shape != expect:
            raise ModelError(f"expression has shape {show(shape)}, expected {show(expect)}", loc)
        return Expr(text.strip(), tree, loc, shape)

    def tex_expr(self, tree: Node, loc: Location, decisions: tuple, expect: Shape | None = None) -> Expr:
        """An expression read from LaTeX: its text is the tree in docgen's syntax (what reports show);
        its columns point into the LaTeX; the reader's decisions go with it."""
        shape = infer(tree, self.scope, loc)
        if expect is not None and shape != expect:
            raise ModelError(f"expression has shape {show(shape)}, expected {show(expect)}", loc)
        read_as = tuple(f"{loc.shifted(d.col)}: {d.text}" for d in decisions)
        return Expr(unparse(tree), tree, loc, shape, read_as=read_as)

    def build(self) -> Derivation:
        d = self.data
        dims = self.dims()
        self.scope.dims = frozenset(dims)
        self.scope.smallest = {n: min(*d.sizes, d.numeric) for n, d in dims.items()}
        indices = self.indices(dims)
        self.scope.indices = indices
        symbols = self.symbols(dims)
        self.scope.symbols = symbols
        functions = self.functions()
        self.check_names(dims, symbols, functions, indices)
        definitions = self.definitions()
        assumptions = self.assumptions()
        parts = self.parts()
        example = self.collect(lambda: self.example(dims, symbols, functions)) if "example" in d else None
        self.errors.sort(key=lambda e: (e.location.line, e.location.column) if e.location else (0, 0))
        raise_all(self.errors)
        check = d.get("check", {})
        return Derivation(
            id=d["id"],
            title=d["title"],
            path=self.doc.path,
            language=d.get("language", "en"),
            summary=d.get("summary", ""),
            tags=tuple(d.get("tags", ())),
            sources=tuple(Source(**s) for s in d.get("sources", ())),
            layout=d.get("layout", "denominator"),
            dims=dims,
            indices=indices,
            symbols=symbols,
            functions=functions,
            definitions=definitions,
            assumptions=tuple(assumptions),
            parts=tuple(parts),
            example=example,
            check=CheckSettings(
                budget=float(check.get("budget", CheckSettings.budget)),
                probes=int(check.get("probes", CheckSettings.probes)),
                seed=int(check.get("seed", CheckSettings.seed)),
            ),
            loc=self.doc.loc(),
            digest=self.doc.digest,
        )

    # -- declarations ---------------------------------------------------------------------
    def dims(self) -> dict[str, DimSpec]:
        out: dict[str, DimSpec] = {}
        for k, (name, spec) in enumerate(self.data.get("dims", {}).items()):
            sizes = tuple(spec.get("sizes", (2 + k, 3 + k)))
            if all(s == 1 for s in sizes):
                self.errors.append(ModelError(
                    f"dims/{name}: exact-check sizes are all 1; many wrong matrix claims hold at size 1",
                    self.doc.loc("dims", name)))
            out[name] = DimSpec(name, sizes, spec.get("numeric", max(sizes) + 4 + k), spec.get("description", ""))
        counts = {len(d.sizes) for d in out.values()}
        if len(counts - {1}) > 1:
            self.errors.append(ModelError(
                "dims: every dimension lists the same number of sizes (or one), checked together",
                self.doc.loc("dims")))
        return out

    def indices(self, dims: dict[str, DimSpec]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, dim in self.data.get("indices", {}).items():
            if dim not in dims:
                self.errors.append(ModelError(f"indices/{name}: unknown dimension {dim!r}; an index ranges "
                                              "over a dimension declared under dims", self.doc.loc("indices", name)))
            out[name] = dim
        return out

    def free(self, e: Expr) -> tuple[str, ...]:
        """The index variables free in e, in declaration order."""
        return tuple(n for n in self.scope.indices if n in index_names(e.tree))

    def no_free_indices(self, e: Expr, what: str) -> None:
        free = self.free(e)
        if free:
            raise ModelError(f"{what} has the free index {', '.join(free)}: only claims and steps hold "
                             "for every index value; bind it with sum(...), matrix(...) or vector(...)", e.loc)
        if e.shape == OPEN:
            raise ModelError(f"{what} is a matrix with '...': such a matrix may only be a side of a claim "
                             "or a step", e.loc)

    def symbols(self, dims: dict[str, DimSpec]) -> dict[str, Symbol]:
        out: dict[str, Symbol] = {}
        raw = self.data.get("symbols", {})
        for name, spec in raw.items():
            shape = self.shape(spec["shape"], dims, ("symbols", name, "shape"))
            of = tuple(spec.get("of", ()))
            for dep in of:
                target = raw.get(dep)
                if target is None or "of" in target:
                    self.errors.append(ModelError(
                        f"symbols/{name}: 'of' names {dep!r}, which is not an independent symbol",
                        self.doc.loc("symbols", name, "of")))
            assume = frozenset(spec.get("assume", ()))
            square = assume & {"symmetric", "invertible", "positive-definite"}
            if square and (shape[0] != shape[1] or shape == SCALAR):
                self.errors.append(ModelError(
                    f"symbols/{name}: {' and '.join(sorted(square))} needs a square matrix, "
                    f"not {show(shape)}", self.doc.loc("symbols", name, "assume")))
            if "positive-definite" in assume:  # xᵀAx > 0 for x ≠ 0: symmetric, invertible too
                assume |= {"symmetric", "invertible"}
            default_style = "plain" if shape == SCALAR else ("vec" if shape[1] == 1 else "bold")
            out[name] = Symbol(name, shape, of, assume, spec.get("style", default_style),
                               spec.get("description", ""), self.doc.loc("symbols", name))
        return out

    def shape(self, spec: Any, dims: dict[str, DimSpec], keys: tuple) -> Shape:
        if spec == "scalar":
            return SCALAR
        parts = list(spec) + [1] * (2 - len(spec))
        for p in parts:
            if isinstance(p, str) and p not in dims:
                self.errors.append(ModelError(f"unknown dimension {p!r}; declare it under dims", self.doc.loc(*keys)))
        return (parts[0], parts[1])

    def functions(self) -> dict[str, Function]:
        out: dict[str, Function] = {}
        for name, spec in self.data.get("functions", {}).items():
            fn = Function(name, spec.get("derivative", name + "prime"), spec.get("description", ""))
            out[name] = fn
            self.scope.functions[name] = name
            self.scope.functions[fn.derivative] = name
            if "applied_to" in spec:  # LaTeX: f_k written alone is an entry of f(x)
                self.scope.applied[name] = spec["applied_to"]
        return out

    def check_names(self, dims: dict, symbols: dict, functions: dict[str, Function],
                    indices: dict[str, str]) -> None:
        seen: dict[str, str] = {}
        groups = [("dims", list(dims)), ("indices", list(indices)), ("symbols", list(symbols)),
                  ("functions", [n for f in functions.values() for n in (f.name, f.derivative)]),
                  ("definitions", list(self.data.get("definitions", {})))]
        for section, names in groups:
            for name in names:
                if name in RESERVED:
                    self.errors.append(ModelError(f"{section}/{name}: {name!r} is a reserved name", self.doc.loc(section, name)))
                elif name in seen:
                    self.errors.append(ModelError(
                        f"{section}/{name}: {name!r} is already declared under {seen[name]}", self.doc.loc(section, name)))
                else:
                    seen[name] = section

    def definitions(self) -> dict[str, Definition]:
        out: dict[str, Definition] = {}
        for name, spec in self.data.get("definitions", {}).items():
            spec = {"expr": spec} if isinstance(spec, str) else spec
            keys = ("definitions", name) if isinstance(self.data["definitions"][name], str) else ("definitions", name, "expr")
            e = self.collect(lambda: self.expr(spec["expr"], *keys, tex=self.tex))
            if e is None:
                continue
            used = {n.name for n in e.tree.walk() if isinstance(n, Name)}
            if not self.collect(lambda: self.no_free_indices(e, f"definitions/{name}") or True):
                continue
            if name in used:
                self.errors.append(ModelError(f"definitions/{name}: defined in terms of itself", e.loc))
                continue
            default_style = "plain" if e.shape == SCALAR else ("vec" if e.shape[1] == 1 else "bold")
            out[name] = Definition(name, e, spec.get("note", ""), spec.get("style", default_style))
            self.scope.definitions[name] = e.shape
        return out

    def equation(self, text: str, *keys: Any, tex: bool = False) -> tuple[Expr, Expr]:
        loc = self.doc.text_loc(*keys)
        if tex:
            from ..lang.latex import from_scope, read_equation  # as above: only when needed

            ra, rb = read_equation(text, from_scope(self.scope), loc)
            decisions = ra.decisions
            a = self.tex_expr(ra.tree, loc.shifted(ra.col), ())
            b = self.tex_expr(rb.tree, loc.shifted(rb.col), decisions)
            a = Expr(a.text, a.tree, loc, a.shape, read_as=b.read_as)
            b = Expr(b.text, b.tree, loc, b.shape, read_as=())
        else:
            lhs, lo, rhs, ro = split_equation(text, loc)
            a = self.expr(lhs, *keys, offset=lo)
            b = self.expr(rhs, *keys, offset=ro)
        if a.shape == OPEN and b.shape == OPEN:
            raise ModelError("both sides are matrices with '...': one side must give the shape", loc)
        if a.shape == OPEN:
            a = self.resolve(a, b.shape)
        if b.shape == OPEN:
            b = self.resolve(b, a.shape)
        if self.free(a) != self.free(b):
            raise ModelError(f"the two sides have different free indices: {{{', '.join(self.free(a))}}} and "
                             f"{{{', '.join(self.free(b))}}}; an equation about entries holds for every value "
                             "of the same indices on both sides", loc)
        if self.free(a) and a.shape != SCALAR:
            raise ModelError(f"an equation with free indices ({', '.join(self.free(a))}) is about entries: "
                             f"both sides are scalars, got {show(a.shape)}", loc)
        if len(self.free(a)) > 4:
            raise ModelError(f"at most four free indices in an equation, got {', '.join(self.free(a))}", loc)
        if a.shape != b.shape:
            raise ModelError(f"the two sides have different shapes: {show(a.shape)} and {show(b.shape)}", loc)
        return a, b

    def resolve(self, e: Expr, shape: Shape) -> Expr:
        """A matrix with '...' takes the shape of the other side (a column literal a column)."""
        if shape == SCALAR:
            raise ModelError("a matrix with '...' stands for a vector or a matrix, but the other side is a scalar", e.loc)
        if getattr(e.tree, "column", False) and shape[1] != 1:
            raise ModelError(f"a column vector with '...' cannot equal a {show(shape)} matrix", e.loc)
        return Expr(e.text, e.tree, e.loc, shape)

    def assumptions(self) -> list[Assumption]:
        out = []
        for i, text in enumerate(self.data.get("assumptions", ())):
            eq = self.collect(lambda: self.equation(text, "assumptions", i, tex=self.tex))
            if eq and not self.collect(lambda: [self.no_free_indices(x, "an assumption") for x in eq]):
                continue
            if eq:
                out.append(Assumption(eq[0], eq[1], text, self.doc.loc("assumptions", i)))
        return out

    # -- claims and chains ------------------------------------------------------------------
    def parts(self) -> list[Part]:
        d = self.data
        if "parts" in d:
            raw = [(("parts", i), p) for i, p in enumerate(d["parts"])]
        else:
            raw = [((), {k: d[k] for k in ("claim", "claim_tex", "method", "wrt", "steps") if k in d})]
        out = []
        labels: set[str] = set()
        for i, (prefix, spec) in enumerate(raw):
            label = spec.get("label", f"part-{i + 1}" if len(raw) > 1 else "main")
            if label in labels:
                self.errors.append(ModelError(f"duplicate part label {label!r}", self.doc.loc(*prefix)))
            labels.add(label)
            part = self.collect(lambda: self.part(prefix, spec, label))
            if part is not None:
                out.append(part)
        return out

    def part(self, prefix: tuple, spec: dict, label: str) -> Part:
        claim_key = "claim_tex" if "claim_tex" in spec else "claim"
        try:
            lhs, rhs = self.equation(spec[claim_key], *prefix, claim_key,
                                     tex=claim_key == "claim_tex" or self.tex)
        except DocgenError:
            # still report the steps' own problems, then the claim's
            for j, raw in enumerate(spec.get("steps", ())):
                self.collect(lambda: self.step(raw, (*prefix, "steps", j), None))
            raise
        method = spec.get("method", "chain")
        wrt = spec.get("wrt", "")
        raw_steps = spec.get("steps", ())  # none: a bare identity, checked as one link
        if method == "differential" and not raw_steps:
            raise ModelError("a differential proof needs steps: the chain from d(f) to the form "
                             "from which ∂f/∂x is read off (or leave out 'method' to check the "
                             "claim directly)", self.doc.loc(*prefix, "claim"))
        start_shape = lhs.shape
        self.chain_indices = self.free(lhs)
        if method == "differential" and self.chain_indices:
            raise ModelError("a differential proof is about whole matrices; state a claim with free "
                             "indices as a chain", lhs.loc)
        if method == "differential":
            if not (isinstance(lhs.tree, Call) and lhs.tree.func == "D"):
                raise ModelError("a differential proof needs a claim of the form D(f, x) = ...", lhs.loc)
            fnode, xnode = lhs.tree.args
            if not isinstance(xnode, Name):
                raise ModelError("a differential proof identifies D(f, x) for a whole symbol x, not an entry", lhs.loc)
            wrt = wrt or xnode.name
            if wrt != xnode.name:
                raise ModelError(f"wrt: {wrt!r} differs from the claim's variable {xnode.name!r}", lhs.loc)
            start_shape = infer(fnode, self.scope, lhs.loc)
        steps = []
        for j, raw in enumerate(raw_steps):
            keys = (*prefix, "steps", j)
            step = self.collect(lambda: self.step(raw, keys, start_shape))
            if step is not None:
                steps.append(step)
        if steps and len(steps) == len(raw_steps):
            last = steps[-1].expr
            if method == "chain" and last.tree != rhs.tree:
                raise ModelError(
                    f"the chain ends at '{last.text}', not at the claim's right-hand side '{rhs.text}'", last.loc)
            if method == "differential":
                found = identified(last.tree, wrt, self.scope.symbols[wrt].shape, self.scope.layout)
                if found is None:
                    form = "(R).T @ d(x)" if self.scope.layout == "denominator" else "R @ d(x)"
                    raise ModelError(f"a differential chain must end in the form {form} (or tr(...) of it "
                                     f"for a matrix) so that ∂f/∂{wrt} = R can be read off", last.loc)
                if found != rhs.tree:
                    raise ModelError(f"the differential identifies ∂f/∂{wrt} as something other than the "
                                     f"claim's right-hand side '{rhs.text}'", last.loc)
        return Part(label, spec.get("title", ""), spec.get("note", ""), lhs, rhs, method, wrt,
                    tuple(steps), self.doc.loc(*prefix, claim_key))

    def step(self, raw: Any, keys: tuple, shape: Shape | None) -> Step:
        if isinstance(raw, str):
            raw, ekeys = {"expr": raw}, keys
        else:
            ekeys = (*keys, "tex" if "tex" in raw else "expr")
        tex = "tex" in raw or self.tex
        e = self.expr(raw["tex"] if "tex" in raw else raw["expr"], *ekeys, tex=tex)
        if e.shape == OPEN and shape is not None:
            e = self.resolve(e, shape)
        if shape is not None and self.free(e) != self.chain_indices:
            raise ModelError(f"step has the free indices {{{', '.join(self.free(e))}}}, but the claim has "
                             f"{{{', '.join(self.chain_indices)}}}", e.loc)
        if shape is not None and e.shape != shape:
            raise ModelError(f"step has shape {show(e.shape)}, but the chain has shape {show(shape)}", e.loc)
        return Step(e, raw.get("by", ""), raw.get("note", ""), self.doc.loc(*keys))

    # -- the worked example ---------------------------------------------------------------
    def example(self, dims: dict[str, DimSpec], symbols: dict[str, Symbol], functions: dict[str, Function]) -> Example:
        spec = self.data["example"]
        sizes = {n: d.sizes[0] for n, d in dims.items()}
        for n, v in spec.get("sizes", {}).items():
            if n not in dims:
                raise ModelError(f"example/sizes: unknown dimension {n!r}", self.doc.loc("example", "sizes", n))
            sizes[n] = v
        values = {}
        for name, raw in spec.get("values", {}).items():
            sym = symbols.get(name)
            where = self.doc.loc("example", "values", name)
            if sym is None or sym.generic:
                raise ModelError(f"example/values: {name!r} is not an independent symbol", where)
            values[name] = _matrix_value(raw, size_of(sym.shape, sizes), where)
        diffs = {}
        for name, raw in spec.get("differentials", {}).items():
            sym = symbols.get(name)
            where = self.doc.loc("example", "differentials", name)
            if sym is None or not sym.variable:
                raise ModelError(f"example/differentials: {name!r} is not a variable symbol", where)
            diffs[name] = _matrix_value(raw, size_of(sym.shape, sizes), where)
        missing = [n for n, s in symbols.items() if not s.generic and n not in values]
        if missing:
            raise ModelError(f"example/values: give a value for {', '.join(missing)}", self.doc.loc("example"))
        funcs = {}
        needed = [n for n, s in symbols.items() if s.generic] + list(functions)
        for name in needed:
            if name not in spec.get("functions", {}):
                raise ModelError(f"example/functions: give a concrete function for {name!r}", self.doc.loc("example"))
        for name, text in spec.get("functions", {}).items():
            keys = ("example", "functions", name)
            if name in functions:
                saved = self.scope.locals
                self.scope.locals = {"t": SCALAR}
                try:
                    funcs[name] = self.expr(text, *keys, expect=SCALAR)
                finally:
                    self.scope.locals = saved
                if {n.name for n in funcs[name].tree.walk() if isinstance(n, Name)} - {"t"}:
                    raise ModelError(f"example/functions/{name}: an elementwise function uses only t", self.doc.loc(*keys))
            elif name in symbols and symbols[name].generic:
                funcs[name] = self.expr(text, *keys, expect=symbols[name].shape)
                extra = _free_names(funcs[name].tree) - set(symbols[name].of)
                if extra:
                    raise ModelError(f"example/functions/{name}: may use only {', '.join(symbols[name].of)}, "
                                     f"not {', '.join(sorted(extra))}", self.doc.loc(*keys))
            else:
                raise ModelError(f"example/functions: {name!r} is not a generic function", self.doc.loc(*keys))
        return Example(sizes, values, funcs, spec.get("digits", 4), spec.get("note", ""),
                       self.doc.loc("example"), diffs)


def _free_names(tree: Node) -> set[str]:
    names = set()
    for n in tree.walk():
        if isinstance(n, Name):
            names.add(n.name)
    # dimension names inside ones(n) are sizes, not values
    for n in tree.walk():
        if isinstance(n, Call) and n.func in ("ones", "zeros", "eye"):
            names -= {a.name for a in n.args if isinstance(a, Name)}
    return names


def _matrix_value(raw: Any, shape: tuple[int, int], where: Location) -> tuple[tuple[Fraction, ...], ...]:
    rows, cols = shape
    if not isinstance(raw, list):
        raw = [raw]
    if cols == 1 and all(not isinstance(r, list) for r in raw):
        raw = [[r] for r in raw]
    elif rows == 1 and len(raw) == cols and all(not isinstance(r, list) for r in raw):
        raw = [raw]
    if len(raw) != rows or any(not isinstance(r, list) or len(r) != cols for r in raw):
        raise ModelError(f"value does not have shape {rows}×{cols}", where)
    return tuple(tuple(_fraction(v, where) for v in row) for row in raw)


def _fraction(v: Any, where: Location) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ModelError(f"value {v!r} is not a number", where)
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        raise ModelError(f"value {v!r} is not finite", where)
    try:
        out = Fraction(str(v))
    except (ValueError, ZeroDivisionError):
        raise ModelError(f"value {v!r} is not a number", where) from None
    if abs(out.numerator) > 10**12 or out.denominator > 10**12:
        raise ModelError(f"value {v!r} is too large", where)
    return out


def identified(tree: Node, wrt: str, shape: Shape, layout: str) -> Node | None:
    """R from a differential written as R.T @ d(x) (denominator) or R @ d(x) (numerator),
    or tr(...) of that for a matrix variable; None when the tree has another form."""
    node = tree
    if shape[1] != 1:
        if not (isinstance(node, Call) and node.func == "tr"):
            return None
        node = node.args[0]
    if not (isinstance(node, BinOp) and node.op == "@"):
        return None
    dx = node.right
    if not (isinstance(dx, Call) and dx.func == "d" and dx.args == (Name(wrt),)):
        return None
    if layout == "numerator":
        return node.left
    return node.left.arg if isinstance(node.left, Transpose) else None


__all__ = ["build_derivation", "schema", "identified", "ParseError"]
