"""Residual/ZAS building blocks (paper-free engine code).

ZAS init (W_l = I for l < L, W_L = 0), the invariant matrices
D_l = W_{l+1}^T W_{l+1} - W_l W_l^T, a full-matrix GD step for
R = 1/2 ||W_L ... W_1 - Phi||_F^2, and the exact scalar reduction valid when
Phi = c I (all W_l = a I for l < L and W_L = b I stay so under GD).
"""
from __future__ import annotations

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
