"""Statistics for probabilistic and scaling claims: intervals and fits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st


def clopper_pearson(k: int, n: int, confidence: float = 0.99) -> tuple[float, float]:
    """Exact two-sided binomial interval for ``k`` successes in ``n`` trials."""
    if n <= 0:
        return (0.0, 1.0)
    a = 1.0 - confidence
    lo = 0.0 if k == 0 else float(_st.beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(_st.beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


@dataclass
class Fit:
    """``y ~ c * x^a`` fitted in log-log space, with bootstrap intervals."""

    exponent: float
    exponent_ci: tuple[float, float]
    constant: float
    constant_ci: tuple[float, float]
    n_points: int

    def to_dict(self) -> dict:
        return {"exponent": self.exponent, "exponent_ci": list(self.exponent_ci),
                "constant": self.constant, "constant_ci": list(self.constant_ci),
                "n_points": self.n_points}


def _bootstrap_line(tx: np.ndarray, ty: np.ndarray, rng: np.random.Generator | None,
                    n_boot: int, confidence: float) -> Fit:
    """Least squares ``ty = a tx + b`` with a percentile bootstrap over the points."""
    if tx.size < 2 or np.unique(tx).size < 2:
        raise ValueError("a fit needs at least 2 distinct x values")
    a, b = np.polyfit(tx, ty, 1)
    rng = rng or np.random.default_rng(0)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, tx.size, tx.size)
        if np.unique(tx[idx]).size >= 2:
            boots.append(np.polyfit(tx[idx], ty[idx], 1))
    boots_arr = np.array(boots)
    q = [(1 - confidence) / 2 * 100, (1 + confidence) / 2 * 100]
    a_lo, a_hi = (float(v) for v in np.percentile(boots_arr[:, 0], q))
    c_lo, c_hi = (float(np.exp(v)) for v in np.percentile(boots_arr[:, 1], q))
    return Fit(float(a), (a_lo, a_hi), float(np.exp(b)), (c_lo, c_hi), int(tx.size))


def power_law_fit(x: Sequence[float], y: Sequence[float], rng: np.random.Generator | None = None,
                  n_boot: int = 2000, confidence: float = 0.95) -> Fit:
    """Fit ``y ~ c * x^a`` in log-log space; bootstrap intervals over the points."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("power_law_fit needs positive x and y")
    return _bootstrap_line(np.log(x), np.log(y), rng, n_boot, confidence)


def exponential_fit(x: Sequence[float], y: Sequence[float],
                    rng: np.random.Generator | None = None, n_boot: int = 2000,
                    confidence: float = 0.95) -> Fit:
    """Fit ``y ~ c * exp(a x)`` (e.g. a failure rate decaying in m/L); bootstrap intervals."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if np.any(y <= 0):
        raise ValueError("exponential_fit needs positive y")
    return _bootstrap_line(x, np.log(y), rng, n_boot, confidence)
