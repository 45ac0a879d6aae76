"""Extra tests for theorems/dh19/induction.py and theorem.py (dh19 §7 and Thm 4.1)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.check.harness import recheck, run_result
from boundcheck.check.registry import get
from boundcheck.model import kernels, network
from boundcheck.model.problem import Problem
from theorems.dh19 import induction as ind

F64 = get_backend("float64")


def _w_problem(X: np.ndarray, Y: np.ndarray, m: int, L: int) -> Problem:
    """dh19 eq. (1) in the paper's own W units: alpha = 1/sqrt(m^{L-1} d_y)."""
    d = Y.shape[0]
    return Problem(X=X, Y=Y, dims=ind.dims_of(X.shape[0], m, d, L),
                   alpha=1.0 / math.sqrt(float(m) ** (L - 1) * d))


def _setup(rng: np.random.Generator, L: int = 4, m: int = 6, d: int = 2, r: int = 3):
    X = ind.make_X(rng, 4, r, 3.0)
    Y = rng.standard_normal((d, r))
    V = ind.gaussian_V(rng, ind.dims_of(4, m, d, L))
    return X, Y, V


def test_v_units_reproduce_w_gd(rng):
    """GD on W with step eta equals GD on V = W/sqrt(m) with step eta/m (same U, loss)."""
    L, m = 4, 6
    X, Y, V = _setup(rng, L, m)
    W = [v * math.sqrt(m) for v in V]
    pv, pw = ind.v_problem(X, Y, m, L), _w_problem(X, Y, m, L)
    eta = 0.5 * ind.eta_max(X, L, Y.shape[0])
    for _ in range(5):
        assert kernels.loss(pv, V) == pytest.approx(kernels.loss(pw, W), rel=1e-12)
        V = kernels.gd_step(pv, V, eta / m)
        W = kernels.gd_step(pw, W, eta)
    for v, w in zip(V, W, strict=True):
        np.testing.assert_allclose(v * math.sqrt(m), w, rtol=1e-10, atol=1e-12)


def test_paper_P_matches_eq7_in_w_units(rng):
    """P(t) of eq. (7), built naively in W units, equals paper_P (V units / m)."""
    L, m = 3, 5
    X, Y, V = _setup(rng, L, m)
    d = Y.shape[0]
    W = [v * math.sqrt(m) for v in V]
    P = np.zeros((X.shape[1] * d,) * 2)
    for i in range(1, L + 1):
        below = X.copy()
        for k in range(1, i):
            below = W[k - 1] @ below
        above = np.eye(d)
        for k in range(L, i, -1):
            above = above @ W[k - 1]
        P += np.kron(below.T @ below, above @ above.T)
    P /= float(m) ** (L - 1) * d
    got = ind.paper_P(F64, ind.v_problem(X, Y, m, L), V)
    np.testing.assert_allclose(got, P, rtol=1e-12)


def test_E_term_equals_subset_expansion_and_relaxation_bounds_it(rng):
    """E(t) = sum over |S| >= 2 of (-eta)^s products (eqE_def) and E_relaxation >= ||E X||."""
    L, m = 4, 5
    X, Y, V = _setup(rng, L, m)
    prob = ind.v_problem(X, Y, m, L)
    eta_v = 0.3
    G = kernels.gradients(prob, V)
    direct = np.zeros((Y.shape[0], X.shape[0]))
    for s in range(2, L + 1):
        for S in itertools.combinations(range(1, L + 1), s):
            term = np.eye(X.shape[0])
            for k in range(1, L + 1):
                term = ((-eta_v) * G[k - 1] if k in S else V[k - 1]) @ term
            direct += term
    E = network.E_term(F64, prob, V, eta_v)
    np.testing.assert_allclose(E, direct, rtol=1e-9, atol=1e-12)
    assert np.linalg.norm(E @ X) <= ind.E_relaxation(F64, prob, V, eta_v) * (1 + 1e-12)


def test_subset_sum_bound_equals_brute_force(rng):
    L, m = 6, 5
    X, Y, V0 = _setup(rng, L, m)
    D = [0.1 * rng.standard_normal(v.shape) for v in V0]
    mids = {k: np.linalg.norm(M, 2) for k, M in ind.middle_products(F64, V0).items()}

    def seg(lo: int, hi: int) -> float:
        return 1.0 if lo > hi else mids[(lo, hi)]

    for (i, j) in mids:
        brute = 0.0
        ks = range(i, j + 1)
        for s in range(1, len(ks) + 1):
            for S in itertools.combinations(ks, s):
                val = np.prod([np.linalg.norm(D[k - 1]) for k in S])
                edges = [i - 1, *S, j + 1]
                for a, b in itertools.pairwise(edges):
                    val *= seg(a + 1, b - 1)
                brute += val
        got = ind.subset_sum_bound(F64, V0, D, i, j, mids)
        assert got == pytest.approx(brute, rel=1e-12)


def test_iso_state_attains_the_bands(rng):
    X = ind.make_X(rng, 3, 2, 4.0)
    V = ind.iso_state(rng, X, ind.dims_of(3, 8, 2, 5), 1.25)
    sx, sn = ind.data_floats(X)
    for T in ind.top_products(F64, V).values():
        np.testing.assert_allclose(np.linalg.svd(T, compute_uv=False), 1.25, rtol=1e-14)
    for P in ind.bottom_products(F64, V, X).values():
        s = np.linalg.svd(P, compute_uv=False)
        assert s[0] == pytest.approx(1.25 * sx, rel=1e-14)
        assert s[-1] == pytest.approx(1.25 * sn, rel=1e-14)


def test_rho_limit_is_the_ec72_threshold():
    sx, sn, L, c4 = 2.0, 1.0, 5, 2.0
    rho = ind.rho_limit(L, c4, sx, sn, 0.05)
    terms = ind.ec72_terms(F64, L, c4 * math.sqrt(L), rho, sx, sn)
    assert all(a <= b for a, b in terms.values())
    terms = ind.ec72_terms(F64, L, c4 * math.sqrt(L), rho * 1.001, sx, sn)
    assert any(a > b for a, b in terms.values())


def test_ecF_limit_is_monotone_threshold():
    L, m, d, eta, sx, sn = 4, 32, 2, 0.01, 2.0, 1.0
    betaF = 2.05 * math.sqrt(L)
    ell = ind.ell_limit_F(L, m, d, eta, sx, sn, betaF)
    lhs, rhs = ind.ecF_sides(F64, L, m, d, eta, ell * 0.99, sx, sn, betaF)
    assert lhs <= rhs
    lhs, rhs = ind.ecF_sides(F64, L, m, d, eta, ell * 1.01, sx, sn, betaF)
    assert lhs > rhs


def test_broken_counterexample_file_rechecks(tmp_path):
    """A refuted broken instance is stored and re-refuted from the file alone."""
    r = get("dh19.eq7_3_eig")
    rep = run_result(r, overrides=r.broken, counterexample_dir=tmp_path)
    assert rep.counterexamples
    again = recheck(rep.counterexamples[0])
    assert str(again.verdict) == "refuted"


def test_thm41_details_report_constants():
    rep = run_result(get("dh19.thm4_1"))
    d = rep.details
    assert d["C_emp_max"] < d["C_proof_EC_min"]
    assert "fit_m_star_vs_L" in d and d["fit_m_star_vs_L"]["n_points"] >= 3


@pytest.mark.slow
@pytest.mark.parametrize("key", ["dh19.indA", "dh19.indB", "dh19.indC", "dh19.claim7_1",
                                 "dh19.claim7_2", "dh19.eqF", "dh19.claim7_3",
                                 "dh19.eq7_3_contr", "dh19.eq7_3_eig", "dh19.eq19"])
def test_full_profile(key):
    rep = run_result(get(key), profile="full")
    assert str(rep.verdict) == "holds-numerically", rep.messages[:3]
    assert rep.counts["hypotheses_held"] >= 20
