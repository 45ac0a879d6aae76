"""Extra tests for acgh19's probability results and failure examples (Claims 4-5, Lemma 17)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from flint import fmpq

from boundcheck.check.harness import recheck, run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict
from theorems.acgh19._exact import Field, ordered_ratio, ratio, reduce_root
from theorems.acgh19.failures import (
    _claim4_instance,
    _matrix_claim4_run,
    _matrix_run,
    _scalar_run,
)
from theorems.acgh19.probability import (
    cap_area_chudnov,
    cap_area_exact,
    exact_moments,
    imbalance,
    lem15_exact_prob,
    procedure1_scalar_output,
    vector_margin,
)

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------ exact arithmetic helpers
def test_reduce_root_and_exact_sign():
    assert reduce_root(fmpq(16), 4) == (fmpq(2), 1)
    assert reduce_root(fmpq(4_000_000), 2) == (fmpq(2000), 1)
    P, n = reduce_root(fmpq(20000), 2)  # 100 sqrt(2): irrational, stays a square root
    assert (P, n) == (fmpq(20000), 2)
    F = Field(2 * 10 ** 8, 6)
    A = F.gen()
    assert (A ** 6 - F.const(2 * 10 ** 8)).sign() == 0
    assert (A - F.const(24)).sign() == 1 and (A - F.const(25)).sign() == -1


def test_ordered_ratio_preserves_exact_order():
    assert ordered_ratio(1.0, 1) > 1.0
    assert ordered_ratio(1.0, -1) < 1.0
    assert ordered_ratio(0.9999999999999999, 0) == 1.0
    assert ordered_ratio(3.0, 1) == 3.0


# ------------------------------------------------------------------ Lemma 17 finding
def test_lem17_exact_counterexample_figures():
    # N = 2, eta = 1, c = (99/100)^2 = 0.9801, A = 2000 (second reading's instance).
    inst = _claim4_instance(2, "1", "99/100", 1, "printed")
    assert inst["A_pow"] == "4000000"
    F, traj = _scalar_run(2, "1", "99/100", inst["A_pow"], inst["A_root"], 1, True)
    w1, w2 = traj[1]
    assert F.n == 1
    assert w1.c[0] == fmpq(3960000019701, 2000000000)
    assert w2.c[0] == fmpq(7880499, 200000)  # 39.402495 < B(1) = 200
    # N = 4, eta = 1, c = (399/400)^4 = 0.990037: min_j W_j(1) = 19.7766 < 200.
    inst = _claim4_instance(4, "1", "399/400", 1, "printed")
    F, traj = _scalar_run(4, "1", "399/400", inst["A_pow"], inst["A_root"], 1, True)
    low = min(w.approx() for w in traj[1])
    assert 19.77 < low < 19.78
    r, s, _, _ = ratio(traj[1][3], F.const(200))
    assert s == -1 and r < 1


def test_lem17_base_case_tie_is_exact_equality():
    # eta <= 1 and the last term of (50) attaining the max: eta B(1)^{2N-1} = 20 C(1) exactly.
    inst = _claim4_instance(2, "1/100", "867/1000", 1, "printed")
    F = Field(inst["A_pow"], inst["A_root"])
    assert F.n == 2  # A = 100 sqrt(2) / eta^2 is irrational
    A = F.gen()
    eta = fmpq(1, 100)
    B, C = A * (eta / 10), A * 1
    _, s, _, _ = ratio(B ** 3 * eta, C * 20)
    assert s == 0


def _printed_counterexamples(tmp_path: Path, backend: str = "float64") -> list[str]:
    rep = run_result(get("acgh19.lem17"), counterexample_dir=tmp_path, backend=backend)
    assert rep.verdict is Verdict.REFUTED
    assert rep.counterexamples
    return rep.counterexamples


def test_lem17_counterexample_file_rechecks_to_refuted(tmp_path):
    files = _printed_counterexamples(tmp_path)
    for f in files:
        data = json.loads(Path(f).read_text())
        assert data["key"] == "acgh19.lem17"
        # exact inputs only: rationals as strings, integers
        assert isinstance(data["instance"]["eta"], str) and isinstance(data["instance"]["q"], str)
        rep = recheck(f)
        assert rep.verdict is Verdict.REFUTED and rep.as_expected
        rep = recheck(f, backend="exact")  # certified backend: same verdict
        assert rep.verdict is Verdict.REFUTED and rep.certified


def test_lem17_counterexample_file_cli(tmp_path):
    files = _printed_counterexamples(tmp_path, backend="exact")
    out = subprocess.run([sys.executable, "-m", "boundcheck", "recheck", files[0]], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "refuted" in out.stdout
    assert "|W_j(t)| >= B(t)" in out.stdout and "VIOLATED" in out.stdout


def test_claim4_conclusion_holds_where_lem17_fails():
    from boundcheck.arith import get_backend
    from boundcheck.check.harness import evaluate_instance

    r = get("acgh19.claim4")
    be = get_backend("float64")
    p = r.resolve_params()
    for N, eta, q in [(4, "1", "399/400"), (2, "1", "99/100"), (2, "1/10", "999/1000")]:
        inst = _claim4_instance(N, eta, q, 3, "printed")
        h, _, concl = evaluate_instance(r.check, inst, be, p)
        assert h is True and all(o.status for o in concl)


def test_claim4_matrix_run_reduces_to_scalar():
    inst = _claim4_instance(2, "1/2", "9/10", 2, "printed")
    args = (2, "1/2", "9/10", inst["A_pow"], inst["A_root"], 2, True)
    _, scal = _scalar_run(*args)
    _, mats = _matrix_claim4_run(*args, 3)
    for t in range(3):
        for j in range(2):
            M = mats[t][j]
            assert (M[0][0] - scal[t][j]).is_zero()
            for i in range(3):
                for k in range(3):
                    if (i, k) != (0, 0):
                        assert (M[i][k] - int(i == k)).is_zero()


# ------------------------------------------------------------------ Claim 5 tie
def test_claim5_tie_exact():
    # d = 1, N = 2, Phi = -lambda, eta = 1/(1+lambda): W(1) = 0 and l(1) = lambda^2/2 exactly.
    lam = fmpq(1, 2)
    key = (2, "2/3", (("-1/2",),), ((("1",),), (("1",),)), 2)
    traj = _matrix_run(key)
    assert traj[1][0][0, 0] == 0 and traj[1][1][0, 0] == 0
    prod = traj[1][1] * traj[1][0]
    assert (prod[0, 0] + lam) ** 2 / 2 == lam * lam / 2


# ------------------------------------------------------------------ probability helpers
def test_procedure1_scalar_output_balanced_and_exact_product():
    rng = np.random.default_rng(3)
    for dims in [(7, 1), (7, 2, 1), (9, 3, 1, 1), (5, 1, 4, 2, 1)]:
        A = rng.standard_normal((1, dims[0]))
        Ws = procedure1_scalar_output(A, dims)
        P = Ws[0]
        for W in Ws[1:]:
            P = W @ P
        assert np.allclose(P, A, rtol=1e-13, atol=0)
        assert imbalance(Ws) <= 1e-13 * np.linalg.norm(A) ** (2 / (len(dims) - 1))


def test_vector_margin_matches_naive():
    rng = np.random.default_rng(4)
    phi = rng.standard_normal(6)
    w = 0.3 * rng.standard_normal(6)
    naive = np.linalg.norm(phi) - np.linalg.norm(w - phi)
    assert vector_margin(w, phi) == pytest.approx(naive, rel=1e-12)


def test_lem10_moments_exact():
    ex11, exf = exact_moments(2, 5, 1)
    assert ex11 == 23  # (a-b)^2 + 2(a+b); the printed form gives 33
    assert 3 * 7 + 2 * 1 + 5 * 4 - 2 * 5 == 33
    assert exf == 1 * 9 + 1 * 2 * 7


def test_cap_area_forms_agree():
    with mp.workdps(30):
        for d, h in [(20, 0.3), (30, 0.9), (60, 0.05)]:
            assert abs(cap_area_exact(d, h) - cap_area_chudnov(d, h)) < mp.mpf(10) ** -20
        assert cap_area_exact(20, 1) == mp.mpf(1) / 2
        assert float(lem15_exact_prob(20, 100)) == pytest.approx(0.4426, abs=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("key", ["acgh19.lem17", "acgh19.lem17[repaired]", "acgh19.claim4",
                                 "acgh19.thm2[phase1-descent]",
                                 "acgh19.claim5", "acgh19.thm2", "acgh19.claim3"])
def test_full_profile(key):
    r = get(key)
    rep = run_result(r, profile="full")
    assert rep.as_expected, (rep.verdict, rep.messages[:3])
