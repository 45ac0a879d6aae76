import numpy as np

from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem
from boundcheck.model.trajectory import iterate_gd, run_gd


def test_run_gd_streams_observables_at_stride(rng):
    prob = Problem(X=rng.standard_normal((3, 4)), Y=rng.standard_normal((2, 4)), dims=(3, 5, 5, 2),
                   alpha=1 / np.sqrt(5 * 5 * 2))
    W0 = initialize("orthogonal", rng, prob.dims)
    traj = run_gd(prob, W0, eta=0.05, steps=50, stride=10,
                  observables={"loss": lambda s: s.loss,
                               "moved": lambda s: float(s.distance_from_init().max()),
                               "Pmin": lambda s: s.P_eigen_extremes()[0]})
    assert traj.times == [0, 10, 20, 30, 40, 50]
    loss = traj.series("loss")
    assert loss[-1] < loss[0]
    assert traj.series("moved")[0] == 0.0
    assert np.all(traj.series("Pmin") >= -1e-12)


def test_state_observables_match_definitions(rng):
    prob = Problem(X=rng.standard_normal((2, 3)), Y=rng.standard_normal((2, 3)), dims=(2, 4, 4, 2),
                   alpha=0.3)
    W0 = initialize("gaussian", rng, prob.dims, sigma=0.5)
    st = next(iterate_gd(prob, W0, eta=0.01, steps=0))
    U = prob.alpha * W0[2] @ W0[1] @ W0[0] @ prob.X
    np.testing.assert_allclose(st.output, U, rtol=1e-13)
    ext = st.product_extremes()
    s = np.linalg.svd(W0[2] @ W0[1], compute_uv=False)
    assert ext[(2, 3)] == (s[0], s[-1]) or np.allclose(ext[(2, 3)], (s[0], s[-1]))
    assert (1, 3) not in ext
