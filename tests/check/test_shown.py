"""Matrices written with '...' (the seed's B.26 proof): checked at the entries they show, every
wrong entry reported at its own position and file:line:col, the index pattern checked, and the
verdict never claiming more than the shown entries."""

from __future__ import annotations

import pytest

from docgen.check.checker import Checker
from docgen.lang.literal import fits, pattern_breaks, shown_entries
from docgen.lang.parse import parse_expr

HEAD = """\
id: b26
title: B.26 as printed
dims:
  n: {sizes: [2, 3, 4], numeric: 7}
symbols:
  x: {shape: [n]}
functions:
  f: {derivative: fprime}
claim: D(f(x), x) = diag(fprime(x))
steps:
"""
# The seed's matrix as printed (η written x): (1, n) is ∂f_n/∂x_n, (n, 2) is ∂f_1/∂x_n and the
# last entry has a stray minus
PRINTED = ("[[D(f(x)[1], x[1]), D(f(x)[2], x[1]), ..., D(f(x)[n], x[n])], ..., "
           "[D(f(x)[1], x[n]), D(f(x)[1], x[n]), ..., -D(f(x)[n], x[n])]]")
CORRECT = ("[[D(f(x)[1], x[1]), D(f(x)[2], x[1]), ..., D(f(x)[n], x[1])], ..., "
           "[D(f(x)[1], x[n]), D(f(x)[2], x[n]), ..., D(f(x)[n], x[n])]]")
DIAG = "[[fprime(x)[1], 0, ..., 0], [0, fprime(x)[2], ..., 0], ..., [0, 0, ..., fprime(x)[n]]]"
LINE = 11  # the first step's line; its text starts at column 6 (after '  - "')


def run(build, *steps: str) -> list:
    der = build(HEAD + "".join(f'  - "{s}"\n' for s in steps) + "  - diag(fprime(x))\n")
    return Checker(der).check_all()


def col(text: str, fragment: str, nth: int = 0) -> int:
    """The 1-based column in the file of the nth occurrence of fragment in a step's text."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(fragment, at + 1)
    return 6 + at + 1 - 1


def test_the_corrected_matrix_verifies_at_the_shown_entries(build):
    links = run(build, CORRECT, DIAG)
    step1, step2, step3, claim = links
    for link in (step1, step2, step3):
        assert link.status == "proven", link.evidence
        assert link.sizes == [{"n": 3}, {"n": 4}]  # n = 2 cannot show (1, 2) and (1, n) apart
    assert "at the shown entries (1,1), (1,2), (1,n), (n,1), (n,2), (n,n), at n ∈ {3, 4}" in step1.evidence[0]
    assert "not checked" in step1.evidence[0]
    assert claim.status == "proven-all"  # checked itself: the chain shows only some entries
    assert not any("transitivity" in e for e in claim.evidence)


def test_each_typo_of_the_printed_matrix_is_reported_at_its_own_entry(build):
    step1 = run(build, PRINTED)[0]
    assert step1.status == "failed"
    text = "\n".join(step1.evidence)
    where_1n = f":{LINE}:{col(PRINTED, 'D(f(x)[n], x[n])')}: "
    where_n2 = f":{LINE}:{col(PRINTED, 'D(f(x)[1], x[n])', 1)}: "
    where_nn = f":{LINE}:{col(PRINTED, '-D(f(x)[n], x[n])')}: "
    # (1, n): a wrong value and a broken pattern
    assert f"{where_1n}entry (1, n) as written: D(f(x)[n], x[n]): differs from the other side" in text
    assert (f"{where_1n}entry (1, n) reads D(f(x)[n], x[n]); the pattern of the other entries gives "
            "D(f(x)[n], x[1])") in text
    # (n, 2): the value happens to be right (both 0), the pattern is not
    assert (f"{where_n2}entry (n, 2) reads D(f(x)[1], x[n]); the pattern of the other entries gives "
            "D(f(x)[2], x[n])") in text
    assert "entry (n, 2) as written" not in text
    # (n, n): the stray minus
    assert f"{where_nn}entry (n, n) as written: -D(f(x)[n], x[n]): differs from the other side" in text
    assert len(step1.evidence) == 4
    w = step1.witness
    assert w is not None and w.exact and w.where.startswith("entry (1, n) as written")


@pytest.mark.parametrize("typo, entry", [
    ("D(f(x)[n], x[1])]", None),
    ("D(f(x)[n], x[n])]", "(1, n)"),
])
def test_one_typo_at_a_time(build, typo, entry):
    text = CORRECT.replace("D(f(x)[n], x[1])]", typo)
    step1 = run(build, text)[0]
    if entry is None:
        assert step1.status == "proven"
    else:
        assert step1.status == "failed" and any(f"entry {entry}" in e for e in step1.evidence)


def test_a_matrix_too_small_for_its_dots_is_undecided(build):
    der = build(HEAD.replace("[2, 3, 4], numeric: 7", "[2], numeric: 2") + f'  - "{CORRECT}"\n  - diag(fprime(x))\n')
    step1 = Checker(der).check_all()[0]
    assert step1.status == "undecided"
    assert "needs at least 2 rows and 3 columns" in step1.evidence[0]


def test_column_vector_with_dots(build):
    der = build(HEAD.replace("claim: D(f(x), x) = diag(fprime(x))", "claim: exp(x) = exp(x)")
                + '  - "[exp(x[1]), exp(x[2]), ..., exp(x[n])]"\n  - exp(x)\n')
    links = Checker(der).check_all()
    assert [k.status for k in links] == ["proven", "proven", "proven-all"]
    assert "(1,1), (2,1), (n,1)" in links[0].evidence[0]
    der = build(HEAD.replace("claim: D(f(x), x) = diag(fprime(x))", "claim: exp(x) = exp(x)")
                + '  - "[exp(x[1]), exp(x[1]), ..., exp(x[n])]"\n  - exp(x)\n')
    links = Checker(der).check_all()
    assert links[0].status == "failed"
    assert "entry (2, 1) as written: exp(x[1])" in links[0].witness.where


def test_positions_and_pattern_directly():
    lit = parse_expr(PRINTED)
    entries = shown_entries(lit, ("n", "n"))
    assert [e.label() for e in entries] == ["(1, 1)", "(1, 2)", "(1, n)", "(n, 1)", "(n, 2)", "(n, n)"]
    assert not fits(lit, (2, 2)) and fits(lit, (3, 3)) and fits(lit, (9, 9))
    breaks = pattern_breaks(entries, frozenset({"n"}))
    assert [b.entry.label() for b in breaks] == ["(1, n)", "(n, 2)"]
    assert pattern_breaks(shown_entries(parse_expr(CORRECT), ("n", "n")), frozenset({"n"})) == []
    # counting back from the end: n - 1
    lit = parse_expr("[x[1], ..., x[n - 1], x[n]]")
    assert [e.label() for e in shown_entries(lit, ("n", 1))] == ["(1, 1)", "(n-1, 1)", "(n, 1)"]
    bad = parse_expr("[x[1], x[2], ..., x[n], x[n]]")
    (b,) = pattern_breaks(shown_entries(bad, ("n", 1)), frozenset({"n"}))
    assert b.message() == "entry (n-1, 1) reads x[n]; the pattern of the other entries gives x[n - 1]"
