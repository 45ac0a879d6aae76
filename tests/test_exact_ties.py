"""Exact ties decided exactly: the ``fmpq`` backend (boundcheck/arith/qexact.py) at the end of
``ball``'s escalation, on planted ties and on the hxp20 App. A links that tie."""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from boundcheck.arith import get_backend
from boundcheck.check import registry
from boundcheck.check.harness import evaluate_escalating, instance_rng
from boundcheck.check.verdict import combine


@pytest.fixture(scope="module")
def q():
    return get_backend("fmpq")


def test_surd_arithmetic_is_exact(q) -> None:
    r2, r8, r3 = q.sqrt(q.scalar(2)), q.sqrt(q.scalar(8)), q.sqrt(q.scalar(3))
    assert q.compare(r2 + r2, "==", r8) is True
    assert q.compare(r2 * r8, "==", q.scalar(4)) is True
    assert q.compare(r2 * r3, "==", q.sqrt(q.scalar(6))) is True
    assert q.compare(r2 * r3, "<", q.sqrt(q.scalar(6))) is False
    assert q.compare(r8 / r2, "==", q.scalar(2)) is True
    # a nonzero surd sum is never called zero, and its sign is right
    assert q.compare(r2 + r3, "==", q.scalar(Fraction(314626, 100000))) is False
    assert q.compare(r2 + r3, ">", q.scalar(Fraction(314626, 100000))) is True  # 3.146264...
    assert q.compare(r2 + r3, "<", q.scalar(Fraction(314627, 100000))) is True


def test_roots_of_surds_are_exact(q) -> None:
    rng = np.random.default_rng(2)
    B = q.asarray(rng.standard_normal((2, 5)))
    s = q.sigma_max(B)  # sqrt of a quadratic surd (2x2 Gram)
    lam = q.eigvalsh_max(q.matmul(B, q.transpose(B)))
    assert q.compare(s * s, "==", lam) is True
    assert q.compare(s ** 3, "==", lam * s) is True
    assert q.compare(s ** 4, "==", lam * lam) is True
    assert q.compare(s / s, "==", q.scalar(1)) is True
    assert q.compare(s, "<", q.fro_norm(B)) is True
    assert q.compare(s * q.scalar(-2), "<", q.scalar(0)) is True
    ref = np.linalg.norm(q.mid_array(B), 2)
    assert abs(q.mid(s) - ref) <= 1e-14 * ref


def test_surd_sign_matches_high_precision_reference(q) -> None:
    rng = random.Random(5)
    mpmath.mp.prec = 600
    for _ in range(300):
        terms = [(Fraction(rng.randint(-9, 9), rng.randint(1, 5)), rng.randint(1, 30))
                 for _ in range(rng.randint(1, 4))]
        x = q.scalar(0)
        ref = mpmath.mpf(0)
        for c, r in terms:
            x = x + q.scalar(c) * q.sqrt(q.scalar(r))
            ref += mpmath.mpf(c.numerator) / c.denominator * mpmath.sqrt(r)
        got = q.compare(x, ">", q.scalar(0))
        if abs(ref) < mpmath.mpf(2) ** -500:  # an exact zero (e.g. sqrt(8) - 2 sqrt(2))
            assert q.compare(x, "==", q.scalar(0)) is True
            assert got is False
        else:
            assert got is (ref > 0)


def test_rank_one_ties_are_decided(q) -> None:
    rng = np.random.default_rng(3)
    u = rng.standard_normal((5, 1))
    v = rng.standard_normal((1, 4))
    U, V = q.asarray(u), q.asarray(v)
    M = q.matmul(U, V)
    lhs = q.fro_norm(M)
    rhs = q.spec_norm(U) * q.spec_norm(V)
    # ||u v^T||_F = ||u|| ||v|| exactly: arb cannot decide it, fmpq can
    assert q.compare(lhs, "<=", rhs) is True
    assert q.compare(lhs, "==", rhs) is True
    assert q.compare(lhs, "<", rhs) is False
    arb = get_backend("arb", prec=1024)
    Ua, Va = arb.asarray(u), arb.asarray(v)
    assert arb.compare(arb.fro_norm(arb.matmul(Ua, Va)), "<=",
                       arb.spec_norm(Ua) * arb.spec_norm(Va)) is None
    # the spectral norm of a rank-one matrix is exact (trace of the Gram matrix)
    assert q.compare(q.spec_norm(M), "==", rhs) is True
    assert q.compare(q.sigma_min(q.matmul(q.transpose(M), M)), "==", q.scalar(0)) is True


def test_planted_near_tie_is_not_called_a_tie(q) -> None:
    rng = np.random.default_rng(4)
    u = rng.standard_normal((4, 1))
    v = rng.standard_normal((1, 3))
    M = u @ v
    M[0, 0] = np.nextafter(M[0, 0], np.inf if M[0, 0] > 0 else -np.inf)  # |M00| one ulp up
    lhs = q.fro_norm(q.asarray(M))
    rhs = q.fro_norm(q.asarray(u @ v))
    assert q.compare(lhs, "==", rhs) is False
    assert q.compare(lhs, ">", rhs) is True


def test_exact_backend_degrades_to_balls_not_guesses(q) -> None:
    from flint import arb
    x = q.scalar(arb(1, 1e-30))  # an inexact input: a ball
    assert q.compare(x, "==", q.scalar(1)) is None
    assert q.compare(x, "<", q.scalar(2)) is True
    assert q.compare(q.exp(q.scalar(1)), ">", q.scalar(Fraction(271828, 100000))) is True


def test_ball_escalates_to_exact_on_an_hxp20_tie() -> None:
    """hxp20.eq14, quick instance 0:9 (d_x = n = d_y = 1): the gradient bound is an exact tie
    at every layer; ball must end in exact-fmpq and decide it (True)."""
    registry.load_papers()
    res = registry.get("hxp20.eq14")
    p = res.resolve_params("quick", None)
    inst = res.check.sample(instance_rng(res.key, 0, 9), p)
    h, _, concl, by = evaluate_escalating(res.check, inst, [get_backend("ball")], p)
    assert h is True
    assert getattr(by, "label", "") == "exact-fmpq"
    assert combine(concl) is True
    ties = [o for o in concl if "(tie)" in o.name]
    assert ties and all(o.status is True for o in ties)
