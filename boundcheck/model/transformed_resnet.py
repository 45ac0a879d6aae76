"""Deep linear residual network with fixed input/output transforms (paper-free engine code).

Model ``f_W(x) = B (I + W_L) ... (I + W_1) A x`` with ``A`` (m x d) and ``B`` (k x m) fixed
and only the hidden ``W_l`` (m x m) trained; loss ``L(W) = 1/2 ||B P(W) A X - Y||_F^2``
(a sum over the n columns, factor 1/2), ``P(W) = (I+W_L)...(I+W_1)``.

Two layers of functions:

* ``ops``-vocabulary functions (``residual``, ``loss``, ``gradients``, ``minibatch_gradients``,
  ``gd_step``, ``sgd_step``) take a backend (float64, rump/arb balls, exact) and the stored
  numpy inputs; under a certified backend every value is an enclosure of the exact one.
* ``np_*`` functions are plain float64 NumPy, optionally batched over a leading axis of
  independent runs (for SGD trials).

Gradient: ``grad_l L = (B P_{>l})^T (U X - Y) (P_{<l} A X)^T``; per sample the same with
``x_i, y_i``; the minibatch estimator of SGD is ``G_l = (n/b) sum_{i in S} grad_l ell_i``
(unbiased under uniform sampling without replacement).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


# ----------------------------------------------------------------------------- transforms
def identity_transforms(d: int, k: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """``A = [I_d; 0]`` (m x d), ``B = sqrt(m/k) [I_k, 0]`` (k x m)."""
    if m < max(d, k):
        raise ValueError("identity transforms need m >= max(d, k)")
    A = np.zeros((m, d))
    A[:d, :d] = np.eye(d)
    B = np.zeros((k, m))
    B[:k, :k] = np.sqrt(m / k) * np.eye(k)
    return A, B


def modified_identity(d: int, k: int, m: int, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint supports: ``A e_j = e_j`` (rows 0..d-1), ``B`` = alpha on columns d..d+k-1,
    so ``BA = 0``, ``A^T A = I_d``, ``B B^T = alpha^2 I_k``."""
    if m < d + k:
        raise ValueError("modified identity needs m >= d + k")
    A = np.zeros((m, d))
    A[np.arange(d), np.arange(d)] = 1.0
    B = np.zeros((k, m))
    B[np.arange(k), d + np.arange(k)] = float(alpha)
    return A, B


def gaussian_transforms(rng: np.random.Generator, d: int, k: int, m: int, alpha: float = 1.0,
                        beta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``A_ij ~ N(0, alpha^2)``, ``B_ij ~ N(0, beta^2)`` i.i.d."""
    return alpha * rng.standard_normal((m, d)), beta * rng.standard_normal((k, m))


# ----------------------------------------------------------------------------- ops vocabulary
def _factors(ops: Any, Ws: Sequence[Any]) -> list[Any]:
    W0 = ops.asarray(Ws[0])
    m = ops.shape(W0)[0] if hasattr(ops, "shape") else W0.shape[0]
    eye = ops.eye(m)
    return [ops.add(eye, ops.asarray(W)) for W in Ws]


def product(ops: Any, Ws: Sequence[Any]) -> Any:
    """``P(W) = (I+W_L)...(I+W_1)`` (``Ws[0]`` is ``W_1``)."""
    F = _factors(ops, Ws)
    P = F[0]
    for f in F[1:]:
        P = ops.matmul(f, P)
    return P


def end_to_end(ops: Any, A: Any, B: Any, Ws: Sequence[Any]) -> Any:
    """``U(W) = B P(W) A`` (k x d)."""
    return ops.matmul(ops.asarray(B), ops.matmul(product(ops, Ws), ops.asarray(A)))


def residual(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: Any, Y: Any) -> Any:
    """``R = U(W) X - Y``."""
    return ops.sub(ops.matmul(end_to_end(ops, A, B, Ws), ops.asarray(X)), ops.asarray(Y))


def loss(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: Any, Y: Any) -> Any:
    """``L(W) = 1/2 ||R||_F^2``."""
    r = ops.fro_norm(residual(ops, A, B, Ws, X, Y))
    return r * r / ops.scalar(2)


def _grads_from(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: Any, Y: Any,
                scale: Any = None) -> tuple[list[Any], Any]:
    F = _factors(ops, Ws)
    L = len(F)
    below = [ops.matmul(ops.asarray(A), ops.asarray(X))]  # P_{<l} A X, l = 1..L+1
    for f in F:
        below.append(ops.matmul(f, below[-1]))
    Bo = ops.asarray(B)
    R = ops.sub(ops.matmul(Bo, below[-1]), ops.asarray(Y))
    Rs = R if scale is None else ops.scale(scale, R)
    grads: list[Any] = [None] * L
    above = Bo  # B P_{>l}
    for i in range(L - 1, -1, -1):
        grads[i] = ops.matmul(ops.transpose(above), ops.matmul(Rs, ops.transpose(below[i])))
        above = ops.matmul(above, F[i])
    return grads, R


def gradients(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: Any, Y: Any) -> list[Any]:
    """``[grad_{W_1} L, ..., grad_{W_L} L]``."""
    return _grads_from(ops, A, B, Ws, X, Y)[0]


def minibatch_gradients(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: np.ndarray,
                        Y: np.ndarray, batch: Sequence[int]) -> list[Any]:
    """``G_l = (n/b) sum_{i in S} grad_l ell(W; x_i, y_i)`` (the scale n/b an exact
    rational under certified backends)."""
    idx = np.asarray(list(batch), dtype=int)
    n, b = X.shape[1], len(idx)
    scale = ops.scalar(n) / ops.scalar(b)
    return _grads_from(ops, A, B, Ws, X[:, idx], Y[:, idx], scale)[0]


def gd_step(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: Any, Y: Any, eta: Any
            ) -> list[Any]:
    """``W_l <- W_l - eta grad_l L`` for all l simultaneously."""
    G = gradients(ops, A, B, Ws, X, Y)
    return [ops.sub(ops.asarray(W), ops.scale(eta, g)) for W, g in zip(Ws, G, strict=True)]


def sgd_step(ops: Any, A: Any, B: Any, Ws: Sequence[Any], X: np.ndarray, Y: np.ndarray,
             eta: Any, batch: Sequence[int]) -> list[Any]:
    """``W_l <- W_l - eta G_l`` with the unbiased minibatch estimator."""
    G = minibatch_gradients(ops, A, B, Ws, X, Y, batch)
    return [ops.sub(ops.asarray(W), ops.scale(eta, g)) for W, g in zip(Ws, G, strict=True)]


# ----------------------------------------------------------------------------- float64 NumPy
def np_grads(A: np.ndarray, B: np.ndarray, Ws: Sequence[np.ndarray], X: np.ndarray,
             Y: np.ndarray, scale: Any = 1.0) -> tuple[list[np.ndarray], np.ndarray]:
    """Gradients and residual in float64; ``Ws`` may carry a leading batch axis, and so may
    ``X``/``Y`` (per-run minibatches) and ``scale``."""
    m = Ws[0].shape[-1]
    eye = np.eye(m)
    F = [eye + W for W in Ws]
    below = [A @ X]
    for f in F:
        below.append(f @ below[-1])
    R = B @ below[-1] - Y
    Rs = R * scale
    grads: list[np.ndarray] = [None] * len(F)  # type: ignore[list-item]
    above = np.broadcast_to(B, F[0].shape[:-2] + B.shape) if F[0].ndim > 2 else B
    for i in range(len(F) - 1, -1, -1):
        grads[i] = np.swapaxes(above, -1, -2) @ (Rs @ np.swapaxes(below[i], -1, -2))
        above = above @ F[i]
    return grads, R


def np_loss(A: np.ndarray, B: np.ndarray, Ws: Sequence[np.ndarray], X: np.ndarray,
            Y: np.ndarray) -> np.ndarray | float:
    """``1/2 ||B P A X - Y||_F^2`` (batched over a leading axis when ``Ws`` is)."""
    P = np.eye(Ws[0].shape[-1]) + Ws[0]
    for W in Ws[1:]:
        P = (np.eye(W.shape[-1]) + W) @ P
    R = B @ P @ A @ X - Y
    return 0.5 * np.sum(R * R, axis=(-2, -1))


def np_gd_step(A: np.ndarray, B: np.ndarray, Ws: Sequence[np.ndarray], X: np.ndarray,
               Y: np.ndarray, eta: float) -> list[np.ndarray]:
    G, _ = np_grads(A, B, Ws, X, Y)
    return [W - eta * g for W, g in zip(Ws, G, strict=True)]


def sample_batches(rng: np.random.Generator, runs: int, n: int, b: int) -> np.ndarray:
    """``runs`` independent uniform b-subsets of [n] (without replacement): (runs, b)."""
    return np.argsort(rng.random((runs, n)), axis=1)[:, :b]


def np_sgd_step(A: np.ndarray, B: np.ndarray, Ws: Sequence[np.ndarray], X: np.ndarray,
                Y: np.ndarray, eta: float, batches: np.ndarray) -> list[np.ndarray]:
    """One SGD step for a batch of independent runs: ``Ws[l]`` has shape (runs, m, m) and
    ``batches`` (runs, b) the sampled column indices; ``G_l = (n/b) sum_S grad ell_i``."""
    n, b = X.shape[1], batches.shape[1]
    XS = np.swapaxes(X.T[batches], -1, -2)  # (runs, d, b)
    YS = np.swapaxes(Y.T[batches], -1, -2)
    G, _ = np_grads(A, B, Ws, XS, YS, n / b)
    return [W - eta * g for W, g in zip(Ws, G, strict=True)]
