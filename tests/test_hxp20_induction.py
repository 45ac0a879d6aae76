"""Unit checks behind theorems/hxp20/induction.py and appendix_a.py that the registry suite
does not cover: the V-parametrization (units of eta, P, E), vec, the samplers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.check.harness import run_result
from boundcheck.check.registry import lookup
from boundcheck.model import kernels, network
from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem
from theorems.hxp20.appendix_a import OneStep, data_matrix, perturb, v_problem, vec

F64 = get_backend("float64")


def _pair(rng, L=4, m=6, d_x=3, d_y=2, n=3):
    """The same network in W units (paper) and V units (V = W / sqrt m)."""
    X = rng.standard_normal((d_x, n))
    Y = rng.standard_normal((d_y, n))
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    V = [v + 0.05 * rng.standard_normal(v.shape) for v in V0]
    W = [math.sqrt(m) * v for v in V]
    probW = Problem(X=X, Y=Y, dims=dims, alpha=1 / math.sqrt(m ** (L - 1) * d_y))
    probV = v_problem(X, Y, L, m)
    return probW, W, probV, V


def test_v_parametrization_output_and_loss(rng):
    probW, W, probV, V = _pair(rng)
    UW = kernels.forward(probW, W)
    UV = kernels.forward(probV, V)
    assert np.allclose(UW, UV, rtol=1e-13, atol=1e-13)
    assert kernels.loss(probW, W) == pytest.approx(kernels.loss(probV, V), rel=1e-12)


def test_gd_on_W_with_eta_is_gd_on_V_with_eta_over_m(rng):
    m = 6
    probW, W, probV, V = _pair(rng, m=m)
    eta = 0.3 * probW.Y.shape[0] / (2 * probW.L * np.linalg.norm(probW.X, 2) ** 2)
    for _ in range(25):
        W = kernels.gd_step(probW, W, eta)
        V = kernels.gd_step(probV, V, eta / m)
    for w, v in zip(W, V, strict=True):
        assert np.allclose(w, math.sqrt(m) * v, rtol=1e-11, atol=1e-11)
    # the gradient itself scales by sqrt(m): dl/dW = (dl/dV) / sqrt(m)
    for gw, gv in zip(kernels.gradients(probW, W), kernels.gradients(probV, V), strict=True):
        assert np.allclose(gw, gv / math.sqrt(m), rtol=1e-11, atol=1e-13)


def test_P_and_E_units(rng):
    """P_W = P_V / m and alpha_W E_W X = alpha_V E_V X (E with step eta resp. eta/m)."""
    m = 6
    probW, W, probV, V = _pair(rng, m=m)
    PW = network.P_matrix(F64, probW, W)
    PV = network.P_matrix(F64, probV, V)
    assert np.allclose(PW, PV / m, rtol=1e-12, atol=1e-13)
    eta = 0.05
    EW = network.E_term(F64, probW, W, eta)
    EV = network.E_term(F64, probV, V, eta / m)
    lhs = probW.alpha * EW @ probW.X
    rhs = probV.alpha * EV @ probV.X
    assert np.linalg.norm(lhs - rhs) <= 1e-10 * max(np.linalg.norm(rhs), 1e-300) + 1e-15


def test_eq6_output_dynamics_in_v_units(rng):
    """vec(U+ - U) = -eta P_W vec(U - Y) + alpha vec(E X): checks the unit bookkeeping
    that App. A.4's checks rely on."""
    m = 8
    probW, W, probV, V = _pair(rng, m=m)
    eta = 0.02
    U = kernels.forward(probV, V)
    Vn = kernels.gd_step(probV, V, eta / m)
    Un = kernels.forward(probV, Vn)
    P = network.P_matrix(F64, probV, V) / m
    E = network.E_term(F64, probV, V, eta / m)
    rhs = -eta * P @ (U - probV.Y).reshape(-1, order="F") + \
        probV.alpha * (E @ probV.X).reshape(-1, order="F")
    assert np.allclose((Un - U).reshape(-1, order="F"), rhs, atol=1e-13)


def test_P_at_orthogonal_init(rng):
    """P(0) = (L/d_y) X^T X kron I (catalog sym5), in the units OneStep uses."""
    L, m, d_y = 5, 16, 4
    X = data_matrix(rng, 3, 2, 4.0)
    dims = (3,) + (m,) * (L - 1) + (d_y,)
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    inst = {"X": X, "Y": np.zeros((d_y, 2)), "V": V0, "m": m, "eta": 0.01, "mode": "random"}
    st = OneStep(inst, F64)
    assert np.allclose(st.P, (L / d_y) * np.kron(X.T @ X, np.eye(d_y)), atol=1e-12)


def test_vec_is_column_major(rng):
    R = rng.standard_normal((3, 4))
    assert np.array_equal(vec(F64, R).ravel(), R.reshape(-1, order="F"))


@pytest.mark.parametrize("kappa", [1.0, 3.0, 50.0])
def test_data_matrix_condition_number(rng, kappa):
    X = data_matrix(rng, 5, 3, kappa, scale=2.0)
    s = np.linalg.svd(X, compute_uv=False)
    assert s[0] == pytest.approx(2.0, rel=1e-12)
    assert (s[0] / s[-1]) ** 2 == pytest.approx(kappa, rel=1e-10)


def test_aligned_chain_is_tight(rng):
    """The chain perturbation attains (1 + rho)^n - 1 for every pair with j < L."""
    L, m = 5, 4
    dims = (2,) + (m,) * (L - 1) + (3,)
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    rho = 0.01
    V = perturb(rng, V0, rho, "chain+")
    for i in range(1, L):
        for j in range(i, L):
            diff = network.partial_product(F64, V, i, j) - network.partial_product(F64, V0, i, j)
            bound = (1 + rho) ** (j - i + 1) - 1
            assert np.linalg.norm(diff, 2) == pytest.approx(bound, rel=1e-7)
            assert np.linalg.norm(diff, 2) <= bound


def test_trajectory_instances_meet_ec_hypotheses():
    """Every sampled trajectory of thm4_1_ind satisfies the EC hypotheses (by construction)
    and the catalog's smallest instance (L=10, m=16, d_x=n=2, d_y=1) is what is run."""
    rep = run_result(lookup("hxp20.thm4_1_ind")[0], profile="quick")
    assert rep.counts["hypotheses_failed"] == 0
    assert rep.counts["hypotheses_held"] >= 100


@pytest.mark.slow
@pytest.mark.parametrize("rid", ["hxp20.thm4_1_ind", "hxp20.claim4_5", "hxp20.ineqA4_E",
                                 "hxp20.claim4_3", "hxp20.rem4_1", "hxp20.thm4_1",
                                 "hxp20.thm4_1[EC-L2]"])
def test_full_profile(rid):
    rep = run_result(lookup(rid)[0], profile="full")  # [0]: the printed variant of an id
    assert rep.as_expected, (rep.verdict, rep.messages[:3])


@pytest.mark.parametrize("rid", ["hxp20.claim4_5", "hxp20.thm4_1_ind", "hxp20.claim4_3"])
def test_counterexamples_of_broken_variants_recheck(tmp_path, rid):
    """Instances (one-step, per-step and whole-trajectory) serialize exactly: a broken
    variant's counterexample re-checks as refuted from its file alone."""
    from boundcheck.check.harness import recheck
    from boundcheck.check.verdict import Verdict

    res = lookup(rid)[0]
    rep = run_result(res, profile="quick", overrides=res.broken, counterexample_dir=tmp_path)
    assert rep.verdict is Verdict.REFUTED and rep.counterexamples
    again = recheck(rep.counterexamples[0])
    assert again.verdict is Verdict.REFUTED


def test_two_layer_losses_match_kernels(rng):
    """The einsum L = 2 path of hxp20.thm4_1[EC-L2] is GD on the V-parametrized network."""
    from boundcheck.model.init import haar_isometry
    from theorems.hxp20.induction import two_layer_losses

    m, d_x, d_y, n = 12, 3, 2, 3
    X = data_matrix(rng, d_x, n, 2.0)
    Y = rng.standard_normal((d_y, n))
    V = [haar_isometry(rng, m, d_x), haar_isometry(rng, d_y, m)]
    prob = v_problem(X, Y, 2, m)
    eta_V = 0.2 / m
    got = two_layer_losses(X, Y, V[0], V[1], eta_V, 15)
    want = []
    for _ in range(16):
        want.append(kernels.loss(prob, V))
        V = kernels.gd_step(prob, V, eta_V)
    assert np.allclose(got, want, rtol=1e-12, atol=0)
