"""Certified GD runs of the transformed ResNet by shadowing (zlg20 Thm 3.1, (A.1), ind. 3.1).

The exact GD trajectory ``W_{t+1} = Phi(W_t) = W_t - eta grad L(W_t)`` from ``W_0 = 0``
(stored float64 inputs taken as exact) is followed by the float64 iterates ``What_t``;
``e_t >= ||W_t - What_t||_F`` is propagated by ``e_{t+1} <= Lip_t e_t + rho_t`` with

* ``rho_t`` the Arb-enclosed one-step defect ``||What_{t+1} - Phi(What_t)||_F`` (Arb at 128
  bits from the exact ``What_t``);
* ``Lip_t`` the Gauss-Newton bound of :mod:`boundcheck.certify.shadowing` for the residual
  map ``R(W) = B P(W) A X - Y`` over the ball ``B(What_t, e_t)``: ``max(1, eta J^2 - 1) +
  eta (||R(What_t) - R*|| + J e) K`` with ``J^2 = (lam_A lam_B ||X||)^2 sum_l prod_{j!=l} a_j^2``,
  ``K = lam_A lam_B ||X|| ||C||_F``, ``C_ls = prod_{j!=l,s} a_j``, ``a_j = 1 + ||What_j||_F
  + e`` (the fixed A, B enter only through ``||A|| ||B||``; the same derivation as there with
  the frozen layers' norms pulled out: ``||D R[D]|| <= lam_A lam_B ||X|| sum_l c_l ||D_l||``,
  ``||D^2 R[D, D]|| <= lam_A lam_B ||X|| ||C||_F ||D||^2``). The residual enters only as
  ``R - R*``: ``R* = Phi X - Y`` satisfies ``R* X^T = 0``, and ``D R[D]``, ``D^2 R[D,D]`` are
  of the form ``M X``, so ``<R*, D^2 R[D, D]> = 0`` and ``J^T R* = 0``.

On the certified horizon, every exact-iterate quantity is enclosed: ``Delta_t = 1/2 ||R(W_t)
- R*||^2`` (``R* = Phi X - Y`` exact for the orthogonal-row data) within
``1/2 (||R(What_t) - R*|| +- J e_t)^2``; ``||W_l(t)||_F <= ||What_l||_F + e_t``; the total
gradient norm within ``||grad(What_t)|| +- H e_t`` with ``H = J^2 + (||R|| + J e) K``.
Each run-wide extremum is returned with both an upper and a lower bound (``worst_rate`` /
``worst_rate_lo``, ``worst_radius`` / ``worst_radius_lo``, ``min_descent_lo`` /
``min_descent``... see :func:`certified_gd`), upward/downward rounded, so a condition on it
is proved by one side and refuted only by the other
(:func:`boundcheck.certify.runbound.bound_condition`).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from flint import arb

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.arb import ArbBackend
from boundcheck.certify.shadowing import product_sums
from boundcheck.model import transformed_resnet as tr

#: a descent step is resolved when its enclosure's width is below this times the bound's gap
RESOLVED = 0.5


def _JK(norms: list[arb], lam: arb, e: arb) -> tuple[arb, arb]:
    J2, C2 = product_sums(norms, e)
    return (J2 * lam * lam).sqrt(), lam * C2.sqrt()


def certified_gd(inst: dict, eta: float, rho: arb, delta0: arb, Rstar: Any, lam: arb,
                 steps_max: int, stop_rel: float, e_max: float = 1e-8) -> dict:
    """Shadow the GD run; returns the worst certified ratios over the run: upper and lower
    bounds of ``max_t Delta_t / ((1 - rho)^t Delta_0)`` (``worst_rate``, ``worst_rate_lo``)
    and of ``max_{t,l} ||W_l(t)||_F`` (``worst_radius``, ``worst_radius_lo``); lower and upper
    bounds of the minima over the resolved steps of the two (A.1) ratios (``min_descent``,
    ``min_descent_hi``, ``min_pl``, ``min_pl_hi``).

    Stops when both the computed ``Delta_t`` and the bound ``(1 - rho)^t Delta_0`` are below
    ``stop_rel * Delta_0`` (then every t of the run was checked), at ``steps_max``
    (``completed = False``), or when ``e_t > e_max`` (``completed = False``)."""
    A, B, X, Y, L = inst["A"], inst["B"], inst["X"], inst["Y"], inst["L"]
    ab = ArbBackend(prec=128)
    bc.set_prec(bc.SCALAR_PREC)
    m = A.shape[0]
    W = [np.zeros((m, m)) for _ in range(L)]
    e = arb(0)
    ceta = arb(eta)
    one_minus = 1 - rho
    bound = delta0
    worst_rate = 0.0  # max_t hi(Delta_t / bound_t)
    worst_rate_lo = 0.0  # max_t lo(Delta_t / bound_t)
    worst_radius = 0.0  # max_t,l hi(||W_l(t)||_F)
    worst_radius_lo = 0.0  # max_t,l lo(||W_l(t)||_F)
    # certified lower bounds of (L_{t-1} - L_t) / (eta/2 sum_l ||grad_l(W_{t-1})||^2) and of
    # (L_{t-1} - L_t) / (rho Delta_{t-1}); (A.1) says both are >= 1
    min_descent = math.inf
    min_pl = math.inf
    min_descent_hi = math.inf  # upper bounds of the same minima (over the same steps)
    min_pl_hi = math.inf
    unresolved = 0
    completed = False
    t0 = time.perf_counter()
    lip_prod = arb(1)
    prev = None  # (Delta_lo, Delta_hi, gradsq_lo) at t-1
    t = 0
    stop_hi = delta0 * arb(stop_rel)
    while t <= steps_max:
        G, R = tr._grads_from(ab, A, B, W, X, Y)
        dR = ab.fro_norm(ab.sub(R, Rstar))
        norms = [arb(1) + ab.fro_norm(ab.asarray(w)) for w in W]
        J, K = _JK(norms, lam, e)
        # R* X^T = 0 (normal equations, exact Phi) makes <R*, M X> = 0 for every M, and both
        # D R[D] and D^2 R[D, D] have the form M X: only R - R* enters the curvature term
        H = J * J + (dR + J * e) * K
        d_lo = (dR - J * e).nonnegative_part()
        d_hi = dR + J * e
        D_lo, D_hi = d_lo * d_lo / 2, d_hi * d_hi / 2
        gsum = arb(0)
        for g in G:
            gn = ab.fro_norm(g)
            gsum += gn * gn
        gn_hi = gsum.sqrt() + H * e
        g_hi = gn_hi * gn_hi
        gn_lo = (gsum.sqrt() - H * e).nonnegative_part()
        g_lo = gn_lo * gn_lo
        if t > 0:  # at t = 0 both sides are the same number Delta_0
            worst_rate = max(worst_rate, bc.hi(D_hi / bound))
            worst_rate_lo = max(worst_rate_lo, bc.lo(D_lo / bound))
        for w in W:
            wn = ab.fro_norm(ab.asarray(w))
            worst_radius = max(worst_radius, bc.hi(wn + e))
            worst_radius_lo = max(worst_radius_lo, bc.lo(wn - e))
        if prev is not None:
            pD_lo, pD_hi, pg_hi, pg_lo = prev
            # decrease L_{t-1} - L_t = Delta_{t-1} - Delta_t >= pD_lo - D_hi
            dec_lo = bc.lo(pD_lo - D_hi)
            need = bc.hi(ceta * pg_hi / 2)
            need2 = bc.hi(rho * pD_hi)
            width = bc.hi((D_hi - D_lo) + (pD_hi - pD_lo))
            if dec_lo > 0 and need > 0 and width <= RESOLVED * need:
                min_descent = min(min_descent, bc.lo(arb(dec_lo) / arb(need)))
                min_pl = min(min_pl, bc.lo(arb(dec_lo) / arb(need2)))
                # the same ratios from above: largest decrease over smallest claimed one
                dec_hi = bc.hi(pD_hi - D_lo)
                need_lo = bc.lo(ceta * pg_lo / 2)
                need2_lo = bc.lo(rho * pD_lo)
                min_descent_hi = min(min_descent_hi, bc.hi(arb(dec_hi) / arb(need_lo))
                                     if need_lo > 0 else math.inf)
                min_pl_hi = min(min_pl_hi, bc.hi(arb(dec_hi) / arb(need2_lo))
                                if need2_lo > 0 else math.inf)
            elif bc.scalar_mid(pD_hi) > stop_rel * bc.scalar_mid(delta0):
                unresolved += 1  # below 1e-12 Delta_0 the float64 run is at its floor
        prev = (D_lo, D_hi, g_hi, g_lo)
        dhat = bc.scalar_mid(dR) ** 2 / 2
        if dhat <= stop_rel * bc.scalar_mid(delta0) and bc.hi(bound) <= bc.lo(stop_hi):
            completed = True
            break
        if t == steps_max:
            break
        # one step: exact image of What_t (Arb) vs the float64 iterate
        new = [ab.sub(ab.asarray(w), ab.scale(ceta, g)) for w, g in zip(W, G, strict=True)]
        W_next = tr.np_gd_step(A, B, W, X, Y, eta)
        if not all(np.all(np.isfinite(w)) for w in W_next):
            break
        defect = arb(0)
        for nb, w in zip(new, W_next, strict=True):
            dd = ab.fro_norm(ab.sub(nb, ab.asarray(w)))
            defect += dd * dd
        defect = defect.sqrt()
        first = ceta * J * J - 1
        first = arb(max(1.0, bc.hi(first)))
        lip = first + ceta * (dR + J * e) * K
        lip_prod = lip_prod * lip
        e = arb(bc.hi(lip * e + defect))
        if bc.hi(e) > e_max:
            break
        W = W_next
        bound = bound * one_minus
        t += 1
    return {"completed": completed, "steps": t, "e_final": bc.hi(e), "worst_rate": worst_rate,
            "worst_rate_lo": worst_rate_lo, "worst_radius": worst_radius,
            "worst_radius_lo": worst_radius_lo, "min_descent": min_descent,
            "min_descent_hi": min_descent_hi, "min_pl": min_pl, "min_pl_hi": min_pl_hi,
            "unresolved": unresolved, "lip_product": bc.hi(lip_prod),
            "elapsed_s": round(time.perf_counter() - t0, 3)}


def float_gd(inst: dict, eta: float, rho: float, delta0: float, lstar: float,
             steps_max: int, stop_rel: float) -> dict:
    """The same run in float64 (non-certified backends)."""
    A, B, X, Y, L = inst["A"], inst["B"], inst["X"], inst["Y"], inst["L"]
    m = A.shape[0]
    W = [np.zeros((m, m)) for _ in range(L)]
    worst_rate = worst_radius = 0.0
    min_descent = min_pl = math.inf
    prevL = None
    prevg = None
    t = 0
    completed = False
    log1m = math.log1p(-rho)
    while t <= steps_max:
        G, R = tr.np_grads(A, B, W, X, Y)
        Lt = 0.5 * float(np.sum(R * R))
        D = Lt - lstar
        bnd = math.exp(t * log1m) * delta0
        floor = 1e-13 * (Lt + delta0)
        if bnd > floor and t > 0:
            worst_rate = max(worst_rate, D / bnd)
        worst_radius = max([worst_radius] + [float(np.linalg.norm(w)) for w in W])
        gs = sum(float(np.sum(g * g)) for g in G)
        if prevL is not None and eta * prevg / 2 > 1e3 * floor and D > stop_rel * delta0:
            min_descent = min(min_descent, (prevL - Lt) / (eta * prevg / 2))
            min_pl = min(min_pl, (prevL - Lt) / (rho * (prevL - lstar)))
        prevL, prevg = Lt, gs
        if D <= stop_rel * delta0 and bnd <= stop_rel * delta0:
            completed = True
            break
        W = [w - eta * g for w, g in zip(W, G, strict=True)]
        t += 1
    return {"completed": completed, "steps": t, "worst_rate": worst_rate,
            "worst_radius": worst_radius, "min_descent": min_descent, "min_pl": min_pl}
