"""A lark parse tree of LaTeX math -> docgen expression trees, deciding what TeX leaves open.

TeX does not say whether `f(x)` applies f or multiplies, whether `'` is a derivative or a
transpose, how far `d` reaches, or whether `x_1` is a name or an entry. The `Resolver` decides
each from the `Context` (declared symbols, shapes, functions, indices) and records a `Decision`
for every choice that another reading could have made; what it cannot decide is a `NotRead`
error at the column. Products are built left to right: `@` when both factors are matrices,
`*` when one is a scalar (or for ⊙), and a product whose shapes do not fit is an error.

This module is about 780 lines: one class whose methods read against each other (a factor's
suffixes, the product loop, operators and names); `fill.py` sizes \\mathbf{1}, \\mathbf{I} and
\\mathbf{e}_k from their neighbours, `matrices.py` holds the environments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from lark import Token, Tree

from ...model.derivation import SCALAR, Shape
from ...model.errors import Location, ShapeError
from ...model.expr import BinOp, Call, Entry, Literal, Name, Neg, Node, Num, Pow, Transpose
from ..parse import BUILTINS, ELEMENTWISE, MAX_EXPONENT, MAX_INDEX
from ..shapes import infer
from .context import Context
from .fill import Sizing, unsized
from .lexer import NotRead

# functions written as words (\operatorname{softmax}) that docgen has built in
WORD_FUNCTIONS = {"softmax", "logsumexp", "softplus", "sigmoid", "diag", "tr", "Tr", "trace", "det", "sum",
                  "exp", "log", "tanh", "sqrt", "inv", "norm"}
_WORD_ALIAS = {"Tr": "tr", "trace": "tr"}
# the derivative of a built-in, where it is a built-in again
BUILTIN_PRIMES = {"exp": "exp"}


@dataclass(frozen=True)
class Decision:
    """A choice the reader made between readings: at `col` (0-based in the formula), what it read."""

    col: int
    text: str


@dataclass
class Item:
    """One factor of a product: a value, or an operator waiting for its operand."""

    col: int
    join: str  # '' for the first factor, 'juxt', or the operator written before it
    node: Node | None = None  # a value
    kind: str = ""  # '' (value), 'func', 'd', 'dop', 'sum'
    func: str = ""
    neg: bool = False
    opcol: int = -1  # the column of the operator written before it
    paren: Node | None = None  # the value inside ( ) before its suffixes, if written in parentheses
    suffixes: list = field(default_factory=list)
    data: tuple = ()


def _tok(t: Tree | Token) -> Token | None:
    return t if isinstance(t, Token) else None


class Resolver(Sizing):
    def __init__(self, ctx: Context, loc: Location):
        self.ctx = ctx
        self.loc = loc
        self.decisions: list[Decision] = []
        self.blank = False

    # -- helpers -------------------------------------------------------------------------------
    def error(self, col: int, message: str) -> NotRead:
        return NotRead(message, self.loc.shifted(col), col)

    def decide(self, col: int, text: str) -> None:
        self.decisions.append(Decision(col, text))

    def shape(self, node: Node) -> Shape | None:
        """The shape of a built tree; None while a \\mathbf{1} in it has no size yet."""
        if any(unsized(n) for n in node.walk()):
            return None
        try:
            return infer(node, self.ctx.scope, self.loc)
        except ShapeError as exc:
            col = exc.location.column - self.loc.column if exc.location and self.loc.column else node.col
            raise NotRead(exc.message, exc.location, col) from None

    @staticmethod
    def body(sc: Tree) -> Tree | Token:
        """What a script holds: its single token, the `inner` of {…}, or the decorated `dscript`."""
        if isinstance(sc, Token):
            return sc
        ch = sc.children
        if len(ch) == 1:
            return ch[0]
        if len(ch) == 3:
            return ch[1]
        return sc

    @staticmethod
    def col_of(t: Tree | Token) -> int:
        if isinstance(t, Token):
            return t.start_pos or 0
        for c in t.iter_subtrees_topdown():
            for ch in c.children:
                if isinstance(ch, Token):
                    return ch.start_pos or 0
        return 0

    # -- formulas and sums -----------------------------------------------------------------------
    def formula(self, tree: Tree) -> list[tuple[str, Node, int]]:
        """[(relation, expression, column)]: the relation before each member ('' for the first)."""
        (f,) = tree.children
        out: list[tuple[str, Node, int]] = []
        rel = ""
        for ch in f.children:
            if isinstance(ch, Tree) and ch.data == "rel":
                rel = str(ch.children[0].type)
                continue
            out.append((rel, self.sized(self.expr(ch, top=True)), self.col_of(ch)))
        return out

    def expr(self, t: Tree, top: bool = False) -> Node:
        children = t.children
        signed = children[0]
        signs = [s.children[0] for s in signed.children[:-1]]
        neg = sum(1 for s in signs if s.type == "MINUS") % 2 == 1
        acc = self.product(signed.children[-1], neg, top)
        for k in range(1, len(children), 2):
            op = children[k].children[0]
            right = self.product(children[k + 1], False, False)
            acc = self.add(acc, "+" if op.type == "PLUS" else "-", right, op.start_pos or 0)
        return acc

    def add(self, a: Node, op: str, b: Node, col: int) -> Node:
        a, b = self.fill_pair(a, b, op)
        node = BinOp(op, a, b, col)
        if self.shape(a) is not None and self.shape(b) is not None:
            self.shape(node)
        return node

    # -- products ------------------------------------------------------------------------------
    def product(self, t: Tree, neg: bool, top: bool) -> Node:
        items = [self.factor(t.children[0], "", neg)]
        for part in t.children[1:]:
            if part.data == "juxt":
                items.append(self.factor(part.children[0], "juxt", False))
                continue
            op = part.children[0]
            sf = part.children[1]
            sneg = sum(1 for s in sf.children[:-1] if s.children[0].type == "MINUS") % 2 == 1
            join = "/" if part.data == "divide" else str(op.value)
            items.append(self.factor(sf.children[-1], join, sneg))
            items[-1].opcol = op.start_pos or 0
        return self.run(items, 0, len(items), top)

    def run(self, items: list[Item], start: int, end: int, top: bool) -> Node:
        acc, i = self.operand(items, start, end, top)
        while i < end:
            join, col = items[i].join, items[i].opcol if items[i].opcol >= 0 else items[i].col
            val, j = self.operand(items, i, end, False)
            acc = self.combine(acc, join, val, col)
            i = j
        return acc

    def run_end(self, items: list[Item], start: int, end: int) -> int:
        """The end of the juxtaposed run that starts at `start`."""
        j = start + 1
        while j < end and items[j].join == "juxt":
            j += 1
        return j

    def operand(self, items: list[Item], i: int, end: int, top: bool) -> tuple[Node, int]:
        """The value that starts at item i (an operator takes its operand), and where it ends."""
        it = items[i]
        node, j = self._operand(items, i, end, top)
        if it.neg:
            node = Num(-node.value, it.col) if isinstance(node, Num) else Neg(node, it.col)
        return node, j

    def _operand(self, items: list[Item], i: int, end: int, top: bool) -> tuple[Node, int]:
        it = items[i]
        if not it.kind:
            return it.node, i + 1  # type: ignore[return-value]
        nxt = items[i + 1] if i + 1 < end and items[i + 1].join == "juxt" else None
        if it.kind == "sum":
            stop = self.run_end(items, i, end)
            if stop == i + 1:
                raise self.error(it.col, "\\sum has nothing to sum")
            k, _ = it.data
            body = self.run(items, i + 1, stop, False)
            if stop - i > 2:
                self.decide(it.col, f"\\sum_{{{k}}} reaches to the end of the product after it")
            return Call("sum", (Name(k, it.col), body), it.col), stop
        if nxt is None:
            what = {"func": f"function {it.func}", "d": "d", "dop": "\\partial"}[it.kind]
            raise self.error(it.col, f"{what} has no operand after it")
        if it.kind == "d" and top and i == 0 and it.data != ("roman",):
            stop = self.run_end(items, i, end)
            if stop - i > 2 and not any(items[k].kind == "d" for k in range(i + 1, stop)):
                body = self.run(items, i + 1, stop, False)
                self.decide(it.col, "d at the start of the formula reaches to the end of the product "
                            "after it: d(" + str(stop - i - 1) + " factors)")
                return Call("d", (body,), it.col), stop
        if it.kind == "func" and nxt.paren is not None and not nxt.kind:
            node = self.call(it, nxt.paren, nxt.col)
            return self.suffixes(node, nxt.suffixes), i + 2
        arg, j = self.operand(items, i + 1, end, False)
        if it.kind == "func":
            self.decide(it.col, f"{it.func} applied to the factor after it, written without parentheses")
            return self.call(it, arg, items[i + 1].col), j
        if it.kind == "d":
            return Call("d", (arg,), it.col), j
        wrt = it.data[0]
        return Call("D", (arg, wrt), it.col), j

    def call(self, it: Item, arg: Node, col: int) -> Node:
        node: Node = Call(it.func, (arg,), it.col)
        if it.func == "sum" and self.shape(arg) == SCALAR:
            raise self.error(it.col, "sum of a scalar")
        self.shape(node)
        return self.suffixes(node, it.suffixes)

    def combine(self, a: Node, join: str, b: Node, col: int) -> Node:
        if join == "otimes":
            raise self.error(col, "\\otimes is not read: needs kron (docgen's language has no Kronecker product yet)")
        a, b = self.fill_pair(a, b, join)
        sa, sb = self.shape(a), self.shape(b)
        if join in ("/", "oslash"):
            return self.checked(BinOp("/", a, b, col))
        if join in ("odot", "circ"):
            return self.checked(BinOp("*", a, b, col))
        if sa is None or sb is None:
            return BinOp("@" if sa != SCALAR and sb != SCALAR else "*", a, b, col)  # sized later
        if sa == SCALAR or sb == SCALAR:
            return self.checked(BinOp("*", a, b, col))
        if join == "times":
            raise self.error(col, "\\times between matrices is not read (a cross or Kronecker product?); "
                             "write \\cdot or juxtapose for the matrix product")
        if sa[1] != sb[0]:  # type: ignore[index]
            hint = " (for the inner product write a^\\top b)" if sa == sb and sa[1] == 1 else ""  # type: ignore[index]
            raise self.error(col, f"these factors cannot be multiplied: {sa[0]}×{sa[1]} by {sb[0]}×{sb[1]}{hint}")  # type: ignore[index]
        return self.checked(BinOp("@", a, b, col))

    def checked(self, node: Node) -> Node:
        self.shape(node)
        return node

    def factor(self, t: Tree, join: str, neg: bool) -> Item:
        atom, suffixes = t.children[0], list(t.children[1:])
        col = self.col_of(atom)
        item = Item(col, join, neg=neg)
        kind = atom.data
        tok = atom.children[0] if atom.children and isinstance(atom.children[0], Token) else None
        if kind in ("letter", "greek", "word", "decor"):
            return self.named(item, atom, suffixes)
        if kind == "func":
            return self.function(item, str(tok), suffixes)
        if kind == "diff":
            item.kind, item.data = "d", ("roman",)
            return self.no_suffix(item, suffixes, "d")
        if kind == "sumsym":
            return self.sigma(item, suffixes)
        if kind == "frac":
            return self.frac(item, atom, suffixes)
        if kind == "paren":
            exprs = self.exprlist(atom.children[1])
            if len(exprs) != 1:
                raise self.error(col, "a list in parentheses is not read (functions take one argument)")
            item.paren = exprs[0]
            item.suffixes = suffixes
            item.node = self.suffixes(exprs[0], suffixes)
            return item
        if kind == "bracket":
            return self.bracket(item, atom, suffixes)
        if kind == "group":
            item.node = self.suffixes(self.expr(atom.children[1]), suffixes)
            return item
        if kind == "number":
            item.node = self.suffixes(self.number(tok), suffixes)
            return item
        if kind in ("abs", "norm", "sqrt"):
            inner = self.expr(atom.children[1] if kind != "sqrt" else atom.children[2])
            item.node = self.suffixes(self.checked(Call(kind, (inner,), col)), suffixes)
            return item
        if kind == "env":
            from .matrices import environment

            item.node = self.suffixes(environment(self, atom), suffixes)
            return item
        what = {"partial": "\\partial is read only in \\frac{\\partial f}{\\partial x}",
                "top": "\\top is read only as an exponent (x^\\top)",
                "dots": "dots are read only inside a matrix (bmatrix, pmatrix, array)",
                "text": "text inside a formula is not read",
                "empty_group": "an empty group {} is not read"}.get(kind, f"{kind} is not read here")
        raise self.error(col, what)

    def no_suffix(self, item: Item, suffixes: list, what: str) -> Item:
        if suffixes:
            raise self.error(self.col_of(suffixes[0]), f"{what} takes no exponent or subscript")
        return item

    def exprlist(self, t: Tree) -> list[Node]:
        return [self.expr(e) for e in t.children if isinstance(e, Tree)]

    def number(self, tok: Token) -> Num:
        text = str(tok)
        return Num(Fraction(text), tok.start_pos or 0)

    # -- names -----------------------------------------------------------------------------------
    def base_name(self, atom: Tree) -> tuple[str, str]:
        """(name, decoration) of a letter, Greek letter, word or decorated one."""
        kind = atom.data
        if kind in ("letter", "greek", "word"):
            return str(atom.children[0]), ""
        deco = str(atom.children[0])
        ds = atom.children[1]
        inner = ds.children[0]
        if isinstance(inner, Token) and inner.type != "LBRACE":
            return str(inner), deco
        body = ds.children[1]
        word = self.word_of(body)
        if word is None:
            raise self.error(self.col_of(atom), f"\\{deco}{{…}} is read only around a name, 1, 0, I or e")
        return word, deco

    def word_of(self, t: Tree) -> str | None:
        """The letters and digits of a script or group that holds only those (ij, 12, new, \\alpha)."""
        if isinstance(t, Token):
            return str(t) if t.type in ("LETTER", "NUM", "GREEK", "WORD", "TEXT") else None
        if t.data in ("inner_list",):
            exprs = [e for e in t.children[0].children if isinstance(e, Tree)]
            if len(exprs) != 1:
                return None
            return self.word_of(exprs[0])
        if t.data == "expr" and len(t.children) == 1:
            signed = t.children[0]
            if len(signed.children) != 1:
                return None
            out = ""
            for part in signed.children[0].children:
                f = part if part.data == "factor" else (part.children[0] if part.data == "juxt" else None)
                if f is None or len(f.children) != 1 or f.children[0].data not in ("letter", "number", "greek", "word", "text"):
                    return None
                out += str(f.children[0].children[0])
            return out
        return None

    def named(self, item: Item, atom: Tree, suffixes: list) -> Item:
        name, deco = self.base_name(atom)
        col = item.col
        if deco in ("mathbb", "mathcal"):
            raise self.error(col, f"\\{deco}{{{name}}} is a set, read only in declarations (x \\in \\mathbb{{R}}^n)")
        subs = [s for s in suffixes if s.data == "sub"]
        rest = [s for s in suffixes if s.data != "sub"]
        sub = subs[0] if subs else None
        if len(subs) > 1:
            raise self.error(self.col_of(subs[1]), "two subscripts")
        if not deco and name == "d" and not self.ctx.is_known("d") and sub is None:
            item.kind = "d"
            return self.no_suffix(item, rest, "d")
        if deco and name in ("1", "0") or (deco == "mathbf" and name == "I" and not self.ctx.is_known("I")):
            item.node = self.constant(name, sub, col)
            item.node = self.suffixes(item.node, rest)
            return item
        if deco == "mathbf" and name == "e" and sub is not None and not self.ctx.is_known("e"):
            size = self.basis_size(rest[0]) if rest else None
            item.node = self.suffixes(self.basis(sub, size, col), rest[1:] if size else rest)
            return item
        if sub is not None:
            text = self.word_of(self.body(sub.children[1]))
            for cand in ((name + "_" + text, name + text) if text else ()):
                if self.ctx.is_value(cand) or self.ctx.is_function(cand) or cand in self.ctx.scope.dims:
                    if self.ctx.is_value(name) and self.ctx.shape_of(name) != SCALAR:
                        self.decide(col, f"{name}_{{{text}}} read as the declared symbol {cand}, not an entry of {name}")
                    return self.name_item(item, cand, rest)
            if name == "delta" and not self.ctx.is_known("delta"):
                idx = self.indices(self.body(sub.children[1]), 2)
                item.node = self.suffixes(Call("delta", tuple(idx), col), rest)
                return item
            if name in self.ctx.applied_to and self.ctx.is_function(name):
                arg = Name(self.ctx.applied_to[name], col)
                self.decide(col, f"{name}_{{…}} read as an entry of {name}({arg.name})")
                base: Node = Call(name, (arg,), col)
            elif self.ctx.is_value(name):
                base = Name(name, col)
            else:
                raise self.error(col, f"{name}_{{{text or '…'}}} is not read: neither {name} nor "
                                 f"{name}_{text or '…'} is declared")
            shape = self.shape(base)
            if shape == SCALAR:
                raise self.error(col, f"{name} is a scalar: it has no entries, and {name}_{text} is not declared")
            want = 1 if shape[1] == 1 else 2  # type: ignore[index]
            idx = self.indices(self.body(sub.children[1]), want)
            item.node = self.suffixes(self.checked(Entry(base, tuple(idx), col)), rest)
            return item
        return self.name_item(item, name, rest)

    def basis(self, sub: Tree, size: Node | None, col: int) -> Node:
        """\\mathbf{e}_{k}: sized by an index variable k (its dimension), by a dimension name
        (\\mathbf{e}_{n}, \\mathbf{e}_{n-1}: size n), by `size` (\\mathbf{e}_{1}^{(n)}), or else
        open, basis(k) with a number k, sized later from its neighbours like \\mathbf{1}."""
        (idx,) = self.indices(self.body(sub.children[1]), 1)
        name = idx.left.name if isinstance(idx, BinOp) else getattr(idx, "name", "")  # type: ignore[attr-defined]
        dim = self.ctx.scope.indices.get(name) or (name if name in self.ctx.scope.dims else None)
        if dim is not None and size is not None:
            raise self.error(col, f"\\mathbf{{e}}_{{{name}}} takes its size from {name}: write no ^{{(…)}}")
        if dim is None and not isinstance(idx, Num):
            raise self.error(col, "\\mathbf{e}_k is read with k a number, a dimension name (n, n-1) or an "
                             "index declared under indices")
        if dim is not None:
            size = Num(Fraction(dim), col) if isinstance(dim, int) else Name(dim, col)
        return self.checked(Call("basis", (size, idx), col)) if size is not None else Call("basis", (idx,), col)

    def basis_size(self, s: Tree) -> Node | None:
        """n, when the suffix s is the size of a basis vector written ^{(n)}; else None."""
        body = self.body(s.children[1]) if s.data == "sup" else None
        if not isinstance(body, Tree) or body.data != "inner_list":
            return None
        exprs = [e for e in body.children[0].children if isinstance(e, Tree)]
        atom = exprs[0] if len(exprs) == 1 else None
        for kind in ("expr", "signed", "product", "factor"):  # down to the one atom, if it is alone
            if atom is None or atom.data != kind or len(atom.children) != 1:
                return None
            atom = atom.children[0]
        if atom.data != "paren":
            return None
        inner = [e for e in atom.children[1].children if isinstance(e, Tree)]
        word = self.word_of(inner[0]) if len(inner) == 1 else None
        if word is None:
            return None
        (dim,) = self.dims(Token("LETTER", word, start_pos=self.col_of(inner[0])))
        return dim

    def name_item(self, item: Item, name: str, suffixes: list) -> Item:
        col = item.col
        if self.ctx.is_value(name):
            item.node = self.suffixes(Name(name, col), suffixes)
            return item
        if self.ctx.is_function(name) or name in self.ctx.derivatives.values():
            return self.function(item, name, suffixes)
        if name == "sigma" and not self.ctx.is_known("sigma"):
            self.decide(col, "\\sigma read as the logistic function sigmoid (no symbol sigma is declared)")
            return self.function(item, "sigmoid", suffixes)
        if name in WORD_FUNCTIONS and len(name) > 1:
            return self.function(item, _WORD_ALIAS.get(name, name), suffixes)
        if name in self.ctx.scope.dims:
            item.node = self.suffixes(Name(name, col), suffixes)  # a size used as a number: x / n
            return item
        if name in self.ctx.scope.indices:
            raise self.error(col, f"{name} is an index, not a value")
        raise self.error(col, f"{name} is not declared (declare it under symbols, or in the note's text)")

    def constant(self, name: str, sub: Tree | None, col: int) -> Node:
        func = {"1": "ones", "0": "zeros", "I": "eye"}[name]
        if sub is None:
            return Call(func, (), col)
        dims = self.dims(self.body(sub.children[1]))
        if func == "eye" and len(dims) != 1:
            raise self.error(col, "\\mathbf{I}_{n} takes one size")
        return Call(func, tuple(dims), col)

    def dims(self, script: Tree | Token) -> list[Node]:
        """n, {n}, {n \\times m}, {3}: the sizes of \\mathbf{1}_{…}."""
        if isinstance(script, Token):
            words = [str(script)]
        else:
            body = script.children[1] if len(script.children) == 3 else script
            words = []
            text = self.word_of(body)
            if text is not None:
                words = [text]
            elif body.data == "inner_list":
                prod = body.children[0].children[0].children[0].children[0]
                for part in prod.children:
                    if part.data == "explicit" and str(part.children[0]) == "times":
                        f = part.children[1].children[-1]
                    elif part.data == "factor":
                        f = part
                    else:
                        words = []
                        break
                    words.append(str(f.children[0].children[0]))
        out: list[Node] = []
        for w in words:
            if w.isdigit() and 1 <= int(w) <= MAX_INDEX:
                out.append(Num(Fraction(int(w))))
            elif w in self.ctx.scope.dims:
                out.append(Name(w))
            else:
                raise self.error(self.col_of(script), f"{w!r} is not a declared dimension")
        if not 1 <= len(out) <= 2:
            raise self.error(self.col_of(script), "a size is written _{n} or _{n \\times m}")
        return out

    # -- indices -----------------------------------------------------------------------------------
    def indices(self, script: Tree | Token, want: int) -> list[Node]:
        """The indices of a subscript: _i, _{ij}, _{i,j}, _{n-1}, _{12} (two indices for a matrix)."""
        col = self.col_of(script)
        if isinstance(script, Token):
            parts = [script]
        else:
            body = script.children[1] if len(script.children) == 3 else script
            if body.data != "inner_list":
                raise self.error(col, "a subscript of indices is read as _i, _{ij}, _{i,j} or _{n-1}")
            exprs = [e for e in body.children[0].children if isinstance(e, Tree)]
            if len(exprs) > 1:
                return [self.index(e) for e in exprs]
            word = self.word_of(exprs[0])
            if word is None:
                return [self.index(exprs[0])]
            if want == 2 and len(word) == 2:
                if word.isdigit():
                    self.decide(col, f"_{{{word}}} read as two indices {word[0]}, {word[1]}")
                return [self.index_word(word[0], col), self.index_word(word[1], col + 1)]
            return [self.index_word(word, col)]
        return [self.index_word(str(p), p.start_pos or 0) for p in parts]

    def index_word(self, w: str, col: int) -> Node:
        if w.isdigit():
            if not 1 <= int(w) <= MAX_INDEX:
                raise self.error(col, f"index {w} is out of range (1 to {MAX_INDEX})")
            return Num(Fraction(int(w)), col)
        return Name(w, col)

    def index(self, e: Tree) -> Node:
        col = self.col_of(e)
        word = self.word_of(e)
        if word is not None:
            return self.index_word(word, col)
        # n - 1
        if len(e.children) == 3 and str(e.children[1].children[0]) == "-":
            a, b = self.word_of(Tree("expr", [e.children[0]])), self.word_of(Tree("expr", [Tree("signed", [e.children[2]])]))
            if a and b and not a.isdigit() and b.isdigit():
                return BinOp("-", Name(a, col), Num(Fraction(int(b))), col)
        raise self.error(col, "an index is an index variable, a dimension name, a positive integer or n - 1")

    # -- functions and operators ------------------------------------------------------------------------
    def function(self, item: Item, name: str, suffixes: list) -> Item:
        primes = 0
        rest = []
        for s in suffixes:
            p = self.prime_count(s)
            if p:
                primes += p
            else:
                rest.append(s)
        if primes > 1:
            raise self.error(item.col, f"{name} with {primes} primes is not read")
        if primes:
            if name in self.ctx.derivatives:
                name = self.ctx.derivatives[name]
            elif name in BUILTIN_PRIMES:
                self.decide(item.col, f"{name}' read as {BUILTIN_PRIMES[name]} (the derivative of {name})")
                name = BUILTIN_PRIMES[name]
            else:
                raise self.error(item.col, f"{name}' is not read: the derivative of {name} is not a function "
                                 "docgen has (declare a generic function with its derivative)")
        if name not in BUILTINS and not self.ctx.is_function(name) and name not in self.ctx.derivatives.values():
            raise self.error(item.col, f"function {name} is not read")
        if name in BUILTINS and BUILTINS[name][0] > 1:
            raise self.error(item.col, f"{name} takes several arguments and is not read in LaTeX")
        if rest:
            raise self.error(self.col_of(rest[0]), f"an exponent or subscript on the function {name} is not read; "
                             f"put it after its argument: {name}(x)^2")
        item.kind, item.func = "func", name
        return item

    def prime_count(self, s: Tree) -> int:
        if s.data == "prime":
            return 1
        if s.data != "sup":
            return 0
        b = self.body(s.children[1])
        if isinstance(b, Token):
            return 1 if b.type == "PRIME" else 0
        return len(b.children) if b.data == "inner_primes" else 0

    def sigma(self, item: Item, suffixes: list) -> Item:
        subs = [s for s in suffixes if s.data == "sub"]
        sups = [s for s in suffixes if s.data == "sup"]
        if len(subs) != 1 or len(sups) > 1 or len(suffixes) != len(subs) + len(sups):
            raise self.error(item.col, "\\sum is read as \\sum_{k=1}^{n} or \\sum_{k}")
        body = self.body(subs[0].children[1])
        k = str(body) if isinstance(body, Token) else None
        if k is None:
            if body.data == "inner_eq":
                k = self.word_of(body.children[0])
                lo = self.word_of(body.children[2])
                if lo != "1":
                    raise self.error(item.col, "a sum is read from 1: \\sum_{k=1}^{n}")
            else:
                k = self.word_of(body)
        if k is None or k not in self.ctx.scope.indices:
            raise self.error(item.col, f"\\sum_{{{k}}}: {k} is not declared under indices")
        dim = self.ctx.scope.indices[k]
        if sups:
            hi = self.word_of(self.body(sups[0].children[1]))
            if hi != str(dim):
                raise self.error(item.col, f"\\sum_{{{k}=1}}^{{{hi}}}: {k} runs to {dim} (as declared)")
        item.kind, item.data = "sum", (k, dim)
        return item

    def frac(self, item: Item, atom: Tree, suffixes: list) -> Item:
        num, den = atom.children[2], atom.children[5]
        if self.starts_with_partial(num) or self.starts_with_partial(den):
            if not (self.starts_with_partial(num) and self.starts_with_partial(den)):
                raise self.error(item.col, "\\frac{\\partial …}{\\partial …} needs \\partial in both")
            wrt = self.after_partial(den, item.col)
            if not (isinstance(wrt, Name) or isinstance(wrt, Entry) and isinstance(wrt.base, Name)):
                raise self.error(self.col_of(den), "∂ is taken with respect to a symbol or an entry x_k")
            if self.partial_rest(num) is None:
                item.kind, item.data = "dop", (wrt,)
                return self.no_suffix(item, suffixes, "\\frac{\\partial}{\\partial x}")
            f = self.after_partial(num, item.col)
            item.node = self.suffixes(self.checked(Call("D", (f, wrt), item.col)), suffixes)
            return item
        a, b = self.expr(num), self.expr(den)
        if isinstance(a, Num) and isinstance(b, Num) and b.value != 0:
            node: Node = Num(a.value / b.value, item.col)
        else:
            node = self.checked(BinOp("/", a, b, item.col))
        item.node = self.suffixes(node, suffixes)
        return item

    @staticmethod
    def partial_rest(e: Tree) -> Tree | None:
        """The product after a leading \\partial (None when \\partial stands alone)."""
        if len(e.children) != 1:
            return Tree("x", [])
        prod = e.children[0].children[-1]
        if len(prod.children) == 1:
            return None
        return prod

    def starts_with_partial(self, e: Tree) -> bool:
        signed = e.children[0]
        prod = signed.children[-1]
        f = prod.children[0]
        return f.children[0].data == "partial"

    def after_partial(self, e: Tree, col: int) -> Node:
        if len(e.children) != 1 or len(e.children[0].children) != 1:
            raise self.error(col, "∂ of a sum: write \\frac{\\partial}{\\partial x}\\left(a + b\\right)")
        prod = e.children[0].children[-1]
        first = prod.children[0]
        if len(first.children) > 1:
            raise self.error(self.col_of(first), "\\partial^2 and other higher derivatives are not read")
        parts = prod.children[1:]
        if not parts:
            raise self.error(col, "\\partial with nothing after it")
        if parts[0].data != "juxt":
            raise self.error(self.col_of(parts[0]), "an operator right after \\partial")
        items = [self.factor(parts[0].children[0], "", False)]
        for part in parts[1:]:
            if part.data == "juxt":
                items.append(self.factor(part.children[0], "juxt", False))
            else:
                sf = part.children[1]
                sneg = sum(1 for s in sf.children[:-1] if s.children[0].type == "MINUS") % 2 == 1
                items.append(self.factor(sf.children[-1], "/" if part.data == "divide" else str(part.children[0].value), sneg))
        return self.run(items, 0, len(items), False)

    def bracket(self, item: Item, atom: Tree, suffixes: list) -> Item:
        exprs = self.exprlist(atom.children[1])
        if len(exprs) != 1:
            raise self.error(item.col, "a list in brackets is not read; write a matrix with bmatrix")
        inner = exprs[0]
        subs = [s for s in suffixes if s.data == "sub"]
        if not subs:
            item.paren = inner
            item.suffixes = suffixes
            item.node = self.suffixes(inner, suffixes)
            return item
        sub = subs[0]
        rest = [s for s in suffixes if s is not sub]
        idx = self.indices(self.body(sub.children[1]), 2)
        free = [i.name for i in idx if isinstance(i, Name) and i.name in self.ctx.scope.indices]
        from ...model.expr import index_names

        inside = index_names(inner)
        if len(free) == len(idx) and all(n in inside for n in free) and self.shape(inner) == SCALAR:
            func = "vector" if len(idx) == 1 else "matrix"
            self.decide(item.col, f"[…]_{{{''.join(free)}}} read as the {func} whose entry ({', '.join(free)}) is the bracket")
            node: Node = Call(func, (*[Name(n, item.col) for n in free], inner), item.col)
        else:
            node = Entry(inner, tuple(idx), item.col)
        item.node = self.suffixes(self.checked(node), rest)
        return item

    # -- suffixes: transposes, powers, inverses, primes ------------------------------------------------------
    def suffixes(self, node: Node, suffixes: list) -> Node:
        for s in suffixes:
            node = self.suffix(node, s)
        return node

    def suffix(self, node: Node, s: Tree) -> Node:
        col = self.col_of(s)
        if s.data == "sub":
            raise self.error(col, "a subscript here is not read (subscripts are read on names and on [ … ])")
        if s.data == "prime" or self.prime_count(s):
            shape = self.shape(node)
            if shape == SCALAR:
                raise self.error(col, "' on a scalar is not read (a derivative is written f'(x) for a declared function f)")
            self.decide(col, "' read as the transpose (it follows a matrix, not a function)")
            return Transpose(node, col)
        sc = s.children[1]
        body = self.body(sc)
        kind = body.data if isinstance(body, Tree) else body.type
        if kind == "TOP" or self.is_transpose(sc):
            return Transpose(node, col)
        if kind == "LETTER" and str(body) == "T":
            if self.ctx.is_known("T"):
                raise self.error(col, "^T: T is a declared name; write ^\\top for the transpose")
            self.decide(col, "^T read as the transpose")
            return Transpose(node, col)
        if kind == "inner_op":
            if str(body.children[0]) != "circ":
                raise self.error(col, "an exponent is read as ^{2}, ^{-1}, ^{\\circ 2}, ^\\top")
            exp = self.exponent(body.children[1], col)
            if self.shape(node) == SCALAR:
                raise self.error(col, "^{\\circ k} is the elementwise power of a vector or matrix")
            return Pow(node, exp, col)
        exp = self.exponent(body if isinstance(body, Token) else body.children[0].children[0], col) \
            if kind in ("NUM", "inner_list") else None
        if exp is None:
            raise self.error(col, "an exponent is read as ^{2}, ^{-1}, ^{1/2}, ^{\\circ 2}, ^\\top or ^T")
        shape = self.shape(node)
        if shape == SCALAR:
            return Pow(node, exp, col)
        if exp == -1 and shape is not None and shape[0] == shape[1]:
            return Call("inv", (node,), col)
        raise self.error(col, f"^{{{exp}}} of a {shape[0]}×{shape[1]} matrix is not read: write ^{{\\circ {exp}}} for "  # type: ignore[index]
                         "the elementwise power (a matrix power needs matpow)")

    def is_transpose(self, sc: Tree) -> bool:
        """^\\top, ^{\\top}, ^{\\mathsf{T}}, ^\\mathsf T, ^\\intercal."""
        ch = sc.children
        if len(ch) == 1:
            return isinstance(ch[0], Token) and ch[0].type == "TOP"
        if ch and isinstance(ch[0], Token) and ch[0].type == "DECOR" and str(ch[0]) == "mathsf":
            inner = ch[1].children
            word = str(inner[0]) if isinstance(inner[0], Token) and inner[0].type != "LBRACE" else self.word_of(inner[1])
            return word == "T"
        if len(ch) == 3 and isinstance(ch[1], Tree) and ch[1].data == "inner_list":
            exprs = [e for e in ch[1].children[0].children if isinstance(e, Tree)]
            if len(exprs) == 1 and len(exprs[0].children) == 1:
                prod = exprs[0].children[0].children[-1]
                if len(exprs[0].children[0].children) == 1 and len(prod.children) == 1:
                    a = prod.children[0]
                    if len(a.children) == 1 and a.children[0].data == "top":
                        return True
                    if len(a.children) == 1 and a.children[0].data == "decor" and str(a.children[0].children[0]) == "mathsf":
                        name, _ = self.base_name(a.children[0])
                        return name == "T"
        return False

    def exponent(self, t: Tree | Token, col: int) -> Fraction:
        """A literal exponent: 2, -1, 1/2, \\frac{1}{2}, 3/2."""
        if isinstance(t, Token):
            value = Fraction(str(t))
        else:
            node = self.expr(t if t.data == "expr" else Tree("expr", [t]))
            if isinstance(node, Neg) and isinstance(node.arg, Num):
                node = Num(-node.arg.value)
            if isinstance(node, BinOp) and node.op == "/" and isinstance(node.left, Num) and isinstance(node.right, Num):
                node = Num(node.left.value / node.right.value)
            if not isinstance(node, Num):
                raise self.error(col, "an exponent is a number: 2, -1, 1/2")
            value = node.value
        if abs(value) > MAX_EXPONENT or value.denominator not in (1, 2):
            raise self.error(col, f"exponent {value} is not read: integers or halves up to {MAX_EXPONENT}")
        return value


__all__ = ["Decision", "Resolver", "ELEMENTWISE", "Literal"]
