"""The pytest plugin (docgen/integrations/pytest_plugin.py), run in pytester sessions of its own: which files
it collects, the items and their node ids, the failure texts, one verification per session (none
for --collect-only), and the verdict policy's options.

docgen's own suite runs with `-p no:docgen` (pyproject.toml); each pytester session loads the
plugin, through its entry point once docgen is installed with it, else with -p. The sessions
share one verdict cache, so each derivation is checked once for the whole file.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from xml.etree import ElementTree

import pytest

# imported here, not first inside a pytester session: pytester forgets the modules a session
# imported, and SymPy would be imported again for every test
import docgen.check.checker  # noqa: F401
import docgen.check.example  # noqa: F401
import docgen.run.runner  # noqa: F401
from buildhelp import in_ci
from test_policy import NO_EVIDENCE, NUMERIC_ONLY  # the same two cases as `docgen verify`'s tests

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "derivations"


def _installed() -> bool:
    return any(ep.name == "docgen" and ep.value == "docgen.integrations.pytest_plugin"
               for ep in entry_points(group="pytest11"))


# through the entry point when installed (a second -p would register it twice); without
# Hypothesis's plugin, which would import Hypothesis again in every session (5 s)
PLUGIN = ([] if _installed() else ["-p", "docgen.integrations.pytest_plugin"]) + ["-p", "no:hypothesispytest"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("verdicts"))


@pytest.fixture
def run(pytester, cache):
    """run(*args) -> RunResult of a pytest session in pytester.path with the plugin loaded."""

    def _run(*args: str) -> pytest.RunResult:
        # one argument: a path after an option of its own would count as a test path
        return pytester.runpytest(*PLUGIN, f"--docgen-cache={cache}", *args)

    return _run


@pytest.fixture
def project(pytester) -> Path:
    """d/: a correct derivation, a wrong one (a transpose dropped) and the one it cites; and
    YAML that is not a derivation (a CI config, a test fixture)."""
    d = pytester.path / "d"
    d.mkdir()
    for name in ["sum-exp-gradient", "trace-axb-gradient"]:
        (d / f"{name}.yaml").write_text((LIBRARY / f"{name}.yaml").read_text("utf-8"), "utf-8")
    text = (LIBRARY / "trace-square-gradient.yaml").read_text("utf-8")
    assert text.count("2 * X.T") == 2  # the claim and the last step
    (d / "trace-square-gradient.yaml").write_text(text.replace("2 * X.T", "2 * X"), "utf-8")
    (pytester.path / "ci.yml").write_text("name: ci\non: push\njobs:\n  test: {runs-on: x}\n")
    (pytester.path / "fixture.yaml").write_text("id: 3\ntitle: a fixture\nrows: [1, 2]\n")
    return d


def _failure(result: pytest.RunResult, nodeid: str) -> str:
    """The text of one failure section of the output."""
    out = result.stdout.str()
    file, name = nodeid.split("::")
    head = re.search(rf"_+ {re.escape(Path(file).name)}: {re.escape(name)} _+\n", out)
    assert head, out
    rest = out[head.end():]
    end = re.search(r"^(_{3,} .* _{3,}|=+ .* =+|docgen: verified .*)$", rest, re.MULTILINE)
    return rest[: end.start() if end else None]


def test_links_are_items_and_a_wrong_link_fails_with_its_witness(run, project, pytester):
    result = run("-v", "--junitxml=out.xml")
    # sum-exp: 4 steps, identification, claim, example; trace-axb: 3 + 3; trace-square: 3 + 3
    result.assert_outcomes(passed=16, failed=3)
    out = result.stdout.str()
    for nodeid in ["d/trace-square-gradient.yaml::step 3", "d/trace-square-gradient.yaml::claim",
                   "d/trace-square-gradient.yaml::example"]:
        assert f"{nodeid} FAILED" in out
    assert "d/sum-exp-gradient.yaml::step 1 PASSED (proven for all sizes)" in out
    assert "d/trace-square-gradient.yaml::step 2 PASSED (proven for all sizes)" in out
    assert "ci.yml" not in out and "fixture.yaml" not in out  # not derivations
    step = _failure(result, "d/trace-square-gradient.yaml::step 3")
    lines = step.splitlines()
    assert lines[0] == "d/trace-square-gradient.yaml:28:11: step 3: failed"
    assert lines[1] == "    tr(X @ d(X)) + tr(X @ d(X))  =  tr((2 * X).T @ d(X))"
    assert re.search(r"^    exact witness at n = 2: X_11 = \S+; ", step, re.MULTILINE)
    assert re.search(r"^    entry \(\d, \d\): left side \S+, right side \S+$", step, re.MULTILINE)
    assert "Traceback" not in out and "raise DocgenFailure" not in out
    example = _failure(result, "d/trace-square-gradient.yaml::example")
    assert example.startswith("d/trace-square-gradient.yaml:34:3: main: the claim's two sides "
                              "differ at the example")
    # JUnit XML: the failure's first line as its message, a passed link's verdict a property
    xml = ElementTree.parse(pytester.path / "out.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in xml.iter("testcase")}
    assert cases["d.trace-square-gradient.yaml", "step 3"].find("failure").get("message") == \
        "d/trace-square-gradient.yaml:28:11: step 3: failed"
    props = [(p.get("name"), p.get("value"))
             for p in cases["d.sum-exp-gradient.yaml", "step 1"].iter("property")]
    assert props == [("docgen verdict", "proven for all sizes")]
    assert "docgen: verified 3 derivations in " in out and ": 2 passed, 1 failed" in out


def test_a_file_alone_brings_what_it_cites_and_k_selects(run, project):
    result = run("d/trace-square-gradient.yaml", "-k", "claim or step")
    result.assert_outcomes(passed=2, failed=2)  # the citation of trace-axb resolves: step 3 holds
    out = result.stdout.str()
    assert "neither a built-in rule" not in out
    assert "verified 2 derivations, 1 of them only cited" in out
    result = run("-k", "claim", "-q")
    result.assert_outcomes(passed=2, failed=1)
    run("-m", "not docgen").assert_outcomes(deselected=19)  # every item has the marker
    (project / "trace-axb-gradient.yaml").unlink()  # now the citation finds nothing
    result = run("d/trace-square-gradient.yaml::step 3")
    result.assert_outcomes(failed=1)
    assert _failure(result, "d/trace-square-gradient.yaml::step 3").startswith(
        "d/trace-square-gradient.yaml:28:5: by: 'trace-axb-gradient' is neither a built-in rule "
        "nor the id of a derivation")


def test_an_unusable_file_is_one_clean_failing_item(run, pytester):
    d = pytester.path / "d"
    d.mkdir()
    broken = "id: broken\ntitle: x\nsymbols:\n  x: {shape: [n]\nclaim: x = x\n"  # no closing }
    (d / "broken.yaml").write_text(broken)
    text = NUMERIC_ONLY.replace("id: numeric-only", "id: typo").replace("title:", "titel:")
    (d / "schema.yaml").write_text(text.replace("symbols:", "title: t\nsymbols:"))
    (d / "shape.yml").write_text(NUMERIC_ONLY.replace("id: numeric-only", "id: shape")
                                 .replace("= abs(u*u", "= ones(n) + abs(u*u"))
    (d / "numeric.yaml").write_text(NUMERIC_ONLY)
    (d / "yet-another.yaml").write_text(NUMERIC_ONLY)  # the same id again
    result = run("-ra")
    result.assert_outcomes(failed=4, passed=2)
    out = result.stdout.str()
    assert _failure(result, "d/yet-another.yaml::load") == \
        "d/yet-another.yaml:1:1: duplicate id 'numeric-only', also used by d/numeric.yaml\n"
    assert _failure(result, "d/broken.yaml::load") == \
        "d/broken.yaml:5:1: invalid YAML: did not find expected ',' or '}'\n"
    assert _failure(result, "d/schema.yaml::load") == \
        "d/schema.yaml:1:1: top level: unknown key(s) ('titel' was unexpected)\n"
    assert _failure(result, "d/shape.yml::load") == "d/shape.yml:7:44: cannot add n×1 and scalar\n"
    assert "FAILED d/broken.yaml::load - d/broken.yaml:5:1: invalid YAML" in out
    assert "Traceback" not in out and "docgen/" not in out  # no frame of docgen's code
    assert "docgen: verified 1 derivation in " in out  # the unusable ones are not checked


def test_docgen_paths_names_the_derivation_folders(run, project, pytester):
    (project / "notes.yaml").write_text("a: 1\n")  # in the named folder: a derivation, broken
    other = pytester.path / "elsewhere"
    other.mkdir()
    (other / "sum-exp-gradient.yaml").write_text((project / "sum-exp-gradient.yaml").read_text())
    pytester.makeini("[pytest]\ndocgen_paths = d\n")
    result = run("--collect-only", "-q")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert len(ids) == 20 and all(i.startswith("d/") for i in ids), ids
    assert "d/notes.yaml::load" in ids
    result = run("d/notes.yaml")
    result.assert_outcomes(failed=1)
    assert "d/notes.yaml:1:1: " in _failure(result, "d/notes.yaml::load")


def test_collect_only_checks_nothing_and_a_session_verifies_once(run, project, monkeypatch):
    import docgen.run.verify

    calls = []
    real = docgen.run.verify.verify

    def spy(ders, **kwargs):
        calls.append(sorted(d.id for d in ders))
        return real(ders, **kwargs)

    monkeypatch.setattr(docgen.run.verify, "verify", spy)
    result = run("--collect-only", "-q")
    assert calls == []
    assert "d/sum-exp-gradient.yaml::identification" in result.stdout.lines
    assert "19 tests collected" in result.stdout.str()
    run("-q").assert_outcomes(passed=16, failed=3)
    assert calls == [["sum-exp-gradient", "trace-axb-gradient", "trace-square-gradient"]]


def test_the_policy_options(run, pytester):
    (pytester.path / "numeric.yaml").write_text(NUMERIC_ONLY)
    (pytester.path / "undecided.yaml").write_text(NO_EVIDENCE)
    result = run("-v", "--docgen-budget", "5")
    result.assert_outcomes(passed=2, failed=2)  # numeric only passes, no evidence fails
    out = result.stdout.str()
    assert "numeric.yaml::step 1 PASSED (numeric evidence only)" in out
    step = _failure(result, "undecided.yaml::step 1")
    assert step.startswith("undecided.yaml:9:5: step 1: could not be checked\n")
    assert "    - does not pass: could not be checked (--allow-undecided accepts it" in step
    result = run("-v", "--docgen-allow-undecided")
    result.assert_outcomes(passed=4)
    assert "undecided.yaml::claim PASSED (could not be checked)" in result.stdout.str()
    result = run("--docgen-strict", "--docgen-allow-undecided")
    result.assert_outcomes(failed=4)
    assert "- does not pass: --strict passes only symbolic proofs" in \
        _failure(result, "numeric.yaml::step 1")
    pytester.makeini("[pytest]\ndocgen_allow_undecided = true\ndocgen_budget = 5\n")
    run().assert_outcomes(passed=4)
    pytester.makeini("[pytest]\ndocgen_strict = true\n")
    run("numeric.yaml").assert_outcomes(failed=2)


@pytest.mark.parametrize("args, ini, message", [
    (["--docgen-budget", "0"], "", "--docgen-budget 0: 0 s: choose from 0.01 to 600 s"),
    ([], "docgen_budget = nan", "docgen_budget (ini) nan: nan s: choose from"),
    (["--docgen-jobs", "-1"], "", "--docgen-jobs '-1': not a whole number of worker processes"),
    ([], "docgen_jobs = many", "docgen_jobs (ini) 'many': not a whole number"),
])
def test_a_wrong_option_is_a_usage_error(run, pytester, args, ini, message):
    pytester.makeini(f"[pytest]\n{ini}\n")
    result = run(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert message in result.stderr.str()


def test_the_entry_point_registers_it_as_docgen(pytester, cache):
    """pyproject.toml declares the plugin; once installed, it is on, and -p no:docgen is off."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["entry-points"]["pytest11"] == {"docgen": "docgen.integrations.pytest_plugin"}
    if not _installed():
        if in_ci():
            pytest.fail("CI=true: docgen is installed without its pytest11 entry point")
        pytest.skip("docgen is installed without the entry point (pip install -e . adds it)")
    (pytester.path / "d.yaml").write_text(NUMERIC_ONLY)
    pytester.runpytest(*PLUGIN, f"--docgen-cache={cache}").assert_outcomes(passed=2)
    result = pytester.runpytest(*PLUGIN, "-p", "no:docgen")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_every_option_is_documented(run):
    """docs/pytest.md names every command-line and ini option that `pytest --help` lists."""
    help_text = run("--help").stdout.str()
    names = set(re.findall(r"--docgen-[a-z-]+", help_text))
    names |= set(re.findall(r"^  (docgen_[a-z_]+) ", help_text, re.MULTILINE))
    assert len(names) == 12, sorted(names)
    page = (ROOT / "docs" / "pytest.md").read_text("utf-8")
    assert [n for n in sorted(names) if f"`{n}" not in page] == []
