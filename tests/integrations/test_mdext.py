"""The Python-Markdown extension (docgen/integrations/mdext.py) on its own: markdown.markdown
with extensions=["docgen"]; blocks by reference and inline, errors at the page's lines, draft,
and what a hostile block cannot do."""

from __future__ import annotations

import re
import shutil
import textwrap

import markdown
import pytest

from buildhelp import ROOT, need_katex
from docgen.integrations.mdext import DocgenExtension
from docgen.model.errors import DocgenError


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    """One verdict cache for the module: sum-exp-gradient is checked once."""
    return tmp_path_factory.mktemp("verdicts")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "derivations").mkdir()
    shutil.copy(ROOT / "derivations" / "sum-exp-gradient.yaml", tmp_path / "derivations")
    return tmp_path


def convert(text: str, project, verdicts, **options) -> str:
    need_katex()
    config = {"page": "docs/page.md", "root": str(project), "cache": str(verdicts), **options}
    return markdown.markdown(textwrap.dedent(text), extensions=["fenced_code", "docgen"],
                             extension_configs={"docgen": config})


INLINE = """\
    # Notes

    Some text.

    ```derivation
    id: sum-again
    title: "The same gradient <script>alert(1)</script>"
    language: en
    dims:
      n: {sizes: [2, 3], numeric: 5}
    symbols:
      x: {shape: [n], description: "input <img src=x onerror=alert(2)>"}
    claim: D(ones(n).T @ exp(x), x) = exp(x)
    steps:
      - expr: exp(x)
        by: sum-exp-gradient
        note: "Cited. <script>alert(3)</script> [a link](javascript:alert(4))"
    example:
      sizes: {n: 3}
      values: {x: [0, 1, 2]}
    ```

    After the block, *emphasis*.
    """

# a wrong first step (line 15 of the page), then the claim's right-hand side
WRONG = (INLINE.replace("- expr: exp(x)", "- expr: 2 * exp(x)")
         .replace("alert(4))\"\n", "alert(4))\"\n      - exp(x)\n"))
assert WRONG.count("- exp(x)") == 1


def test_a_reference_renders_the_checked_chain(project, verdicts, with_entry_points):
    html = convert("""\
        Before.

        ```derivation
        file: derivations/sum-exp-gradient.yaml
        ```

        After.
        """, project, verdicts)
    assert html.startswith("<p>Before.</p>") and html.rstrip().endswith("<p>After.</p>")
    assert '<div class="docgen" id="docgen-sum-exp-gradient"' in html
    assert 'class="katex"' in html and "katex-error" not in html
    # each link's mark, its verdict on hover (the note is Chinese), linked to its evidence in
    # the fragment's own appendix
    assert html.count('title="对所有维数成立"') >= 5
    assert 'href="#docgen-sum-exp-gradient-check-main-1"' in html
    assert 'id="docgen-sum-exp-gradient-check-main-1"' in html
    assert "4.0862" in html  # the numeric example: 1 + e + 1/e
    assert "\ue000" not in html and "\x02" not in html  # no placeholder left behind
    assert "```" not in html and "file:" not in html


def test_inline_yaml_with_a_citation_and_hostile_text(project, verdicts, with_entry_points):
    html = convert(INLINE, project, verdicts)
    assert 'id="docgen-sum-again"' in html
    assert "sum-exp-gradient" in html  # the citation, resolved in derivations/
    assert "<p>After the block, <em>emphasis</em>.</p>" in html
    for raw in ("<script", "<img", "href=\"javascript"):  # text, never markup
        assert raw not in html, raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text


def test_the_fragment_goes_through_the_stash_verbatim(project, verdicts):
    """The rendered HTML is not read as Markdown: it comes out byte for byte."""
    need_katex()
    ext = DocgenExtension(page="docs/page.md", root=str(project), cache=str(verdicts))
    text = "Intro.\n\n```derivation\nfile: derivations/sum-exp-gradient.yaml\n```\n"
    html = markdown.markdown(text, extensions=[ext])
    (fragment,) = ext.session.fragments.values()
    assert fragment.rstrip("\n") in html  # (Markdown ends the page without a newline)
    assert ext.session.verifications == 1


def test_a_yaml_error_names_the_page_line_and_column(project, verdicts, with_entry_points):
    text = "# T\n\nText.\n\n```derivation\nid: x\ntitle: [unclosed\nclaim: a = a\n```\n"
    with pytest.raises(DocgenError) as err:
        convert(text, project, verdicts)
    assert re.match(r"docs/page\.md:8:\d+: invalid YAML", str(err.value)), str(err.value)


def test_a_schema_error_names_the_page_line(project, verdicts, with_entry_points):
    text = INLINE.replace("x: {shape: [n],", "x: {shape: [n], colour: blue,")
    with pytest.raises(DocgenError, match=r"^docs/page\.md:12:\d+: symbols/x: .*'colour'"):
        convert(text, project, verdicts)


def test_a_failing_derivation_raises_with_the_witness(project, verdicts, with_entry_points):
    with pytest.raises(DocgenError) as err:
        convert(WRONG, project, verdicts)
    text = str(err.value)
    assert text.startswith("docs/page.md:5: derivation sum-again does not verify")
    assert "docs/page.md:15:11: step 1: failed" in text  # the step's line in the page
    assert "exact witness at n = 2" in text and "left side" in text


def test_draft_renders_the_failure_marked(project, verdicts, with_entry_points):
    html = convert(WRONG, project, verdicts, draft=True)
    assert "DRAFT: this derivation does not verify" in html
    assert 'class="step failed"' in html and 'class="mark status-failed"' in html
    assert '<strong class="fails">fails</strong>' in html and "counterexample" in html


def test_a_missing_id_or_file_is_named_at_the_block(project, verdicts, with_entry_points):
    with pytest.raises(DocgenError, match=r"page\.md:4:5: id: no derivation 'nope' in derivations"):
        convert("Text.\n\n```derivation\nid: nope\n```\n", project, verdicts)
    with pytest.raises(DocgenError, match=r"docs/page\.md:2:7: file: \.\./x\.yaml is outside"):
        convert("```derivation\nfile: ../x.yaml\n```\n", project, verdicts)
