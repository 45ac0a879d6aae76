"""The residual-curvature bound of the shadowing certificate (issue 13: non-realizable
trajectories certified over 1000 steps)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from flint import arb

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import RumpBackend
from boundcheck.certify import shadowing as sh
from boundcheck.model.problem import Problem


def _U(prob: Problem, Ws: list[np.ndarray]) -> np.ndarray:
    out = prob.X
    for W in Ws:
        out = W @ out
    return prob.alpha * out


def _curvature_matrix(prob: Problem, Ws: list[np.ndarray]) -> np.ndarray:
    """``T_ab = <r, D^2 U[e_a, e_b]>`` over all weight coordinates (U is multilinear in the
    layers: the second derivative is the product with both unit matrices inserted)."""
    r = _U(prob, Ws) - prob.Y
    coords = [(li, idx) for li, W in enumerate(Ws) for idx in np.ndindex(W.shape)]
    T = np.zeros((len(coords), len(coords)))
    for (a, (la, ia)), (b, (lb, ib)) in itertools.product(enumerate(coords), repeat=2):
        if la == lb:
            continue
        Vs = list(Ws)
        Ea, Eb = np.zeros_like(Ws[la]), np.zeros_like(Ws[lb])
        Ea[ia], Eb[ib] = 1.0, 1.0
        Vs[la], Vs[lb] = Ea, Eb
        T[a, b] = float(np.sum(r * _U(prob, Vs)))
    return T


def _instance(seed: int, dims: tuple[int, ...], noise: float, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    d, n = dims[0], dims[0] + 3
    X = rng.standard_normal((d, n))
    Y = rng.standard_normal((dims[-1], n)) * (1 + noise)
    prob = Problem(X=X, Y=Y, dims=dims, alpha=1.3)
    Ws = [scale * rng.standard_normal((dims[i + 1], dims[i])) / np.sqrt(dims[i])
          for i in range(len(dims) - 1)]
    return prob, Ws


def _bound(prob: Problem, Ws: list[np.ndarray], e: float) -> float:
    ops = RumpBackend()
    bc.set_prec(bc.SCALAR_PREC)
    norms = [arb(bc.hi(ops.sigma_max(ops.asarray(W)))) for W in Ws]
    x = arb(bc.hi(ops.sigma_max(ops.asarray(prob.X))))
    al = bc.to_arb(prob.alpha)
    J2, _ = sh.product_sums(norms, arb(e))
    J = (J2 * al * al * x * x).sqrt()
    return bc.hi(sh.residual_curvature_bound(ops, prob, Ws, norms, x, arb(e), J))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dims", [(2, 3, 3, 2), (2, 2, 3, 2, 2), (3, 2, 2)])
def test_bound_contains_the_curvature_norm_over_the_ball(seed: int, dims) -> None:
    prob, Ws = _instance(seed, dims, noise=1.0, scale=1.0 + 0.3 * seed)
    e = 0.05
    B = _bound(prob, Ws, e)
    rng = np.random.default_rng(100 + seed)
    worst = float(np.linalg.norm(_curvature_matrix(prob, Ws), 2))
    for _ in range(6):  # points of the ball B(W, e) (Frobenius over all layers)
        D = [rng.standard_normal(W.shape) for W in Ws]
        s = e * rng.uniform(0.5, 1.0) / np.sqrt(sum(float(np.sum(x * x)) for x in D))
        worst = max(worst, float(np.linalg.norm(
            _curvature_matrix(prob, [W + s * x for W, x in zip(Ws, D, strict=True)]), 2)))
    assert worst <= B, (worst, B)
    assert B < 50 * worst  # not vacuous: within a modest factor of the true norm


def test_bound_vanishes_at_a_least_squares_optimum() -> None:
    """Where ``r X^T = 0`` every ``M_ij`` is 0: only the rounding and ball terms remain,
    while the crude bound ``||r|| ||D^2 U||`` stays of order ||r||."""
    rng = np.random.default_rng(3)
    dims = (2, 3, 2)
    X = rng.standard_normal((2, 6))
    Y = rng.standard_normal((2, 6))
    W1 = rng.standard_normal((3, 2))
    Wls = Y @ np.linalg.pinv(X)  # the least-squares map
    W2 = Wls @ np.linalg.pinv(W1)  # W2 W1 = Wls (W1 has full column rank)
    prob = Problem(X=X, Y=Y, dims=dims, alpha=1.0)
    r = prob.alpha * W2 @ W1 @ X - Y
    assert np.linalg.norm(r) > 1.0 and np.linalg.norm(r @ X.T) < 1e-12
    assert _bound(prob, [W1, W2], 0.0) < 1e-10
    assert np.linalg.norm(_curvature_matrix(prob, [W1, W2]), 2) < 1e-10


def test_non_realizable_run_is_certified_over_its_horizon(monkeypatch) -> None:
    """Quick sibling of the L=10, m=16 measurement (docs/certified.md): a non-realizable
    target (loss floor > 0); the crude bound alone loses the horizon early."""
    prob, W0 = sh._demo_problem(4, 8, 2, 6, seed=0, noise=0.5)
    rep = sh.shadow_gd(prob, W0, 1e-2, 400)
    assert rep.horizon == 400 and rep.stopped == "completed"
    assert rep.losses[-1] > 0.1  # non-realizable: the loss stays away from 0
    assert rep.bounds[rep.horizon] < 1e-8
    monkeypatch.setattr(sh, "residual_curvature_bound", lambda *a, **k: arb(0, float("inf")))
    crude = sh.shadow_gd(prob, W0, 1e-2, 400)
    assert crude.horizon < 400


@pytest.mark.slow
def test_non_realizable_L10_m16_1000_steps() -> None:
    prob, W0 = sh._demo_problem(10, 16, 4, 8, seed=0, noise=0.5)
    rep = sh.shadow_gd(prob, W0, 1e-3, 1000)
    assert rep.horizon == 1000 and rep.losses[-1] > 1.0
