import numpy as np
import pytest

from boundcheck.errors import InputError
from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem, check_step_size, require_full_column_rank
from boundcheck.model.trajectory import run_gd


def test_mismatched_sample_counts():
    with pytest.raises(InputError, match="samples"):
        Problem(X=np.ones((2, 3)), Y=np.ones((1, 4)), dims=(2, 3, 1))


def test_dims_must_match_data():
    with pytest.raises(InputError, match="d_0"):
        Problem(X=np.ones((2, 3)), Y=np.ones((1, 3)), dims=(4, 3, 1))


def test_nan_data_rejected():
    X = np.ones((2, 3))
    X[0, 1] = np.nan
    with pytest.raises(InputError, match="NaN"):
        Problem(X=X, Y=np.ones((1, 3)), dims=(2, 3, 1))


def test_infinite_data_rejected():
    with pytest.raises(InputError, match="infinite"):
        Problem(X=np.ones((2, 3)), Y=np.full((1, 3), np.inf), dims=(2, 3, 1))


@pytest.mark.parametrize("eta", [0.0, -1e-3, float("nan")])
def test_non_positive_step_size(eta):
    with pytest.raises(InputError, match="step size"):
        check_step_size(eta)


def test_run_gd_rejects_bad_step(rng):
    prob = Problem(X=np.eye(2), Y=np.eye(2), dims=(2, 2, 2))
    with pytest.raises(InputError):
        run_gd(prob, initialize("gaussian", rng, prob.dims), eta=-0.1, steps=3)


def test_orthogonal_init_needs_wide_layers(rng):
    with pytest.raises(InputError, match="m >= max"):
        initialize("orthogonal", rng, (4, 3, 3, 2))


def test_orthogonal_init_identities(rng):
    m = 6
    Ws = initialize("orthogonal", rng, (3, m, m, 2))
    np.testing.assert_allclose(Ws[0].T @ Ws[0], m * np.eye(3), atol=1e-12)
    np.testing.assert_allclose(Ws[1].T @ Ws[1], m * np.eye(m), atol=1e-12)
    np.testing.assert_allclose(Ws[2] @ Ws[2].T, m * np.eye(2), atol=1e-12)


def test_rank_deficient_data_rejected():
    X = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(InputError, match="rank-deficient"):
        require_full_column_rank(X)


def test_unknown_init_and_kind(rng):
    with pytest.raises(InputError, match="unknown initialization"):
        initialize("xavier", rng, (2, 2))
    with pytest.raises(InputError, match="unknown model kind"):
        Problem(X=np.eye(2), Y=np.eye(2), dims=(2, 2), kind="conv")


def test_weights_shape_checked(rng):
    prob = Problem(X=np.eye(2), Y=np.eye(2), dims=(2, 3, 2))
    with pytest.raises(InputError, match="W_1"):
        prob.check_weights([np.zeros((2, 2)), np.zeros((2, 3))])


def test_exact_values_serialize_without_rounding(tmp_path):
    """Fractions and object arrays of Fractions round-trip exactly (a counterexample of
    wwm19.lem4_4 is a rational state; float64 would round 1/3)."""
    from fractions import Fraction

    from boundcheck.model import serialize

    arr = np.empty((2, 2), dtype=object)
    arr[:] = [[Fraction(1, 3), Fraction(0)], [Fraction(-7, 10**30 + 1), 2]]
    obj = {"c": Fraction(401, 40), "W": [arr], "x": 0.1}
    back = serialize.load(serialize.dump(obj, tmp_path / "x.json"))
    assert back["c"] == Fraction(401, 40) and isinstance(back["c"], Fraction)
    assert back["W"][0].dtype == object and back["W"][0].shape == (2, 2)
    assert back["W"][0][1, 0] == Fraction(-7, 10**30 + 1) and back["W"][0][1, 1] == 2
    assert back["x"] == 0.1
    with pytest.raises(TypeError):
        serialize.encode(object())
