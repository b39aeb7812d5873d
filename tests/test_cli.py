"""docgen.cli: `docgen verify` in-process: output lines, exit codes, JSON, no tracebacks."""

from __future__ import annotations

import json
import textwrap

import pytest

from docgen.cli import main

GOOD = """\
id: smj
title: Softmax Jacobian
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n]}
definitions:
  s: softmax(x)
claim: D(s, x) = diag(s) - s @ s.T
steps:
  - expr: D(exp(x) / sum(exp(x)), x)
    by: definition
  - diag(s) - s @ s.T
"""

BAD = """\
id: dropped-transpose
title: A dropped transpose
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  A: {shape: [n, n]}
  s: {shape: [n]}
  y: {shape: [n]}
claim: A.T @ (s - y) = A @ (s - y)
steps:
  - A @ (s - y)
"""

SYNTAX = """\
id: syntax
title: t
dims:
  n: {sizes: [2, 3]}
symbols:
  x: {shape: [n]}
claim: sum(x) = sum(x)
steps:
  - sum(x +* 1)
"""


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """Run in tmp_path (relative paths in messages; any cache stays there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def put(folder, name: str, text: str):
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out and "Traceback" not in err
    return code, out, err


def test_good_file_passes(cwd, capsys):
    put(cwd, "good.yaml", GOOD)
    code, out, err = run(capsys, "verify", "good.yaml")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "ok   smj (good.yaml): 3 links: 3 proven for all sizes"
    assert lines[-1] == "1 passed, 0 failed"
    assert len(lines) == 2  # failing links only, unless -v


def test_verbose_shows_every_link_with_its_evidence(cwd, capsys):
    put(cwd, "good.yaml", GOOD)
    code, out, _ = run(capsys, "verify", "-v", "good.yaml")
    assert code == 0
    assert "good.yaml:11:11: step 1: proven for all sizes" in out
    assert "good.yaml:13:5: step 2: proven for all sizes" in out
    assert "good.yaml:9:8: claim: proven for all sizes" in out
    assert "cross-checked exactly at n ∈ {2, 3}" in out
    assert "D(s, x)  =  D(exp(x) / sum(exp(x)), x)" in out
    assert "- exact normal form is 0 at n ∈ {2, 3}" in out
    assert out.splitlines()[-1] == "1 passed, 0 failed"


def test_bad_file_fails_with_location_and_witness(cwd, capsys):
    put(cwd, "bad.yaml", BAD)
    code, out, _ = run(capsys, "verify", "bad.yaml")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "FAIL dropped-transpose (bad.yaml): 2 links: 2 failed"
    assert lines[-1] == "0 passed, 1 failed"
    assert any(line.strip() == "bad.yaml:11:5: step 1: failed" for line in lines)
    assert any(line.strip() == "bad.yaml:9:8: claim: failed" for line in lines)
    assert any(line.strip() == "A.T @ (s - y)  =  A @ (s - y)" for line in lines)
    witness = [line.strip() for line in lines if "witness" in line]
    assert len(witness) == 2 and all(w.startswith("exact witness at n = 2: ") for w in witness)
    assert "A_11 = " in witness[0] and "s_1 = " in witness[0]
    entries = [line.strip() for line in lines if line.strip().startswith("entry (1, 1): left side ")]
    assert len(entries) == 2 and all(", right side " in e for e in entries)


def test_good_and_bad_together(cwd, capsys):
    put(cwd, "a-good.yaml", GOOD)
    put(cwd, "b-bad.yaml", BAD)
    code, out, _ = run(capsys, "verify", "a-good.yaml", "b-bad.yaml")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("ok   smj (a-good.yaml)")
    assert any(line.startswith("FAIL dropped-transpose (b-bad.yaml)") for line in lines)
    assert lines[-1] == "1 passed, 1 failed"


def test_folder_argument_finds_yaml_files(cwd, capsys):
    folder = cwd / "ders"
    folder.mkdir()
    put(folder, "a.yaml", GOOD)
    put(folder, "b.yaml", BAD)
    (folder / "notes.txt").write_text("not a derivation", encoding="utf-8")
    code, out, _ = run(capsys, "verify", "ders")
    assert code == 1
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_json_to_stdout_parses(cwd, capsys):
    put(cwd, "a-good.yaml", GOOD)
    put(cwd, "b-bad.yaml", BAD)
    code, out, _ = run(capsys, "verify", "--format", "json", "a-good.yaml", "b-bad.yaml")
    assert code == 1
    doc = json.loads(out)
    assert doc["passed"] == 1 and doc["failed"] == 1 and doc["errors"] == []
    good, bad = doc["derivations"]
    assert (good["id"], good["passed"], bad["id"], bad["passed"]) == ("smj", True, "dropped-transpose", False)
    assert [link["status"] for link in good["links"]] == ["proven-all", "proven-all", "proven-all"]
    assert good["links"][0]["sizes"] == [{"n": 2}, {"n": 3}]
    failed = bad["links"][0]
    assert failed["status"] == "failed" and failed["location"] == "b-bad.yaml:11:5"
    assert failed["left"] == "A.T @ (s - y)" and failed["right"] == "A @ (s - y)"
    w = failed["witness"]
    assert w["exact"] is True and w["sizes"] == {"n": 2} and w["entry"] == [1, 1]
    assert w["left"] != w["right"] and "A_11" in w["point"]


def test_json_file_is_written_and_byte_identical_across_runs(cwd, capsys):
    put(cwd, "a-good.yaml", GOOD)
    put(cwd, "b-bad.yaml", BAD)
    code1, out1, _ = run(capsys, "verify", "--json", "-o", "r1.json", "a-good.yaml", "b-bad.yaml")
    code2, out2, _ = run(capsys, "verify", "--format", "json", "--output", "r2.json", "a-good.yaml",
                         "b-bad.yaml")
    assert code1 == code2 == 1
    assert out1 == "wrote r1.json: 1 passed, 1 failed\n"  # the summary, not the report
    assert out2 == "wrote r2.json: 1 passed, 1 failed\n"
    r1, r2 = (cwd / "r1.json").read_bytes(), (cwd / "r2.json").read_bytes()
    assert r1 == r2
    assert json.loads(r1)["failed"] == 1


def test_json_is_identical_with_and_without_cache(cwd, capsys):
    put(cwd, "b-bad.yaml", BAD)
    run(capsys, "verify", "--json", "-o", "r1.json", "b-bad.yaml")
    run(capsys, "verify", "--no-cache", "--json", "-o", "r2.json", "b-bad.yaml")
    assert (cwd / "r1.json").read_bytes() == (cwd / "r2.json").read_bytes()


def test_json_is_a_switch_never_a_file_to_overwrite(cwd, capsys):
    """`--json mine.yaml` (reading --json as a switch) verifies mine.yaml and prints JSON; it
    used to verify derivations/ and replace mine.yaml, the user's derivation, with the report."""
    mine = put(cwd, "mine.yaml", GOOD)
    before = mine.read_bytes()
    code, out, _ = run(capsys, "verify", "--json", "mine.yaml")
    assert code == 0 and json.loads(out)["derivations"][0]["id"] == "smj"
    assert mine.read_bytes() == before


@pytest.mark.parametrize("target, why", [
    ("mine.yaml", "is one of the derivation files being verified"),
    ("src/other.yaml", "is one of the derivation files being verified"),
    ("src", "is a folder"),
    ("notes.txt", "is not a docgen report"),
    ("data.json", "is not a docgen report"),
])
def test_output_never_replaces_an_input_or_a_user_file(cwd, capsys, target, why):
    mine = put(cwd, "mine.yaml", GOOD)
    (cwd / "src").mkdir()
    other = put(cwd / "src", "other.yaml", GOOD.replace("id: smj", "id: other"))
    notes = put(cwd, "notes.txt", "my notes\n")
    data = put(cwd, "data.json", '{"mine": 1}\n')
    before = {p: p.read_bytes() for p in (mine, other, notes, data)}
    code, out, err = run(capsys, "verify", "--json", "-o", target, "mine.yaml", "src")
    assert code == 2 and why in err and f"-o {target}" in err, err
    assert {p: p.read_bytes() for p in before} == before


def test_output_replaces_its_own_earlier_report(cwd, capsys):
    put(cwd, "a-good.yaml", GOOD)
    for fmt in ("text", "json", "text"):
        code, out, err = run(capsys, "verify", "--format", fmt, "-o", "report", "a-good.yaml")
        assert code == 0, err
    assert (cwd / "report").read_text("utf-8").splitlines()[-1] == "1 passed, 0 failed"


def test_syntax_error_is_a_located_message_without_traceback(cwd, capsys):
    put(cwd, "syntax.yaml", SYNTAX)
    code, out, err = run(capsys, "verify", "syntax.yaml")
    assert code == 2
    assert err.splitlines()[0] == "docgen: syntax.yaml:9:12: syntax error: invalid syntax"


def test_unusable_file_next_to_a_good_one_exits_2(cwd, capsys):
    put(cwd, "a-good.yaml", GOOD)
    put(cwd, "syntax.yaml", SYNTAX)
    code, out, err = run(capsys, "verify", "a-good.yaml", "syntax.yaml")
    assert code == 2
    assert "syntax.yaml:9:12:" in err
    assert out.splitlines()[0].startswith("ok   smj (a-good.yaml)")


@pytest.mark.parametrize("text, located", [
    (GOOD.replace("  - diag(s) - s @ s.T", "  - diag(s) - s @ x"), "good.yaml:13:"),          # shape
    (GOOD.replace("  - diag(s) - s @ s.T", "  - diag(q) - s @ s.T"), "good.yaml:13:"),        # name
    (GOOD.replace("title: Softmax Jacobian", "title: [1]"), "good.yaml:2:"),                 # schema
    (GOOD.replace("  - diag(s) - s @ s.T", "  - diag(s) - s @ s.T.__class__"), "good.yaml:13:"),
    (GOOD + "id: again\n", "good.yaml:14:"),                                                # duplicate key
    (GOOD.replace("  - diag(s)", "  - !!python/object/apply:os.system ['touch MARKER']\n  - diag(s)"),
     "good.yaml:13:"),
])
def test_user_mistakes_print_file_line_and_no_traceback(cwd, capsys, text, located):
    put(cwd, "good.yaml", text)
    code, out, err = run(capsys, "verify", "good.yaml")
    assert code == 2
    assert f"docgen: {located}" in err
    assert not (cwd / "MARKER").exists()


def test_non_utf8_file(cwd, capsys):
    (cwd / "x.yaml").write_bytes(GOOD.encode() + b"# caf\xe9\n")
    code, _, err = run(capsys, "verify", "x.yaml")
    assert code == 2
    assert "docgen: x.yaml:14: not UTF-8" in err


def test_missing_path_exits_2(cwd, capsys):
    code, out, err = run(capsys, "verify", "nope.yaml")
    assert code == 2
    assert "docgen: " in err and "nope.yaml" in err


def test_empty_folder_exits_2(cwd, capsys):
    (cwd / "empty").mkdir()
    code, _, err = run(capsys, "verify", "empty")
    assert code == 2
    assert err.startswith("docgen: no derivation files in empty")


def test_unknown_option_is_a_usage_error(cwd, capsys):
    with pytest.raises(SystemExit) as info:
        main(["verify", "--frobnicate"])
    assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("docgen ")


def _docgen(*args: str, cwd) -> "subprocess.CompletedProcess[str]":  # noqa: ANN001
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "docgen", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_the_command_exits_with_main_s_code_and_all_its_output(cwd):
    """`python -m docgen` ends with a fast exit (no teardown of the heap): the exit code is
    main()'s, every line is written, and no worker outlives it."""
    import os
    from pathlib import Path

    for i in range(12):  # enough files for both workers to start early
        (cwd / f"g{i}.yaml").write_text(GOOD.replace("id: smj", f"id: smj{i}"), encoding="utf-8")
    ok = _docgen("verify", "-j2", "--cache", "c", *sorted(f"g{i}.yaml" for i in range(12)), cwd=cwd)
    assert ok.returncode == 0 and ok.stdout.rstrip().endswith("12 passed, 0 failed"), ok.stderr
    assert ok.stdout.count("\n") == 13 and ok.stderr == ""
    put(cwd, "b-bad.yaml", BAD)
    bad = _docgen("verify", "--no-cache", "b-bad.yaml", cwd=cwd)
    assert bad.returncode == 1 and "dropped-transpose" in bad.stdout
    usage = _docgen("verify", "--no-such-option", cwd=cwd)
    assert usage.returncode == 2 and "usage:" in usage.stderr
    # no process of the run is left (an exited one has an empty command line)
    mine = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"docgen" in cmdline and b"g0.yaml" in cmdline:
            mine.append(pid)
    assert mine == []


BARE = """\
id: bare
title: a bare identity
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n]}
  A: {shape: [n, n], assume: [constant]}
claim: D(x.T @ A @ x, x) = (A + A.T) @ x
"""


def test_a_bare_identity_is_checked_once_and_a_wrong_one_located(cwd, capsys):
    put(cwd, "bare.yaml", BARE)
    code, out, _ = run(capsys, "verify", "-v", "--no-cache", "bare.yaml")
    assert code == 0, out
    assert "ok   bare (bare.yaml): 1 link: 1 proven for all sizes" in out
    assert "bare.yaml:8:8: claim: proven for all sizes" in out
    assert "proven for every size in index notation" in out
    put(cwd, "bare.yaml", BARE.replace("(A + A.T) @ x", "(A + A) @ x"))  # a dropped ᵀ
    code, out, _ = run(capsys, "verify", "--no-cache", "bare.yaml")
    assert code == 1
    assert "bare.yaml:8:8: claim: failed" in out and "witness" in out
