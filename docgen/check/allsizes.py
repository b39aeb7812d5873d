"""Proofs for every size: both sides of a link in index notation, with the sizes as symbols.

Entry (i, j) of every expression is built from the tree with symbolic dimensions: a matrix
product is Σ_k over the symbolic size, diag(v) is δ_ij v_i, a derivative by x_i is SymPy's
derivative of indexed entries (which yields Kronecker deltas); a derivative by an intermediate
z := expr makes z's entries unknowns, then gives them their values again; a differential d(f)
is Σ ∂f/∂v_kl dv_kl over the entries of every non-constant symbol. Then sums over a delta collapse
(Σ_k δ_ik f(k) = f(i)), a sum whose body does not depend on its index becomes n times the body,
the remaining δ_ij between the free indices is split into the cases i = j and i ≠ j, and in
each case sums (compared up to the order and names of their indices), entries and function
applications become independent symbols: a zero
rational function there is zero for every n, i and j. Constructs without an index form here
(det, inv, generic functions of whole vectors) raise `Unsupported`: those links
keep their verdicts at the concrete sizes.
"""

from __future__ import annotations

from itertools import count

import sympy as sp

from .concrete import ELEMENTWISE_SYMPY, GenericFunction
from ..model.errors import Location
from .exact import Atomizer
from .rational import is_zero
from ..model.expr import BinOp, Call, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose, index_names
from ..model.derivation import Derivation
from ..lang.shapes import derivation_scope, infer
from .sums import Unsupported, canonical, collapse, positive


class IndexForm:
    """Entries of a derivation's expressions with symbolic sizes."""

    def __init__(self, der: Derivation):
        self.der = der
        self.dims = {n: sp.Symbol(n, integer=True, positive=True) for n in der.dims}
        self.bases = {}
        self.scalars = {}
        for name, sym in der.symbols.items():
            if sym.generic:
                continue
            if sym.shape == (1, 1):
                self.scalars[name] = sp.Symbol(name, real=True)
            else:
                self.bases[name] = sp.IndexedBase(name)
        self.generic = {fn.name: GenericFunction(fn.name) for fn in der.functions.values()}
        self._fresh = count()
        self._entries: dict[tuple, sp.Expr] = {}
        self._free: dict[str, sp.Basic] = {}  # definitions standing for themselves (D by them)
        self._dbases: dict[str, sp.Basic] = {}  # differentials dx of the symbols
        # shapes of sub-trees are needed for products: inferred with the derivation's own scope
        self.scope = derivation_scope(der)
        self.env: dict[str, sp.Expr] = {}  # index variable -> the index it stands for here

    def size(self, d) -> sp.Expr:  # noqa: ANN001
        return sp.Integer(d) if isinstance(d, int) else self.dims[d]

    def index(self) -> sp.Symbol:
        return sp.Dummy(f"k{next(self._fresh)}", integer=True)

    def entry(self, node: Node, shape: tuple, i: sp.Expr, j: sp.Expr) -> sp.Expr:
        """Entry (i, j) of node, whose shape is `shape` (dims as names or ints); remembered, as
        the links of a chain share their sides (a summation index inside is bound, so sharing
        it between uses is harmless)."""
        key = (node, shape, i, j)
        if self.env:  # entries depend on the index variables free in them
            used = index_names(node)
            if used:
                key = (*key, tuple(sorted((k, v) for k, v in self.env.items() if k in used)))
        hit = self._entries.get(key)
        if hit is None:
            hit = self._entries[key] = getattr(self, "_" + type(node).__name__)(node, shape, i, j)
        return hit

    def shape(self, node: Node) -> tuple:
        return infer(node, self.scope, Location("<index>"))

    # -- entries and index variables ----------------------------------------------------------
    def idx(self, ix: Node) -> sp.Expr:
        """An index in index notation: a bound variable's index, an integer, a size (n - c)."""
        if isinstance(ix, Num):
            return sp.Integer(int(ix.value))
        if isinstance(ix, BinOp):
            return self.idx(ix.left) - int(ix.right.value)  # type: ignore[attr-defined]
        assert isinstance(ix, Name)
        if ix.name in self.env:
            return self.env[ix.name]
        if ix.name in self.dims:
            return self.dims[ix.name]
        raise Unsupported(f"a free index {ix.name}")  # entry_trees binds every free index

    def _Entry(self, node: Entry, shape, i, j):  # noqa: ANN001
        sb = self.shape(node.base)
        at = [self.idx(x) for x in node.indices]
        if len(at) == 2:
            return self.entry(node.base, sb, at[0], at[1])
        return self.entry(node.base, sb, *((at[0], 0) if sb[1] == 1 else (0, at[0])))

    def _Literal(self, node: Literal, shape, i, j):  # noqa: ANN001
        raise Unsupported("a matrix literal has a fixed size")

    def bound(self, names: list[str], values: list[sp.Expr], body: Node, shape, i, j):  # noqa: ANN001
        saved = self.env
        self.env = {**saved, **dict(zip(names, values))}
        try:
            return self.entry(body, shape, i, j)
        finally:
            self.env = saved

    def _indexed_call(self, node: Call, shape, i, j):  # noqa: ANN001
        f = node.func
        if f == "delta":
            return sp.KroneckerDelta(*(self.idx(a) for a in node.args))
        if f == "basis":
            return sp.KroneckerDelta(i, self.idx(node.args[1]))
        *binders, body = node.args
        names = [b.name for b in binders]  # type: ignore[attr-defined]
        if f == "sum":
            k = self.index()
            inner = self.bound(names, [k], body, shape, i, j)
            return sp.Sum(inner, (k, 1, self.size(self.der.indices[names[0]])))
        values = [i, j] if f == "matrix" else [i]
        return self.bound(names, values, body, (1, 1), 0, 0)

    def _Num(self, node: Num, shape, i, j):  # noqa: ANN001
        return sp.Rational(node.value.numerator, node.value.denominator)

    def _Name(self, node: Name, shape, i, j):  # noqa: ANN001
        name = node.name
        free = self._free.get(name)
        if free is not None:
            return _entry_of(free, self.der.definitions[name].expr.shape, i, j)
        if name in self.scalars:
            return self.scalars[name]
        if name in self.bases:
            sym = self.der.symbols[name]
            if "symmetric" in sym.assume:
                raise Unsupported("symmetric matrix")
            return _entry_of(self.bases[name], sym.shape, i, j)
        if name in self.dims:
            return self.dims[name]
        if name in self.der.definitions:
            d = self.der.definitions[name]
            return self.entry(d.expr.tree, d.expr.shape, i, j)
        raise Unsupported(f"generic function {name}")

    def _Neg(self, node: Neg, shape, i, j):  # noqa: ANN001
        return -self.entry(node.arg, shape, i, j)

    def _Transpose(self, node: Transpose, shape, i, j):  # noqa: ANN001
        return self.entry(node.arg, (shape[1], shape[0]), j, i)

    def _Pow(self, node: Pow, shape, i, j):  # noqa: ANN001
        return self.entry(node.base, shape, i, j) ** sp.Rational(node.exp.numerator, node.exp.denominator)

    def _BinOp(self, node: BinOp, shape, i, j):  # noqa: ANN001
        sa, sb = self.shape(node.left), self.shape(node.right)
        if node.op == "**":  # a symbolic exponent
            return self.entry(node.left, sa, i, j) ** self.entry(node.right, sb, 0, 0)
        if node.op in "+-":
            a, b = self.entry(node.left, sa, i, j), self.entry(node.right, sb, i, j)
            return a + b if node.op == "+" else a - b
        if node.op == "@" and sa[1] == sb[0] and not (sa == (1, 1) and sb == (1, 1)):
            if sa[1] == 1:
                return self.entry(node.left, sa, i, 0) * self.entry(node.right, sb, 0, j)
            k = self.index()
            body = self.entry(node.left, sa, i, k) * self.entry(node.right, sb, k, j)
            return sp.Sum(body, (k, 1, self.size(sa[1])))
        a = self.entry(node.left, sa, *((0, 0) if sa == (1, 1) else (i, j)))
        b = self.entry(node.right, sb, *((0, 0) if sb == (1, 1) else (i, j)))
        if node.op == "/":
            return a / b
        return a * b  # scaling, elementwise product, or a 1×1 factor in @

    def _Call(self, node: Call, shape, i, j):  # noqa: ANN001
        f = node.func
        if f in ("delta", "basis", "matrix", "vector") or (f == "sum" and len(node.args) == 2):
            return self._indexed_call(node, shape, i, j)
        if f == "D":
            return self._derivative(node, shape, i, j)
        if f in ("ones", "zeros"):
            return sp.Integer(1 if f == "ones" else 0)
        if f == "eye":
            return sp.KroneckerDelta(i, j)
        if f == "d":
            return self._differential(node.args[0], i, j)
        if f in ("det", "inv", "abs", "kron", "vec"):
            raise Unsupported(f)  # kron and vec: entries at (i mod p, i div p) have no index form here
        if f == "matpow":  # X^k = X X ... X (k ≥ 0; a negative k is a power of inv)
            k = int(node.args[1].value)  # type: ignore[attr-defined]
            if k < 0:
                raise Unsupported("matpow with a negative exponent")
            if k == 0:
                return sp.KroneckerDelta(i, j)
            product = node.args[0]
            for _ in range(k - 1):
                product = BinOp("@", product, node.args[0])
            return self.entry(product, shape, i, j)
        arg = node.args[0]
        sa = self.shape(arg)
        if f in ELEMENTWISE_SYMPY:
            return ELEMENTWISE_SYMPY[f](self.entry(arg, sa, i, j))
        for fn in self.der.functions.values():
            if f in (fn.name, fn.derivative):
                return self.generic[fn.name].order(0 if f == fn.name else 1)(self.entry(arg, sa, i, j))
        if f in ("sum", "norm", "logsumexp", "softmax"):
            k, l2 = self.index(), self.index()
            if f == "softmax":
                total = sp.Sum(sp.exp(self.entry(arg, sa, k, 0)), (k, 1, self.size(sa[0])))
                return sp.exp(self.entry(arg, sa, i, 0)) / total
            inner = self.entry(arg, sa, k, l2 if sa[1] != 1 else 0)
            if f == "norm":
                inner = inner**2
            if f == "logsumexp":
                inner = sp.exp(inner)
            total = sp.Sum(inner, (k, 1, self.size(sa[0])))
            if sa[1] != 1:
                total = sp.Sum(total, (l2, 1, self.size(sa[1])))
            return {"sum": total, "norm": sp.sqrt(total), "logsumexp": sp.log(total)}[f]
        if f == "diag":
            return sp.KroneckerDelta(i, j) * self.entry(arg, sa, i, 0)
        if f == "tr":
            k = self.index()
            return sp.Sum(self.entry(arg, sa, k, k), (k, 1, self.size(sa[0])))
        raise Unsupported(f)

    def _derivative(self, node: Call, shape, i, j):  # noqa: ANN001
        fnode, xnode = node.args
        if isinstance(xnode, Entry):  # ∂f/∂x_k of a scalar f
            return _diff(self.entry(fnode, (1, 1), 0, 0), self.entry(xnode, (1, 1), 0, 0))
        if not isinstance(xnode, Name):
            raise Unsupported("D(f, vec(X))")
        if xnode.name in self.der.definitions:
            return self._derivative_by_intermediate(fnode, xnode.name, shape, i, j)
        if xnode.name not in self.der.symbols:
            raise Unsupported("derivative by an unknown name")
        return _diff(*self._derivative_parts(fnode, xnode, i, j))

    def _differential(self, fnode: Node, i, j):  # noqa: ANN001
        """d(f)_ij = Σ over every non-constant symbol v and its entries: ∂f_ij/∂v_kl · dv_kl (the
        total differential, as the concrete checks read d)."""
        fs = self.shape(fnode)
        e = self.entry(fnode, fs, *((0, 0) if fs == (1, 1) else (i, j)))
        out = []
        for name, sym in self.der.symbols.items():
            if sym.generic or "constant" in sym.assume:
                continue
            rows, cols = sym.shape
            k, l2 = self.index(), self.index()
            v = _entry_of(self.scalars[name] if sym.shape == (1, 1) else self.bases[name], sym.shape, k, l2)
            dv = _entry_of(self._differential_base(name), sym.shape, k, l2)
            limits = ([(k, 1, self.size(rows))] if rows != 1 else []) + \
                ([(l2, 1, self.size(cols))] if cols != 1 else [])
            part = _diff(e, v)
            if part != 0:
                out.append(sp.Sum(part * dv, *limits) if limits else part * dv)
        return sp.Add(*out)

    def _differential_base(self, name: str) -> sp.Basic:
        if name not in self._dbases:
            shape = self.der.symbols[name].shape
            self._dbases[name] = sp.Symbol(f"d{name}", real=True) if shape == (1, 1) \
                else sp.IndexedBase(f"d{name}")
        return self._dbases[name]

    def _derivative_parts(self, fnode: Node, xnode: Name, i, j) -> tuple[sp.Expr, sp.Expr]:  # noqa: ANN001
        """(f's entry, the variable's entry) whose derivative is entry (i, j) of D(f, x)."""
        fs = self.shape(fnode)
        xs = self.shape(xnode)
        if xs == (1, 1) and fs[0] != 1 and fs[1] != 1:  # ∂Y/∂t: Y's shape in both layouts
            return self.entry(fnode, fs, i, j), self.entry(xnode, xs, 0, 0)
        if self.der.layout == "numerator":
            i, j = j, i
        # denominator layout: entry (i, j) is ∂f_j / ∂x_i, or ∂f / ∂X_ij for a scalar f; a row
        # f is read as the column fᵀ
        if fs == (1, 1):
            return self.entry(fnode, fs, 0, 0), self.entry(xnode, xs, i, j)
        at = (j, 0) if fs[1] == 1 else (0, j)
        return self.entry(fnode, fs, *at), self.entry(xnode, xs, i, 0)

    def _derivative_by_intermediate(self, fnode: Node, name: str, shape, i, j):  # noqa: ANN001
        """∂f/∂z for z := expr, as the concrete checks read it: z's entries become free
        unknowns wherever z is used (definitions included), then take their values again."""
        if name in self._free:
            raise Unsupported("nested derivatives by the same intermediate")
        zshape = self.der.definitions[name].expr.shape
        free = sp.Dummy(f"z_{name}", real=True) if zshape == (1, 1) else sp.IndexedBase(sp.Dummy(f"z_{name}"))
        saved_free, saved_entries = self._free, self._entries
        self._free, self._entries = {**saved_free, name: free}, {}  # entries here are not the usual ones
        try:
            d = _diff(*self._derivative_parts(fnode, Name(name), i, j))
        finally:
            self._free, self._entries = saved_free, saved_entries
        tree = self.der.definitions[name].expr.tree
        if zshape == (1, 1):
            return d.xreplace({free: self.entry(tree, zshape, 0, 0)})
        back = {}
        for a in d.atoms(sp.Indexed):
            if a.base == free:
                idx = a.indices
                rows, cols = zshape
                at = (idx[0], idx[1]) if rows != 1 and cols != 1 else (idx[0], 0) if cols == 1 else (0, idx[0])
                back[a] = self.entry(tree, zshape, *at)
        return d.xreplace(back)


def _entry_of(base: sp.Basic, shape: tuple, i, j) -> sp.Expr:  # noqa: ANN001
    """Entry (i, j) of a symbol of `shape`: the scalar itself, x[i], x[j] (a row) or X[i, j]."""
    rows, cols = shape
    if (rows, cols) == (1, 1):
        return base
    return base[i] if cols == 1 else base[j] if rows == 1 else base[i, j]


def _diff(e: sp.Expr, var: sp.Expr) -> sp.Expr:
    """∂e/∂var for an entry var (x[i], X[i, j] or a scalar symbol): the rules SymPy's `diff`
    applies to these expressions (∂x[a]/∂x[i] = δ(a, i), sums and functions by the chain
    rule), without its general machinery, which costs most of the proof's time."""
    memo: dict[sp.Basic, sp.Expr] = {}
    zero = sp.S.Zero

    def d(x: sp.Expr) -> sp.Expr:
        hit = memo.get(x)
        if hit is not None:
            return hit
        if isinstance(x, sp.Indexed):
            if isinstance(var, sp.Indexed) and x.base == var.base and len(x.indices) == len(var.indices):
                out = sp.Mul(*[sp.KroneckerDelta(a, b) for a, b in zip(x.indices, var.indices)])
            else:
                out = zero
        elif x.is_Symbol:
            out = sp.S.One if x == var else zero
        elif not x.args or isinstance(x, sp.KroneckerDelta):
            out = zero
        elif x.is_Add:
            out = sp.Add(*[d(a) for a in x.args])
        elif x.is_Mul:
            args = x.args
            terms = []
            for k, a in enumerate(args):
                da = d(a)
                if da != 0:
                    terms.append(sp.Mul(*args[:k], da, *args[k + 1:]))
            out = sp.Add(*terms)
        elif x.is_Pow:
            base, exp = x.args
            db, de = d(base), d(exp)
            if de != 0:  # b^e = exp(e log b), for a positive base b
                out = x * (de * sp.log(base) + exp * db / base)
            else:
                out = exp * base ** (exp - 1) * db if db != 0 else zero
        elif isinstance(x, sp.Sum):
            db = d(x.function)
            out = sp.Sum(db, *x.limits) if db != 0 else zero
        elif isinstance(x, sp.Function) and len(x.args) == 1:
            du = d(x.args[0])
            out = x.fdiff(1) * du if du != 0 else zero
        else:
            raise Unsupported(f"the derivative of {type(x).__name__}")
        memo[x] = out
        return out

    return d(e)


def supported(der: Derivation, *trees: Node) -> bool:
    """A quick look before any work: no differentials, det, inv, |.|, generic dependents or
    symmetric matrices anywhere (definitions included)."""
    seen: set[str] = set()
    todo = list(trees)
    while todo:
        node = todo.pop()
        for n in node.walk():
            if isinstance(n, Call) and n.func in ("det", "inv", "abs", "kron", "vec"):
                return False
            if isinstance(n, Name) and n.name not in seen:
                seen.add(n.name)
                sym = der.symbols.get(n.name)
                if sym is not None and (sym.generic or "symmetric" in sym.assume):
                    return False
                if n.name in der.definitions:
                    todo.append(der.definitions[n.name].expr.tree)
    return True


def zero_for_all_sizes(form: IndexForm, left: Node, right: Node, shape: tuple,
                       assumptions: list[tuple[Node, Node]]) -> bool:
    """Whether left = right entry by entry for every size and every index."""
    if isinstance(left, Call) and left.func == "table":  # free indices i, j, k, l: symbols
        *names, lbody = left.args
        rbody = right.args[-1]  # type: ignore[attr-defined]
        symbols = [sp.Symbol(n.name, integer=True, positive=True) for n in names]  # type: ignore[attr-defined]
        saved = form.env
        form.env = {**saved, **{n.name: s for n, s in zip(names, symbols)}}  # type: ignore[attr-defined]
        try:
            diff = form.entry(lbody, (1, 1), 0, 0) - form.entry(rbody, (1, 1), 0, 0)
        finally:
            form.env = saved
        free = set(symbols)
    else:
        i, j = sp.Symbol("i", integer=True, positive=True), sp.Symbol("j", integer=True, positive=True)
        rows, cols = shape
        ii = i if rows != 1 else sp.Integer(0)
        jj = j if cols != 1 else sp.Integer(0)
        diff = form.entry(left, shape, ii, jj) - form.entry(right, shape, ii, jj)
        free = {s for s in (ii, jj) if s.is_Symbol}
    diff = canonical(collapse(diff))
    cases = _cases(diff, free, set(form.dims.values()))
    subs = _assumption_substitutions(form, assumptions)
    for case in cases:
        atomizer = Atomizer()
        expr = _atomize_indexed(case.xreplace(subs) if subs else case)
        if not is_zero(atomizer.prepare(expr)):
            return False
    return True


MAX_CASES = 32  # cases of the free indices (i = k or i ≠ k, i = 1 or not, ...) in one proof


def _cases(diff: sp.Expr, free: set, dims: set) -> list[sp.Expr]:
    """The difference in every case of the Kronecker deltas between the free indices, integers
    and sizes (δ(i, j), δ(i, 1), δ(k, n)): in each, the delta is 1 with one index replaced by
    the other, or 0. Entries of different indices then stand for independent unknowns, which is
    sound: a zero that holds for independent unknowns holds when some are equal."""
    todo, out = [diff], []
    while todo:
        e = todo.pop()
        deltas = sorted((d for d in e.atoms(sp.KroneckerDelta)
                         if d.free_symbols <= free | dims and d.free_symbols & (free | dims)),
                        key=sp.default_sort_key)
        if not deltas:
            out.append(e)
            continue
        if len(out) + len(todo) >= MAX_CASES:
            raise Unsupported("too many cases of the free indices")
        d = deltas[0]
        a, b = d.args
        var, other = (a, b) if a in free else (b, a) if b in free else (a, b) if a in dims else (b, a)
        same = e.xreplace({d: sp.S.One}).xreplace({var: other})
        todo += [e.xreplace({d: sp.S.Zero}), canonical(collapse(same))]
    return out


def _atomize_indexed(e: sp.Expr) -> sp.Expr:
    """Sums and indexed entries become plain symbols (consistently)."""
    # Dummies: unique, so no user symbol can be confused with an atom
    # a sum of positive terms (Σ exp) is a positive atom, so that logs of it can be expanded
    mapping = {s: sp.Dummy(f"S{n}", positive=True) if positive(s.function) else sp.Dummy(f"S{n}", real=True)
               for n, s in enumerate(sorted(e.atoms(sp.Sum), key=sp.default_sort_key))}
    e = e.xreplace(mapping)
    idx = {a: sp.Dummy(str(a.base), real=True) for a in e.atoms(sp.Indexed)}
    return e.xreplace(idx)


def _assumption_substitutions(form: IndexForm, assumptions: list[tuple[Node, Node]]) -> dict:
    """An assumption such as sum(y) = 1 fixes the value of a whole sum."""
    out = {}
    for lhs, rhs in assumptions:
        sl = form.shape(lhs)
        if sl != (1, 1):
            raise Unsupported("vector assumption")
        a = canonical(collapse(form.entry(lhs, sl, 0, 0)))
        b = canonical(collapse(form.entry(rhs, sl, 0, 0)))
        if isinstance(a, sp.Sum) and not b.has(sp.Sum):
            out[a] = b
        else:
            raise Unsupported("assumption not of the form sum(...) = value")
    return out
