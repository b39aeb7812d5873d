"""docgen.run.verify: citations between derivations (existing, verifying, acyclic)."""

from __future__ import annotations


from docgen.run.verify import citation_order, load_corpus, verify

BASE = """\
id: {id}
title: t
dims:
  n: {{sizes: [2, 3], numeric: 5}}
symbols:
  x: {{shape: [n]}}
claim: D(sum(exp(x)), x) = {rhs}
steps:
  - expr: {rhs}
    by: {by}
"""


def corpus(write, *specs):
    paths = [str(write(BASE.format(id=i, rhs=rhs, by=by), f"{i}.yaml")) for i, rhs, by in specs]
    c = load_corpus(paths)
    assert c.errors == []
    return c.derivations


def test_citing_a_verified_derivation_passes(write):
    ders = corpus(write, ("a", "exp(x)", "chain-rule"), ("b", "exp(x)", "a"))
    results = verify(ders, examples=False)
    assert [r.passed for r in results] == [True, True]
    order, problems = citation_order(ders)
    assert [d.id for d in order] == ["a", "b"]
    assert problems == {"a": [], "b": []}


def test_citation_order_puts_cited_first(write):
    ders = corpus(write, ("b", "exp(x)", "a"), ("a", "exp(x)", "algebra"))
    order, _ = citation_order(ders)
    assert [d.id for d in order] == ["a", "b"]


def test_missing_citation_is_an_error_with_location(write):
    ders = corpus(write, ("a", "exp(x)", "no-such-derivation"))
    (res,) = verify(ders, examples=False)
    assert not res.passed
    (problem,) = res.problems
    assert "'no-such-derivation' is neither a built-in rule nor the id of a derivation" in str(problem)
    assert problem.location.line == 9  # the step that cites it


def test_citing_a_failing_derivation_fails(write):
    ders = corpus(write, ("a", "2 * exp(x)", "algebra"), ("b", "exp(x)", "a"))
    results = verify(ders, examples=False)
    assert [r.passed for r in results] == [False, False]
    assert any("cites 'a', which does not verify" in str(p) for p in results[1].problems)
    assert all(link.ok for link in results[1].links)  # b's own links hold


def test_citation_cycle_is_an_error(write):
    ders = corpus(write, ("a", "exp(x)", "b"), ("b", "exp(x)", "a"))
    results = verify(ders, examples=False)
    messages = [str(p) for r in results for p in r.problems]
    assert any("citation cycle: a -> b -> a" in m for m in messages)
    assert not results[0].passed


def test_every_member_of_a_citation_cycle_fails(write):
    ders = corpus(write, ("a", "exp(x)", "b"), ("b", "exp(x)", "a"))
    results = verify(ders, examples=False)
    assert [r.passed for r in results] == [False, False]


def test_self_citation_is_a_cycle(write):
    ders = corpus(write, ("a", "exp(x)", "a"))
    (res,) = verify(ders, examples=False)
    assert not res.passed
    assert any("citation cycle: a -> a" in str(p) for p in res.problems)


def test_duplicate_ids_are_reported(write):
    paths = [str(write(BASE.format(id="a", rhs="exp(x)", by="algebra"), name)) for name in ("one.yaml", "two.yaml")]
    c = load_corpus(paths)
    assert len(c.errors) == 1
    assert "a" in str(c.errors[0]) and "two.yaml" in str(c.errors[0])
