"""Certified one-step check at L=10, m=16, d=4, n=8 (hxp20 V-parametrization, orthogonal
init): one GD step from an exact float64 state and the comparison loss(new) < loss(old).

Side by side, in one run (``python -m pytest benchmarks/test_certified_bench.py
--benchmark-only --benchmark-group-by=group``):

* ``plain-float64``   -- kernels.gd_step + two losses, not certified (the baseline);
* ``fast-certified``  -- :func:`boundcheck.certify.fastcert.fast_one_step`
  (float64 + a priori bounds);
* ``rump-vocab``      -- the same check through the backend vocabulary on ``rump`` balls;
* ``arb-128``         -- the vocabulary on Arb balls at 128 bits;
* ``mpmath-128``      -- the vocabulary on mpmath at 128 bits (not certified; reference).

Targets (issue 13, "Speed"): fast certified step <= 2x plain float64; the vocabulary path on
``rump`` <= 3x plain float64 (``rump`` runs ``network.gd_step``/``loss`` as its fused,
stacked a-priori-bounded operations, :mod:`boundcheck.certify.fastcert`); arb >= 10x faster
than mpmath. ``python benchmarks/test_certified_bench.py`` prints medians and ratios
without pytest, timing the cases round-robin (one call of each per round) so that load
changes on a shared machine hit all of them alike.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boundcheck.arith import get_backend  # noqa: E402
from boundcheck.certify.fastcert import fast_one_step  # noqa: E402
from boundcheck.model import kernels, network  # noqa: E402
from boundcheck.model.init import initialize  # noqa: E402
from boundcheck.model.problem import Problem  # noqa: E402

ETA = 1e-3


def deep_instance(L: int = 10, m: int = 16, d: int = 4, n: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    dims = (d,) + (m,) * (L - 1) + (d,)
    X = rng.standard_normal((d, n))
    Y = rng.standard_normal((d, d)) @ X / np.sqrt(d)
    prob = Problem(X=X, Y=Y, dims=dims, alpha=np.sqrt(m / d))
    return prob, initialize("orthogonal", rng, dims, normalized=True)


PROB, W0 = deep_instance()


def plain_check() -> bool:
    new = kernels.gd_step(PROB, W0, ETA)
    return kernels.loss(PROB, new) < kernels.loss(PROB, W0)


def fast_check() -> bool | None:
    return fast_one_step(PROB, W0, ETA).descent


def vocab_check(ops) -> bool | None:
    Ws = [ops.asarray(W) for W in W0]
    new = network.gd_step(ops, PROB, Ws, ETA)
    return ops.compare(network.loss(ops, PROB, new), "<", network.loss(ops, PROB, Ws))


CASES = {
    "plain-float64": plain_check,
    "fast-certified": fast_check,
    "rump-vocab": lambda: vocab_check(get_backend("rump")),
    "arb-128": lambda: vocab_check(get_backend("arb", prec=128)),
    "mpmath-128": lambda: vocab_check(get_backend("mpmath", prec=128)),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_step_check(benchmark, case):
    benchmark.group = "certified one-step check L=10 m=16 n=8"
    if case == "mpmath-128":
        out = benchmark.pedantic(CASES[case], rounds=5, iterations=1)
    else:
        out = benchmark(CASES[case])
    assert out is True  # every variant decides the descent of this step


def _medians(cases: dict, reps: int) -> dict[str, float]:
    """Round-robin: every round calls each case once; medians over the rounds."""
    ts: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(reps):
        for k, fn in cases.items():
            t = time.perf_counter()
            fn()
            ts[k].append(time.perf_counter() - t)
    return {k: float(np.median(v)) for k, v in ts.items()}


def main() -> None:
    fast = {k: f for k, f in CASES.items() if k != "mpmath-128"}
    med = _medians(fast, 300)
    med.update(_medians({"mpmath-128": CASES["mpmath-128"]}, 5))
    for k, v in med.items():
        print(f"{k:16s} median {v * 1e3:9.3f} ms")
    print(f"fast / plain   = {med['fast-certified'] / med['plain-float64']:.2f}x")
    print(f"rump / plain   = {med['rump-vocab'] / med['plain-float64']:.2f}x")
    print(f"mpmath / arb   = {med['mpmath-128'] / med['arb-128']:.1f}x")


if __name__ == "__main__":
    main()
