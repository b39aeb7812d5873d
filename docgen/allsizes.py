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

from functools import lru_cache
from itertools import count, permutations

import sympy as sp

from .concrete import ELEMENTWISE_SYMPY, GenericFunction
from .errors import Location
from .exact import Atomizer, is_zero
from .expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose
from .model import Derivation
from .shapes import Scope, infer


class Unsupported(Exception):
    """The link has a construct this prover does not handle."""


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
        self.scope = Scope(symbols=der.symbols,
                           definitions={n: d.expr.shape for n, d in der.definitions.items()},
                           functions={**{f.name: f.name for f in der.functions.values()},
                                      **{f.derivative: f.name for f in der.functions.values()}},
                           dims=frozenset(der.dims), layout=der.layout)

    def size(self, d) -> sp.Expr:  # noqa: ANN001
        return sp.Integer(d) if isinstance(d, int) else self.dims[d]

    def index(self) -> sp.Symbol:
        return sp.Dummy(f"k{next(self._fresh)}", integer=True)

    def entry(self, node: Node, shape: tuple, i: sp.Expr, j: sp.Expr) -> sp.Expr:
        """Entry (i, j) of node, whose shape is `shape` (dims as names or ints); remembered, as
        the links of a chain share their sides (a summation index inside is bound, so sharing
        it between uses is harmless)."""
        key = (node, shape, i, j)
        hit = self._entries.get(key)
        if hit is None:
            hit = self._entries[key] = getattr(self, "_" + type(node).__name__)(node, shape, i, j)
        return hit

    def shape(self, node: Node) -> tuple:
        return infer(node, self.scope, Location("<index>"))

    def _Num(self, node: Num, shape, i, j):  # noqa: ANN001
        return sp.Rational(node.value.numerator, node.value.denominator)

    def _Name(self, node: Name, shape, i, j):  # noqa: ANN001
        name = node.name
        free = self._free.get(name)
        if free is not None:
            rows, cols = self.der.definitions[name].expr.shape
            if (rows, cols) == (1, 1):
                return free
            return free[i] if cols == 1 else free[j] if rows == 1 else free[i, j]
        if name in self.scalars:
            return self.scalars[name]
        if name in self.bases:
            sym = self.der.symbols[name]
            if "symmetric" in sym.assume:
                raise Unsupported("symmetric matrix")
            rows, cols = sym.shape
            if cols == 1:
                return self.bases[name][i]
            if rows == 1:
                return self.bases[name][j]
            return self.bases[name][i, j]
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
        if f == "D":
            return self._derivative(node, shape, i, j)
        if f in ("ones", "zeros"):
            return sp.Integer(1 if f == "ones" else 0)
        if f == "eye":
            return sp.KroneckerDelta(i, j)
        if f == "d":
            return self._differential(node.args[0], i, j)
        if f in ("det", "inv", "abs"):
            raise Unsupported(f)
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
        assert isinstance(xnode, Name)
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
            if (rows, cols) == (1, 1):
                v, dv, limits = self.scalars[name], self._differential_base(name), []
            else:
                k, l2 = self.index(), self.index()
                at = (k, l2) if rows != 1 and cols != 1 else (k,)
                v, dv = self.bases[name][at], self._differential_base(name)[at]
                limits = [(k, 1, self.size(rows if rows != 1 else cols))]
                if len(at) == 2:
                    limits.append((l2, 1, self.size(cols)))
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
        if self.der.layout == "numerator":
            i, j = j, i
        # denominator layout: entry (i, j) is ∂f_j / ∂x_i, or ∂f / ∂X_ij for a scalar f
        if fs == (1, 1):
            return self.entry(fnode, fs, 0, 0), self.entry(xnode, xs, i, j)
        return self.entry(fnode, fs, j, 0), self.entry(xnode, xs, i, 0)

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
            if d(exp) != 0:
                raise Unsupported("a variable exponent")
            db = d(base)
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
            if isinstance(n, Call) and n.func in ("det", "inv", "abs"):
                return False
            if isinstance(n, Name) and n.name not in seen:
                seen.add(n.name)
                sym = der.symbols.get(n.name)
                if sym is not None and (sym.generic or "symmetric" in sym.assume):
                    return False
                if n.name in der.definitions:
                    todo.append(der.definitions[n.name].expr.tree)
    return True


@lru_cache(maxsize=8192)
def _collapse(e: sp.Expr) -> sp.Expr:
    """Σ_k δ(a, k) f(k) → f(a); Σ_k c → c · size; Σ_k c f(k) → c Σ_k f(k); inside out.
    (Remembered: the result depends on e alone, and sides share many subexpressions.)"""
    if not e.args or isinstance(e, (sp.Indexed, sp.KroneckerDelta)):
        return e
    if isinstance(e, (sp.Product, sp.Piecewise)):
        raise Unsupported(type(e).__name__)
    if isinstance(e, sp.Sum):
        # SymPy merges nested sums into one with several limits (the innermost first)
        body = _collapse(e.function)
        for limit in e.limits:
            body = _collapse_one(body, limit)
        return body
    args = [_collapse(a) for a in e.args]
    return e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)


def _collapse_one(body: sp.Expr, limit: tuple) -> sp.Expr:
    """Σ over one index of an already collapsed body."""
    k, lo, hi = limit
    out = []
    for term in sp.Add.make_args(sp.expand(body, power_exp=False, power_base=False, log=False)):
        delta = next((d for d in term.atoms(sp.KroneckerDelta) if k in d.free_symbols), None)
        if delta is not None and term.is_Mul and delta in term.args:
            other = delta.args[1] if delta.args[0] == k else delta.args[0]
            if other.has(k):
                out.append(sp.Sum(term, (k, lo, hi)))
            else:
                out.append(_collapse(_subs_free(term / delta, {k: other})))
        elif not term.has(k):
            out.append(term * (hi - lo + 1))
        else:
            # Σ_k c f(k) = c Σ_k f(k): factors free of k leave the sum
            inner = [f for f in sp.Mul.make_args(term) if f.has(k)]
            outer = [f for f in sp.Mul.make_args(term) if not f.has(k)]
            out.append(sp.Mul(*outer) * sp.Sum(sp.Mul(*inner), (k, lo, hi)))
    return sp.Add(*out)


@lru_cache(maxsize=8192)
def _canonical(e: sp.Expr) -> sp.Expr:
    """e as a sum of terms, each a coefficient times a product of *connected* sums in a
    canonical form, so that sums equal up to the nesting and naming of their indices are equal:
    Σ_k A_ki Σ_l A_kl x_l and Σ_l x_l Σ_k A_ki A_kl both become Σ_{a,b} A_ai A_ab x_b.

    Every sum is pulled to the front of its term (Σ_k c_k Σ_l d_kl = Σ_{k,l} c_k d_kl), sums over
    a Kronecker delta collapse, an index that appears nowhere becomes its range's size, and the
    factors are grouped by the indices they share: independent sums stay separate factors
    (Σ_k a_k · Σ_l b_l), so an assumption such as Σ y = 1 still applies. Each group's indices
    are named by the first of all their orders (at most 5 indices) in the printed form; a sum
    inside a function or a denominator is made canonical on its own, with names of another
    height, so no index is captured."""
    return sp.Add(*[_canonical_term(limits, factors) for limits, factors in _prenex(e)])


_MAX_POWER = 4  # (Σ ...)^k up to this k is multiplied out; higher powers stay atoms


def _prenex(e: sp.Expr) -> list[tuple[list, list]]:
    """e as [(limits, factors)]: Σ over the limits of the product of the factors, summed."""
    if e.is_Add:
        return [t for a in e.args for t in _prenex(a)]
    if e.is_Mul or (e.is_Pow and e.exp.is_Integer and 1 < e.exp <= _MAX_POWER and e.base.has(sp.Sum)):
        parts = e.args if e.is_Mul else [e.base] * int(e.exp)
        out: list[tuple[list, list]] = [([], [])]
        free = e.free_symbols  # indices bound further out, which no inner sum may capture
        for a in parts:
            pa = _prenex(a)
            out = [(l1 + l2, f1 + f2) for l1, f1 in out for l2, f2 in _renamed(pa, free | {k for k, _, _ in l1})]
        return out
    if isinstance(e, sp.Sum):
        limits, body = list(e.limits), e.function
        # indices with canonical names (an expression made canonical before) may also be bound
        # inside a function or denominator of the body: they get fresh names first
        canonical = {k: sp.Dummy("k", integer=True) for k, _, _ in limits if k in _HEIGHT}
        if canonical:
            body = _subs_free(body, canonical)
            limits = [(canonical.get(k, k), lo, hi) for k, lo, hi in limits]
        own = {k for k, _, _ in limits}
        return [(limits + inner, factors) for inner, factors in _renamed(_prenex(body), own)]
    if e.has(sp.Sum):  # a sum inside a function or a denominator: canonical on its own
        args = [_canonical(a) for a in e.args]
        return [([], [e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)])]
    return [([], [e])]


def _subs_free(e: sp.Expr, mapping: dict) -> sp.Expr:
    """e with the free occurrences of the keys replaced (a sum binding a key keeps it)."""
    if e in mapping:
        return mapping[e]
    if not e.args:
        return e
    if isinstance(e, sp.Sum):
        bound = {k for k, _, _ in e.limits}
        inner = {a: b for a, b in mapping.items() if a not in bound}
        body = _subs_free(e.function, inner) if inner else e.function
        return e if body is e.function else sp.Sum(body, *e.limits)
    args = [_subs_free(a, mapping) for a in e.args]
    return e if all(a is b for a, b in zip(args, e.args)) else e.func(*args)


def _renamed(terms: list[tuple[list, list]], taken: set) -> list[tuple[list, list]]:
    """The terms with fresh bound indices where theirs are already bound in the product they
    join (a product may hold the same sum twice, or two sums with the same canonical names)."""
    out = []
    for limits, factors in terms:
        clash = [k for k, _, _ in limits if k in taken]
        if not clash:
            out.append((limits, factors))
            continue
        fresh = {k: sp.Dummy("k", integer=True) for k in clash}
        out.append(([(fresh.get(k, k), lo, hi) for k, lo, hi in limits], [_subs_free(f, fresh) for f in factors]))
    return out


def _canonical_term(limits: list, factors: list) -> sp.Expr:
    bound = {k: (lo, hi) for k, lo, hi in limits}
    factors = list(factors)
    # Σ_k δ(k, a) f(k) = f(a)
    changed = True
    while changed:
        changed = False
        for n, f in enumerate(factors):
            if not isinstance(f, sp.KroneckerDelta):
                continue
            a, b = f.args
            k, other = (a, b) if a in bound else (b, a) if b in bound else (None, None)
            if k is None:
                continue
            rest = factors[:n] + factors[n + 1:]
            if other != k:
                rest = [_subs_free(g, {k: other}) for g in rest]
            del bound[k]
            factors, changed = rest, True
            break
    # exp(a)·exp(b) = exp(a + b): inside a sum SymPy keeps them apart (exp(-u_k)·exp(u_k))
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if len(exps) > 1:
        factors = [f for f in factors if not isinstance(f, sp.exp)] + [sp.exp(sp.Add(*[f.args[0] for f in exps]))]
    factors = [f for f in factors if f != 1]
    coeff = sp.S.One
    for k in [k for k in bound if not any(f.has(k) for f in factors)]:
        lo, hi = bound.pop(k)
        coeff *= hi - lo + 1
    # group factors connected by shared bound indices
    groups: list[tuple[set, list]] = []
    for f in factors:
        ks = {k for k in bound if f.has(k)}
        if not ks:
            coeff *= f
            continue
        joined = [g for g in groups if g[0] & ks]
        for g in joined:
            groups.remove(g)
            ks |= g[0]
        groups.append((ks, [f] + [h for g in joined for h in g[1]]))
    for ks, fs in groups:
        coeff *= _named_sum(sorted(ks, key=str), fs, bound)
    return coeff


def _named_sum(ks: list, factors: list, bound: dict) -> sp.Expr:
    if len(ks) > 5:
        raise Unsupported("a sum over more than 5 indices")
    body = sp.Mul(*factors)
    # above every sum inside (not counting these indices, which may carry canonical names already)
    height = 1 + max((_HEIGHT.get(s, 0) for s in body.atoms(sp.Symbol) if s not in ks), default=0)
    names = [_name(height, n) for n in range(len(ks))]
    best = None
    for order in permutations(ks):
        mapping = dict(zip(order, names))
        candidate = body.xreplace(mapping)
        key = str(candidate)
        if best is None or key < best[0]:
            best = (key, candidate, mapping)
    _, body, mapping = best
    inverse = {v: k for k, v in mapping.items()}
    return sp.Sum(body, *[(nm, *bound[inverse[nm]]) for nm in names])


_HEIGHT: dict[sp.Symbol, int] = {}


def _name(height: int, n: int) -> sp.Symbol:
    s = sp.Symbol(f"_s{height}_{n}", integer=True)
    _HEIGHT[s] = height
    return s


def zero_for_all_sizes(form: IndexForm, left: Node, right: Node, shape: tuple,
                       assumptions: list[tuple[Node, Node]]) -> bool:
    """Whether left = right entry by entry for every size and every index."""
    i, j = sp.Symbol("i", integer=True, positive=True), sp.Symbol("j", integer=True, positive=True)
    rows, cols = shape
    ii = i if rows != 1 else sp.Integer(0)
    jj = j if cols != 1 else sp.Integer(0)
    diff = form.entry(left, shape, ii, jj) - form.entry(right, shape, ii, jj)
    diff = _canonical(_collapse(diff))
    cases = [diff]
    if diff.has(sp.KroneckerDelta(i, j)) and rows != 1 and cols != 1:
        same = _canonical(_collapse(diff.xreplace({sp.KroneckerDelta(i, j): sp.S.One}).xreplace({j: i})))
        cases = [same, diff.xreplace({sp.KroneckerDelta(i, j): sp.S.Zero})]
    subs = _assumption_substitutions(form, assumptions)
    for case in cases:
        atomizer = Atomizer()
        expr = _atomize_indexed(case.xreplace(subs) if subs else case)
        if not is_zero(atomizer.prepare(expr)):
            return False
    return True


def _atomize_indexed(e: sp.Expr) -> sp.Expr:
    """Sums and indexed entries become plain symbols (consistently)."""
    # Dummies: unique, so no user symbol can be confused with an atom
    # a sum of positive terms (Σ exp) is a positive atom, so that logs of it can be expanded
    mapping = {s: sp.Dummy(f"S{n}", positive=True) if _positive(s.function) else sp.Dummy(f"S{n}", real=True)
               for n, s in enumerate(sorted(e.atoms(sp.Sum), key=sp.default_sort_key))}
    e = e.xreplace(mapping)
    idx = {a: sp.Dummy(str(a.base), real=True) for a in e.atoms(sp.Indexed)}
    return e.xreplace(idx)


def _positive(e: sp.Expr) -> bool:
    """Positive for every real value of the entries (a syntactic check: exp, squares' sums...)."""
    if isinstance(e, sp.exp) or (e.is_Number and e > 0):
        return True
    if e.is_Symbol:
        return bool(e.is_positive)
    if e.is_Mul or e.is_Add:
        return all(_positive(a) for a in e.args)
    if e.is_Pow:
        return _positive(e.base) and e.exp.is_real is True
    if isinstance(e, sp.Sum):
        return _positive(e.function)
    return False


def _assumption_substitutions(form: IndexForm, assumptions: list[tuple[Node, Node]]) -> dict:
    """An assumption such as sum(y) = 1 fixes the value of a whole sum."""
    out = {}
    for lhs, rhs in assumptions:
        sl = form.shape(lhs)
        if sl != (1, 1):
            raise Unsupported("vector assumption")
        a = _canonical(_collapse(form.entry(lhs, sl, 0, 0)))
        b = _canonical(_collapse(form.entry(rhs, sl, 0, 0)))
        if isinstance(a, sp.Sum) and not b.has(sp.Sum):
            out[a] = b
        else:
            raise Unsupported("assumption not of the form sum(...) = value")
    return out
