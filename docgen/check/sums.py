"""Sums in index notation: collapsing them over Kronecker deltas, and a canonical form.

Part of the proof for every size (docgen/allsizes.py), which builds entries of both sides of a
link with symbolic sizes: Σ_k over a symbolic range, δ(i, k), indexed entries x[k], A[i, k].
`collapse` sums out Kronecker deltas (Σ_k δ(a, k) f(k) = f(a)); `canonical` writes an expression
as terms that are products of connected sums named canonically, so that sums equal up to the
order and names of their indices are equal; `positive` tells which sums are sums of positive
terms (Σ exp), whose logs may be expanded.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import permutations

import sympy as sp


class Unsupported(Exception):
    """The link has a construct the proof for every size does not handle."""


@lru_cache(maxsize=8192)
def collapse(e: sp.Expr) -> sp.Expr:
    """Σ_k δ(a, k) f(k) → f(a); Σ_k c → c · size; Σ_k c f(k) → c Σ_k f(k); inside out.
    (Remembered: the result depends on e alone, and sides share many subexpressions.)"""
    if not e.args or isinstance(e, (sp.Indexed, sp.KroneckerDelta)):
        return e
    if isinstance(e, (sp.Product, sp.Piecewise)):
        raise Unsupported(type(e).__name__)
    if isinstance(e, sp.Sum):
        # SymPy merges nested sums into one with several limits (the innermost first)
        body = collapse(e.function)
        for limit in e.limits:
            body = _collapse_one(body, limit)
        return body
    args = [collapse(a) for a in e.args]
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
                out.append(collapse(_subs_free(term / delta, {k: other})))
        elif not term.has(k):
            out.append(term * (hi - lo + 1))
        else:
            # Σ_k c f(k) = c Σ_k f(k): factors free of k leave the sum
            inner = [f for f in sp.Mul.make_args(term) if f.has(k)]
            outer = [f for f in sp.Mul.make_args(term) if not f.has(k)]
            out.append(sp.Mul(*outer) * sp.Sum(sp.Mul(*inner), (k, lo, hi)))
    return sp.Add(*out)


@lru_cache(maxsize=8192)
def canonical(e: sp.Expr) -> sp.Expr:
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
        renames = {k: sp.Dummy("k", integer=True) for k, _, _ in limits if k in _HEIGHT}
        if renames:
            body = _subs_free(body, renames)
            limits = [(renames.get(k, k), lo, hi) for k, lo, hi in limits]
        own = {k for k, _, _ in limits}
        return [(limits + inner, factors) for inner, factors in _renamed(_prenex(body), own)]
    if e.has(sp.Sum):  # a sum inside a function or a denominator: canonical on its own
        args = [canonical(a) for a in e.args]
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
    # exp(a)·exp(b) = exp(a + b): inside a sum SymPy keeps them apart (exp(-u_k)·exp(u_k));
    # then split again by the bound indices each term of the exponent has, so that what does not
    # depend on a sum's index leaves it: Σ_k exp(x_k + x_i) = exp(x_i) Σ_k exp(x_k)
    exps = [f for f in factors if isinstance(f, sp.exp)]
    if exps:
        total = sp.expand(sp.Add(*[f.args[0] for f in exps]))
        by: dict[frozenset, list] = {}
        for t in sp.Add.make_args(total):
            by.setdefault(frozenset(k for k in bound if t.has(k)), []).append(t)
        factors = [f for f in factors if not isinstance(f, sp.exp)] + \
            [sp.exp(sp.Add(*ts)) for _, ts in sorted(by.items(), key=lambda kv: sorted(map(str, kv[0])))]
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


def positive(e: sp.Expr) -> bool:
    """Positive for every real value of the entries (a syntactic check: exp, squares' sums...)."""
    if isinstance(e, sp.exp) or (e.is_Number and e > 0):
        return True
    if e.is_Symbol:
        return bool(e.is_positive)
    if e.is_Mul or e.is_Add:
        return all(positive(a) for a in e.args)
    if e.is_Pow:
        return positive(e.base) and e.exp.is_real is True
    if isinstance(e, sp.Sum):
        return positive(e.function)
    return False
