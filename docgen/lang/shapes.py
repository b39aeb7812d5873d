"""Shape inference: every expression gets (rows, cols); a mismatch names both shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.errors import Location, ShapeError
from ..model.expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose
from ..model.derivation import SCALAR, Shape, Symbol
from .parse import ELEMENTWISE


def show(shape: Shape) -> str:
    """A shape as people write it: `scalar`, `n×1`, `n×m`."""
    return "scalar" if shape == SCALAR else f"{shape[0]}×{shape[1]}"


def is_scalar(shape: Shape) -> bool:
    return shape == SCALAR


def is_column(shape: Shape) -> bool:
    return shape[1] == 1


@dataclass
class Scope:
    """What names mean while shapes are inferred."""

    symbols: dict[str, Symbol]
    definitions: dict[str, Shape] = field(default_factory=dict)
    functions: dict[str, str] = field(default_factory=dict)  # generic f and f' -> "f"
    dims: frozenset[str] = frozenset()
    layout: str = "denominator"
    locals: dict[str, Shape] = field(default_factory=dict)  # e.g. `t` in an example function


def infer(node: Node, scope: Scope, loc: Location) -> Shape:
    """The shape of `node`.

    Raises:
        ShapeError: with the location of the offending sub-expression.
    """
    return _Infer(scope, loc).shape(node)


class _Infer:
    def __init__(self, scope: Scope, loc: Location):
        self.scope = scope
        self.loc = loc

    def error(self, node: Node, message: str) -> ShapeError:
        return ShapeError(message, self.loc.shifted(getattr(node, "col", 0)))

    def shape(self, node: Node) -> Shape:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Num(self, node: Num) -> Shape:
        return SCALAR

    def _Name(self, node: Name) -> Shape:
        s = self.scope
        if node.name in s.locals:
            return s.locals[node.name]
        if node.name in s.symbols:
            return s.symbols[node.name].shape
        if node.name in s.definitions:
            return s.definitions[node.name]
        if node.name in s.dims:
            return SCALAR  # a dimension used as a number, e.g. sum(x) / n
        if node.name in s.functions:
            raise self.error(node, f"function {node.name!r} must be applied, e.g. {node.name}(x)")
        raise self.error(node, f"unknown name {node.name!r}: declare it under symbols or definitions")

    def _Neg(self, node: Neg) -> Shape:
        return self.shape(node.arg)

    def _Transpose(self, node: Transpose) -> Shape:
        rows, cols = self.shape(node.arg)
        return (cols, rows)

    def _Pow(self, node: Pow) -> Shape:
        return self.shape(node.base)

    def _BinOp(self, node: BinOp) -> Shape:
        a, b = self.shape(node.left), self.shape(node.right)
        op = node.op
        if op in "+-":
            if a != b:
                raise self.error(node, f"cannot {'add' if op == '+' else 'subtract'} {show(a)} and {show(b)}")
            return a
        if op == "*":
            if is_scalar(a):
                return b
            if is_scalar(b) or a == b:
                return a
            raise self.error(node, f"'*' needs a scalar or equal shapes (elementwise), got {show(a)} * {show(b)}; use @ for matrix products")
        if op == "/":
            if isinstance(node.right, Num) and node.right.value == 0:
                raise self.error(node.right, "division by zero")
            if is_scalar(b) or a == b:
                return a
            raise self.error(node, f"cannot divide {show(a)} by {show(b)}")
        # '@': a 1×1 factor acts as a scalar
        if a[1] == b[0]:
            return (a[0], b[1])
        if is_scalar(a):
            return b
        if is_scalar(b):
            return a
        raise self.error(node, f"matrix product {show(a)} @ {show(b)}: inner sizes {a[1]} and {b[0]} differ")

    def _Call(self, node: Call) -> Shape:
        f = node.func
        if f == "D":
            return self._derivative(node)
        if f in ("ones", "zeros", "eye"):
            return self._constructor(node)
        shapes = [self.shape(a) for a in node.args]
        if f in ELEMENTWISE or f in self.scope.functions or f == "d":
            if f in self.scope.functions and len(node.args) != 1:
                raise self.error(node, f"{f}() takes 1 argument, got {len(node.args)}")
            return shapes[0]
        if f not in ("softmax", "logsumexp", "sum", "diag", "tr", "det", "inv", "norm"):
            raise self.error(node, f"unknown function {f!r}: declare it under functions")
        (a,) = shapes
        if f in ("sum", "norm"):
            return SCALAR
        if f in ("softmax", "logsumexp", "diag"):
            if not is_column(a) or is_scalar(a):
                raise self.error(node, f"{f}() takes a column vector, got {show(a)}")
            if f == "logsumexp":
                return SCALAR
            return (a[0], a[0]) if f == "diag" else a
        if a[0] != a[1]:
            raise self.error(node, f"{f}() takes a square matrix, got {show(a)}")
        return a if f == "inv" else SCALAR

    def _constructor(self, node: Call) -> Shape:
        dims: list = []
        for arg in node.args:
            if isinstance(arg, Num) and arg.value.denominator == 1 and 1 <= arg.value <= 64:
                dims.append(int(arg.value))
            elif isinstance(arg, Name) and arg.name in self.scope.dims:
                dims.append(arg.name)
            else:
                raise self.error(arg, f"{node.func}() takes dimension names or sizes 1..64")
        if node.func == "eye":
            return (dims[0], dims[0])
        return (dims[0], dims[1] if len(dims) > 1 else 1)

    def _derivative(self, node: Call) -> Shape:
        fnode, xnode = node.args
        assert isinstance(xnode, Name)
        sym = self.scope.symbols.get(xnode.name)
        if xnode.name in self.scope.definitions:
            # ∂f/∂z for an intermediate z := ...: f's dependence through the name z, held free
            x = self.scope.definitions[xnode.name]
            if not is_column(x) and not is_scalar(x):
                raise self.error(xnode, f"D(f, {xnode.name}): an intermediate must be a scalar or a column vector")
        elif sym is None or sym.generic:
            raise self.error(xnode, f"D(f, {xnode.name}): {xnode.name!r} must be an independent symbol "
                                    "or a definition")
        elif "symmetric" in sym.assume:
            raise self.error(xnode, "derivatives with respect to a symmetric matrix are not supported")
        else:
            x = sym.shape
        f = self.shape(fnode)
        if is_scalar(f):
            den = x
        elif is_column(f) and is_column(x):
            den = (x[0], f[0])
        elif is_column(f):
            raise self.error(node, f"D of a vector ({show(f)}) by a matrix ({show(x)}) is a tensor; not supported")
        else:
            raise self.error(node, f"D of a {show(f)} matrix is a tensor; differentiate a scalar or a column vector")
        return den if self.scope.layout == "denominator" else (den[1], den[0])
