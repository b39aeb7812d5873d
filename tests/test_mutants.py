"""The mutation machinery of benchmarks/mutants.py on one small derivation: every mutant that
type-checks and is not equivalent (decided by NumPy, independently of the checker) is rejected
by verification, and the unmutated derivation is not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from buildhelp import GOOD

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import mutants  # noqa: E402


def test_every_non_equivalent_mutant_of_a_small_derivation_is_killed(tmp_path):
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    done, bases, _ = mutants.run([str(path)], jobs=1, budget=20)
    s = mutants.summary(done)
    assert bases == {str(path): []}, "the correct derivation is rejected"
    assert s["total"] >= 8 and s["killed"] >= 4, s
    assert s["survived"] == s["undecided"] == s["wrongly-killed"] == s["crashed"] == 0, \
        [(m.text, m.outcome, m.reason) for m in done if m.outcome in ("survived", "undecided", "wrongly-killed", "crashed")]
    assert mutants.kill_rate(s) == 1.0
    # the proof for every size, run directly on the wrong links, never claims one
    assert s["proofs tried"] > 0 and s["unsound proofs"] == 0, [m.unsound for m in done if m.unsound]
    # every excluded mutant says why
    assert all(m.reason for m in done if m.outcome in ("equivalent", "shape-rejected", "model-rejected"))


def test_mutation_operators_on_a_tree():
    from docgen.lang.parse import parse_expr
    from docgen.read.spec import build_derivation
    from docgen.read.load import load_bytes

    der = build_derivation(load_bytes(GOOD.encode(), "good.yaml"))
    found = {(op, mutants.unparse(t)) for op, _, t in mutants.mutate(parse_expr("D(ones(n).T @ exp(x), x)"), der)}
    assert ("swap", "D(exp(x) @ ones(n).T, x)") in found
    assert ("derivative", "D(ones(n).T @ log(x), x)") in found
    assert ("transpose", "D(ones(n).T @ exp(x), x).T") in found
    assert ("transpose", "D(ones(n).T @ exp(x.T), x)") in found
    assert ("sign", "-D(ones(n).T @ exp(x), x)") in found
    assert ("transpose", "D(ones(n) @ exp(x), x)") in found


def _mutant(path: str, part: int, step: int, text: str):
    """The derivation at `path` with one step replaced, and the links touching that step."""
    from docgen.check.verdict import chain_links

    der = mutants.rebuild(path, part, step, text)
    label = der.parts[part].label
    return der, [link for link in chain_links(der)
                 if link.part == label and link.kind == "step" and link.index in (step + 1, step + 2)]


MLP = str(Path(__file__).resolve().parent.parent / "derivations" / "mlp-backprop.yaml")
LSE = str(Path(__file__).resolve().parent.parent / "derivations" / "logsumexp-gradient.yaml")


@pytest.mark.skipif(not Path(MLP).is_file(), reason="derivations/mlp-backprop.yaml not present")
def test_checker_does_not_crash_on_a_derivative_by_an_unrelated_vector():
    from docgen.check.checker import Checker

    der, links = _mutant(MLP, 2, 0, "D(o, y) @ D(L, o)")
    checker = Checker(der)
    for link in links:
        checker.check(link)  # must not raise
    assert any(link.status == "failed" for link in links)


@pytest.mark.skipif(not Path(LSE).is_file(), reason="derivations/logsumexp-gradient.yaml not present")
def test_a_wrong_step_defined_only_on_part_of_the_domain_fails():
    from docgen.check.checker import Checker

    der, links = _mutant(LSE, 0, 0, "D(log(ones(n).T @ log(x)), x)")
    checker = Checker(der)
    for link in links:
        checker.check(link)
    assert any(link.status == "failed" for link in links)
