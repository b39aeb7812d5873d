"""docgen export-numpy of kron, vec, matpow, rational and symbolic exponents and a matrix
differentiated by a scalar: the generated module runs, its finite-difference checks pass, and its
values are those of the formulas written with NumPy directly."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from docgen.publish.export import export_numpy
from docgen.read.load import load_file
from docgen.read.spec import build_derivation

SOURCE = """
id: operators-export
title: Kronecker, vec, matrix powers, roots and symbolic exponents
dims:
  m: {sizes: [2, 3]}
  n: {sizes: [3, 2]}
  p: {sizes: [2, 2]}
symbols:
  A: {shape: [p, m], assume: [constant]}
  B: {shape: [n, p], assume: [constant]}
  X: {shape: [m, n]}
  S: {shape: [p, p]}
  C: {shape: [m, n], assume: [constant]}
  s: {shape: scalar}
  u: {shape: scalar, assume: [positive]}
  a: {shape: scalar}
parts:
  - label: vec
    claim: D(vec(A @ X @ B), vec(X)) = kron(B, A.T)
  - label: matpow
    claim: D(tr(matpow(S, 3)), S) = 3 * matpow(S, 2).T
  - label: inverse
    claim: D(tr(matpow(S, -1)), S) = -matpow(S, -2).T
  - label: scalar
    claim: D(exp(s) * C + s ** 2 * X, s) = exp(s) * C + 2 * s * X
  - label: power
    claim: D(u ** a, a) = u ** a * log(u)
  - label: root
    claim: D(u ** (1/3), u) = (1/3) * u ** (-2/3)
example:
  values:
    A: [[1, 2], [0, 1]]
    B: [[1, 0], [2, 1], [0, 3]]
    X: [[1, 2, 0], [0, 1, 1]]
    S: [[2, 1], [1, 3]]
    C: [[1, 0, 1], [0, 2, 0]]
    s: 0.5
    u: 2
    a: 1.5
"""


def test_exported_module_checks_pass_and_values_are_numpys(write, tmp_path):
    der = build_derivation(load_file(write(SOURCE, "ops.yaml")))
    module = tmp_path / "exported.py"
    module.write_text(export_numpy(der), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(module)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "OK" and len(lines) == 7, proc.stdout
    code = ("import json, numpy as np, exported as m\n"
            "A = np.array([[1., 2.], [0., 1.]]); B = np.array([[1., 0.], [2., 1.], [0., 3.]])\n"
            "S = np.array([[2., 1.], [1., 3.]])\n"
            "print(json.dumps([m.vec(A, B).tolist(), m.matpow(S).tolist(), m.inverse(S).tolist()]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    vec, matpow, inverse = (np.array(v) for v in __import__("json").loads(proc.stdout))
    A = np.array([[1., 2.], [0., 1.]])
    B = np.array([[1., 0.], [2., 1.], [0., 3.]])
    S = np.array([[2., 1.], [1., 3.]])
    assert np.allclose(vec, np.kron(B, A.T))
    assert np.allclose(matpow, 3 * (S @ S).T)
    assert np.allclose(inverse, -np.linalg.matrix_power(np.linalg.inv(S), 2).T)
    source = module.read_text(encoding="utf-8")
    assert "stacked=True" in source and "np.linalg.matrix_power(_v1, -1)" in source
