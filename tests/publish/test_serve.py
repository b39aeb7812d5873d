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


# -- hostile requests and files ---------------------------------------------------------------

def _request(server: Served, path: str, host: str | None) -> int:
    """The status of GET `path` sent with Host `host` (None: no Host header at all)."""
    import http.client

    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def test_serve_answers_only_requests_for_this_machine(served):
    """DNS rebinding: a foreign page whose name resolves to 127.0.0.1 sends its own Host."""
    server, _ = served
    port = server.url.rsplit(":", 1)[1].strip("/")
    for host in (f"127.0.0.1:{port}", "127.0.0.1", "localhost", f"localhost:{port}", "LocalHost:1",
                 f"[::1]:{port}", "[::1]"):
        assert _request(server, "/", host) == 200, host
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", "localhost.evil.example",
                 f"127.0.0.1:{port}@evil.example", "localhost:abc", "127.0.0.2", "0.0.0.0", "[::2]", "",
                 None):
        assert _request(server, "/", host) in (400, 421), host
    server.drain()
    assert not any("Traceback" in line for line in server.log), server.log[-20:]


def test_serve_answers_odd_paths_without_a_traceback(served):
    server, _ = served
    for path in ("/%00", "/right-gradient/%00.html", "/index.html%00.txt", "/" + "a" * 5000 + ".html",
                 "/" + "a/" * 3000, "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "*",
                 "/%ff%fe.html", "/right-gradient/right-gradient.html/.."):
        status = _request(server, path, "127.0.0.1")
        assert status in (200, 301, 400, 404, 414), (path[:40], status)
    status, body, _ = server.get("right-gradient/right-gradient.html")
    assert status == 200 and "The gradient of a sum of exponentials" in body
    time.sleep(0.3)
    server.drain()
    assert not any("Traceback" in line or "Error" in line for line in server.log), server.log[-20:]


def test_serve_caps_the_threads_of_idle_connections(served):
    """Connections that send nothing hold at most MAX_CONNECTIONS threads; the rest are answered
    503 at once, and the server answers again once they are gone."""
    import socket

    from docgen.publish.serve import MAX_CONNECTIONS

    server, _ = served
    tasks = Path(f"/proc/{server.proc.pid}/task")
    if not tasks.is_dir():
        pytest.skip("no /proc")
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    before = len(list(tasks.iterdir()))
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3 * MAX_CONNECTIONS)]
    try:
        time.sleep(1.0)
        during = len(list(tasks.iterdir()))
        assert during - before <= MAX_CONNECTIONS, (before, during)
        refused = 0
        for sock in idle[MAX_CONNECTIONS + 2:]:
            sock.settimeout(2)
            try:
                refused += sock.recv(100).startswith(b"HTTP/1.0 503")
            except OSError:
                pass
        assert refused >= MAX_CONNECTIONS, refused
    finally:
        for sock in idle:
            sock.close()
    server.wait_for("", lambda b: "right-gradient" in b, "an answer after the idle connections closed")


def test_serve_banner_quotes_no_more_than_an_excerpt_of_a_linked_file(served, tmp_path):
    """A *.yaml link to a file of secrets: the banner on every page names the problem and the
    file, quoting no value longer than ~40 characters and at most 3 unknown keys."""
    server, file = served
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("id: AKIAIOSFODNN7EXAMPLE-1f9d2c7e-secret-token\n"
                       "aws_secret_access_key_wJalrXUtnFEMI_K7MDENG: 1\n"
                       "b: 2\nc: 3\nd: 4\nlast_key_of_the_file: 5\n", encoding="utf-8")
    (file.parent / "notes.yaml").symlink_to(secrets)
    page = server.wait_for("right-gradient/right-gradient.html",
                           lambda b: 'id="docgen-serve-problems"' in b, "the banner")
    banner = page.split('id="docgen-serve-problems"', 1)[1].split("</div>", 1)[0]
    assert "notes.yaml:1" in banner and "unknown key(s)" in banner, banner
    for secret in ("AKIAIOSFODNN7EXAMPLE-1f9d2c7e-secret-token", "aws_secret_access_key_wJalrXUtnFEMI_K7MDENG",
                   "last_key_of_the_file"):
        assert secret not in banner, banner


@pytest.mark.parametrize("host,ok", [("127.0.0.1:8000", True), ("localhost", True), ("[::1]:65535", True),
                                     ("LOCALHOST:8000", True), (" localhost:8000 ", True),
                                     ("evil.example", False), ("localhost.", False), ("127.0.0.1.nip.io", False),
                                     ("localhost:8000:1", False), ("[::1]x", False), ("", False), (None, False)])
def test_host_allowed(host, ok):
    from docgen.publish.serve import host_allowed

    assert host_allowed(host) is ok
