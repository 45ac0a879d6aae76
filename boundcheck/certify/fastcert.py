"""Fast certified one-step check in plain float64 (expression-level a priori bounds).

For a GD step of the plain model from an EXACT float64 state (``W``, ``X``, ``Y``, ``alpha``,
``c``, ``eta`` all taken as the real numbers they store), every quantity is a sum of products
of inputs. The classic running-error lemma (Higham, *Accuracy and Stability*, §3.1-3.5;
Rump, Acta Numerica 2010, §3) gives, for any expression computed in round-to-nearest
without division, in any summation order and with or without FMA,

    |fl(e) - e| <= gamma_n * abs(e) + (underflow term),

where ``abs(e)`` is the same expression evaluated on ``|inputs|`` with every ``-`` turned
into ``+`` (so it is computed by running the SAME code on absolute values), and ``n`` is the
rounding depth: a sum adds 1 to the larger depth, a product adds the depths plus 1, a
length-``k`` dot product adds at most ``k``. For the step (layer widths ``d_0..d_L``, ``n``
samples) every output has depth ``<= N = 2 sum_j d_j + n + 8``. The computed ``abs`` value
``A`` satisfies ``abs(e) <= (A + B)/(1 - gamma_N)``, so ``gamma_N/(1 - gamma_N) (A + B) + B``
bounds the error, evaluated with :func:`boundcheck.arith.rump._finish` (inflation factors
covering its own rounding). ``B`` bounds underflow: each of the at most ``T`` product nodes
of an expression tree contributes ``eta/2`` times a co-factor product, itself at most the
expression evaluated on ``max(|input|, 1)``; both are bounded by a product over the factors
of ``(dims + 1) * max(max|entry|, 1)``, squared (negligible unless entries reach ~1e140).

Cost: the step and forward passes are run twice (midpoint, absolute values) plus once on
``|W| + rad``: about 3x plain float64. Radii are of order ``gamma_N * abs`` -- looser than
Arb (~1e-8 at L=10, m=16 where ``prod ||abs(V_k)||`` is large) but ample to certify descent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import RMat, _finish, gamma, gamma_ratio
from boundcheck.errors import InputError
from boundcheck.model.problem import Problem

_INF = np.inf


def _up(x: np.ndarray) -> np.ndarray:
    return np.nextafter(x, _INF)


def _terms(Ws: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray, alpha: float, c: float,
           eta: float, sub: bool) -> tuple[list[np.ndarray], float]:
    """New weights (``W - eta G`` or, for ``sub=False``, ``W + eta G``) and the loss.

    With ``sub=False`` and absolute inputs (``Y`` passed as ``-|Y|``) this evaluates
    ``abs(e)`` of every output."""
    P = [X]
    for W in Ws:
        P.append(W @ P[-1])
    R = alpha * P[-1] - Y
    loss = 0.5 * c * float(np.sum(R * R))
    SR = (alpha * c) * R
    new: list[np.ndarray] = [None] * len(Ws)  # type: ignore[list-item]
    for i in range(len(Ws) - 1, -1, -1):
        G = SR @ P[i].T
        new[i] = Ws[i] - eta * G if sub else Ws[i] + eta * G
        if i:
            SR = Ws[i].T @ SR
    return new, loss


def _forward(Ws: Sequence[np.ndarray], X: np.ndarray, alpha: float) -> np.ndarray:
    out = X
    for W in Ws:
        out = W @ out
    return alpha * out


def _underflow(mats: Sequence[np.ndarray], dims: Sequence[int], scalars: Sequence[float]
               ) -> float:
    """A generous bound ``B`` of the accumulated underflow (see module docstring)."""
    f = 1.0
    D = max(dims) + 1
    for M in mats:
        f *= D * max(float(np.max(np.abs(M), initial=0.0)), 1.0)
    for s in scalars:
        f *= max(abs(s), 1.0) + 1.0
    val = (f * f) * 4.0 * bc.ETA * 2.0**60  # 2^60 absorbs the rounding of f itself
    return math.nextafter(val, math.inf) if math.isfinite(val) else math.inf


@dataclass
class FastStep:
    new: list[RMat]           # enclosures of the exact new weights
    loss_old: tuple[float, float]   # enclosure of the exact loss at W
    loss_new: tuple[float, float]   # enclosure of the loss over the whole new ball
    descent: bool | None      # certified l(new) < l(W)

    @property
    def max_radius(self) -> float:
        return max(float(B.rad.max(initial=0.0)) for B in self.new)


def _loss_bounds(Rm: np.ndarray, rho: np.ndarray, c: float) -> tuple[float, float]:
    """Bounds of ``c/2 ||R||^2`` over ``|R - Rm| <= rho`` (``Rm`` exact, ``rho >= 0``)."""
    hi_ = np.abs(Rm) + rho
    np.nextafter(hi_, _INF, out=hi_)
    lo_ = np.abs(Rm) - rho
    np.nextafter(lo_, -_INF, out=lo_)
    np.maximum(lo_, 0.0, out=lo_)
    N = Rm.size
    g = gamma(N + 1)
    s_hi = float(np.sum(hi_ * hi_))
    s_lo = float(np.sum(lo_ * lo_))
    up = (s_hi + (N + 1) * bc.ETA) / (1 - g) * (1 + 4 * bc.U)
    dn = (s_lo - (N + 1) * bc.ETA) / (1 + g) * (1 - 4 * bc.U)
    half_c_hi = math.nextafter(0.5 * c, math.inf)
    half_c_lo = math.nextafter(0.5 * c, -math.inf)
    return (max(0.0, math.nextafter(half_c_lo * max(dn, 0.0) * (1 - 2 * bc.U), -math.inf)),
            math.nextafter(half_c_hi * up * (1 + 2 * bc.U), math.inf))


def fast_one_step(prob: Problem, Ws: Sequence[np.ndarray], eta: float) -> FastStep:
    """Certify one GD step from the exact state ``Ws`` (plain model), float64 only."""
    if prob.kind != "plain":
        raise InputError("the fast certified step covers the plain model only")
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    X, Y, a, c = prob.X, prob.Y, float(prob.alpha), float(prob.loss_scale)
    dims, n = prob.dims, prob.n
    N = 2 * sum(dims) + n + 8
    Nl = 2 * N + Y.size + 4  # the loss squares and sums the residual
    # midpoints and absolute-value evaluation of the same expressions
    mid, loss_mid = _terms(Ws, X, Y, a, c, eta, sub=True)
    absW = [np.abs(W) for W in Ws]
    Aval, loss_abs = _terms(absW, np.abs(X), -np.abs(Y), a, c, eta, sub=False)
    B = _underflow(Ws + [X, Y], dims, [a, c, eta])
    G = gamma_ratio(N)
    new = [RMat(M, _finish(A, G, 4 * (B + bc.ETA))) for M, A in zip(mid, Aval, strict=True)]
    gl = gamma(Nl)
    err_l = (gl / (1 - gl)) * (loss_abs + B) * (1 + 4 * bc.U) + B
    err_l = math.nextafter(err_l, math.inf)
    loss_old = (math.nextafter(loss_mid - err_l, -math.inf),
                math.nextafter(loss_mid + err_l, math.inf))
    # loss over the new ball: U' = a prod W'_k X with |W'_k - mid_k| <= rad_k
    # depth: the leaves |m| + r are rounded (+1 per layer), the chain adds sum_j d_j, alpha 1
    gf = gamma(sum(dims[:-1]) + prob.L + 4)
    Um = _forward(mid, X, a)
    absmid = [np.abs(M) for M in mid]
    Af = _forward(absmid, np.abs(X), a)                         # ~ abs(U_mid)
    H = _forward([np.abs(M.mid) + M.rad for M in new], np.abs(X), a)  # ~ a prod(|m|+r)|X|
    Bf = _underflow([M.mid for M in new] + [M.rad for M in new] + [X], dims, [a])
    c1 = 1 / (1 - gf) * (1 + 4 * bc.U)
    c2 = 1 / (1 + gf) * (1 - 4 * bc.U)
    upH = np.nextafter((H + Bf) * c1, _INF)         # >= exact a prod(|m|+r)|X|
    dnA = np.nextafter((Af - Bf) * c2, -_INF)       # <= exact a prod|m||X|
    upA = np.nextafter((Af + Bf) * c1, _INF)        # >= exact a prod|m||X|
    # |U' - Um| <= (prod(|m|+r) - prod|m|)|X| a + gamma abs(U_mid) + B
    rho = _up(upH - dnA)
    rho = _up(rho + _up(gf * upA))
    rho = _up(rho + Bf)
    Rm = Um - Y  # one more rounding: <= u |Rm|
    rho = _up(rho + _up(bc.U * np.abs(Rm)))
    rho = _up(rho + bc.ETA)
    loss_new = _loss_bounds(Rm, rho, c)
    descent = bc.decided(loss_new[1] < loss_old[0], loss_new[0] >= loss_old[1])
    return FastStep(new=new, loss_old=loss_old, loss_new=loss_new, descent=descent)
