"""Shadowing of long GD runs in plain float64 with a priori rounding bounds (no Arb per step).

The same inequality as :mod:`boundcheck.certify.shadowing` (read it first),

    e_{t+1} <= Lip_t(e_t) e_t + rho_t,   e_0 = 0,   e_t >= ||W_t - What_t||_F,

for the plain model ``U = alpha W_L ... W_1 X``, loss ``c/2 ||U - Y||_F^2``, between the
EXACT trajectory ``W_{t+1} = Phi(W_t)`` (the stored float64 data, step size and start taken
as real numbers) and the computed float64 iterates ``What_t``; but every per-step quantity is
bounded in float64, vectorized over time, so that horizons of 1e5-1e6 steps cost seconds:

* the iterates are computed by ONE fixed expression (:func:`gd_step_code`; for small widths
  the same expression unrolled on Python floats, :func:`_code_runner`), so the defect
  ``|What_{t+1} - Phi(What_t)|`` is bounded entrywise by the running-error lemma of
  :mod:`boundcheck.certify.fastcert`: ``gamma_N/(1 - gamma_N) (A + B) + B`` with ``A`` the same
  expression evaluated on absolute values (batched over t), ``N = 2 sum_j d_j + n + 8`` and
  ``B`` the underflow term; ``rho_t`` is an upward-rounded Frobenius norm of it;
* ``Lip_t`` is the Gauss-Newton bound of :func:`boundcheck.certify.shadowing.lipschitz_bound`,
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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import RMat, RumpBackend, gamma, gamma_ratio, inflation
from boundcheck.errors import InputError
from boundcheck.model.problem import Problem, check_step_size

_INF = np.inf
#: steps with at most this many flops run as generated straight-line Python (else numpy)
CODEGEN_MAX_FLOPS = 600
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


def _jk(norms: Sequence[np.ndarray], e: float | np.ndarray, a2x2: float, ax: float,
        infl: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Upper bounds ``(J^2, J, K)`` of :func:`boundcheck.certify.shadowing.lipschitz_bound` over the
    balls of radius ``e`` (vectorized; ``norms`` are upper bounds of ``||What_k||_2``)."""
    L = len(norms)
    an = [_up(v + e) for v in norms]
    one = np.ones_like(an[0])
    pre = [one]
    for v in an:
        pre.append(pre[-1] * v)
    suf = [one] * (L + 1)
    for k in range(L - 1, -1, -1):
        suf[k] = suf[k + 1] * an[k]
    J2 = np.zeros_like(one)
    for i in range(L):
        tt = pre[i] * suf[i + 1]
        J2 = J2 + tt * tt
    C2 = np.zeros_like(one)
    for i in range(L):
        for j in range(i + 1, L):
            mid = one
            for k in range(i + 1, j):
                mid = mid * an[k]
            tt = pre[i] * mid * suf[j + 1]
            C2 = C2 + 2 * tt * tt
    J2 = _up(J2 * a2x2 * infl)
    J = _up(np.sqrt(J2) * (1 + 4 * _U))
    K = _up(np.sqrt(_up(C2 * infl)) * (1 + 4 * _U) * ax * (1 + 4 * _U))
    return J2, J, K


# ----------------------------------------------------------------------------- the iterates
def gd_step_code(Ws: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, alpha: float,
                 c: float, eta: float) -> list[np.ndarray]:
    """THE float64 expression of one GD step (the structure of
    ``boundcheck.certify.fastcert._terms``)."""
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


def _flops(dims: Sequence[int], n: int) -> int:
    return 3 * n * sum(dims[j] * dims[j + 1] for j in range(len(dims) - 1))


def _code_runner(dims: Sequence[int], n: int) -> Callable[..., list[tuple[float, ...]]]:
    """Straight-line Python for :func:`gd_step_code` on small widths: every matrix entry is a
    local float and every product/sum is the one numpy would form (summation order aside,
    which the running-error lemma does not depend on), so the rounding bound is the same.
    ``run(state, X, Y, a, ac, eta, steps)`` takes flat row-major tuples and returns the flat
    states ``0 .. steps``."""
    L = len(dims) - 1
    W = [[[f"w{k}_{i}_{j}" for j in range(dims[k])] for i in range(dims[k + 1])]
         for k in range(L)]
    flatW = [v for M in W for row in M for v in row]
    X = [[f"x{i}_{j}" for j in range(n)] for i in range(dims[0])]
    Yv = [[f"y{i}_{j}" for j in range(n)] for i in range(dims[-1])]
    body: list[str] = []
    P = [X]
    for k in range(L):
        Pk = [[f"p{k + 1}_{i}_{j}" for j in range(n)] for i in range(dims[k + 1])]
        for i in range(dims[k + 1]):
            for j in range(n):
                terms = " + ".join(f"{W[k][i][m]} * {P[k][m][j]}" for m in range(dims[k]))
                body.append(f"{Pk[i][j]} = {terms}")
        P.append(Pk)
    SR = [[f"s{L}_{i}_{j}" for j in range(n)] for i in range(dims[L])]
    for i in range(dims[L]):
        for j in range(n):
            body.append(f"{SR[i][j]} = ac * (a * {P[L][i][j]} - {Yv[i][j]})")
    newv = {}
    for k in range(L - 1, -1, -1):
        for r in range(dims[k + 1]):
            for c in range(dims[k]):
                g = " + ".join(f"{SR[r][m]} * {P[k][c][m]}" for m in range(n))
                nv = f"n{k}_{r}_{c}"
                newv[(k, r, c)] = nv
                body.append(f"{nv} = {W[k][r][c]} - eta * ({g})")
        if k:
            S2 = [[f"s{k}_{i}_{j}" for j in range(n)] for i in range(dims[k])]
            for c in range(dims[k]):
                for j in range(n):
                    t = " + ".join(f"{W[k][r][c]} * {SR[r][j]}" for r in range(dims[k + 1]))
                    body.append(f"{S2[c][j]} = {t}")
            SR = S2
    flatN = [newv[(k, i, j)] for k in range(L) for i in range(dims[k + 1])
             for j in range(dims[k])]
    tup = "(" + ", ".join(flatW) + ",)"
    lines = ["def run(state, X, Y, a, ac, eta, steps):",
             f"    {', '.join(flatW)}, = state",
             f"    {', '.join(v for row in X for v in row)}, = X",
             f"    {', '.join(v for row in Yv for v in row)}, = Y",
             f"    out = [{tup}]", "    app = out.append", "    for _ in range(steps):"]
    lines += ["        " + b for b in body]
    lines.append(f"        {', '.join(flatW)} = {', '.join(flatN)}")
    lines.append(f"        app({tup})")
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


def _decrements(nv: int, e: np.ndarray, rho: np.ndarray, rlo: np.ndarray, rhi: np.ndarray,
                rR: np.ndarray, r_up: np.ndarray, J: np.ndarray, norms: list[np.ndarray],
                e_max: float, eta: float, c: float, a2x2: float, ax: float, infl: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """Enclosures of the EXACT one-step decrements ``D(W_s) = l(W_s) - l(Phi(W_s))``,
    ``s < nv - 1``, correlated (much tighter than the difference of two loss enclosures):

    * ``D(What_s)``: ``l(What_s)`` from ``||fl(r_s)|| +- ||rad_r||``, and ``l(Phi(What_s))``
      from ``l(What_{s+1}) +- c (||r(What_{s+1})|| + J rho_s) J rho_s``;
    * ``|D(W) - D(What_s)| <= sup ||grad D|| e_s`` with ``grad D = eta H g + eta Hbar g -
      eta^2 H Hbar g`` (``g = grad l(W)``, ``H`` the Hessian at ``W``, ``Hbar`` its mean on
      ``[Phi(W), W]``), so ``||grad D|| <= eta ||g|| Hb (2 + eta Hb)`` with ``||g|| <= c J r``
      and ``Hb = c (J^2 + r K)`` over the set within ``e2 = e_max + eta c J (r + J e_max)`` of
      ``What_s`` (which holds ``W`` and the segment).
    """
    s = slice(0, nv - 1)
    n1 = slice(1, nv)
    half_c = 0.5 * c
    lo_a = np.maximum(_dn(rlo - rR), 0.0)
    hi_a = _up(rhi + rR)
    lh_lo = np.maximum(_dn(half_c * lo_a * lo_a * (1 - 4 * _U)), 0.0)
    lh_hi = _up(half_c * hi_a * hi_a * (1 + 4 * _U))
    rs = rho[: nv - 1]
    shift = _up(c * _up(r_up[n1] + J[n1] * rs) * J[n1] * rs * (1 + 8 * _U))
    d_lo = _dn(_dn(lh_lo[s] - lh_hi[n1]) - shift)
    d_hi = _up(_up(lh_hi[s] - lh_lo[n1]) + shift)
    g = _up(c * J[s] * _up(r_up[s] + J[s] * e_max) * (1 + 8 * _U))
    e2 = _up(e_max + eta * g * (1 + 4 * _U))
    J2b, Jb, Kb = _jk([v[s] for v in norms], e2, a2x2, ax, infl)
    r2 = _up(r_up[s] + Jb * e2 * (1 + 2 * _U))
    Hb = _up(c * (J2b + r2 * Kb) * (1 + 8 * _U))
    LD = _up(eta * c * Jb * r2 * Hb * (2 + eta * Hb) * (1 + 16 * _U))
    dd = _up(LD * e[s] * (1 + 2 * _U))
    return _dn(d_lo - dd), _up(d_hi + dd)


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
    coded = _flops(dims, n) <= CODEGEN_MAX_FLOPS  # straight-line Python for small widths
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
    for t0, S in iterate_chunks(prob, Ws, eta, steps, chunk):
        B = S[0].shape[0] - 1  # states t0 .. t0 + B of this chunk
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
        norms = [spec_up(M) for M in S]
        J2, J, K = _jk(norms, e_max, a2x2, ax, inf_lip)
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
            # rho / P may underflow when P is huge: give up there (never happens near a
            # minimizer, where the product stays O(1))
            e_next = np.where(Pc < 1e100, e_next, _INF)
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
                enc = {"e": ev, "loss_lo": l_lo, "loss_hi": l_hi, "r_lo": r_lo, "r_hi": r_hi}
                if nvalid > 1:
                    enc["dec_lo"], enc["dec_hi"] = _decrements(
                        nvalid, ev, rho, r_hat_lo, r_hat_hi, rR, r_up, J, norms, e_max,
                        eta, c, a2x2, ax, inf_lip)
                on_chunk(t0, [M[:nvalid] for M in S], Uhat[:nvalid], dU, enc)
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
                               "iterates": "python-float" if coded else "numpy",
                               "arithmetic": "fast-float64 a priori"})


def iterate_chunks(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int,
                   chunk: int = 16384) -> Iterator[tuple[int, list[np.ndarray]]]:
    """The float64 GD iterates of :func:`shadow_gd_fast` (same expression, uncertified):
    yields ``(t0, S)``, ``S`` per layer of shape ``(B + 1, rows, cols)`` holding the states
    ``t0 .. t0 + B`` (consecutive chunks share one state)."""
    X = np.asarray(prob.X, dtype=np.float64)
    Y = np.asarray(prob.Y, dtype=np.float64)
    a, c = float(prob.alpha), float(prob.loss_scale)
    dims, n, L = tuple(prob.dims), prob.n, prob.L
    coded = _flops(dims, n) <= CODEGEN_MAX_FLOPS
    runner = _code_runner(dims, n) if coded else None
    shapes = [(dims[k + 1], dims[k]) for k in range(L)]
    offs = np.cumsum([0] + [r * c_ for r, c_ in shapes])
    Xf, Yf = tuple(float(v) for v in X.ravel()), tuple(float(v) for v in Y.ravel())
    state = [np.array(w, dtype=np.float64) for w in W0]
    t0 = 0
    while True:
        B = min(chunk, steps - t0)
        if coded:
            flat = tuple(float(v) for w in state for v in np.asarray(w).ravel())
            arr = np.array(runner(flat, Xf, Yf, a, a * c, eta, B), dtype=np.float64)
            S = [np.ascontiguousarray(arr[:, offs[k]:offs[k + 1]]).reshape(-1, *shapes[k])
                 for k in range(L)]
        else:
            seq = [state]
            W = state
            for _ in range(B):
                W = gd_step_code(W, X, Y, a, c, eta)
                seq.append(W)
            S = [np.stack([q[i] for q in seq]) for i in range(L)]
        yield t0, S
        if t0 + B >= steps:
            return
        state = [M[-1] for M in S]
        t0 += B
