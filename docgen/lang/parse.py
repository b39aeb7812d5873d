"""Expression text -> expression tree, without eval: Python's `ast` against a whitelist.

Nothing here executes the text. `ast.parse` only builds a syntax tree; every node type that is
not on the whitelist is rejected with its column, before any other code sees the tree.
"""

from __future__ import annotations

import ast
from fractions import Fraction

from ..model.errors import Location, ParseError
from ..model.expr import BINDERS, BinOp, Call, Dots, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose

MAX_LENGTH = 2000  # characters in one expression
MAX_DEPTH = 48  # nesting of parentheses and calls
MAX_DIGITS = 12  # digits in a numeric literal
MAX_EXPONENT = 16  # |k| in x**k, and the product of the exponents of nested powers
MAX_MAGNITUDE = 10**12  # numerators and denominators of numeric literals
MAX_LITERAL_ENTRIES = 144  # entries written in one matrix literal (a 12×12 matrix)
MAX_INDEX = 64  # an integer index x[k], like the integer sizes of shapes
MAX_ROOT = 12  # the denominator q of an exponent p/q: roots up to the 12th

ELEMENTWISE = frozenset({"exp", "log", "tanh", "sigmoid", "softplus", "sqrt", "sin", "cos", "abs",
                         "tan", "sinh", "cosh", "arctan"})

# name -> (fewest, most) arguments
BUILTINS: dict[str, tuple[int, int]] = {
    **{f: (1, 1) for f in ELEMENTWISE},
    "softmax": (1, 1),
    "logsumexp": (1, 1),
    "sum": (1, 2),
    "delta": (2, 2),
    "matrix": (3, 3),
    "vector": (2, 2),
    "basis": (2, 2),
    "diag": (1, 1),
    "ones": (1, 2),
    "zeros": (1, 2),
    "eye": (1, 1),
    "tr": (1, 1),
    "det": (1, 1),
    "inv": (1, 1),
    "norm": (1, 1),
    "kron": (2, 2),
    "vec": (1, 1),
    "matpow": (2, 2),
    "D": (2, 2),
    "d": (1, 1),
}
# names that are not functions of the language but stand in its internal trees
INTERNAL = frozenset({"table"})

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.MatMult: "@"}


def parse_expr(text: str, location: Location | None = None) -> Node:
    """Parse one expression of docgen's math language.

    Args:
        text: the expression, e.g. ``diag(s) - s @ s.T``.
        location: where the text starts in its file, for error messages.

    Raises:
        ParseError: with file:line:column when the text is not a valid expression.
    """
    loc = location or Location("<expr>", 1, 1)
    if not isinstance(text, str):
        raise ParseError(f"expected an expression as text, got {type(text).__name__}", loc)
    if len(text) > MAX_LENGTH:
        raise ParseError(f"expression is {len(text)} characters long; at most {MAX_LENGTH}", loc)
    if "\n" in text.strip():
        text = " ".join(text.split("\n"))
    _check_depth(text, loc)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        # offset is 1-based in the stripped text (0 when the error is at its end)
        col = (exc.offset - 1 if exc.offset else len(text.strip())) + _leading(text)
        raise ParseError(f"syntax error: {exc.msg}", loc.shifted(col)) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise ParseError(f"expression cannot be parsed: {type(exc).__name__}", loc) from None
    return _Converter(loc, text.strip(), _leading(text)).convert(tree.body)


def split_equation(text: str, location: Location | None = None) -> tuple[str, int, str, int]:
    """Split ``lhs = rhs`` at its single `=`; returns (lhs, lhs_offset, rhs, rhs_offset)."""
    loc = location or Location("<expr>", 1, 1)
    if not isinstance(text, str):
        raise ParseError("expected an equation 'lhs = rhs' as text", loc)
    positions = [
        i
        for i, ch in enumerate(text)
        if ch == "="
        and (i == 0 or text[i - 1] not in "=<>!")
        and (i + 1 == len(text) or text[i + 1] != "=")
    ]
    if len(positions) != 1:
        what = "no" if not positions else f"{len(positions)}"
        raise ParseError(f"expected an equation 'lhs = rhs' with one '=', found {what} '='", loc)
    at = positions[0]
    return text[:at], 0, text[at + 1 :], at + 1


def parse_equation(text: str, location: Location | None = None) -> tuple[Node, Node]:
    """Parse ``lhs = rhs`` into two trees, columns kept relative to the whole text."""
    loc = location or Location("<expr>", 1, 1)
    lhs, lo, rhs, ro = split_equation(text, loc)
    return parse_expr(lhs, loc.shifted(lo)), parse_expr(rhs, loc.shifted(ro))


def _is_dots(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _leading(text: str) -> int:
    return len(text) - len(text.lstrip())


def _check_depth(text: str, loc: Location) -> None:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ParseError(f"expression nested deeper than {MAX_DEPTH} levels", loc.shifted(i))
        elif ch in ")]}":
            depth -= 1


class _Converter:
    """Walks a Python syntax tree, accepting only the whitelisted node types."""

    def __init__(self, loc: Location, text: str, lead: int):
        self.loc = loc
        self.text = text
        self.lead = lead
        self.depth = 0
        self.power = Fraction(1)  # product of the exponents of the enclosing powers

    def error(self, node: ast.AST, message: str) -> ParseError:
        col = getattr(node, "col_offset", 0) + self.lead
        return ParseError(message, self.loc.shifted(col))

    def convert(self, node: ast.AST) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH * 2:
            raise self.error(node, f"expression nested deeper than {MAX_DEPTH} levels")
        try:
            return self._convert(node)
        finally:
            self.depth -= 1

    def _convert(self, node: ast.AST) -> Node:
        col = getattr(node, "col_offset", 0) + self.lead
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Pow):
                exp = self.exponent(node.right)
                if not isinstance(exp, Fraction):  # x ** a: a symbolic (scalar) exponent
                    return BinOp("**", self.convert(node.left), exp, col)
                outer = self.power
                self.power = outer * max(abs(exp), 1)
                if self.power > MAX_EXPONENT:
                    raise self.error(node, f"nested powers raise to the power {self.power}; "
                                     f"at most {MAX_EXPONENT} in all")
                try:
                    return Pow(self.convert(node.left), exp, col)
                finally:
                    self.power = outer
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.error(node, f"operator {type(node.op).__name__} is not allowed")
            return BinOp(op, self.convert(node.left), self.convert(node.right), col)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                inner = self.convert(node.operand)
                if isinstance(inner, Num):
                    return Num(-inner.value, col)
                return Neg(inner, col)
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand)
            raise self.error(node, f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.Constant) and node.value is not Ellipsis:
            return Num(self.number(node), col)
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                raise self.error(node, f"name {node.id!r} is not allowed (leading underscore)")
            return Name(node.id, col)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                raise self.error(node, f"attribute '.{node.attr}' is not allowed; only '.T'")
            return Transpose(self.convert(node.value), col)
        if isinstance(node, ast.Call):
            return self.call(node, col)
        if isinstance(node, ast.Subscript):
            return self.entry(node, col)
        if isinstance(node, ast.List):
            return self.literal(node, col)
        if isinstance(node, ast.Constant) and node.value is Ellipsis:
            raise self.error(node, "'...' may stand only inside a matrix literal, e.g. [[a, ..., b], ..., [c, ..., d]]")
        kind = type(node).__name__
        raise self.error(node, f"{kind} is not part of docgen's math language")

    def call(self, node: ast.Call, col: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "only named functions can be called, e.g. exp(x)")
        if node.keywords:
            raise self.error(node, "keyword arguments are not allowed")
        name = node.func.id
        if name.startswith("_") or name in INTERNAL:
            raise self.error(node, f"name {name!r} is not allowed" + (" (leading underscore)" if name.startswith("_") else ""))
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.error(arg, "starred arguments are not allowed")
        if name in BUILTINS and name in BINDERS and len(node.args) == BINDERS[name] + 1:
            binders = tuple(self.binder(a, name) for a in node.args[:-1])
            return Call(name, (*binders, self.convert(node.args[-1])), col)
        if name in ("delta", "basis"):
            args = tuple(self.index(a) if k > 0 or name == "delta" else self.convert(a)
                         for k, a in enumerate(node.args))
        else:
            args = tuple(self.convert(a) for a in node.args)
        if name in BUILTINS:
            lo, hi = BUILTINS[name]
            if not lo <= len(args) <= hi:
                want = str(lo) if lo == hi else f"{lo} or {hi}"
                raise self.error(node, f"{name}() takes {want} argument(s), got {len(args)}")
            if name == "D" and not isinstance(args[1], Name) and not (
                    isinstance(args[1], Entry) and isinstance(args[1].base, Name)) and not (
                    isinstance(args[1], Call) and args[1].func == "vec" and isinstance(args[1].args[0], Name)):
                raise self.error(node, "D(f, x) differentiates with respect to a symbol x or an entry x[k] "
                                 "(or vec(X) of a symbol X)")
            if name == "matpow":
                k = args[1]
                if not isinstance(k, Num) or k.value.denominator != 1 or abs(k.value) > MAX_EXPONENT:
                    raise self.error(node.args[1], "matpow(X, k) takes an integer literal k, "
                                     f"-{MAX_EXPONENT} <= k <= {MAX_EXPONENT} (negative: powers of the inverse)")
        return Call(name, args, col)

    def binder(self, node: ast.AST, func: str) -> Name:
        """The index variable a sum(k, e), matrix(i, j, e) or vector(i, e) ranges over."""
        if not isinstance(node, ast.Name) or node.id.startswith("_"):
            raise self.error(node, f"{func}() ranges over an index variable, e.g. {func}(k, ...) with "
                             "k declared under indices")
        return Name(node.id, node.col_offset + self.lead)

    def index(self, node: ast.AST) -> Node:
        """An index: an index variable or dimension name, a positive integer, or `n - c`."""
        col = getattr(node, "col_offset", 0) + self.lead
        if isinstance(node, ast.Name) and not node.id.startswith("_"):
            return Name(node.id, col)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if not 1 <= node.value <= MAX_INDEX:
                raise self.error(node, f"index {node.value} is out of range: indices count from 1 "
                                 f"(x[1] is the first entry), at most {MAX_INDEX}")
            return Num(Fraction(node.value), col)
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and isinstance(node.left, ast.Name)
                and isinstance(node.right, ast.Constant) and isinstance(node.right.value, int)
                and not isinstance(node.right.value, bool) and 1 <= node.right.value <= MAX_INDEX):
            return BinOp("-", Name(node.left.id, node.left.col_offset + self.lead),
                         Num(Fraction(node.right.value), node.right.col_offset + self.lead), col)
        raise self.error(node, "an index is an index variable (declared under indices), a dimension "
                         "name (x[n] is the last entry), a positive integer, or n - 1, n - 2, ...")

    def entry(self, node: ast.Subscript, col: int) -> Node:
        base = self.convert(node.value)
        sl = node.slice
        items = sl.elts if isinstance(sl, ast.Tuple) else [sl]
        if isinstance(sl, ast.Slice) or any(isinstance(i, ast.Slice) for i in items):
            raise self.error(node, "slices are not part of docgen's math language; write one entry x[i]")
        if len(items) > 2:
            raise self.error(node, f"an entry has one index x[i] or two X[i, j], not {len(items)}")
        return Entry(base, tuple(self.index(i) for i in items), col)

    def literal(self, node: ast.List, col: int) -> Literal:
        """[a, b, c] (a column vector) or [[a, b], [c, d]] (by rows); `...` inside a row and as a
        whole row."""
        if not node.elts:
            raise self.error(node, "an empty matrix literal")
        nested = [isinstance(e, ast.List) for e in node.elts]
        entries = sum(len(e.elts) if isinstance(e, ast.List) else 1 for e in node.elts)
        if entries > MAX_LITERAL_ENTRIES:
            raise self.error(node, f"matrix literal has {entries} entries; at most {MAX_LITERAL_ENTRIES}")
        if not any(nested):  # a column vector
            rows = tuple(() if _is_dots(e) else (self.scalar_entry(e),) for e in node.elts)
            return Literal(rows, True, col)
        rows = []
        for e in node.elts:
            if _is_dots(e):
                rows.append(())
                continue
            if not isinstance(e, ast.List):
                raise self.error(e, "a matrix literal is a list of rows [[a, b], [c, d]] (or '...' for "
                                 "rows left out); this item is not a row")
            if not e.elts:
                raise self.error(e, "an empty row in a matrix literal")
            rows.append(tuple(Dots(x.col_offset + self.lead) if _is_dots(x) else self.scalar_entry(x)
                              for x in e.elts))
        return Literal(tuple(rows), False, col)

    def scalar_entry(self, node: ast.AST) -> Node:
        if isinstance(node, ast.List):
            raise self.error(node, "an entry of a matrix literal is a scalar, not a list "
                             "(a matrix literal has two levels of brackets at most)")
        return self.convert(node)

    def number(self, node: ast.Constant) -> Fraction:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(node, f"literal {type(value).__name__} is not allowed; only numbers")
        start = node.col_offset
        end = getattr(node, "end_col_offset", None) or start
        digits = sum(ch.isdigit() for ch in self.text[start:end])
        if digits > MAX_DIGITS:
            raise self.error(node, f"number literal has {digits} digits; at most {MAX_DIGITS}")
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self.error(node, "number literal is not finite")
            out = Fraction(self.text[start:end]) if end > start else Fraction(value)
        else:
            out = Fraction(value)
        if abs(out.numerator) > MAX_MAGNITUDE or out.denominator > MAX_MAGNITUDE:
            raise self.error(node, f"number literal is too large or too small (limit {MAX_MAGNITUDE:.0e})")
        return out

    def exponent(self, node: ast.AST) -> Fraction | Node:
        """A number (2, -1, 0.5, 1/3, -3/4: a rational with denominator up to MAX_ROOT) or,
        when the exponent has a name in it, the tree of a symbolic exponent (x ** a)."""
        value = self.convert(node)
        exp = _constant(value)
        if exp is None:
            if not any(isinstance(n, Name) for n in value.walk()):
                raise self.error(node, "an exponent is a number such as 2, -1, 1/3, or a scalar "
                                 "expression with a symbol, e.g. x ** a")
            return value
        if abs(exp) > MAX_EXPONENT or exp.denominator > MAX_ROOT:
            raise self.error(node, f"exponent {exp} not allowed: a rational p/q with |p/q| <= "
                             f"{MAX_EXPONENT} and q <= {MAX_ROOT}")
        return exp


def _constant(node: Node) -> Fraction | None:
    """The value of a number written as arithmetic of literals (1/3, -(3/4), 2*3), else None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Neg):
        v = _constant(node.arg)
        return None if v is None else -v
    if isinstance(node, BinOp) and node.op in "+-*/" and len(node.op) == 1:
        a, b = _constant(node.left), _constant(node.right)
        if a is None or b is None or (node.op == "/" and b == 0):
            return None
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else a}[node.op]
    return None
