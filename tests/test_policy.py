"""The verdict policy: what passes, what fails, and the exit code of each (docs/format.md,
"Verdicts"). A link with no evidence is not a pass: a false claim must never exit 0 because it
could not be checked (budget spent, worker dead, no finite point)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from docgen.check.verdict import (FAILED, NUMERIC, PROVEN, PROVEN_ALL, UNDECIDED, Link,
                                  Policy)
from docgen.cli import main
from docgen.model.derivation import Expr

ROOT = Path(__file__).resolve().parent.parent

# right side undefined everywhere: no exact decision, no finite numeric point
NO_EVIDENCE = """\
id: no-evidence
title: A false gradient behind a division by zero
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  x: {shape: [n]}
claim: D(sum(exp(x)), x) = 2*exp(x) + x/(x - x)
steps:
  - 2*exp(x) + x/(x - x)
"""

# abs nested in abs is not decided by cases on its signs (a single abs is): numeric evidence
# only, decided in about a second (an identity that needs `simplify`, like tanh's, can hit the
# budget on a busy machine and then is undecided, not numeric)
NUMERIC_ONLY = """\
id: numeric-only
title: a product of nested absolute values
dims:
  n: {sizes: [2], numeric: 3}
symbols:
  u: {shape: [1]}
claim: abs(abs(u) - 1) * abs(abs(u) + 1) = abs(u*u - ones(1))
steps:
  - abs(u*u - ones(1))
"""

PROVEN_FILE = """\
id: proven
title: sum of exponentials
dims:
  n: {sizes: [2, 3], numeric: 4}
symbols:
  x: {shape: [n]}
claim: D(sum(exp(x)), x) = exp(x)
steps:
  - exp(x)
"""


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def put(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def _link(status: str, kind: str = "step") -> Link:
    e = Expr("x", None, None, (1, 1))  # type: ignore[arg-type]
    return Link("main", 1, kind, e, e, None, status=status)


@pytest.mark.parametrize("policy, passing", [
    (Policy(), {PROVEN_ALL, PROVEN, NUMERIC}),
    (Policy(allow_undecided=True), {PROVEN_ALL, PROVEN, NUMERIC, UNDECIDED}),
    (Policy(strict=True), {PROVEN_ALL, PROVEN}),
    (Policy(strict=True, allow_undecided=True), {PROVEN_ALL, PROVEN}),
])
def test_which_verdicts_pass(policy, passing):
    for status in (PROVEN_ALL, PROVEN, NUMERIC, UNDECIDED, FAILED):
        assert policy.accepts(_link(status)) is (status in passing), status
        assert bool(policy.why_not(_link(status))) is (status not in passing), status
    assert policy.accepts(_link(PROVEN_ALL, kind="identification"))


def test_a_link_with_no_evidence_fails_the_run(cwd, capsys):
    put(cwd, "d.yaml", NO_EVIDENCE)
    code, text = run(capsys, "verify", "--no-cache", "d.yaml")
    assert code == 1, text
    assert "FAIL no-evidence" in text and "0 passed, 1 failed" in text
    assert "d.yaml:9:5: step 1: could not be checked" in text  # the step, located
    assert "no finite numeric point" in text and "--allow-undecided" in text


def test_allow_undecided_is_an_explicit_opt_in(cwd, capsys):
    put(cwd, "d.yaml", NO_EVIDENCE)
    code, text = run(capsys, "verify", "--no-cache", "--allow-undecided", "d.yaml")
    assert code == 0, text
    assert "2 not checked" in text
    code, text = run(capsys, "verify", "--no-cache", "--allow-undecided", "--format", "json",
                     "d.yaml")
    doc = json.loads(text)
    assert code == 0 and doc["derivations"][0]["passed"] is True
    assert all(link["status"] == "undecided" and link["passes"] for link in doc["derivations"][0]["links"])
    code, text = run(capsys, "verify", "--no-cache", "--format", "json", "d.yaml")
    doc = json.loads(text)
    assert code == 1 and doc["derivations"][0]["passed"] is False
    assert not any(link["passes"] for link in doc["derivations"][0]["links"])


def test_strict_passes_only_symbolic_proofs(cwd, capsys):
    put(cwd, "n.yaml", NUMERIC_ONLY)
    put(cwd, "p.yaml", PROVEN_FILE)
    code, text = run(capsys, "verify", "--no-cache", "n.yaml", "p.yaml")
    assert code == 0 and "2 passed" in text, text
    code, text = run(capsys, "verify", "--no-cache", "--strict", "n.yaml", "p.yaml")
    assert code == 1, text
    assert "FAIL numeric-only" in text and "ok   proven" in text
    assert "--strict passes only symbolic proofs" in text
    # --strict wins over --allow-undecided
    put(cwd, "d.yaml", NO_EVIDENCE)
    code, text = run(capsys, "verify", "--no-cache", "--strict", "--allow-undecided", "d.yaml")
    assert code == 1, text


def test_dead_workers_fail_the_run(cwd, capsys, monkeypatch):
    """Every checking worker dies at start (as under a memory limit it cannot live with): the
    links could not be checked, so the run fails instead of passing a claim nobody checked."""
    from docgen.run import worker

    monkeypatch.setattr(worker, "_limit_memory", lambda mb: os._exit(3))
    put(cwd, "p.yaml", PROVEN_FILE)
    code, text = run(capsys, "verify", "--no-cache", "-j", "1", "p.yaml")
    assert code == 1, text
    assert "the worker died" in text and "could not be checked" in text


def test_workers_live_under_a_hard_address_space_limit(cwd):
    """`ulimit -v 3000000`: the workers' own limit (4096 MB by default) stays within the hard
    limit instead of every worker dying at start; a false claim still fails, a true one passes."""
    put(cwd, "p.yaml", PROVEN_FILE)
    put(cwd, "d.yaml", NO_EVIDENCE)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3_000_000 * 1024, 3_000_000 * 1024))

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    good = subprocess.run([sys.executable, "-m", "docgen", "verify", "--no-cache", "p.yaml"],
                          cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=limit,
                          timeout=300)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Traceback" not in good.stderr
    bad = subprocess.run([sys.executable, "-m", "docgen", "verify", "--no-cache", "d.yaml"],
                         cwd=cwd, env=env, capture_output=True, text=True, preexec_fn=limit,
                         timeout=300)
    assert bad.returncode == 1, bad.stdout + bad.stderr


@pytest.mark.parametrize("option, value", [
    ("--budget", "nan"), ("--budget", "inf"), ("--budget", "1e300"), ("--budget", "0"),
    ("--budget", "-1"), ("--budget", "ten"),
    ("--memory", "1"), ("--memory", "50"), ("--memory", "-1"), ("--memory", "0"),
    ("--memory", "4e3"),
])
def test_absurd_budgets_and_memory_limits_are_refused(cwd, capsys, option, value):
    put(cwd, "p.yaml", PROVEN_FILE)
    with pytest.raises(SystemExit) as info:
        main(["verify", "--no-cache", option, value, "p.yaml"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and "Traceback" not in err


def test_documents_say_not_checked_never_a_tick(cwd, capsys):
    """build judges by the same policy: a note with links that could not be checked is not
    rendered by default; with --allow-undecided it is, and each such link says so."""
    put(cwd, "d.yaml", NO_EVIDENCE)
    code, text = run(capsys, "build", "--no-cache", "--format", "md,latex", "--out", "out", "d.yaml")
    assert code == 1 and not (cwd / "out" / "no-evidence" / "no-evidence.md").exists(), text
    code, text = run(capsys, "build", "--no-cache", "--allow-undecided", "--format", "md,latex",
                     "--out", "out", "d.yaml")
    assert code == 0, text
    md = (cwd / "out" / "no-evidence" / "no-evidence.md").read_text("utf-8")
    assert md.count("not checked") >= 2  # the step and the claim, each with the reason
    assert "no point found where both sides are finite" in md
    assert "✓" not in md and "checkmark" not in md  # the mark is "?", never a tick
