"""Shared helpers for the engine tests: derivation files written into tmp_path."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from docgen.read.load import load_file
from docgen.read.spec import build_derivation

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True, scope="session")
def cache_key_file(tmp_path_factory):
    """The verdict cache's secret key lives in a scratch folder for the whole session (also for
    docgen processes that tests start): no test reads or writes the real home's key."""
    path = tmp_path_factory.mktemp("docgen-key") / "cache.key"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DOCGEN_CACHE_KEY_FILE", str(path))
        yield path


@pytest.fixture
def write(tmp_path: Path):
    """write(text, name='d.yaml') -> path of a dedented file in tmp_path."""

    def _write(text: str, name: str = "d.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def build(write):
    """build(text, name='d.yaml') -> Derivation built from a file in tmp_path."""

    def _build(text: str, name: str = "d.yaml"):
        return build_derivation(load_file(write(text, name)))

    return _build
