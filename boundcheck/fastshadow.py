"""Shadowing of long GD runs in plain float64 with a priori rounding bounds (no Arb per step).

The same inequality as :mod:`boundcheck.shadowing` (read it first),

    e_{t+1} <= Lip_t(e_t) e_t + rho_t,   e_0 = 0,   e_t >= ||W_t - What_t||_F,

for the plain model ``U = alpha W_L ... W_1 X``, loss ``c/2 ||U - Y||_F^2``, between the
EXACT trajectory ``W_{t+1} = Phi(W_t)`` (the stored float64 data, step size and start taken
as real numbers) and the computed float64 iterates ``What_t``; but every per-step quantity is
bounded in float64, vectorized over time, so that horizons of 1e5-1e6 steps cost seconds:

* the iterates are computed by ONE fixed expression (:func:`gd_step_code`; for all widths 1
  and ``n = 1`` the same expression unrolled on Python floats), so the defect
  ``|What_{t+1} - Phi(What_t)|`` is bounded entrywise by the running-error lemma of
  :mod:`boundcheck.fastcert`: ``gamma_N/(1 - gamma_N) (A + B) + B`` with ``A`` the same
  expression evaluated on absolute values (batched over t), ``N = 2 sum_j d_j + n + 8`` and
  ``B`` the underflow term; ``rho_t`` is an upward-rounded Frobenius norm of it;
* ``Lip_t`` is the Gauss-Newton bound of :func:`boundcheck.shadowing.lipschitz_bound`,
  ``max(1, eta c J^2 - 1) + eta c (||r(What_t)|| + J e) K``, evaluated at an a priori cap
  ``e = e_max`` (it is increasing in ``e``) with layer norms
  ``a_k = min(||W_k||_F, sqrt(||W_k||_1 ||W_k||_inf)) + e_max >= ||W_k||_2 + e`` and
  ``||r(What_t)|| <= ||fl(r)||_F + ||rad_r||_F``; every product/sum of non-negative floats is
  inflated by ``1/(1 - gamma_k)`` (k = number of roundings) and stepped up with ``nextafter``;
* the linear recurrence is solved in closed form per chunk, ``e_{s+1} = P_s (e_0 + sum_{r<=s}
  rho_r / P_r)`` with ``P_s = prod_{r<=s} Lip_r`` (cumulative products and sums, inflated by
  ``1/((1 - gamma)(1-u)^p)`` for their roundings). The bound is valid while ``e_s <= e_max``
  (the induction hypothesis that justified ``Lip(e_max)``); the certified horizon ends at
  the first step where it is exceeded.

Near a minimizer ``Lip_t = 1 + O(eta ||r_t||)`` and ``||r_t||`` decays geometrically, so the
product of the factors stays bounded and ``e_T`` grows like ``T`` times the per-step defect.

Enclosures of the EXACT iterate's residual norm and loss follow: ``||r(W_t)|| in ||fl(r_t)|| +-
(||rad_r|| + J_t e_t)``; ``||U(W_t) - fl(U_t)||_F <= ||rad_U|| + J_t e_t`` is handed to an
optional per-chunk callback (e.g. to bound singular values of the end-to-end matrix).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import RMat, RumpBackend, gamma, gamma_ratio, inflation
from boundcheck.errors import InputError
from boundcheck.problem import Problem, check_step_size

_INF = np.inf
_U = bc.U
_ETA = bc.ETA


def _up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, _INF)


def _dn(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, -_INF)


def _T(M: np.ndarray) -> np.ndarray:
    return np.swapaxes(M, -1, -2)


def fro_up(M: np.ndarray) -> np.ndarray:
    """Upper bounds of the Frobenius norms of a batch ``(B, r, c)`` of float matrices."""
    m = M.shape[-1] * M.shape[-2]
    s = np.sum(M * M, axis=(-1, -2))
    s = _up((s + (m + 1) * _ETA) * inflation(m, 2))
    return _up(np.sqrt(s) * (1 + 4 * _U))


def fro_lo(M: np.ndarray) -> np.ndarray:
    """Lower bounds of the Frobenius norms of a batch of float matrices."""
    m = M.shape[-1] * M.shape[-2]
    s = np.sum(M * M, axis=(-1, -2))
    s = np.maximum(_dn((s - (m + 1) * _ETA) / (1 + gamma(m)) * (1 - 4 * _U)), 0.0)
    return np.maximum(_dn(np.sqrt(s) * (1 - 4 * _U)), 0.0)


def spec_up(M: np.ndarray) -> np.ndarray:
    """Upper bounds of ``||M||_2``: ``min(||M||_F, sqrt(||M||_1 ||M||_inf))``, rounded up."""
    A = np.abs(M)
    r, c = M.shape[-2], M.shape[-1]
    n1 = _up(np.max(np.sum(A, axis=-2), axis=-1) * inflation(r, 1))
    ninf = _up(np.max(np.sum(A, axis=-1), axis=-1) * inflation(c, 1))
    g = _up(np.sqrt(_up(n1 * ninf)) * (1 + 4 * _U))
    return np.minimum(g, fro_up(M))


# ----------------------------------------------------------------------------- the iterates
def gd_step_code(Ws: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, alpha: float,
                 c: float, eta: float) -> list[np.ndarray]:
    """THE float64 expression of one GD step (``boundcheck.fastcert._terms``'s structure)."""
    P = [X]
    for W in Ws:
        P.append(W @ P[-1])
    SR = (alpha * c) * (alpha * P[-1] - Y)
    new: list[np.ndarray] = [None] * len(Ws)  # type: ignore[list-item]
    for i in range(len(Ws) - 1, -1, -1):
        new[i] = Ws[i] - eta * (SR @ P[i].T)
        if i:
            SR = Ws[i].T @ SR
    return new


def _scalar_runner(L: int) -> Callable[..., list[tuple[float, ...]]]:
    """Straight-line Python for :func:`gd_step_code` with all widths 1 and ``n = 1``: every
    1x1 product is one float product, so the expression (and its rounding) is the same."""
    ws = ", ".join(f"w{i}" for i in range(L))
    lines = ["def run(state, x, y, a, ac, eta, steps):",
             f"    {ws}, = state", f"    out = [({ws},)]", "    app = out.append",
             "    for _ in range(steps):", "        p0 = x"]
    for i in range(L):
        lines.append(f"        p{i + 1} = w{i} * p{i}")
    lines.append(f"        sr = ac * (a * p{L} - y)")
    for i in range(L - 1, -1, -1):
        lines.append(f"        n{i} = w{i} - eta * (sr * p{i})")
        if i:
            lines.append(f"        sr = w{i} * sr")
    lines.append(f"        {ws} = " + ", ".join(f"n{i}" for i in range(L)))
    lines.append(f"        app(({ws},))")
    lines.append("    return out")
    ns: dict[str, Any] = {}
    exec("\n".join(lines), ns)  # noqa: S102 - generated from integers only
    return ns["run"]


# ----------------------------------------------------------------------------- report
@dataclass
class FastShadow:
    """``bounds[t] >= ||W_t - What_t||_F`` and enclosures of the exact loss, ``t <= horizon``."""

    steps: int
    horizon: int
    stopped: str
    elapsed: float
    bounds: np.ndarray
    loss_lo: np.ndarray
    loss_hi: np.ndarray
    loss_hat: np.ndarray
    max_defect: float
    max_lipschitz: float
    lip_product: float
    iterates: list[np.ndarray] | None = None  # per layer, shape (horizon + 1, rows, cols)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def certified_all(self) -> bool:
        return self.horizon >= self.steps

    def state_ball(self, t: int) -> list[RMat]:
        """Balls (entrywise radius ``bounds[t]``) that contain the EXACT iterate ``W_t``."""
        if t > self.horizon:
            raise InputError(f"step {t} is beyond the certified horizon {self.horizon}")
        if self.iterates is None:
            raise InputError("the run kept no iterates (keep_iterates=True)")
        e = float(self.bounds[t])
        return [RMat(np.array(W[t]), None if e == 0 else np.full(W.shape[1:], e))
                for W in self.iterates]

    def summary(self) -> dict[str, Any]:
        return {"steps": self.steps, "horizon": self.horizon, "stopped": self.stopped,
                "final_bound": float(self.bounds[self.horizon]),
                "max_defect": self.max_defect, "max_lipschitz": self.max_lipschitz,
                "lipschitz_product": self.lip_product, "elapsed_s": round(self.elapsed, 3),
                **self.details}


ChunkCallback = Callable[[int, list[np.ndarray], np.ndarray, np.ndarray, dict[str, np.ndarray]],
                         None]


def shadow_gd_fast(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int,
                   e_max: float = 1e-6, keep_iterates: bool = False, chunk: int = 16384,
                   on_chunk: ChunkCallback | None = None) -> FastShadow:
    """Certify ``steps`` float64 GD steps of the plain model by shadowing (module docstring).

    ``on_chunk(t0, states, U_hat, dU, enc)`` receives, for the certified states
    ``t0 .. t0 + B`` of each chunk (consecutive chunks share one state): the computed
    iterates (per layer, shape ``(B + 1, rows, cols)``), the computed outputs ``fl(U)``, an
    upper bound of ``||U(W_t) - fl(U_t)||_F`` for the EXACT ``W_t`` and a dict with arrays
    ``e``, ``loss_lo``, ``loss_hi``, ``r_lo``, ``r_hi`` (exact residual norm enclosure).
    """
    if prob.kind != "plain":
        raise InputError("fast shadowing covers the plain model only")
    eta = check_step_size(eta)
    t_start = time.perf_counter()
    Ws = [np.array(w, dtype=np.float64) for w in W0]
    prob.check_weights(Ws)
    X = np.asarray(prob.X, dtype=np.float64)
    Y = np.asarray(prob.Y, dtype=np.float64)
    a, c = float(prob.alpha), float(prob.loss_scale)
    L, dims, n = prob.L, tuple(prob.dims), prob.n
    if c <= 0:
        raise InputError("loss_scale must be positive")
    Nd = 2 * sum(dims) + n + 8
    G = gamma_ratio(Nd)
    aa = abs(a)
    # ||X||_2 (certified, once)
    rb = RumpBackend()
    x_norm = bc.hi(rb.sigma_max(rb.asarray(X)))
    ceta = _up(np.float64(eta) * c * (1 + 2 * _U))
    a2x2 = _up(np.float64(aa * aa * x_norm * x_norm) * (1 + 4 * _U))
    ax = _up(np.float64(aa * x_norm) * (1 + 2 * _U))
    scalar = all(d == 1 for d in dims) and n == 1
    runner = _scalar_runner(L) if scalar else None
    # underflow term: constant factors (X, Y, scalars) and the per-layer (dims+1) factors
    D = max(dims) + 1
    f_const = 1.0
    for M in (X, Y):
        f_const *= D * max(float(np.max(np.abs(M), initial=0.0)), 1.0)
    for s in (a, c, eta):
        f_const *= max(abs(s), 1.0) + 1.0
    absX, absY = np.abs(X), np.abs(Y)
    ops_lip = 4 * (L + 2) ** 2 + 40  # roundings in the Lipschitz expression (generous)
    inf_lip = inflation(ops_lip, 2)

    bounds = [np.zeros(1)]
    lo_all: list[np.ndarray] = []
    hi_all: list[np.ndarray] = []
    hat_all: list[np.ndarray] = []
    kept: list[list[np.ndarray]] = [[] for _ in range(L)]
    e0 = 0.0
    horizon = 0
    stopped = "completed"
    max_def = 0.0
    max_lip = 1.0
    log_prod = 0.0
    t0 = 0
    state = Ws
    while True:
        B = min(chunk, steps - t0)
        # ---- sequential float64 iterates for states t0 .. t0 + B
        if scalar:
            rows = runner(tuple(float(w[0, 0]) for w in state), float(X[0, 0]),
                          float(Y[0, 0]), a, a * c, eta, B)
            arr = np.array(rows, dtype=np.float64)
            S = [arr[:, i].reshape(-1, 1, 1) for i in range(L)]
        else:
            seq = [state]
            W = state
            for _ in range(B):
                W = gd_step_code(W, X, Y, a, c, eta)
                seq.append(W)
            S = [np.stack([s[i] for s in seq]) for i in range(L)]
        finite = np.all([np.all(np.isfinite(M), axis=(1, 2)) for M in S], axis=0)
        if not finite.all():
            bad = int(np.argmin(finite))
            S = [M[:bad] for M in S]
            stopped = f"non-finite computed iterate at step {t0 + bad}"
            B = bad - 1
            if B < 0:
                break
        # ---- per-state quantities (states t0 .. t0 + B)
        absS = [np.abs(M) for M in S]
        Pm, Pa = X, absX
        chains_a = [absX]
        for M, Ma in zip(S, absS, strict=True):
            Pm = M @ Pm
            Pa = Ma @ Pa
            chains_a.append(Pa)
        Uhat = a * Pm
        Uabs = aa * Pa
        Rhat = Uhat - Y
        Rabs = Uabs + absY
        mx = np.ones(B + 1)
        for M in absS:
            mx *= D * np.maximum(np.max(M, axis=(1, 2)), 1.0)
        f = mx * f_const
        Bu = _up(f * f * (4.0 * _ETA * 2.0**60))  # cf. fastcert._underflow
        Bu = np.where(np.isfinite(Bu), Bu, _INF)
        radR = Rabs * G + (4 * (Bu + _ETA))[:, None, None]
        radU = Uabs * G + (4 * (Bu + _ETA))[:, None, None]
        rR = fro_up(radR)
        rU = fro_up(radU)
        r_hat_hi = fro_up(Rhat)
        r_hat_lo = fro_lo(Rhat)
        r_up = _up(r_hat_hi + rR)  # >= ||r(What_t)||
        # layer norms + e_max, J and K (vectorized Lipschitz bound)
        an = [_up(spec_up(M) + e_max) for M in S]
        pre = [np.ones(B + 1)]
        for v in an:
            pre.append(pre[-1] * v)
        suf = [np.ones(B + 1)] * (L + 1)
        for k in range(L - 1, -1, -1):
            suf[k] = suf[k + 1] * an[k]
        J2 = np.zeros(B + 1)
        for i in range(L):
            tt = pre[i] * suf[i + 1]
            J2 = J2 + tt * tt
        C2 = np.zeros(B + 1)
        for i in range(L):
            for j in range(i + 1, L):
                mid = np.ones(B + 1)
                for k in range(i + 1, j):
                    mid = mid * an[k]
                tt = pre[i] * mid * suf[j + 1]
                C2 = C2 + 2 * tt * tt
        J2 = _up(J2 * a2x2 * inf_lip)
        J = _up(np.sqrt(J2) * (1 + 4 * _U))
        K = _up(np.sqrt(_up(C2 * inf_lip)) * (1 + 4 * _U) * ax * (1 + 4 * _U))
        first = np.maximum(1.0, _up(_up(ceta * J2 * (1 + 4 * _U)) - 1.0))
        lip = _up((first + ceta * (r_up + J * e_max) * K) * inf_lip)
        # ---- per-step defects (steps t0 .. t0 + B - 1)
        if B > 0:
            Sa = [M[:-1] for M in absS]
            Pa_chain = [absX] + [m[:-1] for m in chains_a[1:]]
            SR = (aa * c) * (aa * Pa_chain[-1] + absY)
            s2 = np.zeros(B)
            m_tot = 0
            Bs = Bu[:-1]
            for i in range(L - 1, -1, -1):
                A_new = Sa[i] + eta * (SR @ _T(Pa_chain[i]))
                rad = A_new * G + (4 * (Bs + _ETA))[:, None, None]
                s2 = s2 + np.sum(rad * rad, axis=(1, 2))
                m_tot += rad.shape[1] * rad.shape[2]
                if i:
                    SR = _T(Sa[i]) @ SR
            rho = _up(np.sqrt(_up((s2 + (m_tot + 1) * _ETA) * inflation(m_tot + L, 2)))
                      * (1 + 4 * _U))
            lipB = lip[:-1]
            Pc = np.cumprod(lipB)
            Q = rho / Pc
            Sc = np.cumsum(Q)
            infl = inflation(3 * B + 8, 6)
            e_next = _up((Pc * (e0 + Sc)) * infl + (B + 4) * 4 * _ETA)
            e_states = np.concatenate([[e0], e_next])
        else:
            rho = np.zeros(0)
            lipB = np.zeros(0)
            e_states = np.array([e0])
        ok = np.isfinite(e_states) & (e_states <= e_max)
        nvalid = B + 1 if ok.all() else int(np.argmin(ok))
        if nvalid < B + 1:
            stopped = (f"bound {e_states[nvalid]:.3g} exceeds e_max={e_max:g} at step "
                       f"{t0 + nvalid}")
        # exact residual / loss enclosures on valid states
        ev = e_states[:nvalid]
        dr = _up(rR[:nvalid] + _up(J[:nvalid] * ev * (1 + 2 * _U)))
        r_lo = np.maximum(_dn(r_hat_lo[:nvalid] - dr), 0.0)
        r_hi = _up(r_hat_hi[:nvalid] + dr)
        half_c = 0.5 * c
        l_lo = np.maximum(_dn(half_c * r_lo * r_lo * (1 - 4 * _U)), 0.0)
        l_hi = _up(half_c * r_hi * r_hi * (1 + 4 * _U))
        l_hat = half_c * np.sum(Rhat[:nvalid] * Rhat[:nvalid], axis=(1, 2))
        if nvalid:
            if on_chunk is not None:
                dU = _up(rU[:nvalid] + _up(J[:nvalid] * ev * (1 + 2 * _U)))
                on_chunk(t0, [M[:nvalid] for M in S], Uhat[:nvalid], dU,
                         {"e": ev, "loss_lo": l_lo, "loss_hi": l_hi, "r_lo": r_lo,
                          "r_hi": r_hi})
            last = nvalid == B + 1 and (t0 + B >= steps or B == 0)
            keep = nvalid if last or nvalid < B + 1 else nvalid - 1  # states shared
            lo_all.append(l_lo[:keep])
            hi_all.append(l_hi[:keep])
            hat_all.append(l_hat[:keep])
            if t0 > 0 or keep > 0:
                bounds.append(ev[1:keep] if t0 == 0 else ev[:keep])
            if keep_iterates:
                for i in range(L):
                    kept[i].append(S[i][:keep])
            nsteps = nvalid - 1  # steps whose defect / Lipschitz factor were used
            if nsteps > 0:
                max_def = max(max_def, float(np.max(rho[:nsteps])))
                max_lip = max(max_lip, float(np.max(lipB[:nsteps])))
                log_prod += float(np.sum(np.log(lipB[:nsteps])))
            horizon = t0 + nvalid - 1
        if nvalid < B + 1 or "non-finite" in stopped or t0 + B >= steps:
            break
        e0 = float(e_states[-1])
        state = [M[-1] for M in S]
        t0 += B
    b = np.concatenate(bounds)[: horizon + 1]
    its = [np.concatenate(k)[: horizon + 1] for k in kept] if keep_iterates else None
    return FastShadow(steps=steps, horizon=horizon, stopped=stopped,
                      elapsed=time.perf_counter() - t_start, bounds=b,
                      loss_lo=np.concatenate(lo_all)[: horizon + 1] if lo_all else np.zeros(0),
                      loss_hi=np.concatenate(hi_all)[: horizon + 1] if hi_all else np.zeros(0),
                      loss_hat=np.concatenate(hat_all)[: horizon + 1] if hat_all
                      else np.zeros(0),
                      max_defect=max_def, max_lipschitz=max_lip,
                      lip_product=math.exp(log_prod) if log_prod < 700 else math.inf,
                      iterates=its,
                      details={"e_max": e_max, "depth_N": Nd,
                               "iterates": "python-float" if scalar else "numpy",
                               "arithmetic": "fast-float64 a priori"})
