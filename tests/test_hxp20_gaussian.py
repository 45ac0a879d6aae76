"""Extra tests for hxp20 §5-6 (Gaussian init, experiments): the numerics helpers against
naive references, and long sweeps (marked slow) with their quick siblings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.model import kernels
from boundcheck.model.problem import Problem
from boundcheck.output.figures import curve_panels, heatmap_panels
from theorems.hxp20._gauss_common import (
    BAND_HI,
    BAND_LO,
    binom_tail,
    c_half,
    lyapunov,
    pair_norms,
    rescaled_gaussian,
    scalar_gd_escape,
    scaled_product,
)
from theorems.hxp20.experiments import (
    init_batch,
    min_width_sweep,
    train_relative_losses,
)
from theorems.hxp20.gaussian import _lem53_logmax, escape_sweep, half_net, long_pair_logmax


def test_catalog_constants():
    # Catalog numerics tips: lambda_1 = -0.635, -0.289, -0.135, -0.052; c(d) values.
    assert [round(lyapunov(d), 3) for d in (1, 2, 4, 10)] == [-0.635, -0.289, -0.135, -0.052]
    assert [round(c_half(d), 5) for d in (1, 2, 4, 10)] == [0.79788, 0.88623, 0.93999, 0.97535]


def test_pair_norms_batched_equals_loop(rng):
    As = rescaled_gaussian(rng, (3,) * 9)
    N = pair_norms(As)
    for i in range(8):
        P = np.eye(3)
        for j in range(i, 8):
            P = As[j] @ P
            assert N[i, j] == pytest.approx(np.linalg.norm(P, 2), rel=1e-12)
    # non-square path
    As2 = rescaled_gaussian(rng, (2, 3, 1, 4, 2))
    N2 = pair_norms(As2)
    assert N2[0, 3] == pytest.approx(np.linalg.norm(As2[3] @ As2[2] @ As2[1] @ As2[0], 2))


def test_long_pair_logmax_and_width1_logmax(rng):
    As = rescaled_gaussian(rng, (2,) * 25)
    N = pair_norms(As)
    assert long_pair_logmax(As, 3) == pytest.approx(math.log(np.nanmax(np.triu(N, k=3))))
    logs = np.log(np.abs(rng.standard_normal((4, 30))))
    brute = [max(logs[b, i:j + 1].sum() for i in range(30) for j in range(i + 3, 30))
             for b in range(4)]
    assert np.allclose(_lem53_logmax(logs), brute)


def test_scaled_product_matches_direct_and_survives_underflow(rng):
    Ms = [rng.standard_normal((3, 3)) for _ in range(6)]
    P, ls = scaled_product(Ms)
    direct = Ms[5] @ Ms[4] @ Ms[3] @ Ms[2] @ Ms[1] @ Ms[0]
    assert np.allclose(math.exp(ls) * P, direct, rtol=1e-12, atol=0)
    tiny = [1e-30 * m for m in Ms] * 20  # true product ~ 1e-3600: far below float64
    P2, ls2 = scaled_product(tiny)
    assert np.isfinite(ls2) and ls2 < -8000 and abs(np.linalg.norm(P2) - 1) < 1e-12


def test_half_net_covers_sphere(rng):
    for s in (1, 2, 3):
        net = half_net(s)
        assert np.allclose(np.linalg.norm(net, axis=1), 1)
        u = rng.standard_normal((1500, s))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        dist = np.min(np.linalg.norm(u[:, None, :] - net[None], axis=2), axis=1)
        assert dist.max() <= 0.5


def test_binom_tail_exact():
    from math import comb

    for n, x, s0 in [(5, 0.3, 1), (12, 0.01, 2), (40, 1e-5, 2)]:
        exact = sum(comb(n, s) * x**s for s in range(s0, n + 1))
        assert binom_tail(n, x, s0) == pytest.approx(exact, rel=1e-12)


def test_scalar_escape_kernel_matches_generic_kernels(rng):
    """The width-1 cumprod kernel against boundcheck.model.kernels GD, step by step."""
    L, B, cap = 6, 5, 300
    w0 = rng.standard_normal((B, L)) * 0.6
    y = np.where(rng.random(B) < 0.5, -1.0, 1.0)
    eta = np.full(B, 0.5)
    T = scalar_gd_escape(w0, y, eta, cap)
    for b in range(B):
        prob = Problem(X=np.ones((1, 1)), Y=np.array([[y[b]]]), dims=(1,) * (L + 1))
        Ws = [np.array([[w]]) for w in w0[b]]
        t_esc = cap + 1
        for t in range(cap + 1):
            val, G = kernels.loss_and_gradients(prob, Ws)
            if not (BAND_LO < val < BAND_HI):
                t_esc = t
                break
            Ws = [W - 0.5 * g for W, g in zip(Ws, G, strict=True)]
        assert T[b] == t_esc


def test_orthogonal_experiment_init_is_norm_preserving(rng):
    # m < d_x (row-orthonormal first layer) and m >= d_x: E||f(x)||^2 = ||x||^2.
    for m in (4, 16):
        dims = (8, m, m, 2)
        Ws, alpha = init_batch("orthogonal", rng, dims, 400)
        x = rng.standard_normal(8)
        h = np.broadcast_to(x, (400, 8))[..., None]
        for W in Ws:
            h = W @ h
        ratio = alpha**2 * np.mean(np.sum(h[..., 0] ** 2, axis=1)) / (x @ x)
        assert abs(ratio - 1) < 0.15


def test_orthogonal_trains_where_gaussian_stalls(rng):
    X = rng.standard_normal((16, 4))
    Y = rng.standard_normal((2, 16)) @ X
    o = train_relative_losses(X, Y, "orthogonal", 8, 48, rng, 3, [150])["rel"][:, 0]
    g = train_relative_losses(X, Y, "gaussian", 8, 48, rng, 3, [150])["rel"][:, 0]
    assert np.nanmedian(o) < 1e-3 < np.nanmedian(g)


def test_drawing_helpers_write_pngs(tmp_path):
    vals = np.array([[0.0, -5.0], [np.nan, -20.0]])
    p1 = heatmap_panels(tmp_path / "h.png", [{"title": "a", "values": vals}] * 2, "w", "d",
                        [1, 2], [3, 4], "c", -28, 0)
    p2 = curve_panels(tmp_path / "c.png", [{"title": "t", "curves": [
        {"x": [1, 10, 100], "y": [1, 1e-3, 1e-9], "label": "x"}]}], "t", "l")
    for p in (p1, p2):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_cli_unknown_id(capsys):
    from boundcheck.cli import main

    assert main(["figure", "hxp20.nofig", "--out", "/tmp/bc-nofig"]) == 2
    assert "unknown figure" in capsys.readouterr().err


# ----------------------------------------------------------------------- sweeps
def test_escape_sweep_quick():
    sw = escape_sweep(np.random.default_rng(3), [6, 14], seeds=24, etas=[0.5, 1.0], cap=3000)
    assert sw["median"][1] > sw["median"][0]


@pytest.mark.slow
def test_escape_sweep_full_profile():
    rep = run_result(get("hxp20.thm5_1"), profile="full")
    assert str(rep.verdict) == "consistent", rep.messages
    assert rep.details["matrix_width"]["exp_fit"]["exponent"] > 0


def test_min_width_sweep_quick():
    sw = min_width_sweep(np.random.default_rng(5), [2, 24], [2, 4, 8, 16, 32], 100, 1e-2, 3,
                         {"d_x": 16, "n": 4, "d_y": 2})
    assert sw["gaussian"][1] is not None and sw["gaussian"][1] > sw["gaussian"][0]
    assert sw["orthogonal"][1] is not None and sw["orthogonal"][1] <= sw["gaussian"][1]


@pytest.mark.slow
def test_min_width_full_profile():
    rep = run_result(get("hxp20.fig1"), profile="full")
    assert str(rep.verdict) == "consistent", rep.messages


@pytest.mark.slow
@pytest.mark.parametrize("key", ["hxp20.lem5_3", "hxp20.lem5_2", "hxp20.lem5_3_fixedv",
                                 "hxp20.lem5_4", "hxp20.eq12", "hxp20.def5_nbhd"])
def test_full_profiles(key):
    rep = run_result(get(key), profile="full")
    assert str(rep.verdict) in ("consistent", "holds-numerically"), rep.messages


@pytest.mark.slow
def test_draw_quick_figures(tmp_path):
    from boundcheck.output.figures import draw

    paths = draw("hxp20.fig1", tmp_path, size="quick") + draw("hxp20.fig2", tmp_path,
                                                                size="quick")
    assert {p.suffix for p in paths} == {".png", ".json", ".csv"}
