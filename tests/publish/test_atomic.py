"""Atomic and reproducible outputs.

A build killed with SIGKILL at random moments (a fixed seed) over an output folder that holds
a complete previous build leaves every output either with its old bytes or with the complete
new bytes: no truncated file, no temporary file visible as an output, every PDF loadable
(`pdfinfo`). The next build completes the job. Two clean builds of the same inputs are
byte-identical in every format, PDF included (test_build.py does it for the text formats of
the whole corpus, test_pdf.py for one PDF; here for several documents with their PDFs).

The inputs are a copy of two derivations of derivations/ (a small, citation-free set, so that
the PDFs compile in reasonable time); the second version changes their titles.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildhelp import DERIVATIONS, need_katex, tree

ROOT = Path(__file__).resolve().parents[2]
FILES = ["elementwise-b26.yaml", "product-rule-b15.yaml"]
KILLS = 5
SEED = 20240


def _formats() -> str:
    if shutil.which("xelatex") and shutil.which("latexmk"):
        return "latex,pdf,html,md"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CI=true: needs xelatex and latexmk")
    return "latex,html,md"


def _build(inputs: Path, out: Path, verdicts: Path, formats: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "docgen", "build", str(inputs), "--out", str(out),
                             "--format", formats, "--cache", str(verdicts)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _complete(inputs: Path, out: Path, verdicts: Path, formats: str) -> float:
    t0 = time.perf_counter()
    proc = _build(inputs, out, verdicts, formats)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    return time.perf_counter() - t0


def _outputs(folder: Path) -> dict[str, bytes]:
    return {k: v for k, v in tree(folder).items()}


def _pdfs_load(folder: Path) -> None:
    if not shutil.which("pdfinfo"):
        return
    for pdf in folder.rglob("*.pdf"):
        run = subprocess.run(["pdfinfo", str(pdf)], capture_output=True)
        assert run.returncode == 0, f"{pdf}: {run.stderr.decode()}"


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """Inputs v1 and v2, a complete v1 build, and two clean v2 builds."""
    need_katex()
    formats = _formats()
    base = tmp_path_factory.mktemp("atomic")
    v1, v2 = base / "v1", base / "v2"
    for folder in (v1, v2):
        folder.mkdir()
    for name in FILES:
        text = (DERIVATIONS / name).read_text("utf-8")
        (v1 / name).write_text(text, encoding="utf-8")
        lines = [line + "（第二版）" if line.startswith("title:") else line for line in text.split("\n")]
        (v2 / name).write_text("\n".join(lines), encoding="utf-8")
    verdicts = base / "verdicts"
    old, new1, new2 = base / "old", base / "new1", base / "new2"
    _complete(v1, old, verdicts, formats)
    seconds = _complete(v2, new1, verdicts, formats)
    _complete(v2, new2, verdicts, formats)
    return {"formats": formats, "v2": v2, "verdicts": verdicts, "old": old, "new1": new1,
            "new2": new2, "seconds": seconds, "base": base}


def test_two_clean_builds_are_byte_identical_in_every_format(versions):
    first, second = _outputs(versions["new1"]), _outputs(versions["new2"])
    assert first.keys() == second.keys()
    exts = {Path(k).suffix for k in first}
    assert {".tex", ".html", ".md"} <= exts
    if "pdf" in versions["formats"]:
        assert ".pdf" in exts
    differ = sorted(k for k in first if first[k] != second[k])
    assert not differ, f"differ between two builds: {differ}"
    old = _outputs(versions["old"])
    assert any(old[k] != first[k] for k in old.keys() & first.keys()), "v2 must change the outputs"


def test_a_killed_build_leaves_old_or_new_complete_outputs(versions):
    rng = random.Random(SEED)
    old, new = _outputs(versions["old"]), _outputs(versions["new1"])
    span = max(versions["seconds"], 1.0)
    outcomes = []
    for k in range(KILLS):
        out = versions["base"] / f"killed{k}"
        shutil.copytree(versions["old"], out, symlinks=True)
        # even kills: anywhere in the build; odd kills: a few ms after the first output changed,
        # i.e. inside the write phase, where a non-atomic writer would leave half a file
        proc = _build(versions["v2"], out, versions["verdicts"], versions["formats"])
        if k % 2 == 0:
            delay = rng.uniform(0.05, span)
            time.sleep(delay)
        else:
            t0 = time.perf_counter()
            while proc.poll() is None and _outputs(out) == old and time.perf_counter() - t0 < 4 * span:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.02))
            delay = time.perf_counter() - t0
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        got = _outputs(out)
        mixed = {"old": 0, "new": 0}
        for name, data in got.items():
            if Path(name).name.startswith(".") and name.endswith(".tmp"):
                continue  # a temporary file of the killed build: hidden, never an output name
            assert name in old or name in new, f"kill {k} after {delay:.1f} s: unexpected {name}"
            if data == old.get(name):
                mixed["old"] += 1
            elif data == new.get(name):
                mixed["new"] += 1
            else:
                pytest.fail(f"kill {k} after {delay:.1f} s: {name} is neither the old nor the new bytes")
        for name in old:
            assert name in got, f"kill {k} after {delay:.1f} s: the previous output {name} is gone"
        _pdfs_load(out)
        outcomes.append((round(delay, 2), finished, mixed["old"], mixed["new"]))
        # the next build finishes the job
        if k == KILLS - 1:
            _complete(versions["v2"], out, versions["verdicts"], versions["formats"])
            got = {n: d for n, d in _outputs(out).items() if not n.endswith(".tmp")}
            assert got == new
    print("kills (delay s, had finished, files old, files new):", outcomes)
