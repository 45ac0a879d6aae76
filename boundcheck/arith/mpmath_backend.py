"""High-precision reference backend ``mpmath`` (option ``prec`` in bits, default 128).

NOT certified (``certified = False``): mpmath rounds at ``prec`` bits but tracks no error
bound, so its verdicts are ``holds-numerically`` -- a reference for the float64 path and a
yardstick for the cost of certified arithmetic. Uses a private ``MPContext`` so that its
precision does not leak into other code.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from boundcheck.arith import register_backend
from boundcheck.errors import InputError


class MpmathBackend:
    name = "mpmath"
    certified = False

    def __init__(self, prec: int | None = None, **_: object) -> None:
        self.prec = int(prec) if prec else 128
        self.ctx = mpmath.MPContext()
        self.ctx.prec = self.prec

    @property
    def label(self) -> str:
        return f"mpmath-{self.prec}"

    def asarray(self, a: Any) -> Any:
        if isinstance(a, self.ctx.matrix):
            return a
        arr = np.array(a, dtype=np.float64)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(arr.shape[0], -1)
        if not np.all(np.isfinite(arr)):
            raise InputError("mpmath backend needs finite inputs")
        M = self.ctx.matrix(arr.shape[0], arr.shape[1])
        for (i, j), v in np.ndenumerate(arr):
            M[i, j] = self.ctx.mpf(float(v))
        return M

    def scalar(self, x: Any) -> Any:
        if isinstance(x, np.floating | np.integer):
            x = x.item()
        if isinstance(x, Fraction):
            return self.ctx.mpf(x.numerator) / x.denominator
        return self.ctx.mpf(x)

    def eye(self, n: int) -> Any:
        return self.ctx.eye(n)

    def zeros(self, rows: int, cols: int) -> Any:
        return self.ctx.zeros(rows, cols)

    def matmul(self, a: Any, b: Any) -> Any:
        return self.asarray(a) * self.asarray(b)

    def add(self, a: Any, b: Any) -> Any:
        return self.asarray(a) + self.asarray(b)

    def sub(self, a: Any, b: Any) -> Any:
        return self.asarray(a) - self.asarray(b)

    def scale(self, s: Any, a: Any) -> Any:
        return self.scalar(s) * self.asarray(a)

    def transpose(self, a: Any) -> Any:
        return self.asarray(a).T

    def kron(self, a: Any, b: Any) -> Any:
        A, B = self.asarray(a), self.asarray(b)
        out = self.ctx.matrix(A.rows * B.rows, A.cols * B.cols)
        for i1 in range(A.rows):
            for j1 in range(A.cols):
                x = A[i1, j1]
                for i2 in range(B.rows):
                    for j2 in range(B.cols):
                        out[i1 * B.rows + i2, j1 * B.cols + j2] = x * B[i2, j2]
        return out

    def shape(self, a: Any) -> tuple[int, int]:
        A = self.asarray(a)
        return (A.rows, A.cols)

    def fro_norm(self, a: Any) -> Any:
        return self.ctx.mnorm(self.asarray(a), "f")

    def _svals(self, a: Any) -> list[Any]:
        A = self.asarray(a)
        if min(A.rows, A.cols) == 0:
            return [self.ctx.mpf(0)]
        s = self.ctx.svd_r(A, compute_uv=False)
        return sorted(s[i] for i in range(min(A.rows, A.cols)))

    def spec_norm(self, a: Any) -> Any:
        return self._svals(a)[-1]

    def sigma_max(self, a: Any) -> Any:
        return self._svals(a)[-1]

    def sigma_min(self, a: Any) -> Any:
        return self._svals(a)[0]

    def _eigs(self, a: Any) -> list[Any]:
        A = self.asarray(a)
        S = (A + A.T) * self.ctx.mpf(0.5)
        w = self.ctx.eigsy(S, eigvals_only=True)
        return sorted(w[i] for i in range(S.rows))

    def eigvalsh_min(self, a: Any) -> Any:
        return self._eigs(a)[0]

    def eigvalsh_max(self, a: Any) -> Any:
        return self._eigs(a)[-1]

    def trace(self, a: Any) -> Any:
        A = self.asarray(a)
        return self.ctx.fsum(A[i, i] for i in range(min(A.rows, A.cols)))

    def entry(self, a: Any, i: int, j: int) -> Any:
        return self.asarray(a)[i, j]

    def sqrt(self, x: Any) -> Any:
        return self.ctx.sqrt(self.scalar(x))

    def log(self, x: Any) -> Any:
        return self.ctx.log(self.scalar(x))

    def exp(self, x: Any) -> Any:
        return self.ctx.exp(self.scalar(x))

    def gamma_ratio(self, x: Any, h: Any) -> Any:
        """``Gamma(x + h) / Gamma(x)`` for ``x > 0``, ``x + h > 0`` (issue 13, hxp20.ineq_gamma)
        at the context's precision (mpmath's exponents are unbounded)."""
        a, b = self.scalar(x), self.scalar(h)
        return self.ctx.gamma(a + b) / self.ctx.gamma(a)

    def power(self, x: Any, p: Any) -> Any:
        return self.ctx.power(self.scalar(x), self.scalar(p) if not isinstance(p, int) else p)

    def compare(self, lhs: Any, rel: str, rhs: Any, rtol: float = 0.0,
                atol: float = 0.0) -> bool | None:
        a, b = self.scalar(lhs), self.scalar(rhs)
        if self.ctx.isnan(a) or self.ctx.isnan(b):
            return None
        if atol and rel != "==":
            b = b + atol if rel in ("<=", "<") else b - atol
        if rel == "<=":
            return bool(a <= b)
        if rel == "<":
            return bool(a < b)
        if rel == ">=":
            return bool(a >= b)
        if rel == ">":
            return bool(a > b)
        if rel == "==":
            return bool(abs(a - b) <= atol + rtol * abs(b))
        raise ValueError(f"unknown relation {rel!r}")

    def mid(self, x: Any) -> float:
        try:
            return float(x)
        except (TypeError, ValueError):
            return math.nan

    def radius(self, x: Any) -> float:
        return 0.0

    def to_numpy(self, a: Any) -> np.ndarray:
        A = self.asarray(a)
        return np.array([[float(A[i, j]) for j in range(A.cols)] for i in range(A.rows)],
                        dtype=np.float64).reshape(A.rows, A.cols)

    # ----------------------------------------------------- special functions (issue 13)
    def lgamma(self, x: Any) -> Any:
        return self.ctx.loggamma(self.scalar(x))

    def gamma_upper_reg(self, s: Any, z: Any) -> Any:
        return self.ctx.gammainc(self.scalar(s), self.scalar(z), regularized=True)


register_backend("mpmath", MpmathBackend)
