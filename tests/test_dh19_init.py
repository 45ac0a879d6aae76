"""Extra tests for dh19 setup/init results: the exact distributional shortcuts against direct
matrix simulation, Claim 3.1 by Monte Carlo, the chi-square moment formula by quadrature,
the Chernoff helpers, and the Statistical batch/details hook."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy import stats as sst

from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.result import Result, Source, Statistical
from theorems.dh19 import init_props as ip
from theorems.dh19.setup import data_with_kappa, dh_alpha, dh_problem

KS_LEVEL = 1e-3


def _direct_products(rng, N, dims):
    Ws = [rng.standard_normal((N, dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
    return Ws


def test_bartlett_top_products_match_direct(rng):
    N, L, m, d_out = 3000, 3, 6, 2
    Ws = _direct_products(rng, N, (1,) + (m,) * (L - 1) + (d_out,))
    shortcut = ip.top_products_sv(rng, N, L, m, d_out)
    for i in range(2, L + 1):
        P = Ws[L - 1]
        for k in range(L - 1, i - 1, -1):
            P = P @ Ws[k - 1]
        s = np.linalg.svd(P, compute_uv=False) / m ** ((L - i + 1) / 2)
        for col in (0, -1):
            assert sst.ks_2samp(s[:, col], shortcut[i][:, col]).pvalue > KS_LEVEL, (i, col)


def test_bartlett_bottom_products_match_direct(rng):
    N, L, m = 3000, 4, 5
    X, _, _ = data_with_kappa(rng, 3, 2, 4.0, 1)
    sv_x = np.linalg.svd(X, compute_uv=False)
    Ws = _direct_products(rng, N, (3,) + (m,) * (L - 1) + (1,))
    shortcut = ip.bottom_products_sv(rng, N, L, m, sv_x)
    P = np.broadcast_to(X, (N,) + X.shape)
    for i in range(1, L):
        P = Ws[i - 1] @ P
        s = np.linalg.svd(P, compute_uv=False) / m ** (i / 2)
        for col in (0, -1):
            assert sst.ks_2samp(s[:, col], shortcut[i][:, col]).pvalue > KS_LEVEL, (i, col)


def test_chi2_product_matches_direct(rng):
    N, q, m, d = 4000, 3, 5, 3
    v = rng.standard_normal(d)
    v /= np.linalg.norm(v)
    out = np.broadcast_to(v, (N, d))[..., None]
    for k in range(q):
        out = rng.standard_normal((N, m, d if k == 0 else m)) @ out
    direct = np.log(np.sum(out[..., 0] ** 2, axis=1) / m ** q)
    assert sst.ks_2samp(direct, ip.log_chi2_products(rng, N, q, m)).pvalue > KS_LEVEL


def test_prop6_5_law_matches_direct(rng):
    """l(0) through the exact law vs l(0) of actual Gaussian networks on the same data."""
    p = {"d_in": 4, "r": 2, "d_out": 2, "kappa": 2.0, "phi_norm": 1.0}
    N, m, L = 3000, 5, 3
    seed = int(rng.integers(1 << 30))
    loss_s, _, _, _ = ip._prop6_5_draw(np.random.default_rng(seed), p, N, m, L)
    X, Y, _ = data_with_kappa(np.random.default_rng(seed), p["d_in"], p["r"], p["kappa"],
                              p["d_out"], p["phi_norm"])
    prob = dh_problem(X, Y, m, L)
    Ws = _direct_products(rng, N, prob.dims)
    U = X
    for W in Ws:
        U = W @ U
    loss_d = 0.5 * np.sum((dh_alpha(m, L, p["d_out"]) * U - Y) ** 2, axis=(1, 2))
    assert sst.ks_2samp(loss_s, loss_d).pvalue > KS_LEVEL


def test_claim3_1_monte_carlo(rng):
    """Mean of ||W_{L:1}x||^2/(m^{L-1} d_out ||x||^2) is 1 within 4.5 exact standard errors."""
    N, L, m, d_in, d_out = 20000, 3, 4, 3, 2
    x = rng.standard_normal(d_in)
    out = np.broadcast_to(x, (N, d_in))[..., None]
    for W in _direct_products(rng, N, (d_in,) + (m,) * (L - 1) + (d_out,)):
        out = W @ out
    ratio = np.sum(out[..., 0] ** 2, axis=1) / (float(m) ** (L - 1) * d_out * (x @ x))
    rel_var = (1 + 2 / m) ** (L - 1) * (1 + 2 / d_out) - 1
    assert abs(ratio.mean() - 1) <= 4.5 * math.sqrt(rel_var / N)
    assert abs(ratio.var() / rel_var - 1) < 0.25


@pytest.mark.parametrize("m,lam", [(1, -0.2), (3, 0.5), (10, -2.0), (7, 3.0)])
def test_chi2_moment_formula_by_quadrature(m, lam):
    mp.mp.dps = 30
    dens = lambda z: z ** (mp.mpf(m) / 2 - 1) * mp.e ** (-z / 2) / (
        2 ** (mp.mpf(m) / 2) * mp.gamma(mp.mpf(m) / 2))
    quad = mp.quad(lambda z: z ** lam * dens(z), [0, 1, m, mp.inf])
    assert abs(float(mp.log(quad)) - ip.log_chi2_moment(m, lam)) < 1e-10


@pytest.mark.parametrize("m,c", [(20, 0.5), (200, 0.2), (2000, 0.1)])
def test_chernoff_bounds_dominate_exact_tails(m, c):
    up = sst.chi2.sf(math.exp(c) * m, m)
    lo = sst.chi2.cdf(math.exp(-c) * m, m)
    assert up <= math.exp(ip.log_chernoff_upper(1, m, c))
    assert lo <= math.exp(ip.log_chernoff_lower(1, m, c))
    # and they are not vacuous-by-construction: within a polynomial factor of the tail
    assert math.exp(ip.log_chernoff_upper(1, m, c)) < 50 * math.sqrt(m) * up + 1e-300


def test_statistical_batch_and_details_hook():
    res = Result(id="dh19.hooktest", title="t", source=Source("dh19", "x"), statement="",
                 kind="fact",
                 check=Statistical(lambda rng, p: (int(rng.random() < 0.5), 10),
                                   delta=lambda p: 0.2, details=lambda rng, p: {"fit": 1}),
                 instances=12)
    rep = run_result(res)
    assert rep.counts["trials"] == 120 and rep.details["fit"] == 1
    assert 0 < rep.counts["failures"] <= 12


def test_decay_fits_are_reported_and_decay():
    for key in ("dh19.lem6_1", "dh19.prop6_2", "dh19.prop6_3", "dh19.prop6_5", "dh19.eq21"):
        rep = run_result(get(key))
        fit = rep.details["fit"]
        assert fit is not None and fit["exponent_ci"][1] < 0, (key, fit)


def test_eq22_printed_erratum_and_repair():
    printed = run_result(get("dh19.eq22"))
    repaired = run_result(get("dh19.eq22[repaired]"))
    assert str(printed.verdict) == "refuted" and printed.counts["refuted"] > 0
    assert str(repaired.verdict) == "holds-numerically"


@pytest.mark.slow
@pytest.mark.parametrize("key", ["dh19.lem6_1", "dh19.prop6_2", "dh19.prop6_3",
                                 "dh19.prop6_5", "dh19.factA_chi2", "dh19.eq9", "dh19.prop6_4"])
def test_full_profiles(key):
    rep = run_result(get(key), profile="full")
    assert str(rep.verdict) in ("consistent", "holds-numerically"), rep.messages[:3]
