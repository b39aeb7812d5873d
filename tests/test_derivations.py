"""Every file in derivations/ loads, verifies, and its worked example agrees with finite differences."""

from __future__ import annotations

from pathlib import Path

import pytest

from docgen.read.load import load_file
from docgen.read.spec import build_derivation
from docgen.run.verify import load_corpus, verify

FOLDER = Path(__file__).resolve().parent.parent / "derivations"
FILES = sorted(FOLDER.glob("*.yaml"))
IDS = [f.stem for f in FILES]


def test_the_folder_has_derivations():
    assert FILES, f"no derivation files in {FOLDER}"


@pytest.fixture(scope="module")
def results():
    """All derivations verified once, together (they cite each other); by file path."""
    corpus = load_corpus([str(FOLDER)])
    assert [str(e) for e in corpus.errors] == []
    return {Path(r.derivation.path).resolve(): r for r in verify(corpus.derivations)}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_loads_and_builds(path):
    der = build_derivation(load_file(path))
    assert der.parts and all(p.steps for p in der.parts)
    assert der.language in ("zh", "en")
    # exact checks never only at size 1
    assert all(any(s > 1 for s in d.sizes) for d in der.dims.values())


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_verifies(results, path):
    res = results[path.resolve()]
    assert [str(p) for p in res.problems] == []
    bad = [(str(link.loc), link.status, link.evidence) for link in res.links
           if link.status not in ("proven-all", "proven", "numeric")]
    assert bad == []
    assert res.passed


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_example_agrees_with_finite_differences(results, path):
    res = results[path.resolve()]
    assert res.derivation.example is not None, "every derivation has a worked example"
    ex = res.example
    assert ex is not None
    assert ex.problems == []
    assert ex.fd_agree is True
    for part in res.derivation.parts:
        values = ex.parts[part.label]
        assert len(values) == len(part.steps) + 1  # the start and every step


def test_ids_are_unique(results):
    ids = [r.derivation.id for r in results.values()]
    assert len(ids) == len(set(ids))
