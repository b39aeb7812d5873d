"""The LaTeX reader: LaTeX math -> docgen expression trees, with the decisions it made.

Three steps, one module each: `lexer.py` (text -> tokens against a whitelist; `\\def`, `\\input`,
unknown commands stop there), `grammar.py` (tokens -> a parse tree, an LALR grammar in lark),
`resolve.py` and `matrices.py` (parse tree -> docgen trees, deciding juxtaposition, primes, `d`,
subscripts and `\\mathbf{1}` from the declared symbols and shapes). Nothing is evaluated.

API (what `read/spec.py` and a note auditor call):

- `read_expr(tex, ctx, loc) -> Reading`: one expression.
- `read_equation(tex, ctx, loc) -> (Reading, Reading)`: `lhs = rhs`.
- `read_formula(tex, ctx, loc) -> Formula`: `a = b = c` (or `x \\in …`): every member with its
  relation and column, for chains in notes.
- `Context` / `from_scope` / `simple_context`: what names mean.
- `NotRead`: a `ParseError` with `col`, the 0-based column in the formula of what is not read,
  and the reason as its message.

Every `Reading` carries `decisions`: (column, text) of each choice another reading could have made
(f(x) as application, d reaching over a product, `'` as a transpose, X_{12} as two indices …).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...model.errors import Location
from ...model.expr import Node
from .context import Context, from_scope, simple_context
from .grammar import parse_tokens
from .lexer import NotRead, tokenize
from .resolve import Decision, Resolver

__all__ = ["Context", "Decision", "Formula", "NotRead", "Reading", "from_scope", "read_equation",
           "read_expr", "read_formula", "simple_context"]


@dataclass(frozen=True)
class Reading:
    tree: Node
    col: int  # where the expression starts in the formula
    decisions: tuple[Decision, ...] = ()


@dataclass(frozen=True)
class Formula:
    """A formula's members in order; `relations[k]` stands before member k ('' for the first,
    'EQ' for =, 'IN' for \\in)."""

    members: tuple[Reading, ...]
    relations: tuple[str, ...]
    decisions: tuple[Decision, ...]


def read_formula(tex: str, ctx: Context, loc: Location | None = None) -> Formula:
    """All members of `a = b = c`. Raises NotRead (with the column) for what is not read."""
    loc = loc or Location("<tex>", 1, 1)
    tokens = tokenize(tex, loc)
    tree = parse_tokens(tokens, len(tex), loc)
    r = Resolver(ctx, loc)
    members = r.formula(tree)
    readings = []
    for rel, node, col in members:
        readings.append(Reading(node, col, tuple(d for d in r.decisions)))
    return Formula(tuple(Reading(n, c, tuple(r.decisions)) for _, n, c in members),
                   tuple(rel for rel, _, _ in members), tuple(r.decisions))


def read_expr(tex: str, ctx: Context, loc: Location | None = None) -> Reading:
    """One expression (no `=`)."""
    loc = loc or Location("<tex>", 1, 1)
    f = read_formula(tex, ctx, loc)
    if len(f.members) != 1:
        col = f.members[1].col
        raise NotRead("expected one expression, found a relation (=, \\in)", loc.shifted(col), col)
    return Reading(f.members[0].tree, f.members[0].col, f.decisions)


def read_equation(tex: str, ctx: Context, loc: Location | None = None) -> tuple[Reading, Reading]:
    """`lhs = rhs`: exactly one `=`."""
    loc = loc or Location("<tex>", 1, 1)
    f = read_formula(tex, ctx, loc)
    if len(f.members) != 2 or f.relations[1] != "EQ":
        raise NotRead(f"expected an equation 'lhs = rhs' with one '=', found {len(f.members) - 1} relations",
                      loc, 0)
    a, b = f.members
    return Reading(a.tree, a.col, f.decisions), Reading(b.tree, b.col, f.decisions)
