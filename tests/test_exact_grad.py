"""Exact partial derivatives by unit central differences (boundcheck.model.exact_grad)."""

from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq

from boundcheck.model.exact_grad import (
    exact_mat,
    exact_partials,
    fro2,
    max_abs_diff,
    product,
    to_fraction,
)


def _loss(Y):
    return lambda Vs: fro2(product(Vs) - Y) / 2


def test_exact_partials_match_the_closed_form_gradient_exactly():
    rng = np.random.default_rng(1)
    dims = [2, 3, 2, 2]
    Ws = [exact_mat(rng.standard_normal((dims[k + 1], dims[k]))) for k in range(3)]
    Y = exact_mat(rng.standard_normal((2, 2)))
    R = product(Ws) - Y
    for j in range(3):
        left = product(Ws[j + 1:], n=dims[-1])
        right = product(Ws[:j], n=dims[0])
        formula = left.transpose() * R * right.transpose()
        assert max_abs_diff(formula, exact_partials(_loss(Y), Ws, j)) == 0
        assert max_abs_diff(-formula, exact_partials(_loss(Y), Ws, j)) > 0


def test_a_cubic_loss_is_refused():
    W = [exact_mat([[1.5]])]
    with pytest.raises(ValueError, match="not quadratic"):
        exact_partials(lambda Vs: Vs[0][0, 0] ** 3, W, 0)


def test_exact_mat_is_exact_and_refuses_nonfinite():
    v = 0.1  # not a short dyadic: exactness shows in the denominator 2^55
    assert to_fraction(exact_mat([[v]])[0, 0]) == Fraction(v)
    assert exact_mat([[1e300]])[0, 0] == fmpq(Fraction(1e300).numerator)
    with pytest.raises(ValueError):
        exact_mat([[np.inf]])
