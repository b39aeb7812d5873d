"""The verdict cache: what an edit re-checks, and that a cached verdict equals a fresh one."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

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
    edited = text.replace("title: 指数和的梯度（式 2）", "title: 指数和的梯度\n# a comment\n# another")
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


def _set_row(cache: Path, slot: str, data: str) -> None:
    db = sqlite3.connect(cache / VerdictCache.FILE)
    with db:
        db.execute("UPDATE entries SET data = ? WHERE slot = ?", (data, slot))
    db.close()


def test_an_unreadable_or_mismatched_entry_is_recomputed_not_trusted(tmp_path, started):
    leaf = tmp_path / LEAF.name
    shutil.copy(LEAF, leaf)
    cold = run([leaf], tmp_path / "c")
    entries = _rows(tmp_path / "c")
    assert len(entries) == 1
    slot, text = entries[0]
    data = json.loads(text)
    data["path"] = str(tmp_path / "elsewhere.yaml")  # another file's verdicts
    _set_row(tmp_path / "c", slot, json.dumps(data))
    started.clear()
    assert report(run([leaf], tmp_path / "c")) == report(cold)
    assert len(started) == len(cold[0].links) + 1  # every link and the example
    for garbage in ("", "{", "[]", '{"key": 5}', '{"path": 5, "links": 7}'):
        _set_row(tmp_path / "c", slot, garbage)
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
    _set_row(tmp_path / "c", slot, json.dumps(data))
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
