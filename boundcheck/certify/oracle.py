"""Exact rational reference for tiny instances: GD on the plain model in ``flint.fmpq_mat``.

Float64 inputs are dyadic rationals, so the exact trajectory from a stored float64 state is
computable exactly (denominators grow geometrically with the steps: keep depth, widths and
step counts tiny). Used to cross-check every certified enclosure: the exact value must lie
in the ball (:func:`in_ball`) and the exact iterate within the shadowing bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, arb_mat, fmpq, fmpq_mat

from boundcheck.model.problem import Problem


def q(x: float | int | Fraction) -> fmpq:
    f = Fraction(x)
    return fmpq(f.numerator, f.denominator)


def qmat(a: np.ndarray) -> fmpq_mat:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    return fmpq_mat(a.shape[0], a.shape[1], [q(float(v)) for v in a.ravel()])


def exact_gradients(prob: Problem, Ws: Sequence[fmpq_mat]) -> tuple[fmpq, list[fmpq_mat]]:
    """Loss and gradients of ``c/2 ||alpha W_L..W_1 X - Y||_F^2``, exactly."""
    if prob.kind != "plain":
        raise ValueError("the exact oracle covers the plain model only")
    X, Y = qmat(prob.X), qmat(prob.Y)
    alpha, c = q(prob.alpha), q(prob.loss_scale)
    P = [X]
    for W in Ws:
        P.append(W * P[-1])
    R = P[-1] * alpha - Y
    loss = c / 2 * sum((v * v for v in R.entries()), fmpq(0))
    SR = R * (alpha * c)
    grads: list[Any] = [None] * len(Ws)
    for i in range(len(Ws) - 1, -1, -1):
        grads[i] = SR * P[i].transpose()
        if i:
            SR = Ws[i].transpose() * SR
    return loss, grads


def exact_step(prob: Problem, Ws: Sequence[fmpq_mat], eta: float) -> list[fmpq_mat]:
    e = q(eta)
    _, G = exact_gradients(prob, Ws)
    return [W - g * e for W, g in zip(Ws, G, strict=True)]


def exact_trajectory(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int
                     ) -> list[list[fmpq_mat]]:
    traj = [[qmat(W) for W in W0]]
    for _ in range(steps):
        traj.append(exact_step(prob, traj[-1], eta))
    return traj


def sq_dist(Ws: Sequence[fmpq_mat], Vs: Sequence[np.ndarray]) -> fmpq:
    """``||Ws - Vs||_F^2`` exactly (all layers together)."""
    total = fmpq(0)
    for W, V in zip(Ws, Vs, strict=True):
        for a, b in zip(W.entries(), qmat(V).entries(), strict=True):
            total += (a - b) * (a - b)
    return total


def _arb_q(x: arb) -> tuple[fmpq, fmpq]:
    """Exact midpoint and radius of an arb ball as rationals."""
    m, e = x.mid().man_exp()
    r, er = x.rad().man_exp()
    mid = fmpq(int(m)) * (fmpq(2) ** int(e)) if int(e) >= 0 else fmpq(int(m), 2 ** -int(e))
    rad = fmpq(int(r)) * (fmpq(2) ** int(er)) if int(er) >= 0 else fmpq(int(r), 2 ** -int(er))
    return mid, rad


def in_ball(exact: fmpq_mat | fmpq, enc: Any) -> bool:
    """Whether the exact rational matrix (or scalar) lies in the enclosure ``enc`` (an
    :class:`~boundcheck.arith.rump.RMat`, an ``arb_mat`` or an ``arb``)."""
    if isinstance(enc, arb):
        if not enc.is_finite():  # an unbounded (or indeterminate) ball contains everything
            return True
        mid, rad = _arb_q(enc)
        return abs(exact - mid) <= rad
    if isinstance(enc, arb_mat):
        return all(in_ball(v, x) for v, x in zip(exact.entries(), enc.entries(), strict=True))
    mids = enc.mid.ravel()
    rads = np.zeros_like(mids) if enc.rad is None else enc.rad.ravel()
    return all(not np.isfinite(r) or abs(v - q(float(m))) <= q(float(r))
               for v, m, r in zip(exact.entries(), mids, rads, strict=True))
