"""Certified whole-run enclosures of GD from ZAS (wwm19 Thm. 4.3, eq. (4.5); App. A.3).

Wu, Wang & Ma, NeurIPS 2019. Theorem 4.3 speaks of the EXACT GD trajectory
``W_l(t+1) = W_l(t) - eta grad_l R(W(t))`` from the ZAS start (stored float64 ``Phi`` and
``eta`` taken as real numbers). :func:`boundcheck.certify.fastshadow.shadow_gd_fast` bounds
``e_t >= ||W(t) - What(t)||_F`` for every ``t`` up to its certified horizon and encloses the
exact loss ``R(t)`` and the exact one-step decrements ``R(t) - R(t+1)``. Along the run, for
the exact iterate (float iterate plus a ball of radius ``e_t``), this module bounds above:

* ``max_l ||D_l(t)||_2`` (``l <= L-2``) and ``||I + D_{L-1}(t)||_2`` -- float64 ``D_hat`` plus
  the a priori rounding of ``W^T W - W W^T`` plus the perturbation ``2 e (||W_l|| + ||W_{l+1}||)
  + 2 e^2``;
* ``max_{l<L} ||W_l(t)||_2`` (-> alpha), ``||W_L(t)||_2`` (beta), ``||W_{L:1}(t)||_2``;
* ``sum_{s<t} R(s)`` (from the loss enclosures);

and below (keys ``*_lo``, downward-rounded): the same maxima of ``||D_l||_2``, ``||I +
D_{L-1}||_2``, ``alpha^{2(L-1)} beta^2`` and ``||W_{L:1}||_2``, from ``||M||_2 >= max_ij
|M_ij|`` of the float64 matrix minus the same rounding and perturbation terms (so a
violation can be proved, not only the bound).

Upper bounds prove ``x <= rhs``, lower bounds refute it: they enter conditions as
:class:`boundcheck.certify.runbound.RunBound` through ``bound_condition`` (never as plain
floats), which decides only in the sound direction. Runs are cached by
content (the detection-threshold bisection re-evaluates the same instances).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import gamma_ratio
from boundcheck.certify.fastshadow import _dn, _up, fro_up, shadow_gd_fast, spec_up
from boundcheck.model import residual as rs
from boundcheck.model.problem import Problem

_U = bc.U
_CACHE: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 64
#: per-step contraction is decided where the decrement enclosure is narrower than this
#: fraction of the claimed decrease (eta/2) R(t)
RESOLVED = 0.05


def _maxabs(M: np.ndarray) -> np.ndarray:
    """``max_ij |M_ij|`` of a batch (exact), a lower bound of ``||M||_2``."""
    return np.max(np.abs(M), axis=(-1, -2))


class _Tracker:
    def __init__(self, L: int, d: int) -> None:
        self.L, self.d = L, d
        self.D_max = 0.0  # max_t max_{l<=L-2} ||D_l(t)||_2 (upper bound)
        self.E_max = 0.0  # max_t ||I + D_{L-1}(t)||_2
        self.alpha_max = 1.0  # max_t max(1, max_{l<L} ||W_l(t)||_2)
        self.beta_max = 0.0
        self.ab_max = 0.0  # max_t alpha(t)^{2(L-1)} beta(t)^2
        self.apow_max = 1.0  # max_t alpha(t)^{2(L-1)}
        # lower bounds of the same maxima (0: nothing proved)
        self.D_lo = self.E_lo = self.ab_lo = self.prod_lo = 0.0
        self.prod_max = 0.0  # max_t ||W_{L:1}(t)||_2
        self.loss_lo: list[np.ndarray] = []
        self.loss_hi: list[np.ndarray] = []
        self.dec_lo: list[np.ndarray] = []
        self.dec_hi: list[np.ndarray] = []
        self.last = -1

    def __call__(self, t0: int, S: list[np.ndarray], Uhat: np.ndarray, dU: np.ndarray,
                 enc: dict[str, np.ndarray]) -> None:
        # consecutive chunks share one state: keep each t once
        k0 = self.last - t0 + 1
        e = enc["e"][k0:]
        S = [M[k0:] for M in S]
        d, L = self.d, self.L
        g = gamma_ratio(d + 2)
        norms = [_up(spec_up(M) + e) for M in S]  # >= ||W_l(t)||_2 for the exact iterate
        # <= ||W_l(t)||_2: ||M||_2 >= max |M_ij| (exact), minus ||W - What||_F <= e
        lows = [np.maximum(_dn(_maxabs(M) - e), 0.0) for M in S]
        for l in range(L - 1):  # D_{l+1} = W_{l+2}^T W_{l+2} - W_{l+1} W_{l+1}^T
            A, B = S[l + 1], S[l]
            At = np.swapaxes(A, -1, -2)
            Bt = np.swapaxes(B, -1, -2)
            Dh = At @ A - B @ Bt
            if l == L - 2:
                Dh = Dh + np.eye(d)
            absb = np.abs(At) @ np.abs(A) + np.abs(B) @ np.abs(Bt) + (np.eye(d) if l == L - 2
                                                                        else 0.0)
            rnd = _up(fro_up(absb) * g * (1 + 4 * _U) + 8 * bc.ETA)
            pert = _up((2 * e * (norms[l] + norms[l + 1]) + 2 * e * e) * (1 + 8 * _U))
            ub = _up(_up(spec_up(Dh) + rnd) + pert)
            lb = np.maximum(_dn(_dn(_maxabs(Dh) - rnd) - pert), 0.0)
            if l == L - 2:
                self.E_max = max(self.E_max, float(np.max(ub)))
                self.E_lo = max(self.E_lo, float(np.max(lb)))
            else:
                self.D_max = max(self.D_max, float(np.max(ub)))
                self.D_lo = max(self.D_lo, float(np.max(lb)))
        if L >= 2:
            alpha = np.maximum(1.0, np.max(np.stack(norms[:-1]), axis=0))
        else:
            alpha = np.ones_like(e)
        beta = norms[-1]
        self.alpha_max = max(self.alpha_max, float(np.max(alpha)))
        self.beta_max = max(self.beta_max, float(np.max(beta)))
        apow = _up(np.power(alpha, 2 * (L - 1)) * (1 + 2 ** -40))
        ab = _up(apow * beta * beta * (1 + 4 * _U))
        self.apow_max = max(self.apow_max, float(np.max(apow)))
        self.ab_max = max(self.ab_max, float(np.max(ab)))
        a_lo = np.maximum(1.0, np.max(np.stack(lows[:-1]), axis=0)) if L >= 2 else \
            np.ones_like(e)
        ab_lo = _dn(np.power(a_lo, 2 * (L - 1)) * (1 - 2 ** -40) * lows[-1] * lows[-1]
                    * (1 - 4 * _U))
        self.ab_lo = max(self.ab_lo, float(np.max(ab_lo)))
        self.prod_max = max(self.prod_max, float(np.max(_up(fro_up(Uhat[k0:]) + dU[k0:]))))
        self.prod_lo = max(self.prod_lo, float(np.max(_dn(_maxabs(Uhat[k0:]) - dU[k0:]))))
        self.loss_lo.append(enc["loss_lo"][k0:])
        self.loss_hi.append(enc["loss_hi"][k0:])
        n = len(enc["loss_lo"])
        if n >= 2:  # decrements for s = t0 .. t0+n-2; keep those with s > last-1
            s0 = max(0, self.last - t0)
            self.dec_lo.append(enc["dec_lo"][s0:])
            self.dec_hi.append(enc["dec_hi"][s0:])
        self.last = t0 + n - 1


def zas_run(Phi: np.ndarray, L: int, eta: float, steps: int, e_max: float = 1e-6
            ) -> dict[str, Any]:
    """Shadowed GD run of ``steps`` steps from ZAS; enclosures and maxima (module docstring)."""
    Phi = np.asarray(Phi, dtype=np.float64)
    key = (Phi.tobytes(), Phi.shape, L, float(eta), int(steps), e_max)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    d = Phi.shape[0]
    tr = _Tracker(L, d)
    prec = bc.ctx.prec  # a cache hit changes no setting, so a miss must not either
    sh = shadow_gd_fast(Problem.for_target(Phi, (d,) * (L + 1)), rs.zas_init(L, d), eta,
                        steps, e_max=e_max, on_chunk=tr)
    loss_lo = np.concatenate(tr.loss_lo)[: sh.horizon + 1]
    loss_hi = np.concatenate(tr.loss_hi)[: sh.horizon + 1]
    dec_lo = np.concatenate(tr.dec_lo)[: sh.horizon] if tr.dec_lo else np.zeros(0)
    dec_hi = np.concatenate(tr.dec_hi)[: sh.horizon] if tr.dec_hi else np.zeros(0)
    csum_hi = _up(np.concatenate([[0.0], np.cumsum(loss_hi[:-1])]) * (1 + (steps + 2) * _U))
    out = {"horizon": sh.horizon, "steps": steps, "complete": sh.horizon >= steps,
           "stopped": sh.stopped, "e_final": float(sh.bounds[sh.horizon]),
           "lip_product": float(sh.lip_product), "elapsed": float(sh.elapsed),
           "loss_lo": loss_lo, "loss_hi": loss_hi, "dec_lo": dec_lo, "dec_hi": dec_hi,
           "loss_hat": np.asarray(sh.loss_hat[: sh.horizon + 1]),
           "sum_R_hi": float(csum_hi[-1]), "D_max": tr.D_max, "E_max": tr.E_max,
           "alpha_max": tr.alpha_max, "beta_max": tr.beta_max, "ab_max": tr.ab_max,
           "apow_max": tr.apow_max, "prod_max": tr.prod_max, "D_lo": tr.D_lo,
           "E_lo": tr.E_lo, "ab_lo": tr.ab_lo, "prod_lo": tr.prod_lo}
    bc.set_prec(prec)
    _CACHE[key] = out
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return out


def decay_ratio_bounds(run: dict[str, Any], eta: float, rate: float
                       ) -> tuple[float, float, int]:
    """Bounds ``(hi, lo, argmax)`` of ``max_{t>=1} R(t) / ((1 - rate eta)^t R(0))`` over the
    run (exact iterates): ``hi`` from the upper loss enclosures over lower bounds of the
    decay, ``lo`` from the lower enclosures over upper bounds (t = 0 is the identity
    R(0) <= R(0) and is left out, so the margin says how much room the rate leaves).
    ``(1 - rate eta)^t`` is enclosed without trusting libm: with t = kB + j, by
    q^(kB) q^j, both powers enclosed by Arb (2 sqrt(T) + B evaluations), products rounded
    outward."""
    lhi, llo = run["loss_hi"], run["loss_lo"]
    R0_lo, R0_hi = float(llo[0]), float(lhi[0])
    if R0_lo <= 0 or rate * eta >= 1:
        return math.inf, -math.inf, 0
    n = len(lhi)
    if n < 2:
        return 0.0, 0.0, 0
    from flint import arb

    # a fixed working precision: the one left by whatever ran before (e.g. a shadowing run
    # skipped on a cache hit) must not change the enclosure, or a report would depend on
    # the order instances ran in
    bc.set_prec(128)
    q = 1 - arb(rate) * arb(eta)
    B = max(1, int(math.isqrt(n)))
    pw = [q ** j for j in range(B)]
    qB = q ** B
    PW = [qB ** k for k in range(n // B + 1)]
    t = np.arange(n)
    s_lo, s_hi = (np.array([f(x) for x in pw]) for f in (bc.lo, bc.hi))
    b_lo, b_hi = (np.array([f(x) for x in PW]) for f in (bc.lo, bc.hi))
    bound_lo = _dn(_dn(b_lo[t // B] * s_lo[t % B]) * R0_lo)
    bound_hi = _up(_up(b_hi[t // B] * s_hi[t % B]) * R0_hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        hi = _up(lhi / bound_lo)
        lo = _dn(llo[:n] / bound_hi)
    hi[0] = lo[0] = -math.inf
    k = int(np.argmax(hi))
    return float(hi[k]), float(np.max(lo)), k


def contraction_lower(run: dict[str, Any], eta: float) -> dict[str, Any]:
    """Certified lower bound of ``min_t (R(t) - R(t+1)) / (eta R(t))`` over the resolved steps
    (decrement enclosure narrower than RESOLVED * (eta/2) R(t)); counts of unresolved steps."""
    dlo, dhi = run["dec_lo"], run["dec_hi"]
    llo, lhi = run["loss_lo"][: len(dlo)], run["loss_hi"][: len(dlo)]
    claim = _dn(0.5 * eta * llo * (1 - 2 * _U))
    ok = (_up(dhi - dlo) <= RESOLVED * claim) & (llo > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slack_lo = _dn(dlo / _up(eta * lhi * (1 + 2 * _U)) * (1 - 2 * _U))
        slack_hat = (run["loss_hat"][: len(dlo)] - run["loss_hat"][1: len(dlo) + 1]) / (
            eta * run["loss_hat"][: len(dlo)])
        slack_hi = _up(dhi / _dn(eta * llo * (1 - 2 * _U)) * (1 + 2 * _U))
    res = {"resolved": int(np.sum(ok)), "unresolved": int(np.sum(~ok)),
           "min_slack_lo": float(np.min(slack_lo[ok])) if ok.any() else math.nan,
           # an upper bound of the same minimum: a refutation needs this below the rate
           "min_slack_hi": float(np.min(slack_hi[ok])) if ok.any() else math.nan,
           "first_unresolved": int(np.argmax(~ok)) if (~ok).any() else -1}
    fin = np.isfinite(slack_hat) & (run["loss_hat"][: len(dlo)] > 1e-12 * run["loss_hat"][0])
    res["float_slack_range"] = ([float(-np.max(slack_hat[fin])), float(-np.min(slack_hat[fin]))]
                                if fin.any() else [math.nan, math.nan])
    return res
