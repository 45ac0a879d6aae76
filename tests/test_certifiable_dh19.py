"""dh19 results made certifiable (issue 13): each runs under ``--backend ball`` on a few quick
instances with the float64 verdict, decided by certified arithmetic only, and its
conditions pass the taint audit (no float64-computed number enters the arithmetic).

Also the two additions to :mod:`boundcheck.arith.qexact` they rely on: the exact
PSD-and-singular test (``lambda_min = 0`` exactly) and the eigenvalue-precision retry.
"""

from __future__ import annotations

import numpy as np
import pytest
from flint import fmpq, fmpq_mat

from boundcheck.arith.qexact import QExactBackend, QSurd, is_psd, psd_singular
from boundcheck.certify.taint import audit_result
from boundcheck.check.harness import run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict

CERTIFIED_LABELS = ("rump-float64", "arb-", "exact-fmpq")

#: key -> (instances, expected verdict under ball)
CONVERTED = {
    "dh19.eq1": (6, Verdict.HOLDS),
    "dh19.eq6": (4, Verdict.HOLDS),
    "dh19.eq7": (6, Verdict.HOLDS),
    "dh19.eq10": (8, Verdict.HOLDS),
    "dh19.eqE_def": (4, Verdict.HOLDS),
    "dh19.eq5": (3, Verdict.HOLDS),
    "dh19.eq2": (3, Verdict.HOLDS),
    "dh19.rem4_repr": (6, Verdict.HOLDS),
    "dh19.ineqC_a": (1, Verdict.HOLDS),  # one sample = the whole 407-point grid
    "dh19.ineqC_b": (1, Verdict.HOLDS),  # 202-point grid
    "dh19.eq22": (1, Verdict.REFUTED),  # printed erratum: a certified refutation (96 points)
    "dh19.eq22[repaired]": (1, Verdict.HOLDS),
    "dh19.eq20": (1, Verdict.HOLDS),  # 234 (m, alpha) points
    "dh19.lemE_chi2tail": (1, Verdict.HOLDS),  # 160 (k, x) points
    "dh19.eq3": (6, Verdict.HOLDS),
    # trajectory properties on shadowed exact GD states (one run = 8 states t = 3..24)
    "dh19.indA": (1, Verdict.HOLDS),
    "dh19.indB": (1, Verdict.HOLDS),
    "dh19.indC": (1, Verdict.HOLDS),
    "dh19.asm5_1": (6, Verdict.HOLDS),
    "dh19.claimB_1": (3, Verdict.HOLDS),
    "dh19.eq19": (1, Verdict.HOLDS),  # ~10 s per instance (12 quick: 615 s on a loaded machine)
}


@pytest.mark.parametrize("key", sorted(CONVERTED))
def test_converted_result_under_ball(key: str) -> None:
    n, expected = CONVERTED[key]
    res = get(key)
    assert res.certifiable
    rep = run_result(res, backend="ball", instances=n)
    assert rep.verdict == expected, rep.messages[:3]
    assert rep.certified
    arith = rep.details["arithmetic"]
    assert rep.counts["inconclusive"] == 0 and rep.counts["hypotheses_held"] >= 1
    assert rep.counts["hypotheses_undecided"] == 0
    if expected == Verdict.REFUTED:
        assert all(f"; {k}" in msg or k in msg for msg in rep.messages[:3]
                   for k in [next(iter(arith))])  # the refutation names certified arithmetic
    assert sum(arith.values()) == rep.counts["tried"]
    assert all(k.startswith(CERTIFIED_LABELS) for k in arith), arith
    assert audit_result(res, instances=1) == []


# a printed erratum has no broken variant to test: it is refuted as it stands (test above)
@pytest.mark.parametrize("key", sorted(k for k in CONVERTED if not get(k).erratum))
def test_converted_result_broken_variant_still_rejected_under_ball(key: str) -> None:
    res = get(key)
    rep = run_result(res, backend="ball", instances=CONVERTED[key][0], overrides=res.broken)
    assert rep.verdict == Verdict.REFUTED, rep.verdict


def _rand_psd(rng: np.random.Generator, n: int, rank: int) -> fmpq_mat:
    B = rng.integers(-3, 4, size=(n, rank))
    G = B @ B.T
    return fmpq_mat(n, n, [int(x) for x in G.ravel()])


def test_psd_singular_against_exact_eigen_structure() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 6))
        rank = int(rng.integers(0, n + 1))
        S = _rand_psd(rng, n, rank)
        true_rank = S.rank()
        assert psd_singular(S) == (true_rank < n)
        # an indefinite singular matrix: subtract a positive multiple of a unit direction
        # not in the kernel -> some eigenvalue < 0 when rank < n and S != 0
        if 0 < true_rank < n:
            T = S - fmpq_mat(n, n, [fmpq(100) if (i == j == 0) else 0
                                    for i in range(n) for j in range(n)])
            # T may have full rank; when singular it must not be called PSD (T[0,0] < 0)
            if T.rank() < n:
                assert not psd_singular(T)
    assert psd_singular(fmpq_mat(3, 3, [0] * 9))
    assert not psd_singular(fmpq_mat(2, 2, [1, 0, 0, 1]))
    assert not psd_singular(fmpq_mat(3, 3, [2, 3, 0, 3, 2, 0, 0, 0, 0]))  # eig -1, 5, 0


def test_exact_min_eigenvalue_zero_for_singular_psd() -> None:
    be = QExactBackend()
    S = _rand_psd(np.random.default_rng(1), 4, 2)
    lmin = be.eigvalsh_min(S)
    assert isinstance(lmin, QSurd)
    assert be.compare(lmin, "==", be.scalar(0))


def test_qexact_escalates_eig_precision_then_stops() -> None:
    be = QExactBackend()
    precs = []
    while be is not None:
        precs.append(be.eig_prec)
        be = be.escalate()
    assert precs == [256, 512, 1024]


# ------------------------------------------------------------------ lgamma, gamma_upper_reg
_SPECIAL_PTS = [(0.5, 0.01), (1.0, 1.0), (1.5, 2.0), (2.5, 5.0), (5.0, 0.3), (50.0, 80.0),
                (250.0, 400.0), (0.5, 60.0)]


@pytest.mark.parametrize("name", ["float64", "rump", "ball", "arb", "fmpq", "mpmath"])
def test_special_functions_against_mpmath(name: str) -> None:
    import mpmath

    from boundcheck.arith import get_backend
    be = get_backend(name)
    mpmath.mp.dps = 60
    for s, z in _SPECIAL_PTS:
        ref_lg = mpmath.loggamma(mpmath.mpf(s))
        ref_q = mpmath.gammainc(mpmath.mpf(s), mpmath.mpf(z), regularized=True)
        lg = be.lgamma(be.scalar(s))
        q = be.gamma_upper_reg(be.scalar(s), be.scalar(z))
        for val, ref in ((lg, ref_lg), (q, ref_q)):
            if be.certified:  # the enclosure contains the exact value, and is narrow
                lo, hi = be.mid(val) - be.radius(val), be.mid(val) + be.radius(val)
                assert be.compare(val, ">=", be.scalar(float(ref) - 1e-12 * (1 + abs(float(ref)))))
                assert be.compare(val, "<=", be.scalar(float(ref) + 1e-12 * (1 + abs(float(ref)))))
                assert be.radius(val) <= 1e-12 * (1 + abs(float(ref))), (s, z, lo, hi)
            else:
                assert abs(float(val) - float(ref)) <= 1e-9 * (1 + abs(float(ref))), (s, z)
    # lgamma(1) = lgamma(2) = 0
    assert be.compare(be.lgamma(be.scalar(2)), "<=", be.scalar(1e-15))


def test_special_functions_certified_enclosure_is_sound() -> None:
    """Arb enclosures at 53 bits of precision must still contain the 60-digit value."""
    import mpmath
    from flint import arb

    from boundcheck.arith import get_backend
    mpmath.mp.dps = 60
    be = get_backend("rump")
    for s, z in _SPECIAL_PTS:
        q = be.gamma_upper_reg(be.scalar(s), be.scalar(z))
        ref = mpmath.gammainc(mpmath.mpf(s), mpmath.mpf(z), regularized=True)
        assert isinstance(q, arb)
        assert q.contains(arb(mpmath.nstr(ref, 50)).mid())  # mid of a 50-digit string ball


def test_is_psd_exact() -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        n = int(rng.integers(1, 6))
        S = _rand_psd(rng, n, int(rng.integers(0, n + 1)))
        assert is_psd(S)
        T = S - fmpq_mat(n, n, [fmpq(100) if i == j == 0 else 0 for i in range(n)
                                for j in range(n)])
        assert not is_psd(T)  # T[0, 0] < 0
    assert is_psd(fmpq_mat(2, 2, [1, 1, 1, 1]))  # eigenvalues 0, 2
    assert not is_psd(fmpq_mat(2, 2, [1, 2, 2, 1]))  # -1, 3
    with pytest.raises(ValueError):
        is_psd(fmpq_mat(2, 2, [1, 2, 0, 1]))


def test_exact_pinv_penrose_conditions() -> None:
    from boundcheck.model import exact_grad as eg
    from theorems.dh19.setup import exact_pinv
    rng = np.random.default_rng(3)
    for _ in range(30):
        d, n, r = int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(0, 4))
        A = rng.integers(-3, 4, size=(d, r))
        B = rng.integers(-3, 4, size=(r, n))
        X = eg.exact_mat((A @ B).astype(float) if r else np.zeros((d, n)))
        P = exact_pinv(X)
        assert X * P * X == X and P * X * P == P
        assert (X * P).transpose() == X * P and (P * X).transpose() == P * X


def test_trajectory_states_are_balls_around_the_exact_iterates(monkeypatch) -> None:
    """Under ball the induction checks see shadowing balls (radius e_t > 0 for t >= 1); with
    a shadowing horizon of 0 (e_max tiny) every later state is an infinite ball and the
    check is inconclusive -- never decided on the float64 iterate."""
    import boundcheck.certify.shadowing as sh
    from boundcheck.arith import get_backend
    from boundcheck.check.harness import instance_rng
    from theorems.dh19 import induction as ind
    res = get("dh19.indC")
    params = res.resolve_params("quick", None)
    inst = res.check.sample(instance_rng(res.key, 0, 0), params)[0]
    be = get_backend("ball")
    balls = ind.states(be, inst, inst["t"])
    assert all(be.max_radius(B) > 0 for B in balls)
    rep = ind._shadow(inst)
    assert rep.horizon == len(inst["traj"]) - 1 and rep.bounds[inst["t"]] < 1e-9

    orig = sh.shadow_gd
    monkeypatch.setattr(sh, "shadow_gd", lambda *a, **k: orig(*a, **{**k, "e_max": 1e-300}))
    ind._SHADOW_CACHE.clear()
    try:
        out = run_result(res, backend="ball", instances=1)
        assert out.verdict == Verdict.INCONCLUSIVE, out.verdict
    finally:
        ind._SHADOW_CACHE.clear()
