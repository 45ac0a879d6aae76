"""zlg20 (A.5), (A.11), (A.13): trajectory radius along SGD runs and the proof's algebra.

Zou, Long & Gu, ICLR 2020, App. A.4 (proof of Theorem 3.6), eqs. (A.5), (A.11), (A.13);
catalog §7 S16 (constant algebra).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from boundcheck.arith.constants import exact_const
from boundcheck.check.registry import register
from boundcheck.check.result import (
    Deterministic,
    Instance,
    Params,
    Result,
    Source,
    Statistical,
    Symbolic,
)
from boundcheck.check.verdict import Condition
from theorems.zlg20._common import PAPER
from theorems.zlg20.sgd import _P36, _run_sgd, _setup36


def _trial_a5(rng: np.random.Generator, p: Params) -> tuple[int, int]:
    s = _setup36(rng, p)
    if s["T"] > p["max_T"]:
        return (0, 0)
    r = _run_sgd(rng, s, p["runs"], s["T"], stop_on_success=True)
    # (A.5) is claimed while L(W_s) <= 2 L0 for s < t; a run leaving that event is not a
    # counterexample to (A.5) itself
    keep = r["max_loss"] <= 1.0
    return int(np.sum(r["rad_bad"] & keep)), int(np.sum(keep))


register(Result(
    id="zlg20.eqA_5", title="(A.5) trajectory radius after t SGD steps: ||W_l(t)||_F <= "
    "sqrt(2e) eta t n lam ||X|| sqrt(2 L0)/b <= 0.5/L", source=Source(PAPER, "App. A.4", "(A.5)"),
    statement=r"\|W_l^{(t)}\|_F\le\frac{\sqrt{2e}\eta tn\|A\|\|B\|\|X\|}{b}\sqrt{2\mathcal L_0}",
    kind="inequality", check=Statistical(_trial_a5, lambda p: p["delta"]),
    params={**_P36, "rad_coef": 1.0}, broken={"rad_coef": 0.01}, instances=2,
    notes="Checked at every step of every run (until the run is within eps); the event "
          "L(W_s) <= 2 L0 is the hypothesis, runs leaving it are not counted."))


def _sample_a11(rng: np.random.Generator, p: Params) -> Instance:
    s = _setup36(rng, p)
    return {k: s[k] for k in ("eta", "alpha", "X", "L", "n", "b", "T", "L0", "eps", "delta",
                              "Ls")}


def _hyp_a11(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return [Condition("eps < L0 (so log(3 L0/eps) >= 1)", ops.scalar(inst["eps"]), "<",
                      ops.scalar(inst["L0"])),
            Condition("delta <= 1/6", ops.scalar(inst["delta"]), "<=", ops.scalar(1) /
                      ops.scalar(6))]


def _concl_a11(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """(A.11) in ops. ``||X||_{2,inf}^2 = max_j ||x_j||^2`` enters through the columns: the
    bound decreases in it, so ``eta <= bound(max_j)`` is one condition per column ``j``."""
    X = np.asarray(inst["X"])
    a = ops.scalar(inst["alpha"])
    x2 = ops.sigma_max(ops.asarray(X)) ** 2
    sr2 = x2  # d = 1
    e = ops.exp(ops.scalar(1))
    L, n, b = ops.scalar(inst["L"]), ops.scalar(inst["n"]), ops.scalar(inst["b"])
    factor = ops.scalar(exact_const(p["factor"]))
    conds = []
    for j in range(X.shape[1]):
        cj = ops.fro_norm(ops.asarray(X[:, j:j + 1]))
        bound = b * a * a * sr2 / (ops.scalar(6) * e ** 3 * L * n * a ** 4 * x2 * cj * cj)
        conds.append(Condition("(A.11) eta(H2') <= b mu^2mu^2 sr^2/(6e^3 L n lam^4 ||X||^2 "
                               "||X||_2inf^2)", ops.scalar(inst["eta"]), "<=", bound * factor,
                               context=f"column j={j} of ||X||_2inf"))
    return conds


register(Result(
    id="zlg20.eqA_11", title="(A.11) is implied by (H2') (the proof's step size)",
    source=Source(PAPER, "App. A.4", "(A.11)"),
    statement=r"\eta\le\frac{b\mu_A^2\mu_B^2\sigma_r^2}{6e^3Ln\lambda_A^4\lambda_B^4\|X\|_2^2"
              r"\|X\|_{2,\infty}^2}",
    kind="equation", check=Deterministic(_sample_a11, _hyp_a11, _concl_a11),
    params={**_P36, "factor": 1.0, "eps_fracs": [0.9, 0.5, 0.1]}, broken={"factor": 1e-3},
    instances=12,
    certifiable=True,  # issue 13: the bound in ops (columns of X, Arb e, exact factor)
    notes="Modified identity: mu = lam, so the bound is b sr^2/(6e^3 L n alpha^2 ||X||^2 "
          "||X||_2inf^2). Certified: every side in ops (||X||_2 by certified sigma_max, "
          "||X||_2inf^2 one condition per column, e by Arb)."))


def _a13(p: Params) -> list[Condition]:
    eta, g0, g1, Lw, Ls, EL, e, L, mu, lam, X2, X2i, n, b, ep = sp.symbols(
        "eta gamma0 gamma1 L Lstar EL e Ldepth mu lam X2 X2inf n b epsp", positive=True)
    k = sp.Integer(p["k"])
    # (A.12): EL - L <= -eta g0 (L - L*) + eta^2 g1  <=>  (A.13): EL - L* <= (1 - eta g0)
    # (L - L*) + eta^2 g1; the identities are simplified, then evaluated at exact rationals
    slack12 = (-eta * g0 * (Lw - Ls) + eta**2 * g1) - (EL - Lw)
    slack13 = ((1 - eta * g0) * (Lw - Ls) + eta**2 * g1) - (EL - Ls)
    G0 = 4 * L * mu * sr_sq() / (3 * e)
    G1 = 2 * e**2 * L**2 * n * lam**2 * X2 * X2i * Ls / b
    lhs14 = sp.simplify(G0 * ep / (4 * G1))
    rhs14 = b * mu * sr_sq() * ep / (6 * e**3 * L * n * lam**2 * X2 * X2i * Ls)
    exprs = [sp.simplify(slack12 - slack13), sp.simplify(lhs14 - k * rhs14),
             sp.simplify(3 * G0 / 4 - L * mu * sr_sq() / e)]
    syms = sorted(set().union(*(x.free_symbols for x in exprs)) | {sr_sq()}, key=str)
    vals = {s: sp.Rational(3 + 2 * i, 7 + i) for i, s in enumerate(syms)}
    names = ["(A.12) and (A.13) have the same slack",
             "gamma_0 eps'/(4 gamma_1) = b mu sr^2 eps'/(6e^3 L n lam^2 ||X||^2 ||X||_2inf^2 "
             "L*)  (mu = mu_A^2 mu_B^2, lam = lam_A^2 lam_B^2)",
             "3 gamma_0/4 = L mu sr^2 / e"]
    out = []
    for nm, x in zip(names, exprs, strict=True):
        out.append(Condition(nm + " (simplified to 0)", x, "==", sp.Integer(0)))
        out.append(Condition(nm + " (at a rational point)", sp.nsimplify(x.subs(vals)), "==",
                             sp.Integer(0)))
    return out


def sr_sq() -> sp.Symbol:
    return sp.Symbol("sr2", positive=True)


register(Result(
    id="zlg20.eqA_13", title="(A.13) recursion (rearranged (A.12)) and the constants of (A.14)",
    source=Source(PAPER, "App. A.4", "(A.13), (A.14)"),
    statement=r"\mathbb E[\mathcal L(W^{(t)})|W^{(t-1)}]-\mathcal L^*\le(1-\eta\gamma_0)"
              r"(\mathcal L(W^{(t-1)})-\mathcal L^*)+\eta^2\gamma_1",
    kind="equation", check=Symbolic(_a13), params={"k": 1}, broken={"k": 2}, instances=1))
_ = math
