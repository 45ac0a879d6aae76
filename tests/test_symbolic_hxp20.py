"""Symbolic identities behind hxp20 §4 (catalog §4: sym1, sym2, sym3), checked with sympy on
small symbolic sizes, each with a deliberately broken variant that must fail."""

from __future__ import annotations

import itertools

import sympy as sp


def sym_matrix(name: str, r: int, c: int) -> sp.Matrix:
    return sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}{i}{j}"))


def vec(M: sp.Matrix) -> sp.Matrix:
    """Column-major vec."""
    return sp.Matrix([M[i, j] for j in range(M.cols) for i in range(M.rows)])


def kron(A: sp.Matrix, B: sp.Matrix) -> sp.Matrix:
    return sp.Matrix(sp.BlockMatrix([[A[i, j] * B for j in range(A.cols)]
                                     for i in range(A.rows)]).as_explicit())


def test_sym1_gradient_formula_L3():
    """d l / d W_i = alpha W_{L:i+1}^T (alpha W_{L:1} X - Y)(W_{i-1:1} X)^T, L = 3, 2x2."""
    a = sp.Symbol("alpha")
    W = [sym_matrix(f"w{k}_", 2, 2) for k in range(3)]
    X, Y = sym_matrix("x", 2, 2), sym_matrix("y", 2, 2)
    R = a * W[2] * W[1] * W[0] * X - Y
    loss = sp.Rational(1, 2) * sum(e**2 for e in R)
    for i in range(3):
        left = sp.eye(2)
        for k in range(i + 1, 3):
            left = W[k] * left
        right = sp.eye(2)
        for k in range(i):
            right = W[k] * right
        formula = a * left.T * R * (right * X).T
        Wi = W[i]
        auto = sp.Matrix(2, 2, lambda r, c, Wi=Wi: sp.diff(loss, Wi[r, c]))
        assert sp.expand(auto - formula) == sp.zeros(2, 2)
        broken = a**2 * left.T * R * (right * X).T  # the scale alpha counted twice
        assert sp.expand(auto - broken) != sp.zeros(2, 2)


def test_sym3_vec_kronecker_column_major():
    """vec(A M B) = (B^T kron A) vec(M) with column-major vec (used in eqs. (6)-(7))."""
    A, M, B = sym_matrix("a", 2, 3), sym_matrix("m", 3, 2), sym_matrix("b", 2, 2)
    assert sp.expand(vec(A * M * B) - kron(B.T, A) * vec(M)) == sp.zeros(4, 1)
    assert sp.expand(vec(A * M * B) - kron(A, B.T) * vec(M)) != sp.zeros(4, 1)


def test_sym2_multilinear_expansion_L3():
    """prod_k (W_k - eta G_k) = W_{L:1} - eta sum_i W_{L:i+1} G_i W_{i-1:1} + E (|S| >= 2)."""
    eta = sp.Symbol("eta")
    L = 3
    W = [sym_matrix(f"w{k}_", 2, 2) for k in range(L)]
    G = [sym_matrix(f"g{k}_", 2, 2) for k in range(L)]

    def ordered(chooser):
        out = sp.eye(2)
        for k in range(L):
            out = chooser(k) * out
        return out

    lhs = ordered(lambda k: W[k] - eta * G[k])
    first = sum((ordered(lambda k, i=i: G[k] if k == i else W[k]) for i in range(L)),
                sp.zeros(2, 2))
    E = sp.zeros(2, 2)
    for size in range(2, L + 1):
        for S in itertools.combinations(range(L), size):
            E += (-eta) ** size * ordered(lambda k, S=S: G[k] if k in S else W[k])
    assert sp.expand(lhs - (ordered(lambda k: W[k]) - eta * first + E)) == sp.zeros(2, 2)
    assert sp.expand(lhs - (ordered(lambda k: W[k]) + eta * first + E)) != sp.zeros(2, 2)


def test_sym7a_binomial_sum_behind_eq15():
    """sum_{s>=1} C(n,s) R^s m^{(n-s)/2} = (sqrt m + R)^n - sqrt(m)^n (eq. (15) bound)."""
    R, m = sp.symbols("R m", positive=True)
    for n in range(1, 6):
        s = sum(sp.binomial(n, k) * R**k * sp.sqrt(m) ** (n - k) for k in range(1, n + 1))
        assert sp.expand(s - ((sp.sqrt(m) + R) ** n - sp.sqrt(m) ** n)) == 0
        assert sp.expand(s - ((sp.sqrt(m) + R) ** n)) != 0
