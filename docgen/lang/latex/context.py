"""What the LaTeX reader knows about names: declared symbols and their shapes, functions, dims.

A `Context` is built from the shape scope of a derivation file (`from_scope`) or, for a note,
from the declarations read out of its text. The reader resolves every ambiguity against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...model.derivation import Shape, Symbol
from ..shapes import Scope, derivation_scope


@dataclass
class Context:
    scope: Scope
    # generic functions: name -> the name of its derivative (f -> fprime)
    derivatives: dict[str, str] = field(default_factory=dict)
    # a function written without its argument stands for it applied to this symbol (f_1 = f(x)_1)
    applied_to: dict[str, str] = field(default_factory=dict)

    def shape_of(self, name: str) -> Shape | None:
        if name in self.scope.symbols:
            return self.scope.symbols[name].shape
        if name in self.scope.definitions:
            return self.scope.definitions[name]
        return None

    def is_value(self, name: str) -> bool:
        """A symbol or a definition (something with a shape)."""
        return self.shape_of(name) is not None

    def is_function(self, name: str) -> bool:
        return name in self.derivatives

    def is_known(self, name: str) -> bool:
        return (self.is_value(name) or name in self.derivatives or name in self.derivatives.values()
                or name in self.scope.dims or name in self.scope.indices)


def from_scope(scope: Scope) -> Context:
    """The context of a derivation file's scope (symbols, definitions, functions, dims, indices)."""
    derivatives: dict[str, str] = {}
    for name, base in scope.functions.items():
        if name != base:
            derivatives[base] = name
    for name, base in scope.functions.items():
        derivatives.setdefault(base, base + "prime")
    return Context(scope, derivatives, applied_to=dict(scope.applied))


def simple_context(symbols: dict[str, Shape], dims: tuple[str, ...] = (), functions: tuple[str, ...] = (),
                   indices: dict[str, str | int] | None = None, layout: str = "denominator") -> Context:
    """A context from plain declarations (tests, notes): {name: shape}, dims, generic functions."""
    scope = Scope(symbols={n: Symbol(n, s) for n, s in symbols.items()}, dims=frozenset(dims),
                  layout=layout, indices=dict(indices or {}))
    for f in functions:
        scope.functions[f] = f
        scope.functions[f + "prime"] = f
    return from_scope(scope)


def from_derivation(der) -> Context:  # noqa: ANN001  (a docgen.model.derivation.Derivation)
    """The context of a built derivation (its symbols, definitions, functions, dims, indices)."""
    ctx = from_scope(derivation_scope(der))
    ctx.derivatives.update({n: fn.derivative for n, fn in der.functions.items()})
    return ctx
