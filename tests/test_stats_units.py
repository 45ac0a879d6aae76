"""Unit tests for the statistics and the margins every verdict reports (issue 9)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

from boundcheck.arith import get_backend
from boundcheck.check.confseq import mixture_interval
from boundcheck.check.stats import clopper_pearson
from boundcheck.check.verdict import Condition, evaluate


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (10, 10), (3, 400), (0, 1)])
@pytest.mark.parametrize("conf", [0.9, 0.99])
def test_clopper_pearson_matches_beta_quantiles(k: int, n: int, conf: float) -> None:
    a = 1 - conf
    lo, hi = clopper_pearson(k, n, conf)
    want_lo = 0.0 if k == 0 else st.beta.ppf(a / 2, k, n - k + 1)
    want_hi = 1.0 if k == n else st.beta.ppf(1 - a / 2, k + 1, n - k)
    assert lo == pytest.approx(want_lo, abs=1e-12) and hi == pytest.approx(want_hi, abs=1e-12)
    assert 0 <= lo <= k / n <= hi <= 1


def test_clopper_pearson_edges_and_coverage() -> None:
    assert clopper_pearson(0, 0) == (0.0, 1.0)
    assert clopper_pearson(0, 10, 0.99)[1] == pytest.approx(1 - 0.005 ** (1 / 10))
    # exact coverage >= confidence for a few p (computed from the binomial law, no sampling)
    n = 30
    for p in (0.05, 0.3, 0.5):
        cover = sum(st.binom.pmf(k, n, p) for k in range(n + 1)
                    if clopper_pearson(k, n, 0.9)[0] <= p <= clopper_pearson(k, n, 0.9)[1])
        assert cover >= 0.9 - 1e-12
    # a wider confidence gives a wider interval
    assert clopper_pearson(3, 50, 0.99)[1] > clopper_pearson(3, 50, 0.9)[1]


def test_mixture_interval_contains_the_estimate_and_shrinks() -> None:
    prev = 1.0
    for n in (10, 100, 1000, 10000):
        lo, hi = mixture_interval(n // 10, n)
        assert lo <= 0.1 <= hi and hi - lo < prev
        prev = hi - lo
    assert mixture_interval(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        mixture_interval(5, 3)


def test_mixture_interval_is_wider_than_fixed_n() -> None:
    """Validity at every n costs width: the sequence contains the fixed-n interval."""
    for k, n in [(0, 400), (4, 384), (50, 100)]:
        lo, hi = mixture_interval(k, n)
        cl, ch = clopper_pearson(k, n)
        assert lo <= cl and hi >= ch


def test_mixture_sequence_covers_under_optional_stopping() -> None:
    """Simulated: the chance that the running interval ever excludes the true p (over 2000
    draws, read after every draw) stays below alpha = 0.05 (a fixed-n interval read this
    way fails far more often)."""
    rng = np.random.default_rng(1)
    p, runs, n = 0.2, 300, 2000
    miss = 0
    for _ in range(runs):
        s = np.cumsum(rng.random(n) < p)
        for t in range(9, n, 10):
            lo, hi = mixture_interval(int(s[t]), t + 1, confidence=0.95)
            if not lo <= p <= hi:
                miss += 1
                break
    upper = clopper_pearson(miss, runs, 0.99)[1]
    assert miss / runs <= 0.05 and upper < 0.1


@pytest.mark.parametrize("rel,lhs,rhs,sign", [
    ("<=", 1.0, 2.0, 1), ("<=", 3.0, 2.0, -1), ("<", 1.0, 2.0, 1), (">=", 3.0, 2.0, 1),
    (">=", 1.0, 2.0, -1), (">", 1.0, 2.0, -1), ("==", 2.0, 2.0, 0), ("==", 2.5, 2.0, -1)])
def test_margin_signs(rel: str, lhs: float, rhs: float, sign: int) -> None:
    o = evaluate(Condition("c", lhs, rel, rhs), get_backend("float64"))
    assert (o.margin > 0) - (o.margin < 0) == sign
    assert (o.relative_margin > 0) - (o.relative_margin < 0) == sign
    if sign:
        assert abs(o.relative_margin) == pytest.approx(abs(lhs - rhs) / abs(rhs))


def test_a_zero_bound_margin_is_relative_to_lhs_and_the_allowance_is_apart() -> None:
    f64 = get_backend("float64")
    o = evaluate(Condition("residual", 3e-16, "<=", 0.0, float_tol=1e-12), f64)
    assert o.status is True  # held thanks to the allowance ...
    assert o.margin < 0 and o.relative_margin == -1.0  # ... which is not slack
    assert o.allowance == 1e-12 and o.margin_scale.startswith("|lhs|")
    exact = evaluate(Condition("residual", 0.0, "<=", 0.0), f64)
    assert exact.relative_margin == 0.0


@pytest.mark.parametrize("name", ["rump", "ball", "arb"])
def test_certified_backends_never_use_the_float_allowance(name: str) -> None:
    ops = get_backend(name)
    cond = Condition("residual", ops.scalar(1e-15), "<=", ops.scalar(0.0), float_tol=1e-9)
    o = evaluate(cond, ops)
    assert o.status is False and o.allowance == 0.0
    tie = Condition("tie", ops.scalar(1.0) + ops.scalar(2.0 ** -80), "<=", ops.scalar(1.0),
                    float_tol=1e-6)
    assert evaluate(tie, ops).status is False
    assert math.isfinite(o.relative_margin)
