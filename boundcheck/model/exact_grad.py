"""Exact partial derivatives of losses that are quadratic in each single weight entry.

The squared loss of a linear network, ``c/2 ||A W_L ... W_1 B - Y||_F^2``, is a polynomial of
degree at most two in any one entry of any one layer (the product is linear in it). For such
a function the central difference with step 1 *is* the derivative,
``f'(x) = (f(x + 1) - f(x - 1)) / 2``, with no truncation error; in rational arithmetic
(python-flint ``fmpq``) it is exact. This replaces float finite differences, whose error
depends on the instance's scale and which a targeted search can break (issue 16), by an
exact identity check. Each partial also verifies the degree hypothesis with the third
difference ``f(x+2) - 3f(x+1) + 3f(x) - f(x-1) = 0``, so a loss that is not quadratic in an
entry raises instead of yielding a wrong "derivative".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

import numpy as np
from flint import fmpq, fmpq_mat


def exact_mat(A: np.ndarray | Sequence[Sequence[float]]) -> fmpq_mat:
    """The float64 matrix ``A`` as an exact rational matrix (every double is a dyadic)."""
    arr = np.atleast_2d(np.asarray(A, dtype=np.float64))
    if not np.all(np.isfinite(arr)):
        raise ValueError("exact_mat: non-finite entry")
    vals = []
    for v in arr.ravel():
        f = Fraction(float(v))
        vals.append(fmpq(f.numerator, f.denominator))
    return fmpq_mat(arr.shape[0], arr.shape[1], vals)


def identity(n: int) -> fmpq_mat:
    return fmpq_mat(n, n, [fmpq(int(i == j)) for i in range(n) for j in range(n)])


def product(Ms: Sequence[fmpq_mat], n: int | None = None) -> fmpq_mat:
    """``M_k ... M_1`` for ``Ms = [M_1, ..., M_k]`` (the identity of size ``n`` if empty)."""
    if not Ms:
        if n is None:
            raise ValueError("product of no matrices needs a size")
        return identity(n)
    out = Ms[0]
    for M in Ms[1:]:
        out = M * out
    return out


def fro2(M: fmpq_mat) -> fmpq:
    """``||M||_F^2`` exactly."""
    s = fmpq(0)
    for i in range(M.nrows()):
        for j in range(M.ncols()):
            s += M[i, j] ** 2
    return s


def to_fraction(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def exact_partials(loss: Callable[[list[fmpq_mat]], fmpq], Ws: Sequence[fmpq_mat], j: int
                   ) -> fmpq_mat:
    """``d loss / d (W_j)_{ab}`` for every entry, exactly; ``loss`` must be quadratic in each
    entry (checked by the third difference; ``ValueError`` otherwise)."""
    W = Ws[j]
    out = fmpq_mat(W.nrows(), W.ncols())
    for a in range(W.nrows()):
        for b in range(W.ncols()):
            vals = {}
            for step in (-1, 0, 1, 2):
                Vs = [fmpq_mat(M) for M in Ws]
                Vs[j][a, b] = W[a, b] + step
                vals[step] = loss(Vs)
            if vals[2] - 3 * vals[1] + 3 * vals[0] - vals[-1] != 0:
                raise ValueError(f"loss is not quadratic in entry ({a}, {b}) of layer {j + 1}")
            out[a, b] = (vals[1] - vals[-1]) / 2
    return out


def max_abs_diff(A: fmpq_mat, B: fmpq_mat) -> Fraction:
    """``max |A - B|`` entrywise, exactly (``inf`` as a Fraction is impossible: shapes must
    agree, else ``ValueError``)."""
    if (A.nrows(), A.ncols()) != (B.nrows(), B.ncols()):
        raise ValueError(f"shapes differ: {A.nrows()}x{A.ncols()} vs {B.nrows()}x{B.ncols()}")
    D = A - B
    return max((abs(to_fraction(D[i, k])) for i in range(D.nrows()) for k in range(D.ncols())),
               default=Fraction(0))
