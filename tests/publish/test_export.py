"""docgen export-numpy: the generated module runs, its checks pass, and its values are docgen's."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.model.errors import DocgenError
from docgen.check.example import differentials, evaluate_example
from docgen.publish.export import export_numpy
from docgen.read.load import load_file
from docgen.read.spec import build_derivation

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "derivations"
PYTHON = sys.executable

EXPORTED = [
    "softmax-cross-entropy",
    "linear-softmax-backprop",
    "least-squares-gradient",
    "quadratic-form-gradient",
    "det-differential",
    "trace-inverse-gradient",
    "l2-regularization",
    "layer-norm-jacobian",
    "mlp-backprop",
    "attention-gradients",
    "bce-logits-gradient",
]


def _der(ident: str):
    path = next(p for p in FOLDER.glob("*.yaml") if load_file(p).data.get("id") == ident)
    return build_derivation(load_file(path))


def _run(module: Path, code: str = "") -> subprocess.CompletedProcess:
    args = [PYTHON, str(module)] if not code else [PYTHON, "-c", code]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=module.parent)


def _example_calls(der, source: str) -> str:
    """A script calling every exported function at the example's values, printing JSON."""
    ex = der.example
    values = {name: [[float(v) for v in row] for row in rows] for name, rows in ex.values.items()}
    diffs = {name: [[float(v) for v in row] for row in differentials(der, name)]
             for name, s in der.symbols.items() if s.variable and name in ex.values}
    return textwrap.dedent(f"""
        import inspect, json
        import numpy as np
        import exported as m
        values = {values!r}
        diffs = {diffs!r}
        sizes = {dict(ex.sizes)!r}
        out = {{}}
        for label, fname in {_functions(der)!r}.items():
            f = getattr(m, fname)
            kwargs = {{}}
            for p in inspect.signature(f).parameters.values():
                name = p.name
                if name in sizes:
                    kwargs[name] = sizes[name]
                elif name.startswith("d") and name.endswith("_") and name[1:-1] in diffs:
                    kwargs[name] = diffs[name[1:-1]]
                else:
                    kwargs[name] = values[name.rstrip("_")]
            out[label] = np.asarray(f(**kwargs)).tolist()
        print(json.dumps(out))
    """)


def _functions(der) -> dict[str, str]:
    """part label -> generated function name, read back from the generated checks."""
    src = export_numpy(der)
    out = {}
    for part in der.parts:
        marker = f"return _report({part.label!r}"
        if marker not in src:
            continue
        block = src[:src.index(marker)]
        call = block[block.rindex("_value = ") + len("_value = "):]
        out[part.label] = call[:call.index("(")]
    return out


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every module exported once through the command line, into its own folder (that these
    derivations verify is tested in test_derivations.py; the verification gate is tested below)."""
    out = {}
    for ident in EXPORTED:
        folder = tmp_path_factory.mktemp(ident.replace("-", "_"))
        path = folder / "exported.py"
        assert main(["export-numpy", ident, str(FOLDER), "--out", str(path), "--no-verify"]) == 0
        out[ident] = path
    return out


@pytest.mark.parametrize("ident", EXPORTED)
def test_generated_module_checks_pass(exported, ident):
    proc = _run(exported[ident])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "OK"
    assert all(line.startswith("OK ") for line in lines[:-1]), proc.stdout
    der = _der(ident)
    assert len(lines) - 1 == len(_functions(der))


@pytest.mark.parametrize("ident", EXPORTED)
def test_values_equal_docgens_example(exported, ident):
    der = _der(ident)
    source = exported[ident].read_text(encoding="utf-8")
    proc = _run(exported[ident], _example_calls(der, source))
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    example = evaluate_example(der)
    assert example is not None and example.problems == []
    assert got, "no exported part"
    for label, value in got.items():
        want = example.claims[label]
        assert len(value) == len(want) and all(len(r) == len(w) for r, w in zip(value, want))
        for row, wrow in zip(value, want):
            for v, w in zip(row, wrow):
                assert v == pytest.approx(w, rel=1e-9, abs=1e-12), (label, value, want)


def test_generated_code_is_plain_numpy_and_has_no_prose(exported):
    for ident, path in exported.items():
        source = path.read_text(encoding="utf-8")
        der = _der(ident)
        imports = [line for line in source.splitlines() if line.lstrip().startswith(("import ", "from "))]
        assert set(imports) <= {"import numpy as np", "    import sys"}, imports
        assert der.title not in source
        for part in der.parts:
            for step in part.steps:
                if step.note:
                    assert step.note.strip()[:40] not in source
        compile(source, str(path), "exec")


def test_skipped_parts_are_named(exported):
    """linear-softmax-backprop's part dz has d(z) of a definition on its right: not exported."""
    source = exported["linear-softmax-backprop"].read_text(encoding="utf-8")
    assert "# Parts not exported (their right-hand side is not closed-form): dz" in source
    assert "def total(h, W, b, y, dh_, dW_, db_):" in source


@pytest.mark.parametrize("ident", ["b15-product-rule", "b26-elementwise", "inner-product-rule"])
def test_generic_functions_cannot_be_exported(ident, capsys):
    with pytest.raises(DocgenError, match="generic functions .* cannot be exported"):
        export_numpy(_der(ident))
    assert main(["export-numpy", ident, str(FOLDER), "--no-cache"]) == 2
    assert "cannot be exported" in capsys.readouterr().err


def test_verified_export_through_the_cli(tmp_path, capsys):
    out = tmp_path / "sce.py"
    assert main(["export-numpy", "softmax-cross-entropy", str(FOLDER), "--out", str(out), "--no-cache"]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert _run(out).stdout.splitlines()[-1] == "OK"


def test_unknown_id(capsys):
    assert main(["export-numpy", "no-such-id", str(FOLDER), "--no-cache"]) == 2
    assert "no derivation with id 'no-such-id'" in capsys.readouterr().err


WRONG = """
id: wrong-gradient
title: A wrong gradient
symbols:
  x: {shape: [n]}
  A: {shape: [n, n], assume: [constant]}
dims:
  n: {sizes: [2, 3]}
claim: D(x.T @ A @ x, x) = 2 * A @ x
steps:
  - 2 * A @ x
example:
  values: {x: [1, 2], A: [[1, 2], [0, 3]]}
"""


def test_a_failing_derivation_is_not_exported(write, tmp_path, capsys):
    path = write(WRONG, "wrong.yaml")
    out = tmp_path / "wrong.py"
    assert main(["export-numpy", "wrong-gradient", str(path), "--out", str(out), "--no-cache"]) == 1
    assert not out.exists()
    assert "does not verify" in capsys.readouterr().err
    # forced: the generated gradient check catches the mistake
    assert main(["export-numpy", "wrong-gradient", str(path), "--out", str(out), "--no-verify"]) == 0
    proc = _run(out)
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[-1] == "FAIL"


def test_keyword_symbol_names(write, tmp_path):
    """A symbol named like a Python keyword still gives runnable code."""
    path = write("""
        id: keyword-names
        title: Keyword names
        dims:
          n: {sizes: [2, 3]}
        symbols:
          match: {shape: [n]}
          np: {shape: scalar, assume: [constant]}
        claim: D(np * match.T @ match, match) = 2 * np * match
        steps:
          - 2 * np * match
        example:
          values: {match: [1, 2], np: 3}
        """, "kw.yaml")
    der = build_derivation(load_file(path))
    out = tmp_path / "kw.py"
    out.write_text(export_numpy(der), encoding="utf-8")
    proc = _run(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
