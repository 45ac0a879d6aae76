import numpy as np

from boundcheck.model import residual as rs


def test_zas_invariants_and_loss():
    Ws = rs.zas_init(4, 3)
    Ds = rs.invariants(Ws)
    assert all(np.array_equal(D, np.zeros((3, 3))) for D in Ds[:-1])
    assert np.array_equal(Ds[-1], -np.eye(3))
    Phi = np.arange(9.0).reshape(3, 3)
    assert rs.loss(Ws, Phi) == 0.5 * float(np.sum(Phi * Phi))


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((2, 2)) for _ in range(3)]
    Phi = rng.standard_normal((2, 2))
    G = rs.gradients(Ws, Phi)
    h = 1e-6
    for l in range(3):
        for i in range(2):
            for j in range(2):
                Wp = [W.copy() for W in Ws]
                Wm = [W.copy() for W in Ws]
                Wp[l][i, j] += h
                Wm[l][i, j] -= h
                fd = (rs.loss(Wp, Phi) - rs.loss(Wm, Phi)) / (2 * h)
                assert abs(fd - G[l][i, j]) < 1e-6


def test_scalar_reduction_matches_full_matrices():
    L, d, c, eta = 5, 3, -1.0, 0.01
    Phi = c * np.eye(d)
    Ws = rs.zas_init(L, d)
    a, b = 1.0, 0.0
    for _ in range(200):
        Ws = rs.gd_step(Ws, Phi, eta)
        a, b = rs.scalar_gd_step(a, b, c, L, eta)
        assert np.allclose(Ws[0], a * np.eye(d), atol=1e-12)
        assert np.allclose(Ws[-1], b * np.eye(d), atol=1e-12)
        assert abs(rs.loss(Ws, Phi) - rs.scalar_loss(a, b, c, L, d)) < 1e-12
    assert rs.scalar_loss(a, b, c, L, d) < rs.scalar_loss(1.0, 0.0, c, L, d)
