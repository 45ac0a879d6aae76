"""Fast wwm19 checks: engine exactness (T2, T3, b_inf) and a few registered results."""
import numpy as np

from boundcheck.check.harness import run_result
from boundcheck.check.registry import all_results
from boundcheck.model import residual as rs


def test_exact_d_state_prescribes_invariants():
    rng = np.random.default_rng(1)
    d, L = 3, 5
    S = [0.01 * np.eye(d)] * (L - 1)
    Ws = rs.exact_d_state(0.2 * rng.standard_normal((d, d)), S)
    Ds = rs.invariants(Ws)
    for D in Ds[:-1]:
        assert np.allclose(D, -0.01 * np.eye(d), atol=1e-13)
    assert np.allclose(np.eye(d) + Ds[-1], -0.01 * np.eye(d), atol=1e-13)


def test_b_infinity_solves_closed_form():
    for L in (2, 10, 1000):
        b = rs.b_infinity(1.0, L)
        assert abs(b * b * (1 + b * b) ** (L - 1) - 1.0) < 1e-9


def test_some_results_as_expected():
    want = {"wwm19.def3_1": "holds-numerically", "wwm19.lem4_4": "refuted",
            "wwm19.lemA_2": "holds-numerically", "wwm19.eq3_2": "holds"}
    for r in all_results("wwm19"):
        if r.key in want:
            assert str(run_result(r, profile="quick").verdict) == want[r.key], r.key
