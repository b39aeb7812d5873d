"""The runner: checks in worker processes with a wall-clock and a memory limit."""

from __future__ import annotations

import signal
import time

import pytest

from docgen.check import checker as check

from docgen.run import handle, runner

from docgen.run import worker
from docgen.run.verify import load_corpus

SOURCE = """\
id: small
title: small
dims:
  n: {sizes: [2, 3]}
symbols:
  x: {shape: [n]}
claim: D(sum(exp(x)), x) = exp(x)
steps:
  - D(ones(n).T @ exp(x), x)
  - exp(x)
"""


@pytest.fixture
def der(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SOURCE, encoding="utf-8")
    return load_corpus([str(path)]).derivations[0]


def test_links_are_checked_in_workers(der):
    (out,) = runner.run([der], budget=None, examples=False, jobs=2)
    assert [link.status for link in out.links] == ["proven-all", "proven-all", "proven-all"]


def test_a_link_stuck_where_signals_cannot_reach_is_killed(der, monkeypatch):
    def stuck(self, link):
        # SIGPROF blocked: the in-process budget cannot interrupt this, as with SymPy in C code
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPROF})
        time.sleep(60)

    monkeypatch.setattr(check.Checker, "check", stuck)  # forked workers inherit the patch
    t0 = time.monotonic()
    (out,) = runner.run([der], budget=0.5, examples=False, jobs=1)
    elapsed = time.monotonic() - t0
    steps = [link for link in out.links if link.kind == "step"]
    assert [link.status for link in steps] == ["undecided", "undecided"]
    assert "stopped after 2.5 s (3 × the budget plus 1 s): the worker was killed" in steps[0].evidence
    # two links, each killed at 3 × its budget plus one second, and the run goes on
    assert elapsed < 2 * 2.5 + 3


def test_a_link_over_the_memory_limit_is_undecided(der, monkeypatch):
    def hungry(self, link):
        return bytearray(2 * 1024**3)  # 2 GiB against a 512 MB address-space limit

    monkeypatch.setattr(check.Checker, "check", hungry)
    (out,) = runner.run([der], budget=5, examples=False, jobs=1, memory_mb=512)
    step = out.links[0]
    assert step.status == "undecided"
    assert step.evidence == ["memory budget of 512 MB exceeded"]


def test_a_bug_in_a_worker_is_raised_with_its_traceback(der, monkeypatch):
    def broken(self, link):
        raise KeyError("no such thing")

    monkeypatch.setattr(check.Checker, "check", broken)
    with pytest.raises(RuntimeError, match="KeyError: 'no such thing'"):
        runner.run([der], budget=5, examples=False, jobs=1)


def test_a_worker_started_early_gets_the_derivations_and_checks(der):
    runner.start_early(1, None)
    early = list(runner._EARLY["workers"])
    (out,) = runner.run([der], budget=None, examples=False, jobs=2)
    assert [link.status for link in out.links] == ["proven-all", "proven-all", "proven-all"]
    assert not runner._EARLY.get("workers") and all(not w.alive() for w in early)


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[1])


def test_early_workers_share_one_import_and_all_check(tmp_path):
    """With two early workers the second is forked by the first once it has imported the checker
    (one import for both); both check, and both stop at the end."""
    import os

    for i in range(6):  # enough derivations for both workers
        (tmp_path / f"d{i}.yaml").write_text(SOURCE.replace("id: small", f"id: d{i}"), encoding="utf-8")
    ders = load_corpus([str(tmp_path)]).derivations
    runner.start_early(2, None)
    first, second = runner._EARLY["workers"]
    assert first.proc is not None and second.proc is None  # the second is not this process's child
    seen: dict[int, set] = {}
    original = handle.WorkerHandle.receive

    def receive(self):  # noqa: ANN001, ANN202
        got = original(self)
        if got is not None:
            seen.setdefault(self.pid, set()).add(got[0])
        return got

    handle.WorkerHandle.receive = receive
    try:
        outs = runner.run(ders, budget=None, examples=False, jobs=2)
    finally:
        handle.WorkerHandle.receive = original
    assert all(link.status == "proven-all" for out in outs for link in out.links)
    assert set(seen) == {first.proc.pid, second.pid} and second.pid != os.getpid()
    assert not first.alive() and not second.alive()


def test_a_worker_the_zygote_forked_is_stopped_by_its_pid(der):
    runner.start_early(2, None)
    first, second = runner._EARLY["workers"]
    runner.offer_early([der])  # to the first only: the second inherits them
    assert second.conn.poll(30)  # its pid arrives once the first has imported the checker and them
    assert second.receive() is None and second.alive()
    assert _parent_of(second.pid) == first.proc.pid
    runner.discard_early()
    assert not second.alive() and not first.alive()


def test_early_workers_offered_every_derivation_check_the_ones_picked(tmp_path):
    """verify() hands all loaded derivations to the early workers before the cache is read;
    run() then names the ones to check, by their place among those offered."""
    wrong = SOURCE.replace("  - D(ones(n).T @ exp(x), x)", "  - 2 * D(ones(n).T @ exp(x), x)")
    for name, text in (("a", SOURCE), ("b", wrong), ("c", SOURCE)):
        (tmp_path / f"{name}.yaml").write_text(text.replace("id: small", f"id: {name}"), encoding="utf-8")
    a, b, c = load_corpus([str(tmp_path)]).derivations
    runner.start_early(1, None)
    runner.offer_early([a, b, c])
    out_b, out_c = runner.run([b, c], budget=None, examples=False, jobs=1)
    assert not runner._EARLY.get("workers") and "offered" not in runner._EARLY
    assert [link.status for link in out_b.links][1] == "failed"
    assert all(link.status == "proven-all" for link in out_c.links)


def test_verify_offers_the_derivations_to_early_workers_and_stops_the_unused(der, monkeypatch):
    """verify() finds the runner among the loaded modules (it is loaded once workers were started
    early): it offers them every derivation before the cache is read, and afterwards stops the
    ones nothing needed."""
    from docgen.run.verify import verify

    calls = []
    monkeypatch.setattr(runner, "offer_early",
                        lambda ders: calls.append(("offer", [d.id for d in ders])))
    monkeypatch.setattr(runner, "discard_early", lambda: calls.append(("discard",)))
    (result,) = verify([der], jobs=1)
    assert result.passed and calls == [("offer", ["small"]), ("discard",)]


def test_early_workers_share_frozen_objects(der, monkeypatch):
    """The zygote freezes what it imported and was given before it forks the others, so that
    their collections never write to (and copy) those shared pages."""
    import gc

    monkeypatch.setattr(worker, "_run", lambda task, payload=None: gc.get_freeze_count())  # inherited
    runner.start_early(2, None)
    counts = []

    def done(task, result):  # noqa: ANN001, ANN202
        counts.append(result)
        return []

    start = [((0, "link", k), None) for k in range(4)]
    runner._supervise([der], None, start, 2, runner.DEFAULT_MEMORY_MB, done)
    assert len(counts) == 4 and min(counts) > 10_000  # SymPy's objects, in both workers


def test_early_workers_with_other_settings_or_unused_are_stopped(der):
    runner.start_early(1, 5.0)
    early = list(runner._EARLY["workers"])
    (out,) = runner.run([der], budget=None, examples=False, jobs=1)  # another budget: not adopted
    assert out.links[0].status == "proven-all" and not early[0].alive()
    runner.start_early(1, None)
    early = list(runner._EARLY["workers"])
    runner.discard_early()  # a warm run: nothing to check
    assert not early[0].alive() and not runner._EARLY.get("workers")


def test_a_cold_verify_does_not_import_sympy_in_the_main_process(tmp_path):
    """The checker (SymPy, NumPy) is imported by the workers, the first while the files load."""
    import subprocess
    import sys
    import textwrap

    (tmp_path / "small.yaml").write_text(SOURCE, encoding="utf-8")
    code = textwrap.dedent(f"""
        import sys
        from docgen.cli import main
        rc = main(["verify", "--cache", {str(tmp_path / "cache")!r}, {str(tmp_path)!r}])
        assert rc == 0, rc
        assert "sympy" not in sys.modules and "numpy" not in sys.modules, "imported in the main process"
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr


def test_how_many_workers_start_early(tmp_path, monkeypatch):
    from docgen.run import verify
    from docgen.run.cache import VerdictCache
    from docgen.run.verify import start_workers_early

    monkeypatch.setattr(verify, "default_jobs", lambda: 2)  # two cores

    for n in range(8):
        (tmp_path / f"d{n}.yaml").write_text(SOURCE.replace("id: small", f"id: small{n}"), encoding="utf-8")
    cache = VerdictCache(tmp_path / "cache")
    try:
        start_workers_early([str(tmp_path)], cache, jobs=2)  # eight unchecked files, -j 2: both now
        assert len(runner._EARLY["workers"]) == 2
        start_workers_early([str(tmp_path / "d0.yaml")], cache, jobs=2)  # one file: one worker
        assert len(runner._EARLY["workers"]) == 1
        start_workers_early([str(tmp_path)], cache, jobs=0)  # automatic, eight files: one per core
        assert len(runner._EARLY["workers"]) == 2
        monkeypatch.setattr(verify, "default_jobs", lambda: 4)  # four cores, eight files: one now
        start_workers_early([str(tmp_path)], cache, jobs=0)
        assert len(runner._EARLY["workers"]) == 1
    finally:
        runner.discard_early()
    assert not runner._EARLY.get("workers")
