"""Property-based tests (hypothesis) of the parser, the shape checker, the LaTeX printer and
the loader.

Random well-typed expression trees over a small symbol table: printed in docgen syntax and
parsed back they give the same tree, with the same shape; the LaTeX printer never raises on
them and its braces balance. Random text never makes the parser raise anything but
ParseError, random bytes never make the loader raise anything but LoadError.

Settings are bounded and derandomized, so CI runs the same examples every time
(max_examples=200, no deadline). The time the fuzzing took is printed at the end of the
session (run with `-s` to see it).
"""

from __future__ import annotations

import functools
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docgen.model.errors import DocgenError, LoadError, ParseError
from docgen.model.expr import BinOp, Call, Name, Neg, Node, Num, Pow, Transpose, unparse
from docgen.read.load import load_bytes
from docgen.lang.parse import parse_expr
from docgen.lang.shapes import Scope, infer
from docgen.read.spec import build_derivation

SETTINGS = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

TABLE = """\
id: props
title: symbols for property tests
dims:
  n: {sizes: [2, 3], numeric: 4}
  m: {sizes: [3, 2], numeric: 5}
symbols:
  x: {shape: [n], style: vec}
  v: {shape: [n], style: vec}
  A: {shape: [n, n], style: bold}
  B: {shape: [n, m], style: bold}
  w: {shape: [m]}
  s: {shape: scalar}
  c: {shape: scalar}
claim: x = x
steps: [x]
"""
DER = build_derivation(load_bytes(TABLE.encode(), "props.yaml"))
SCOPE = Scope(symbols=DER.symbols, dims=frozenset(DER.dims), layout=DER.layout)
N, M, S = ("n", 1), ("m", 1), (1, 1)
NN, NM, ROW = ("n", "n"), ("n", "m"), (1, "n")
NAMES = {N: ["x", "v"], M: ["w"], S: ["s", "c"], NN: ["A"], NM: ["B"]}
ELEMENTWISE = ["exp", "log", "tanh", "sigmoid", "softplus", "sqrt", "sin", "cos", "abs"]

_timings: dict[str, float] = {}


@pytest.fixture(autouse=True)
def _clock(request):
    """How long each test of this module ran, example generation included."""
    t0 = time.perf_counter()
    yield
    _timings[request.node.name] = time.perf_counter() - t0


# -- random well-typed trees -----------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def trees(shape, depth: int = 3) -> st.SearchStrategy[Node]:
    """Trees of the given shape, at most `depth` levels of operators."""
    leaves: list[st.SearchStrategy[Node]] = [st.sampled_from([Name(n) for n in NAMES.get(shape, [])])] \
        if NAMES.get(shape) else []
    if shape == S:
        leaves.append(st.integers(0, 9).map(lambda k: Num(Fraction(k))))
    if shape == NN:
        leaves.append(st.just(Call("eye", (Name("n"),))))
    if shape in (N, M):
        leaves.append(st.just(Call("ones", (Name(shape[0]),))))
    if shape == ROW:
        leaves.append(st.sampled_from([Transpose(Name("x")), Transpose(Name("v"))]))
    base = st.one_of(*leaves)
    if depth <= 0:
        return base
    sub = lambda sh: trees(sh, depth - 1)  # noqa: E731
    # the operand of .T is never a number literal (a literal has no transpose worth printing)
    sub_t = lambda sh: sub(sh).filter(lambda t: not isinstance(t, Num))  # noqa: E731
    options = [base,
               st.builds(lambda a, b, op: BinOp(op, a, b), sub(shape), sub(shape), st.sampled_from("+-")),
               st.builds(Neg, sub(shape).filter(lambda t: not isinstance(t, Num))),
               st.builds(lambda a, b: BinOp("*", a, b), sub(S), sub(shape)),
               st.builds(lambda a, b: BinOp("/", a, b), sub(shape),
                         sub(S).filter(lambda t: t != Num(Fraction(0)))),  # a literal 0 is refused
               ]
    if shape != S:
        options.append(st.builds(lambda a, b: BinOp("*", a, b), sub(shape), sub(shape)))  # Hadamard
    options.append(st.builds(lambda f, a: Call(f, (a,)), st.sampled_from(ELEMENTWISE), sub(shape)))
    options.append(st.builds(lambda a, k: Pow(a, Fraction(k, 2)), sub(shape).filter(
        lambda t: not isinstance(t, (Num, Pow))), st.sampled_from([-2, 1, 2, 4, 6])))
    if shape == S:
        options += [st.builds(lambda a: Call("sum", (a,)), sub(N)),
                    st.builds(lambda a, b: BinOp("@", Transpose(a), b), sub_t(N), sub(N)),
                    st.builds(lambda a: Call("tr", (a,)), sub(NN)),
                    st.builds(lambda a: Call("norm", (a,)), sub(N)),
                    st.builds(lambda a: Call("logsumexp", (a,)), sub(N))]
    if shape == N:
        options += [st.builds(lambda a, b: BinOp("@", a, b), sub(NN), sub(N)),
                    st.builds(lambda a, b: BinOp("@", a, b), sub(NM), sub(M)),
                    st.builds(lambda a: Call("softmax", (a,)), sub(N))]
    if shape == NN:
        options += [st.builds(lambda a: Call("diag", (a,)), sub(N)),
                    st.builds(lambda a: Transpose(a), sub_t(NN)),
                    st.builds(lambda a, b: BinOp("@", a, Transpose(b)), sub(N), sub_t(N)),
                    st.builds(lambda a, b: BinOp("@", a, b), sub(NN), sub(NN)),
                    st.builds(lambda a: Call("D", (a, Name("x"))), sub(N))]
    if shape == NM:
        options += [st.builds(lambda a, b: BinOp("@", a, b), sub(NN), sub(NM))]
    if shape == M:
        options += [st.builds(lambda a, b: BinOp("@", Transpose(a), b), sub_t(NM), sub(N))]
    return st.one_of(*options)


any_tree = st.sampled_from([S, N, NN, NM, M]).flatmap(lambda sh: trees(sh, 2).map(lambda t: (sh, t)))


@SETTINGS
@given(any_tree)
def test_print_then_parse_gives_the_same_tree_and_shape(item):
    shape, tree = item
    assert infer(tree, SCOPE, DER.loc) == shape  # the generator is well typed
    text = unparse(tree)
    back = parse_expr(text)
    assert back == tree, f"{text!r} parses to {unparse(back)!r}"
    assert unparse(back) == text
    assert infer(back, SCOPE, DER.loc) == shape


def _balanced(tex: str) -> bool:
    depth, i = 0, 0
    while i < len(tex):
        ch = tex[i]
        if ch == "\\":
            i += 2  # \{ \} \\ and commands: the next character is not a group brace
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


@SETTINGS
@given(any_tree)
def test_latex_printer_never_raises_and_balances_braces(item):
    from docgen.lang.notation import latex_expr

    _, tree = item
    tex = latex_expr(tree, DER)
    assert tex and _balanced(tex), tex


def test_a_fractional_number_round_trips():
    tree = BinOp("*", Num(Fraction(1, 2)), Name("x"))
    assert parse_expr(unparse(tree)) == tree


def test_a_transposed_power_round_trips():
    tree = parse_expr("(A**2).T")
    assert parse_expr(unparse(tree)) == tree


def test_a_power_of_a_power_round_trips():
    tree = parse_expr("(x**2)**3")
    assert parse_expr(unparse(tree)) == tree


# -- fuzzing: only the documented errors -----------------------------------------------------
EXPR_ALPHABET = st.sampled_from(list("xyAsn0123456789.+-*/@()[]{},:;=<>!~^&|%'\"`_ \tTDdexplogsumf#\\") +
                                ["**", ".T", "exp(", "D(", "lambda ", "__", "1e999", "0x", "j", "\n", "é", "∂"])
expr_text = st.lists(EXPR_ALPHABET, max_size=60).map("".join)


@SETTINGS
@given(st.one_of(expr_text, st.text(max_size=80)))
def test_parser_raises_only_parse_errors(text):
    try:
        tree = parse_expr(text)
    except ParseError:
        return
    assert isinstance(tree, Node)
    parse_expr(unparse(tree))  # whatever it accepted prints back to something it accepts


YAML_ALPHABET = st.sampled_from(list("abcxyz019 :-?[]{},&*!|>'\"#%@`\n\t.=~") +
                                ["\n  ", "id: ", "title: ", "steps:\n  - ", "claim: ", "symbols:\n  x: ",
                                 "{shape: [n]}", "!!python/object:os.system", "&a ", "*a", "<<: ", "\x00",
                                 "\ufeff", "\x85", "---\n", "...\n", "1e400", ".nan", "0x1F", "2001-12-14"])
yaml_text = st.lists(YAML_ALPHABET, max_size=60).map("".join)


@SETTINGS
@given(st.one_of(st.binary(max_size=300), yaml_text.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_loader_raises_only_load_errors(raw):
    try:
        doc = load_bytes(raw, "fuzz.yaml")
    except LoadError:
        return
    try:
        build_derivation(doc)  # and the model builder only DocgenErrors
    except DocgenError:
        pass


@SETTINGS
@given(st.dictionaries(st.sampled_from(["id", "title", "claim", "steps", "symbols", "dims", "parts",
                                         "example", "method", "wrt", "definitions", "layout"]),
                       st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 20),
                                              st.text(max_size=12), st.sampled_from(["x", "n", "[n]", "x = x"])),
                                    lambda c: st.one_of(st.lists(c, max_size=3),
                                                        st.dictionaries(st.sampled_from(["x", "n", "expr", "shape", "sizes"]), c, max_size=3)),
                                    max_leaves=10), max_size=8))
def test_model_builder_raises_only_docgen_errors_on_random_structures(data):
    import yaml

    raw = yaml.safe_dump(data, allow_unicode=True).encode("utf-8")
    try:
        build_derivation(load_bytes(raw, "fuzz.yaml"))
    except DocgenError:
        pass


def _library_documents() -> list:
    from pathlib import Path

    from docgen.read.load import load_file

    return [load_file(p).data for p in sorted((Path(__file__).parent.parent / "derivations").glob("*.yaml"))]


_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 14), st.sampled_from([0, 12, 13, 10**20, -(10**20)]),
              st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1.0, 2.0, 0.5]),
              st.text(max_size=12), st.sampled_from(["x", "n", "abc\n", "n\n", "x-1\n", "a-b", "a_1", "A", "", " ", "http://x y",
                                                      "https://a.b/c", "<b>", "1/2", "-3.5", "x = x"])),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from(["x", "n", "expr", "shape", "sizes", "by"]),
                                                                 c, max_size=3)),
    max_leaves=6)


def _paths(data, prefix=()):  # noqa: ANN001, ANN202
    yield prefix
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _paths(v, prefix + (i,))


@SETTINGS
@given(st.data())
def test_the_fast_schema_check_accepts_only_what_the_reference_validator_accepts(data):
    """Valid files are accepted by jsonschema-rs alone; whatever it accepts after a random edit
    of a library file (a value replaced, a key removed or added), jsonschema accepts too, so the
    fast path never lets through a file the reference validator would refuse."""
    import copy

    from docgen.read.schema import _validator, fast_accepts

    docs = _library_documents()
    doc = copy.deepcopy(data.draw(st.sampled_from(docs)))
    path = data.draw(st.sampled_from(list(_paths(doc))[1:]))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    how = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if how == "replace":
        parent[path[-1]] = data.draw(_VALUES)
    elif how == "delete":
        del parent[path[-1]]
    elif isinstance(parent[path[-1]], dict):
        parent[path[-1]][data.draw(st.sampled_from(["extra", "x", "note", "by", "sizes"]))] = data.draw(_VALUES)
    if fast_accepts(doc):  # else schema.validate asks the reference validator
        assert _validator().is_valid(doc), (how, path)


def test_every_library_file_passes_the_fast_schema_check():
    from docgen.read.schema import _fast_validator

    assert all(_fast_validator().is_valid(d) for d in _library_documents())


def test_zz_record_fuzzing_time():
    """Runs last in this module: prints the time each property took (`pytest -s` shows it)."""
    if not _timings:
        pytest.skip("no property ran")
    total = sum(_timings.values())
    lines = [f"{name}: {seconds:.2f} s" for name, seconds in sorted(_timings.items())
             if name != "test_zz_record_fuzzing_time"]
    print("\nfuzzing time\n" + "\n".join(lines) + f"\ntotal: {total:.2f} s (max_examples=200 each, derandomized)")
