"""hxp20 results made certifiable (issue 13): each runs under ``--backend ball`` on a few
quick instances with the float64 verdict, decided by certified arithmetic only, and its
conditions pass the taint audit; plus unit tests of the exact PSD test added to the fmpq
backend for singular symmetric matrices (``qexact.psd_singular``)."""

from __future__ import annotations

import numpy as np
import pytest
from flint import fmpq, fmpq_mat

from boundcheck.arith import get_backend
from boundcheck.arith.qexact import psd_singular
from boundcheck.certify.taint import audit_result
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict

CERTIFIED_ARITHMETIC = ("rump-float64", "arb-", "exact-fmpq")

#: newly certifiable hxp20 results and the number of quick instances run under ball here
CONVERTED = {"hxp20.eq6": 4, "hxp20.eq_expand": 4, "hxp20.eq7": 6, "hxp20.fn3": 6,
             "hxp20.def5_1": 4, "hxp20.eq11": 4,
             "hxp20.ineq_gamma": 1, "hxp20.lem5_3_net": 6,
             "hxp20.eq12": 2, "hxp20.lem5_4": 3,
             "hxp20.lem5_5": 8, "hxp20.def5_nbhd": 2,
             "hxp20.def_B": 6, "hxp20.eq4": 4, "hxp20.eq8": 4}


def _certified_only(arith: dict) -> bool:
    return bool(arith) and all(k.startswith(CERTIFIED_ARITHMETIC) for k in arith)


@pytest.mark.parametrize("key", sorted(CONVERTED))
def test_holds_under_ball_with_certified_arithmetic(key: str) -> None:
    res = get(key)
    assert res.certifiable
    rep = run_result(res, backend="ball", instances=CONVERTED[key])
    assert rep.verdict is Verdict.HOLDS, rep.messages[:2]
    assert rep.certified and rep.counts["inconclusive"] == 0
    assert "certification" not in rep.details  # not the float64 fallback
    arith = rep.details["arithmetic"]
    assert _certified_only(arith), arith
    assert sum(arith.values()) >= CONVERTED[key]  # ineq_gamma: one instance, 26 cases


@pytest.mark.parametrize("key", sorted(CONVERTED))
def test_broken_variant_refuted_under_ball(key: str, tmp_path) -> None:
    res = get(key)
    rep = run_result(res, backend="ball", instances=max(2, CONVERTED[key]),
                     overrides=dict(res.broken),
                     counterexample_dir=tmp_path)
    assert rep.verdict is Verdict.REFUTED, rep.messages[:2]
    assert rep.certified


@pytest.mark.parametrize("key", sorted(CONVERTED))
def test_taint_audit_clean(key: str) -> None:
    assert audit_result(get(key), instances=2) == []


def _q(a: np.ndarray) -> fmpq_mat:
    return fmpq_mat([[fmpq(int(x)) for x in row] for row in a])


def test_singular_psd_exact() -> None:
    rng = np.random.default_rng(1)
    for _ in range(40):
        n = int(rng.integers(3, 7))
        r = int(rng.integers(1, n))
        B = rng.integers(-3, 4, size=(n, r))
        d = rng.integers(1, 4, size=r)
        S = _q(B @ np.diag(d) @ B.T)
        assert psd_singular(S)
        if r >= 2 and np.linalg.matrix_rank(B) >= 2:
            d2 = d.copy()
            d2[0] = -d2[0]  # same range, one negative eigen-direction: indefinite
            assert not psd_singular(_q(B @ np.diag(d2) @ B.T))


def test_fmpq_eigvalsh_min_of_singular_psd_is_exact_zero() -> None:
    ops = get_backend("fmpq")
    B = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.25], [1.0, 1.0]])
    S = ops.asarray(B @ B.T)  # 4x4, rank 2, PSD
    lmin = ops.eigvalsh_min(S)
    assert ops.compare(lmin, "==", ops.scalar(0)) is True
    assert ops.compare(ops.eigvalsh_max(S), ">", ops.scalar(0)) is True
    # an indefinite singular matrix keeps a negative enclosure (never called 0)
    D = np.diag([1.0, -1.0])
    T = ops.asarray(B @ D @ B.T)
    assert ops.compare(ops.eigvalsh_min(T), "<", ops.scalar(0)) is True


@pytest.mark.parametrize("name", ["float64", "rump", "arb", "fmpq"])
def test_trace_every_backend(name: str) -> None:
    """``trace`` (added to float64 for hxp20.fn3) agrees with the exact rational trace."""
    from fractions import Fraction

    ops = get_backend(name)
    M = np.array([[0.1, 2.0, 3.0], [4.0, -1e-3, 6.0], [7.0, 8.0, 2.5e10]])
    exact = sum(Fraction(float(M[i, i])) for i in range(3))
    t = ops.trace(ops.asarray(M))
    if ops.certified:
        assert ops.compare(t, "==", ops.scalar(exact), atol=0.0) is not False
        assert ops.radius(t) <= 1e-6
    assert abs(ops.mid(t) - float(exact)) <= 1e-6


@pytest.mark.parametrize("name", ["float64", "rump", "arb", "fmpq", "mpmath", "ball"])
def test_gamma_ratio_every_backend(name: str) -> None:
    """``gamma_ratio(x, h) = Gamma(x+h)/Gamma(x)`` (added for hxp20.ineq_gamma): certified
    backends enclose the 60-digit mpmath value, also far past float64's Gamma range."""
    from fractions import Fraction

    import mpmath
    from flint import arb

    ops = get_backend(name)
    for x, h in ((0.5, Fraction(1, 2)), (3.25, Fraction(1, 2)), (1e9, Fraction(1, 2)),
                 (200.0, Fraction(3))):
        with mpmath.workdps(60):
            ref = mpmath.gamma(mpmath.mpf(x) + mpmath.mpf(h.numerator) / h.denominator) \
                / mpmath.gamma(mpmath.mpf(x))
            ref_ball = arb(mpmath.nstr(ref, 55), mpmath.nstr(abs(ref) * mpmath.mpf(10) ** -52, 5))
        val = ops.gamma_ratio(ops.scalar(x), ops.scalar(h))
        if ops.certified:
            assert isinstance(val, arb) and val.overlaps(ref_ball), (x, h, val)
            assert ops.radius(val) <= abs(float(ref)) * 1e-20
        assert abs(ops.mid(val) - float(ref)) <= abs(float(ref)) * 1e-15
