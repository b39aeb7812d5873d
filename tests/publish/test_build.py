"""docgen build: every format for every derivation, reproducible, all-or-nothing, inside --out."""

from __future__ import annotations

from pathlib import Path

import pytest
from buildhelp import BAD, DERIVATIONS, GOOD, need_katex, tree, write

from docgen.publish import build as pipeline
from docgen.render import katex
from docgen.cli import main
from docgen.model.errors import DocgenError
from docgen.run.verify import load_corpus

TEXT_FORMATS = {"latex", "html", "md"}  # the PDF is tested (and byte-compared) in test_pdf.py


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory) -> Path:
    """One verdict cache for the module: the second build of a corpus need not re-check it."""
    return tmp_path_factory.mktemp("verdicts")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, verdicts):
    need_katex()
    outs = [tmp_path_factory.mktemp(f"build{i}") / "out" for i in (1, 2)]
    reports = [pipeline.build([str(DERIVATIONS)], TEXT_FORMATS, out, cache=verdicts)
               for out in outs]
    return outs, reports


def test_every_format_of_every_derivation_is_written(two_builds):
    (out, _), (report, _) = two_builds
    ids = [d.id for d in load_corpus([str(DERIVATIONS)]).derivations]
    assert ids and report.exit_code == 0
    assert sorted(report.rendered) == sorted(ids)
    for did in ids:
        for ext in ("tex", "html", "md"):
            path = out / did / f"{did}.{ext}"
            assert path.is_file() and path.stat().st_size > 0, path
        assert (out / did / "katex" / "katex.min.css").is_file()
        assert list((out / did / "katex" / "fonts").glob("*.woff2"))
        page = (out / did / f"{did}.html").read_text("utf-8")
        assert 'href="katex/katex.min.css"' in page
        assert "katex-error" not in page


def test_two_builds_are_byte_identical(two_builds):
    (out1, out2), _ = two_builds
    first, second = tree(out1), tree(out2)
    assert first.keys() == second.keys()
    differ = [name for name in first if first[name] != second[name]]
    if differ:
        import difflib

        name = differ[0]
        diff = difflib.unified_diff(first[name].decode("utf-8", "replace").splitlines(),
                                    second[name].decode("utf-8", "replace").splitlines(),
                                    "build 1", "build 2", n=0, lineterm="")
        pytest.fail(f"{len(differ)} files differ between two builds: {differ}\n"
                    f"first difference, in {name}:\n" + "\n".join(list(diff)[:12]))


def test_written_files_stay_inside_out(two_builds):
    (out, _), (report, _) = two_builds
    root = out.resolve()
    assert report.written
    for path in report.written:
        assert root in path.resolve().parents
    # nothing beside `out` in its parent folder
    assert [p.name for p in out.parent.iterdir()] == ["out"]


def test_failing_derivation_is_not_rendered(tmp_path, verdicts):
    src = tmp_path / "src"
    write(src, "good.yaml", GOOD)
    write(src, "bad.yaml", BAD)
    out = tmp_path / "out"
    report = pipeline.build([str(src)], {"md", "latex"}, out, cache=verdicts)
    assert report.exit_code == 1
    assert [r.derivation.id for r in report.failed] == ["wrong-gradient"]
    assert report.rendered == ["right-gradient"]
    assert (out / "right-gradient" / "right-gradient.md").is_file()
    assert not (out / "wrong-gradient").exists()


def test_draft_renders_a_failing_derivation(tmp_path, verdicts):
    src = write(tmp_path / "src", "bad.yaml", BAD)
    out = tmp_path / "out"
    report = pipeline.build([str(src)], {"md", "latex"}, out, draft=True, cache=verdicts)
    assert report.exit_code == 1  # still a failure, but rendered
    assert report.rendered == ["wrong-gradient"]
    assert (out / "wrong-gradient" / "wrong-gradient.md").is_file()
    assert (out / "wrong-gradient" / "wrong-gradient.tex").is_file()


def test_cli_exit_codes_and_one_line_per_file(tmp_path, capsys):
    src = tmp_path / "src"
    good = write(src, "good.yaml", GOOD)
    bad = write(src, "bad.yaml", BAD)
    out = tmp_path / "out"
    common = ["--format", "md,latex", "--out", str(out), "--cache", str(tmp_path / "cache")]
    assert main(["build", "-v", str(good), *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sorted(lines[:-1]) == sorted(f"wrote {out / 'right-gradient' / 'right-gradient'}.{e}"
                                        for e in ("md", "tex"))
    assert lines[-1] == f"1 verified, built 1 note (latex, md) into {out}/: 2 files written"
    assert main(["build", str(good), *common]) == 0  # without -v: the summary alone
    assert capsys.readouterr().out == (f"1 verified, built 1 note (latex, md) into {out}/: 0 files written; "
                                       "1 already up to date\n")
    assert main(["build", str(bad), *common]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"0 verified, built 0 notes (latex, md) into {out}/: 0 files written; 1 failing verification\n"
    assert "wrong-gradient" in captured.err and "not rendered" in captured.err
    assert main(["build", str(bad), "--draft", *common]) == 1
    assert "built 1 note (latex, md)" in capsys.readouterr().out  # the draft
    # unusable input: exit 2
    assert main(["build", str(tmp_path / "missing.yaml"), *common]) == 2
    assert main(["build", str(good), "--format", "docx", "--out", str(out)]) == 2
    broken = write(tmp_path / "broken", "b.yaml", "id: [unclosed\n")
    assert main(["build", str(broken), *common]) == 2
    assert "docgen:" in capsys.readouterr().err


def test_unknown_format_names_the_choices():
    with pytest.raises(DocgenError, match="choose from latex, pdf, html, md"):
        pipeline.parse_formats("latex,docx")
    assert pipeline.parse_formats(" pdf , html,markdown") == {"pdf", "html", "md"}


def test_a_formula_katex_rejects_fails_the_build_and_writes_nothing(tmp_path, verdicts,
                                                                   monkeypatch):
    need_katex()
    src = write(tmp_path / "src", "good.yaml", GOOD)

    def reject(formulas):
        raise katex.KatexError(f"formula 0 rejected by KaTeX: boom (in: {formulas[0][0]})", 0,
                               formulas[0][0])

    monkeypatch.setattr(katex, "render_math", reject)
    out = tmp_path / "out"
    with pytest.raises(DocgenError, match=r"right-gradient \(.*good\.yaml\).*rejected by KaTeX"):
        pipeline.build([str(src)], {"md", "latex", "html"}, out, cache=verdicts)
    assert not out.exists()  # all or nothing: not even the Markdown was written


def test_katex_names_the_rejected_formula():
    need_katex()
    html = katex.render_math([(r"\frac{a}{b}", True), ("x^2", False)])
    assert len(html) == 2 and 'class="katex-display"' in html[0]
    assert "katex-display" not in html[1]
    with pytest.raises(katex.KatexError) as info:
        katex.render_math([("x", False), (r"\frac{a", True)])
    assert info.value.index == 1 and "formula 1" in str(info.value)
    assert katex.render_math([]) == []
    # one Node process serves the whole build: still answering after a rejected formula, and
    # started again after it has ended
    assert katex.render_math([("x^2", False)]) == html[1:]
    katex.stop()
    assert katex.render_math([("x^2", False)]) == html[1:]


def test_output_folder_must_be_a_folder(tmp_path):
    src = write(tmp_path / "src", "good.yaml", GOOD)
    (tmp_path / "file").write_text("x")
    with pytest.raises(DocgenError, match="not a folder"):
        pipeline.build([str(src)], {"md"}, tmp_path / "file")


def test_missing_programs_skip_locally_but_fail_in_ci(monkeypatch):
    from buildhelp import need

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-program-docgen"):
        need("no-such-program-docgen")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        need("no-such-program-docgen")


def test_a_note_that_starts_failing_loses_its_old_pages(tmp_path, capsys):
    """build/ must not keep the "verified" pages of a derivation that no longer verifies; a
    file put there by hand (not recorded as docgen's) is left alone."""
    src = write(tmp_path / "src", "good.yaml", GOOD)
    out = tmp_path / "out"
    report = pipeline.build([str(src)], {"md", "latex"}, out)
    did = next(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert (out / did / f"{did}.md").is_file() and not report.removed
    (out / did / "mine.txt").write_text("keep me")
    src.write_text(GOOD.replace("D(ones(n).T @ exp(x), x)", "2 * exp(x)"), encoding="utf-8")
    report = pipeline.build([str(src)], {"md", "latex"}, out)
    assert report.failed
    assert not (out / did / f"{did}.md").exists() and not (out / did / f"{did}.tex").exists()
    assert sorted(p.name for p in report.removed) == sorted([f"{did}.md", f"{did}.tex"])
    assert (out / did / "mine.txt").read_text() == "keep me"
    # with --draft it is rendered again, marked as failing
    report = pipeline.build([str(src)], {"md"}, out, draft=True)
    assert (out / did / f"{did}.md").is_file()


@pytest.mark.parametrize("inner", [".cache", ".cache/pdf", ".cache/outputs.json"])
def test_a_symlink_in_the_output_cache_is_refused_before_anything_is_written(tmp_path, inner):
    """out/.cache planted as a link made the build write outputs.json outside --out (and, with
    pdf, every output before the refusal): now nothing is written at all."""
    src = write(tmp_path / "src", "good.yaml", GOOD)
    out = tmp_path / "out"
    victim = tmp_path / "victim"
    victim.mkdir()
    (out / ".cache").mkdir(parents=True)
    link = out / inner
    if link.exists():
        link.rmdir()
    link.symlink_to(victim / "x" if inner.endswith(".json") else victim, target_is_directory=not inner.endswith(".json"))
    with pytest.raises(DocgenError, match="is a symbolic link"):
        pipeline.build([str(src)], {"md", "latex"}, out)
    assert list(victim.iterdir()) == []
    assert sorted(p.name for p in out.rglob("*") if not p.is_symlink()) == [".cache"][: inner != ".cache"]
