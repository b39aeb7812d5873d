"""The documentation keeps up with the program: every command and option is documented."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from docgen.cli import _parser

DOCS = Path(__file__).resolve().parent.parent / "docs"


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def all_docs() -> str:
    return "\n".join(p.read_text("utf-8") for p in sorted(DOCS.glob("*.md")))


@pytest.mark.parametrize("name", sorted(subcommands()))
def test_every_command_is_documented(name):
    assert f"docgen {name}" in all_docs()


@pytest.mark.parametrize("name, option", sorted(
    (name, opt) for name, sub in subcommands().items() for action in sub._actions
    for opt in action.option_strings if opt.startswith("--") and opt != "--help"))
def test_every_option_is_documented(name, option):
    assert option in all_docs(), f"docgen {name} {option} is not in docs/"
