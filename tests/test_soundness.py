"""Regression tests for certified verdicts that once claimed more than they knew (issue 9).

Each example is the one that was reproduced: a float64 overflow decided as the exact point
``inf``, a ``loss_scale / 2`` rounded in float64 before it reached the vocabulary, and a
parameter pre-rounded as ``1.0 + shift``. ``rump`` and ``ball`` must return an unbounded ball
(undecided) or the right answer; never a wrong decision.
"""

from __future__ import annotations

import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict
from boundcheck.model import network
from boundcheck.model.problem import Problem

CERTIFIED = ["rump", "ball", "arb"]


def _plain(w: float, loss_scale: float = 1.0) -> tuple[Problem, np.ndarray]:
    prob = Problem(X=np.array([[1.0]]), Y=np.array([[0.0]]), dims=(1, 1), alpha=1.0,
                   loss_scale=loss_scale)
    return prob, np.array([[w]])


@pytest.mark.parametrize("name", CERTIFIED)
def test_frobenius_norm_of_a_huge_entry_is_not_decided_on_an_overflow(name: str) -> None:
    ops = get_backend(name)
    A = ops.asarray(np.array([[1e200]]))
    assert ops.compare(ops.fro_norm(A), "<", ops.scalar(1e250)) is not False
    assert ops.compare(ops.fro_norm(A), ">", ops.scalar(1e250)) is not True


@pytest.mark.parametrize("name", CERTIFIED)
def test_loss_near_the_float_range_is_not_certified_wrong(name: str) -> None:
    ops = get_backend(name)
    prob, W = _plain(1.5e154)  # exact loss 1.125e308 < DBL_MAX, but ||W||^2 overflows
    loss = network.loss(ops, prob, [ops.asarray(W)])
    assert ops.compare(loss, ">", ops.scalar(1.7e308)) is not True
    assert ops.compare(loss, "<", ops.scalar(1.2e308)) is not False


@pytest.mark.parametrize("name", CERTIFIED)
def test_an_increasing_loss_is_never_certified_as_descent(name: str) -> None:
    ops = get_backend(name)
    prob, W = _plain(1e160)  # eta=3 overshoots: W' = -2e160, the loss grows fourfold
    Ws = [ops.asarray(W)]
    l0 = network.loss(ops, prob, Ws)
    l1 = network.loss(ops, prob, network.gd_step(ops, prob, Ws, 3.0))
    assert ops.compare(l1, "<=", l0) is not True
    assert ops.compare(l1, "==", l0) is not True
    assert ops.compare(l1, ">", l0) is not False


@pytest.mark.parametrize("name", ["rump", "ball"])
def test_an_overflowing_product_is_an_unbounded_ball(name: str) -> None:
    ops = get_backend(name)
    M = ops.matmul(ops.asarray(np.array([[1e200]])), ops.asarray(np.array([[1e200]])))
    assert np.isinf(M.rad).all() and np.isfinite(M.mid).all()
    s = ops.fro_norm(M)
    assert ops.compare(s, "<", ops.scalar(1.0)) is None
    assert ops.compare(s, ">", ops.scalar(1.0)) is None


@pytest.mark.parametrize("name", ["rump", "ball"])
def test_inf_and_nan_scalars_decide_nothing(name: str) -> None:
    ops = get_backend(name)
    for bad in (float("inf"), float("nan")):
        assert ops.compare(ops.scalar(bad), ">", ops.scalar(1.0)) is None
        assert ops.compare(ops.scalar(bad), "<=", ops.scalar(1.0)) is None


@pytest.mark.parametrize("name", CERTIFIED)
def test_a_subnormal_loss_scale_enters_exactly(name: str) -> None:
    ops = get_backend(name)
    prob, W = _plain(1.0, loss_scale=5e-324)
    loss = network.loss(ops, prob, [ops.asarray(W)])
    assert ops.compare(loss, "==", ops.scalar(0.0)) is not True
    assert ops.compare(loss, ">", ops.scalar(0.0)) is True


def test_exact_backend_takes_a_double_at_its_dyadic_value() -> None:
    ops = get_backend("exact")
    x = 0.1 + 0.2  # 0.30000000000000004..., not 3/10
    assert ops.compare(ops.scalar(x), "==", ops.scalar(0.3)) is False
    assert ops.compare(ops.scalar(float("inf")), ">", ops.scalar(1)) is None


def test_a_tiny_parameter_is_not_pre_rounded_into_a_certified_holds() -> None:
    """hxp20.lem4_2 with shift=1e-17: 1 + shift rounds to 1 in float64; certified must not
    say ``holds`` for the false identity G = (1 + shift) I."""
    r = get("hxp20.lem4_2")
    rep = run_result(r, backend="ball", overrides={"shift": 1e-17}, instances=4)
    assert rep.verdict is not Verdict.HOLDS
    exact = run_result(r, backend="ball", instances=4)
    assert exact.verdict is Verdict.HOLDS  # the printed identity still certifies
