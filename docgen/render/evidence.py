"""How a link was checked, in the note's language: the compact mark beside a step, the words of
its evidence, a counterexample set as mathematics, a problem without its file path.

Takes the checker's English evidence strings (`docgen.check.checker`, `check.shown`,
`check.verdict`), counterexamples (`Witness`) and problems; gives *pieces*: a list of
("text", str) and ("math", TeX) that `Formatter.pieces` writes in the output format. A known
kind of evidence is recognised by its pattern and worded anew (its sizes and errors as math);
an unknown one is kept verbatim, never translated piecemeal.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from ..lang.typeset import format_fixed, latex_fixed, name_tex

Pieces = list[tuple[str, str]]

# the mark beside a step: TeX (AMS \checkmark renders as a tick in every font, CJK included)
MARKS = {"proven-all": r"\checkmark_{\forall}", "proven": r"\checkmark",
         "numeric": r"\approx", "undecided": "?", "failed": r"\boldsymbol{\times}"}
MARK_ORDER = ("proven-all", "proven", "numeric", "undecided", "failed")

LEGEND = {
    "en": {"proven-all": "proven for every size", "proven": "proven exactly at the sizes checked",
           "numeric": "numeric evidence only", "undecided": "not checked", "failed": "fails"},
    "zh": {"proven-all": "对任意维数成立", "proven": "在所检验的尺寸上精确成立",
           "numeric": "仅有数值证据", "undecided": "未能检验", "failed": "不成立"},
}


def mark_tex(link: Any) -> str:
    """The compact mark of a checked link: ✓∀ for every size, ✓ with the names of the sized
    dimensions (✓ₙ) at the sizes checked, ≈ numeric, ? not checked, × fails."""
    tex = MARKS.get(link.status, "?")
    if link.status == "proven":
        names = list(link.sizes[0]) if link.sizes and link.sizes[0] else []
        tex = r"\checkmark_{" + ",".join(name_tex(n, "plain") for n in names) + "}" if names \
            else r"\checkmark"
    return tex


# ------------------------------------------------------------------------------------------
# sizes and numbers as TeX
# ------------------------------------------------------------------------------------------

_SIZES = re.compile(r"^(?P<names>[A-Za-z_]\w*|\([A-Za-z_]\w*(?:, [A-Za-z_]\w*)*\)) ∈ \{(?P<vals>.*)\}$")


def sizes_tex(text: str) -> str | None:
    """'n ∈ {2, 3, 4}' -> n \\in \\{2, 3, 4\\}; 'n ∈ {8}' -> n = 8; None for anything else."""
    m = _SIZES.match(text.strip())
    if m is None:
        return None
    names = m.group("names")
    tex_names = re.sub(r"[A-Za-z_]\w*", lambda n: name_tex(n.group(0), "plain"), names)
    vals = m.group("vals")
    single = vals.count("(") <= 1 and ("(" in vals or "," not in vals)
    if single:
        return f"{tex_names} = {vals}"
    return tex_names + r" \in \{" + vals + r"\}"


def error_tex(text: str) -> str:
    """'1e-06' -> 10^{-6}; '3.2e-01' -> 3.2 \\times 10^{-1}; anything else as it is."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)e([+-]?\d+)", text.strip())
    if m is None:
        return text
    mant, exp = m.group(1), int(m.group(2))
    power = f"10^{{{exp}}}"
    return power if mant in ("1", "1.0") else f"{mant} \\times {power}"


def number_tex(text: str, digits: int = 4) -> str | None:
    """A number as a checker wrote it ('7', '-1/4', '0.1234', '1.5e-07') as TeX with a
    fraction or a power of ten and never more than `digits` significant decimals; None when
    it is not a number."""
    s = text.strip()
    m = re.fullmatch(r"(-?)(\d+)/(\d+)", s)
    if m:
        return f"{m.group(1)}\\tfrac{{{m.group(2)}}}{{{m.group(3)}}}"
    if re.fullmatch(r"-?\d+", s):
        return s
    try:
        v = float(s)
    except ValueError:
        return None
    if v != v or v in (float("inf"), float("-inf")):
        return None
    if v != 0 and (abs(v) < 10 ** -digits or abs(v) >= 10 ** 6):
        mant, exp = f"{v:.{max(digits - 1, 1)}e}".split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return format_fixed(v, digits).rstrip("0").rstrip(".") if "." in format_fixed(v, digits) \
        else format_fixed(v, digits)


def value_tex(text: str, digits: int = 4) -> str | None:
    """A checker's value: a number, '[a, b]' (a vector) or '[[a, b], [c, d]]' (a matrix)."""
    s = text.strip()
    if not s.startswith("["):
        return number_tex(s, digits)
    rows = re.findall(r"\[([^\[\]]*)\]", s)
    if not rows:
        return None
    cells = [[number_tex(v, digits) for v in r.split(",")] for r in rows]
    if any(c is None for row in cells for c in row):
        return None
    if s.startswith("[["):
        body = r" \\ ".join(" & ".join(row) for row in cells)  # type: ignore[arg-type]
        return r"\begin{bmatrix} " + body + r" \end{bmatrix}"
    return "(" + ", ".join(cells[0]) + r")^{\top}"  # type: ignore[arg-type]


_ENTRY = re.compile(r"^(?P<base>[A-Za-z][A-Za-z0-9]*)_(?P<idx>\d+)$")


def point_name_tex(name: str) -> str | None:
    """A probe point's name: 'A_12' -> A_{12}, 'dx_1' -> dx_{1}, 'x' -> x; None otherwise."""
    m = _ENTRY.match(name)
    if m:
        base = m.group("base")
        if base.startswith("d") and len(base) > 1:
            return r"\mathrm{d}" + name_tex(base[1:], "plain") + "_{" + m.group("idx") + "}"
        return name_tex(base, "plain") + "_{" + m.group("idx") + "}"
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
        return name_tex(name, "plain")
    return None


# ------------------------------------------------------------------------------------------
# evidence
# ------------------------------------------------------------------------------------------

_S = r"(?P<s>.+?)"
_EVERY = r"(?:, for every value of (?P<idx>[\w, ]+?))?"
_KINDS: list[tuple[str, re.Pattern[str]]] = [
    ("exact", re.compile(r"^exact normal form (?P<simp>\(and simplify\) )?is 0 at " + _S + _EVERY
                         + r"(?:, taking each sign of the (?P<k>\d+) arguments? of abs in turn "
                           r"\((?P<cases>\d+) cases\))?$")),
    ("allsizes", re.compile(r"^proven for every size (?:and every value of (?P<idx>[\w, ]+) )?"
                            r"in index notation \(sums over symbolic sizes, Kronecker deltas\), "
                            r"cross-checked exactly at " + _S + "$")),
    ("numeric", re.compile(r"^(?P<what>finite differences|numeric values) agree at " + _S + _EVERY
                           + r" \(relative error < (?P<err>[\d.e+-]+)\)$")),
    ("expanded", re.compile(r"^identical after expanding definitions$")),
    ("chain", re.compile(r"^follows from the chain: every link is proven \(transitivity\)$")),
    ("identification", re.compile(r"^df = \(∂f/∂x\)ᵀ dx holds for every differential dx, so ∂f/∂x is read off$")),
    ("only", re.compile(r"^exact at " + _S + " only$")),
    ("simplify", re.compile(r"^simplify was needed for (?P<k>\d+) entr(?:y|ies)$")),
    ("probe", re.compile(r"^exact probe differs at " + _S + "$")),
    ("differs", re.compile(r"^numeric check differs at " + _S + r" \(relative error (?P<err>[\d.e+-]+)\)$")),
    ("size-dependent", re.compile(r"^holds exactly at " + _S + r" but not at (?P<s2>.+?) "
                                  r"\(numeric, relative error (?P<err>[\d.e+-]+)\)$")),
    ("disagrees", re.compile(r"^numeric check disagrees \(relative error (?P<err>[\d.e+-]+)\) "
                             r"with the exact proof$")),
    ("budget", re.compile(r"^budget spent before " + _S + "$")),
    ("symbolic-budget", re.compile(r"^symbolic budget of (?P<secs>[\d.]+) s spent at " + _S + "$")),
    ("shown", re.compile(r"^exact normal form is 0 at the shown entries (?P<labels>.+), at " + _S
                         + r"; the entries left out \('\.\.\.'\) are not checked$")),
    ("no-point", re.compile(r"^no finite numeric point found: ")),
]

# {s} {s2} {idx} {err}: math; {k} {cases} {secs} {labels}: text. Pieces are split at the braces.
_WORDING = {
    "en": {
        "exact": "exact{simp} at {s}", "simp": " (normal form and simplify)",
        "every": ", every {idx}", "signs": ", each sign of the {k} abs argument(s) ({cases} cases)",
        "allsizes": "every size in index notation (symbolic sums, Kronecker deltas)",
        "allsizes-idx": "every size and every {idx} in index notation (symbolic sums, Kronecker deltas)",
        "numeric-fd": "finite differences agree at {s}{every} (error {lterr})",
        "numeric-values": "numeric values agree at {s}{every} (error {lterr})",
        "expanded": "identical once the definitions are expanded",
        "chain": "follows from the chain (every link proven)",
        "identification": "for every {dx}, {form}: the gradient is read off",
        "only": "exact at {s} only", "simplify": "simplify needed for {k} entries",
        "probe": "an exact probe differs at {s}",
        "differs": "a numeric check differs at {s} (relative error {err})",
        "size-dependent": "exact at {s} but not at {s2} (numeric, relative error {err})",
        "disagrees": "the numeric check disagrees with the exact proof (relative error {err})",
        "budget": "time budget spent before {s}", "symbolic-budget": "symbolic budget of {secs} s spent at {s}",
        "shown": "exact at the shown entries {labels}, at {s}; the entries left out are not checked",
        "no-point": "no point found where both sides are finite",
        "declared": "the declared sizes",
    },
    "zh": {
        "exact": "在 {s} 上精确成立{simp}", "simp": "（正规形与化简）",
        "every": "，对 {idx} 的每个取值", "signs": "，逐一取 abs 的 {k} 个自变量的正负号（{cases} 种情形）",
        "allsizes": "用指标记号对任意维数证明（符号求和、克罗内克 δ）",
        "allsizes-idx": "用指标记号对任意维数及 {idx} 的每个取值证明（符号求和、克罗内克 δ）",
        "numeric-fd": "有限差分在 {s}{every} 上一致（误差 {lterr}）",
        "numeric-values": "数值在 {s}{every} 上一致（误差 {lterr}）",
        "expanded": "展开定义后两边相同",
        "chain": "由推导链得出（每一步均已证明）",
        "identification": "对任意 {dx} 有 {form}，由此读出梯度",
        "only": "仅在 {s} 上精确成立", "simplify": "{k} 个元素需要化简（simplify）",
        "probe": "精确探测在 {s} 上两边不等",
        "differs": "数值检验在 {s} 上不符（相对误差 {err}）",
        "size-dependent": "在 {s} 上精确成立，但在 {s2} 上不成立（数值，相对误差 {err}）",
        "disagrees": "数值检验与精确证明不符（相对误差 {err}）",
        "budget": "在 {s} 之前用完时间预算", "symbolic-budget": "在 {s} 上用完 {secs} 秒的符号计算预算",
        "shown": "在 {s} 上对列出的元素 {labels} 精确成立；省略号处的元素未检验",
        "no-point": "找不到两边都有限的点",
        "declared": "声明的尺寸",
    },
}


def _fill(template: str, math: dict[str, str], text: dict[str, str]) -> Pieces:
    """A wording with {name} fields: math fields become math pieces, text fields text."""
    out: Pieces = []
    for i, chunk in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2 == 0:
            if chunk:
                out.append(("text", chunk))
        elif chunk in math:
            out.append(("math", math[chunk]))
        elif text.get(chunk):
            out.append(("text", text[chunk]))
    return merge(out)


def merge(pieces: Pieces) -> Pieces:
    out: Pieces = []
    for kind, s in pieces:
        if out and out[-1][0] == kind == "text":
            out[-1] = ("text", out[-1][1] + s)
        else:
            out.append((kind, s))
    return out


def _idx_tex(idx: str) -> str:
    return ", ".join(name_tex(i.strip(), "plain") for i in idx.split(",") if i.strip())


def identification_form(var_tex: str, shape: tuple) -> dict[str, str]:
    """The differential form a gradient is read off, for a variable typeset `var_tex` of `shape`:
    df = (∂f/∂x) dx for a scalar, (∂f/∂x)ᵀ dx for a vector, tr((∂f/∂X)ᵀ dX) for a matrix."""
    d = r"\mathrm{d}" + var_tex
    grad = r"\bigl(\tfrac{\partial f}{\partial " + var_tex + r"}\bigr)"
    if tuple(shape) == (1, 1):
        form = grad + " " + d
    elif shape[1] == 1:
        form = grad + r"^{\top} " + d
    else:
        form = r"\operatorname{tr}\bigl(" + grad + r"^{\top} " + d + r"\bigr)"
    return {"dx": d, "form": r"\mathrm{d}f = " + form}


def evidence_pieces(text: str, lang: str, identification: dict[str, str] | None = None) -> Pieces:
    """One evidence string of the checker in the note's language; unknown kinds verbatim.
    `identification`: the variable's own form (`identification_form`) for that kind."""
    words = _WORDING["zh" if lang == "zh" else "en"]
    for kind, pattern in _KINDS:
        m = pattern.match(text)
        if m is None:
            continue
        g = m.groupdict()
        math: dict[str, str] = {}
        plain: dict[str, str] = {}
        for key in ("s", "s2"):
            if g.get(key):
                tex = sizes_tex(g[key])
                if tex is None:
                    if g[key] != "the declared sizes":
                        return [("text", text)]
                    plain[key] = words["declared"]
                else:
                    math[key] = tex
        if g.get("err"):
            math["err"] = error_tex(g["err"])
            math["lterr"] = "< " + error_tex(g["err"])
        if g.get("idx"):
            math["idx"] = _idx_tex(g["idx"])
        for key in ("k", "cases", "secs", "labels"):
            if g.get(key):
                plain[key] = g[key]
        if kind == "exact":
            tail = _fill(words["simp"], {}, {}) if g.get("simp") else []
            pieces = _fill(words["exact"].replace("{simp}", "{SIMP}"), math, plain)
            pieces = _splice(pieces, "SIMP", tail)
            if g.get("idx"):
                pieces += _fill(words["every"], math, plain)
            if g.get("k"):
                pieces += _fill(words["signs"], math, plain)
            return merge(pieces)
        if kind == "allsizes":
            return _fill(words["allsizes-idx" if g.get("idx") else "allsizes"], math, plain)
        if kind == "numeric":
            every = _fill(words["every"], math, plain) if g.get("idx") else []
            key = "numeric-fd" if g["what"] == "finite differences" else "numeric-values"
            return _splice(_fill(words[key].replace("{every}", "{EVERY}"), math, plain), "EVERY", every)
        if kind == "identification":
            return _fill(words["identification"], identification or identification_form("x", ("n", 1)), {})
        return _fill(words[kind], math, plain)
    return [("text", text)]


def _splice(pieces: Pieces, field_name: str, insert: Pieces) -> Pieces:
    """Pieces with the text marker {FIELD} (left by `_fill` as literal text) replaced."""
    out: Pieces = []
    marker = "{" + field_name + "}"
    for kind, s in pieces:
        if kind == "text" and marker in s:
            before, after = s.split(marker, 1)
            out += [("text", before)] if before else []
            out += insert
            out += [("text", after)] if after else []
        else:
            out.append((kind, s))
    return merge(out)


# ------------------------------------------------------------------------------------------
# counterexamples and problems
# ------------------------------------------------------------------------------------------

_WITNESS_WORDS = {
    "en": {"at": "at ", "entry": "entry", "left": "left side ", "right": "right side ",
           "sep": ", ", "then": "; ", "exact": "", "numeric": " (numeric)"},
    "zh": {"at": "在 ", "entry": "元素", "left": "左边 ", "right": "右边 ",
           "sep": "，", "then": "；", "exact": "", "numeric": "（数值）"},
}


def witness_pieces(w: Any, lang: str, digits: int = 4) -> Pieces:
    """A counterexample as mathematics: the sizes, the point (one formula per coordinate, so
    that lines may break between them), where the sides differ and both values."""
    words = _WITNESS_WORDS["zh" if lang == "zh" else "en"]
    out: Pieces = []
    if w.sizes:
        out.append(("math", ", ".join(f"{name_tex(k, 'plain')} = {v}" for k, v in w.sizes.items())))
        out.append(("text", words["then"]))
    for i, (name, value) in enumerate(w.point.items()):
        if i:
            out.append(("text", words["sep"]))
        lhs = point_name_tex(name)
        rhs = value_tex(value, digits)
        if lhs is None or rhs is None:
            out.append(("text", f"{name} = {value}"))
        else:
            out.append(("math", f"{lhs} = {rhs}"))
    if w.point:
        out.append(("text", words["then"]))
    where = w.position(words["entry"])
    left, right = value_tex(w.left, digits), value_tex(w.right, digits)
    out.append(("text", where + ("：" if lang == "zh" else ": ") + words["left"]))
    out.append(("math", left) if left is not None else ("text", w.left))
    out.append(("text", words["sep"] + words["right"]))
    out.append(("math", right) if right is not None else ("text", w.right))
    if not w.exact:
        out.append(("text", words["numeric"]))
    return merge(out)


_EXAMPLE_DIFFERS = re.compile(r"^(?P<part>[\w.-]+): step (?P<k>\d+) evaluates to (?P<v>\[.*\]), "
                              r"the start to (?P<w>\[.*\])$")
_PROBLEM_WORDS = {
    "en": "the numeric example: step {k} evaluates to {v}, the chain's start to {w}",
    "zh": "数值示例：第 {k} 步的值为 {v}，而起点的值为 {w}",
}


def problem_pieces(error: Any, lang: str, digits: int, number: Any = None) -> Pieces:
    """A problem of a derivation for its draft: its message without the file path; the
    example's disagreement with its values as math. `number(part, k)` gives a step's number."""
    message = getattr(error, "message", str(error))
    m = _EXAMPLE_DIFFERS.match(message)
    if m is not None:
        v, w = _list_tex(m.group("v"), digits), _list_tex(m.group("w"), digits)
        if v is not None and w is not None:
            k = number(m.group("part"), int(m.group("k"))) if number else m.group("k")
            return _fill(_PROBLEM_WORDS["zh" if lang == "zh" else "en"], {"v": v, "w": w},
                         {"k": f"({k})"})
    return [("text", message)]


def _list_tex(text: str, digits: int) -> str | None:
    """'[[-6.0]]' or '[[1.0], [2.0]]' (a value's rows) as TeX."""
    rows = re.findall(r"\[([^\[\]]*)\]", text)
    try:
        values = [[float(v) for v in r.split(",")] for r in rows]
    except ValueError:
        return None
    return latex_fixed(values, digits)


def fraction_tex(v: Fraction) -> str:
    """An exact value as TeX: -\\tfrac{1}{4}, 7."""
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    return f"{sign}\\tfrac{{{abs(v.numerator)}}}{{{v.denominator}}}"
