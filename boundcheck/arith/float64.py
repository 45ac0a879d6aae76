"""Plain float64 backend (numpy): fast, not certified; verdicts are ``holds-numerically``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


class Float64Backend:
    name = "float64"
    certified = False

    def __init__(self, **_: object) -> None:
        pass

    def asarray(self, a: Any) -> np.ndarray:
        arr = np.array(a, dtype=np.float64)
        return arr.reshape(arr.shape[0], -1) if arr.ndim == 1 else arr

    def scalar(self, x: Any) -> float:
        return float(x)

    def eye(self, n: int) -> np.ndarray:
        return np.eye(n)

    def zeros(self, rows: int, cols: int) -> np.ndarray:
        return np.zeros((rows, cols))

    def matmul(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a @ b

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def sub(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b

    def scale(self, s: Any, a: np.ndarray) -> np.ndarray:
        return float(s) * a

    def transpose(self, a: np.ndarray) -> np.ndarray:
        return a.T

    def kron(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.kron(a, b)

    def shape(self, a: np.ndarray) -> tuple[int, int]:
        return a.shape

    def fro_norm(self, a: np.ndarray) -> float:
        return float(np.linalg.norm(a))

    def spec_norm(self, a: np.ndarray) -> float:
        return float(np.linalg.norm(a, 2)) if a.size else 0.0

    def sigma_max(self, a: np.ndarray) -> float:
        return self.spec_norm(a)

    def sigma_min(self, a: np.ndarray) -> float:
        """``sigma_{min(rows, cols)}`` as in the papers."""
        return float(np.linalg.svd(a, compute_uv=False)[-1])

    def eigvalsh_min(self, a: np.ndarray) -> float:
        return float(np.linalg.eigvalsh(0.5 * (a + a.T))[0])

    def eigvalsh_max(self, a: np.ndarray) -> float:
        return float(np.linalg.eigvalsh(0.5 * (a + a.T))[-1])

    def sqrt(self, x: Any) -> float:
        return math.sqrt(x)

    def log(self, x: Any) -> float:
        return math.log(x)

    def exp(self, x: Any) -> float:
        return math.exp(x)

    def gamma_ratio(self, x: Any, h: Any) -> float:
        """``Gamma(x + h) / Gamma(x)`` for ``x > 0``, ``x + h > 0`` (issue 13, hxp20.ineq_gamma),
        rounded to float64: evaluated with mpmath at 30 digits (the float64 ``lgamma``
        difference would lose ~log2(x lg x) bits; Gamma(x) itself overflows past x ~ 171)."""
        import mpmath

        with mpmath.workdps(30):
            a, b = mpmath.mpf(float(x)), mpmath.mpf(float(h))
            return float(mpmath.gamma(a + b) / mpmath.gamma(a))

    def power(self, x: Any, p: Any) -> float:
        return float(x) ** float(p)

    def compare(self, lhs: Any, rel: str, rhs: Any, rtol: float = 0.0,
                atol: float = 0.0) -> bool | None:
        lhs, rhs = float(lhs), float(rhs)
        if math.isnan(lhs) or math.isnan(rhs):
            return None
        # atol on an inequality is the condition's float64 rounding allowance (float_tol).
        if rel == "<=":
            return lhs <= rhs + atol
        if rel == "<":
            return lhs < rhs + atol
        if rel == ">=":
            return lhs >= rhs - atol
        if rel == ">":
            return lhs > rhs - atol
        if rel == "==":
            return abs(lhs - rhs) <= atol + rtol * abs(rhs)
        raise ValueError(f"unknown relation {rel!r}")

    def mid(self, x: Any) -> float:
        return float(x)

    def radius(self, x: Any) -> float:
        return 0.0

    def to_numpy(self, a: Any) -> np.ndarray:
        return np.asarray(a, dtype=np.float64)

    # ----------------------------------------------------- special functions (issue 13)
    def lgamma(self, x: Any) -> float:
        """``log Gamma(x)`` for ``x > 0``."""
        return math.lgamma(float(x))

    def gamma_upper_reg(self, s: Any, z: Any) -> float:
        """Regularized upper incomplete gamma ``Q(s, z) = Gamma(s, z)/Gamma(s)``
        (``Pr[chi^2_k >= t] = Q(k/2, t/2)``)."""
        from scipy.special import gammaincc
        return float(gammaincc(float(s), float(z)))

    # ------------------------------------------------------------------ extras (issue 13)
    def trace(self, a: np.ndarray) -> float:
        """Sum of the diagonal (the certified backends have ``trace`` as well)."""
        return float(np.trace(np.asarray(a, dtype=np.float64)))
