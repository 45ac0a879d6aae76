"""The in-place batched kernels (kernels.BatchedGD) and run_gd's fast path against the
reference gradients (kernels.naive_gradients, network.gradients) and the simple GD path."""

import tracemalloc

import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.model import kernels, network
from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem
from boundcheck.model.trajectory import iterate_gd, product_singular_extremes, run_gd

KINDS = ["plain", "residual", "transformed"]
B = 4


def rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def make(kind: str, rng: np.random.Generator, L: int = 5):
    """An instance of each model kind, with non-uniform widths for plain."""
    if kind == "plain":
        dims = (3, 6, 5, 6, 4, 2)[: L + 1]
        prob = Problem(X=rng.standard_normal((3, 7)), Y=rng.standard_normal((2, 7)), dims=dims,
                       alpha=0.8, loss_scale=0.5)
        sigma = 0.5
    elif kind == "residual":
        dims = (4,) * (L + 1)
        prob = Problem(X=rng.standard_normal((4, 6)), Y=rng.standard_normal((4, 6)), dims=dims,
                       kind="residual")
        sigma = 0.2
    else:
        dims = (5,) * (L + 1)
        prob = Problem(X=rng.standard_normal((3, 6)), Y=rng.standard_normal((2, 6)), dims=dims,
                       kind="transformed", A=rng.standard_normal((5, 3)),
                       B=rng.standard_normal((2, 5)))
        sigma = 0.2
    batch = [initialize("gaussian", rng, dims, sigma=sigma) for _ in range(B)]
    return prob, batch


def stacked(batch):
    return [np.stack([Ws[i] for Ws in batch]) for i in range(len(batch[0]))]


@pytest.mark.parametrize("kind", KINDS)
def test_batched_gradients_match_references(kind, rng):
    prob, batch = make(kind, rng)
    ws = kernels.BatchedGD(prob, stacked(batch))
    assert ws.batch_shape == (B,) and not ws.blas
    val, G = ws.gradients()
    ops = get_backend("float64")
    for b, Ws in enumerate(batch):
        assert val[b] == pytest.approx(kernels.loss(prob, Ws), rel=1e-12)
        naive = kernels.naive_gradients(prob, Ws)
        generic = network.gradients(ops, prob, Ws)
        for i in range(prob.L):
            assert rel(G[i][b], naive[i]) <= 1e-12
            assert rel(G[i][b], np.asarray(generic[i], dtype=float)) <= 1e-12


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("blas", [True, False])
def test_single_instance_paths_match_references(kind, blas, rng):
    prob, batch = make(kind, rng)
    Ws = batch[0]
    ws = kernels.BatchedGD(prob, Ws)
    assert ws.batch_shape == () and ws.blas     # small layers: the dgemm path
    ws.blas = blas
    val, G = ws.gradients()
    assert val == pytest.approx(kernels.loss(prob, Ws), rel=1e-12)
    for g, ref in zip(G, kernels.naive_gradients(prob, Ws), strict=True):
        assert rel(g, ref) <= 1e-12
    eta = 0.01
    assert ws.step(eta) == pytest.approx(kernels.loss(prob, Ws), rel=1e-12)
    for w, ref in zip(ws.Ws, kernels.gd_step(prob, Ws, eta), strict=True):
        assert rel(w, ref) <= 1e-12
    # the input arrays are untouched (the workspace copies them once)
    assert all(np.array_equal(a, b) for a, b in zip(Ws, batch[0], strict=True))


@pytest.mark.parametrize("kind", KINDS)
def test_batched_inplace_steps_match_gd_step(kind, rng):
    prob, batch = make(kind, rng)
    ws = kernels.BatchedGD(prob, stacked(batch))
    etas = np.array([0.002, 0.005, 0.01, 0.02])
    ref = [list(Ws) for Ws in batch]
    for _ in range(5):
        vals = ws.step(etas)
        for b in range(B):
            assert vals[b] == pytest.approx(kernels.loss(prob, ref[b]), rel=1e-12)
            ref[b] = kernels.gd_step(prob, ref[b], etas[b])
    for b in range(B):
        for i in range(prob.L):
            assert rel(ws.Ws[i][b], ref[b][i]) <= 1e-12
    if ws.stack is not None:   # the per-layer arrays are views of the stack
        assert all(np.shares_memory(W, ws.stack) for W in ws.Ws)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("single", [True, False])
def test_sgd_step_matches_reference(kind, single, rng):
    prob, batch = make(kind, rng)
    ws = kernels.BatchedGD(prob, batch[0] if single else stacked(batch))
    cols = np.array([4, 0, 2])
    for unbiased in (True, False):
        before = [W.copy() for W in ws.Ws]
        vals = ws.sgd_step(0.01, cols, unbiased=unbiased)
        for b in ([None] if single else range(B)):
            Wb = [W if b is None else W[b] for W in before]
            ref = kernels.sgd_step(prob, Wb, 0.01, cols, unbiased=unbiased)
            for i in range(prob.L):
                got = ws.Ws[i] if b is None else ws.Ws[i][b]
                assert rel(got, ref[i]) <= 1e-12
        assert np.all(np.isfinite(vals))


def test_batched_data_and_stacked_array_input(rng):
    """Per-instance data (X, Y with the batch axis) and a single (L, B, m, m) weight array."""
    prob, batch = make("residual", rng)
    Xb = rng.standard_normal((B, *prob.X.shape))
    Yb = rng.standard_normal((B, *prob.Y.shape))
    ws = kernels.BatchedGD(prob, np.stack(stacked(batch)), X=Xb, Y=Yb)
    val, G = ws.gradients()
    for b in range(B):
        pb = prob.with_data(Xb[b], Yb[b])
        assert val[b] == pytest.approx(kernels.loss(pb, batch[b]), rel=1e-12)
        for g, ref in zip(G, kernels.naive_gradients(pb, batch[b]), strict=True):
            assert rel(g[b], ref) <= 1e-12


def test_update_needs_a_forward_pass(rng):
    prob, batch = make("plain", rng)
    ws = kernels.BatchedGD(prob, batch[0])
    with pytest.raises(RuntimeError):
        ws.update(0.1)
    with pytest.raises(ValueError):
        kernels.BatchedGD(prob, stacked(batch)).step(np.ones(3))


@pytest.mark.parametrize("kind", ["plain", "residual", "transformed"])
def test_steps_allocate_nothing_of_weight_size(kind, rng):
    L, m = 6, 40
    if kind == "transformed":
        prob = Problem(X=rng.standard_normal((m, 30)), Y=rng.standard_normal((m, 30)),
                       dims=(m,) * (L + 1), kind=kind, A=np.eye(m), B=np.eye(m))
    else:
        prob = Problem(X=rng.standard_normal((m, 30)), Y=rng.standard_normal((m, 30)),
                       dims=(m,) * (L + 1), kind=kind)
    Ws = np.stack(initialize("gaussian", rng, prob.dims, sigma=0.1 / np.sqrt(m)))
    for batched in (False, True):
        ws = kernels.BatchedGD(prob, np.repeat(Ws[:, None], 8, axis=1) if batched else Ws)
        ws.step(1e-3)                        # first step allocates the workspaces
        tracemalloc.start()
        for _ in range(5):
            ws.step(1e-3)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        one_layer = ws.Ws[0].nbytes
        assert peak < one_layer, (batched, peak, one_layer)


@pytest.mark.parametrize("kind", KINDS)
def test_run_gd_fast_path_equals_simple_path(kind, rng):
    prob, batch = make(kind, rng)
    W0 = batch[0]
    W0_copy = [W.copy() for W in W0]
    obs = {
        "loss": lambda s: s.loss,
        "dist": lambda s: s.distance_from_init(),
        "grad_norm": lambda s: sum(float(np.sum(g * g)) for g in s.gradients),
        "sigma": lambda s: product_singular_extremes(s.Ws, exclude_full=False)[(1, prob.L)],
        "W1": lambda s: s.Ws[0],            # aliases the live weights: must be detached
    }
    fast = run_gd(prob, W0, 0.01, 60, observables=obs, stride=7)
    slow = run_gd(prob, W0, 0.01, 60, observables=obs, stride=7, fast=False)
    assert fast.times == slow.times == [0, 7, 14, 21, 28, 35, 42, 49, 56, 60]
    assert fast.stopped_early is None and slow.stopped_early is None
    for k in ("loss", "dist", "grad_norm", "sigma", "W1"):
        a, b = fast.series(k), slow.series(k)
        assert np.max(np.abs(a - b)) <= 1e-12 * np.max(np.abs(b)), k
    assert not np.allclose(fast.series("W1")[0], fast.series("W1")[-1])
    for a, b in zip(fast.final, slow.final, strict=True):
        assert rel(a, b) <= 1e-12
    # and the simple path is iterate_gd itself
    last = list(iterate_gd(prob, W0, 0.01, 60))[-1]
    for a, b in zip(last.Ws, slow.final, strict=True):
        assert np.array_equal(a, b)
    assert all(np.array_equal(a, b) for a, b in zip(W0, W0_copy, strict=True))


def test_run_gd_fast_path_protects_live_weights_and_stops(rng):
    prob, batch = make("plain", rng)

    def meddle(s):
        s.Ws[0][0, 0] = 1.0

    with pytest.raises(ValueError):
        run_gd(prob, batch[0], 0.01, 3, observables={"x": meddle})
    # divergence: stop on the first non-finite loss, as the simple path does
    fast = run_gd(prob, batch[0], 50.0, 200)
    slow = run_gd(prob, batch[0], 50.0, 200, fast=False)
    assert fast.stopped_early == slow.stopped_early == "non-finite loss"
    assert fast.times == slow.times


def _memory_ratio(steps: int, stride: int, n: int = 32) -> tuple[float, float, int]:
    """Peak memory allocated by run_gd (tracemalloc) over the bytes of weights plus data,
    for L=100, m=256 (n samples), residual model."""
    rng = np.random.default_rng(7)
    L, m = 100, 256
    prob = Problem(X=rng.standard_normal((m, n)) / np.sqrt(m),
                   Y=rng.standard_normal((m, n)) / np.sqrt(m), dims=(m,) * (L + 1), kind="residual")
    W0 = [rng.standard_normal((m, m)) * (0.2 / (m * np.sqrt(L))) for _ in range(L)]
    base = sum(W.nbytes for W in W0) + prob.X.nbytes + prob.Y.nbytes
    obs = {"loss": lambda s: s.loss, "dist": lambda s: s.distance_from_init()}
    tracemalloc.start()
    tracemalloc.reset_peak()
    traj = run_gd(prob, W0, 1e-3, steps, observables=obs, stride=stride)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert traj.stopped_early is None
    assert len(traj.times) == steps // stride + 1
    loss = traj.series("loss")
    assert loss[-1] < loss[0]
    return peak / base, peak, base


def test_long_run_memory_quick():
    """Quick sibling of the 10^4-step run: the same problem, 4 steps, stride 2."""
    ratio, peak, base = _memory_ratio(4, 2)
    assert ratio <= 2.0, (ratio, peak, base)


@pytest.mark.slow
def test_long_run_memory_full():
    """L=100, m=256, 10^4 GD steps, stride-100 observables: peak <= 2x weights plus data."""
    ratio, peak, base = _memory_ratio(10_000, 100)
    print(f"peak {peak / 2**20:.1f} MiB, weights+data {base / 2**20:.1f} MiB, ratio {ratio:.3f}")
    assert ratio <= 2.0, (ratio, peak, base)


@pytest.mark.slow
def test_long_run_memory_as_many_samples_as_width():
    """n = m = 256: the prefix products alone would match the weights; run_gd checkpoints."""
    ratio, peak, base = _memory_ratio(6, 2, n=256)
    print(f"peak {peak / 2**20:.1f} MiB, weights+data {base / 2**20:.1f} MiB, ratio {ratio:.3f}")
    assert ratio <= 1.5, (ratio, peak, base)


def test_large_layers_take_the_numpy_path(rng):
    m, n = 128, 32                      # m*m*n = 2^19 > 2^18
    prob = Problem(X=rng.standard_normal((m, n)), Y=rng.standard_normal((m, n)), dims=(m,) * 3)
    Ws = initialize("gaussian", rng, prob.dims, sigma=1 / np.sqrt(m))
    ws = kernels.BatchedGD(prob, Ws)
    assert not ws.blas
    ws.step(1e-3)
    for a, b in zip(ws.Ws, kernels.gd_step(prob, Ws, 1e-3), strict=True):
        assert rel(a, b) <= 1e-12


def test_batched_data_must_match_the_weights_batch(rng):
    prob, batch = make("plain", rng)
    with pytest.raises(ValueError):
        kernels.BatchedGD(prob, batch[0], X=rng.standard_normal((3, *prob.X.shape)))
    with pytest.raises(ValueError):
        kernels.BatchedGD(prob, stacked(batch), Y=rng.standard_normal((B + 1, *prob.Y.shape)))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("single", [True, False])
def test_checkpointed_prefix_gives_the_same_bits(kind, single, rng):
    prob, batch = make(kind, rng, L=7)
    start = batch[0] if single else stacked(batch)
    full = kernels.BatchedGD(prob, start)
    full.step(0.01)
    ref_grads = full.gradients()[1]
    for s in (2, 3, 6, 7, 20):
        ws = kernels.BatchedGD(prob, start, checkpoint=s)
        ws.step(0.01)
        for a, b in zip(ws.Ws, full.Ws, strict=True):
            assert np.array_equal(a, b), s
        for a, b in zip(ws.gradients()[1], ref_grads, strict=True):
            assert np.array_equal(a, b), s
        ws.sgd_step(0.01, np.array([1, 3]))
    with pytest.raises(ValueError):
        kernels.BatchedGD(prob, start, checkpoint=1)


def test_auto_checkpoint_bounds_prefix_memory(rng):
    L, m, n = 36, 64, 512
    prob = Problem(X=rng.standard_normal((m, n)), Y=rng.standard_normal((m, n)),
                   dims=(m,) * (L + 1), kind="residual")
    Ws = np.zeros((L, m, m))
    keep = kernels.BatchedGD(prob, Ws)
    auto = kernels.BatchedGD(prob, Ws, checkpoint="auto")
    assert keep.checkpoint is None and auto.checkpoint == 6
    keep._buffers(n)
    auto._buffers(n)
    # all 35 prefix products versus 5 checkpoints + 5 slots
    prefix = (L - 1) * m * n * 8
    assert keep.nbytes() - auto.nbytes() == prefix - 10 * m * n * 8
    small = kernels.BatchedGD(prob.with_data(prob.X[:, :8], prob.Y[:, :8]), Ws,
                              checkpoint="auto")
    assert small.checkpoint is None


def test_run_returns_the_loss_of_every_iterate(rng):
    prob, batch = make("transformed", rng)
    ws = kernels.BatchedGD(prob, stacked(batch))
    losses = ws.run(1e-3, 6)
    assert losses.shape == (7, B)
    assert np.all(losses[-1] < losses[0])
    for b in range(B):
        Ws = batch[b]
        for t in range(7):
            assert losses[t, b] == pytest.approx(kernels.loss(prob, Ws), rel=1e-12)
            Ws = kernels.gd_step(prob, Ws, 1e-3)
