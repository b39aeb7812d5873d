"""The numeric example's view: the inputs once, the definitions' values, and per part the
claim's value once, with only what is new per step.

Takes the derivation, its `ExampleResult` (values by rows, from `docgen.check.example`), the
formatter and words, and the parts' views (for step numbers); gives the `example` of the
templates' `doc`. A step whose value, rounded, is the value already shown is listed as agreeing
("steps (1)–(7) give the same value"), never printed again; a step whose value differs (only in
a draft, or the shown entries of a matrix with '...') gets its own row. A differential proof
shows the differential dx used, the value of df at it, and the gradient the differential
identifies. A step that is a sum shows the values of the terms it brings in (`new_terms`), each
once. Computed values have fixed decimals (`digits`) and line up in their columns.
"""

from __future__ import annotations

from typing import Any

from ..check.example import differentials
from ..check.linktrees import expand_definitions
from ..check.verdict import chain_start
from ..lang import notation
from ..lang.typeset import format_fixed, latex_fixed, latex_given
from ..model.derivation import Derivation
from ..model.expr import Call, Name, Neg, Node, Num, names_in, summands, tree_key


fixed_tex = latex_fixed
given_tex = latex_given


def _cells(rows: list[list[float]], digits: int) -> list[str]:
    return [("" if v != v else format_fixed(v, digits)) for row in rows for v in row]


def same_value(step: list[list[float]], shown: list[list[float]], digits: int) -> bool:
    """Equal once rounded, entry by entry; an entry the step leaves out ('...') is not compared."""
    a, b = _cells(step, digits), _cells(shown, digits)
    return len(a) == len(b) and all(x == "" or x == y for x, y in zip(a, b))


def ranges(numbers: list[tuple[int, str]]) -> str:
    """[(1, '1'), (2, '2'), (3, '3'), (5, '5')] -> '(1)–(3), (5)': consecutive steps as a range."""
    out: list[str] = []
    run: list[tuple[int, str]] = []
    for item in numbers + [(-10, "")]:
        if run and item[0] != run[-1][0] + 1:
            out.append(f"({run[0][1]})" if len(run) == 1 else
                       f"({run[0][1]}), ({run[1][1]})" if len(run) == 2 else
                       f"({run[0][1]})–({run[-1][1]})")
            run = []
        run.append(item)
    return ", ".join(out)


def example_view(der: Derivation, example: Any, f: Any, words: dict[str, str],
                 parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The numeric example (None without one)."""
    if der.example is None or example is None:
        return None
    digits = der.example.digits
    inputs = [{"name": name, "equation": f.math(notation.latex_name(name, der) + " = "
                                                + given_tex(example.inputs.get(name), digits))}
              for name in der.example.values]
    wrts = differentiated(der)
    dxs = [{"equation": f.math(r"\mathrm{d}" + notation.latex_name(w, der) + " = " + given_tex(
        [[float(v) for v in row] for row in differentials(der, w)], digits))} for w in wrts]
    functions = [{"equation": f.math(_function_impl(name, e, der))}
                 for name, e in der.example.functions.items()]
    definitions = [{"equation": f.math(notation.latex_name(name, der) + " = " + fixed_tex(v, digits))}
                   for name, v in example.definitions.items()]
    sizes = ", ".join(f"{k} = {v}" for k, v in example.sizes.items())
    note = der.example.note
    return {
        "sizes": f.math(sizes) if sizes else "",
        "inputs": inputs,
        "differentials": dxs,
        "functions": functions,
        "definitions": definitions,
        "note": f.prose(note, "example note", loc=der.example.loc or der.loc) if note else "",
        "digits": digits,
        "rounded": f.text(words["rounded"].format(digits=digits)),
        "values_rounded": f.text(words["values_rounded"].format(digits=digits)),
        "parts": _parts(der, example, f, words, digits),
        "several": len(der.parts) > 1,
        "fd_agree": example.fd_agree,
    }


def differentiated(der: Derivation) -> list[str]:
    """The symbols whose differential the example's values depend on, in declaration order: the
    variables of differential proofs and every symbol under a d(·) of a chain (through the
    definitions it uses), so that each dx used is printed with the inputs."""
    names = {p.wrt for p in der.parts if p.method == "differential" and p.wrt}
    for part in der.parts:
        for e in (part.lhs, part.rhs, *(s.expr for s in part.steps)):
            for node in e.tree.walk():
                if isinstance(node, Call) and node.func == "d" and node.args:
                    names |= {n for n in names_in(expand_definitions(node.args[0], der))
                              if n in der.symbols and der.symbols[n].variable}
    return [n for n in der.symbols if n in names]


def _parts(der: Derivation, example: Any, f: Any, words: dict[str, str],
           digits: int) -> list[dict[str, Any]]:
    """Each part's rows, where a row already shown by an earlier part (the same expression and
    value: two proofs of one claim) is not repeated: the earlier row lists the steps of both
    ("steps (1.1)–(1.4), (2.1), (2.2) give the same value"). A part left without rows is left out."""
    state = _Shown(list(example.inputs.values()) + list(example.definitions.values()))
    parts = [_part_rows(der, pi, p, example, f, words, digits, state) for pi, p in enumerate(der.parts)]
    return [p for p in parts if p["rows"]]


class _Shown:
    """What the example has shown so far: values (terms are not reprinted), and the rows that
    list agreeing steps, by (expression, value), with those steps."""

    def __init__(self, values: list[list[list[float]]]):
        self.values = values
        self.agreeing: dict[tuple[str, str], tuple[dict[str, Any], list[tuple[int, str]]]] = {}


def _part_rows(der: Derivation, pi: int, part: Any, example: Any, f: Any,
               words: dict[str, str], digits: int, state: _Shown) -> dict[str, Any]:
    """A part's rows: [lhs, value, note]; the claim's value once, steps only where new."""
    values = example.parts.get(part.label) or []
    claim = example.claims.get(part.label)
    rows: list[dict[str, Any]] = []

    def row(lhs_tex: str, value: list[list[float]], note: str, differs: bool = False) -> dict[str, Any]:
        value_tex = fixed_tex(value, digits)
        state.values.append(value)
        rows.append({"lhs": f.math(lhs_tex), "lhs_tex": lhs_tex, "value": f.math(value_tex),
                     "value_tex": value_tex, "note": f.text(note), "differs": differs})
        return rows[-1]

    def agree_row(lhs_tex: str, value: list[list[float]], steps: list[tuple[int, str]]) -> None:
        """The row of a value that steps give; an earlier part's row of the same expression and
        value gets these steps instead."""
        key = (lhs_tex, fixed_tex(value, digits))
        if key in state.agreeing:
            earlier, listed = state.agreeing[key]
            listed += steps
            earlier["note"] = f.text(_agree_words(listed, words))
            return
        state.agreeing[key] = (row(lhs_tex, value, _agree_words(steps, words)), list(steps))

    number = (lambda k: str(k)) if len(der.parts) == 1 else (lambda k: f"{pi + 1}.{k}")
    differential = part.method == "differential" and part.steps
    shown = values[0] if values else claim
    agreeing, differing = [], []
    for k, v in enumerate(values[1:], 1):
        (agreeing if same_value(v, shown, digits) else differing).append(k)
    steps = [(1000 * pi + k, number(k)) for k in agreeing]  # consecutive only within a part
    if differential and values:
        agree_row(notation.latex_expr(chain_start(part), der), values[0], steps)
        if claim is not None:
            row(notation.latex_expr(part.lhs, der), claim, words["gradient"])
    elif claim is not None:
        agree_row(notation.latex_expr(part.lhs, der), claim, steps)
    for k in differing:
        row(r"\text{(" + number(k) + ")}", values[k], words["differs"], differs=True)
    for k, term, value in new_terms(der, part, example.terms.get(part.label) or [],
                                    state.values, digits):
        row(notation.latex_expr(term, der), value, words["term_of"].format(step=number(k)))
    return {"title": f.text(part.title) if part.title else "", "rows": rows}


def _agree_words(steps: list[tuple[int, str]], words: dict[str, str]) -> str:
    """'steps (1)–(7) give the same value', or '' for no steps."""
    if not steps:
        return ""
    return words["agree" if len(steps) > 1 else "agree_one"].format(steps=ranges(steps))


def new_terms(der: Derivation, part: Any, terms: list[list[list[list[float]]]],
              shown: list[list[list[float]]], digits: int) -> list[tuple[int, Node, list[list[float]]]]:
    """(step, term, value) for the terms of each step that brings in new ones: a step that is a
    sum with a term not in an earlier step, and a value, rounded, not shown already (an input, a
    definition, the claim, an earlier term). Such a step shows all its terms, so that they add up
    to its value before the reader's eyes; a step that only rewrites terms already shown (as
    diag(exp(x))/u after diag(s)) adds nothing. Names and numbers (their values are the inputs')
    and constants (I, 1 1ᵀ/n: no symbol in them) are not shown as terms."""
    exprs = [chain_start(part)] + [s.expr for s in part.steps]
    named = set(der.symbols) | set(der.definitions)
    seen: set[str] = set()
    shown = list(shown)
    out = []
    for k, (e, values) in enumerate(zip(exprs, terms)):
        if not values:
            continue
        candidates = [(t, v) for t, v in zip(summands(e.tree), values)
                      if not isinstance(t.arg if isinstance(t, Neg) else t, (Name, Num))
                      and names_in(t) & named]
        keys = {tree_key(t) for t, _ in candidates}
        fresh = keys - seen
        seen |= keys
        if k == 0 or not fresh or all(any(same_value(v, s, digits) for s in shown) for _, v in candidates):
            continue
        for t, v in candidates:
            shown.append(v)
            out.append((k, t, v))
    return out


def _function_impl(name: str, e: Any, der: Derivation) -> str:
    """f(t) = tanh(t) for an example's elementwise function, or y = ... for a generic symbol."""
    if name in der.functions:
        head = notation.latex_applied(name, der)
    else:
        head = notation.latex_name(name, der)
    return head + " = " + notation.latex_expr(e, der)
