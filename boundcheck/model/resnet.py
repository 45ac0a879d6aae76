"""Nonlinear residual network z_0 = V_0 x, z_l = z_{l-1} + U_l s(V_l z_{l-1}), f = U_{L+1} z_L
with a hand-written backward pass (float64, NumPy; paper-free engine code).

Parameters are a dict {"V": [V_0..V_L], "U": [U_1..U_{L+1}]}; the loss is
1/(2n) ||f(X) - Y||_F^2 over the columns of X. Activation: ReLU (default) or tanh.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _act(a: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    if kind == "tanh":
        h = np.tanh(a)
        return h, 1.0 - h * h
    return np.maximum(a, 0.0), (a > 0).astype(float)


def init(rng: np.random.Generator, L: int, d_in: int, D: int, m: int, d_out: int, scheme: str
         ) -> dict[str, list[np.ndarray]]:
    """"mzas": U_l = 0 (l = 1..L+1), (V_l)_ij ~ N(0, 1/D) (V_0 ~ N(0, 1/d_in) -- see docs);
    "xavier": every matrix N(0, 2/(fan_in + fan_out))."""
    V = [rng.standard_normal((D, d_in)) / np.sqrt(D if scheme == "mzas" else (D + d_in) / 2)]
    V += [rng.standard_normal((m, D)) / np.sqrt(D if scheme == "mzas" else (m + D) / 2)
          for _ in range(L)]
    if scheme == "mzas":
        U = [np.zeros((D, m)) for _ in range(L)] + [np.zeros((d_out, D))]
    else:
        U = [rng.standard_normal((D, m)) / np.sqrt((D + m) / 2) for _ in range(L)]
        U.append(rng.standard_normal((d_out, D)) / np.sqrt((d_out + D) / 2))
    return {"V": V, "U": U}


def forward(P: dict[str, list[np.ndarray]], X: np.ndarray, act: str = "relu"
            ) -> tuple[np.ndarray, dict[str, Any]]:
    V, U = P["V"], P["U"]
    z = V[0] @ X
    cache: dict[str, Any] = {"z": [z], "a": [], "h": [], "dh": []}
    for l in range(1, len(V)):
        a = V[l] @ z
        h, dh = _act(a, act)
        z = z + U[l - 1] @ h
        cache["z"].append(z)
        cache["a"].append(a)
        cache["h"].append(h)
        cache["dh"].append(dh)
    return U[-1] @ z, cache


def loss_and_grad(P: dict[str, list[np.ndarray]], X: np.ndarray, Y: np.ndarray,
                  act: str = "relu") -> tuple[float, dict[str, list[np.ndarray]]]:
    """Loss 1/(2n)||f - Y||^2 and its gradient (hand-written backward pass)."""
    n = X.shape[1]
    V, U = P["V"], P["U"]
    f, c = forward(P, X, act)
    E = (f - Y) / n
    loss = 0.5 * n * float(np.sum(E * E))
    L = len(V) - 1
    gU: list[np.ndarray] = [np.zeros_like(M) for M in U]
    gV: list[np.ndarray] = [np.zeros_like(M) for M in V]
    gU[-1] = E @ c["z"][-1].T
    g = U[-1].T @ E  # dloss/dz_L
    for l in range(L, 0, -1):
        gU[l - 1] = g @ c["h"][l - 1].T
        ga = (U[l - 1].T @ g) * c["dh"][l - 1]
        gV[l] = ga @ c["z"][l - 1].T
        g = g + V[l].T @ ga
    gV[0] = g @ X.T
    return loss, {"V": gV, "U": gU}
