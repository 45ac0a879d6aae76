"""Instances that meet balancedness / margin hypotheses by construction (paper-agnostic).

Index convention of the weights lists: ``Ws[0] = W_1`` (``d_1 x d_0``) ... ``Ws[-1] = W_L``;
the end-to-end matrix is ``W_L ... W_1`` (shape ``d_L x d_0``).

* :func:`target_with_sigma_min` -- a target ``Phi = U diag(s) V^T`` with a chosen smallest
  singular value (exactly isometric dyadic ``U, V`` by default).
* :func:`start_with_margin` -- an end-to-end matrix ``A`` with ``||A - Phi||_F = sigma_min(Phi)
  - c`` ("deficiency margin" ``c``), optionally in the worst (rank-one, smallest-direction)
  position.
* :func:`balanced_factors` -- split ``A`` into exactly balanced layers from its SVD
  (``W_j W_j^T = W_{j+1}^T W_{j+1}``; "Procedure 1"), optionally rotated by orthogonal
  insertions ``W_j <- O_j W_j``, ``W_{j+1} <- W_{j+1} O_j^T`` (product and balance kept).
* :func:`rebalance` / :func:`with_imbalance` -- product-preserving imbalance
  ``W_j <- S_j W_j S_{j-1}^{-1}`` tuned by bisection to a chosen imbalance.
* :func:`imbalances` -- ``||W_{j+1}^T W_{j+1} - W_j W_j^T||_F`` for every j.
* :func:`residual_target` -- ``Phi = I + P`` with ``||P||_F = radius`` (identity-init case).

Registered inits: ``balanced`` (Gaussian end-to-end matrix split by :func:`balanced_factors`,
or a given ``end_to_end``) and ``balanced_margin`` (a start with margin ``c`` w.r.t. a given
``target``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from boundcheck.errors import InputError
from boundcheck.model.init import exact_isometry, haar_isometry, register_init


def end_to_end(Ws: Sequence[np.ndarray]) -> np.ndarray:
    """``W_L ... W_1``."""
    out = np.asarray(Ws[0], dtype=np.float64)
    for W in Ws[1:]:
        out = W @ out
    return out


def imbalances(Ws: Sequence[np.ndarray]) -> list[float]:
    """``||W_{j+1}^T W_{j+1} - W_j W_j^T||_F`` for j = 1..L-1 (empty for L = 1)."""
    return [float(np.linalg.norm(Ws[j + 1].T @ Ws[j + 1] - Ws[j] @ Ws[j].T))
            for j in range(len(Ws) - 1)]


def max_imbalance(Ws: Sequence[np.ndarray]) -> float:
    v = imbalances(Ws)
    return max(v) if v else 0.0


def target_with_sigma_min(rng: np.random.Generator, rows: int, cols: int, sigma_min: float,
                          spread: float = 2.0, exact: bool = True) -> np.ndarray:
    """``Phi = U diag(s) V^T`` with ``min(s) = sigma_min`` and ``max(s) <= spread*sigma_min``.

    ``exact=True`` uses exactly isometric dyadic factors (:func:`exact_isometry`), so the
    singular values of the stored ``Phi`` equal ``s`` up to the rounding of one product.
    """
    if sigma_min <= 0 or spread < 1:
        raise InputError(f"need sigma_min > 0 and spread >= 1, got {sigma_min}, {spread}")
    k = min(rows, cols)
    s = np.sort(sigma_min * rng.uniform(1.0, spread, size=k))[::-1]
    s[-1] = sigma_min
    draw = exact_isometry if exact else haar_isometry
    U = draw(rng, rows, k)
    V = draw(rng, cols, k)
    return (U * s) @ V.T


def smallest_singular_pair(A: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """``(u, v, s)`` of the ``min(rows, cols)``-th singular value of A."""
    U, s, Vt = np.linalg.svd(A)
    k = min(A.shape)
    return U[:, k - 1], Vt[k - 1], float(s[k - 1])


def start_with_margin(rng: np.random.Generator, Phi: np.ndarray, c: float,
                      mode: str = "random", shrink: float = 1e-9) -> np.ndarray:
    """An end-to-end matrix A with deficiency margin ``c`` w.r.t. ``Phi``.

    ``||A - Phi||_F = (sigma_min(Phi) - c)(1 - shrink)`` (the shrink keeps rounding inside the
    margin). ``mode``: ``random`` direction; ``worst`` = ``-u_min v_min^T`` (pulls the smallest
    singular value down to ``c``); ``mixed`` = worst plus a random part.
    """
    smin = float(np.linalg.svd(Phi, compute_uv=False)[-1])
    r = (smin - c) * (1.0 - shrink)
    if not (0 < c <= smin):
        raise InputError(f"margin c={c} must lie in (0, sigma_min(Phi)={smin}]")
    if r <= 0:
        return Phi.copy()
    if mode == "random":
        P = rng.standard_normal(Phi.shape)
    else:
        u, v, _ = smallest_singular_pair(Phi)
        P = -np.outer(u, v)
        if mode == "mixed":
            R = rng.standard_normal(Phi.shape)
            P = P + 0.3 * R / np.linalg.norm(R)
        elif mode != "worst":
            raise InputError(f"unknown margin mode {mode!r}")
    return Phi + P * (r / np.linalg.norm(P))


def balanced_factors(A: np.ndarray, dims: Sequence[int], rng: np.random.Generator | None = None,
                     rotate: bool = False, exact_rotations: bool = False) -> list[np.ndarray]:
    """Exactly balanced layers with ``W_L ... W_1 = A`` from the SVD of A ("Procedure 1").

    ``W_L ~ U S^{1/L}``, ``W_j ~ S^{1/L}`` (1 < j < L), ``W_1 ~ S^{1/L} V^T``, "~" meaning
    zero-padded into the top-left block; needs ``min(d_1..d_{L-1}) >= min(d_0, d_L)``.
    ``rotate`` inserts random orthogonal ``O_j`` (``W_j <- O_j W_j``, ``W_{j+1} <- W_{j+1}
    O_j^T``), which keeps both the product and exact balance.
    """
    dims = tuple(int(d) for d in dims)
    A = np.asarray(A, dtype=np.float64)
    L = len(dims) - 1
    if A.shape != (dims[-1], dims[0]):
        raise InputError(f"end-to-end matrix has shape {A.shape}, expected {(dims[-1], dims[0])}")
    if L == 1:
        return [A.copy()]
    k = min(dims[0], dims[-1])
    if min(dims[1:-1]) < k:
        raise InputError(f"hidden widths {dims[1:-1]} must be >= min(d_0, d_L) = {k}")
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    r = s ** (1.0 / L)
    Ws = []
    for j in range(1, L + 1):
        W = np.zeros((dims[j], dims[j - 1]))
        if j == 1:
            W[:k, :] = r[:, None] * Vt
        elif j == L:
            W[:, :k] = U * r
        else:
            W[:k, :k] = np.diag(r)
        Ws.append(W)
    if rotate:
        if rng is None:
            raise InputError("rotate=True needs an rng")
        draw = exact_isometry if exact_rotations else haar_isometry
        for j in range(L - 1):
            O = draw(rng, dims[j + 1], dims[j + 1])
            Ws[j] = O @ Ws[j]
            Ws[j + 1] = Ws[j + 1] @ O.T
    return Ws


def rebalance(Ws: Sequence[np.ndarray], Ks: Sequence[np.ndarray], t: float) -> list[np.ndarray]:
    """``W_j <- S_j W_j S_{j-1}^{-1}`` with ``S_j = I + t K_j`` on the hidden spaces.

    ``S_0 = I`` and ``S_L = I``, so the end-to-end product is unchanged (up to rounding).
    """
    L = len(Ws)
    S = [None] + [np.eye(Ws[j].shape[0]) + t * Ks[j] for j in range(L - 1)] + [None]
    out = []
    for j in range(L):  # layer j+1 maps space j -> j+1
        W = Ws[j]
        if S[j + 1] is not None:
            W = S[j + 1] @ W
        if S[j] is not None:
            W = np.linalg.solve(S[j].T, W.T).T
        out.append(W)
    return out


def with_imbalance(rng: np.random.Generator, Ws: Sequence[np.ndarray], target: float,
                   iters: int = 60) -> list[np.ndarray]:
    """Product-preserving perturbation of ``Ws`` whose max imbalance is ``<= target``.

    Bisects ``t`` in :func:`rebalance` (random symmetric ``K_j`` of unit norm) towards
    max-imbalance = ``target``; returns the largest tried iterate at or below the target.
    """
    L = len(Ws)
    if L == 1 or target <= 0:
        return [W.copy() for W in Ws]
    Ks = []
    for j in range(L - 1):
        G = rng.standard_normal((Ws[j].shape[0],) * 2)
        K = G + G.T
        Ks.append(K / np.linalg.norm(K, 2))
    base = max_imbalance(Ws)
    if base > target:
        raise InputError(f"weights already have imbalance {base:.3g} > target {target:.3g}")
    lo, hi = 0.0, 0.5
    while max_imbalance(rebalance(Ws, Ks, hi)) <= target and hi < 0.9:
        lo, hi = hi, min(0.9, 2 * hi)
    best = rebalance(Ws, Ks, lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        cand = rebalance(Ws, Ks, mid)
        if max_imbalance(cand) <= target:
            lo, best = mid, cand
        else:
            hi = mid
    return best


def residual_target(rng: np.random.Generator, d: int, radius: float,
                    mode: str = "random") -> np.ndarray:
    """``Phi = I + P`` with ``||P||_F = radius``; ``mode='worst'`` uses ``P = -radius e e^T``."""
    if mode == "worst":
        e = rng.standard_normal(d)
        e /= np.linalg.norm(e)
        return np.eye(d) - radius * np.outer(e, e)
    P = rng.standard_normal((d, d))
    return np.eye(d) + P * (radius / np.linalg.norm(P))


@register_init("balanced")
def balanced_init(rng: np.random.Generator, dims: tuple[int, ...], sigma: float = 1.0,
                  end_to_end: np.ndarray | None = None, rotate: bool = False
                  ) -> list[np.ndarray]:
    """Exactly balanced layers whose product is ``end_to_end`` (default: i.i.d. N(0, sigma^2))."""
    A = (sigma * rng.standard_normal((dims[-1], dims[0])) if end_to_end is None
         else np.asarray(end_to_end, dtype=np.float64))
    return balanced_factors(A, dims, rng=rng, rotate=rotate)


@register_init("balanced_margin")
def balanced_margin_init(rng: np.random.Generator, dims: tuple[int, ...], target: np.ndarray,
                         margin: float, mode: str = "random", imbalance: float = 0.0,
                         rotate: bool = False) -> list[np.ndarray]:
    """Layers whose product has deficiency margin ``margin`` w.r.t. ``target``, with max
    imbalance ``<= imbalance`` (0: exactly balanced up to rounding)."""
    A = start_with_margin(rng, np.asarray(target, dtype=np.float64), margin, mode=mode)
    Ws = balanced_factors(A, dims, rng=rng, rotate=rotate)
    return with_imbalance(rng, Ws, imbalance) if imbalance > 0 else Ws
