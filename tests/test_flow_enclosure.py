"""Validated gradient-flow enclosures (boundcheck.certify.flow_enclosure, issue 13).

Closed forms are enclosed, the float64 DOP853 run agrees, radii meet the target at the
quick sizes, a wrong claim is not certified, and a failed step gives an infinite
enclosure (never a value). Heavy sizes: benchmarks/bench_flow_enclosure.py and the slow
test at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from flint import arb

from boundcheck.certify.flow_enclosure import (
    _Prec,
    enclose,
    enclose_flow,
    enclose_scalar_zas,
    relative_radius,
)
from boundcheck.model import residual as rs
from boundcheck.model.flow import run_flow
from boundcheck.model.problem import Problem

PHI = np.array([[0.5, -1.25], [2.0, 0.75]])
W0 = np.array([[1.0, 0.5], [0.0, -1.0]])


def _contains(ball: arb, x: arb) -> bool:
    return bool(ball.contains(x))


def test_linear_flow_encloses_closed_form() -> None:
    """L = 1: dW/dt = -(W - Phi), W(t) = Phi + (W0 - Phi) e^{-t}."""
    enc = enclose_flow([W0], PHI, 4.0)
    assert enc.complete
    assert relative_radius(enc.final) <= 1e-8
    with _Prec(128, 8):
        for t in ("0", "0.37", "1.5", "2.9", "4"):
            e = arb(t).exp() ** -1 if t != "0" else arb(1)
            exact = [arb(float(p)) + (arb(float(w)) - arb(float(p))) * e
                     for p, w in zip(PHI.ravel(), W0.ravel(), strict=True)]
            got = enc.state_at(arb(t))
            assert all(_contains(g, x) for g, x in zip(got, exact, strict=True)), t
        # hull over an interval contains every point of it
        hull = enc.state_over(1, 2)
        for t in (1.0, 1.25, 1.9, 2.0):
            e = arb(-t).exp()
            for g, p, w in zip(hull, PHI.ravel(), W0.ravel(), strict=True):
                assert _contains(g, arb(p) + (arb(w) - arb(p)) * e)


@dataclass
class _Riccati:
    """x' = s x^2 (closed form x0 / (1 - s x0 t))."""

    s: int

    def field(self, z: list) -> list:
        return [self.s * z[0] * z[0]]


def test_scalar_closed_form_and_blowup() -> None:
    enc = enclose(_Riccati(-1), [1], 3.0)
    assert enc.complete
    with _Prec(128, 8):
        for t in ("0.5", "1", "2.75", "3"):
            assert _contains(enc.state_at(arb(t))[0], 1 / (1 + arb(t)))
    # x' = x^2 from 1 blows up at t = 1: the enclosure stops, queries past it are infinite
    bad = enclose(_Riccati(1), [1], 2.0, h_min=1e-4)
    assert not bad.complete and bad.message
    assert not bad.state_at(1.5)[0].is_finite()
    assert not bad.final[0].is_finite()
    assert bad.extremes(lambda xs, ts: xs[0])["complete"] is False


def test_too_large_minimal_step_is_not_a_value() -> None:
    """A stiff flow with h_min forced above what the a-priori test accepts."""
    enc = enclose_scalar_zas(2.0, 50, 4.0, h_min=0.5, order=8)
    assert not enc.complete
    assert not enc.final[0].is_finite()


def test_scalar_zas_matches_float_flow_and_radius() -> None:
    L, c = 10, 2.0
    enc = enclose_scalar_zas(c, L, 4.0, order=12)
    assert enc.complete
    assert relative_radius(enc.final) <= 1e-8
    prob = Problem.for_target(np.array([[c]]), (1,) * (L + 1))
    run = run_flow(prob, rs.zas_init(L, 1), 4.0, [0.0, 1.0, 4.0], rtol=1e-10)
    b_float = float(run.final[-1][0, 0])
    b = enc.final[0]
    assert abs(float(b.mid()) - b_float) <= float(b.rad()) + 1e-8
    # the reduction's invariant w_l = sqrt(1 + b^2) holds for the float run too
    assert abs(float(run.final[0][0, 0]) - np.sqrt(1 + b_float ** 2)) < 1e-8


def test_matrix_zas_matches_float_flow_and_scalar_reduction() -> None:
    rng = np.random.default_rng(3)
    Phi = np.round(rng.standard_normal((2, 2)), 3)
    enc = enclose_flow(rs.zas_init(2, 2), Phi, 4.0, order=14)
    assert enc.complete and relative_radius(enc.final) <= 1e-8
    prob = Problem.for_target(Phi, (2, 2, 2))
    run = run_flow(prob, rs.zas_init(2, 2), 4.0, [0.0, 4.0], rtol=1e-10)
    zf = np.concatenate([W.ravel() for W in run.final])
    for ball, x in zip(enc.final, zf, strict=True):
        assert abs(float(ball.mid()) - x) <= float(ball.rad()) + 1e-8
    # d = 1, L = 3 full flow against the exact 1-D reduction: w_L agrees
    full = enclose_flow(rs.zas_init(3, 1), np.array([[-1.0]]), 2.0, order=14)
    red = enclose_scalar_zas(-1.0, 3, 2.0, order=12)
    assert full.final[-1].overlaps(red.final[0])


def test_wrong_claim_is_not_certified() -> None:
    """L = 1: R(t) = e^{-2t} R(0) exactly; e^{2.2 t} R(t) <= R(0) is false and refuted,
    and e^{2t} R(t) <= 0.999 R(0) is not certified."""
    enc = enclose_flow([W0], PHI, 4.0)
    obs = enc.system.observables
    R0 = 0.5 * float(np.sum((W0 - PHI) ** 2))
    wrong = enc.extremes(lambda xs, ts: (arb(2.2) * ts).exp() * obs(xs)["R"])
    assert wrong["max"].lower() > R0 * 1.5
    right = enc.extremes(lambda xs, ts: (2 * ts).exp() * obs(xs)["R"])
    assert not (right["max"] <= 0.999 * R0)
    assert right["max"].contains(arb(R0))


def test_thm4_1_certified_and_broken_refuted() -> None:
    import theorems.wwm19.flow as fl
    from boundcheck.arith import get_backend
    from boundcheck.check.registry import get
    from boundcheck.check.verdict import evaluate

    r = get("wwm19.thm4_1")
    p = dict(r.resolve_params("quick", None))
    ops = get_backend("ball")
    cases = [{"L": 3, "d": 1, "scalar": False, "Phi": np.array([[0.75]])},
             {"L": 60, "d": 1, "scalar": True, "c": -1.0},
             {"L": 1, "d": 2, "scalar": False, "Phi": PHI}]
    for inst in cases:
        conds = fl._thm41_concl(inst, ops, p)
        assert all(evaluate(c, ops).status is True for c in conds), inst
        broken = fl._thm41_concl(inst, ops, {**p, "rate": 2.6})
        assert any(evaluate(c, ops).status is False for c in broken), inst


@pytest.mark.slow
def test_target_sizes() -> None:
    """Issue targets: scalar L = 1000 and full matrix L d^2 = 20 on [0, 4], radius <= 1e-8."""
    enc = enclose_scalar_zas(2.0, 1000, 4.0, order=12)
    assert enc.complete and relative_radius(enc.final) <= 1e-8
    rng = np.random.default_rng(1)
    Phi = np.round(rng.standard_normal((2, 2)), 3)
    enc = enclose_flow(rs.zas_init(5, 2), Phi, 4.0, order=16)
    assert enc.complete and relative_radius(enc.final) <= 1e-8


def test_step_bounds_enclose_the_true_extremes() -> None:
    """L = 1: R(t) = R(0) e^{-2t} is decreasing, so on each step inf = R(t_k + h) and
    sup = R(t_k); both lie inside the certified [inf_lo, inf_hi] and [sup_lo, sup_hi]."""
    enc = enclose_flow([W0], PHI, 2.0)
    R0 = arb(0.5 * float(np.sum((W0 - PHI) ** 2)))
    sb = enc.step_bounds(lambda xs, ts: enc.system.observables(xs)["R"])
    with _Prec(128, 8):
        for s, b in zip(enc.steps, sb, strict=True):
            top, bot = R0 * (-2 * s.t0).exp(), R0 * (-2 * (s.t0 + s.h)).exp()
            assert b["sup_lo"] <= top.upper() and top.lower() <= b["sup_hi"]
            assert b["inf_lo"] <= bot.upper() and bot.lower() <= b["inf_hi"]
            assert b["sup_hi"] - b["sup_lo"] < 1e-9 * R0
