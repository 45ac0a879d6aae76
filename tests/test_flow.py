import numpy as np
import pytest

from boundcheck.model import kernels
from boundcheck.model.flow import run_flow
from boundcheck.model.problem import Problem
from boundcheck.model.trajectory import run_gd


def test_flow_matches_small_step_gd_and_preserves_balancedness(rng):
    # Scalar-ish depth-3 net: gradient flow preserves W_{j+1}^T W_{j+1} - W_j W_j^T exactly.
    prob = Problem.for_target(np.array([[2.0]]), dims=(1, 1, 1, 1))
    W0 = [np.array([[0.9]]), np.array([[0.8]]), np.array([[1.1]])]
    flow = run_flow(prob, W0, t_end=2.0, sample_times=[0.0, 1.0, 2.0],
                    observables={"loss": lambda Ws: kernels.loss(prob, Ws),
                                 "imb": lambda Ws: float(Ws[1][0, 0] ** 2 - Ws[0][0, 0] ** 2)})
    assert flow.success
    imb = np.array(flow.records["imb"])
    assert np.max(np.abs(imb - imb[0])) < 1e-8
    gd = run_gd(prob, W0, eta=1e-4, steps=20000, stride=10000)
    # GD with eta tracks the flow to O(eta) over a unit horizon.
    assert abs(gd.series("loss")[-1] - flow.records["loss"][-1]) < 1e-3
    assert flow.records["loss"][-1] < flow.records["loss"][0]


def _linear_case(rtol):
    # One layer, 1/2||W - Phi||^2: W(t) = Phi + (W0 - Phi) e^{-t}.
    Phi = np.array([[2.0, -1.0], [0.5, 3.0]])
    W0 = np.array([[0.1, 0.2], [-0.3, 0.4]])
    ts = np.linspace(0.0, 4.0, 9)
    f = run_flow(Problem.for_target(Phi, dims=(2, 2)), [W0], 4.0, sample_times=ts,
                 observables={"W": lambda Ws: Ws[0].copy()}, rtol=rtol, atol=rtol * 1e-2)
    err = max(np.abs(w - (Phi + (W0 - Phi) * np.exp(-t))).max() / np.abs(Phi).max()
              for w, t in zip(f.records["W"], ts, strict=True))
    return f, err


def _balanced_case(rtol):
    # Balanced scalar 2-layer net w1 = w2 = w, p = w^2: p' = -2p(p - phi), logistic.
    phi, w0 = 3.0, 0.5
    p0 = w0 * w0
    ts = np.linspace(0.0, 4.0, 9)
    f = run_flow(Problem.for_target(np.array([[phi]]), dims=(1, 1, 1)),
                 [np.array([[w0]]), np.array([[w0]])], 4.0, sample_times=ts,
                 observables={"p": lambda Ws: Ws[1][0, 0] * Ws[0][0, 0]}, rtol=rtol,
                 atol=rtol * 1e-2)
    exact = phi * p0 / (p0 + (phi - p0) * np.exp(-2 * phi * ts))
    return f, float(np.max(np.abs(np.array(f.records["p"]) - exact) / exact))


@pytest.mark.parametrize("rtol", [1e-6, 1e-8, 1e-10])
@pytest.mark.parametrize("case", [_linear_case, _balanced_case])
def test_flow_error_within_stated_tolerance_against_closed_forms(case, rtol):
    f, err = case(rtol)
    assert f.success and f.within_tolerance
    assert err <= rtol, f"measured error {err:.3g} exceeds rtol {rtol:g}"
    # The estimate is honest: within a factor 100 of the measured error, and below rtol.
    assert f.max_error_estimate <= rtol
    assert err <= 100 * max(f.max_error_estimate, 1e-15)
