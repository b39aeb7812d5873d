"""The SymPy conformance corpus as data: tests/conformance/sympy/TABLE.csv and its files.

TABLE.csv has one row per derivative assertion of SymPy 1.14.0's
sympy/matrices/expressions/tests/test_derivatives.py: its `line` and `test` function there, the
`sympy` source of the assertion, its `status` (`ported`, or `not expressible: <reason>`), the
ported `file` (a bare claim), the `wrong` variants of the claim's right-hand side that must
fail (separated by ' ; '), and a `note` on the port.
Used by tests/conformance/test_sympy.py and benchmarks/bench_conformance.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "sympy"
TABLE = HERE / "TABLE.csv"
PORTED = "ported"


@dataclass(frozen=True)
class Row:
    line: int
    test: str
    file: str
    status: str
    sympy: str
    wrong: tuple[str, ...]
    note: str

    @property
    def path(self) -> Path:
        return HERE / self.file


def rows() -> list[Row]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return [Row(int(r["line"]), r["test"], r["file"], r["status"], r["sympy"],
                    tuple(w.strip() for w in r["wrong"].split(" ; ") if w.strip()), r["note"])
                for r in csv.DictReader(f)]


def ported() -> list[Row]:
    return [r for r in rows() if r.status == PORTED]


def claim_line(text: str) -> tuple[int, str]:
    """(index, text) of the `claim:` line of a corpus file."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("claim: "):
            return i, line
    raise ValueError("no claim line")


def write_wrong(row: Row, folder: Path) -> list[Path]:
    """One file per wrong variant of `row`: its file with id sympy-NNN-wrong-K and the claim's
    right-hand side replaced by the variant."""
    text = row.path.read_text(encoding="utf-8")
    lines = text.splitlines()
    i, claim = claim_line(text)
    lhs = claim[len("claim: "):].rsplit(" = ", 1)[0]
    out = []
    for k, wrong in enumerate(row.wrong, 1):
        new = list(lines)
        new[i] = f"claim: {lhs} = {wrong}"
        new = [f"id: sympy-{row.line:03d}-wrong-{k}" if s.startswith("id: ") else s for s in new]
        path = folder / f"line-{row.line:03d}-wrong-{k}.yaml"
        path.write_text("\n".join(new) + "\n", encoding="utf-8")
        out.append(path)
    return out
