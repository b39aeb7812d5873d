"""What the pages of a site say, computed from every verification result at once.

A note page's `site` template variable (SitePlan: previous/next in reading order, "cited by",
downloads, cross-page anchors, status words in the note's language), the index page and the
citation graph. Nothing here writes a file: site.py writes the index and the graph, and
build.py the note pages (through SitePlan.hook). serve uses the same plan with failures as drafts.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.errors import DocgenError
from .report import link_title
from ..lang.rules import RULES
from ..check.verdict import FAILED, NUMERIC, UNDECIDED
from ..run.verify import Result

INDEX_TEMPLATE = "site/index.html.j2"
DOWNLOADS = [("pdf", "pdf", "PDF"), ("md", "md", "Markdown"), ("latex", "tex", "LaTeX")]

WORDS = {
    "en": {"contents": "Contents", "cited_by": "Cited by", "previous": "Previous", "next": "Next",
           "index": "All notes", "downloads": "Download", "step": "step", "status": "Status",
           "nobody": "No other note cites this one.", "graph": "citation graph",
           "colon": ": "},
    "zh": {"contents": "目录", "cited_by": "被引用", "previous": "上一篇", "next": "下一篇",
           "index": "全部笔记", "downloads": "下载", "step": "步骤", "status": "状态",
           "nobody": "尚无其他笔记引用本篇。", "graph": "引用关系图",
           "colon": "："},
}
STATUS_TEXT = {
    "verified": {"en": "✓ verified", "zh": "✓ 已验证"},
    "numeric": {"en": "≈ checked numerically", "zh": "≈ 数值验证"},
    "unchecked": {"en": "? not fully checked", "zh": "? 部分未检验"},
    "failed": {"en": "✗ fails verification", "zh": "✗ 未通过验证"},
}
LANGUAGE_NAMES = {"zh": "中文", "en": "English"}


class PublishBlocked(DocgenError):
    """A derivation fails verification: nothing is published (exit code 1)."""

    exit_code = 1


def note_status(res: Result) -> str:
    """verified (every link proven), numeric (some only numerically), unchecked (some could
    not be checked: passed only under --allow-undecided) or failed."""
    if not res.passed:
        return "failed"
    if any(link.status == UNDECIDED for link in res.links):
        return "unchecked"
    if any(link.status == NUMERIC for link in res.links):
        return "numeric"
    return "verified"


def failure_lines(res: Result) -> list[str]:
    """Why a derivation fails, one line each, starting with file:line where known."""
    der = res.derivation
    lines = [str(p) for p in res.problems]
    for link in res.unaccepted:  # refuted, or not checked enough under the run's policy
        where = f"{link.loc}: " if link.loc else f"{der.path}: "
        why = "" if link.status == FAILED else f" [{res.policy.why_not(link)}]"
        lines.append(f"{where}{link_title(link)}: {link.verdict()}"
                     f"  ({link.left.text}  =  {link.right.text}){why}")
    return lines or [f"{der.path}: does not verify"]


def reading_order(results: list[Result]) -> list[Result]:
    """Cited notes before the notes that cite them; otherwise by id (a textbook's order)."""
    by_id = {r.derivation.id: r for r in results}
    done: set[str] = set()
    order: list[Result] = []

    def visit(did: str, stack: tuple[str, ...]) -> None:
        if did in done or did in stack or did not in by_id:
            return
        for by in sorted({by for by, _ in by_id[did].derivation.citations() if by not in RULES}):
            visit(by, stack + (did,))
        done.add(did)
        order.append(by_id[did])

    for did in sorted(by_id):
        visit(did, ())
    return order


def tag_slug(tag: str) -> str:
    """An id/URL-safe, stable anchor for a tag: tag-softmax, tag-_68af_7387 for CJK."""
    return "tag-" + "".join(c if re.match(r"[a-z0-9-]", c) else f"_{ord(c):x}" for c in tag.lower())


def sort_key(title: str) -> tuple:
    return (title.casefold(),)


@dataclass
class SitePlan:
    """What the pages of one site need, computed from all verification results at once."""

    formats: set[str]
    block_failures: bool = True  # publish: a failure stops everything; serve: drafts
    results: list[Result] = field(default_factory=list)
    contexts: dict[str, dict] = field(default_factory=dict)
    banner: list[str] = field(default_factory=list)  # serve: failures shown on every page

    def hook(self, results: list[Result]) -> dict[str, dict]:
        self.results = list(results)
        failed = [r for r in results if not r.passed]
        if failed and self.block_failures:
            lines = []
            for r in failed:
                lines.append(f"{r.derivation.id} ({r.derivation.path}) fails verification:")
                lines += ["    " + line for line in failure_lines(r)]
            lines.append("nothing published; the previous site is left as it was "
                         "(see `docgen verify -v`)")
            raise PublishBlocked("\n".join(lines))
        self.banner = [f"{r.derivation.id}: {line}" for r in failed for line in failure_lines(r)]
        self.contexts = self._contexts(results)
        return self.contexts

    def _contexts(self, results: list[Result]) -> dict[str, dict]:
        by_id = {r.derivation.id: r for r in results}
        order = reading_order(results)
        cited_by: dict[str, dict[str, list[tuple[str, str]]]] = {d: {} for d in by_id}
        for r in order:
            der = r.derivation
            for pi, part in enumerate(der.parts):
                for k, step in enumerate(part.steps, 1):
                    if step.by in by_id and step.by not in RULES:
                        number = str(k) if len(der.parts) == 1 else f"{pi + 1}.{k}"
                        cited_by[step.by].setdefault(der.id, []).append(
                            (number, f"eq-{part.label}-{k}"))
        anchors = {}
        for did, r in by_id.items():
            parts = r.derivation.parts
            anchors[did] = (f"#claim-{parts[0].label}" if len(parts) == 1
                            else f"#part-{parts[0].label}")
        contexts: dict[str, dict] = {}
        for n, r in enumerate(order):
            der = r.derivation
            lang = der.language if der.language in WORDS else "en"

            def near(m: int) -> dict | None:
                if not 0 <= m < len(order):
                    return None
                o = order[m].derivation
                return {"href": f"../{o.id}/{o.id}.html", "title": o.title, "id": o.id}

            status = note_status(r)
            contexts[der.id] = {
                "index": "../index.html",
                "graph": f"../index.html#node-{der.id}",
                "katex_css": "../katex/katex.min.css",
                "words": WORDS[lang],
                "status": status,
                "status_text": STATUS_TEXT[status][lang],
                "downloads": [{"href": f"{der.id}.{ext}", "label": label}
                              for fmt, ext, label in DOWNLOADS if fmt in self.formats],
                "prev": near(n - 1),
                "next": near(n + 1),
                "cited_by": [{"id": cid, "title": by_id[cid].derivation.title,
                              "href": f"../{cid}/{cid}.html",
                              "steps": [{"number": num, "href": f"../{cid}/{cid}.html#{a}"}
                                        for num, a in steps]}
                             for cid, steps in sorted(cited_by[der.id].items())],
                "cite_anchors": {by: anchors[by] for by, _ in der.citations() if by in anchors},
                "banner": [],  # serve shows failures on the failing page and the index
            }
        return contexts


def page_key(der_digest: str, context: dict, extra: Any) -> str:
    """What a note page depends on besides templates: used by serve to re-render only changes."""
    blob = json.dumps([der_digest, context, extra], sort_keys=True, ensure_ascii=False,
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# ===========================================================================================
# Index page and graph
# ===========================================================================================


def graph_files(results: list[Result]) -> tuple[str, str | None]:
    """(DOT source, SVG or None when Graphviz is missing) of the citation graph."""
    from ..render import graph

    order = sorted(results, key=lambda r: r.derivation.id)
    ids = {r.derivation.id for r in order}
    nodes = [graph.Node(r.derivation.id, r.derivation.title, note_status(r),
                        f"{r.derivation.id}/{r.derivation.id}.html",
                        f"{r.derivation.id}: {STATUS_TEXT[note_status(r)]['en']}") for r in order]
    edges = sorted({(by, r.derivation.id) for r in order for by, _ in r.derivation.citations()
                    if by in ids and by not in RULES})
    source = graph.dot_source(nodes, edges)
    return source, (graph.render_svg(source) if graph.have_dot() else None)


def render_index(results: list[Result], templates: Path | None, svg: str | None,
                 banner: list[str], formats: set[str]) -> str:
    """The index page: every note with its facts, by title, tag and language; the graph; the
    reading order."""
    from markupsafe import Markup

    from ..render import katex
    from ..render.render import Formatter, make_env

    f = Formatter("html", "index page")
    notes = [_index_entry(r, f, formats) for r in results]
    by_title = sorted(notes, key=lambda n: (n["title"].casefold(), n["id"]))
    tags: dict[str, list[dict]] = {}
    for n in by_title:
        for t in n["tags"]:
            tags.setdefault(t["name"], []).append(n)
    languages = [{"code": code, "name": name, "notes": [n for n in by_title if n["lang"] == code]}
                 for code, name in LANGUAGE_NAMES.items()]
    counts = {s: sum(n["status"] == s for n in notes) for s in STATUS_TEXT}
    view = {
        "notes": by_title,
        "tags": [{"name": t, "anchor": tag_slug(t), "notes": ns} for t, ns in sorted(tags.items())],
        "languages": [lang for lang in languages if lang["notes"]],
        "counts": counts,
        "svg": Markup(svg) if svg is not None else None,
        "edges": sorted({(by, r.derivation.id) for r in results
                         for by, _ in r.derivation.citations()
                         if by not in RULES and by in {x.derivation.id for x in results}}),
        "banner": banner,
        "reading": [{"id": r.derivation.id, "title": r.derivation.title,
                     "href": f"{r.derivation.id}/{r.derivation.id}.html"}
                    for r in reading_order(results)],
    }
    env = make_env("html", templates)
    try:
        rendered = env.get_template(INDEX_TEMPLATE).render(site=view)
    except Exception as exc:  # jinja2.TemplateError
        raise DocgenError(f"index page: template error: {exc}") from None

    def math(formulas: list[tuple[str, bool]]) -> list[str]:
        try:
            return katex.render_math(formulas)
        except katex.KatexError as exc:
            raise DocgenError(f"index page: {exc.message}") from exc

    return f.finish(rendered, math)


def _index_entry(r: Result, f: Any, formats: set[str]) -> dict:
    """One note's row of the index; `f` (a render.render.Formatter) renders its summary."""
    der = r.derivation
    status = note_status(r)
    lang = der.language if der.language in LANGUAGE_NAMES else "en"
    return {
        "id": der.id, "title": der.title, "href": f"{der.id}/{der.id}.html",
        "summary": (f.prose(der.summary, f"{der.id} ({der.path}): summary")
                    if der.summary else ""),
        "tags": [{"name": t, "href": f"#{tag_slug(t)}"} for t in der.tags],
        "lang": lang, "language": LANGUAGE_NAMES[lang],
        "status": status, "status_text": STATUS_TEXT[status]["en"],
        "downloads": [{"href": f"{der.id}/{der.id}.{ext}", "label": label}
                      for fmt, ext, label in DOWNLOADS if fmt in formats],
    }
