"""Shared numerics for hxp20 §5 / App. B (Gaussian initialization).

Hu, Xiao & Pennington, ICLR 2020, §5.1: rescaled weights ``A_i = W_i / (sqrt(d_i) sigma_i)``
with i.i.d. ``N(0, 1/d_i)`` entries at init, ``beta = alpha prod_i sqrt(d_i) sigma_i``. Products
``A_{j:i}`` decay like ``exp(lambda_1(d) (j-i+1))`` with the top Lyapunov exponent
``lambda_1(d) = (psi(d/2) + ln(2/d)) / 2`` (a standard random-matrix fact, not from the paper),
so long products are handled in logs or with per-layer renormalisation.

The module name starts with ``_`` so the registry does not import it as a paper module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from scipy.special import digamma, gammaln

# Band of Theorem 5.1 / Lemma 5.5 and the EC threshold of the catalog (sym19).
BAND_LO, BAND_HI = 0.4, 0.6
#: the printed band constants 0.4, 0.6 as exact rationals (conditions use these)
BAND_LO_Q, BAND_HI_Q = Fraction(2, 5), Fraction(3, 5)
U_THRESHOLD = math.sqrt(1.2) - 1.0  # ||U||_F < 0.0954 ||Y||_F  =>  loss in the band


def lyapunov(d: int) -> float:
    """Top Lyapunov exponent of products of d x d matrices with N(0, 1/d) entries."""
    return 0.5 * (float(digamma(d / 2)) + math.log(2.0 / d))


def c_half(d: int) -> float:
    """``E sqrt(Z)`` with ``d Z ~ chi^2_d``: ``sqrt(2/d) Gamma((d+1)/2) / Gamma(d/2)``."""
    return math.sqrt(2.0 / d) * math.exp(float(gammaln((d + 1) / 2) - gammaln(d / 2)))


def rescaled_gaussian(rng: np.random.Generator, dims: Sequence[int]) -> list[np.ndarray]:
    """``A_i(0)`` with i.i.d. ``N(0, 1/d_i)`` entries (d_i = rows)."""
    return [rng.standard_normal((dims[i + 1], dims[i])) / math.sqrt(dims[i + 1])
            for i in range(len(dims) - 1)]


def pair_norms(As: Sequence[np.ndarray]) -> np.ndarray:
    """``N[i-1, j-1] = ||A_{j:i}||`` (spectral) for 1 <= i <= j <= L; NaN below the diagonal.

    Constant square widths use a batch over the start index (one batched matmul per gap);
    otherwise a loop over i. Entries stay representable for the sizes used here
    (``|lambda_1(d)| L < 600``); callers that go further work in logs.
    """
    L = len(As)
    out = np.full((L, L), np.nan)
    shapes = {A.shape for A in As}
    if len(shapes) == 1 and next(iter(shapes))[0] == next(iter(shapes))[1]:
        stack = np.stack(As)  # (L, d, d)
        P = stack.copy()  # P[i] = A_{i+g : i}
        for g in range(L):
            cnt = L - g
            out[np.arange(cnt), np.arange(cnt) + g] = np.linalg.norm(P[:cnt], ord=2,
                                                                      axis=(1, 2))
            if g + 1 < L:
                P = np.matmul(stack[g + 1:], P[:cnt - 1])
        return out
    for i in range(L):
        P = None
        for j in range(i, L):
            P = As[j] if P is None else As[j] @ P
            out[i, j] = np.linalg.norm(P, 2)
    return out


def pair_products(As: Sequence[np.ndarray]) -> dict[tuple[int, int], np.ndarray]:
    """All ``A_{j:i}`` (1-indexed keys) by a loop over i; O(L^2) products."""
    L = len(As)
    out = {}
    for i in range(1, L + 1):
        P = None
        for j in range(i, L + 1):
            P = As[j - 1] if P is None else As[j - 1] @ P
            out[(i, j)] = P
    return out


def scaled_product(Ms: Sequence[np.ndarray]) -> tuple[np.ndarray, float]:
    """``M_L ... M_1 = exp(log_scale) * P`` with ``||P||_F = 1``, renormalised every layer,
    so that products far outside float64's range are represented exactly up to rounding."""
    P = np.asarray(Ms[0], dtype=np.float64)
    log_scale = 0.0
    for k in range(len(Ms)):
        if k:
            P = Ms[k] @ P
        nrm = float(np.linalg.norm(P))
        if nrm == 0.0 or not math.isfinite(nrm):
            return P, -math.inf if nrm == 0.0 else math.inf
        P = P / nrm
        log_scale += math.log(nrm)
    return P, log_scale


def binom_tail(n: int, x: float, start: int) -> float:
    """``sum_{s >= start} C(n, s) x^s`` without cancellation (x >= 0)."""
    if x == 0.0:
        return 0.0
    total, term = 0.0, 1.0
    for s in range(1, n + 1):
        term *= (n - s + 1) / s * x
        if s >= start:
            total += term
        if s > start and term < 1e-18 * total:
            break
    return total


def scalar_gd_escape(w0: np.ndarray, y: np.ndarray, etas: np.ndarray, cap: int,
                     group: np.ndarray | None = None, lo: float = BAND_LO,
                     hi: float = BAND_HI) -> np.ndarray:
    """Escape times of GD on width-1 deep linear nets ``f = w_L ... w_1 x`` with ``x = 1``.

    ``w0`` is (B, L), ``y`` (B,), ``etas`` (B,). The loss is ``(u - y)^2 / 2`` with
    ``u = prod w``; the gradient of layer k is ``(u - y) prod_{j != k} w_j`` (prefix and
    suffix cumulative products, no division). The escape time of a chain is the first t
    with ``loss(t) not in (lo, hi) * y^2``. Chains sharing a ``group`` label (one init run
    with several step sizes) stop together at the first escape in the group, which is
    then the group's best-step-size escape time. Returns one time per group (per chain
    when ``group`` is None); ``cap + 1`` means "still in the band after ``cap`` steps".
    """
    w = np.array(w0, dtype=np.float64)
    B, L = w.shape
    group = np.arange(B) if group is None else np.asarray(group)
    labels, gidx = np.unique(group, return_inverse=True)
    T = np.full(labels.size, cap + 1, dtype=np.int64)
    active = np.ones(B, dtype=bool)
    y2 = y * y
    for t in range(cap + 1):
        idx = np.flatnonzero(active)
        wa = w[idx]
        ones = np.ones((idx.size, 1))
        pre = np.cumprod(np.concatenate([ones, wa[:, :-1]], axis=1), axis=1)
        suf = np.cumprod(np.concatenate([ones, wa[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        u = pre[:, -1] * wa[:, -1]
        r = u - y[idx]
        ell = 0.5 * r * r
        out = ~((ell > lo * y2[idx]) & (ell < hi * y2[idx]))
        if out.any():
            gone = np.unique(gidx[idx[out]])
            T[gone] = np.minimum(T[gone], t)
            active &= ~np.isin(gidx, gone)
        if not active.any() or t == cap:
            break
        keep = active[idx]
        grad = r[keep, None] * pre[keep] * suf[keep]
        w[idx[keep]] = wa[keep] - etas[idx[keep]][:, None] * grad
    return T
