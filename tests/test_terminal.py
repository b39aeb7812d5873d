"""The progress bar: on a terminal after a second, never in a pipe, a log or a short run."""

from __future__ import annotations

import io
import os
import pty
import shutil
import subprocess
import sys
import time

import pytest
from buildhelp import DERIVATIONS, ROOT

from docgen.publish.build import build
from docgen.run.progress import SILENT
from docgen.run.verify import load_corpus, verify
from docgen.terminal import TerminalProgress, terminal_progress, wants_progress


STARTER = ROOT / "docgen" / "publish" / "starter" / "quadratic-form-gradient.yaml"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    def phase(self, label: str, total: int) -> None:
        self.events.append((label, total))

    def advance(self, n: int = 1) -> None:
        self.events.append(("+", n))

    def done(self, label: str) -> int:
        at = max(i for i, e in enumerate(self.events) if e[0] == label)
        after = self.events[at + 1:]
        return sum(n for kind, n in after[:next((i for i, e in enumerate(after) if e[0] != "+"),
                                                 len(after))])


def test_only_an_interactive_terminal_gets_a_bar(monkeypatch):
    assert not wants_progress(io.StringIO())
    main, other = pty.openpty()
    with os.fdopen(other, "w") as tty:
        monkeypatch.setenv("TERM", "xterm")
        assert wants_progress(tty)
        monkeypatch.setenv("TERM", "dumb")
        assert not wants_progress(tty)
    os.close(main)
    with terminal_progress(io.StringIO()) as progress:
        assert progress is SILENT


def test_the_bar_appears_after_the_delay_and_is_erased_at_the_end():
    stream, clock = io.StringIO(), Clock()
    bar = TerminalProgress(stream, delay=1.0, clock=clock)
    bar.phase("checking", 5)
    bar.advance(2)
    clock.now = 0.9
    bar.advance()
    assert stream.getvalue() == ""  # a short run prints nothing
    clock.now = 1.2
    bar.advance()
    drawn = stream.getvalue()
    assert "checking" in drawn and "4/5" in drawn
    bar.phase("rendering", 3)
    bar.advance()
    assert "rendering" in stream.getvalue()[len(drawn):]
    assert "1/3" in stream.getvalue()[len(drawn):]
    bar.close()
    assert stream.getvalue().endswith("\x1b[2K")  # the line is cleared: the summary stands alone


def test_verify_reports_every_task_it_checks(tmp_path):
    corpus = load_corpus([str(DERIVATIONS / "sum-exp-gradient.yaml"),
                          str(DERIVATIONS / "squared-norm-gradient.yaml")])
    rec = Recorder()
    results = verify(corpus.derivations, jobs=1, progress=rec)
    assert all(r.passed for r in results)
    tasks = sum(len(r.links) for r in results) + sum(r.example is not None for r in results)
    assert rec.events[0] == ("checking", tasks)
    assert rec.done("checking") == tasks


def test_build_reports_its_phases(tmp_path):
    src = tmp_path / "q.yaml"  # 3 steps, the identification, the claim and the example
    shutil.copy(STARTER, src)
    rec = Recorder()
    build([str(src)], {"md"}, tmp_path / "out", cache=tmp_path / "cache", progress=rec)
    assert [e for e in rec.events if e[0] != "+"] == [("checking", 6), ("rendering", 1)]
    assert rec.done("checking") == 6 and rec.done("rendering") == 1
    rec = Recorder()  # everything cached: nothing to check, so no "checking" phase
    build([str(src)], {"md"}, tmp_path / "out", cache=tmp_path / "cache", progress=rec)
    assert [e for e in rec.events if e[0] != "+"] == [("rendering", 1)]


def _run_on_a_terminal(args: list[str], cwd) -> tuple[int, str, str]:  # noqa: ANN001
    """docgen with its stderr on a pseudo-terminal: (exit code, stdout, what the terminal got)."""
    main, other = pty.openpty()
    env = dict(os.environ, TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "docgen", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=other)
    os.close(other)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 1 << 16)
        except OSError:  # the terminal's other side is closed
            break
        if not chunk:
            break
        seen += chunk
    with proc.stdout:
        out = proc.stdout.read().decode()
    proc.wait(timeout=300)
    os.close(main)
    return proc.returncode, out, seen.decode("utf-8", "replace")


@pytest.mark.slow
def test_a_long_run_on_a_terminal_shows_a_bar_and_a_pipe_gets_none(tmp_path):
    files = [str(DERIVATIONS / f) for f in
             ("softmax-jacobian.yaml", "exp-jacobian.yaml", "product-rule-b15.yaml",
              "sum-exp-gradient.yaml")]
    started = time.monotonic()
    code, out, tty = _run_on_a_terminal(["verify", "--no-cache", "-j", "1", *files], tmp_path)
    took = time.monotonic() - started
    assert code == 0, out + tty
    assert out.endswith(" passed, 0 failed\n")
    if took > 2.0:  # over a second of checking: the bar was drawn (and erased at the end)
        assert "checking" in tty and "/" in tty
    code, out2, tty = _run_on_a_terminal(["verify", "--no-cache", "--no-progress", "-j", "1",
                                          *files], tmp_path)
    assert code == 0 and out2 == out and "checking" not in tty
    piped = subprocess.run([sys.executable, "-m", "docgen", "verify", "--no-cache", "-j", "1",
                            *files], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert piped.stdout == out and piped.stderr == ""
