"""Shared pieces for acgh19 ``main.py`` / ``lemmas.py`` (Thm. 1 line; App. D.1-D.2).

Arora, Cohen, Golowich & Hu, ICLR 2019. Paper convention: ``W_{1:N} = W_N ... W_1`` (a
weights list ``Ws[0] = W_1``), loss ``1/2 ||W_{1:N} - Phi||_F^2`` (``Problem.for_target``).
Thm. 1's constants (eq. 7 and delta) are read from ``params`` so that ``broken`` can change
them: ``delta_const`` (256), ``eta_const`` (6144).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from boundcheck.check.result import Instance, Params
from boundcheck.check.verdict import Condition
from boundcheck.model import balanced

PAPER = "acgh19"
_EPS = float(np.finfo(float).eps)


def fl(ops: Any, x: float) -> Any:
    """A float64-computed quantity as a backend scalar. Under a certified backend it becomes
    NaN (undecidable, so 'inconclusive'): a point value computed outside the backend must
    never be reported as certified."""
    return ops.scalar(math.nan if getattr(ops, "certified", False) else x)


def delta_thm1(c: float, N: int, phiF: float, p: Params) -> float:
    """Thm. 1: ``delta = c^2 / (256 N^3 ||Phi||_F^{2(N-1)/N})``."""
    return c ** 2 / (p.get("delta_const", 256.0) * N ** 3 * phiF ** (2 * (N - 1) / N))


def eta_thm1(c: float, N: int, phiF: float, p: Params) -> float:
    """Thm. 1 eq. (7): ``eta <= c^{(4N-2)/N} / (6144 N^3 ||Phi||_F^{(6N-4)/N})``."""
    return c ** ((4 * N - 2) / N) / (p.get("eta_const", 6144.0) * N ** 3
                                     * phiF ** ((6 * N - 4) / N))


def rate_exponent(N: int) -> float:
    return 2 * (N - 1) / N


def sample_dims(rng: np.random.Generator, N: int, max_d: int) -> tuple[int, ...]:
    """Dims with Thm. 1's width condition ``min_i d_i >= min(d_0, d_N)`` (i = 1..N-1)."""
    d0 = int(rng.integers(1, max_d + 1))
    dN = int(rng.integers(1, max_d + 1))
    k = min(d0, dN)
    hidden = [int(rng.integers(k, max_d + 1)) for _ in range(N - 1)]
    return (d0, *hidden, dN)


def sample_thm1(rng: np.random.Generator, p: Params) -> Instance:
    """A start meeting Thm. 1's hypotheses by construction.

    Phi with chosen sigma_min (dyadic-orthogonal SVD), W_{1:N}(0) with margin c (random,
    worst or mixed direction), split by Procedure 1 (optionally rotated), then a
    product-preserving imbalance at ``imb_frac * delta``; ``eta = eta_frac * (7)``.
    """
    N = int(rng.choice(p["N_choices"]))
    # optional: matrix widths only for the depths in ``matrix_N`` (long horizons otherwise)
    max_d = p["max_d"] if N in p.get("matrix_N", (N,)) else 1
    dims = sample_dims(rng, N, max_d)
    smin = float(rng.uniform(0.5, 2.0))
    Phi = balanced.target_with_sigma_min(rng, dims[-1], dims[0], smin, spread=p["spread"])
    phiF = float(np.linalg.norm(Phi))
    c = smin * float(rng.uniform(*p["c_frac"]))
    mode = ["random", "worst", "mixed"][int(rng.integers(0, 3))]
    A = balanced.start_with_margin(rng, Phi, c, mode=mode)
    Ws = balanced.balanced_factors(A, dims, rng=rng, rotate=bool(rng.integers(0, 2)))
    delta = delta_thm1(c, N, phiF, p)
    imb_frac = float(rng.choice(p["imb_fracs"]))
    if imb_frac > 0 and N > 1:  # (1 - 1e-9): stay inside when the bound is re-evaluated
        Ws = balanced.with_imbalance(rng, Ws, imb_frac * delta * (1 - 1e-9))
    eta = float(rng.choice(p["eta_fracs"])) * eta_thm1(c, N, phiF, p) * (1 - 1e-12)
    return {"Phi": Phi, "W0": Ws, "c": c, "eta": eta, "N": N, "dims": list(dims),
            "mode": mode, "imb_frac": imb_frac}


def thm1_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Margin c (Def. 2), delta-balance (Def. 1) and eq. (7), evaluated with ``ops``."""
    Phi = ops.asarray(inst["Phi"])
    Ws = [ops.asarray(W) for W in inst["W0"]]
    N = len(Ws)
    c = ops.scalar(float(inst["c"]))
    phiF = ops.fro_norm(Phi)
    E = end_to_end_ops(ops, Ws)
    # exponents as backend scalars: exact rational enclosures under certified backends
    def frac(a: int, b: int) -> Any:
        return ops.scalar(a) / ops.scalar(b)

    eta_bound = ops.power(c, frac(4 * N - 2, N)) / (
        ops.scalar(p.get("eta_const", 6144.0)) * ops.scalar(N ** 3)
        * ops.power(phiF, frac(6 * N - 4, N)))
    delta = ops.power(c, 2) / (ops.scalar(p.get("delta_const", 256.0)) * ops.scalar(N ** 3)
                               * ops.power(phiF, frac(2 * (N - 1), N)))
    conds = [
        Condition("c > 0", c, ">", ops.scalar(0)),
        Condition("Def. 2: ||W(0)-Phi||_F <= sigma_min(Phi) - c",
                  ops.fro_norm(ops.sub(E, Phi)), "<=", ops.sigma_min(Phi) - c),
        Condition("eq. (7): eta <= c^{(4N-2)/N}/(6144 N^3 ||Phi||_F^{(6N-4)/N})",
                  ops.scalar(inst["eta"]), "<=", eta_bound),
    ]
    for j in range(N - 1):
        D = ops.sub(ops.matmul(ops.transpose(Ws[j + 1]), Ws[j + 1]),
                    ops.matmul(Ws[j], ops.transpose(Ws[j])))
        conds.append(Condition("Def. 1: ||W_{j+1}^T W_{j+1} - W_j W_j^T||_F <= delta",
                               ops.fro_norm(D), "<=", delta, context=f"j={j + 1}"))
    return conds


def end_to_end_ops(ops: Any, Ws: list[Any]) -> Any:
    out = Ws[0]
    for W in Ws[1:]:
        out = ops.matmul(W, out)
    return out


# ----------------------------------------------------------------------------- fast float64 GD
def layer_grads(Ws: list[np.ndarray], R: np.ndarray) -> list[np.ndarray]:
    """eq. (14): ``G_j = W_{j+1:N}^T R W_{1:j-1}^T`` via prefix/suffix products."""
    N = len(Ws)
    pre = [np.eye(Ws[0].shape[1])]
    for W in Ws[:-1]:
        pre.append(W @ pre[-1])
    G: list[np.ndarray] = [None] * N  # type: ignore[list-item]
    SR = R
    for j in range(N - 1, -1, -1):
        G[j] = SR @ pre[j].T
        SR = Ws[j].T @ SR
    return G


def run_series(inst: Instance, steps: int, want_svd: bool = True) -> dict[str, np.ndarray]:
    """GD from ``inst`` for ``steps`` steps; per-step series (t = 0..steps).

    Series: loss, sigma_min(W(t)), ||grad||_F^2, ||grad||_sigma, max_j ||W_j||_sigma,
    max_j imbalance D_j(t), and the A'(t) drift bound pieces.
    """
    Ws = [np.array(W, dtype=np.float64) for W in inst["W0"]]
    Phi = np.asarray(inst["Phi"], dtype=np.float64)
    eta = float(inst["eta"])
    out: dict[str, list[float]] = {k: [] for k in (
        "loss", "smin", "g2", "gspec", "wmax", "imb", "imb_each")}
    for t in range(steps + 1):
        E = balanced.end_to_end(Ws)
        R = E - Phi
        g2 = float(np.sum(R * R))
        out["loss"].append(0.5 * g2)
        out["g2"].append(g2)
        if want_svd:
            out["smin"].append(float(np.linalg.svd(E, compute_uv=False)[-1]))
            out["gspec"].append(float(np.linalg.norm(R, 2)))
            out["wmax"].append(max(float(np.linalg.norm(W, 2)) for W in Ws))
            imb = balanced.imbalances(Ws)
            out["imb_each"].append(imb)
            out["imb"].append(max(imb) if imb else 0.0)
        if t == steps:
            break
        G = layer_grads(Ws, R)
        Ws = [W - eta * g for W, g in zip(Ws, G, strict=True)]
    res = {k: np.asarray(v) for k, v in out.items() if k != "imb_each"}
    res["imb_each"] = out["imb_each"]
    return res


def scalar_horizon(ws: list[float], phi: float, eta: float, eps: float, T: int, extra: int,
                   coef: float = 0.5) -> dict[str, float]:
    """Pure-Python scalar GD to ``T + extra``: loss at T, worst loss on [T, T+extra], first
    hitting time of ``eps`` and the smallest ratio (actual descent)/(Lemma 1 descent).

    The ratio is only taken where float64 resolves the decrement (guaranteed descent above
    100x the rounding of l(t) - l(t+1)); other steps are counted in ``unresolved_steps``.
    """
    w = [float(x) for x in ws]
    N = len(w)
    e = 2 * (N - 1) / N
    P = 1.0
    for x in w:
        P *= x
    g = P - phi
    loss = 0.5 * g * g
    hit = -1
    min_ratio = math.inf
    loss_T = math.nan
    worst_after = -math.inf
    unresolved = 0
    for t in range(T + extra + 1):
        if hit < 0 and loss <= eps:
            hit = t
        if t == T:
            loss_T = loss
        if t >= T and loss > worst_after:
            worst_after = loss
        if t == T + extra:
            break
        if N == 1:
            w[0] -= eta * g
        elif N == 2:
            a, b = w
            w[0] = a - eta * g * b
            w[1] = b - eta * g * a
        else:
            pre = [1.0]
            for x in w[:-1]:
                pre.append(pre[-1] * x)
            suf = 1.0
            new = w[:]
            for j in range(N - 1, -1, -1):
                new[j] = w[j] - eta * g * suf * pre[j]
                suf *= w[j]
            w = new
        guaranteed = coef * eta * abs(P) ** e * g * g
        # float64 resolution of l(t) - l(t+1): |g| times the rounding of g = P - phi
        resolution = abs(g) * 8 * _EPS * (abs(P) + abs(phi))
        P = 1.0
        for x in w:
            P *= x
        g = P - phi
        new_loss = 0.5 * g * g
        if guaranteed > 100 * resolution:
            r = (loss - new_loss) / guaranteed
            if r < min_ratio:
                min_ratio = r
        else:
            unresolved += 1
        loss = new_loss
    return {"loss_T": loss_T, "worst_after_T": worst_after, "hit": hit,
            "min_descent_ratio": min_ratio, "unresolved_steps": unresolved}
