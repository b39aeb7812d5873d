"""LaTeX of the Kronecker product, vec and the matrix power, mixed into the document printer.

kron(A, B) is A ⊗ B (operands that are sums or products in parentheses), vec(X) is
\\operatorname{vec}(X), matpow(X, k) is X^{k} (X^{-2} for a power of the inverse); a symbolic
exponent x ** a is x^{a}, elementwise on a matrix X^{\\circ a} (as a literal exponent is).
"""

from __future__ import annotations

import sympy as sp

from .symbolic import Kron, ops

P_MUL = 50  # SymPy's precedence of products (notation.py's scale)


class Operators:
    """`_print_*` methods for the Kron, Vec and MatPowOf classes of symbolic.py."""

    def _print_Kron(self, expr: sp.Basic) -> str:
        a, b = ops(expr)
        return self._kron_operand(a) + r" \otimes " + self._kron_operand(b)

    def _kron_operand(self, e: sp.Basic) -> str:
        s = self._print(e)  # type: ignore[attr-defined]
        if self.prec(e) <= P_MUL and not isinstance(e, Kron):  # type: ignore[attr-defined]
            return self.wrap(s)  # type: ignore[attr-defined]
        return s

    def _print_Vec(self, expr: sp.Basic) -> str:
        return self._call(r"\operatorname{vec}", ops(expr)[0])  # type: ignore[attr-defined]

    def _print_MatPowOf(self, expr: sp.Basic) -> str:
        a, k = ops(expr)
        return self._sup(a, str(int(k)))  # type: ignore[attr-defined]
