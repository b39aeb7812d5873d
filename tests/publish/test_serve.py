"""`docgen serve`: a real server process, real file edits, real HTTP requests."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from buildhelp import GOOD, ROOT, need_katex, write

from docgen import cli

STARTUP = 240  # seconds: a cold verify + KaTeX on a busy 2-core machine
CHANGE = 120


class Served:
    """`python -m docgen serve` in a subprocess; its output lines collected in a thread."""

    def __init__(self, src: Path, cache: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "docgen", "serve", str(src), "--port", "0",
             "--cache", str(cache), "--interval", "0.2", "-j", "1"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: queue.Queue[str] = queue.Queue()
        self.log: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = ""
        self.folder = ""
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline and not self.url:
            line = self.next_line(deadline)
            m = re.search(r"serving (http://127\.0\.0\.1:\d+/) from (\S+)", line or "")
            if m:
                self.url, self.folder = m.group(1), m.group(2)
        assert self.url, "server did not start:\n" + "\n".join(self.log)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def next_line(self, deadline: float) -> str | None:
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None
        self.log.append(line)
        return line

    def drain(self) -> None:
        while True:
            try:
                self.log.append(self.lines.get_nowait())
            except queue.Empty:
                return

    def get(self, path: str) -> tuple[int, str, dict]:
        with urllib.request.urlopen(self.url + path, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8"), dict(resp.headers)

    def wait_for(self, path: str, predicate, what: str) -> str:
        deadline = time.monotonic() + CHANGE
        body = ""
        while time.monotonic() < deadline:
            try:
                _, body, _ = self.get(path)
            except OSError:
                body = ""
            if predicate(body):
                return body
            time.sleep(0.3)
        self.drain()
        raise AssertionError(f"{what}: not seen within {CHANGE} s\n" + "\n".join(self.log[-30:]))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=30)
            self.reader.join(timeout=10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


@pytest.fixture
def served(tmp_path):
    need_katex()
    src = tmp_path / "derivations"
    write(src, "right-gradient.yaml", GOOD)
    server = Served(src, tmp_path / "cache")
    yield server, src / "right-gradient.yaml"
    server.stop()


def test_serve_picks_up_edits_and_shows_failures(served):
    server, file = served
    page = "right-gradient/right-gradient.html"
    status, body, headers = server.get(page)
    assert status == 200 and "The gradient of a sum of exponentials" in body
    assert headers.get("Cache-Control") == "no-store"
    _, index, _ = server.get("")
    assert 'href="right-gradient/right-gradient.html"' in index

    # 1. an edit to a note's text: the page changes
    text = file.read_text("utf-8")
    file.write_text(text.replace("By definition,", "Freshly edited, by definition,"), "utf-8")
    server.wait_for(page, lambda b: "Freshly edited" in b, "the edited note")

    # 2. an edit that breaks verification: shown in the page (draft, failed link) and the index,
    # reported in the terminal, and the server keeps running
    file.write_text(text.replace("D(ones(n).T @ exp(x), x)", "2 * exp(x)"), "utf-8")
    broken = server.wait_for(page, lambda b: '<p class="draft-banner">' in b, "the failing note as a draft")
    assert 'class="step failed"' in broken, re.findall(r"<li>.*?</li>", broken.split('class="problems"')[-1])[:5]
    index = server.wait_for("", lambda b: "fails verification" in b, "the failure on the index")
    assert "status-failed" in index
    time.sleep(0.5)
    server.drain()
    assert any("fails verification" in line for line in server.log), server.log[-20:]

    # 3. a file that does not even load: a banner over the last good pages
    file.write_text("id: right-gradient\ntitle: [unclosed\n", "utf-8")
    banner = server.wait_for(page, lambda b: 'id="docgen-serve-problems"' in b, "the load error banner")
    assert "right-gradient.yaml:" in banner and "The gradient of a sum of exponentials" in banner

    # 4. fixed again: no banner, verified
    file.write_text(text, "utf-8")
    fixed = server.wait_for(page, lambda b: '<p class="draft-banner">' not in b and 'id="docgen-serve-problems"' not in b
                            and "By definition," in b, "the fixed note")
    assert "✓" in fixed
    assert server.proc.poll() is None

    # Ctrl-C stops cleanly and removes the served folder
    assert server.stop() == 0
    server.drain()
    assert any(line == "stopped" for line in server.log)
    assert not Path(server.folder).exists()


def test_serve_reports_a_busy_port(tmp_path, capsys):
    import socket

    src = tmp_path / "derivations"
    write(src, "right-gradient.yaml", GOOD)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert cli.main(["serve", str(src), "--port", str(port)]) == 2
    assert "cannot listen" in capsys.readouterr().err
    assert cli.main(["serve", str(tmp_path / "nowhere")]) == 2
    assert cli.main(["serve", str(src), "--port", "70000"]) == 2
