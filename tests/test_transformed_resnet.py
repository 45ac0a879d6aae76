"""Engine tests: transformed deep linear ResNet (boundcheck/model/transformed_resnet.py)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.model import transformed_resnet as tr


def _inst(seed: int = 0, d: int = 2, k: int = 2, m: int = 3, L: int = 3, n: int = 4):
    rng = np.random.default_rng(seed)
    A, B = tr.gaussian_transforms(rng, d, k, m)
    Ws = [0.1 * rng.standard_normal((m, m)) for _ in range(L)]
    X = rng.standard_normal((d, n))
    Y = rng.standard_normal((k, n))
    return A, B, Ws, X, Y


def test_gradient_matches_finite_differences() -> None:
    A, B, Ws, X, Y = _inst()
    ops = get_backend("float64")
    G = tr.gradients(ops, A, B, Ws, X, Y)
    h = 1e-6
    for l, W in enumerate(Ws):
        fd = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            P = [w.copy() for w in Ws]
            M = [w.copy() for w in Ws]
            P[l][idx] += h
            M[l][idx] -= h
            fd[idx] = (tr.np_loss(A, B, P, X, Y) - tr.np_loss(A, B, M, X, Y)) / (2 * h)
        assert np.linalg.norm(np.asarray(G[l]) - fd) <= 1e-7 * max(1.0, np.linalg.norm(fd))


class _FracOps:
    """A minimal exact-rational matrix vocabulary (numpy object arrays of Fractions)."""

    certified = True

    def asarray(self, a):
        a = np.asarray(a)
        if a.dtype == object:
            return a
        return np.vectorize(lambda x: Fraction(float(x)), otypes=[object])(a)

    def scalar(self, x):
        return Fraction(x) if not isinstance(x, float) else Fraction(x)

    def eye(self, m):
        return self.asarray(np.eye(m))

    def shape(self, a):
        return a.shape

    def add(self, a, b):
        return self.asarray(a) + self.asarray(b)

    def sub(self, a, b):
        return self.asarray(a) - self.asarray(b)

    def matmul(self, a, b):
        return self.asarray(a) @ self.asarray(b)

    def transpose(self, a):
        return self.asarray(a).T

    def scale(self, s, a):
        return Fraction(s) * self.asarray(a)


def test_gradient_exact_rationals_directional_derivative() -> None:
    """Exact rationals: L(W + tD) is a polynomial of degree 2L in t; its exact derivative
    at 0 (Lagrange differentiation through 2L+1 exact values) equals sum <grad_l, D_l>."""
    A, B, Ws, X, Y = _inst(1, d=1, k=2, m=2, L=2, n=2)
    ex = _FracOps()
    G = tr.gradients(ex, A, B, Ws, X, Y)
    rng = np.random.default_rng(5)
    D = [ex.asarray(rng.standard_normal(W.shape)) for W in Ws]
    inner = sum(np.sum(g * d) for g, d in zip(G, D, strict=True))

    def Lt(t: Fraction) -> Fraction:
        Wt = [ex.add(W, t * d) for W, d in zip(Ws, D, strict=True)]
        R = tr.residual(ex, A, B, Wt, X, Y)
        return np.sum(R * R) / 2

    deg = 2 * len(Ws)
    ts = [Fraction(j, 8) for j in range(-(deg // 2), deg // 2 + 1)]
    vals = [Lt(t) for t in ts]
    deriv = Fraction(0)
    for i, ti in enumerate(ts):
        others = [tj for j, tj in enumerate(ts) if j != i]
        denom = Fraction(1)
        for tj in others:
            denom *= ti - tj
        num = Fraction(0)
        for skip in range(len(others)):
            prod = Fraction(1)
            for j, tj in enumerate(others):
                if j != skip:
                    prod *= -tj
            num += prod
        deriv += vals[i] * num / denom
    assert deriv == inner
    # and a wrong formula (transposed factor) is detected exactly
    assert deriv != inner + np.sum(G[0] * D[0]) / 3


def test_ops_and_numpy_agree_and_gd_step() -> None:
    A, B, Ws, X, Y = _inst(2)
    ops = get_backend("float64")
    G1 = tr.gradients(ops, A, B, Ws, X, Y)
    G2, _ = tr.np_grads(A, B, Ws, X, Y)
    for a, b in zip(G1, G2, strict=True):
        assert np.allclose(a, b, rtol=1e-13, atol=1e-14)
    assert abs(float(tr.loss(ops, A, B, Ws, X, Y)) - tr.np_loss(A, B, Ws, X, Y)) < 1e-12
    new = tr.gd_step(ops, A, B, Ws, X, Y, 1e-3)
    new2 = tr.np_gd_step(A, B, Ws, X, Y, 1e-3)
    for a, b in zip(new, new2, strict=True):
        assert np.allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("n,b", [(3, 1), (4, 2), (4, 4)])
def test_minibatch_estimator_unbiased_by_enumeration(n: int, b: int) -> None:
    A, B, Ws, X, Y = _inst(3, n=n)
    ops = get_backend("float64")
    G = tr.gradients(ops, A, B, Ws, X, Y)
    subsets = list(itertools.combinations(range(n), b))
    acc = [np.zeros_like(W) for W in Ws]
    for S in subsets:
        for a, g in zip(acc, tr.minibatch_gradients(ops, A, B, Ws, X, Y, S), strict=True):
            a += np.asarray(g) / len(subsets)
    for a, g in zip(acc, G, strict=True):
        assert np.allclose(a, g, rtol=1e-12, atol=1e-13)


def test_batched_sgd_equals_per_run() -> None:
    A, B, Ws, X, Y = _inst(4, n=5)
    ops = get_backend("float64")
    rng = np.random.default_rng(0)
    batches = tr.sample_batches(rng, 3, 5, 2)
    assert all(len(set(r)) == 2 for r in batches)
    stacked = [np.stack([W] * 3) for W in Ws]
    out = tr.np_sgd_step(A, B, stacked, X, Y, 1e-2, batches)
    for r in range(3):
        ref = tr.sgd_step(ops, A, B, Ws, X, Y, 1e-2, batches[r])
        for a, b in zip(out, ref, strict=True):
            assert np.allclose(a[r], b, rtol=1e-12, atol=1e-14)
    assert np.allclose(tr.np_loss(A, B, out, X, Y)[0],
                       tr.np_loss(A, B, [o[0] for o in out], X, Y))


def test_transforms() -> None:
    A, B = tr.modified_identity(2, 3, 6, 2.5)
    assert np.all(B @ A == 0) and np.all(A.T @ A == np.eye(2))
    assert np.all(B @ B.T == 6.25 * np.eye(3))
    A, B = tr.identity_transforms(2, 2, 5)
    assert np.allclose(B @ A, np.sqrt(2.5) * np.eye(2))
    with pytest.raises(ValueError):
        tr.modified_identity(2, 2, 3, 1.0)


def test_ball_encloses_float_step() -> None:
    A, B, Ws, X, Y = _inst(6, d=1, k=1, m=2, L=2, n=2)
    ball = get_backend("ball")
    G = tr.gradients(ball, A, B, Ws, X, Y)
    ref, _ = tr.np_grads(A, B, Ws, X, Y)
    for g, r in zip(G, ref, strict=True):
        assert np.allclose(ball.to_numpy(g), r, rtol=1e-12, atol=1e-14)
