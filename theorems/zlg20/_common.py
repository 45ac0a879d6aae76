"""Shared zlg20 instance generators and exact quantities (Zou, Long & Gu, ICLR 2020).

Data with *orthogonal rows* (signed Hadamard rows scaled by dyadic factors, optionally one
zero row so that rank(X) = r < d): then ``XX^T`` is diagonal with exactly representable
entries, ``Phi X = sum_i (Y x_i^T / ||x_i||^2) x_i`` is computable in the ``ops``
vocabulary, and so are ``L(W*)``, ``sigma_r(X)`` and ``kappa`` -- every quantity a
certified verdict depends on enters the arithmetic exactly.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.model import transformed_resnet as tr

PAPER = "zlg20"
E = math.e
#: Theorem 3.1's proof constants: C = 2 sqrt(8 e^3), C_1 = 1 / (2 sqrt(2e)).
C_THM31 = 2.0 * math.sqrt(8.0 * E**3)
C1_THM31 = 1.0 / (2.0 * math.sqrt(2.0 * E))


def hadamard(n: int) -> np.ndarray:
    H = np.array([[1.0]])
    while H.shape[0] < n:
        H = np.block([[H, H], [H, -H]])
    return H


def orth_rows_X(rng: np.random.Generator, d: int, n: int, scales: list[float] | None = None,
                rank_deficient: bool = False) -> np.ndarray:
    """d x n data with mutually orthogonal rows (needs n a power of two, d <= n)."""
    H = hadamard(n)
    rows = rng.choice(n, size=d, replace=False)
    signs = rng.choice([-1.0, 1.0], size=n)
    X = H[rows] * signs[None, :]
    if scales is None:
        scales = list(rng.choice([0.5, 1.0, 1.0, 2.0], size=d))
    X = X * np.asarray(scales, dtype=float)[:, None]
    if rank_deficient and d >= 2:
        X[int(rng.integers(d))] = 0.0
    return X


def nonzero_rows(X: np.ndarray) -> np.ndarray:
    return X[np.any(X != 0, axis=1)]


def ops_quantities(ops: Any, inst: dict) -> dict:
    """lambda_A, mu_A, lambda_B, mu_B, ||X||_2, sigma_r(X), L*, R* = Phi X - Y, as enclosures
    (exact for the orthogonal-row data of this module)."""
    A, B, X, Y = inst["A"], inst["B"], inst["X"], inst["Y"]
    Ao, Bo = ops.asarray(A), ops.asarray(B)
    Xn = nonzero_rows(X)
    q = {"lamA": ops.sigma_max(Ao), "muA": ops.sigma_min(Ao), "lamB": ops.sigma_max(Bo),
         "muB": ops.sigma_min(Bo), "Xn": ops.sigma_max(ops.asarray(Xn)),
         "sr": ops.sigma_min(ops.asarray(Xn))}
    Yo = ops.asarray(Y)
    PhiX = None
    for row in Xn:
        xr = ops.asarray(row[None, :])
        s = ops.fro_norm(xr)
        coef = ops.matmul(Yo, ops.transpose(xr))  # k x 1
        term = ops.scale(ops.scalar(1) / (s * s), ops.matmul(coef, xr))
        PhiX = term if PhiX is None else ops.add(PhiX, term)
    if PhiX is None:
        PhiX = ops.asarray(np.zeros_like(Y))
    Rstar = ops.sub(PhiX, Yo)
    rs = ops.fro_norm(Rstar)
    q["Rstar"] = Rstar
    q["Lstar"] = rs * rs / ops.scalar(2)
    q["X2inf"] = _max_col_norm(ops, X)
    return q


def _max_col_norm(ops: Any, X: np.ndarray) -> Any:
    best = None
    for j in range(X.shape[1]):
        v = ops.fro_norm(ops.asarray(X[:, j:j + 1]))
        best = v if best is None else _ops_max(ops, best, v)
    return best


def _ops_max(ops: Any, a: Any, b: Any) -> Any:
    """An upper-bound-preserving max: (a + b + |a - b|)/2 via sqrt((a-b)^2)."""
    dlt = a - b
    return (a + b + ops.sqrt(dlt * dlt)) / ops.scalar(2)


def np_lstar(X: np.ndarray, Y: np.ndarray) -> float:
    """float64 L(W*) = 1/2 ||Y (I - X^+ X)||_F^2."""
    P = np.linalg.pinv(X) @ X
    R = Y - Y @ P
    return 0.5 * float(np.sum(R * R))


def np_quantities(A: np.ndarray, B: np.ndarray, X: np.ndarray) -> dict:
    sA = np.linalg.svd(A, compute_uv=False)
    sB = np.linalg.svd(B, compute_uv=False)
    sX = np.linalg.svd(X, compute_uv=False)
    r = int(np.sum(sX > 1e-12 * sX[0]))
    return {"lamA": sA[0], "muA": sA[-1], "lamB": sB[0], "muB": sB[-1], "Xn": sX[0],
            "sr": sX[r - 1], "r": r, "X2inf": float(np.max(np.linalg.norm(X, axis=0)))}


def modid_instance(rng: np.random.Generator, d: int, k: int, n: int, L: int,
                   alpha_factor: float, noise: float = 1.0, extra_width: int = 0,
                   scales: list[float] | None = None, rank_deficient: bool = False,
                   C: float = C_THM31) -> dict:
    """Modified-identity instance with alpha = alpha_factor * alpha*, alpha* = C ||X||
    sigma_r^{-2} (||Y||^2/2 - L*)^{1/2} (Sec. 4); Y = Phi X + noise * E."""
    X = orth_rows_X(rng, d, n, scales, rank_deficient)
    Phi = rng.standard_normal((k, d))
    Y = Phi @ X + noise * rng.standard_normal((k, n))
    q = np_quantities(np.eye(1), np.eye(1), X)
    d0 = 0.5 * float(np.sum(Y * Y)) - np_lstar(X, Y)
    astar = C * q["Xn"] / q["sr"] ** 2 * math.sqrt(max(d0, 0.0))
    alpha = alpha_factor * astar
    A, B = tr.modified_identity(d, k, d + k + extra_width, alpha)
    return {"A": A, "B": B, "X": X, "Y": Y, "L": L, "alpha": alpha, "alpha_star": astar,
            "alpha_factor": alpha_factor}


class FracOps:
    """Exact rational matrices (numpy object arrays of Fractions) for identity checks."""

    certified = True

    def asarray(self, a: Any) -> np.ndarray:
        a = np.asarray(a)
        if a.dtype == object:
            return a
        return np.vectorize(lambda x: Fraction(float(x)), otypes=[object])(a)

    def scalar(self, x: Any) -> Fraction:
        return Fraction(x)

    def eye(self, m: int) -> np.ndarray:
        return self.asarray(np.eye(m))

    def shape(self, a: Any) -> tuple[int, ...]:
        return np.asarray(a).shape

    def add(self, a: Any, b: Any) -> np.ndarray:
        return self.asarray(a) + self.asarray(b)

    def sub(self, a: Any, b: Any) -> np.ndarray:
        return self.asarray(a) - self.asarray(b)

    def matmul(self, a: Any, b: Any) -> np.ndarray:
        return self.asarray(a) @ self.asarray(b)

    def transpose(self, a: Any) -> np.ndarray:
        return self.asarray(a).T

    def scale(self, s: Any, a: Any) -> np.ndarray:
        return Fraction(s) * self.asarray(a)


def frac_sq(M: np.ndarray) -> Fraction:
    """Exact ||M||_F^2."""
    return sum((x * x for x in np.asarray(M).ravel()), Fraction(0))


def frac_inner(M: np.ndarray, N: np.ndarray) -> Fraction:
    return sum((a * b for a, b in zip(np.asarray(M).ravel(), np.asarray(N).ravel(),
                                      strict=True)), Fraction(0))


def dyadic(rng: np.random.Generator, shape: tuple[int, ...], bits: int = 4) -> np.ndarray:
    """Random small dyadic rationals (exact in float64)."""
    return rng.integers(-2**bits, 2**bits + 1, size=shape) / 2.0**bits
