"""Fast float64 kernels: loss, gradients, GD and SGD steps via prefix/suffix products.

Weights may carry a leading batch axis (``W_i`` of shape ``(..., d_i, d_{i-1})``): numpy's
broadcasting ``matmul`` then runs a batch of same-shaped instances in one call. The data
``X, Y`` are shared (2-d) or batched (3-d).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from boundcheck.problem import Problem


def _T(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


def _factors(prob: Problem, Ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    if prob.kind == "plain":
        return list(Ws)
    return [W + np.eye(W.shape[-1]) for W in Ws]


def _input(prob: Problem, X: np.ndarray) -> np.ndarray:
    return prob.A @ X if prob.kind == "transformed" else X


def _apply_left(prob: Problem, M: np.ndarray) -> np.ndarray:
    if prob.kind == "plain":
        return prob.alpha * M
    if prob.kind == "transformed":
        return prob.B @ M
    return M


def forward(prob: Problem, Ws: Sequence[np.ndarray], X: np.ndarray | None = None) -> np.ndarray:
    """``U = Left F_L ... F_1 X_in`` (columns of X applied right to left: n-wide products)."""
    out = _input(prob, prob.X if X is None else X)
    for F in _factors(prob, Ws):
        out = F @ out
    return _apply_left(prob, out)


def loss(prob: Problem, Ws: Sequence[np.ndarray]) -> np.ndarray | float:
    R = forward(prob, Ws) - prob.Y
    val = 0.5 * prob.loss_scale * np.sum(R * R, axis=(-2, -1))
    return float(val) if np.ndim(val) == 0 else val


def loss_and_gradients(prob: Problem, Ws: Sequence[np.ndarray], X: np.ndarray | None = None,
                       Y: np.ndarray | None = None, scale: float = 1.0
                       ) -> tuple[np.ndarray | float, list[np.ndarray]]:
    """Loss and all layer gradients in 2L + O(1) matrix products.

    Prefix ``P_k = F_k...F_1 X_in`` (d_k x n) and suffix ``S_k = Left F_L...F_{k+1}``
    (d_y x d_k) products; ``grad_i = S_i^T R P_{i-1}^T`` with ``R = c (U - Y)``.
    """
    X = prob.X if X is None else X
    Y = prob.Y if Y is None else Y
    Fs = _factors(prob, Ws)
    P = [_input(prob, X)]
    for F in Fs:
        P.append(F @ P[-1])
    R = _apply_left(prob, P[-1]) - Y
    val = 0.5 * prob.loss_scale * scale * np.sum(R * R, axis=(-2, -1))
    R = (prob.loss_scale * scale) * R
    # Suffix: G = S_k^T R, accumulated from the top: S_L^T R = Left^T R.
    if prob.kind == "plain":
        SR = prob.alpha * R
    elif prob.kind == "transformed":
        SR = prob.B.T @ R
    else:
        SR = R
    grads: list[np.ndarray] = [None] * len(Fs)  # type: ignore[list-item]
    for i in range(len(Fs) - 1, -1, -1):
        grads[i] = SR @ _T(P[i])
        if i:
            SR = _T(Fs[i]) @ SR
    return (float(val) if np.ndim(val) == 0 else val), grads


def gradients(prob: Problem, Ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    return loss_and_gradients(prob, Ws)[1]


def gd_step(prob: Problem, Ws: Sequence[np.ndarray], eta: float) -> list[np.ndarray]:
    """One full-batch GD step; returns new arrays (inputs are not modified)."""
    _, G = loss_and_gradients(prob, Ws)
    return [W - eta * g for W, g in zip(Ws, G, strict=True)]


def sgd_step(prob: Problem, Ws: Sequence[np.ndarray], eta: float, batch: np.ndarray,
             unbiased: bool = True) -> list[np.ndarray]:
    """One minibatch SGD step on the columns ``batch`` of the data.

    With ``unbiased=True`` the minibatch loss is scaled by ``n/|batch|`` so that its
    gradient is an unbiased estimate of the full gradient.
    """
    batch = np.asarray(batch)
    scale = prob.n / len(batch) if unbiased else 1.0
    _, G = loss_and_gradients(prob, Ws, X=prob.X[:, batch], Y=prob.Y[:, batch], scale=scale)
    return [W - eta * g for W, g in zip(Ws, G, strict=True)]


def naive_gradients(prob: Problem, Ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Reference gradients that recompute every partial product (O(L^2)); tests only."""
    Fs = _factors(prob, Ws)
    L = len(Fs)

    def prod(lo: int, hi: int, dim: int) -> np.ndarray:  # F_hi ... F_lo, 0-indexed
        out = np.eye(dim)
        for k in range(lo, hi + 1):
            out = Fs[k] @ out
        return out

    U = _apply_left(prob, prod(0, L - 1, Fs[0].shape[-1]) @ _input(prob, prob.X))
    R = prob.loss_scale * (U - prob.Y)
    out = []
    for i in range(L):
        left = _apply_left(prob, prod(i + 1, L - 1, Fs[i].shape[-2]))
        right = prod(0, i - 1, Fs[0].shape[-1]) @ _input(prob, prob.X)
        out.append(left.T @ R @ right.T)
    return out
