"""SymPy's matrix-derivative suite as a conformance corpus (tests/conformance/sympy/).

Every derivative assertion of SymPy 1.14.0's test_derivatives.py is a row of TABLE.csv; each one
docgen can express is a file with a bare claim, and must verify under the default policy; each
of its wrong variants (a dropped transpose, swapped factors, a sign, a missing factor) must fail
with a witness. Everything is checked in one `verify` call (105 ports and 201 wrong variants:
24 s at load average 2.5 on 2 cores).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy

from corpus import HERE, PORTED, ported, rows, write_wrong
from docgen.check.verdict import FAILED
from docgen.run.cache import VerdictCache
from docgen.run.verify import load_corpus, verify

SYMPY_FILE = Path(sympy.__file__).parent / "matrices" / "expressions" / "tests" / "test_derivatives.py"


def test_the_table_has_every_derivative_assertion_of_sympys_file():
    """The rule: every executed assert of the file that compares a derivative (`.diff(`) with
    an expected value, one row per assert; line 63 is in a helper that returns before it, line
    345 asserts only the type of the derivative whose value line 346 asserts."""
    table = rows()
    assert sympy.__version__ == "1.14.0"
    source = SYMPY_FILE.read_text(encoding="utf-8").splitlines()
    expected = [i + 1 for i, s in enumerate(source)
                if re.match(r"\s*assert ", s) and (".diff(" in s or "deriv ==" in s) and i + 1 != 63]
    assert [r.line for r in table] == expected
    assert len(table) == 106
    for r in table:
        assert source[r.line - 1].strip().rstrip("\\").strip() in r.sympy, r.line
        assert r.test and any(s.startswith(f"def {r.test}(") for s in source), r.line
        if r.status == PORTED:
            assert r.file == f"line-{r.line:03d}.yaml" and r.path.is_file(), r.line
            assert r.wrong, f"line {r.line}: a ported assertion needs a wrong variant"
            text = r.path.read_text(encoding="utf-8")
            assert f"id: sympy-{r.line:03d}\n" in text and f"line {r.line}, {r.test}" in text
            assert "k: {sizes: [2, 3]}" in text and "\nsteps:" not in text  # a bare claim
        else:
            assert r.status.startswith("not expressible: ") and len(r.status) > 60, r.line
            assert not r.file and not r.wrong, r.line
    files = sorted(p.name for p in HERE.glob("*.yaml"))
    assert files == sorted(r.file for r in table if r.status == PORTED)
    assert len(ported()) == 105


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Every ported file and every wrong variant, verified in one call (jobs=0: all cores)."""
    tmp = tmp_path_factory.mktemp("conformance")
    wrong = {}
    for r in ported():
        for path in write_wrong(r, tmp):
            wrong[path.stem] = r
    corpus = load_corpus([str(HERE), str(tmp)])
    assert not corpus.errors, [e.message for e in corpus.errors]
    results = verify(corpus.derivations, jobs=0, cache=VerdictCache(tmp / "cache"))
    return {Path(res.derivation.path).stem: res for res in results}, wrong


def test_every_ported_assertion_verifies(checked):
    results, _ = checked
    for r in ported():
        res = results[r.path.stem]
        assert res.passed, (r.line, [(l.status, l.evidence) for l in res.links])
        assert all(l.status != "undecided" for l in res.links), r.line


def test_every_wrong_variant_fails_with_a_witness(checked):
    results, wrong = checked
    assert len(wrong) >= len(ported())
    for stem, r in wrong.items():
        res = results[stem]
        claim = [l for l in res.links if l.kind == "claim"]
        assert not res.passed and claim and claim[0].status == FAILED, (stem, [l.evidence for l in claim])
        assert claim[0].witness is not None, stem
