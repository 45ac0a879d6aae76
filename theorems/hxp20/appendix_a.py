"""hxp20 Appendix A.2-A.4: the one-step inequalities behind Claims 4.3-4.5.

Hu, Xiao & Pennington, ICLR 2020, §4.1 and App. A (catalog ``shared/catalog/hxp20.md``,
entries hxp20.claim4_5, eq14, eq15, ineqA3_prodpert, ineqA4_Pmax, ineqA4_Pmin, ineqA4_E,
ineqA4_contract).

Every statement here is a predicate about *one* weight configuration (and one GD step from
it), so it is tested off-trajectory at arbitrary weights ``W = W(0) + Delta`` satisfying
property B, which is verified explicitly as a hypothesis.

Overflow-free V-parametrization (catalog, numerics tips): ``V_i = W_i / sqrt(m)``. Then
``U = alpha W_{L:1} X = sqrt(m/d_y) V_{L:1} X``, i.e. a ``Problem`` of kind ``plain`` with
``alpha = sqrt(m/d_y)`` and weights ``V`` gives exactly ``U``, and GD on ``W`` with step
``eta`` is GD on ``V`` with step ``eta/m`` (tests/test_hxp20_induction.py checks this).
Translations used below (``eta`` always denotes the paper's W-unit step):

* ``dl/dW_i = (dl/dV_i) / sqrt(m)``;
* ``P_W`` (eq. (7)) ``= P_V / m`` where ``P_V = network.P_matrix`` on the V-problem;
* ``alpha_W E_W X = alpha_V E_V X`` where ``E_V = network.E_term(V, eta/m)``;
* property B reads ``sigma(V_{j:i}) in [0.9, 1.1]``; C reads ``||V_i-V_i(0)||_F <= R/sqrt m``.

Widths and output dimensions are drawn from pairs ``(m, d_y)`` with ``m`` a power of two and
``m/d_y`` a perfect square, so ``alpha = sqrt(m/d_y)`` and ``eta/m`` are exact in binary and
a certified backend checks the paper's model, not a rounded one.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.arith.constants import exact_const
from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import kernels, network
from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem
from theorems.hxp20.claim4_4 import property_B, sub_products

PAPER = "hxp20"
EPS = 2.0 ** -53


# ============================================================================ shared helpers
def data_matrix(rng: np.random.Generator, d_x: int, n: int, kappa: float,
                scale: float = 1.0) -> np.ndarray:
    """``X`` (d_x x n, full column rank) with ``||X|| = scale`` and
    ``kappa = lambda_max(X^T X) / lambda_min(X^T X)`` (singular values log-spaced)."""
    U = np.linalg.qr(rng.standard_normal((d_x, n)))[0]
    W = np.linalg.qr(rng.standard_normal((n, n)))[0]
    s = scale * np.geomspace(1.0, 1.0 / math.sqrt(kappa), n) if n > 1 else np.array([scale])
    return (U * s) @ W.T


def v_problem(X: np.ndarray, Y: np.ndarray, L: int, m: int) -> Problem:
    """The V-parametrized problem: ``U = sqrt(m/d_y) V_{L:1} X``."""
    d_x, d_y = X.shape[0], Y.shape[0]
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    return Problem(X=X, Y=Y, dims=dims, alpha=math.sqrt(m / d_y))


def perturb(rng: np.random.Generator, V0: list[np.ndarray], rho: float, mode: str
            ) -> list[np.ndarray]:
    """``V0 + Delta`` with ``||Delta_k|| <= rho``: random directions, or the catalog's aligned
    rank-1 chain ``Delta_k = +-rho e_k e_{k-1}^T``, ``e_k = V_k(0) e_{k-1}`` (normalized)."""
    if mode == "random":
        out = []
        for V in V0:
            D = rng.standard_normal(V.shape)
            out.append(V + D * (rho * float(rng.uniform(0.3, 1.0)) / np.linalg.norm(D)))
        return out
    sign = 1.0 if mode == "chain+" else -1.0
    e = rng.standard_normal(V0[0].shape[1])
    e /= np.linalg.norm(e)
    out = []
    for V in V0:
        nxt = V @ e
        nrm = np.linalg.norm(nxt)
        u = nxt / nrm if nrm > 0 else np.eye(V.shape[0])[0]
        # (1 - 1e-9): stay inside the radius despite rounding in V - V(0).
        out.append(V + sign * rho * (1 - 1e-9) * np.outer(u, e))
        e = u
    return out


def vec(ops: Any, R: Any) -> Any:
    """Column-major ``vec(R) = sum_j e_j kron (R e_j)`` in the backend vocabulary."""
    rows, cols = ops.shape(R)
    out = None
    for j in range(cols):
        e = np.zeros((cols, 1))
        e[j, 0] = 1.0
        ej = ops.asarray(e)
        term = ops.kron(ej, ops.matmul(R, ej))
        out = term if out is None else ops.add(out, term)
    return out


def S(ops: Any, x: float) -> Any:
    """A number as a backend scalar (exactly: a double is a dyadic rational)."""
    return ops.scalar(x)


def C(ops: Any, p: Params, key: str, printed: Fraction | None = None) -> Any:
    """The printed constant ``p[key]`` as an exact rational scalar (1.1 -> 11/10, see
    :func:`boundcheck.arith.constants.exact_const`), never its nearest double."""
    return ops.scalar(exact_const(p[key], printed))


def tight_le(ops: Any, name: str, lhs: Any, rhs: Any, slack: float, context: str = ""
             ) -> Condition:
    """``lhs <= rhs`` for an elementary linear-algebra link of a proof chain (Weyl,
    submultiplicativity, triangle inequality) that holds *with equality* in common
    degenerate cases (``n d_y = 1``, aligned perturbations).

    At an exact tie float64 rounding falls either way, so float64 gets the rounding
    allowance ``slack |rhs|`` (~1e-13 relative, :func:`rounding_slack`) as ``float_tol``;
    certified backends compare exactly (an exact tie they cannot separate stays undecided).
    """
    return Condition(f"{name} (tie)", lhs, "<=", rhs, context=f"{context}, float64 allowance "
                     f"{slack:.1e}", float_tol=slack * abs(ops.mid(rhs)))


def tight_ge(ops: Any, name: str, lhs: Any, rhs: Any, slack: float, context: str = ""
             ) -> Condition:
    return Condition(f"{name} (tie)", lhs, ">=", rhs, context=f"{context}, float64 allowance "
                     f"{slack:.1e}", float_tol=slack * abs(ops.mid(rhs)))


def rounding_slack(L: int, dims: tuple[int, ...], n: int) -> float:
    """Relative float64 error allowance for quantities built from ``L``-fold products and one
    SVD/eigendecomposition: ``gamma_k = k u/(1 - k u)`` with ``k = 4 (L + 2) (d_max + n)``
    (Higham's product bound ``gamma_{Ld}`` plus backward-stable SVD/eigh), doubled for the
    two sides of the comparison. About 1e-13 at the sizes used here."""
    k = 4 * (L + 2) * (max(dims) + n)
    return 2 * k * EPS / (1 - k * EPS)


def data_quantities(ops: Any, X: Any) -> tuple[Any, Any]:
    """``(||X||, sigma_min(X))`` (sigma_min = sigma_n, the smallest of the n columns)."""
    return ops.spec_norm(X), ops.sigma_min(X)


# ============================================================================ one-step sampler
def _one_step_sample(rng: np.random.Generator, p: Params) -> Instance:
    """Weights ``V(0)+Delta`` near a Haar init, data with condition number kappa, targets
    ``Y = U + D`` with ``l = ||D||_F^2/2`` a fraction of the EC limit, and a step size."""
    L = int(rng.choice(p["L_choices"]))
    m, d_y = (int(v) for v in p["md_choices"][int(rng.integers(len(p["md_choices"])))])
    d_x = int(rng.integers(1, min(m, p["max_d"]) + 1))
    n = int(rng.integers(1, d_x + 1))
    if rng.random() < p.get("p_scalar", 0.0):
        d_x, n = max(1, d_x), 1
    kappa = float(rng.choice(p["kappa_choices"])) if n > 1 else 1.0
    X = data_matrix(rng, d_x, n, kappa, scale=float(rng.uniform(0.5, 2.0)))
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    rho = float(rng.uniform(0.3, 1.0)) * (p["pert_bound"] ** (1.0 / L) - 1.0)
    mode = ["random", "chain+", "chain-"][int(rng.integers(0, 3))]
    Vs = perturb(rng, V0, rho, mode)
    U = kernels.forward(v_problem(X, np.zeros((d_y, n)), L, m), Vs)
    nx = np.linalg.norm(X, 2)
    sig = np.linalg.svd(X, compute_uv=False)[-1]
    # l at a fraction of the EC limits m >= ec_m d_y l ||X||^2 / sigma^4, m >= 4 d_y l/||X||^2.
    l_max = min(m * sig**4 / (p["ec_m"] * d_y * nx**2), m * nx**2 / (4 * d_y))
    ell = float(rng.uniform(0.2, 0.999)) * l_max
    D = rng.standard_normal((d_y, n))
    Y = U + D * (math.sqrt(2 * ell) / np.linalg.norm(D))
    u_eta = 1.0 - 1e-12 if rng.random() < 0.3 else float(rng.uniform(0.05, 1.0))
    eta = u_eta * p["eta_cap_factor"] * d_y / (2 * L * nx**2)
    return {"X": X, "Y": Y, "V": Vs, "m": m, "eta": eta, "mode": mode}


class OneStep:
    """Every quantity of App. A.4 at one weight configuration, computed with ``ops``."""

    def __init__(self, inst: Instance, ops: Any) -> None:
        X, Y, m = inst["X"], inst["Y"], int(inst["m"])
        self.ops = ops
        self.m = m
        self.L = len(inst["V"])
        self.d_x, self.n = X.shape
        self.d_y = Y.shape[0]
        self.prob = v_problem(X, Y, self.L, m)
        self.V = [ops.asarray(v) for v in inst["V"]]
        self.X = ops.asarray(X)
        self.Y = ops.asarray(Y)
        self.eta = ops.scalar(inst["eta"])
        self.eta_V = ops.scalar(inst["eta"]) / ops.scalar(m)  # eta / m in the arithmetic
        self.nx, self.sig = data_quantities(ops, self.X)
        self.U = network.forward(ops, self.prob, self.V)
        self.R = ops.sub(self.U, self.Y)
        self.r = ops.fro_norm(self.R)
        self.loss = S(ops, 0.5) * self.r * self.r
        self.slack = rounding_slack(self.L, self.prob.dims, self.n)
        self._cache: dict[str, Any] = {}

    # -- lazily computed pieces
    @property
    def P(self) -> Any:
        """``P_W(t)`` of eq. (7) in the paper's units."""
        if "P" not in self._cache:
            PV = network.P_matrix(self.ops, self.prob, self.V)
            self._cache["P"] = self.ops.scale(S(self.ops, 1) / S(self.ops, self.m), PV)
        return self._cache["P"]

    @property
    def lam_min(self) -> Any:
        if "lmin" not in self._cache:
            self._cache["lmin"] = self.ops.eigvalsh_min(self.P)
        return self._cache["lmin"]

    @property
    def lam_max(self) -> Any:
        if "lmax" not in self._cache:
            self._cache["lmax"] = self.ops.eigvalsh_max(self.P)
        return self._cache["lmax"]

    @property
    def next_V(self) -> list[Any]:
        if "next" not in self._cache:
            self._cache["next"] = network.gd_step(self.ops, self.prob, self.V, self.eta_V)
        return self._cache["next"]

    @property
    def next_r(self) -> Any:
        """``||U(t+1) - Y||_F`` after one GD step."""
        if "next_r" not in self._cache:
            Un = network.forward(self.ops, self.prob, self.next_V)
            self._cache["next_r"] = self.ops.fro_norm(self.ops.sub(Un, self.Y))
        return self._cache["next_r"]

    @property
    def EX(self) -> Any:
        """``alpha ||E(t) X||_F`` (identical in W and V units)."""
        if "EX" not in self._cache:
            E = network.E_term(self.ops, self.prob, self.V, self.eta_V)
            alpha = S(self.ops, self.prob.alpha)
            self._cache["EX"] = alpha * self.ops.fro_norm(self.ops.matmul(E, self.X))
        return self._cache["EX"]

    def block(self, i: int, j: int) -> Any:
        """``V_{j:i}`` (1-indexed), the identity when empty."""
        dim = self.prob.dims[i - 1]
        return network.partial_product(self.ops, self.V, i, j, dim_i=dim)

    def rate(self, c: float) -> Any:
        """``1 - c eta L sigma_min^2(X) / d_y``."""
        return S(self.ops, 1.0) - S(self.ops, c) * self.eta * S(self.ops, self.L) * \
            self.sig * self.sig / S(self.ops, self.d_y)


def _hyp_B(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Vs = [ops.asarray(v) for v in inst["V"]]
    return property_B(ops, Vs, p["upper"], p["lower"], ctx="B(t): ")


def _hyp_rank(st: OneStep) -> list[Condition]:
    ops = st.ops
    return [Condition("m >= d_x (V_{i-1:1} injective)", S(ops, st.m), ">=", S(ops, st.d_x)),
            Condition("X has full column rank: sigma_min(X) > 0", st.sig, ">", S(ops, 0.0))]


def _hyp_eta(st: OneStep, p: Params) -> Condition:
    ops = st.ops
    cap = C(ops, p, "eta_cap_factor") * S(ops, st.d_y) / (S(ops, 2 * st.L) * st.nx * st.nx)
    return Condition("eta <= d_y / (2 L ||X||^2)", st.eta, "<=", cap)


def _hyp_width(st: OneStep, p: Params) -> list[Condition]:
    ops = st.ops
    nx2 = st.nx * st.nx
    s4 = st.sig * st.sig * st.sig * st.sig
    return [
        Condition(f"EC: m >= {p['ec_m']:g} d_y l ||X||^2 / sigma^4", S(ops, st.m), ">=",
                  C(ops, p, "ec_m") * S(ops, st.d_y) * st.loss * nx2 / s4),
        Condition("EC: m >= 4 d_y l / ||X||^2", S(ops, st.m), ">=",
                  S(ops, 4 * st.d_y) * st.loss / nx2),
    ]


def _hyp_full(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    st = OneStep(inst, ops)
    return _hyp_B(inst, ops, p) + _hyp_rank(st) + [_hyp_eta(st, p)] + _hyp_width(st, p)


# ============================================================================ eq. (14)
def _eq14_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """``||dl/dW_i||_F <= alpha ||W_{L:i+1}|| ||U-Y||_F ||W_{i-1:1}|| ||X||
    <= 1.1^2 sqrt(2) sqrt(l/d_y) ||X|| <= 2 sqrt(l/d_y) ||X||`` (V units: the first
    product is ``||V_{L:i+1}|| ||U-Y||_F ||V_{i-1:1}|| ||X|| / sqrt(d_y)``)."""
    st = OneStep(inst, ops)
    G = network.gradients(ops, st.prob, st.V)
    sqm = ops.sqrt(S(ops, st.m))
    sqdy = ops.sqrt(S(ops, st.d_y))
    up2 = ops.power(C(ops, p, "upper"), 2)
    mid = up2 * ops.sqrt(S(ops, 2.0)) * ops.sqrt(st.loss / S(ops, st.d_y)) * st.nx
    final = C(ops, p, "grad_const") * ops.sqrt(st.loss / S(ops, st.d_y)) * st.nx
    conds = [Condition("1.1^2 sqrt(2) <= 2", up2 * ops.sqrt(S(ops, 2.0)),
                       "<=", C(ops, p, "grad_const"))]
    for i in range(1, st.L + 1):
        g = ops.fro_norm(G[i - 1]) / sqm  # ||dl/dW_i||_F
        left = ops.spec_norm(st.block(i + 1, st.L))
        right = ops.spec_norm(st.block(1, i - 1))
        first = left * st.r * right * st.nx / sqdy
        ctx = f"i={i}, L={st.L}, m={st.m}, {inst['mode']}"
        conds += [
            tight_le(ops, "||grad_i||_F <= alpha ||W_{L:i+1}|| ||U-Y||_F ||W_{i-1:1}|| ||X||",
                     g, first, st.slack, context=ctx),
            Condition("... <= 1.1^2 sqrt(2 l / d_y) ||X|| (property B)", first, "<=", mid,
                      context=ctx),
            Condition("||grad_i||_F <= 2 sqrt(l/d_y) ||X||", g, "<=", final, context=ctx),
        ]
    return conds


# ============================================================================ App. A.4
def _pmax_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """``lambda_max(P) <= alpha^2 sum_i lambda_max(.) lambda_max(.) <= 1.1^4 L ||X||^2/d_y
    <= 2 L ||X||^2 / d_y``, and the consequence ``eta lambda_max(P) <= 1``."""
    st = OneStep(inst, ops)
    terms = None
    for i in range(1, st.L + 1):
        a = ops.sigma_max(ops.matmul(st.block(1, i - 1), st.X))
        b = ops.spec_norm(st.block(i + 1, st.L))
        t = a * a * b * b / S(ops, st.d_y)
        terms = t if terms is None else terms + t
    base = S(ops, st.L) * st.nx * st.nx / S(ops, st.d_y)
    ctx = f"L={st.L}, m={st.m}, n d_y={st.n * st.d_y}, {inst['mode']}"
    return [
        tight_le(ops, "lambda_max(P) <= alpha^2 sum_i lmax(A_i) lmax(B_i) (Weyl, fn. 3)",
                 st.lam_max, terms, st.slack, context=ctx),
        Condition("sum <= 1.1^4 L ||X||^2 / d_y (property B)", terms, "<=",
                  ops.power(C(ops, p, "upper"), 4) * base, context=ctx),
        Condition(f"lambda_max(P) <= {p['pmax_const']:g} L ||X||^2 / d_y", st.lam_max, "<=",
                  C(ops, p, "pmax_const") * base, context=ctx),
        Condition("eta lambda_max(P) <= 1", st.eta * st.lam_max, "<=", S(ops, 1.0),
                  context=ctx),
    ]


def _pmin_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """``lambda_min(P) >= alpha^2 sum_i lambda_min(.) lambda_min(.) >= 0.9^4 L sigma^2/d_y
    >= 3/5 L sigma_min^2(X) / d_y``."""
    st = OneStep(inst, ops)
    terms = None
    for i in range(1, st.L + 1):
        a = ops.sigma_min(ops.matmul(st.block(1, i - 1), st.X))
        b = ops.sigma_min(st.block(i + 1, st.L))
        t = a * a * b * b / S(ops, st.d_y)
        terms = t if terms is None else terms + t
    base = S(ops, st.L) * st.sig * st.sig / S(ops, st.d_y)
    ctx = f"L={st.L}, m={st.m}, n d_y={st.n * st.d_y}, {inst['mode']}"
    return [
        tight_ge(ops, "lambda_min(P) >= alpha^2 sum_i lmin(A_i) lmin(B_i) (Weyl, fn. 3)",
                 st.lam_min, terms, st.slack, context=ctx),
        Condition("sum >= 0.9^4 L sigma_min^2(X) / d_y (property B, m >= d_x)", terms, ">=",
                  ops.power(C(ops, p, "lower"), 4) * base, context=ctx),
        Condition(f"lambda_min(P) >= {p['pmin_const']:g} L sigma_min^2(X) / d_y", st.lam_min,
                  ">=", C(ops, p, "pmin_const") * base, context=ctx),
    ]


def _E_chain(st: OneStep, p: Params, ctx: str) -> list[Condition]:
    ops = st.ops
    one = S(ops, 1.0)
    a = S(ops, 2.0) * st.eta * ops.sqrt(st.loss / S(ops, st.d_y)) * st.nx / \
        ops.sqrt(S(ops, st.m))
    La = S(ops, st.L) * a
    exact_sum = ops.sqrt(S(ops, st.m) / S(ops, st.d_y)) * st.nx * \
        (ops.power(one + a, st.L) - one - La)
    four = S(ops, 4.0) * st.eta * S(ops, st.L) * st.nx * st.loss / \
        ops.sqrt(S(ops, st.m * st.d_y))
    sixth = ops.scalar(Fraction(1, 6))
    algebra = sixth * st.eta * C(ops, p, "pmin_const") * S(ops, st.L) * st.sig * st.sig / \
        S(ops, st.d_y) * ops.sqrt(S(ops, 2.0) * st.loss)
    target = sixth * st.eta * st.lam_min * st.r
    return [
        Condition("q = L a <= 1/2", La, "<=", S(ops, 0.5), context=ctx),
        Condition("alpha||EX||_F <= sqrt(m/d_y)||X||[(1+a)^L - 1 - L a]", st.EX, "<=",
                  exact_sum, context=ctx),
        Condition("... <= 4 eta L ||X|| l / sqrt(m d_y)", exact_sum, "<=", four, context=ctx),
        Condition(f"4 eta L||X|| l/sqrt(m d_y) <= 1/6 eta {p['pmin_const']:g} L sigma^2/d_y "
                  "sqrt(2 l) (EC width)", four, "<=", algebra, context=ctx),
        Condition("alpha ||E X||_F <= 1/6 eta lambda_min(P) ||U - Y||_F", st.EX, "<=", target,
                  context=ctx),
    ]


def _E_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    st = OneStep(inst, ops)
    return _E_chain(st, p, f"L={st.L}, m={st.m}, {inst['mode']}")


def _contract_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """End of App. A.4: ``||U+ - Y|| <= ||(I - eta P) vec(U-Y)|| + alpha||EX||
    <= (1 - eta lmin)||U-Y|| + alpha||EX|| <= (1 - 5/6 eta lmin)||U-Y||
    <= (1 - 1/2 eta L sigma^2/d_y)||U-Y||``; then ``l+ <= (1-x)^2 l <= (1-x) l``."""
    st = OneStep(inst, ops)
    ctx = f"L={st.L}, m={st.m}, n d_y={st.n * st.d_y}, {inst['mode']}"
    one = S(ops, 1.0)
    rv = vec(ops, st.R)
    lin = ops.fro_norm(ops.sub(rv, ops.scale(st.eta, ops.matmul(st.P, rv))))
    c = C(ops, p, "contract_const", Fraction(5, 6))
    x = C(ops, p, "rate_const") * st.eta * S(ops, st.L) * st.sig * st.sig / S(ops, st.d_y)
    nl = S(ops, 0.5) * st.next_r * st.next_r
    return [
        tight_le(ops, "||U+ - Y||_F <= ||(I - eta P) vec(U-Y)|| + alpha||EX||_F (eq. (6))",
                 st.next_r, lin + st.EX, st.slack, context=ctx),
        Condition("eta lambda_max(P) <= 1", st.eta * st.lam_max, "<=", one, context=ctx),
        tight_le(ops, "||(I - eta P) vec(U-Y)|| <= (1 - eta lambda_min(P)) ||U-Y||_F", lin,
                 (one - st.eta * st.lam_min) * st.r, st.slack, context=ctx),
        Condition(f"||U+ - Y||_F <= (1 - {p['contract_const']:.4g} eta lambda_min(P))"
                  " ||U-Y||_F", st.next_r, "<=", (one - c * st.eta * st.lam_min) * st.r,
                  context=ctx),
        Condition("1 - 5/6 eta lambda_min(P) <= 1 - 1/2 eta L sigma^2/d_y",
                  one - c * st.eta * st.lam_min, "<=", one - x, context=ctx),
        Condition("l(t+1) <= (1 - 1/2 eta L sigma^2/d_y)^2 l(t)", nl, "<=",
                  (one - x) * (one - x) * st.loss, context=ctx),
        Condition("l(t+1) <= (1 - 1/2 eta L sigma^2/d_y) l(t)", nl, "<=", (one - x) * st.loss,
                  context=ctx),
    ]


def _claim4_5_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Claim 4.5: ``A(t), B(t) => A(t+1)`` as the one-step contraction."""
    st = OneStep(inst, ops)
    ctx = f"L={st.L}, m={st.m}, d_x={st.d_x}, n={st.n}, d_y={st.d_y}, {inst['mode']}"
    one = S(ops, 1.0)
    x = C(ops, p, "rate_const") * st.eta * S(ops, st.L) * st.sig * st.sig / S(ops, st.d_y)
    nl = S(ops, 0.5) * st.next_r * st.next_r
    return [
        Condition("||U(t+1)-Y||_F <= (1 - 5/6 eta lambda_min(P(t))) ||U(t)-Y||_F", st.next_r,
                  "<=", (one - ops.scalar(Fraction(5, 6)) * st.eta * st.lam_min) * st.r,
                  context=ctx),
        Condition("||U(t+1)-Y||_F <= (1 - 1/2 eta L sigma_min^2/d_y) ||U(t)-Y||_F",
                  st.next_r, "<=", (one - x) * st.r, context=ctx),
        Condition("A(t+1): l(t+1) <= (1 - 1/2 eta L sigma_min^2/d_y) l(t)", nl, "<=",
                  (one - x) * st.loss, context=ctx),
    ]


_ONE_STEP_PARAMS: Params = {
    "L_choices": [2, 3, 4, 6, 8], "md_choices": [[4, 1], [8, 2], [16, 1], [16, 4]],
    "max_d": 4, "kappa_choices": [1.0, 2.0, 4.0], "p_scalar": 0.3,
    "pert_bound": 1.1, "upper": 1.1, "lower": 0.9, "ec_m": 800.0, "eta_cap_factor": 1.0,
    "grad_const": 2.0, "pmax_const": 2.0, "pmin_const": 0.6, "contract_const": 5.0 / 6.0,
    "rate_const": 0.5,
}
_ONE_STEP_FULL: Params = {"L_choices": [2, 3, 5, 8, 12, 20],
                          "md_choices": [[4, 1], [8, 2], [16, 1], [16, 4], [32, 2], [64, 4]],
                          "max_d": 6, "kappa_choices": [1.0, 3.0, 10.0], "instances": 200}
_ONE_STEP_NOTE = ("Off-trajectory: weights V(0)+Delta (random or aligned rank-1 chain, "
                  "||Delta_i|| <= (1.1^(1/L)-1)), property B verified explicitly; l at 20-100% "
                  "of the EC width limit; eta in (0, d_y/(2L||X||^2)], 30% at the cap. "
                  "V-parametrization, (m, d_y) with m/d_y a perfect square.")


def _one_step_result(id_: str, title: str, section: str, eq: str, statement: str, kind: str,
                     hyp: Any, concl: Any, broken: Params, notes: str,
                     extra: Params | None = None) -> Result:
    params = dict(_ONE_STEP_PARAMS)
    params.update(extra or {})
    return Result(id=id_, title=title, source=Source(PAPER, section, eq), statement=statement,
                  kind=kind, check=Deterministic(_one_step_sample, hyp, concl), params=params,
                  profiles={"full": dict(_ONE_STEP_FULL)}, broken=broken, instances=24,
                  notes=_ONE_STEP_NOTE + " " + notes, certifiable=True)


def _hyp_eq14(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return _hyp_B(inst, ops, p)


def _hyp_pmin(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return _hyp_B(inst, ops, p) + _hyp_rank(OneStep(inst, ops))


register(
    _one_step_result(
        "hxp20.eq14", "Gradient-norm bound under property B", "App. A.2", "eq. (14)",
        r"\|\partial\ell/\partial W_i\|_F\le\alpha\|W_{L:i+1}\|\|U-Y\|_F\|W_{i-1:1}\|\|X\|"
        r"\le 1.1^2\sqrt{2\ell/d_y}\|X\|\le2\sqrt{\ell/d_y}\|X\|",
        "inequality", _hyp_eq14, _eq14_conclusions,
        # Too tight: with n = d_y = 1 at an isometric init the middle quantity is exactly
        # sqrt(2 l/d_y)||X||, so any constant below sqrt(2) = 1.414 must fail.
        broken={"grad_const": 1.3},
        notes="Only property B is assumed (Y arbitrary up to the EC loss range). Along GD the "
              "bound is exercised again by hxp20.claim4_3."),
    _one_step_result(
        "hxp20.ineqA4_Pmax", "Upper eigenvalue bound on P(t)", "App. A.4", "after eq. (7)",
        r"\lambda_{\max}(P(t))\le\frac{1.1^4L\sigma_{\max}^2(X)}{d_y}\le\frac{2L\|X\|^2}{d_y},"
        r"\ \eta\le\frac{d_y}{2L\|X\|^2}\Rightarrow\eta\lambda_{\max}(P)\le1",
        "inequality", _hyp_full, _pmax_conclusions,
        # Too tight: at init lambda_max(P(0)) = L||X||^2/d_y exactly, and perturbations that
        # keep property B push it above, so the constant 1 must fail.
        broken={"pmax_const": 1.0},
        notes="P is formed in V units (network.P_matrix) and divided by m."),
    _one_step_result(
        "hxp20.ineqA4_Pmin", "Lower eigenvalue bound on P(t)", "App. A.4", "after eq. (7)",
        r"\lambda_{\min}(P(t))\ge\frac{0.9^4L\sigma_{\min}^2(X)}{d_y}\ge\frac35\frac{L"
        r"\sigma_{\min}^2(X)}{d_y}",
        "inequality", _hyp_pmin, _pmin_conclusions,
        # Too tight: lambda_min(P(0)) = L sigma_min^2/d_y exactly at init, and shrinking
        # perturbations (chain-) go below, so the constant 1 must fail.
        broken={"pmin_const": 1.0},
        notes="Needs m >= d_x (so V_{i-1:1} is injective) and full column rank X; both are "
              "hypotheses."),
    _one_step_result(
        "hxp20.ineqA4_E", "High-order term bound", "App. A.4", "bound on E(t)",
        r"\alpha\|E(t)X\|_F\le\frac16\eta\lambda_{\min}(P(t))\|U(t)-Y\|_F",
        "inequality", _hyp_full, _E_conclusions,
        # Loosened hypothesis: m >= 8 d_y l ||X||^2/sigma^4 instead of 800 admits losses 100x
        # larger, and the chain's last algebraic step then fails.
        broken={"ec_m": 8.0},
        notes="Chain checked link by link: exact binomial sum (rigorous: blocks <= 1.1, "
              "gradients <= 1.7112 eta sqrt(l/d_y)||X||, 1.1^{s+1}1.7112^s <= 2^s for s >= 2), "
              "then 2q^2, then the EC width algebra (800), then the target with lambda_min(P)."),
    _one_step_result(
        "hxp20.ineqA4_contract", "One-step contraction", "App. A.4", "end of App. A.4",
        r"\|U(t+1)-Y\|_F\le(1-\tfrac56\eta\lambda_{\min}(P))\|U(t)-Y\|_F\le(1-\tfrac12\eta L"
        r"\sigma_{\min}^2/d_y)\|U(t)-Y\|_F,\ \ell(t+1)\le(1-\tfrac12\eta L\sigma^2_{\min}/d_y)"
        r"\ell(t)",
        "inequality", _hyp_full, _contract_conclusions,
        # Too tight: dropping the allowance for E (5/6 -> 1) must fail when the second-order
        # term pushes outward along the lambda_min direction (n d_y = 1 instances).
        broken={"contract_const": 1.0},
        notes="vec is column-major, built from kron in the backend vocabulary; the triangle "
              "step uses U(t+1) from an actual GD step."),
    _one_step_result(
        "hxp20.claim4_5", "A(t) and B(t) imply A(t+1)", "§4.1, Claim 4.5; proof in App. A.4",
        "",
        r"\mathcal B(t),\ \ell(t)\le B,\ \eta\le\frac{d_y}{2L\|X\|^2},\ m\ge800\frac{d_y\ell"
        r"\|X\|^2}{\sigma_{\min}^4}\Rightarrow\ell(t+1)\le(1-\tfrac12\eta L\sigma_{\min}^2(X)"
        r"/d_y)\ell(t)",
        "claim", _hyp_full, _claim4_5_conclusions,
        # Loosened hypothesis: steps up to 4x the cap overshoot along the top eigendirection
        # of P (eta lambda_max(P) up to ~2), and the contraction fails.
        broken={"eta_cap_factor": 4.0},
        notes="Tested as a one-step predicate at arbitrary weights (not only along GD): "
              "one GD step through boundcheck.model.network on the ops backend."),
)


# ============================================================================ eq. (15)
def _pert_sample(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.choice(p["L_choices"]))
    m = int(rng.choice(p["m_choices"]))
    d_x = int(rng.integers(1, min(m, p["max_d"]) + 1))
    d_y = int(rng.integers(1, min(m, p["max_d"]) + 1))
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    rho = float(rng.uniform(0.5, 1.0)) * (p["ec_bound"] ** (1.0 / L) - 1.0)
    mode = ["random", "chain+", "chain-"][int(rng.integers(0, 3))]
    return {"V0": V0, "V": perturb(rng, V0, rho, mode), "rho": rho, "mode": mode}


def _pert_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    V0 = [ops.asarray(v) for v in inst["V0"]]
    Vs = [ops.asarray(v) for v in inst["V"]]
    rho = ops.scalar(inst["rho"])
    L = len(Vs)
    conds = [Condition(f"EC: (1 + R/sqrt(m))^L <= {p['ec_bound']:g}",
                       ops.power(S(ops, 1.0) + rho, L), "<=", C(ops, p, "ec_bound"))]
    for i, (V, W) in enumerate(zip(Vs, V0, strict=True), start=1):
        conds.append(Condition("||Delta_i|| <= R/sqrt(m)", ops.spec_norm(ops.sub(V, W)), "<=",
                               rho, context=f"i={i}"))
    for (i, j), P in sub_products(ops, V0).items():
        for name, val in (("sigma_max", ops.sigma_max(P)), ("sigma_min", ops.sigma_min(P))):
            conds.append(Condition(f"eq. (8): {name}(V_{{j:i}}(0)) = 1", val, "==",
                                   S(ops, 1.0), atol=p["isometry_atol"],
                                   context=f"(i,j)=({i},{j})"))
    return conds


def _all_pairs(L: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(1, L + 1) for j in range(i, L + 1)]


def _eq15_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Expansion (15) summed over all non-empty index sets equals ``V_{j:i} - V_{j:i}(0)``;
    then ``||V_{j:i} - V_{j:i}(0)|| <= (1+rho)^{j-i+1} - 1 <= (1+rho)^L - 1 <= 0.1``."""
    V0 = [ops.asarray(v) for v in inst["V0"]]
    Vs = [ops.asarray(v) for v in inst["V"]]
    D = [ops.sub(V, W) for V, W in zip(Vs, V0, strict=True)]
    rho = ops.scalar(inst["rho"])
    L = len(Vs)
    one = S(ops, 1.0)
    conds = []
    expand = L <= p["expand_max_L"]
    for i, j in _all_pairs(L):
        n = j - i + 1
        ctx = f"(i,j)=({i},{j}), L={L}, {inst['mode']}"
        diff = ops.sub(network.partial_product(ops, Vs, i, j),
                       network.partial_product(ops, V0, i, j))
        if expand:
            whole = 1.0
            for k in range(i, j + 1):
                whole *= ops.mid(ops.fro_norm(Vs[k - 1])) + ops.mid(ops.fro_norm(V0[k - 1]))
            total = None
            size = 0.0
            for s in range(1, n + 1):
                for S_ in itertools.combinations(range(i, j + 1), s):
                    term = None
                    norms = 1.0
                    for k in range(i, j + 1):
                        M = D[k - 1] if k in S_ else V0[k - 1]
                        norms *= ops.mid(ops.fro_norm(M))
                        term = M if term is None else ops.matmul(M, term)
                    total = term if total is None else ops.add(total, term)
                    size += norms
            # float64 error of the expansion: each n-fold product errs by <= gamma_{n m}
            # times the product of Frobenius norms (Higham), plus the summation of 2^n terms.
            dmax = max(max(ops.shape(M)) for M in V0)
            # The two full products in ``diff`` err likewise (bounded by ``whole``).
            tol = 2.0 * EPS * (n * dmax + 2 ** n) * (size + whole)
            # An exact identity: certified backends decide it exactly (the fmpq step of
            # ``ball``); float64 gets the rounding allowance ``tol`` as float_tol.
            conds.append(Condition("eq. (15): sum of expansion terms = W_{j:i} - W_{j:i}(0)",
                                   ops.fro_norm(ops.sub(total, diff)), "<=", S(ops, 0),
                                   context=ctx, float_tol=tol))
        lhs = ops.spec_norm(diff)
        b_n = ops.power(one + rho, n) - one
        b_L = ops.power(one + rho, L) - one
        conds.append(Condition("||W_{j:i} - W_{j:i}(0)|| <= m^{n/2}((1+R/sqrt m)^{j-i+1} - 1)",
                               lhs, "<=", b_n, context=ctx))
        if n < L:  # (for n = L the two sides are the same number)
            conds.append(Condition("... <= m^{n/2}((1+R/sqrt m)^L - 1)", b_n, "<=", b_L,
                                   context=ctx))
        conds += [
            Condition(f"||W_{{j:i}} - W_{{j:i}}(0)|| <= {p['final']:g} m^{{n/2}}", lhs, "<=",
                      C(ops, p, "final"), context=ctx),
        ]
    conds.append(Condition(f"(1+R/sqrt m)^L - 1 <= {p['final']:g}",
                           ops.power(one + rho, L) - one, "<=", C(ops, p, "final")))
    return conds


def _prodpert_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    V0 = [ops.asarray(v) for v in inst["V0"]]
    Vs = [ops.asarray(v) for v in inst["V"]]
    rho = ops.scalar(inst["rho"])
    one = S(ops, 1.0)
    conds = []
    for i, j in _all_pairs(len(Vs)):
        diff = ops.sub(network.partial_product(ops, Vs, i, j),
                       network.partial_product(ops, V0, i, j))
        bound = C(ops, p, "bound_scale") * (ops.power(one + rho, j - i + 1) - one)
        conds.append(Condition("||W_{j:i}-W_{j:i}(0)|| <= (sqrt m + R)^n - sqrt(m)^n",
                               ops.spec_norm(diff), "<=", bound,
                               context=f"(i,j)=({i},{j}), L={len(Vs)}, {inst['mode']}"))
    return conds


_PERT_PARAMS: Params = {"L_choices": [2, 3, 4, 5], "m_choices": [2, 4, 8], "max_d": 4,
                        "ec_bound": 1.1, "final": 0.1, "isometry_atol": 1e-12,
                        "expand_max_L": 5, "bound_scale": 1.0}

register(
    Result(
        id="hxp20.eq15", title="Product-perturbation expansion and bound",
        certifiable=True,  # issue 13: the identity is decided exactly (fmpq), bounds in ops
        source=Source(PAPER, "App. A.3 (proof of Claim 4.4)", "eq. (15)"),
        statement=r"W_{j:i}(t)-W_{j:i}(0)=\sum_{s\ge1}\sum_{k_1<\dots<k_s}W_{j:k_s+1}(0)"
                  r"\Delta_{k_s}\cdots\Delta_{k_1}W_{k_1-1:i}(0),\ \ \|\cdot\|\le"
                  r"(\sqrt m+R)^{j-i+1}-\sqrt m^{j-i+1}\le0.1\sqrt m^{j-i+1}",
        kind="equation",
        check=Deterministic(_pert_sample, _pert_hypotheses, _eq15_conclusions),
        params=dict(_PERT_PARAMS),
        profiles={"full": {"L_choices": [2, 3, 5, 6, 10, 20], "m_choices": [2, 4, 16],
                           "expand_max_L": 6, "instances": 200}},
        # Loosened hypothesis: (1+R/sqrt m)^L <= 1.3 lets the aligned chain move a product by
        # more than 0.1 m^{n/2}.
        broken={"ec_bound": 1.3},
        instances=16,
        notes="Expansion summed over all 2^n - 1 index sets for L <= expand_max_L (every pair "
              "(i,j), including (1,L)); float64 tolerance from the standard product error "
              "bound gamma_{nm} prod ||M_k||_F. The bound chain includes (i,j) = (1,L), for "
              "which it also holds (every block of a non-leading term is a proper "
              "sub-product). V units: sqrt(m)-powers cancel.",
    ),
    Result(
        id="hxp20.ineqA3_prodpert", title="Product-perturbation bound (tight)",
        certifiable=True,  # issue 13: hypotheses/conclusions in ops
        source=Source(PAPER, "App. A.3", "after eq. (15)"),
        statement=r"\|\Delta_k\|\le R,\ (8)\Rightarrow\|W_{j:i}(t)-W_{j:i}(0)\|\le"
                  r"(\sqrt m+R)^{j-i+1}-(\sqrt m)^{j-i+1}",
        kind="inequality",
        check=Deterministic(_pert_sample, _pert_hypotheses, _prodpert_conclusions),
        params=dict(_PERT_PARAMS),
        profiles={"full": {"L_choices": [2, 3, 5, 10, 20, 40], "m_choices": [2, 4, 16],
                           "instances": 200}},
        # Tightness: 1% below the bound the aligned rank-1 chain violates it.
        broken={"bound_scale": 0.99},
        instances=16,
        notes="Tight: for the aligned chain (Delta_k = rho(1-1e-9) e_k e_{k-1}^T) the lhs "
              "equals the bound up to the 1e-9 radius shrink for every pair with j < L.",
    ),
)
