import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.model import kernels, network
from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem


def make_problem(kind: str, rng: np.random.Generator, L: int = 4):
    if kind == "plain":
        dims = (3, 5, 4, 6, 2)[: L + 1] if L <= 4 else (3,) + (5,) * (L - 1) + (2,)
        prob = Problem(X=rng.standard_normal((dims[0], 4)), Y=rng.standard_normal((dims[-1], 4)),
                       dims=dims, alpha=0.7)
        Ws = initialize("gaussian", rng, dims, sigma=0.5)
    elif kind == "residual":
        dims = (3,) * (L + 1)
        prob = Problem(X=rng.standard_normal((3, 5)), Y=rng.standard_normal((3, 5)),
                       dims=dims, kind="residual")
        Ws = initialize("gaussian", rng, dims, sigma=0.2)
    else:
        D = 5
        dims = (D,) * (L + 1)
        prob = Problem(X=rng.standard_normal((3, 6)), Y=rng.standard_normal((2, 6)), dims=dims,
                       kind="transformed", A=rng.standard_normal((D, 3)),
                       B=rng.standard_normal((2, D)))
        Ws = initialize("gaussian", rng, dims, sigma=0.2)
    return prob, Ws


KINDS = ["plain", "residual", "transformed"]


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_naive_reference(kind, rng):
    prob, Ws = make_problem(kind, rng)
    fast = kernels.gradients(prob, Ws)
    slow = kernels.naive_gradients(prob, Ws)
    for f, s in zip(fast, slow, strict=True):
        assert np.linalg.norm(f - s) <= 1e-10 * np.linalg.norm(s)


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_finite_differences(kind, rng):
    prob, Ws = make_problem(kind, rng)
    G = kernels.gradients(prob, Ws)
    h = 1e-5
    for i, W in enumerate(Ws):
        fd = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            p = [w.copy() for w in Ws]
            q = [w.copy() for w in Ws]
            p[i][idx] += h
            q[i][idx] -= h
            fd[idx] = (kernels.loss(prob, p) - kernels.loss(prob, q)) / (2 * h)
        assert np.linalg.norm(G[i] - fd) <= 1e-8 * np.linalg.norm(fd)


@pytest.mark.parametrize("kind", KINDS)
def test_generic_network_agrees_with_kernels(kind, rng):
    prob, Ws = make_problem(kind, rng)
    ops = get_backend("float64")
    assert network.loss(ops, prob, Ws) == pytest.approx(kernels.loss(prob, Ws), rel=1e-12)
    for a, b in zip(network.gradients(ops, prob, Ws), kernels.gradients(prob, Ws), strict=True):
        assert np.linalg.norm(a - b) <= 1e-12 * np.linalg.norm(b)


def test_batched_kernels_match_single(rng):
    prob, _ = make_problem("plain", rng)
    batch = [initialize("gaussian", rng, prob.dims, sigma=0.5) for _ in range(3)]
    stacked = [np.stack([b[i] for b in batch]) for i in range(prob.L)]
    val, G = kernels.loss_and_gradients(prob, stacked)
    for k, Ws in enumerate(batch):
        v1, G1 = kernels.loss_and_gradients(prob, Ws)
        assert val[k] == pytest.approx(v1, rel=1e-13)
        for a, b in zip(G, G1, strict=True):
            np.testing.assert_allclose(a[k], b, rtol=1e-12, atol=1e-14)


def test_sgd_full_batch_equals_gd(rng):
    prob, Ws = make_problem("plain", rng)
    a = kernels.gd_step(prob, Ws, 0.01)
    b = kernels.sgd_step(prob, Ws, 0.01, np.arange(prob.n))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-14)


def test_E_term_is_second_order(rng):
    prob, Ws = make_problem("plain", rng, L=3)
    ops = get_backend("float64")
    e1 = np.linalg.norm(network.E_term(ops, prob, Ws, 1e-3))
    e2 = np.linalg.norm(network.E_term(ops, prob, Ws, 5e-4))
    assert 3.5 < e1 / e2 < 4.5
