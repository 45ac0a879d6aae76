import numpy as np

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
