"""The Kronecker product, vec and the matrix power on values: explicit SymPy matrices (the
exact checks, concrete.py) and batches of NumPy arrays of shape (..., rows, cols) (the numeric
checks, numeric.py). Column-major vec, block (i, j) of kron(a, b) is a_ij·b; a negative power
is a power of the inverse, undefined (zoo, NaN) where the matrix is singular, as inv is."""

from __future__ import annotations

from typing import Callable

import numpy as np
import sympy as sp
from sympy.matrices.exceptions import NonInvertibleMatrixError

Matrix = sp.ImmutableMatrix
Array = np.ndarray


def kron(a: Matrix, b: Matrix) -> Matrix:
    """The Kronecker product: block (i, j) is a_ij·b."""
    p, q = b.shape
    return Matrix(a.rows * p, a.cols * q, lambda r, c: a[r // p, c // q] * b[r % p, c % q])


def vec(a: Matrix) -> Matrix:
    """The columns of a stacked into one column (column-major)."""
    return Matrix(len(a), 1, lambda r, c: a[r % a.rows, r // a.rows])


def matrix_power(a: Matrix, k: int) -> Matrix:
    """a^k by repeated products; a negative k is a power of the inverse, undefined (zoo) when a
    is singular, as inv is."""
    if k < 0:
        try:
            a = Matrix(a.inv(method="LU"))
        except NonInvertibleMatrixError:
            return Matrix(a.rows, a.cols, [sp.zoo] * (a.rows * a.cols))
        k = -k
    out = Matrix(sp.eye(a.rows))
    for _ in range(k):
        out = out * a
    return out


def kron_arrays(a: Array, b: Array) -> Array:
    """The Kronecker product of each pair of the batch: block (i, j) is a_ij·b."""
    (m, n), (p, q) = a.shape[-2:], b.shape[-2:]
    out = a[..., :, None, :, None] * b[..., None, :, None, :]
    return out.reshape(*out.shape[:-4], m * p, n * q)


def vec_arrays(a: Array) -> Array:
    """The columns stacked (column-major), for each matrix of the batch."""
    t = np.swapaxes(a, -1, -2)
    return t.reshape(*t.shape[:-2], -1, 1)


def matrix_power_arrays(a: Array, k: int, inverse: Callable[[Array], Array]) -> Array:
    """a^k by repeated products (a negative k: of the inverse, NaN where a is singular)."""
    if k < 0:
        a, k = inverse(a), -k
    out = np.broadcast_to(np.eye(a.shape[-1]), a.shape).astype(a.dtype)
    for _ in range(k):
        out = out @ a
    return out
