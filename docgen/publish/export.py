"""Export a derivation's result as a standalone NumPy module (`docgen export-numpy`).

The generated module has one function per exportable part, computing the claim's right-hand
side from the independent symbols it uses (definitions become locals, in declaration order),
and a check per part comparing that value with the claim's left side evaluated numerically at
random inputs of the example's sizes: every D(f, x) of the left side becomes central finite
differences, every d(f) a directional difference. `python module.py` runs the checks and prints
OK or FAIL per part.

Code is generated from the expression trees only: names are validated identifiers (keywords get
a trailing underscore), numbers are exact fractions printed as float divisions, and nothing
from prose (titles, notes, descriptions) is ever emitted, not even in comments.
"""

from __future__ import annotations

import keyword
from fractions import Fraction

from ..model.errors import DocgenError
from ..model.expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose
from ..model.derivation import Derivation, Part

_ELEMENTWISE = {
    "exp": "np.exp", "log": "np.log", "tanh": "np.tanh", "sigmoid": "_sigmoid",
    "softplus": "_softplus", "sqrt": "np.sqrt", "sin": "np.sin", "cos": "np.cos", "abs": "np.abs",
}
_RESERVED = {"np", "gradient_check"}

_PRELUDE = '''\
import numpy as np

STEP = 1e-6
RTOL, ATOL = 1e-5, 1e-7


def _arr(a):
    """Every value is a 2-D float array: a scalar is 1x1, a vector a column."""
    a = np.asarray(a, dtype=float)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    return a


def _s(v):
    return np.array([[float(v)]])


def _mm(a, b):
    """The matrix product; a 1x1 factor acts as a scalar."""
    if a.shape[1] == b.shape[0]:
        return a @ b
    return a * b


def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _softplus(a):
    return np.logaddexp(0, a)


def _softmax(a):
    e = np.exp(a - a.max())
    return e / e.sum()


def _logsumexp(a):
    m = a.max()
    return _s(m + np.log(np.exp(a - m).sum()))


def _jac(f, x, numerator=False):
    """D(f, x) by central differences: the shape of x for a scalar f, else (entries of x) x (entries of f)."""
    x = _arr(x)
    h = STEP * (1 + np.abs(x).max())
    cols = []
    for idx in np.ndindex(*x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        cols.append(((f(plus) - f(minus)) / (2 * h)).ravel())
    jac = np.array(cols)
    den = jac.reshape(x.shape) if jac.shape[1] == 1 else jac
    return den.T if numerator else den


def _dif(f):
    """d(f): the derivative of t -> f(t) at t = 0 (f moves every variable along its differential)."""
    h = STEP
    return (f(h) - f(-h)) / (2 * h)


def _shape(a, shape, name):
    if a.shape != shape:
        raise ValueError(f"{name}: expected shape {shape}, got {a.shape}")
    return a


def _report(label, value, expected):
    ok = value.shape == expected.shape and bool(np.allclose(value, expected, rtol=RTOL, atol=ATOL))
    err = float(np.abs(value - expected).max()) if value.shape == expected.shape else float("inf")
    print(f"{'OK' if ok else 'FAIL'} {label}: max abs difference {err:.2e}")
    return ok
'''


def py(name: str) -> str:
    """A docgen name as a Python identifier (names are validated; keywords get a trailing _)."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _RESERVED:
        return name + "_"
    return name


def dname(name: str) -> str:
    """The argument holding d(name); docgen names never end in '_', so this cannot collide."""
    return "d" + name + "_"


def _num(v: Fraction) -> str:
    return repr(float(v)) if v.denominator == 1 else f"({v.numerator} / {v.denominator})"


class Printer:
    """Expression tree -> NumPy code. `env` maps docgen names to code; definitions not in `env`
    are inlined (recursively, with the same env), so that finite differences see every dependence."""

    def __init__(self, der: Derivation, dcode=dname):  # noqa: ANN001
        self.der = der
        self.depth = 0
        self.dcode = dcode  # the code of d(name) for a variable symbol

    def code(self, node: Node, env: dict[str, str]) -> str:
        return getattr(self, "_" + type(node).__name__)(node, env)

    def _Num(self, node: Num, env: dict[str, str]) -> str:
        return f"_s({_num(node.value)})"

    def _Name(self, node: Name, env: dict[str, str]) -> str:
        name = node.name
        if name in env:
            return env[name]
        if name in self.der.dims:
            return f"_s({py(name)})"
        if name in self.der.definitions:
            return "(" + self.code(self.der.definitions[name].expr.tree, env) + ")"
        sym = self.der.symbols.get(name)
        if sym is not None and sym.generic:
            raise DocgenError(f"{self.der.id}: {name} is a generic function (of: {', '.join(sym.of)}); "
                              "a derivation with generic functions cannot be exported")
        return py(name)

    def _Neg(self, node: Neg, env: dict[str, str]) -> str:
        return f"(-{self.code(node.arg, env)})"

    def _Transpose(self, node: Transpose, env: dict[str, str]) -> str:
        return f"{self.code(node.arg, env)}.T"

    def _Pow(self, node: Pow, env: dict[str, str]) -> str:
        return f"({self.code(node.base, env)} ** {_num(node.exp)})"

    def _BinOp(self, node: BinOp, env: dict[str, str]) -> str:
        a, b = self.code(node.left, env), self.code(node.right, env)
        if node.op == "@":
            return f"_mm({a}, {b})"
        return f"({a} {node.op} {b})"

    def _dim(self, node: Node) -> str:
        if isinstance(node, Num):
            return str(int(node.value))
        assert isinstance(node, Name)
        return py(node.name)

    def _Call(self, node: Call, env: dict[str, str]) -> str:
        f, args = node.func, node.args
        if f in ("ones", "zeros"):
            cols = self._dim(args[1]) if len(args) > 1 else "1"
            return f"np.{f}(({self._dim(args[0])}, {cols}))"
        if f == "eye":
            return f"np.eye({self._dim(args[0])})"
        if f == "D":
            return self._derivative(node, env)
        if f == "d":
            return self._differential(args[0], env)
        if f not in _ELEMENTWISE and f not in ("softmax", "logsumexp", "sum", "norm", "diag", "tr", "det", "inv"):
            raise DocgenError(f"{self.der.id}: {f} is a generic function; a derivation with generic "
                              "functions cannot be exported")
        a = self.code(args[0], env)
        if f in _ELEMENTWISE:
            return f"{_ELEMENTWISE[f]}({a})"
        return {
            "softmax": f"_softmax({a})",
            "logsumexp": f"_logsumexp({a})",
            "sum": f"_s(np.sum({a}))",
            "norm": f"_s(np.linalg.norm({a}))",
            "diag": f"np.diag({a}.ravel())",
            "tr": f"_s(np.trace({a}))",
            "det": f"_s(np.linalg.det({a}))",
            "inv": f"np.linalg.inv({a})",
        }[f]

    def _derivative(self, node: Call, env: dict[str, str]) -> str:
        fnode, xnode = node.args
        assert isinstance(xnode, Name)
        self.depth += 1
        var = f"_v{self.depth}"
        try:
            body = self.code(fnode, {**env, xnode.name: var})
        finally:
            self.depth -= 1
        at = self.code(xnode, env)
        numerator = ", numerator=True" if self.der.layout == "numerator" else ""
        return f"_jac(lambda {var}: {body}, {at}{numerator})"

    def _differential(self, fnode: Node, env: dict[str, str]) -> str:
        self.depth += 1
        var = f"_t{self.depth}"
        try:
            moved = {n: f"({env.get(n, py(n))} + {var} * {self.dcode(n)})"
                     for n, s in self.der.symbols.items() if s.variable}
            body = self.code(fnode, {**env, **moved})
        finally:
            self.depth -= 1
        return f"_dif(lambda {var}: {body})"


# -- analysis ---------------------------------------------------------------------------------

def _uses(der: Derivation, node: Node, seen: set[str] | None = None) -> set[str]:
    """Every name the tree depends on, through definitions."""
    seen = set() if seen is None else seen
    for n in node.walk():
        if isinstance(n, Name) and n.name not in seen:
            seen.add(n.name)
            if n.name in der.definitions:
                _uses(der, der.definitions[n.name].expr.tree, seen)
    return seen


def _rhs_exportable(der: Derivation, part: Part) -> str | None:
    """None when the right side can be exported, else why not."""
    for n in part.rhs.tree.walk():
        if isinstance(n, Call) and n.func == "D":
            return "its right-hand side contains a derivative D(...)"
        if isinstance(n, Call) and n.func == "d":
            arg = n.args[0]
            if not (isinstance(arg, Name) and arg.name in der.symbols and der.symbols[arg.name].variable):
                return "its right-hand side contains the differential of an expression"
    for name in _uses(der, part.rhs.tree):
        if name in der.definitions:
            for n in der.definitions[name].expr.tree.walk():
                if isinstance(n, Call) and n.func in ("D", "d"):
                    return f"the definition {name} contains a derivative"
    return None


def _function_name(label: str, taken: set[str]) -> str:
    name = "result" if label == "main" else label.replace("-", "_")
    if not name.isidentifier() or keyword.iskeyword(name) or name in _RESERVED or name in taken \
            or name.startswith("check_"):
        name = "part_" + name
    while name in taken:
        name += "_"
    return name


def _differentials_in(node: Node) -> list[str]:
    return [n.args[0].name for n in node.walk()  # type: ignore[attr-defined]
            if isinstance(n, Call) and n.func == "d" and isinstance(n.args[0], Name)]


def _dim_sources(der: Derivation, args: list[str]) -> dict[str, str]:
    """dim -> code reading it from an argument's shape."""
    out: dict[str, str] = {}
    for name in args:
        for axis, dim in enumerate(der.symbols[name].shape):
            if isinstance(dim, str) and dim not in out:
                out[dim] = f"{py(name)}.shape[{axis}]"
    return out


def _shape_code(der: Derivation, shape: tuple) -> str:
    return "(" + ", ".join(py(d) if isinstance(d, str) else str(d) for d in shape) + ")"


def export_numpy(der: Derivation) -> str:
    """The source of a standalone NumPy module for the derivation's results."""
    generic = [s.name for s in der.symbols.values() if s.generic]
    if generic or der.functions:
        names = generic + list(der.functions)
        raise DocgenError(f"{der.id}: generic functions ({', '.join(names)}) cannot be exported: "
                          "the code needs concrete functions", der.loc)
    printer = Printer(der)
    lines = [f'"""NumPy code for the derivation {der.id!r}, generated by docgen export-numpy.', "",
             "Vectors are column arrays of shape (n, 1), scalars 1x1 arrays; plain lists and",
             "1-D arrays are accepted as inputs. Run this file to check every result against",
             'finite differences of the claim\'s left side."""', "", _PRELUDE]
    exported: list[tuple[Part, str, list[str], list[str], list[str]]] = []
    skipped: list[tuple[str, str]] = []
    taken: set[str] = set()
    for part in der.parts:
        why = _rhs_exportable(der, part)
        if why is not None:
            skipped.append((part.label, why))
            continue
        fname = _function_name(part.label, taken)
        taken.add(fname)
        used = _uses(der, part.rhs.tree)
        args = [n for n, s in der.symbols.items() if n in used and not s.generic]
        dargs = [n for n in der.symbols if n in set(_differentials_in(part.rhs.tree))]
        sources = _dim_sources(der, args)
        dims = [d for d in der.dims if d in used and d not in sources]  # not readable from a shape
        params = [py(a) for a in args] + [dname(a) for a in dargs]
        signature = ", ".join(params) + (", *, " + ", ".join(py(d) for d in dims) if dims else "")
        body = [f"def {fname}({signature.lstrip(', ')}):",
                f'    """The right-hand side of the claim of part {part.label!r}."""']
        for a in args:
            body.append(f"    {py(a)} = _arr({py(a)})")
        for a in dargs:
            body.append(f"    {dname(a)} = _arr({dname(a)})")
        for dim, src in sources.items():
            if dim in der.dims:
                body.append(f"    {py(dim)} = {src}")
        for a in args:
            body.append(f"    _shape({py(a)}, {_shape_code(der, der.symbols[a].shape)}, {a!r})")
        for a in dargs:
            body.append(f"    _shape({dname(a)}, {_shape_code(der, der.symbols[a].shape)}, {('d(' + a + ')')!r})")
        env: dict[str, str] = {}
        for name, d in der.definitions.items():
            if name in used:
                body.append(f"    {py(name)} = {printer.code(d.expr.tree, env)}")
                env[name] = py(name)
        body.append(f"    return {printer.code(part.rhs.tree, env)}")
        lines += body + ["", ""]
        exported.append((part, fname, args, dargs, dims))
    if not exported:
        reasons = "; ".join(f"{label}: {why}" for label, why in skipped)
        raise DocgenError(f"{der.id}: nothing to export ({reasons})", der.loc)
    lines += _checks(der, exported)
    if skipped:
        lines.insert(6, "# Parts not exported (their right-hand side is not closed-form): "
                     + ", ".join(label for label, _ in skipped) + "\n")
    return "\n".join(lines).rstrip() + "\n"


def _sizes(der: Derivation) -> dict[str, int]:
    if der.example is not None and der.example.sizes:
        return dict(der.example.sizes)
    return der.size_assignments()[0]


def _checks(der: Derivation, exported: list) -> list[str]:
    sizes = _sizes(der)
    out = ["def random_inputs(seed=0):",
           '    """Random values (and differentials) of every independent symbol at the example sizes."""',
           "    rng = np.random.default_rng(seed)"]
    for dim, size in sizes.items():
        out.append(f"    {py(dim)} = {int(size)}")
    out.append("    v = {}")
    for name, sym in der.symbols.items():
        shape = _shape_code(der, sym.shape)
        out.append(f"    v[{name!r}] = rng.normal(0, 1, {shape})")
        if "positive" in sym.assume:
            out.append(f"    v[{name!r}] = np.abs(v[{name!r}]) + 0.5")
        if "symmetric" in sym.assume:
            out.append(f"    v[{name!r}] = (v[{name!r}] + v[{name!r}].T) / 2")
        if "invertible" in sym.assume:
            out.append(f"    v[{name!r}] = v[{name!r}] + {shape}[0] * np.eye({shape}[0])")
        if sym.variable:
            out.append(f"    v[{dname(name)!r}] = rng.normal(0, 1, {shape})")
    for a in der.assumptions:
        out += _assumption_code(der, a)
    out += ["    return v", "", ""]
    names = []
    for part, fname, args, dargs, dims in exported:
        cname = f"check_{fname}"
        names.append(cname)
        lhs = _lhs_code(der, part)
        call_args = [f"{py(a)}=_v[{a!r}]" for a in args] + [f"{dname(a)}=_v[{dname(a)!r}]" for a in dargs]
        call_args += [f"{py(d)}={py(d)}" for d in dims]
        out += [f"def {cname}(seed=0):",
                f'    """Part {part.label!r}: the result against the claim\'s left side, numerically."""',
                "    _v = random_inputs(seed)"]
        for dim, size in sizes.items():
            out.append(f"    {py(dim)} = {int(size)}")
        out += [f"    _value = {fname}({', '.join(call_args)})",
                f"    _expected = {lhs}",
                f"    return _report({part.label!r}, _value, _expected)", "", ""]
    out += ["def gradient_check(seed=0):",
            '    """Every check; True when all pass."""',
            f"    return all([{', '.join(f'{n}(seed)' for n in names)}])", "", "",
            'if __name__ == "__main__":',
            "    import sys",
            "",
            '    ok = gradient_check()',
            '    print("OK" if ok else "FAIL")',
            "    sys.exit(0 if ok else 1)"]
    return out


def _lhs_code(der: Derivation, part: Part) -> str:
    """The claim's left side with every symbol (and differential) read from _v, definitions inlined."""
    printer = Printer(der, dcode=lambda n: f"_v[{dname(n)!r}]")
    return printer.code(part.lhs.tree, {n: f"_v[{n!r}]" for n in der.symbols})


def _assumption_code(der: Derivation, a) -> list[str]:  # noqa: ANN001
    """Make random inputs satisfy `sum(v) = c` (shift v); other assumptions take the example's values."""
    lhs, rhs = a.lhs.tree, a.rhs.tree
    if isinstance(rhs, Call) and rhs.func == "sum":
        lhs, rhs = rhs, lhs
    if isinstance(lhs, Call) and lhs.func == "sum" and isinstance(lhs.args[0], Name) \
            and lhs.args[0].name in der.symbols and isinstance(rhs, Num):
        n = lhs.args[0].name
        return [f"    v[{n!r}] = v[{n!r}] - (v[{n!r}].sum() - {_num(rhs.value)}) / v[{n!r}].size"]
    ex = der.example
    names = sorted(x.name for x in a.lhs.tree.walk() if isinstance(x, Name) and x.name in der.symbols) + \
        sorted(x.name for x in a.rhs.tree.walk() if isinstance(x, Name) and x.name in der.symbols)
    if ex is None or any(n not in ex.values for n in names):
        raise DocgenError(f"{der.id}: cannot draw random inputs satisfying the assumption {a.text!r}", a.loc)
    out = []
    for n in dict.fromkeys(names):
        rows = [[_num(Fraction(x)) for x in row] for row in ex.values[n]]
        out.append(f"    v[{n!r}] = np.array([{', '.join('[' + ', '.join(r) + ']' for r in rows)}])")
    return out
