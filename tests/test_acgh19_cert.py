"""Certified acgh19 Thm. 1 / Lemma 1 (theorems/acgh19/_cert.py) and the fast float64
shadowing they rest on (boundcheck/fastshadow.py)."""

from __future__ import annotations

import numpy as np
import pytest
from flint import arb, ctx

from boundcheck.certify.fastshadow import fro_lo, fro_up, shadow_gd_fast, spec_up
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict
from boundcheck.model.problem import Problem
from theorems.acgh19._cert import sigma_min_upper
from theorems.acgh19._main_common import eta_thm1

CERT_LABELS = {"rump-float64", "arb-128", "arb-256", "arb-512", "arb-1024"}


@pytest.mark.parametrize("key", ["acgh19.thm1", "acgh19.lem1"])
def test_ball_verdict_holds_on_at_least_10_instances(key):
    rep = run_result(get(key), backend="ball")
    assert rep.verdict is Verdict.HOLDS, rep.messages[:3]
    assert rep.certified and rep.counts["hypotheses_held"] >= 10
    assert rep.counts["conclusions_held"] == rep.counts["hypotheses_held"]
    assert set(rep.details["arithmetic"]) <= CERT_LABELS
    msg = rep.tightness["message"]
    if key == "acgh19.thm1":  # whole horizon certified, slack and descent ratio reported
        assert "certified horizon" in msg and "slack T/t_hit=" in msg
        h = msg.split("certified horizon ")[1].split(" ")[0]
        assert h.split("/")[0] == h.split("/")[1]
        assert "min certified descent ratio>=" in msg
    else:
        assert "eq. (9)" in msg


@pytest.mark.parametrize("key", ["acgh19.thm1", "acgh19.lem1"])
@pytest.mark.parametrize("backend", ["ball", "float64"])
def test_broken_variants_rejected(key, backend):
    r = get(key)
    rep = run_result(r, backend=backend, overrides=r.broken)
    assert rep.verdict is Verdict.REFUTED, (rep.verdict, rep.messages[:2])
    if backend == "ball":
        assert set(rep.details["arithmetic"]) <= CERT_LABELS


def test_float64_behaviour_unchanged():
    for key in ("acgh19.thm1", "acgh19.lem1"):
        rep = run_result(get(key), backend="float64")
        assert rep.verdict is Verdict.HOLDS_NUMERICALLY


def test_thm1_uncertified_horizon_is_never_holds():
    """With an e_max the bound cannot meet, the horizon is cut short: inconclusive."""
    rep = run_result(get("acgh19.thm1"), backend="ball", overrides={"e_max": 1e-14},
                     instances=3)
    assert rep.verdict is Verdict.INCONCLUSIVE
    assert rep.counts["inconclusive"] == 3


# ----------------------------------------------------------------------------- cross-check
def _exact_trajectory(prob: Problem, W0, eta: float, steps: int, prec: int = 400):
    """Arb enclosures (``prec`` bits) of the EXACT GD trajectory of the plain model."""
    old = ctx.prec
    ctx.prec = prec
    try:
        def mm(A, B):
            return [[sum((A[i][k] * B[k][j] for k in range(len(B))), arb(0))
                     for j in range(len(B[0]))] for i in range(len(A))]

        def tr(A):
            return [list(r) for r in zip(*A, strict=True)]

        def conv(M):
            return [[arb(float(v)) for v in row] for row in np.asarray(M)]

        Ws = [conv(W) for W in W0]
        X, Y = conv(prob.X), conv(prob.Y)
        a, c, e = arb(prob.alpha), arb(prob.loss_scale), arb(eta)
        out, losses = [Ws], []
        for t in range(steps + 1):
            P = [X]
            for W in Ws:
                P.append(mm(W, P[-1]))
            R = [[a * u - y for u, y in zip(ru, ry, strict=True)]
                 for ru, ry in zip(P[-1], Y, strict=True)]
            losses.append(c / 2 * sum((v * v for row in R for v in row), arb(0)))
            if t == steps:
                break
            SR = [[a * c * v for v in r] for r in R]
            new = [None] * len(Ws)
            for i in range(len(Ws) - 1, -1, -1):
                G = mm(SR, tr(P[i]))
                new[i] = [[w - e * g for w, g in zip(rw, rg, strict=True)]
                          for rw, rg in zip(Ws[i], G, strict=True)]
                if i:
                    SR = mm(tr(Ws[i]), SR)
            Ws = new
            out.append(Ws)
        return out, losses
    finally:
        ctx.prec = old


def _upper(x: arb) -> float:
    return float(x.mid()) + float(x.rad())


@pytest.mark.parametrize("coded", [True, False])
@pytest.mark.parametrize("dims,steps,eta", [((1, 1, 1), 200, 2e-2), ((2, 2, 2), 60, 2e-2),
                                            ((1, 2, 3, 1), 60, 1e-2)])
def test_shadowing_bound_contains_exact_trajectory(dims, steps, eta, coded, monkeypatch):
    """Scalar N = 2 over 200 steps and small matrix runs, iterates from the generated
    straight-line code and from numpy: every exact iterate (Arb, 400 bits) lies within the
    bound, every exact loss inside its enclosure."""
    import boundcheck.certify.fastshadow as fs

    if not coded:
        monkeypatch.setattr(fs, "CODEGEN_MAX_FLOPS", -1)
    rng = np.random.default_rng(3)
    Phi = rng.standard_normal((dims[-1], dims[0]))
    prob = Problem.for_target(Phi, dims)
    W0 = [0.8 * rng.standard_normal((dims[j + 1], dims[j])) for j in range(len(dims) - 1)]
    decs: list[tuple[int, np.ndarray, np.ndarray]] = []
    sh = fs.shadow_gd_fast(prob, W0, eta, steps, keep_iterates=True, chunk=17,
                           on_chunk=lambda t0, S, U, dU, enc: decs.append(
                               (t0, enc["dec_lo"], enc["dec_hi"])))
    assert sh.horizon == steps
    exact, losses = _exact_trajectory(prob, W0, eta, steps)
    # correlated decrement enclosures contain the exact l(W_s) - l(W_{s+1})
    n_dec = 0
    for t0, dlo, dhi in decs:
        for k in range(len(dlo)):
            d = losses[t0 + k] - losses[t0 + k + 1]
            assert dlo[k] <= float(d.mid() - d.rad()) and _upper(d) <= dhi[k]
            n_dec += 1
    assert n_dec == steps
    worst = 0.0
    for t in range(steps + 1):
        d2 = arb(0)
        for i, W in enumerate(exact[t]):
            for r, row in enumerate(W):
                for c_, v in enumerate(row):
                    x = v - arb(float(sh.iterates[i][t][r, c_]))
                    d2 += x * x
        dist = _upper(d2.sqrt())
        assert dist <= sh.bounds[t], (t, dist, sh.bounds[t])
        worst = max(worst, dist / max(sh.bounds[t], 1e-300))
        lo_, hi_ = losses[t].mid() - losses[t].rad(), _upper(losses[t])
        assert sh.loss_lo[t] <= float(lo_) and float(hi_) <= sh.loss_hi[t]
    # not vacuous: the bound is within a factor 1000 of the real distance somewhere
    assert worst > 1e-3


def test_fast_shadowing_long_scalar_horizon_bounded():
    """Thm. 1's catalog instance (N = 2, Phi = 1, c = 0.95, eps = 1e-10, T = 986,125) is a
    slow run; the quick sibling certifies 100,000 steps and checks e_t ~ t * 1e-16."""
    c, N = 0.95, 2
    eta = eta_thm1(c, N, 1.0, {}) * (1 - 1e-12)
    w = c ** 0.5
    prob = Problem.for_target(np.array([[1.0]]), (1, 1, 1))
    sh = shadow_gd_fast(prob, [np.array([[w]]), np.array([[w]])], eta, 100_000)
    assert sh.certified_all
    assert sh.bounds[-1] <= 100_000 * 1e-14
    assert sh.lip_product < 1.1
    assert np.all(sh.loss_lo <= sh.loss_hi)
    assert np.all(np.diff(sh.loss_hi[::1000]) < 0)  # the exact loss decreases


@pytest.mark.slow
def test_fast_shadowing_catalog_instance_full_horizon():
    c, N = 0.95, 2
    eta = eta_thm1(c, N, 1.0, {}) * (1 - 1e-12)
    w = c ** 0.5
    prob = Problem.for_target(np.array([[1.0]]), (1, 1, 1))
    sh = shadow_gd_fast(prob, [np.array([[w]]), np.array([[w]])], eta, 986_125)
    assert sh.certified_all and sh.loss_hi[-1] <= 1e-10


# ----------------------------------------------------------------------------- norm bounds
def test_norm_bounds_enclose_mpmath_values():
    import mpmath

    rng = np.random.default_rng(5)
    for shape in [(1, 1), (2, 2), (3, 2), (2, 3), (4, 4)]:
        M = rng.standard_normal((50, *shape)) * np.exp(rng.uniform(-5, 5, (50, 1, 1)))
        up, lo_, sp = fro_up(M), fro_lo(M), spec_up(M)
        smin = sigma_min_upper(M)
        with mpmath.workprec(200):
            for b in range(50):
                A = mpmath.matrix(M[b].tolist())
                f = mpmath.sqrt(sum(x * x for x in A))
                sv = mpmath.svd_r(A, compute_uv=False)
                svals = sorted(float(v) for v in sv)
                assert lo_[b] <= f <= up[b]
                assert mpmath.mpf(svals[-1]) <= sp[b]
                assert mpmath.mpf(sorted(sv)[0]) <= smin[b]
                assert smin[b] <= svals[0] * (1 + 1e-12) + 1e-300


def test_cross_check_detects_a_too_small_defect(monkeypatch):
    """The exact-trajectory cross-check is discriminating: with the rounding constant
    gamma_N / (1 - gamma_N) divided by 1000, the bound misses the exact iterate."""
    import boundcheck.certify.fastshadow as fs

    real = fs.gamma_ratio
    monkeypatch.setattr(fs, "gamma_ratio", lambda k: real(k) * 1e-3)
    rng = np.random.default_rng(3)
    dims, steps, eta = (2, 2, 2), 60, 2e-2
    Phi = rng.standard_normal((dims[-1], dims[0]))
    prob = Problem.for_target(Phi, dims)
    W0 = [0.8 * rng.standard_normal((dims[j + 1], dims[j])) for j in range(len(dims) - 1)]
    sh = fs.shadow_gd_fast(prob, W0, eta, steps, keep_iterates=True)
    exact, _ = _exact_trajectory(prob, W0, eta, steps)
    missed = 0
    for t in range(1, steps + 1):
        d2 = arb(0)
        for i, W in enumerate(exact[t]):
            for r, row in enumerate(W):
                for c_, v in enumerate(row):
                    x = v - arb(float(sh.iterates[i][t][r, c_]))
                    d2 += x * x
        missed += float(d2.sqrt().mid()) > sh.bounds[t]
    assert missed > 0


def test_thm1_ball_counterexample_files_recheck(tmp_path):
    """The certified refutation of the broken horizon (T_factor 0.2) is reproducible from
    the stored instance alone."""
    from boundcheck.check.harness import recheck

    r = get("acgh19.thm1")
    rep = run_result(r, backend="ball", overrides=r.broken, instances=3,
                     counterexample_dir=tmp_path)
    assert rep.verdict is Verdict.REFUTED and rep.counterexamples
    for f in rep.counterexamples:
        again = recheck(f, backend="ball")
        assert again.verdict is Verdict.REFUTED and again.certified
