"""Extra tests for acgh19 main line (theorems/acgh19/main.py, lemmas.py) and
boundcheck.model.balanced."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from boundcheck.arith.base import Backend
from boundcheck.arith.float64 import Float64Backend
from boundcheck.check.harness import evaluate_instance, recheck, run_result
from boundcheck.check.registry import get
from boundcheck.check.verdict import Verdict, combine, evaluate
from boundcheck.model import balanced
from boundcheck.model.init import init_names, initialize
from theorems.acgh19._main_common import (
    eta_thm1,
    layer_grads,
    sample_thm1,
    scalar_horizon,
    thm1_hypotheses,
)
from theorems.acgh19.main import THM1_PARAMS, descent_condition

# ----------------------------------------------------------------------------- engine: balanced


@pytest.mark.parametrize("dims", [(1, 1), (3, 2, 1), (1, 3, 3), (2, 3, 4, 2), (3, 3, 3, 3, 3),
                                  (4, 3, 5, 3)])
def test_balanced_factors_product_and_balance(dims):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((dims[-1], dims[0]))
    for rotate in (False, True):
        Ws = balanced.balanced_factors(A, dims, rng=rng, rotate=rotate)
        assert [W.shape for W in Ws] == [(dims[j + 1], dims[j]) for j in range(len(dims) - 1)]
        assert np.linalg.norm(balanced.end_to_end(Ws) - A) <= 1e-13 * np.linalg.norm(A)
        assert balanced.max_imbalance(Ws) <= 1e-13 * np.linalg.norm(A, 2) ** (2 / len(Ws))


def test_balanced_factors_rejects_narrow_hidden_layer():
    with pytest.raises(Exception, match="hidden widths"):
        balanced.balanced_factors(np.ones((3, 3)), (3, 2, 3))


def test_target_margin_and_imbalance_constructions():
    rng = np.random.default_rng(3)
    for _ in range(20):
        r, c = (int(x) for x in rng.integers(1, 4, size=2))
        Phi = balanced.target_with_sigma_min(rng, r, c, 0.7, spread=3.0)
        s = np.linalg.svd(Phi, compute_uv=False)
        assert abs(s[-1] - 0.7) < 1e-14 and s[0] <= 2.1 + 1e-12
        for mode in ("random", "worst", "mixed"):
            A = balanced.start_with_margin(rng, Phi, 0.3, mode=mode)
            cstar = s[-1] - np.linalg.norm(A - Phi)
            assert 0.3 <= cstar <= 0.3 + 1e-8
        dims = (c, max(r, c) + 1, r)
        Ws = balanced.balanced_factors(A, dims, rng=rng, rotate=True)
        W2 = balanced.with_imbalance(rng, Ws, 1e-2)
        assert 0.5e-2 < balanced.max_imbalance(W2) <= 1e-2
        assert np.linalg.norm(balanced.end_to_end(W2) - A) <= 1e-12


def test_residual_target_and_inits():
    rng = np.random.default_rng(0)
    Phi = balanced.residual_target(rng, 3, 0.4)
    assert abs(np.linalg.norm(Phi - np.eye(3)) - 0.4) < 1e-14
    Phi_w = balanced.residual_target(rng, 3, 0.4, mode="worst")
    assert abs(np.linalg.svd(Phi_w, compute_uv=False)[-1] - 0.6) < 1e-14
    assert {"balanced", "balanced_margin"} <= set(init_names())
    Ws = initialize("balanced_margin", rng, (2, 3, 2), target=Phi_w[:2, :2] + np.eye(2),
                    margin=0.1, imbalance=1e-3)
    assert balanced.max_imbalance(Ws) <= 1e-3
    Ws = initialize("balanced", rng, (4, 5, 5, 1), sigma=0.3)
    assert balanced.max_imbalance(Ws) < 1e-14


# ----------------------------------------------------------------------------- vocabulary
class StrictOps:
    """float64 ops restricted to the names of boundcheck/arith/base.py's Backend."""

    ALLOWED = {n for n in dir(Backend) if not n.startswith("_")} | {"name", "certified"}

    def __init__(self) -> None:
        self._be = Float64Backend()
        self.used: set[str] = set()

    def __getattr__(self, name: str):
        if name not in self.ALLOWED:
            raise AttributeError(f"{name} is not in the backend vocabulary")
        self.used.add(name)
        return getattr(self._be, name)


def test_lemma1_condition_uses_only_backend_vocabulary():
    from boundcheck.model.problem import Problem

    rng = np.random.default_rng(11)
    ops = StrictOps()
    for _ in range(5):
        inst = sample_thm1(rng, THM1_PARAMS)
        conds = thm1_hypotheses(inst, ops, THM1_PARAMS)
        prob = Problem.for_target(inst["Phi"], inst["dims"])
        conds.append(descent_condition(ops, prob, inst["W0"], inst["eta"], 0.5, "t=0"))
        assert combine([evaluate(c, ops) for c in conds]) is True
    assert "sigma_min" in ops.used and "matmul" in ops.used
    r = get("acgh19.lem7")
    for k in range(6):
        inst = r.check.sample(np.random.default_rng(k), r.resolve_params())
        conds = r.check.hypotheses(inst, ops, r.resolve_params())
        conds += r.check.conclusions(inst, ops, r.resolve_params())
        assert combine([evaluate(c, ops) for c in conds]) is True


# ----------------------------------------------------------------------------- Lemma 5 erratum
def _lem5_instance(dims, A):
    Ws = balanced.balanced_factors(A, dims)
    return {"W": Ws, "nu": balanced.max_imbalance(Ws) + 1e-15,
            "M": max(float(np.linalg.norm(W, 2)) for W in Ws) * (1 + 1e-12),
            "dims": list(dims), "N": len(Ws)}


def test_lem5_printed_pairing_refuted_on_catalog_example():
    """dims (1,3,3), N = 2, Procedure 1: W_2 = [U S^{1/2}, 0, 0] has sigma_min = 0 while
    sigma_min(W)^2 = ||A||^2 > 0; the repaired pairing (sigma_1,min) holds."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((3, 1))
    inst = _lem5_instance((1, 3, 3), A)
    be = Float64Backend()
    for key, expect in (("acgh19.lem5", False), ("acgh19.lem5[repaired]", True)):
        r = get(key)
        h, _, concl = evaluate_instance(r.check, inst, be, r.resolve_params())
        assert h is True
        assert combine(concl) is expect, [o.message() for o in concl]
    # mirror case (3,3,1): printed uses sigma_1,min = 0
    inst = _lem5_instance((3, 3, 1), A.T)
    r = get("acgh19.lem5")
    assert combine(evaluate_instance(r.check, inst, be, r.resolve_params())[2]) is False


@pytest.mark.parametrize("key", ["acgh19.lem5", "acgh19.proc1[appE_literal]"])
def test_erratum_counterexample_files_recheck(tmp_path, key):
    rep = run_result(get(key), counterexample_dir=tmp_path)
    assert rep.verdict is Verdict.REFUTED and rep.counterexamples
    for f in rep.counterexamples:
        assert recheck(f).verdict is Verdict.REFUTED


# ----------------------------------------------------------------------------- Theorem 1
def test_thm1_scalar_catalog_instance_full_horizon():
    """Second reading: N = 2, Phi = 1, W_1 = W_2 = sqrt(0.95) (c = 0.95), eta = (7),
    eps = 1e-10 gives T = 986,125; GD must reach l(T) <= eps (float64)."""
    c, N = 0.95, 2
    eta = eta_thm1(c, N, 1.0, {})
    assert abs(eta - 1.744e-5) < 1e-8
    w = math.sqrt(c)
    l0 = 0.5 * (c - 1) ** 2
    T = math.ceil(math.log(l0 / 1e-10) / (eta * c ** (2 * (N - 1) / N)))
    assert abs(T - 986_125) <= 2
    out = scalar_horizon([w, w], 1.0, eta, 1e-10, T, 1000)
    assert out["loss_T"] <= 1e-10 and out["worst_after_T"] <= 1e-10
    assert out["min_descent_ratio"] >= 1.0
    # once l is ~1e-20 the O(eta) decrement drops below float64 resolution; those steps are
    # excluded from the ratio, and they all lie after GD already reached eps
    assert out["unresolved_steps"] < T - out["hit"]
    assert T / out["hit"] > 1.0


def _matrix_full_horizon(N: int, d: int, seed: int, log_ratio: float, check_every: int,
                         dims: tuple[int, ...] | None = None):
    rng = np.random.default_rng(seed)
    dims = dims or (d,) * (N + 1)
    Phi = balanced.target_with_sigma_min(rng, dims[-1], dims[0], 1.0, spread=1.2)
    B = float(np.linalg.norm(Phi))
    c = 0.9
    A = balanced.start_with_margin(rng, Phi, c, mode="mixed")
    Ws = balanced.balanced_factors(A, dims, rng=rng, rotate=True)
    eta = eta_thm1(c, N, B, {})
    e = 2 * (N - 1) / N
    l0 = 0.5 * float(np.sum((A - Phi) ** 2))
    eps = l0 * math.exp(-log_ratio)
    T = math.ceil(math.log(l0 / eps) / (eta * c ** e))
    loss, hit, min_ratio = l0, -1, math.inf
    for t in range(T):
        E = balanced.end_to_end(Ws)
        R = E - Phi
        loss = 0.5 * float(np.sum(R * R))
        if hit < 0 and loss <= eps:
            hit = t
        G = layer_grads(Ws, R)
        Ws = [W - eta * g for W, g in zip(Ws, G, strict=True)]
        if t % check_every == 0:
            R1 = balanced.end_to_end(Ws) - Phi
            smin = float(np.linalg.svd(E, compute_uv=False)[-1])
            ratio = (loss - 0.5 * float(np.sum(R1 * R1))) / (0.5 * eta * smin ** e * 2 * loss)
            min_ratio = min(min_ratio, ratio)
    lT = 0.5 * float(np.sum((balanced.end_to_end(Ws) - Phi) ** 2))
    return T, hit, lT, eps, min_ratio


@pytest.mark.slow
@pytest.mark.parametrize("N,d,log_ratio,every,dims", [(2, 2, 2.0, 1, None),
                                                     (3, 2, 1.0, 50, None),
                                                     (2, 0, 3.0, 1, (3, 2, 1)),
                                                     (3, 0, 3.0, 1, (1, 3, 2, 2))])
def test_thm1_matrix_full_horizon(N, d, log_ratio, every, dims):
    T, hit, lT, eps, min_ratio = _matrix_full_horizon(N, d, 5, log_ratio, every, dims)
    assert lT <= eps, (T, hit, lT, eps)
    assert 0 < hit <= T
    assert min_ratio >= 1.0


def test_thm1_matrix_quick_sibling():
    """Quick sibling of the slow matrix run: short log ratio, N = 2, d = 2."""
    T, hit, lT, eps, min_ratio = _matrix_full_horizon(2, 2, 5, 0.05, 5)
    assert lT <= eps and min_ratio >= 1.0


def test_exact_drift_identity_and_its_sensitivity():
    """Lemma 2's A'(t) rests on D_j(t+1) = D_j(t) + eta^2 (G_{j+1}^T G_{j+1} - G_j G_j^T),
    decided in exact rationals; a wrong step size in the update breaks it."""
    from theorems.acgh19.lemmas import exact_drift_residual

    rng = np.random.default_rng(4)
    Ws = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3)), rng.standard_normal((1, 2))]
    Phi = rng.standard_normal((1, 2))
    assert exact_drift_residual(Ws, Phi, 0.01) == 0
    assert exact_drift_residual(Ws, Phi, 0.0) == 0
    # the eta^2 coefficient is exactly 1: any other value leaves a nonzero residual
    assert exact_drift_residual(Ws, Phi, 0.01, coef2=Fraction(2)) > 0
    assert exact_drift_residual(Ws, Phi, 0.01, coef2=Fraction(1, 2)) > 0
