"""The LaTeX reader (docgen/lang/latex/): constructs, decisions, errors with columns, hostile input,
the round trip from docgen's own printer over the whole library and over generated trees, and the
formulas of the seed post (B.15, (1), (2))."""

from __future__ import annotations

import glob
import re
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from latexhelp import printed_and_read_back

from docgen.lang.latex import NotRead, read_equation, read_expr, read_formula, simple_context
from docgen.lang.latex.canonical import canonical
from docgen.lang.latex.context import from_derivation
from docgen.lang.latex.lexer import MAX_TEX_DEPTH, MAX_TEX_LENGTH, MAX_TOKENS
from docgen.lang.notation import latex_expr
from docgen.model.expr import BinOp, Call, Name, Node, Num, Pow, Transpose, unparse
from docgen.read.load import load_file
from docgen.read.spec import build_derivation

CTX = simple_context({"x": ("n", 1), "z": ("m", 1), "y": (1, 1), "c": (1, 1), "A": ("n", "n"),
                      "W": ("m", "n"), "x_1": ("n", 1)},
                     dims=("n", "m"), functions=("f",), indices={"i": "n", "k": "n", "j": "m"})


def read(tex: str) -> str:
    return unparse(read_expr(tex, CTX).tree)


# -- constructs ------------------------------------------------------------------------------
@pytest.mark.parametrize("tex, expr", [
    (r"\frac{\partial y}{\partial \vec{x}}", "D(y, x)"),
    (r"\frac{\partial}{\partial \vec x} \left(\vec x^\top A \vec x\right)", "D(x.T @ A @ x, x)"),
    (r"\vec{x}^\top", "x.T"), (r"\vec{x}^T", "x.T"), (r"\vec{x}^{\mathsf T}", "x.T"),
    (r"\vec{x}^{\mathsf{T}}", "x.T"), (r"\vec{x}^\intercal", "x.T"), (r"\mathbf{x}^{\top}", "x.T"),
    (r"\boldsymbol x \odot \bm x", "x * x"), (r"\vec x \circ \vec x", "x * x"),
    (r"A \cdot \vec x", "A @ x"), (r"A\vec x", "A @ x"), (r"c \, \vec x", "c * x"),
    (r"A^{-1}", "inv(A)"), (r"y^{-1}", "y**(-1)"), (r"y^2", "y**2"), (r"\vec x^{\circ 2}", "x**2"),
    (r"\operatorname{diag}(\vec x)", "diag(x)"), (r"\mathrm{diag}(\vec x)", "diag(x)"),
    (r"\det A + \operatorname{tr}(A)", "det(A) + tr(A)"), (r"\exp(\vec x)", "exp(x)"),
    (r"\log \exp \vec x", "log(exp(x))"), (r"\sigma(\vec x)", "sigmoid(x)"), (r"\tanh(y)", "tanh(y)"),
    (r"\sqrt{y}", "sqrt(y)"), (r"\|\vec x\|", "norm(x)"), (r"\left\lVert \vec x \right\rVert^2", "norm(x)**2"),
    (r"|y|", "abs(y)"), (r"\mathbf{1}^\top \vec x", "ones(n).T @ x"), (r"\mathbf{1}_{n}", "ones(n)"),
    (r"\mathbf{1}_{m \times n}", "ones(m, n)"), (r"\mathbf{I} + A", "eye(n) + A"),
    (r"x_i", "x[i]"), (r"A_{ik}", "A[i, k]"), (r"A_{i,k}", "A[i, k]"), (r"x_{n-1}", "x[n - 1]"),
    (r"\mathbf{e}_i", "basis(n, i)"), (r"\mathbf{e}_{j}^\top \vec z", "basis(m, j).T @ z"),
    (r"\mathbf{e}_{n} + \vec x", "basis(n, n) + x"), (r"\mathbf{e}_{n-1}", "basis(n, n - 1)"),
    (r"\mathbf{e}_{1}^{(m)}", "basis(m, 1)"), (r"\mathbf{e}_{2} - \vec x", "basis(n, 2) - x"),
    (r"\mathbf{e}_{1}^\top \vec z", "basis(m, 1).T @ z"), (r"A \mathbf{e}_{2}", "A @ basis(n, 2)"),
    (r"(\mathbf{e}_{1}^{(n)})^{\top} A", "basis(n, 1).T @ A"),
    (r"\delta_{ik}", "delta(i, k)"), (r"\sum_{k=1}^{n} A_{ik} x_k", "sum(k, A[i, k] * x[k])"),
    (r"\vec x_1", "x_1"), (r"f'(\vec x)", "fprime(x)"), (r"f^{\prime}(\vec x)", "fprime(x)"),
    (r"\mathrm{d}\vec x", "d(x)"), (r"\vec x^\top \mathrm{d}\vec x", "x.T @ d(x)"),
    (r"\frac{1}{2} y", "0.5 * y"), (r"\frac{y}{n}", "y / n"), (r"- y \vec x", "(-y) * x"),
    (r"\begin{bmatrix} y & 0 \\ 0 & y \end{bmatrix}", "[[y, 0], [0, y]]"),
    (r"\begin{pmatrix} x_2 \\ \vdots \\ x_n \end{pmatrix}", "[x[2], ..., x[n]]"),
    (r"\left[\begin{array}{cc} y & \\ & y \end{array}\right]", "[[y, 0], [0, y]]"),
    (r"\begin{bmatrix} A_{11} & \cdots & A_{1n} \\ \vdots & \ddots & \vdots \\ A_{n1} & \cdots & A_{nn} \end{bmatrix}",
     "[[A[1, 1], ..., A[1, n]], ..., [A[n, 1], ..., A[n, n]]]"),
])
def test_construct(tex, expr):
    assert read(tex) == expr


def test_equation_and_chain():
    a, b = read_equation(r"\frac{\partial c}{\partial y} = 0", CTX)
    assert unparse(a.tree) == "D(c, y)" and unparse(b.tree) == "0" and b.col > a.col
    f = read_formula(r"A \vec x = A \cdot \vec x = \vec x^\top A^\top", CTX)
    assert len(f.members) == 3 and f.relations == ("", "EQ", "EQ")


# -- decisions are reported ------------------------------------------------------------------------
def decisions(tex: str) -> list[str]:
    return [d.text for d in read_expr(tex, CTX).decisions]


def test_function_without_parentheses_is_reported():
    assert any("without parentheses" in d for d in decisions(r"\exp \vec x"))


def test_leading_d_over_a_product_is_reported():
    r = read_expr(r"d y \vec z", CTX)
    assert unparse(r.tree) == "d(y * z)" and r.decisions[0].col == 0
    assert unparse(read_expr(r"\vec z \cdot d y", CTX).tree) == "z * d(y)"  # elsewhere d takes one factor


def test_prime_on_a_matrix_is_a_transpose_reported():
    r = read_expr(r"A'", CTX)
    assert unparse(r.tree) == "A.T" and "transpose" in r.decisions[0].text


def test_sigma_and_T_and_blank_cells_are_reported():
    assert any("sigmoid" in d for d in decisions(r"\sigma(y)"))
    assert any("^T" in d for d in decisions(r"\vec x^T"))
    assert any("blank" in d for d in decisions(r"\begin{bmatrix} y & \\ & y \end{bmatrix}"))


def test_a_declared_d_is_a_symbol():
    ctx = simple_context({"d": (1, 1), "y": (1, 1)})
    assert unparse(read_expr("d y", ctx).tree) == "d * y"


# -- what is not read: an error with its column ---------------------------------------------------
@pytest.mark.parametrize("tex, col, words", [
    (r"\vec x + \vec q", 9, "q is not declared"),
    (r"\vec x \otimes \vec x", 7, "needs kron"),
    (r"\vec x \cdot \vec x", 7, "cannot be multiplied"),
    (r"A \times A", 2, "\\times between matrices"),
    (r"y'", 1, "scalar"),
    (r"\infty", 0, "not among the LaTeX commands"),
    (r"x + 故", 4, "not read"),
    (r"\frac{\partial^2 y}{\partial \vec x}", 6, "higher derivatives"),
    (r"A^{2}", 1, "matpow"),
    (r"(y", 2, "unbalanced"),
    (r"y + \mathbf{1}", 4, "size of \\mathbf{1}"),
    (r"\mathbb{R}^n", 0, "set"),
    (r"y \mathbf{e}_{1}", 2, "write \\mathbf{e}_{k}^{(n)}"),
    (r"\mathbf{e}_{q}", 0, "a number, a dimension name"),
    (r"\mathbf{e}_{i}^{(n)}", 0, "takes its size from i"),
    (r"\mathbf{e}_{1}^{(q)}", 17, "not a declared dimension"),
    (r"\mathbf{e}_{1} \mathbf{1}^\top", 0, "write \\mathbf{e}_{k}^{(n)}"),
])
def test_not_read_with_column(tex, col, words):
    with pytest.raises(NotRead) as exc:
        read_expr(tex, CTX)
    assert exc.value.col == col and words in exc.value.message


# -- hostile input -----------------------------------------------------------------------------------
@pytest.mark.parametrize("tex", [r"\def\x{1} x", r"\newcommand{\y}{2}", r"\input{/etc/passwd}",
                                 r"\csname foo\endcsname", r"\catcode`\^=11", r"\write18{ls}",
                                 r"\renewcommand\exp{x}", r"\DeclareMathOperator{\f}{f}"])
def test_definitions_and_files_are_refused(tex):
    with pytest.raises(NotRead) as exc:
        read_expr(tex, CTX)
    assert exc.value.col == 0 and "not read" in exc.value.message


def test_limits():
    with pytest.raises(NotRead, match="characters long"):
        read_expr("y + " * (MAX_TEX_LENGTH // 4 + 1) + "y", CTX)
    with pytest.raises(NotRead, match="nested deeper"):
        read_expr("{" * (MAX_TEX_DEPTH + 1) + "y" + "}" * (MAX_TEX_DEPTH + 1), CTX)
    with pytest.raises(NotRead, match="nested deeper"):
        read_expr(r"\left(" * (MAX_TEX_DEPTH + 1) + "y" + r"\right)" * (MAX_TEX_DEPTH + 1), CTX)
    with pytest.raises(NotRead, match="tokens"):
        read_expr("+".join(["y"] * (MAX_TOKENS // 2 + 2)), CTX)
    with pytest.raises(NotRead, match="digits"):
        read_expr("1234567890123 y", CTX)
    with pytest.raises(NotRead, match="exponent"):
        read_expr("y^{99}", CTX)


def test_long_flat_input_is_read_whole():
    """A long flat sum is within the limits and read to one tree with every term (the grammar is
    LALR(1): linear in the input, no backtracking to blow up)."""
    from docgen.model.expr import Name

    tree = read_expr("+".join(["y"] * 300), CTX).tree
    assert sum(isinstance(n, Name) and n.name == "y" for n in tree.walk()) == 300


# -- round trip: docgen's printer -> reader ---------------------------------------------------------
# The printer writes \mathbf{I} and \mathbf{1} with their size exactly where nothing beside them
# fixes it (I ⊙ (1 vᵀ) -> \mathbf{I}_{n} ⊙ (1 vᵀ)); every expression of the library reads back.
SIZED = {"eye(n) * (ones(n) @ fprime(x).T)", "eye(n) * (ones(n) @ (ones(n) - tanh(x)**2).T)",
         "ones(k) * sum(exp(x))"}  # the last: a worked example's stand-in for a generic symbol


def _library():
    for path in sorted(glob.glob("derivations/*.yaml")):
        der = build_derivation(load_file(path))
        for part in der.parts:
            for e in (part.lhs, part.rhs, *(s.expr for s in part.steps)):
                yield der, e
        for d in der.definitions.values():
            yield der, d.expr
        for a in der.assumptions:
            yield der, a.lhs
            yield der, a.rhs
        if der.example:  # a generic symbol's stand-in (an elementwise function's is of t)
            for name, e in der.example.functions.items():
                if name not in der.functions:
                    yield der, e


def test_round_trip_over_the_library():
    count, sized = 0, set()
    for der, e in _library():
        ctx = from_derivation(der)
        tex = latex_expr(e, der)
        back = read_expr(tex, ctx).tree
        assert canonical(back, ctx.scope) == canonical(e.tree, ctx.scope), (der.id, e.text, tex, unparse(back))
        count += 1
        if re.search(r"\\mathbf\{[01I]\}_\{\w+\}", tex):
            sized.add(e.text)
    assert count == 344  # steps, claims, definitions, assumptions, generic symbols of examples
    assert sized == SIZED  # the size is written only where the neighbours leave it open


@pytest.fixture(scope="module")
def gen_der():
    return build_derivation(load_file("derivations/product-rule-b15.yaml"))


# basis(n, k) with a number k prints \mathbf{e}_{k}, sized by its neighbours like \mathbf{1}, and
# \mathbf{e}_{k}^{(n)} where they leave the size open (b15: x is m×1, z is n×1)
@pytest.mark.parametrize("text, tex", [
    ("ones(n, m) @ exp(x) + basis(n, 1) * sum(x**3) - basis(n, n) * x[2]",
     r"\mathbf{1}_{n \times m} \exp(\vec{x}) + \mathbf{e}_{1} (\mathbf{1}^{\top} \vec{x}^{\circ 3}) - \mathbf{e}_{n} x_{2}"),
    ("basis(n, 1)", r"\mathbf{e}_{1}^{(n)}"),
    ("y * basis(n, 2)", r"y \mathbf{e}_{2}^{(n)}"),
    ("basis(m, 2).T @ x", r"\mathbf{e}_{2}^{\top} \vec{x}"),
    ("D(z, x) @ basis(n, 1)", r"\frac{\partial \vec{z}}{\partial \vec{x}} \mathbf{e}_{1}"),
    ("basis(n, 1) @ basis(m, 2).T", r"\mathbf{e}_{1}^{(n)} (\mathbf{e}_{2}^{(m)})^{\top}"),
    ("exp(basis(m, 1))**2", r"\exp(\mathbf{e}_{1}^{(m)})^{\circ 2}"),
    ("ones(n) * basis(n, 2)", r"\mathbf{1}_{n} \odot \mathbf{e}_{2}"),
    ("eye(n) * (basis(n, 1) @ z.T)", r"\mathbf{I}_{n} \odot (\mathbf{e}_{1} \vec{z}^{\top})"),
])
def test_round_trip_basis_with_a_number(gen_der, text, tex):
    assert printed_and_read_back(gen_der, text) == tex


def _trees():
    scal = st.sampled_from([Name("y"), Num(Fraction(2)), Num(Fraction(1, 2)), Call("d", (Name("y"),))])
    vec = st.sampled_from([Name("z"), Call("exp", (Name("z"),)), Call("d", (Name("z"),)), Call("ones", (Name("n"),)),
                           Call("basis", (Name("n"), Num(Fraction(1)))), Call("basis", (Name("n"), Num(Fraction(2))))])

    def scalars(inner):
        return st.one_of(
            st.builds(lambda a, b: BinOp("+", a, b), inner, inner),
            st.builds(lambda a, b: BinOp("-", a, b), inner, inner),
            st.builds(lambda a, b: BinOp("*", a, b), inner, inner),
            st.builds(lambda a: Pow(a, Fraction(2)), inner),
            st.builds(lambda a: Call("exp", (a,)), inner),
        )

    s = st.recursive(scal, scalars, max_leaves=6)

    def vectors(inner):
        return st.one_of(
            st.builds(lambda a, b: BinOp("+", a, b), inner, inner),
            st.builds(lambda a, b: BinOp("*", a, b), inner, inner),
            st.builds(lambda c, a: BinOp("*", c, a), s, inner),
            st.builds(lambda a: Call("tanh", (a,)), inner),
        )

    v = st.recursive(vec, vectors, max_leaves=6)
    eye = Call("eye", (Name("n"),))
    return st.one_of(s, v, st.builds(lambda a, b: BinOp("@", Transpose(a), b), v, v),
                     st.builds(lambda a: Call("D", (a, Name("x"))), v),
                     st.builds(lambda a, b: BinOp("*", eye, BinOp("@", a, Transpose(b))), v, v),  # I ⊙ (a bᵀ)
                     st.builds(lambda a, b: BinOp("@", BinOp("@", a, Transpose(b)), eye), v, v))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=_trees())
def test_round_trip_generated(gen_der, tree: Node):
    ctx = from_derivation(gen_der)
    tex = latex_expr(tree, gen_der)  # every tree prints (a scalar d(y) inside a matrix product included)
    back = read_expr(tex, ctx).tree
    assert canonical(back, ctx.scope) == canonical(tree, ctx.scope), (unparse(tree), tex, unparse(back))


# -- the seed post: B.15, (1), (2) as printed there ----------------------------------------------------
SEED = simple_context({"x": ("M", 1), "y": (1, 1), "z": ("N", 1)}, dims=("M", "N"))
SEED_N = simple_context({"x": ("n", 1)}, dims=("n",))


def test_seed_b15_statement_and_proof():
    f = read_formula(r"\frac{\partial y \vec{z}}{\partial \vec{x}}=y \frac{\partial \vec{z}}{\partial \vec{x}}"
                     r"+\frac{\partial y}{\partial \vec{x}} \cdot \vec{z}^{\top}", SEED)
    assert [unparse(m.tree) for m in f.members] == ["D(y * z, x)", "y * D(z, x) + D(y, x) @ z.T"]
    rows = [r"dy\vec{z}", r"d y \cdot \vec{z}+y \cdot d \vec{z}", r"\vec{z} \cdot d y+y \cdot d \vec{z}",
            r"\vec{z} \cdot \left(\frac{\partial y}{\partial \vec{x}}\right)^{\top} d \vec{x}+y \cdot"
            r"\left(\frac{\partial \vec{z}}{\partial \vec{x}}\right)^{\top} d \vec{x}",
            r"y \cdot \frac{\partial \vec{z}}{\partial \vec{x}}+\frac{\partial y}{\partial \vec{x}} \cdot \vec{z}^{\top}"]
    got = [unparse(read_expr(r, SEED).tree) for r in rows]
    assert got == ["d(y * z)", "d(y) * z + y * d(z)", "z * d(y) + y * d(z)",
                   "z @ D(y, x).T @ d(x) + y * D(z, x).T @ d(x)", "y * D(z, x) + D(y, x) @ z.T"]


def test_seed_formula_1():
    tex = (r"\frac{\partial \exp (\vec{x})}{\partial \vec{x}}=\left[\begin{array}{ccc} \frac{\partial \exp \left(x_1\right)}"
           r"{\partial x_1} & \cdots & \frac{\partial \exp \left(x_n\right)}{\partial x_1} \\ \vdots & & \\ "
           r"\frac{\partial \exp \left(x_1\right)}{\partial x_n} & \cdots & \frac{\partial \exp \left(x_n\right)}"
           r"{\partial x_n} \end{array}\right]=\operatorname{diag}(\exp (\vec{x}))")
    f = read_formula(tex, SEED_N)
    assert [unparse(m.tree) for m in f.members] == [
        "D(exp(x), x)",
        "[[D(exp(x[1]), x[1]), ..., D(exp(x[n]), x[1])], ..., [D(exp(x[1]), x[n]), ..., D(exp(x[n]), x[n])]]",
        "diag(exp(x))"]


def test_seed_formula_2():
    rows = [r"d\vec{1}^{\top} \exp (\vec{x})", r"\vec{1}^{\top} d \exp (\vec{x})",
            r"\vec{1}^{\top}\left(\exp ^{\prime}(\vec{x}) \odot d \vec{x}\right)",
            r"\left(\vec{1} \odot \exp ^{\prime}(\vec{x})\right)^{\top} d \vec{x}"]
    got = [unparse(read_expr(r, SEED_N).tree) for r in rows]
    assert got == ["d(ones(n).T @ exp(x))", "ones(n).T @ d(exp(x))", "ones(n).T @ (exp(x) * d(x))",
                   "(ones(n) * exp(x)).T @ d(x)"]
    f = read_formula(r"\frac{\partial \vec{1}^{\top} \exp (\vec{x})}{\partial \vec{x}}=\vec{1} \odot \exp ^{\prime}(\vec{x})"
                     r"=\exp ^{\prime}(\vec{x})=\exp (\vec{x})", SEED_N)
    assert [unparse(m.tree) for m in f.members] == ["D(ones(n).T @ exp(x), x)", "ones(n) * exp(x)", "exp(x)", "exp(x)"]
    assert any("exp' read as exp" in d.text for d in f.decisions)


def test_seed_typo_eta_is_not_read_at_its_column():
    tex = r"\frac{\partial f_n}{\partial \eta_n}"
    ctx = simple_context({"x": ("n", 1)}, dims=("n",), functions=("f",))
    ctx.applied_to["f"] = "x"
    with pytest.raises(NotRead) as exc:
        read_expr(tex, ctx)
    assert exc.value.col == tex.index(r"\eta") and "eta" in exc.value.message
