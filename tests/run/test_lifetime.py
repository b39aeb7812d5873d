"""Workers live no longer than the docgen process that started them, and Ctrl-C is one line.

A worker busy in a long SymPy computation reads no pipe; before PR_SET_PDEATHSIG it outlived a
killed `docgen verify` by up to a budget (minutes), holding the terminal's pipes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# tanh's double-angle identity: `simplify` works on it for many seconds at these sizes
SLOW = """\
id: slow
title: tanh of a double angle
check: {budget: 120}
dims:
  n: {sizes: [2, 3, 4, 5], numeric: 5}
symbols:
  x: {shape: [n]}
claim: tanh(x + x) = 2 * tanh(x) / (ones(n) + tanh(x) * tanh(x))
steps:
  - 2 * tanh(x) / (ones(n) + tanh(x) * tanh(x))
"""

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _ppids() -> dict[int, int]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
            out[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def _descendants(pid: int) -> set[int]:
    ppids, found, todo = _ppids(), set(), [pid]
    while todo:
        parent = todo.pop()
        for child, ppid in ppids.items():
            if ppid == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _start(tmp_path: Path, jobs: str) -> tuple[subprocess.Popen, set[int]]:
    (tmp_path / "slow.yaml").write_text(textwrap.dedent(SLOW), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "docgen", "verify", "--no-cache", jobs, "slow.yaml"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    workers: set[int] = set()
    while time.monotonic() < deadline and not workers:
        time.sleep(0.5)
        workers = _descendants(proc.pid)
    assert workers, "no worker was started"
    time.sleep(2)  # the workers are inside SymPy now
    return proc, _descendants(proc.pid)


@pytest.mark.parametrize("jobs", ["-j1", "-j2"])
def test_workers_die_with_a_killed_parent(tmp_path, jobs):
    proc, workers = _start(tmp_path, jobs)
    proc.kill()  # SIGKILL: no exit handler runs
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _alive(workers)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"workers outlived their parent: {sorted(left)}"


def test_ctrl_c_is_one_line_and_stops_the_workers(tmp_path):
    proc, workers = _start(tmp_path, "-j2")
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert err.decode() == "docgen: interrupted\n", err.decode()
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(workers)
