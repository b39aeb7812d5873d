"""The verdict cache: what an edit re-checks, that a cached verdict equals a fresh one, and that
the cache is never a source of truth (a cache folder is attacker-writable data)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from buildhelp import BAD

from docgen.cli import main
from docgen.run import keys as keys_module
from docgen.run import secret
from docgen.run import handle, worker
from docgen.run.cache import VerdictCache, derivation_keys
from docgen.publish.report import json_report
from docgen.run.verify import load_corpus, verify

ROOT = Path(__file__).resolve().parents[2]
LEAF = ROOT / "derivations" / "sum-exp-gradient.yaml"  # cited by nobody, cites nobody

CITED = """\
id: a
title: t
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n]}
claim: D(sum(exp(x)), x) = exp(x)
steps:
  - expr: exp(x)
    by: chain-rule
    note: the first note
"""

CITER = """\
id: b
title: u
dims:
  n: {sizes: [2, 3], numeric: 5}
symbols:
  x: {shape: [n]}
claim: D(sum(exp(x)), x) = exp(x)
steps:
  - expr: exp(x)
    by: a
"""


@pytest.fixture
def started(monkeypatch):
    """Every task handed to a worker: (derivation id, kind, link index)."""
    seen: list[tuple[str, str, int]] = []
    original = handle.WorkerHandle.start

    def start(self, task, limit, payload=None):  # noqa: ANN001
        seen.append((worker._STATE["ders"][task[0]].id, task[1], task[2]))
        return original(self, task, limit, payload)

    monkeypatch.setattr(handle.WorkerHandle, "start", start)
    return seen


def run(paths: list[Path], cache: Path | None) -> list:
    corpus = load_corpus([str(p) for p in paths])
    assert corpus.errors == []
    verdicts = VerdictCache(cache)
    try:
        return verify(corpus.derivations, jobs=1, cache=verdicts)
    finally:
        verdicts.close()  # as at the end of a docgen process


def report(results) -> str:  # noqa: ANN001
    return json_report(results, [])


def test_a_warm_run_checks_nothing_and_equals_a_fresh_one(tmp_path, started):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cold = run([leaf], tmp_path / "c")
    assert started, "the cold run checks"
    started.clear()
    warm = run([leaf], tmp_path / "c")
    assert started == []
    assert report(warm) == report(cold) == report(run([leaf], None))


def test_a_prose_edit_that_moves_lines_rechecks_nothing_and_locations_follow(tmp_path, started):
    leaf = tmp_path / LEAF.name
    text = LEAF.read_text("utf-8")
    leaf.write_text(text, "utf-8")
    run([leaf], tmp_path / "c")
    started.clear()
    edited = text.replace("title: 指数和的梯度（原文式 2）", "title: 指数和的梯度\n# a comment\n# another")
    edited = edited.replace("可以直接移到 $d$ 的外面", "可以移到 $d$ 的外面（线性）\n      再写一行")
    assert edited != text
    leaf.write_text(edited, "utf-8")
    warm = run([leaf], tmp_path / "c")
    assert started == []  # notes, titles and comments are not checked
    fresh = run([leaf], None)
    assert report(warm) == report(fresh)
    moved = [str(link.loc) for link in warm[0].links]
    assert moved == [str(link.loc) for link in fresh[0].links]
    assert any(":24:" in loc for loc in moved)  # the first step moved from line 22 to 24


def test_an_equivalent_step_rechecks_only_its_links_its_claim_and_the_example(tmp_path, started):
    leaf = tmp_path / LEAF.name
    text = LEAF.read_text("utf-8")
    leaf.write_text(text, "utf-8")
    run([leaf], tmp_path / "c")
    started.clear()
    leaf.write_text(text.replace("- expr: (ones(n) * exp(x)).T @ d(x)",
                                 "- expr: (exp(x) * ones(n)).T @ d(x)"), "utf-8")
    warm = run([leaf], tmp_path / "c")
    # step 3 changed: links 3 (step 2 -> 3) and 4 (step 3 -> 4), the claim settled from the
    # chain, and the example (it evaluates every step)
    assert sorted(started) == sorted([("sum-exp-gradient", "link", 2), ("sum-exp-gradient", "link", 3),
                                      ("sum-exp-gradient", "claim", 5), ("sum-exp-gradient", "example", 0)])
    assert report(warm) == report(run([leaf], None))


def test_a_prose_edit_of_a_cited_file_rechecks_no_citer_but_its_failure_still_counts(tmp_path, started):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(CITED, "utf-8")
    b.write_text(CITER, "utf-8")
    assert [r.passed for r in run([a, b], tmp_path / "c")] == [True, True]
    started.clear()
    a.write_text(CITED.replace("the first note", "another note\n    # and a comment"), "utf-8")
    assert [r.passed for r in run([a, b], tmp_path / "c")] == [True, True]
    assert started == []
    a.write_text(CITED.replace("= exp(x)", "= 2 * exp(x)").replace("  - expr: exp(x)", "  - expr: 2 * exp(x)"), "utf-8")
    started.clear()
    results = run([a, b], tmp_path / "c")
    assert {t[0] for t in started} == {"a"}  # b's own links are unchanged
    assert [r.passed for r in results] == [False, False]
    assert any("cites 'a', which does not verify" in str(p) for p in results[1].problems)


def test_keys_ignore_prose_and_see_every_checked_input(tmp_path):
    path = tmp_path / "a.yaml"

    def keys(text: str):  # noqa: ANN202
        path.write_text(text, "utf-8")
        (der,) = load_corpus([str(path)]).derivations
        return derivation_keys(der, {"budget": None, "examples": True})

    base = keys(CITED)
    assert keys(CITED.replace("title: t", "title: other\nsummary: s")) == base
    assert keys("# moved\n" + CITED) == base
    for changed in (CITED.replace("sizes: [2, 3]", "sizes: [2, 4]"),
                    CITED.replace("numeric: 5", "numeric: 6"),
                    CITED.replace("shape: [n]}", "shape: [n], assume: [positive]}"),
                    CITED.replace("title: t", "title: t\ndefinitions:\n  s: exp(x)"),
                    CITED.replace("title: t", "title: t\ncheck: {seed: 7}")):
        other = keys(changed)
        assert other.entry != base.entry and set(other.links).isdisjoint(base.links)
    two = CITED.replace("steps:\n", "steps:\n  - expr: exp(x) * 1\n    by: algebra\n")
    before, after = keys(two), keys(two.replace("exp(x) * 1", "exp(x).T.T"))
    assert len(before.links) == 3  # step 1, step 2, the claim
    assert [a != b for a, b in zip(before.links, after.links)] == [True, True, True]
    three = two.replace("steps:\n", "steps:\n  - expr: exp(x) + 0 * x\n    by: algebra\n")
    before, after = keys(three), keys(three.replace("exp(x) + 0 * x", "0 * x + exp(x)"))
    assert [a != b for a, b in zip(before.links, after.links)] == [True, True, False, True]
    assert keys(CITED).links == base.links
    path.write_text(CITED, "utf-8")
    (der,) = load_corpus([str(path)]).derivations
    assert derivation_keys(der, {"budget": 3.0, "examples": True}).links[0] != base.links[0]


def _rows(cache: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(cache / VerdictCache.FILE) as db:
        return db.execute("SELECT slot, data FROM entries").fetchall()


def _set_row(cache: Path, slot: str, data: str | bytes, sign: bool = False) -> None:
    """Replace a row's data as an attacker would (the MAC is kept), or as docgen would (`sign`:
    with the MAC made with the current key, as if docgen itself had written it)."""
    db = sqlite3.connect(cache / VerdictCache.FILE)
    with db:
        db.execute("UPDATE entries SET data = ? WHERE slot = ?", (data, slot))
        if sign:
            raw = data.encode() if isinstance(data, str) else data
            db.execute("UPDATE entries SET mac = ? WHERE slot = ?", (_sign(slot, raw), slot))
    db.close()


def _sign(slot: str, raw: bytes) -> bytes:
    return secret.row_mac(Path(os.environ["DOCGEN_CACHE_KEY_FILE"]).read_bytes(), slot, raw)


def test_an_unreadable_or_mismatched_entry_is_recomputed_not_trusted(tmp_path, started):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cold = run([leaf], tmp_path / "c")
    entries = _rows(tmp_path / "c")
    assert len(entries) == 1
    slot, text = entries[0]
    data = json.loads(text)
    data["path"] = str(tmp_path / "elsewhere.yaml")  # another file's verdicts
    _set_row(tmp_path / "c", slot, json.dumps(data), sign=True)
    started.clear()
    assert report(run([leaf], tmp_path / "c")) == report(cold)
    assert len(started) == len(cold[0].links) + 1  # every link and the example
    # signed with the key, as a bug of docgen's could write them: parsed, and still not trusted
    for garbage in ("", "{", "[]", '{"key": 5}', '{"path": 5, "links": 7}', "[" * 100_000, b"\xff\xfe{"):
        _set_row(tmp_path / "c", slot, garbage, sign=True)
        started.clear()
        assert report(run([leaf], tmp_path / "c")) == report(cold)
        assert len(started) == len(cold[0].links) + 1


def test_a_cache_that_is_not_a_database_is_started_afresh(tmp_path, started):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cold = run([leaf], tmp_path / "c")
    (tmp_path / "c" / VerdictCache.FILE).write_bytes(b"not a database, " * 64)
    for suffix in ("-wal", "-shm"):
        (tmp_path / "c" / (VerdictCache.FILE + suffix)).unlink(missing_ok=True)
    started.clear()
    assert report(run([leaf], tmp_path / "c")) == report(cold)
    assert len(started) == len(cold[0].links) + 1  # nothing trusted
    started.clear()
    assert report(run([leaf], tmp_path / "c")) == report(cold) and not started  # and rebuilt


def test_a_cache_that_cannot_be_opened_leaves_the_run_uncached(tmp_path):
    """As in a read-only project: the run verifies and reports as usual, remembering nothing."""
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be", "utf-8")
    results = run([leaf], blocked)
    assert results[0].passed and report(results) == report(run([leaf], None))
    assert blocked.read_text("utf-8") == "a file where the cache folder should be"


def test_two_runs_at_once_share_the_cache(tmp_path):
    """Two `docgen verify` processes on the same cache at the same time both finish with the
    same report as an uncached run, and the cache they leave is whole."""
    import subprocess
    import sys

    folder = tmp_path / "src"
    folder.mkdir()
    for i in range(6):
        (folder / f"d{i}.yaml").write_text(CITED.replace("id: a", f"id: d{i}"), "utf-8")
    cmd = [sys.executable, "-m", "docgen", "verify", "--format", "json", "--cache", str(tmp_path / "c"), str(folder)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    fresh = subprocess.run([*cmd[:-3], "--no-cache", str(folder)], capture_output=True, cwd=ROOT, timeout=300)
    assert outs[0][0] == outs[1][0] == fresh.stdout
    assert len(_rows(tmp_path / "c")) == 6
    warm = subprocess.run(cmd, capture_output=True, cwd=ROOT, timeout=300)
    assert warm.stdout == fresh.stdout


def test_rows_of_the_previous_entry_are_matched_by_key_not_by_position(tmp_path, started):
    leaf = tmp_path / LEAF.name
    text = LEAF.read_text("utf-8")
    leaf.write_text(text, "utf-8")
    run([leaf], tmp_path / "c")
    ((slot, entry),) = _rows(tmp_path / "c")
    data = json.loads(entry)
    for row in data["links"]:
        row["status"] = "failed"  # what a stale row would say
        row["key"] = "f" * 64
    _set_row(tmp_path / "c", slot, json.dumps(data), sign=True)
    started.clear()
    results = run([leaf], tmp_path / "c")
    assert results[0].passed and started


def test_an_edited_example_reuses_the_values_of_unchanged_expressions(tmp_path):
    from docgen.check.example import evaluate_example, value_key

    leaf = tmp_path / LEAF.name
    text = LEAF.read_text("utf-8")
    leaf.write_text(text, "utf-8")
    (der,) = load_corpus([str(leaf)]).derivations
    first: dict = {}
    evaluate_example(der, None, first)
    leaf.write_text(text.replace("- expr: (ones(n) * exp(x)).T @ d(x)", "- expr: (exp(x) * ones(n)).T @ d(x)"), "utf-8")
    (edited,) = load_corpus([str(leaf)]).derivations
    changed = value_key(edited.parts[0].steps[2].expr.tree)
    assert changed not in first
    # a planted value shows which expressions are taken from `known` rather than evaluated
    planted = {k: ([[123.0] * len(v[0][0]) for _ in v[0]], v[1]) for k, v in first.items()}
    again: dict = {}
    result = evaluate_example(edited, planted, again)
    assert result.parts["main"][3] != [[123.0]] and again[changed] == first[value_key(der.parts[0].steps[2].expr.tree)]
    assert result.parts["main"][1] == planted[value_key(edited.parts[0].steps[0].expr.tree)][0]
    assert evaluate_example(edited, {k: first[k] for k in first}) == evaluate_example(edited)


# -- the cache is a speed-up, never a source of truth -----------------------------------------
def _forged(entry: bytes) -> dict:
    """A cache entry edited to say that everything is proven: every link, and the example."""
    data = json.loads(entry)
    for row in data["links"]:
        row.update(status="proven-all", evidence=["forged"], witness=None)
    if data["example"] and data["example"]["result"]:
        data["example"]["result"].update(problems=[], fd_agree=True)
    return data


def test_a_wrong_step_edited_to_proven_in_the_cache_still_fails(tmp_path, started, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD, "utf-8")
    cache = tmp_path / "c"
    assert main(["verify", "--cache", str(cache), str(bad)]) == 1
    assert "fail" in capsys.readouterr().out
    ((slot, entry),) = _rows(cache)
    _set_row(cache, slot, json.dumps(_forged(entry)))  # not re-signed: the attacker has no key
    started.clear()
    code = main(["verify", "-v", "--cache", str(cache), str(bad)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "forged" not in out and "ok " not in out and "step 1: failed" in out, out
    assert started, "the forged verdicts were taken from the cache"
    # the rechecked verdicts replace the forged row: the next run is warm and still fails
    started.clear()
    assert main(["verify", "--cache", str(cache), str(bad)]) == 1 and not started


def test_a_bogus_status_in_the_cache_is_rechecked_not_a_traceback(tmp_path, started, capsys):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cache = tmp_path / "c"
    assert main(["verify", "-v", "--cache", str(cache), str(leaf)]) == 0
    fresh = capsys.readouterr().out
    ((slot, entry),) = _rows(cache)
    data = json.loads(entry)
    for row in data["links"]:
        row["status"] = "banana"
    _set_row(cache, slot, json.dumps(data))
    with sqlite3.connect(cache / VerdictCache.FILE) as db:  # nor is a write time that is no number
        db.execute("UPDATE entries SET recorded = 'later'")
    db.close()
    started.clear()
    assert main(["verify", "-v", "--cache", str(cache), str(leaf)]) == 0
    captured = capsys.readouterr()
    assert captured.out == fresh and "Traceback" not in captured.err and started


def test_a_signed_row_with_an_unknown_status_or_a_wrong_type_is_rechecked(tmp_path, started, capsys):
    """Even rows that carry a valid MAC (what a bug of docgen's could write) are checked for
    their shape: a bogus status or a field of the wrong type is rechecked, never a traceback."""
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cache = tmp_path / "c"
    cold = run([leaf], cache)
    ((slot, entry),) = _rows(cache)
    _set_row(cache, slot, entry, sign=True)  # re-signed unchanged: trusted (the helper signs right)
    started.clear()
    assert report(run([leaf], cache)) == report(cold) and not started

    def edit(change) -> bytes:  # noqa: ANN001
        data = json.loads(entry)
        change(data)
        return json.dumps(data).encode()

    link = lambda field, value: lambda d: d["links"][0].update({field: value})  # noqa: E731
    edits = {
        "bogus status": link("status", "banana"),
        "status of another type": link("status", ["proven-all"]),
        "index a string": link("index", "1"),
        "index a bool": link("index", True),
        "kind unknown": link("kind", "lemma"),
        "evidence a string": link("evidence", "proven by hand"),
        "sizes a string": link("sizes", [{"n": "2"}]),
        "witness a string": link("witness", "none"),
        "witness with a wrong point": link("witness", {"sizes": {"n": 2}, "point": {"x": 1}, "left": "1",
                                                     "right": "2", "exact": True, "entry": [0, 0]}),
        "extra field": link("trusted", True),
        "example value a string": lambda d: d["example"]["result"]["inputs"].update(x=[["1"]]),
        "example fd_agree a string": lambda d: d["example"]["result"].update(fd_agree="yes"),
        "example values a number": lambda d: d["example"].update(values=5),
    }
    for what, change in edits.items():
        _set_row(cache, slot, edit(change), sign=True)
        started.clear()
        assert report(run([leaf], cache)) == report(cold), what
        assert len(started) == len(cold[0].links) + 1, what
    _set_row(cache, slot, edit(link("status", "banana")), sign=True)
    assert main(["verify", "-v", "--cache", str(cache), str(leaf)]) == 0
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "banana" not in captured.out + captured.err


def test_a_row_copied_from_another_cache_or_slot_is_not_trusted(tmp_path, started, monkeypatch):
    """A verdict forged and signed with the attacker's own key, or a genuine row moved to
    another checkout's slot, is rechecked: the MAC binds the key, the slot and the bytes."""
    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    for folder in (theirs, ours):
        folder.mkdir()
        (folder / "bad.yaml").write_text(BAD, "utf-8")
    # the attacker's checkout and key: a forged row, re-signed, is trusted there...
    monkeypatch.setenv("DOCGEN_CACHE_KEY_FILE", str(tmp_path / "attacker" / "cache.key"))
    assert not run([theirs / "bad.yaml"], theirs / "c")[0].passed
    ((slot, entry),) = _rows(theirs / "c")
    data = _forged(entry)
    forged = json.dumps(data).encode()
    _set_row(theirs / "c", slot, forged, sign=True)
    started.clear()
    assert run([theirs / "bad.yaml"], theirs / "c")[0].passed and not started  # (the attacker's own machine)
    # ...and moved into our checkout (path and slot recomputed for it), signed with their key
    where = str((ours / "bad.yaml").absolute())
    ours_slot = VerdictCache._slot_of(where, {"budget": None, "examples": True})[0]
    moved = json.dumps({**data, "path": where}).encode()
    shutil.copytree(theirs / "c", ours / "c")
    with sqlite3.connect(ours / "c" / VerdictCache.FILE) as db:
        db.execute("UPDATE entries SET slot = ?, data = ?, mac = ?",
                   (ours_slot, moved, secret.row_mac((tmp_path / "attacker" / "cache.key").read_bytes(),
                                                        ours_slot, moved)))
    db.close()
    monkeypatch.setenv("DOCGEN_CACHE_KEY_FILE", str(tmp_path / "victim" / "cache.key"))
    started.clear()
    assert not run([ours / "bad.yaml"], ours / "c")[0].passed
    assert len(started) >= 3, "the forged row was trusted"
    # our own genuine row, moved to another checkout's slot (same key, path rewritten): rechecked
    ((slot, entry),) = _rows(ours / "c")
    other = tmp_path / "other"
    other.mkdir()
    (other / "bad.yaml").write_text(BAD, "utf-8")
    where = str((other / "bad.yaml").absolute())
    other_slot = VerdictCache._slot_of(where, {"budget": None, "examples": True})[0]
    shutil.copytree(ours / "c", other / "c")
    with sqlite3.connect(other / "c" / VerdictCache.FILE) as db:
        db.execute("UPDATE entries SET slot = ?, data = ?",
                   (other_slot, json.dumps({**json.loads(entry), "path": where}).encode()))
    db.close()
    started.clear()
    assert not run([other / "bad.yaml"], other / "c")[0].passed and len(started) >= 3


@pytest.fixture
def fresh_fingerprint():
    """engine_fingerprint is computed once per process: recomputed in this test, and after it."""
    keys_module.engine_fingerprint.cache_clear()
    yield
    keys_module.engine_fingerprint.cache_clear()


def test_the_versions_of_the_checking_packages_are_in_every_key(tmp_path, started, monkeypatch,
                                                                fresh_fingerprint):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    run([leaf], tmp_path / "c")
    (der,) = load_corpus([str(leaf)]).derivations
    before = derivation_keys(der, {"budget": None, "examples": True})
    real = keys_module.installed_versions
    for name in ("sympy", "numpy", "mpmath"):
        monkeypatch.setattr(keys_module, "installed_versions",
                            lambda names, name=name: {**real(names), name: "0.0.1-other"})
        keys_module.engine_fingerprint.cache_clear()
        after = derivation_keys(der, {"budget": None, "examples": True})
        assert after.entry != before.entry and set(after.links).isdisjoint(before.links), name
        started.clear()
        run([leaf], tmp_path / "c")
        assert len(started) == len(before.links) + 1, f"an upgraded {name} reused old verdicts"


def test_versions_are_read_without_importing_the_packages(tmp_path):
    from importlib import metadata

    versions = keys_module.dependency_versions()
    for name in ("sympy", "numpy", "mpmath"):
        assert versions[name] == metadata.version(name)
    missing = "surely-not-installed-docgen-x"
    assert keys_module.installed_versions((missing,)) == {missing: None}
    code = ("import sys\nfrom docgen.run.keys import engine_fingerprint\nengine_fingerprint()\n"
            "assert 'sympy' not in sys.modules and 'numpy' not in sys.modules, sorted(sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("where", ["folder", "parent", "", "-wal", "-shm", "-journal"])
def test_a_symlinked_cache_is_refused_and_nothing_is_written_through_it(tmp_path, monkeypatch, capsys, where):
    """A committed `.docgen-cache` (or a folder on its path, or its database files) that is a
    link: the run goes on uncached with one warning naming it, and the link's target is neither
    written nor removed."""
    project, victim = tmp_path / "project", tmp_path / "victim"
    project.mkdir()
    victim.mkdir()
    (victim / "keep.txt").write_text("precious", "utf-8")
    leaf = project / LEAF.name
    shutil.copy(LEAF, leaf)
    argv = ["verify", LEAF.name]
    if where == "folder":
        link = project / ".docgen-cache"
        link.symlink_to(victim, target_is_directory=True)
    elif where == "parent":
        link = project / "caches"
        link.symlink_to(victim, target_is_directory=True)
        argv = ["verify", "--cache", "caches/verdicts", LEAF.name]
    else:
        (project / ".docgen-cache").mkdir()
        link = project / ".docgen-cache" / (VerdictCache.FILE + where)
        link.symlink_to(victim / f"planted{where}")  # a link to nothing yet: SQLite would create it
    monkeypatch.chdir(project)
    before = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    for _ in range(2):
        assert main(argv) == 0
        err = capsys.readouterr().err
        warnings = [line for line in err.splitlines() if "cache" in line]
        assert len(warnings) == 1 and str(link.relative_to(project)) in warnings[0] \
            and "symbolic link" in warnings[0], err
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]
    assert (victim / "keep.txt").read_text("utf-8") == "precious"
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*")) == before
    assert link.is_symlink()


def test_without_a_usable_key_the_run_is_uncached(tmp_path, monkeypatch, capsys):
    """A key that cannot be created (here: its folder would be a file, as in a read-only home)
    or is too short: the run verifies as usual, writes no cache, and says so in one line."""
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    (tmp_path / "home-file").write_text("", "utf-8")
    (tmp_path / "short.key").write_bytes(b"12345")
    for key in (tmp_path / "home-file" / "docgen" / "cache.key", tmp_path / "short.key"):
        monkeypatch.setenv("DOCGEN_CACHE_KEY_FILE", str(key))
        assert main(["verify", "--cache", str(tmp_path / "c"), str(leaf)]) == 0
        err = capsys.readouterr().err
        assert len(err.splitlines()) == 1 and str(key) in err and "Traceback" not in err, err
        assert not (tmp_path / "c").exists()
    assert (tmp_path / "short.key").read_bytes() == b"12345"


def test_the_key_is_made_once_private_and_outside_the_project(tmp_path, monkeypatch, started):
    key = tmp_path / "config" / "docgen" / "cache.key"
    monkeypatch.setenv("DOCGEN_CACHE_KEY_FILE", str(key))
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    run([leaf], tmp_path / "c")
    made = key.read_bytes()
    assert len(made) == 32 and (key.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in key.parent.iterdir()] == ["cache.key"]  # no temporary file left
    started.clear()
    run([leaf], tmp_path / "c")
    assert not started and key.read_bytes() == made
    # where it lives by default: the user's configuration folder, never the project
    monkeypatch.delenv("DOCGEN_CACHE_KEY_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert secret.key_file() == tmp_path / "xdg" / "docgen" / "cache.key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert secret.key_file() == tmp_path / "home" / ".config" / "docgen" / "cache.key"
    # a key inside the cache folder is refused
    monkeypatch.setenv("DOCGEN_CACHE_KEY_FILE", str(tmp_path / "c" / "cache.key"))
    cache = VerdictCache(tmp_path / "c")
    assert cache._connect(create=True) is None
    assert not (tmp_path / "c" / "cache.key").exists()


def test_a_cache_from_before_authentication_is_dropped(tmp_path, started):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cold = run([leaf], tmp_path / "c")
    ((slot, entry),) = _rows(tmp_path / "c")
    (tmp_path / "old").mkdir()
    with sqlite3.connect(tmp_path / "old" / VerdictCache.FILE) as db:  # the layout of format 2
        db.execute("CREATE TABLE entries "
                   "(slot TEXT PRIMARY KEY, recorded INTEGER NOT NULL, data TEXT NOT NULL)")
        db.execute("INSERT INTO entries VALUES (?, ?, ?)", (slot, 0, entry.decode()))
    db.close()
    started.clear()
    assert report(run([leaf], tmp_path / "old")) == report(cold)
    assert len(started) == len(cold[0].links) + 1
    started.clear()
    assert report(run([leaf], tmp_path / "old")) == report(cold) and not started
