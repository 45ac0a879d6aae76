"""Fused vocabulary operations of ``rump`` (issue 13, "Speed"): ``fused_gd_step`` and
``fused_loss`` (stacked a-priori-bounded kernels of :mod:`boundcheck.certify.fastcert`).

Every enclosure is checked against the exact rational step/loss (python-flint ``fmpq``,
:mod:`boundcheck.certify.oracle`), for exact and ball inputs (points of the input balls,
corners included), huge/tiny magnitudes, an overflow and a subnormal ``loss_scale``; the
fused path must be the one taken in the benchmark configuration, and must agree with the
generic composition of ops (both contain the exact value, radii within a sane factor).
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from flint import arb, fmpq, fmpq_mat

from boundcheck.arith import get_backend
from boundcheck.arith.rump import RMat, RumpBackend
from boundcheck.certify import fastcert as fc
from boundcheck.certify.oracle import exact_gradients, exact_step, in_ball, q, qmat
from boundcheck.model import network
from boundcheck.model.problem import Problem


class GenericRump(RumpBackend):
    """``rump`` without its fused operations: the generic composition of ops."""

    def fused_gd_step(self, *a):
        return NotImplemented

    def fused_loss(self, *a):
        return NotImplemented


def _instance(rng, scale_w=0.6, scale_x=1.0, scale_y=1.0):
    L = int(rng.integers(1, 4))
    dims = tuple(int(x) for x in rng.integers(1, 4, size=L + 1))
    n = int(rng.integers(1, 4))
    prob = Problem(X=rng.standard_normal((dims[0], n)) * scale_x,
                   Y=rng.standard_normal((dims[-1], n)) * scale_y, dims=dims,
                   alpha=float(rng.choice([1.0, 0.5, 1.3])),
                   loss_scale=float(rng.choice([1.0, 0.5, 0.7, 5e-324])))
    W = [rng.standard_normal((dims[i + 1], dims[i])) * scale_w for i in range(L)]
    eta = float(rng.choice([1 / 16, 0.05, 0.01, -0.03]))
    return prob, W, eta


def _point(mid: np.ndarray, rad: np.ndarray, t: np.ndarray) -> fmpq_mat:
    """The exact matrix ``mid + t * rad`` (``t`` entries exact rationals in [-1, 1])."""
    ents = [q(float(m)) + q(float(r)) * fmpq(int(tn), 8)
            for m, r, tn in zip(mid.ravel(), rad.ravel(), t.ravel(), strict=True)]
    return fmpq_mat(mid.shape[0], mid.shape[1], ents)


def _rad(B: RMat) -> float:
    return 0.0 if B.rad is None else float(B.rad.max(initial=0.0))


@pytest.mark.parametrize("seed", range(40))
def test_fused_step_and_loss_enclose_the_exact_values(seed):
    rng = np.random.default_rng([seed, 1313])
    prob, W, eta = _instance(rng)
    ops = get_backend("rump")
    Ws = [ops.asarray(w) for w in W]
    new = ops.fused_gd_step(prob, Ws, eta)
    assert new is not NotImplemented
    assert all(type(B) is RMat for B in new)
    ex = exact_step(prob, [qmat(w) for w in W], eta)
    assert all(in_ball(e, B) for e, B in zip(ex, new, strict=True))
    l0 = ops.fused_loss(prob, Ws)
    assert isinstance(l0, arb)
    assert in_ball(exact_gradients(prob, [qmat(w) for w in W])[0], l0)
    # the loss over the new ball contains the loss at the exact new weights
    l1 = ops.fused_loss(prob, new)
    assert l1 is not NotImplemented
    assert in_ball(exact_gradients(prob, ex)[0], l1)
    # ... and the generic path agrees: both enclose the exact value, radii comparable
    gen = GenericRump()
    gnew = network.gd_step(gen, prob, Ws, eta)
    for B, G in zip(new, gnew, strict=True):
        assert _rad(B) <= 1e6 * _rad(G) + 1e-250
    gl = network.loss(gen, prob, Ws)
    assert l0.rad() <= 1e6 * gl.rad() + arb(1e-250)
    assert l0.overlaps(gl)


@pytest.mark.parametrize("seed", range(25))
def test_fused_ops_on_ball_inputs_enclose_every_point_of_the_balls(seed):
    rng = np.random.default_rng([seed, 2727])
    prob, W, eta = _instance(rng)
    rads = [np.abs(rng.standard_normal(w.shape)) * float(rng.choice([1e-12, 1e-6, 1e-3]))
            for w in W]
    if seed % 3 == 0:
        rads[0] = np.zeros_like(rads[0])  # a mix of exact and ball layers
    ops = get_backend("rump")
    Ws = [RMat(w, r) for w, r in zip(W, rads, strict=True)]
    new = ops.fused_gd_step(prob, Ws, eta)
    loss = ops.fused_loss(prob, Ws)
    assert new is not NotImplemented and loss is not NotImplemented
    for k in range(6):  # corners (t = +-1) and interior points of the input balls
        ts = [rng.choice([-8, 8], size=w.shape) if k < 3 else rng.integers(-8, 9, size=w.shape)
              for w in W]
        pt = [_point(w, r, t) for w, r, t in zip(W, rads, ts, strict=True)]
        ex = exact_step(prob, pt, eta)
        assert all(in_ball(e, B) for e, B in zip(ex, new, strict=True)), k
        assert in_ball(exact_gradients(prob, pt)[0], loss), k


@pytest.mark.parametrize("scales", [(1e-150, 1.0, 1.0), (1.0, 1e-160, 1e-160), (30.0, 1.0, 1.0),
                                    (1.0, 1e120, 1.0), (1e-300, 1e-10, 1e-300),
                                    (1e40, 1e40, 1e40)])
def test_huge_and_tiny_magnitudes(scales):
    """Fused or generic (the fused path declines when its underflow bound is not negligible
    or something overflows): the result always encloses the exact value."""
    rng = np.random.default_rng([int(np.log10(scales[0]) + 400), 77])
    ops = get_backend("rump")
    for _ in range(8):
        prob, W, eta = _instance(rng, *scales)
        Ws = [ops.asarray(w) for w in W]
        new = network.gd_step(ops, prob, Ws, eta)
        ex = exact_step(prob, [qmat(w) for w in W], eta)
        assert all(in_ball(e, B) for e, B in zip(ex, new, strict=True))
        assert in_ball(exact_gradients(prob, [qmat(w) for w in W])[0],
                       network.loss(ops, prob, Ws))
        assert in_ball(exact_gradients(prob, ex)[0], network.loss(ops, prob, new))


def test_tiny_weights_fall_back_to_the_generic_path():
    rng = np.random.default_rng(5)
    prob, W, eta = _instance(rng, 1e-300)
    ops = get_backend("rump")
    assert ops.fused_gd_step(prob, [ops.asarray(w) for w in W], eta) is NotImplemented


def test_an_overflowing_step_is_unbounded_or_undecided():
    prob = Problem(X=np.array([[1e200]]), Y=np.array([[0.0]]), dims=(1, 1, 1))
    W = [np.array([[1e100]]), np.array([[1e10]])]
    lay, total = fc.layout(prob.dims)
    m = fc.pack(W, np.empty(total))
    st = fc.step_stack(prob.dims, prob.X, prob.Y, 1.0, 1.0, 1e-3, m, None)
    assert not fc.all_finite(st.mid, st.rad)  # the kernel reports it ...
    ops = get_backend("rump")
    Ws = [ops.asarray(w) for w in W]
    assert ops.fused_gd_step(prob, Ws, 1e-3) is NotImplemented  # ... and rump declines
    assert ops.fused_loss(prob, Ws) is NotImplemented
    new = network.gd_step(ops, prob, Ws, 1e-3)
    assert any(np.isinf(B.rad).any() for B in new)
    l0, l1 = network.loss(ops, prob, Ws), network.loss(ops, prob, new)
    assert ops.compare(l1, "<", l0) is None
    fs = fc.fast_one_step(prob, W, 1e-3)
    assert fs.descent is None and np.isinf(fs.max_radius)


def test_a_subnormal_loss_scale_enters_the_fused_loss_exactly():
    prob = Problem(X=np.array([[1.0]]), Y=np.array([[0.0]]), dims=(1, 1), loss_scale=5e-324)
    ops = get_backend("rump")
    loss = ops.fused_loss(prob, [ops.asarray(np.array([[1.0]]))])
    assert isinstance(loss, arb)
    assert in_ball(fmpq(1, 2) * q(5e-324), loss)  # exactly c/2, not fl(c/2) = 0
    assert ops.compare(loss, ">", ops.scalar(0.0)) is True
    assert ops.compare(loss, "<", ops.scalar(5e-324)) is True


@pytest.mark.parametrize("eta", [Fraction(1, 3), arb(1) / 3, arb("0.001 +/- 1e-10")])
def test_an_inexact_scalar_falls_back_to_the_generic_path(eta):
    rng = np.random.default_rng(11)
    prob, W, _ = _instance(rng)
    ops = get_backend("rump")
    Ws = [ops.asarray(w) for w in W]
    assert ops.fused_gd_step(prob, Ws, eta) is NotImplemented
    new = network.gd_step(ops, prob, Ws, eta)
    if isinstance(eta, Fraction):  # the generic step encloses the exact rational step
        e = fmpq(eta.numerator, eta.denominator)
        _, G = exact_gradients(prob, [qmat(w) for w in W])
        ex = [qmat(w) - g * e for w, g in zip(W, G, strict=True)]
        assert all(in_ball(x, B) for x, B in zip(ex, new, strict=True))


def test_an_exact_arb_or_int_scalar_is_accepted():
    rng = np.random.default_rng(12)
    prob, W, _ = _instance(rng)
    ops = get_backend("rump")
    Ws = [ops.asarray(w) for w in W]
    for eta in (arb(0.25), Fraction(1, 8), np.float64(0.01)):
        assert ops.fused_gd_step(prob, Ws, eta) is not NotImplemented


def test_other_model_kinds_use_the_generic_path():
    prob = Problem(X=np.eye(2), Y=np.ones((2, 2)), dims=(2, 2, 2), kind="residual")
    ops = get_backend("rump")
    Ws = [ops.asarray(np.eye(2) * 0.1)] * 2
    assert ops.fused_gd_step(prob, Ws, 0.01) is NotImplemented
    assert ops.fused_loss(prob, Ws) is NotImplemented


def test_unbounded_input_balls_use_the_generic_path():
    prob = Problem(X=np.eye(1), Y=np.ones((1, 1)), dims=(1, 1))
    ops = get_backend("rump")
    Ws = [RMat(np.array([[0.5]]), np.array([[np.inf]]))]
    assert ops.fused_gd_step(prob, Ws, 0.01) is NotImplemented
    assert ops.fused_loss(prob, Ws) is NotImplemented


def test_flat_views_write_through():
    lay, total = fc.layout((3, 4, 2))
    buf = np.zeros((2, total))
    for v in fc.views(buf, lay):
        assert np.shares_memory(v, buf)
        v += 1.0
    assert (buf == 1.0).all()


def test_the_benchmark_configuration_takes_the_fused_path(monkeypatch):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import test_certified_bench as bench

    seen = []
    for name in ("fused_gd_step", "fused_loss"):
        orig = getattr(RumpBackend, name)

        def spy(self, *a, _orig=orig, _name=name):
            out = _orig(self, *a)
            seen.append((_name, out is not NotImplemented))
            return out
        monkeypatch.setattr(RumpBackend, name, spy)
    assert bench.vocab_check(get_backend("rump")) is True
    assert sorted(seen) == [("fused_gd_step", True), ("fused_loss", True), ("fused_loss", True)]
    # the fused enclosures agree with the generic ones and decide the same descent
    ops, gen = get_backend("rump"), GenericRump()
    Ws = [ops.asarray(W) for W in bench.W0]
    new, gnew = network.gd_step(ops, bench.PROB, Ws, bench.ETA), network.gd_step(
        gen, bench.PROB, Ws, bench.ETA)
    for B, G in zip(new, gnew, strict=True):
        assert np.all(np.abs(B.mid - G.mid) <= B.rad + G.rad)
        assert _rad(B) <= 1e6 * _rad(G)
    assert bench.vocab_check(gen) is True


def test_fused_false_takes_the_generic_path():
    """``get_backend("rump", fused=False)``: the generic per-operation path (tighter radii)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import test_certified_bench as bench

    ops = get_backend("rump", fused=False)
    Ws = [ops.asarray(W) for W in bench.W0]
    assert ops.fused_gd_step(bench.PROB, Ws, bench.ETA) is NotImplemented
    assert ops.fused_loss(bench.PROB, Ws) is NotImplemented
    fused = network.gd_step(get_backend("rump"), bench.PROB, Ws, bench.ETA)
    generic = network.gd_step(ops, bench.PROB, Ws, bench.ETA)
    assert max(_rad(G) for G in generic) < max(_rad(B) for B in fused)
    assert bench.vocab_check(ops) is True
