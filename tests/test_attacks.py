"""Hostile inputs: every file (or folder) in tests/attacks/ is fed to `docgen verify` and
`docgen build --format latex,html,md`, in-process, from a scratch folder.

Each attack states its expected outcome in a header comment:

    # attack: what the file tries
    # expect: exit=2 line=15 message="is not part of docgen's math language"

`exit` is the exit code of both commands (`build=` overrides it for the build), `line` the line
that the message must name as `<file>:<line>` (`file=` names the file inside a folder attack),
`message` a fragment of the problem. An attack that is valid input (markup in prose) has exit=0
and `absent=` fragments that must not occur in any rendered file (raw markup, TeX primitives).
`draft=1` builds with --draft, so that a derivation that fails verification is rendered all the
same; its outputs are searched for the `absent=` fragments too.

A Markdown file is judged by what a CommonMark renderer makes of it (tests/markdownhelp.py):
a fragment is live when it occurs in that HTML, and no Markdown output may hold raw HTML or a
link other than http(s) or a sibling derivation's .md.

For every attack: no payload ran (payloads write a file named PWNED; none may appear), nothing
was written outside the output folder (the scratch folder is snapshotted before and after),
and no Python traceback was printed. Attacks that need the file system (symlinks, a file too
large to keep in git) are built at run time below.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from buildhelp import GOOD, need_katex
from markdownhelp import live_markup, to_html

from docgen.cli import main

ATTACKS = Path(__file__).resolve().parent / "attacks"
MARKER = "PWNED"


# -- the corpus ------------------------------------------------------------------------------
def _header(path: Path) -> tuple[str, dict[str, list[str]]]:
    """The `# attack:` text and the `# expect:` fields of a case (a file or a folder)."""
    first = path if path.is_file() else sorted(path.glob("*.yaml"))[0]
    head = first.read_bytes()[:4000].decode("latin-1").splitlines()
    what, fields = "", {}
    for line in head[:6]:
        if line.startswith("# attack:"):
            what = line.removeprefix("# attack:").strip()
        elif line.startswith("# expect:"):
            for item in shlex.split(line.removeprefix("# expect:")):
                key, _, value = item.partition("=")
                fields.setdefault(key, []).append(value)
    return what, fields


def cases() -> list[Path]:
    return sorted(p for p in ATTACKS.iterdir() if p.suffix == ".yaml" or p.is_dir())


def test_the_corpus_has_at_least_30_attacks_each_with_an_expectation():
    found = cases()
    assert len(found) >= 30
    for case in found:
        what, fields = _header(case)
        assert what, f"{case.name}: no '# attack:' line"
        assert "exit" in fields and fields["exit"][0] in ("0", "1", "2"), f"{case.name}: no exit="
        if fields["exit"][0] != "0" or fields.get("build", ["0"])[0] != "0":
            assert "line" in fields and "message" in fields, f"{case.name}: no line= or message="
        else:
            assert any(k.startswith("absent") for k in fields), \
                f"{case.name}: exit=0 but nothing to look for in the outputs"
        if fields.get("draft", ["0"])[0] == "1":
            assert any(k.startswith("absent") for k in fields), \
                f"{case.name}: draft=1 but nothing to look for in the outputs"


# -- running one case ------------------------------------------------------------------------
def snapshot(root: Path) -> dict[str, tuple[str, bytes | str]]:
    """Every entry under `root` (not following symlinks): kind and content or link target."""
    out: dict[str, tuple[str, bytes | str]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_file():
                out[rel] = ("file", p.read_bytes())
            else:
                out[rel] = ("dir", "")
    return out


def run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def check_run(scratch: Path, argv: list[str], capsys, allowed: str | None) -> tuple[int, str]:
    """Run the CLI; assert no traceback, no marker, no write outside `allowed` (a subfolder)."""
    before = snapshot(scratch)
    code, text = run(argv, capsys)
    after = snapshot(scratch)
    assert "Traceback" not in text, text
    assert not any(Path(k).name == MARKER for k in after), "a payload ran"
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    outside = sorted(k for k in changed if allowed is None or not (k == allowed or k.startswith(allowed + "/")))
    assert not outside, f"written outside the output folder: {outside}"
    return code, text


def _raw(fmt: str, text: str, fragment: str) -> bool:
    """Whether `fragment` occurs in `text` as live markup: in Markdown, in the HTML a CommonMark
    renderer makes of it (where text, code spans and math are escaped)."""
    if fmt == "md":
        return fragment in to_html(text)
    return fragment in text


def _names_file_line_problem(case: Path, fields: dict[str, list[str]], what: str, text: str) -> None:
    name = fields.get("file", [case.name if case.is_file() else ""])[0]
    for line in fields["line"]:
        assert re.search(rf"in/{re.escape(name)}[^:\s]*:{line}\b", text), \
            f"{what}: the message does not name in/{name}:{line}\n{text}"
    for message in fields["message"]:
        assert message in text, f"{what}: expected {message!r} in\n{text}"


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.stem)
def test_attack(case: Path, tmp_path: Path, monkeypatch, capsys):
    what, fields = _header(case)
    expect = int(fields["exit"][0])
    expect_build = int(fields.get("build", fields["exit"])[0])
    scratch = tmp_path / "scratch"
    inputs = scratch / "in"
    if case.is_dir():
        shutil.copytree(case, inputs)
    else:
        inputs.mkdir(parents=True)
        shutil.copy(case, inputs / case.name)
    monkeypatch.chdir(scratch)
    # verify writes nothing at all; build writes only under out/
    code, text = check_run(scratch, ["verify", "--no-cache", "in"], capsys, allowed=None)
    assert code == expect, f"{what}: verify exit {code}, expected {expect}\n{text}"
    if expect:
        _names_file_line_problem(case, fields, what, text)
    need_katex()
    draft = fields.get("draft", ["0"])[0] == "1"
    code, text = check_run(scratch, ["build", "--no-cache", "--format", "latex,html,md",
                                     *(["--draft"] if draft else []), "--out", "out", "in"],
                           capsys, allowed="out")
    assert code == expect_build, f"{what}: build exit {code}, expected {expect_build}\n{text}"
    if expect_build and not expect:  # refused only when rendering: the build says where
        _names_file_line_problem(case, fields, what, text)
    outputs = [p for p in (scratch / "out").rglob("*") if p.suffix in (".tex", ".html", ".md")]
    if expect_build and not draft:
        if case.is_file():
            assert not outputs, f"{what}: a rejected derivation was rendered: {outputs}"
        return
    assert outputs
    for path in outputs:
        fmt = {"tex": "tex", "html": "html", "md": "md"}[path.suffix[1:]]
        body = path.read_text("utf-8")
        if fmt == "md":
            assert not live_markup(body), f"{what}: live markup in {path.name}: {live_markup(body)}"
        for fragment in fields.get("absent", []) + fields.get(f"absent.{fmt}", []):
            assert not _raw(fmt, body, fragment), f"{what}: {fragment!r} is live in {path.name}"


# -- attacks that need the file system -------------------------------------------------------
def test_symlink_to_a_system_file_is_unusable_input(tmp_path, monkeypatch, capsys):
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "passwd.yaml").symlink_to("/etc/passwd")
    monkeypatch.chdir(tmp_path)
    code, text = check_run(tmp_path, ["verify", "--no-cache", "in"], capsys, allowed=None)
    assert code == 2 and "in/passwd.yaml" in text
    assert "root:" not in text, "the message repeats the content of the file"


SECRETS = """\
id: AKIAIOSFODNN7EXAMPLE-1f9d2c7e-secret-token
title: [wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY-and-more]
aws_access_key_id_line_one_of_the_target_file: 1
password_hunter2_supersecret_value_in_the_key: 2
third_key: 3
fourth_key: 4
fifth_key: 5
"""


@pytest.mark.parametrize("command", ["verify", "build"])
def test_symlink_to_a_file_that_is_no_derivation_is_quoted_only_in_short_excerpts(
        tmp_path, monkeypatch, capsys, command):
    """A *.yaml link to some YAML that is no derivation (a file of keys): the messages say
    what is wrong and where, quoting values cut to ~40 characters and at most 3 unknown keys."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secrets.yaml").write_text(SECRETS, encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.yaml").symlink_to(tmp_path / "outside" / "secrets.yaml")
    monkeypatch.chdir(tmp_path)
    argv = ["verify", "--no-cache", "in"] if command == "verify" else \
        ["build", "--no-cache", "--format", "md", "--out", "out", "in"]
    code, text = check_run(tmp_path, argv, capsys, allowed=None if command == "verify" else "out")
    assert code == 2 and "in/notes.yaml:1" in text and "unknown key(s)" in text, text
    for secret in ("AKIAIOSFODNN7EXAMPLE-1f9d2c7e-secret-token", "bPxRfiCYEXAMPLEKEY",
                   "aws_access_key_id_line_one_of_the_target_file",
                   "password_hunter2_supersecret_value_in_the_key"):
        assert secret not in text, f"the message repeats {secret!r}:\n{text}"
    named = [k for k in ("third_key", "fourth_key", "fifth_key") if k in text]
    assert len(named) <= 1 and "2 more" in text, text


def test_symlink_loop_and_link_out_of_the_folder(tmp_path, monkeypatch, capsys):
    """A folder that links to itself is not walked forever; a derivation linked in from
    outside is read like any other file, and the build still writes only into out/."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "good.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in", target_is_directory=True)
    (tmp_path / "in" / "linked.yaml").symlink_to(tmp_path / "outside" / "good.yaml")
    monkeypatch.chdir(tmp_path)
    code, text = check_run(tmp_path, ["verify", "--no-cache", "in"], capsys, allowed=None)
    assert code == 0, text
    need_katex()
    code, text = check_run(tmp_path, ["build", "--no-cache", "--format", "md,html", "--out", "out", "in"],
                           capsys, allowed="out")
    assert code == 0, text


@pytest.mark.parametrize("where", ["folder", "file"])
def test_symlinks_inside_the_output_folder_are_not_followed(tmp_path, monkeypatch, capsys, where):
    """out/<id> (or out/<id>/<id>.md) planted as a link to a folder (file) elsewhere: the
    build refuses or replaces the link itself; the target is never written."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.yaml").write_text(GOOD, encoding="utf-8")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    if where == "folder":
        (out / "right-gradient").symlink_to(victim, target_is_directory=True)
    else:
        (out / "right-gradient").mkdir()
        (out / "right-gradient" / "right-gradient.md").symlink_to(victim / "keep.txt")
    monkeypatch.chdir(tmp_path)
    code, text = check_run(tmp_path, ["build", "--no-cache", "--format", "md", "--out", "out", "in"],
                           capsys, allowed="out")
    assert code in (0, 2), text
    if code == 2:
        assert "outside" in text or "cannot name an output folder" in text, text
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert (victim / "keep.txt").read_text("utf-8") == "precious"


def test_a_file_over_the_size_limit_is_refused_without_reading_it_as_yaml(tmp_path, monkeypatch, capsys):
    (tmp_path / "in").mkdir()
    big = tmp_path / "in" / "big.yaml"
    big.write_text(GOOD + "#" + "x" * 1_100_000 + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, text = check_run(tmp_path, ["verify", "--no-cache", "in"], capsys, allowed=None)
    assert code == 2 and "in/big.yaml" in text and "at most" in text, text


def test_an_output_folder_outside_is_only_written_where_asked(tmp_path, monkeypatch, capsys):
    """--out ../elsewhere is the user's choice: written there, and nowhere else."""
    (tmp_path / "work" / "in").mkdir(parents=True)
    (tmp_path / "work" / "in" / "good.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "work")
    code, text = check_run(tmp_path, ["build", "--no-cache", "--format", "md", "--out", "../elsewhere", "in"],
                           capsys, allowed="elsewhere")
    assert code == 0, text
    assert (tmp_path / "elsewhere" / "right-gradient" / "right-gradient.md").is_file()
