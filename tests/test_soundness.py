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

CERTIFIED = ["rump", "ball", "arb", "fmpq"]


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


# ---------------------------------------------------------------- constants enter exactly
# Issue 9/13: every constant a certified condition uses enters the arithmetic exactly
# (ops.scalar of a Fraction/int, exact rational exponents), never as a float computed first.
from fractions import Fraction  # noqa: E402

from flint import arb, fmpq  # noqa: E402

from boundcheck.arith.qexact import to_fmpq  # noqa: E402
from boundcheck.check.harness import instance_rng  # noqa: E402
from boundcheck.check.verdict import evaluate  # noqa: E402


def _cond(conds, prefix: str):
    hits = [c for c in conds if c.name.startswith(prefix)]
    assert hits, [c.name for c in conds]
    return hits[0]


def test_hxp20_asm5_1_one_over_theta_c_is_exact() -> None:
    """||X||_F >= 1/C with C = 3 and ||X||_F = fl(1/3) < 1/3: false; the pre-rounded
    rhs fl(1/3) would make it hold."""
    from theorems.hxp20.gaussian import _asm_conclusions
    third = 1 / 3
    assert Fraction(third) < Fraction(1, 3) and third >= 1 / 3.0  # the plant bites
    inst = {"X": np.array([[third]]), "Y": np.array([[1.0]]), "W0": [np.ones((2, 2))],
            "claimed_sigmas": [1.0]}
    p = {"theta_C": 3.0, "real_rtol": 1e-12}
    for name in ("rump", "fmpq"):
        ops = get_backend(name)
        c = _cond(_asm_conclusions(inst, ops, p), "||X||_F = Theta(1): >= 1/C")
        got = evaluate(c, ops).status
        assert got is False or (name == "rump" and got is None)  # never the wrong True
        if name == "fmpq":
            assert got is False


def test_hxp20_eq12_ec_hypothesis_is_exact() -> None:
    """(L K rho)^2 <= 2.5 tau / K: planted values where the float64 evaluation of both sides
    decides the wrong way; the certified evaluation agrees with exact rationals. Since issue
    13 (hxp20 certifiable pass) K and tau are recomputed from A(0): a width-1 chain with
    A_1(0) = 3 and A_k(0) = 1 gives K = tau = 3, and the condition at the pair norm N = K is
    ``(L rho)^2 K^3 <= 2.5 tau``."""
    from theorems.hxp20.gaussian import _eq12_hypotheses
    L, K = 40, 3.0
    A0 = [np.array([[K]])] + [np.array([[1.0]]) for _ in range(L - 1)]
    found = 0
    r_b = (2.5 / K**2) ** 0.5 / L  # the boundary (L K rho)^2 = 2.5, where rounding decides
    for k in range(-300, 301):
        r = float(r_b + k * np.spacing(r_b))
        truth = (L * Fraction(r)) ** 2 * Fraction(K) ** 3 <= Fraction(5, 2) * Fraction(K)
        # float64 evaluations of the old and of the new form of the condition
        old1 = (L * K * r) ** 2 <= 2.5 * K / K
        old2 = (L * r) ** 2 * K**3 <= 2.5 * K
        if truth == old1 and truth == old2:
            continue
        found += 1
        inst = {"L": L, "rho": r, "A": A0, "A0": A0}
        for name in ("ball", "fmpq"):
            ops = get_backend(name)
            conds = [c for c in _eq12_hypotheses(inst, ops, {})
                     if c.name.startswith("EC of 'e^{-0.6") and c.context == "N(1, 1)"]
            assert len(conds) == 1
            got = evaluate(conds[0], ops).status
            if name == "ball":  # rump alone may leave it undecided (pair norms are balls
                assert got in (None, truth)  # now), never wrong; fmpq decides it below
                continue
            assert got is truth
    assert found >= 1  # the planted flip exists


def test_hxp20_lem5_5_band_constants_are_exact() -> None:
    from theorems.hxp20.gaussian import _lem55_conclusions
    r = get("hxp20.lem5_5")
    p = r.resolve_params("quick", None)
    inst = r.check.sample(instance_rng(r.key, 0, 0), p)
    # since issue 13 ||Y||_F^2 is formed in the arithmetic from the stored Y (exactly)
    y2 = sum(Fraction(float(v)) ** 2 for v in np.ravel(inst["Y"]))
    ops = get_backend("fmpq")
    conds = _lem55_conclusions(inst, ops, p)
    y2q = fmpq(y2.numerator, y2.denominator)
    assert to_fmpq(_cond(conds, "loss > 0.4").rhs) == fmpq(2, 5) * y2q
    assert to_fmpq(_cond(conds, "loss < 0.6").rhs) == fmpq(3, 5) * y2q


def test_acgh19_lem6_exponents_are_exact_rationals() -> None:
    """(24) at N = 3 uses 2^{1/3}: the certified lhs + 1/90 cubes to exactly 2 (the float
    exponent fl(1/3) gives a ball that excludes 2)."""
    from theorems.acgh19.lemmas import _lem6_concl
    r = get("acgh19.lem6")
    p = r.resolve_params("quick", None)
    inst = next(i for k in range(200)
                if len((i := r.check.sample(instance_rng(r.key, 0, k), p))["W"]) == 3)
    ops = get_backend("arb", prec=256)
    c = _cond(_lem6_concl(inst, ops, p), "(24)")
    x = c.lhs + ops.scalar(1) / ops.scalar(90)
    assert (x ** 3 - 2).contains(0)
    assert not (ops.power(ops.scalar(2), 1 / 3) ** 3 - 2).contains(0)  # the old bug
    bound = _cond(_lem6_concl(inst, ops, p), "||W_j||_sigma").rhs  # C^{1/3} 2^{1/6}
    assert (bound ** 6 - arb(inst["C"]) ** 2 * 2).contains(0)


def test_acgh19_lem7_delta_constant_times_n_cubed_is_exact() -> None:
    """delta = c^2 / (delta_const N^3 B^{2(N-1)/N}) with delta_const = 1 + 2^-52, N = 3:
    27 delta_const is not a double; the certified rhs must use the exact product."""
    from theorems.acgh19.lemmas import _lem7_hyp
    r = get("acgh19.lem7")
    p = dict(r.resolve_params("quick", None))
    dc = 1 + 2.0 ** -52
    assert Fraction(dc * 27) != 27 * Fraction(dc)
    p["delta_const"] = dc
    inst = next(i for k in range(400)
                if (i := r.check.sample(instance_rng(r.key, 0, k), p))["N"] == 3)
    ops = get_backend("arb", prec=512)
    c = _cond(_lem7_hyp(inst, ops, p), "(3) imbalance")
    Bn = ops.fro_norm(ops.asarray(inst["Phi"]))
    cc = ops.scalar(inst["c"])
    back = c.rhs * ops.scalar(27 * Fraction(dc)) * ops.power(Bn, Fraction(4, 3))
    assert (back - 2 * cc * cc).contains(0)
    wrong = c.rhs * ops.scalar(dc * 27) * ops.power(Bn, Fraction(4, 3))
    assert not (wrong - 2 * cc * cc).contains(0)


def test_dh19_eq20_k_over_m_is_exact() -> None:
    from theorems.dh19.init_props import _eq20_conclusions
    r = get("dh19.eq20")
    p = r.resolve_params("quick", None)
    ops = get_backend("fmpq")
    conds = _eq20_conclusions({"m": 3, "alpha": 0.5}, ops, p)
    assert to_fmpq(conds[0].rhs) == fmpq(1, 9)  # K/m = (1/3)/3 exactly, not fl(1/3)/3
    assert to_fmpq(conds[1].rhs) == fmpq(1, 9)


def test_hxp20_definition_constants_are_exact() -> None:
    """eq1: alpha * alpha_factor and asm4_1: lr + lstar_factor * lstar enter as exact
    products/sums of the doubles (their float64 results would be rounded)."""
    from boundcheck.model import kernels
    from theorems.hxp20.definitions import _asm4_1_conclusions, reduce_data
    r = get("hxp20.asm4_1")
    p = dict(r.resolve_params("quick", None))
    p["lstar_factor"] = 1 / 3
    p["steps"] = 1
    inst = r.check.sample(instance_rng(r.key, 0, 0), p)
    ops = get_backend("fmpq")
    c = _cond(_asm4_1_conclusions(inst, ops, p), "l(X,Y) = l(X~, W*X~) + l*")
    Xt, Wstar, lstar = reduce_data(inst["X"], inst["Y"])
    lr = kernels.loss(Problem(X=Xt, Y=Wstar @ Xt, dims=inst["dims"]), inst["weights"])
    exact = Fraction(lr) + Fraction(1 / 3) * Fraction(lstar)
    assert to_fmpq(c.rhs) == fmpq(exact.numerator, exact.denominator)
    from theorems.hxp20.definitions import _eq1_conclusions
    r1 = get("hxp20.eq1")
    p1 = dict(r1.resolve_params("quick", None))
    p1["alpha_factor"] = 1 / 3
    inst1 = r1.check.sample(instance_rng(r1.key, 0, 0), p1)
    q = get_backend("fmpq")
    # a factor 1/3 (as a double) makes the identity false; exactly, never "holds"
    assert all(evaluate(c1, q).status is False for c1 in _eq1_conclusions(inst1, q, p1))
    # with the factor 1 the identity is exact and certifies exactly
    p1["alpha_factor"] = 1.0
    assert all(evaluate(c1, q).status is True for c1 in _eq1_conclusions(inst1, q, p1))
