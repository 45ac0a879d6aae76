"""zlg20 Theorem 3.1 (GD), its proof steps (A.1) and the inductive hypothesis, certified.

Zou, Long & Gu, ICLR 2020, Sec. 3, Theorem 3.1; proof App. A.1 (eq. (A.1), induction).
Explicit constants from the proof (catalog zlg20.thm3_1): C = 2 sqrt(8 e^3) ~ 25.35 in
(4.1), C_1 = 1/(2 sqrt(2e)) ~ 0.2144 in the step size, or the proof's own step size
eta <= [2 L lam ||X|| (sqrt(2e L0) + 0.5 e lam ||X||)]^-1, lam = ||A|| ||B||.

Instances: modified-identity transforms (Sec. 4) at alpha = alpha*, 2 alpha*, 10 alpha*
(alpha* the (4.1) threshold), orthogonal-row data (exact L*), noise so L* > 0; GD from 0
until Delta_t < 1e-12 Delta_0 and (1 - rho)^t < 1e-12 (so every t where the bound exceeds
1e-12 Delta_0 is checked). Under ``--backend ball`` the whole run is certified by shadowing
(:mod:`theorems.zlg20._cert`); an instance whose run is not certified to the end is
undecided (inconclusive), never ``holds``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from flint import arb

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.arb import ArbBackend
from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import transformed_resnet as tr
from theorems.zlg20._cert import certified_gd, float_gd
from theorems.zlg20._common import (
    C1_THM31,
    C_THM31,
    PAPER,
    modid_instance,
    np_lstar,
    np_quantities,
    ops_quantities,
)


def _sample_thm31(rng: np.random.Generator, p: Params) -> list[Instance]:
    d, k = int(rng.integers(1, 3)), int(rng.integers(1, 3))
    n = int(rng.choice([2, 4, 8]))
    d = min(d, n)
    L = int(rng.choice(p["L_choices"]))
    form = str(rng.choice(["C1", "proof"]))
    scales = [float(s) for s in rng.choice(p["scales"], size=d)]
    noise = float(rng.choice(p["noise"]))
    out = []
    seed = int(rng.integers(2**31))
    for f in p["alpha_factors"]:
        r2 = np.random.default_rng(seed)  # same data for the three alphas
        inst = modid_instance(r2, d, k, n, L, f * (1 + 1e-9), noise=noise, scales=scales,
                              C=p["C"] if p["C_in_sampler"] else C_THM31)
        inst["form"] = form
        inst["eta"] = _eta(inst, form, p) * (1 - 1e-9) * p["eta_factor"]
        inst["token"] = f"{seed}-{f}-{form}-{inst['eta']!r}"
        out.append(inst)
    return out


def _eta(inst: Instance, form: str, p: Params) -> float:
    q = np_quantities(inst["A"], inst["B"], inst["X"])
    L = inst["L"]
    lam = q["lamA"] * q["lamB"] * q["Xn"]
    L0 = 0.5 * float(np.sum(inst["Y"] ** 2))
    if form == "C1":
        return p["C1"] / (L * lam * (math.sqrt(L0) + lam))
    return 1.0 / (2 * L * lam * (math.sqrt(2 * math.e * L0) + 0.5 * math.e * lam))


def _base(inst: Instance, ops: Any) -> dict:
    q = ops_quantities(ops, inst)
    A, B, X, Y, L = inst["A"], inst["B"], inst["X"], inst["Y"], inst["L"]
    m = A.shape[0]
    q["L0"] = tr.loss(ops, A, B, [np.zeros((m, m))] * L, X, Y)
    q["D0"] = q["L0"] - q["Lstar"]
    q["lam"] = q["lamA"] * q["lamB"] * q["Xn"]
    q["e"] = ops.exp(ops.scalar(1))
    q["rho"] = (ops.scalar(inst["eta"]) * ops.scalar(L) * q["muA"] ** 2 * q["muB"] ** 2
                * q["sr"] ** 2 / q["e"])
    return q


def _thm31_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _base(inst, ops)
    A, B, L = inst["A"], inst["B"], inst["L"]
    lhs = q["muA"] ** 2 * q["muB"] ** 2 / (q["lamA"] * q["lamB"])
    rhs = ops.scalar(p["C"]) * q["Xn"] / q["sr"] ** 2 * ops.sqrt(q["D0"])
    eta = ops.scalar(inst["eta"])
    if inst["form"] == "C1":
        eb = ops.scalar(p["C1"]) / (ops.scalar(L) * q["lam"] * (ops.sqrt(q["L0"]) + q["lam"]))
    else:
        eb = ops.scalar(1) / (ops.scalar(2 * L) * q["lam"] * (
            ops.sqrt(ops.scalar(2) * q["e"] * q["L0"]) + q["e"] / ops.scalar(2) * q["lam"]))
    return [Condition("(4.1) muA^2 muB^2/(lamA lamB) >= C ||X|| sr^-2 Delta0^1/2", lhs, ">=",
                      rhs, context=f"alpha/alpha*={inst['alpha_factor']:.3g}"),
            Condition(f"eta <= bound ({inst['form']} form)", eta, "<=", eb),
            Condition("m >= max(d, k)", ops.scalar(A.shape[0]), ">=",
                      ops.scalar(max(A.shape[1], B.shape[0])))]


_CACHE: dict = {}


def _run(inst: Instance, ops: Any, p: Params) -> tuple[dict, dict]:
    """One run per (instance, arithmetic): the hypotheses, and the three results sharing
    the sampler, read the same run (the cache holds the last few runs only)."""
    key = (inst["token"], bool(ops.certified), p["stop_rel"], p["steps_max"], p["C1"],
           p["eta_factor"])
    if key in _CACHE:
        return _CACHE[key]
    if len(_CACHE) > 64:
        _CACHE.clear()
    cache = _CACHE
    if ops.certified:
        ab = ArbBackend(prec=128)
        q = _base(inst, ab)
        lam_ab = arb(bc.hi(q["lamA"] * q["lamB"] * q["Xn"]))
        run = certified_gd(inst, inst["eta"], q["rho"], q["D0"], q["Rstar"], lam_ab,
                           p["steps_max"], p["stop_rel"])
    else:
        q = _base(inst, ops)
        run = float_gd(inst, inst["eta"], float(q["rho"]), float(q["D0"]),
                       float(q["Lstar"]), p["steps_max"], p["stop_rel"])
    cache[key] = (run, q)
    return run, q


def _ctx(inst: Instance, run: dict) -> str:
    extra = ""
    if "e_final" in run:
        extra = (f", certified {run['steps']} steps, e_T={run['e_final']:.2g}, "
                 f"Lip prod={run['lip_product']:.3g}, unresolved descent steps "
                 f"{run['unresolved']}")
    return (f"L={inst['L']}, alpha/alpha*={inst['alpha_factor']:.3g}, eta {inst['form']}, "
            f"T={run['steps']} (run to Delta_t and (1-rho)^t Delta_0 < 1e-12 Delta_0: "
            f"{'done' if run['completed'] else 'NOT reached'}){extra}")


def _val(ops: Any, run: dict, x: float) -> Any:
    """A run-wide extremum as a backend scalar; an unfinished run (step budget, or the
    shadowing bound left e_max) makes it undecided: a ball straddling every bound under
    certified backends, NaN (decides nothing) under float64."""
    if run["completed"]:
        return ops.scalar(x)
    return arb(f"{x} +/- {abs(x) + 10}") if ops.certified else float("nan")


def _completion(ops: Any, run: dict, ctx: str) -> list[Condition]:
    return []


def _thm31_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run, q = _run(inst, ops, p)
    ctx = _ctx(inst, run)
    return _completion(ops, run, ctx) + [
        Condition("max_t Delta_t / ((1 - rho)^t Delta_0) <= 1", _val(ops, run, run["worst_rate"]),
                  "<=", ops.scalar(p["rate_tol"]), context=ctx)]


def _ind31_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run, q = _run(inst, ops, p)
    ctx = _ctx(inst, run)
    L = inst["L"]
    e8 = ops.sqrt(ops.scalar(8) * q["e"] ** 3)
    rad = e8 * q["lam"] * ops.sqrt(q["D0"]) / (ops.scalar(L) * q["muA"] ** 2 * q["muB"] ** 2
                                               * q["sr"] ** 2)
    return _completion(ops, run, ctx) + [
        Condition("(i) max_t,l ||W_l(t)||_F <= sqrt(8e^3) lam ||X|| Delta0^1/2/(L mu^2 mu^2 "
                  "sr^2)", _val(ops, run, run["worst_radius"]), "<=",
                  rad * ops.scalar(p["radius_factor"]), context=ctx),
        Condition("(i') ... <= 0.5/L", rad, "<=", ops.scalar(0.5) / ops.scalar(L), context=ctx),
        Condition("(ii) max_t Delta_t / ((1 - rho)^t Delta_0) <= 1",
                  _val(ops, run, run["worst_rate"]), "<=", ops.scalar(p["rate_tol"]), context=ctx)]


def _eqA1_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run, q = _run(inst, ops, p)
    ctx = _ctx(inst, run)
    return _completion(ops, run, ctx) + [
        Condition("min_t (L_{t-1} - L_t) / (eta/2 sum||grad||^2) >= 1",
                  _val(ops, run, run["min_descent"]), ">=", ops.scalar(p["descent_coef"]),
                  context=ctx),
        Condition("min_t (L_{t-1} - L_t) / (rho Delta_{t-1}) >= 1", _val(ops, run, run["min_pl"]),
                  ">=", ops.scalar(1), context=ctx)]


_PARAMS = {"L_choices": [1, 2, 3, 5], "alpha_factors": [1.0, 2.0, 10.0], "C": C_THM31,
           "C1": C1_THM31, "C_in_sampler": True, "scales": [1.0, 1.0, 2.0],
           "noise": [0.1, 0.5], "stop_rel": 1e-12, "steps_max": 10000, "eta_factor": 1.0,
           "rate_tol": 1.0, "radius_factor": 1.0, "descent_coef": 1.0}
_FULL = {"instances": 12, "L_choices": [1, 2, 3, 5, 10, 20], "steps_max": 60000,
         "scales": [0.5, 1.0, 1.0, 2.0]}

register(Result(
    id="zlg20.thm3_1", title="Theorem 3.1: GD converges linearly under (4.1)",
    source=Source(PAPER, "Sec. 3, Theorem 3.1; proof App. A.1", "(4.1), (A.1)"),
    statement=r"\frac{\sigma_{\min}^2(A)\sigma_{\min}^2(B)}{\|A\|\|B\|}\ge C\frac{\|X\|}{\sigma_r^2"
              r"(X)}\Delta_0^{1/2},\ \eta\le\frac{C_1}{L\|A\|\|B\|\|X\|(\sqrt{\mathcal L_0}+\|A\|"
              r"\|B\|\|X\|)}\Rightarrow\Delta_t\le(1-\eta L\sigma_{\min}^2(A)\sigma_{\min}^2(B)"
              r"\sigma_r^2(X)/e)^t\Delta_0",
    kind="theorem", check=Deterministic(_sample_thm31, _thm31_hyp, _thm31_concl),
    params=_PARAMS, profiles={"full": _FULL},
    broken={"eta_factor": 3.0, "C1": 3.0 * C1_THM31, "rate_tol": 1e-3},
    instances=4, certifiable=True,
    notes="C = 2 sqrt(8e^3), C_1 = 1/(2 sqrt(2e)) (proof-explicit). Each sample is one data "
          "set at alpha*, 2 alpha*, 10 alpha*.",
))
register(Result(
    id="zlg20.ind3_1", title="Induction in the proof of Thm 3.1: radius and rate",
    source=Source(PAPER, "App. A.1, proof of Theorem 3.1", "induction (i)-(ii)"),
    statement=r"\max_l\|W_l^{(t)}\|_F\le\frac{\sqrt{8e^3}\|A\|\|B\|\|X\|\Delta_0^{1/2}}{L\mu_A^2"
              r"\mu_B^2\sigma_r^2}\le\frac{0.5}L,\ \Delta_t\le(1-\rho)^t\Delta_0",
    kind="proof-step", check=Deterministic(_sample_thm31, _thm31_hyp, _ind31_concl),
    params=_PARAMS, profiles={"full": _FULL}, broken={"radius_factor": 0.01},
    instances=4, certifiable=True,
))
register(Result(
    id="zlg20.eqA_1", title="(A.1) one-step descent and contraction of GD",
    source=Source(PAPER, "App. A.1", "(A.1)"),
    statement=r"\mathcal L(W^{(t)})-\mathcal L(W^{(t-1)})\le-\frac\eta2\sum_l\|\nabla_{W_l}"
              r"\mathcal L(W^{(t-1)})\|_F^2\le-\rho\Delta_{t-1}",
    kind="inequality", check=Deterministic(_sample_thm31, _thm31_hyp, _eqA1_concl),
    params=_PARAMS, profiles={"full": _FULL}, broken={"descent_coef": 2.5},
    instances=4, certifiable=True,
))
_ = (np_lstar, Any)
