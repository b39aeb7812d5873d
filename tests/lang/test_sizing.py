"""docgen/lang/sizing.py: which \\mathbf{1}, \\mathbf{0}, \\mathbf{I} the printer writes with their
size; each printed form is read back by the LaTeX reader."""

from __future__ import annotations

import pytest
from latexhelp import printed_and_read_back

from docgen.lang.notation import latex_expr
from docgen.read.load import load_file
from docgen.read.spec import build_derivation


@pytest.fixture(scope="module")
def der():
    return build_derivation(load_file("derivations/elementwise-b26.yaml"))


@pytest.mark.parametrize("text, tex", [
    # the neighbours decide: no size written
    ("ones(n).T @ x", r"\mathbf{1}^{\top} \vec{x}"),
    ("x + ones(n)", r"\vec{x} + \mathbf{1}"),
    ("eye(n) * diag(x)", r"\mathbf{I} \odot \operatorname{diag}(\vec{x})"),
    ("ones(n) * fprime(x)", r"\mathbf{1} \odot f'(\vec{x})"),
    # nothing beside them decides: the first open one gets its size, then the next if needed
    ("eye(n) * (ones(n) @ fprime(x).T)", r"\mathbf{I}_{n} \odot (\mathbf{1} f'(\vec{x})^{\top})"),
    ("ones(n) @ ones(n).T", r"\mathbf{1}_{n} \mathbf{1}_{n}^{\top}"),
    ("diag(ones(n))", r"\operatorname{diag}(\mathbf{1}_{n})"),
])
def test_size_written_only_where_open(der, text, tex):
    assert printed_and_read_back(der, text) == tex


def test_a_shared_node_is_sized_at_one_place(der):
    """A tree built in code may hold one node twice; each place is decided on its own."""
    from docgen.model.expr import BinOp, Call, Name, Transpose

    one = Call("ones", (Name("n"),))
    assert latex_expr(BinOp("*", one, one), der) == r"\mathbf{1}_{n} \odot \mathbf{1}"
    assert latex_expr(BinOp("@", one, Transpose(one)), der) == r"\mathbf{1}_{n} \mathbf{1}_{n}^{\top}"
