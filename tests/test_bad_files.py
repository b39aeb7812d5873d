"""One bad file never stops the others: files that used to crash a whole run (a traceback from
a checking worker, the loader or the renderer; `serve` died) sit in one folder with good ones.
verify and build check and write the good ones, exit 2 (unusable input beats failed
verification) and name each bad file with its line; serve builds the good pages and shows the
problems; publish, which replaces a site as a whole, refuses with the located messages and
writes nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from buildhelp import GOOD, need_katex, write

from docgen import cli

OTHER = GOOD.replace("right-gradient", "other-gradient")


def _bad(id_: str, old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace("id: right-gradient", f"id: {id_}").replace(old, new, 1)


# name -> (text, line of the message, fragment of the message, exit code of the file alone)
BAD = {
    "float-numeric.yaml": (_bad("float-numeric", "numeric: 4}", "numeric: 4.0}"), 7,
                           "dims/n/numeric: 4.0: write a whole number", 2),
    "float-shape.yaml": (_bad("float-shape", "shape: [n]", "shape: [3.0]"), 9,
                         "symbols/x/shape/0: 3.0: write a whole number", 2),
    "nan-budget.yaml": (_bad("nan-budget", "layout: denominator", "layout: denominator\ncheck: {budget: .nan}"),
                        6, "value nan is not finite", 2),
    "pua-title.yaml": (_bad("pua-title", "title: The gradient of a sum of exponentials",
                            'title: "\\ue000999\\ue001"'), 2, "private-use character U+E000", 2),
    "nul-title.yaml": (_bad("nul-title", "title: The gradient of a sum of exponentials",
                            'title: "The gradient\\0"'), 2, "control character U+0000", 2),
    "newline-id.yaml": (GOOD.replace("id: right-gradient", 'id: "newline-id\\n"'), 1,
                        "holds a line break", 2),
    "singular.yaml": (_bad("singular", "  - expr: exp(x)\n    by: chain-rule",
                           "  - expr: inv(zeros(n, n)) @ exp(x)\n    by: chain-rule").replace(
                      "x) = exp(x)", "x) = inv(zeros(n, n)) @ exp(x)"), 16, "step 2: could not be checked", 1),
    "assumption.yaml": (_bad("assumption", "  x: {shape: [n], style: vec, description: input}",
                             "  x: {shape: [n], style: vec, description: input}\n  y: {shape: [n]}\n"
                             "assumptions: [sum(y)/(n - n) = 1]").replace(
                        "values: {x: [1, 2, 0.5]}", "values: {x: [1, 2, 0.5], y: [1, 1, 1]}"), 21,
                        "is undefined at the example's values", 1),
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    src = tmp_path / "in"
    write(src, "a-good.yaml", GOOD)
    write(src, "z-good.yaml", OTHER)
    for name, (text, *_rest) in BAD.items():
        write(src, name, text)
    monkeypatch.chdir(tmp_path)
    return src


def _located(text: str, failed: str = "line") -> None:
    """Each bad file named with its line and problem; `failed="name"`: a file that fails
    verification only by its id and path (what build says: `verify -v` has the lines)."""
    assert "Traceback" not in text, text
    for name, (_, line, message, code) in BAD.items():
        if code == 1 and failed == "name":
            assert f"(in/{name}) fails verification" in text, f"{name} not named\n{text}"
            continue
        assert re.search(rf"in/{re.escape(name)}:{line}\b[^\n]*", text), f"{name}:{line} not named\n{text}"
        assert message in text, f"{message!r} missing\n{text}"


def test_verify_checks_the_good_files_and_names_each_bad_one(folder, capsys):
    code = cli.main(["verify", "--no-cache", "in"])
    out, err = capsys.readouterr()
    assert code == 2
    _located(out + err)
    assert re.search(r"^ok   right-gradient \(in/a-good\.yaml\)", out, re.M), out
    assert re.search(r"^ok   other-gradient \(in/z-good\.yaml\)", out, re.M), out


def test_build_writes_the_good_files_and_names_each_bad_one(folder, capsys):
    need_katex()
    code = cli.main(["build", "--no-cache", "--format", "md,html,latex", "--out", "out", "in"])
    out, err = capsys.readouterr()
    assert code == 2
    _located(out + err, failed="name")
    built = sorted(p.name for p in Path("out").iterdir() if p.name != ".cache")
    assert built == ["other-gradient", "right-gradient"], built
    for did in built:
        for ext in ("md", "html", "tex"):
            assert (Path("out") / did / f"{did}.{ext}").is_file()


def test_each_bad_file_alone_has_its_own_exit_code(folder, capsys):
    """What the file does on its own: 2 for unusable input, 1 for a link or example that fails."""
    for name, (_, line, message, code) in BAD.items():
        assert cli.main(["verify", "--no-cache", f"in/{name}"]) == code, name
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err and message in out + err


def test_serve_builds_the_good_pages_and_shows_the_problems(folder):
    need_katex()
    from docgen.publish.serve import Site

    lines: list[str] = []
    site = Site(["in"], None, None, 1, lines.append)
    try:
        site.rebuild()  # does not raise: the server would have died
        text = "\n".join(lines)
        assert "Traceback" not in text
        unusable = {n for n, (*_, code) in BAD.items() if code == 2}
        for name in unusable:
            assert any(f"in/{name}:" in p for p in site.problems), (name, site.problems)
        for did in ("right-gradient", "other-gradient"):
            assert (site.dir / did / f"{did}.html").is_file()
    finally:
        site.close()


def test_serve_survives_an_internal_error_in_a_rebuild(folder, monkeypatch):
    from docgen.publish import serve

    def broken(*args, **kwargs):
        raise RuntimeError("a bug somewhere in a stage")

    monkeypatch.setattr(serve, "build", broken)
    lines: list[str] = []
    site = serve.Site(["in"], None, None, 1, lines.append)
    try:
        site.rebuild()
        assert "RuntimeError: a bug somewhere in a stage" in site.problems[0]
        assert any("internal error" in line for line in lines)
    finally:
        site.close()


def test_publish_refuses_as_a_whole_with_every_message_located(folder, capsys):
    """publish replaces a site as a whole: with a file it cannot use, nothing is published.
    (A file that fails verification blocks it too, with exit 1: left out here.)"""
    for name, (*_, exit_code) in BAD.items():
        if exit_code == 1:
            (folder / name).unlink()
    code = cli.main(["publish", "--no-cache", "--format", "html,md", "--out", "site", "in"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    for name, (_, line, message, exit_code) in BAD.items():
        if exit_code == 2:
            assert f"in/{name}:{line}" in err and message in err, (name, err)
    assert not Path("site").exists()


def test_export_numpy_refuses_a_dimension_name_with_a_newline(tmp_path, monkeypatch, capsys):
    """"n\n" matched the name pattern (Python's $ before a final newline): the exported module
    had a newline inside a name and did not import."""
    bad = GOOD.replace("dims:\n  n:", 'dims:\n  "n\\n": {sizes: [2, 3]}\n  n:')
    write(tmp_path / "in", "right-gradient.yaml", bad)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["export-numpy", "right-gradient", "in", "--no-cache", "--no-verify", "--out", "m.py"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "in/right-gradient.yaml:7:" in err and "dims: the name 'n\\n' holds a line break" in err
    assert not (tmp_path / "m.py").exists()
