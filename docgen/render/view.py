"""The view model: the `doc` variable of the templates, every string in it already printed and
escaped for its format.

Every formula on the page comes from `docgen.lang.notation` (printed from the checked trees) and
goes through `Formatter.math`, so a template cannot put a formula on the page by another route.
"""

from __future__ import annotations

from typing import Any

from ..check.verdict import chain_start
from ..lang import notation
from ..lang.rules import RULES, describe
from ..lang.typeset import latex_shape
from ..model.derivation import Derivation, Part
from . import checked, evidence, example_view
from .escape import is_derivation_id
from .formatter import Formatter

# ===========================================================================================
# Words
# ===========================================================================================

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "summary": "Summary", "symbols": "Symbols", "symbol": "Symbol", "space": "Space",
        "description": "Description", "layout": "Layout convention", "assumptions": "Assumptions",
        "definitions": "Definitions", "functions": "Functions", "claim": "Claim",
        "derivation": "Derivation", "step": "Step", "reason": "Reason", "verdict": "Verdict",
        "example": "Numeric example", "inputs": "Inputs", "inputs_then": "inputs", "value": "Value", "sources": "Sources",
        "references": "Cited derivations", "draft": "DRAFT: this derivation does not verify",
        "failed": "failed", "witness": "counterexample", "hence": "hence",
        "start": "start", "evaluated": "Each expression of the chain evaluated at the inputs",
        "problems": "Problems", "entry": "entry", "left": "left", "right": "right",
        "sizes": "sizes", "elementwise": "applied elementwise", "derivative": "derivative",
        "given": "given", "tags": "Tags", "rounded": "rounded to {digits} decimals",
        "generic": "a generic function of",
        "checked": "How this note was checked",
        "checked_intro": ("docgen checked every link of the chain: exactly (SymPy, rational "
                          "arithmetic) at the sizes given, for every size in index notation where "
                          "it could, and numerically at a larger size, each derivative also "
                          "against finite differences. The marks beside the steps"),
        "fails": "fails", "at_inputs": "At these inputs", "differential": "with the differential",
        "agree": "steps {steps} give the same value", "agree_one": "step {steps} gives the same value",
        "differs": "differs", "gradient": "the gradient it identifies",
        "term_of": "a term of step ({step})",
        "steps_word": "steps", "example_sizes": "Sizes", "values_rounded": "Values rounded to {digits} decimals.",
        # punctuation joining the words above to what follows them: full-width in Chinese
        "stop": ".", "colon": ": ", "comma": ", ", "semicolon": "; ", "list": ", ",
        "open": " (", "close": ")", "dash": " — ",
    },
    "zh": {
        "summary": "摘要", "symbols": "符号", "symbol": "符号", "space": "空间",
        "description": "说明", "layout": "布局约定", "assumptions": "假设",
        "definitions": "定义", "functions": "函数", "claim": "结论",
        "derivation": "推导", "step": "步骤", "reason": "依据", "verdict": "验证",
        "example": "数值示例", "inputs": "输入", "inputs_then": "输入", "value": "数值", "sources": "参考资料",
        "references": "引用的推导", "draft": "草稿：此推导未通过验证",
        "failed": "失败", "witness": "反例", "hence": "因此",
        "start": "起点", "evaluated": "链中每个表达式在输入处的值",
        "problems": "问题", "entry": "元素", "left": "左边", "right": "右边",
        "sizes": "尺寸", "elementwise": "逐元素作用", "derivative": "导数",
        "given": "已知", "tags": "标签", "rounded": "保留 {digits} 位小数",
        "generic": "的一般函数，自变量为",
        "checked": "本文的验证",
        "checked_intro": ("docgen 验证了推导链的每一步：在给定尺寸上用 SymPy 精确（有理数）计算，"
                          "能做到时用指标记号对任意维数证明，并在更大的尺寸上做数值检验，"
                          "每个导数还与有限差分比较。各步旁的标记"),
        "fails": "不成立", "at_inputs": "在此输入处", "differential": "所用微分",
        "agree": "步骤 {steps} 的值与此相同", "agree_one": "步骤 {steps} 的值与此相同",
        "differs": "不同", "gradient": "由此读出的梯度", "term_of": "步骤 ({step}) 中的一项",
        "steps_word": "步骤", "example_sizes": "尺寸", "values_rounded": "数值保留 {digits} 位小数。",
        "stop": "。", "colon": "：", "comma": "，", "semicolon": "；", "list": "、",
        "open": "（", "close": "）", "dash": "——",
    },
}

# the assumptions a symbol may carry (the schema's `assume`), in the order they are listed
ASSUMPTIONS: dict[str, dict[str, str]] = {
    "en": {"positive-definite": "positive definite", "symmetric": "symmetric",
           "invertible": "invertible", "positive": "positive", "nonzero": "nonzero",
           "constant": "constant"},
    "zh": {"positive-definite": "正定", "symmetric": "对称", "invertible": "可逆", "positive": "取正值",
           "nonzero": "非零", "constant": "常量"},
}
# what an assumption already says (positive definite: symmetric and invertible), not listed again
IMPLIED = {"positive-definite": {"symmetric", "invertible"}}

# the language of the PDF's metadata (BCP 47)
PDF_LANG = {"en": "en", "zh": "zh-CN"}

LAYOUT_SENTENCE = {
    ("en", "denominator"): (
        r"Denominator layout: for $x \in \mathbb{R}^{m}$ and $f \in \mathbb{R}^{k}$, "
        r"$\frac{\partial f}{\partial x}$ is an $m \times k$ matrix; the derivative of a scalar "
        r"with respect to $x$ has the shape of $x$."),
    ("en", "numerator"): (
        r"Numerator layout: for $x \in \mathbb{R}^{m}$ and $f \in \mathbb{R}^{k}$, "
        r"$\frac{\partial f}{\partial x}$ is a $k \times m$ matrix (the Jacobian); the derivative "
        r"of a scalar with respect to $x$ has the shape of $x^{\top}$."),
    ("zh", "denominator"): (
        r"分母布局：对 $x \in \mathbb{R}^{m}$ 与 $f \in \mathbb{R}^{k}$，"
        r"$\frac{\partial f}{\partial x}$ 是 $m \times k$ 矩阵；标量对 $x$ 的导数与 $x$ 同形。"),
    ("zh", "numerator"): (
        r"分子布局：对 $x \in \mathbb{R}^{m}$ 与 $f \in \mathbb{R}^{k}$，"
        r"$\frac{\partial f}{\partial x}$ 是 $k \times m$ 矩阵（雅可比矩阵）；标量对 $x$ 的导数与 "
        r"$x^{\top}$ 同形。"),
}

# ===========================================================================================
# The view model
# ===========================================================================================


def anchor(part: str, index: int) -> str:
    """The anchor of a chain line: stable under edits to other parts."""
    return f"eq-{part}-{index}"


def equation_number(der: Derivation, part_index: int, step: int) -> str:
    """Step k of part i is numbered k with one part, i.k with several."""
    return str(step) if len(der.parts) == 1 else f"{part_index + 1}.{step}"


class _Page:
    """What every section of one document's view needs: the derivation, its words, the checked
    links and example, and the ids the chain cites (collected while the parts are built)."""

    def __init__(self, result: Any, f: Formatter):
        self.der: Derivation = result.derivation
        self.f = f
        self.lang = self.der.language if self.der.language in WORDS else "en"
        self.words = WORDS[self.lang]
        self.digits = self.der.example.digits if self.der.example is not None else 4
        self.links = {(lk.part, lk.index, lk.kind): lk for lk in result.links}
        self.example = result.example
        self.cited: dict[str, str] = {}  # id -> id, in the order of the chain
        # the appendix entry each link's mark points to (links with the same evidence share one)
        self.groups = checked.group_links(self.der, result.links)

    def link(self, link: Any) -> dict[str, Any] | None:
        """A checked link as the chain shows it: its compact mark, the verdict in words (a
        hover title), the anchor of its evidence in the appendix; a failed link's
        counterexample as mathematics."""
        if link is None:
            return None
        f = self.f
        return {
            "status": link.status,
            "mark": f.math(evidence.mark_tex(link)),
            "mark_tex": evidence.mark_tex(link),
            "failed": link.status == "failed",
            "verdict": f.text(link.verdict(self.lang)),
            "target": self.groups.anchor_of(link),
            "witness": f.pieces(evidence.witness_pieces(link.witness, self.lang, self.digits))
            if link.witness is not None and link.status == "failed" else "",
        }


def build_view(result: Any, f: Formatter, draft: bool, refs: dict[str, str]) -> dict[str, Any]:
    """The `doc` variable of the templates for one checked derivation (`refs`: the titles of
    the derivations it may cite, by id).

    The sections are built in a fixed order: HTML numbers the formulas in the order of the
    `f.math` calls, and the references are the ids the parts cite."""
    page = _Page(result, f)
    der, lang, words = page.der, page.lang, page.words
    symbols = _symbols(page)
    functions = _functions(page)
    definitions = _definitions(page)
    assumptions = [{"equation": f.math(notation.latex_equation(a.lhs, a.rhs, der))}
                   for a in der.assumptions]
    parts = [_part_view(part, pi, page) for pi, part in enumerate(der.parts)]
    sources = _sources(der, f)
    references = _references(page.cited, refs, f)
    example = example_view.example_view(page.der, page.example, f, page.words, parts)
    check = checked.checked_view(page.groups, page.der, f, lang, page.words)
    problems = [f.pieces(evidence.problem_pieces(p, lang, page.digits, _step_number(der)))
                for p in result.problems]
    return {
        "id": der.id,
        "lang": lang,
        "words": {k: f.text(v) for k, v in words.items()},
        "title": f.text(der.title),
        "meta": {  # the PDF's document information and bookmarks: plain text, no math
            "title": f.meta(der.title),
            "subject": f.meta(der.summary or ""),
            "keywords": f.meta(", ".join(der.tags)),
            "lang": PDF_LANG.get(lang, "en"),
        },
        "summary": f.prose(der.summary, "summary", loc=der.loc) if der.summary else "",
        "tags": [f.text(t) for t in der.tags],
        "sources": sources,
        "layout": f.prose(LAYOUT_SENTENCE[(lang, der.layout)], "layout", inline=True),
        "layout_name": der.layout,
        "symbols": symbols,
        "functions": functions,
        "definitions": definitions,
        "assumptions": assumptions,
        "parts": parts,
        "single_part": len(der.parts) == 1,
        "example": example,
        "checked": check,
        "references": references,
        "draft": bool(draft and not result.passed),
        "passed": result.passed,
        "problems": problems,
        "fmt": f.fmt,
    }


def _symbols(page: _Page) -> list[dict[str, Any]]:
    der, f = page.der, page.f
    symbols = []
    for name, sym in der.symbols.items():
        desc = sym.description
        symbols.append({
            "name": f.math(notation.latex_name(name, der)),
            "shape": f.math(notation.latex_name(name, der) + r" \in " + latex_shape(sym.shape)),
            "space": f.math(latex_shape(sym.shape)),
            "description": f.prose(desc, f"symbol {name}", inline=True, loc=sym.loc) if desc else "",
            "of": f.math(", ".join(notation.latex_name(o, der) for o in sym.of)) if sym.of else "",
            "assume": f.text(page.words["list"].join(
                word for key, word in ASSUMPTIONS[page.lang].items()
                if key in sym.assume and not any(key in IMPLIED.get(a, ()) for a in sym.assume))),
        })
    return symbols


def _functions(page: _Page) -> list[dict[str, Any]]:
    der, f = page.der, page.f
    functions = []
    for name, fn in der.functions.items():
        functions.append({"name": f.math(notation.latex_applied(name, der)),
                          "derivative": f.math(notation.latex_applied(fn.derivative, der)),
                          "description": f.prose(fn.description, f"function {name}", inline=True)
                          if fn.description else ""})
    return functions


def _definitions(page: _Page) -> list[dict[str, Any]]:
    der, f = page.der, page.f
    definitions = []
    for name, d in der.definitions.items():
        equation = notation.latex_name(name, der) + " = " + notation.latex_expr(d.expr, der)
        definitions.append({
            "name": name,
            # inline, beside its note: a note under a display read as the next one's caption
            "equation": f.math(r"\displaystyle " + equation),
            "tex": equation,
            "note": f.prose(d.note, f"definition {name}", inline=True, loc=d.expr.loc) if d.note else "",
        })
    return definitions


def _step_number(der: Derivation) -> Any:
    """part label, k -> the step's number as printed (1, or 2.1 with several parts)."""
    index = {part.label: pi for pi, part in enumerate(der.parts)}
    return lambda label, k: equation_number(der, index.get(label, 0), k)


def _part_view(part: Part, pi: int, page: _Page) -> dict[str, Any]:
    """One part: its claim with its mark, the chain from its start (each step with its reason
    and mark), then the notes as commentary. The evidence is in the appendix (`checked`)."""
    der, f, lang = page.der, page.f, page.lang
    start_tex = notation.latex_expr(chain_start(part), der)
    rows = _step_rows(part, pi, page)
    ident = page.links.get((part.label, len(part.steps) + 1, "identification"))
    claim_tex = notation.latex_equation(part.lhs, part.rhs, der)
    # the aligned chain as one TeX block (LaTeX align rows; Markdown ```math aligned)
    aligned = [start_tex + " &= " + rows[0]["tex"]] if rows else [start_tex]
    aligned += ["&= " + r["tex"] for r in rows[1:]]
    return {
        "label": part.label,
        "index": pi,
        "anchor": f"part-{part.label}",
        "claim_anchor": f"claim-{part.label}",
        "title": f.text(part.title) if part.title else "",
        "bookmark": f.meta(part.title or page.words["derivation"]),
        "note": f.prose(part.note, f"part {part.label} note", loc=part.loc) if part.note else "",
        "claim": f.math(claim_tex, display=True),
        "claim_tex": claim_tex,
        "claim_link": page.link(page.links.get((part.label, 0, "claim"))),
        "method": part.method,
        "differential": part.method == "differential",
        "wrt": f.math(notation.latex_name(part.wrt, der)) if part.wrt else "",
        "start": f.math(start_tex, display=True),
        "start_tex": start_tex,
        "steps": rows,
        "commentary": [r for r in rows if r["note"] or r["failed"]],
        "aligned": aligned,
        "identification": f.math(claim_tex, display=True) if ident is not None else "",
        "identification_tex": claim_tex if ident is not None else "",
        "identification_link": page.link(ident),
        "identification_reason": f.text(describe("identification", lang)),
    }


def _step_rows(part: Part, pi: int, page: _Page) -> list[dict[str, Any]]:
    """The steps of a part's chain; the ids they cite are added to `page.cited`."""
    der, f = page.der, page.f
    rows = []
    for k, step in enumerate(part.steps, 1):
        if step.by and step.by not in RULES and is_derivation_id(step.by):
            page.cited.setdefault(step.by, step.by)  # labels, \ref and links take only ids
        step_tex = notation.latex_expr(step.expr, der)
        link = page.link(page.links.get((part.label, k, "step")))
        rows.append({
            "index": k,
            "number": equation_number(der, pi, k),
            "anchor": anchor(part.label, k),
            "tex": step_tex,
            "rhs": f.math("= " + step_tex, display=True),
            "reason": f.reason(step.by, page.lang),
            "note": f.prose(step.note, f"part {part.label} step {k} note", loc=step.loc) if step.note else "",
            "link": link,
            "failed": bool(link and link["failed"]),
        })
    return rows


def _sources(der: Derivation, f: Formatter) -> list[dict[str, Any]]:
    """Each source: its title, its URL as a link target (`href`) and as text that may break
    across lines (`url_text`), its note."""
    return [{"title": f.text(s.title), "url": s.url, "href": f.href(s.url) if s.url else "",
             "url_text": f.breakable(s.url) if s.url else "", "note": f.text(s.note)}
            for s in der.sources]


def _references(cited: dict[str, str], refs: dict[str, str], f: Formatter) -> list[dict[str, Any]]:
    """The derivations the chain cites, in the order of their first citation."""
    return [{"id": cid, "title": f.text(refs.get(cid, "")),
             "href_html": f"../{cid}/{cid}.html", "href_md": f"../{cid}/{cid}.md",
             "href_pdf": f"../{cid}/{cid}.pdf", "id_text": f.breakable(cid)}
            for cid in cited]
