"""Residual/ZAS building blocks (paper-free engine code).

ZAS init (W_l = I for l < L, W_L = 0), the invariant matrices
D_l = W_{l+1}^T W_{l+1} - W_l W_l^T, a full-matrix GD step for
R = 1/2 ||W_L ... W_1 - Phi||_F^2, and the exact scalar reduction valid when
Phi = c I (all W_l = a I for l < L and W_L = b I stay so under GD).
"""
from __future__ import annotations

import functools

import numpy as np


def zas_init(L: int, d: int) -> list[np.ndarray]:
    """Zero-asymmetric init: identity hidden layers, zero output layer."""
    Ws = [np.eye(d) for _ in range(L - 1)]
    Ws.append(np.zeros((d, d)))
    return Ws


def product(Ws: list[np.ndarray], d: int) -> np.ndarray:
    """W_L ... W_1 (Ws[0] is W_1)."""
    P = np.eye(d)
    for W in Ws:
        P = W @ P
    return P


def loss(Ws: list[np.ndarray], Phi: np.ndarray) -> float:
    """R = 1/2 ||W_{L:1} - Phi||_F^2."""
    E = product(Ws, Phi.shape[0]) - Phi
    return 0.5 * float(np.sum(E * E))


def invariants(Ws: list[np.ndarray]) -> list[np.ndarray]:
    """D_l = W_{l+1}^T W_{l+1} - W_l W_l^T, l = 1..L-1."""
    return [Ws[i + 1].T @ Ws[i + 1] - Ws[i] @ Ws[i].T for i in range(len(Ws) - 1)]


def gradients(Ws: list[np.ndarray], Phi: np.ndarray) -> list[np.ndarray]:
    """grad_l R = W_{L:l+1}^T (W_{L:1} - Phi) W_{l-1:1}^T."""
    d = Phi.shape[0]
    L = len(Ws)
    below = [np.eye(d)]
    for W in Ws:
        below.append(W @ below[-1])
    E = below[-1] - Phi
    grads: list[np.ndarray] = [np.zeros((d, d))] * L
    above = np.eye(d)
    for i in range(L - 1, -1, -1):
        grads[i] = above.T @ E @ below[i].T
        above = above @ Ws[i]
    return grads


def gd_step(Ws: list[np.ndarray], Phi: np.ndarray, eta: float) -> list[np.ndarray]:
    """One full-matrix GD step W_l <- W_l - eta grad_l R."""
    return [W - eta * G for W, G in zip(Ws, gradients(Ws, Phi), strict=True)]


def scalar_gd_step(a: float, b: float, c: float, L: int, eta: float) -> tuple[float, float]:
    """Exact GD step of the reduction W_l = a I (l < L), W_L = b I, Phi = c I."""
    e = b * a ** (L - 1) - c
    if L == 1:
        return a, b - eta * e
    return a - eta * b * a ** (L - 2) * e, b - eta * a ** (L - 1) * e


def scalar_loss(a: float, b: float, c: float, L: int, d: int) -> float:
    """R for the scalar reduction: d/2 (b a^{L-1} - c)^2."""
    return 0.5 * d * (b * a ** (L - 1) - c) ** 2


# --------------------------------------------------------------------------------------
# initializations, exact-invariant states (T2), scalar flow and batched scalar GD (T3)
# --------------------------------------------------------------------------------------

def near_identity_init(rng: np.random.Generator, L: int, d: int) -> list[np.ndarray]:
    """Near-identity init: W_l = I + U_l, (U_l)_ij ~ N(0, 1/(d L)) i.i.d. for ALL l."""
    s = 1.0 / np.sqrt(d * L)
    return [np.eye(d) + s * rng.standard_normal((d, d)) for _ in range(L)]


def psd_sqrt(M: np.ndarray) -> np.ndarray:
    """Symmetric PSD square root (raises ValueError when M is not PSD up to rounding)."""
    M = 0.5 * (M + M.T)
    w, V = np.linalg.eigh(M)
    if w.min() < -1e-12 * max(1.0, abs(w).max()):
        raise ValueError(f"matrix not PSD (lambda_min={w.min():.3g})")
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T


def exact_d_state(W_L: np.ndarray, S: list[np.ndarray], Qs: list[np.ndarray] | None = None
                  ) -> list[np.ndarray]:
    """State with prescribed invariants: D_l = -S_l (l <= L-2) and I + D_{L-1} = -S_{L-1}.

    ``S`` lists S_1..S_{L-1} (symmetric); W_{L-1} = (I + W_L^T W_L + S_{L-1})^{1/2} Q_{L-1},
    W_l = (W_{l+1}^T W_{l+1} + S_l)^{1/2} Q_l (orthogonal Q_l, default identity). S = 0 gives
    the invariant manifold of the ZAS gradient flow. Returns [W_1, ..., W_L].
    """
    d = W_L.shape[0]
    L = len(S) + 1
    Qs = Qs if Qs is not None else [np.eye(d)] * (L - 1)
    Ws: list[np.ndarray] = [np.zeros((d, d))] * L
    Ws[L - 1] = np.array(W_L, dtype=float)
    nxt = np.eye(d) + W_L.T @ W_L
    for l in range(L - 1, 0, -1):  # l = L-1 .. 1 (1-indexed)
        Wl = psd_sqrt(nxt + S[l - 1]) @ Qs[l - 1]
        Ws[l - 1] = Wl
        nxt = Wl.T @ Wl
    return Ws


def scalar_flow_rate(b: float, L: int) -> float:
    """S16: on the ZAS flow manifold a^2 = 1 + b^2, -dR/dt / (2R) = (1+b^2)^(L-2) (1+L b^2)."""
    return (1.0 + b * b) ** (L - 2) * (1.0 + L * b * b)


def b_infinity(c: float, L: int, dps: int = 40) -> float:
    """|b_inf| of the 1-D ZAS flow: the root of b^2 (1 + b^2)^(L-1) = c^2 (bisection, mpmath)."""
    import mpmath as mp

    with mp.workdps(dps):
        c2 = mp.mpf(c) ** 2
        f = lambda x: mp.log(x) + (L - 1) * mp.log1p(x) - mp.log(c2)  # noqa: E731  (x = b^2)
        lo, hi = mp.mpf(0) + mp.mpf(10) ** (-dps), max(c2, mp.mpf(1))
        for _ in range(4 * dps):
            mid = (lo + hi) / 2
            if f(mid) > 0:
                hi = mid
            else:
                lo = mid
        return float(mp.sqrt((lo + hi) / 2))


def scalar_gd_batch(w0: np.ndarray, c: float, eta: np.ndarray | float, eps: float,
                    max_steps: int, check_every: int = 1) -> np.ndarray:
    """d = 1 GD on R = 1/2 (w_L ... w_1 - c)^2 for a batch of starts ``w0`` (B, L).

    Returns the first iteration count with R <= eps per row (``max_steps + 1`` when not
    reached, ``-1`` when the run diverged: non-finite or R > 1e6 R(0)). Gradients use the
    prefix/suffix products (exact formula, float64).
    """
    w = np.array(w0, dtype=float)
    B, L = w.shape
    eta = np.broadcast_to(np.asarray(eta, dtype=float), (B,)).copy()
    out = np.full(B, max_steps + 1, dtype=np.int64)
    active = np.ones(B, dtype=bool)
    R0 = 0.5 * (np.prod(w, axis=1) - c) ** 2
    for t in range(max_steps + 1):
        pre = np.cumprod(np.concatenate([np.ones((B, 1)), w[:, :-1]], axis=1), axis=1)
        suf = np.cumprod(np.concatenate([np.ones((B, 1)), w[:, :0:-1]], axis=1), axis=1)[:, ::-1]
        p = pre[:, -1] * w[:, -1]
        r = p - c
        R = 0.5 * r * r
        if t % check_every == 0:
            done = active & (R <= eps)
            out[done] = t
            bad = active & ~(np.isfinite(R) & (R <= 1e6 * np.maximum(R0, 1e-300)))
            out[bad] = -1
            active &= ~(done | bad)
            if not active.any():
                break
        if t == max_steps:
            break
        step = np.where(active, eta * r, 0.0)  # finished rows are frozen
        w = w - step[:, None] * pre * suf
    return out


@functools.lru_cache(maxsize=4096)
def scalar_zas_iterations(c: float, L: int, eta: float, eps: float, max_steps: int) -> int:
    """Iterations of the exact scalar reduction (T3) from ZAS until d/2 r^2 <= eps (d=1).

    A pure function of its arguments, cached: detection thresholds and the hunt re-sample
    the same instances, and one call is up to 10^6 Python-level steps."""
    a, b = 1.0, 0.0
    for t in range(max_steps + 1):
        try:
            r = b * a ** (L - 1) - c
        except OverflowError:
            return -1
        R = 0.5 * r * r
        if R <= eps:
            return t
        if not np.isfinite(R) or R > 1e6:
            return -1
        try:
            a, b = scalar_gd_step(a, b, c, L, eta)
        except OverflowError:  # diverged
            return -1
    return max_steps + 1
