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
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.arb import ArbBackend
from boundcheck.arith.constants import exact_const
from boundcheck.certify.runbound import bound_condition
from boundcheck.check.registry import register
from boundcheck.check.result import (
    Deterministic,
    Instance,
    Params,
    Result,
    Scaling,
    ScalingOutcome,
    Source,
)
from boundcheck.check.verdict import Condition, power_contrast
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


def _extremum(ops: Any, run: dict, name: str, key: str, other: str, rel: str, rhs: Any,
              ctx: str) -> Condition:
    """``x rel rhs`` for a run-wide extremum ``x``. Certified: ``run[key]`` and
    ``run[other]`` are rigorous bounds of it (the one proving ``rel``, the one refuting it:
    :func:`bound_condition` decides only in the sound direction); float64: the point value
    ``run[key]``. An unfinished run (step budget, or the shadowing bound left e_max) decides
    nothing (NaN)."""
    if not run["completed"]:
        return Condition(name, ops.scalar(math.nan), rel, rhs, ctx + "; run not finished")
    if not ops.certified:
        return Condition(name, ops.scalar(run[key]), rel, rhs, ctx)
    up, down = (run[key], run[other]) if rel in ("<", "<=") else (run[other], run[key])
    return bound_condition(ops, name, rel, rhs, hi=up, lo=down, context=ctx)


def _completion(ops: Any, run: dict, ctx: str) -> list[Condition]:
    return []


def _thm31_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run, q = _run(inst, ops, p)
    ctx = _ctx(inst, run)
    return _completion(ops, run, ctx) + [
        _extremum(ops, run, "max_t Delta_t / ((1 - rho)^t Delta_0) <= 1", "worst_rate",
                  "worst_rate_lo", "<=", ops.scalar(exact_const(p["rate_tol"])), ctx)]


def _ind31_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run, q = _run(inst, ops, p)
    ctx = _ctx(inst, run)
    L = inst["L"]
    e8 = ops.sqrt(ops.scalar(8) * q["e"] ** 3)
    rad = e8 * q["lam"] * ops.sqrt(q["D0"]) / (ops.scalar(L) * q["muA"] ** 2 * q["muB"] ** 2
                                               * q["sr"] ** 2)
    return _completion(ops, run, ctx) + [
        _extremum(ops, run, "(i) max_t,l ||W_l(t)||_F <= sqrt(8e^3) lam ||X|| Delta0^1/2/(L mu^2 "
                  "mu^2 sr^2)", "worst_radius", "worst_radius_lo", "<=",
                  rad * ops.scalar(exact_const(p["radius_factor"])), ctx),
        Condition("(i') ... <= 0.5/L", rad, "<=", ops.scalar(Fraction(1, 2 * L)), context=ctx),
        _extremum(ops, run, "(ii) max_t Delta_t / ((1 - rho)^t Delta_0) <= 1", "worst_rate",
                  "worst_rate_lo", "<=", ops.scalar(exact_const(p["rate_tol"])), ctx)]


def _eqA1_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run, q = _run(inst, ops, p)
    ctx = _ctx(inst, run)
    return _completion(ops, run, ctx) + [
        _extremum(ops, run, "min_t (L_{t-1} - L_t) / (eta/2 sum||grad||^2) >= 1", "min_descent",
                  "min_descent_hi", ">=", ops.scalar(exact_const(p["descent_coef"])), ctx),
        _extremum(ops, run, "min_t (L_{t-1} - L_t) / (rho Delta_{t-1}) >= 1", "min_pl",
                  "min_pl_hi", ">=", ops.scalar(1), ctx)]


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
    broken={"rate_tol": 0.3},
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


# ----------------------------------------------------------------------------- constants
def _rate_ok(inst: Instance, eta: float, p: Params) -> bool:
    q = np_quantities(inst["A"], inst["B"], inst["X"])
    L = inst["L"]
    rho = eta * L * q["muA"] ** 2 * q["muB"] ** 2 * q["sr"] ** 2 / math.e
    if rho >= 1:
        return False
    Ls = np_lstar(inst["X"], inst["Y"])
    D0 = 0.5 * float(np.sum(inst["Y"] ** 2)) - Ls
    run = float_gd(inst, eta, rho, D0, Ls, p["steps_cap"], p["stop_rel_emp"])
    return bool(run["completed"]) and run["worst_rate"] <= 1.0


def _constants_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    """C_emp = sup{c_inst : the rate fails} over instances run at the C1-form eta with alpha
    below alpha*; C1_emp = min over instances of the largest eta (bisection on a log grid)
    keeping the rate, in units of 1/(L lam ||X|| (sqrt(L0) + lam ||X||))."""
    c_fail = 0.0
    c_ok_min = math.inf
    c1 = math.inf
    rows = []
    fail_at: list[float] = []
    for j in range(p["emp_instances"]):
        d, k = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        L = int(rng.choice([1, 2]))
        seed = int(rng.integers(2**31))
        for f in p["below"]:
            inst = modid_instance(np.random.default_rng(seed), d, k, 4, L, f, noise=0.3,
                                  scales=[1.0] * (d - 1) + [2.0])
            inst["form"] = "C1"
            eta = _eta(inst, "C1", {"C1": C1_THM31})
            ok = _rate_ok(inst, eta, p)
            c_inst = f * C_THM31
            rows.append({"instance": j, "c_inst": c_inst, "rate_holds": ok})
            if not ok:
                c_fail = max(c_fail, c_inst)
            else:
                c_ok_min = min(c_ok_min, c_inst)
        inst = modid_instance(np.random.default_rng(seed), d, k, 4, L, 1.0 + 1e-9, noise=0.3,
                              scales=[1.0] * (d - 1) + [2.0])
        unit = _eta(inst, "C1", {"C1": 1.0})
        lo, hi = C1_THM31, C1_THM31
        while hi < 1e3 and _rate_ok(inst, hi * unit, p):
            lo, hi = hi, hi * 2
        fail_at.append(hi if hi < 1e3 else math.inf)  # the loop stopped on a rate failure
        for _ in range(p["bisect"]):
            mid = math.sqrt(lo * hi)
            if _rate_ok(inst, mid * unit, p):
                lo = mid
            else:
                hi = mid
        c1 = min(c1, lo)
        rows.append({"instance": j, "C1_max": lo})
    cond = [Condition("C_emp (largest c_inst with a rate failure) <= C = 2 sqrt(8e^3)", c_fail,
                      "<=", p["C"]),
            Condition("C1_emp (largest eta keeping the rate, min over instances) >= C1",
                      c1, ">=", p["C1"]),
            # Power contrast: C1_emp is a measured breakdown, not the search cap -- on every
            # instance the same rate test rejects a step found above it.
            power_contrast("eta = (first failing C1) x unit on every instance",
                           [Condition("rate holds at the largest bracketing step (units of "
                                      "1/(L lam ||X|| (sqrt(L0) + lam ||X||)))",
                                      max(fail_at, default=math.inf), ">=", 1e3)], "reject",
                           f"failing steps {[round(f, 3) for f in fail_at]}")]
    return ScalingOutcome(cond, {"C_emp": c_fail, "smallest c_inst that held": c_ok_min,
                                 "C1 failing steps": fail_at,
                                 "C1_emp": c1, "C_proof": C_THM31, "C1_proof": C1_THM31,
                                 "rows": rows})


def _depth_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    """Steps to Delta_t <= 1e-6 Delta_0 at the C1-form eta (~1/L) vs L: slope ~ 0; the
    contrast eta without the 1/L (steps ~ 1/L) must give a clearly different slope."""
    seed = int(rng.integers(2**31))
    Ls = p["depths"]
    steps, steps_c = [], []
    for L in Ls:
        inst = modid_instance(np.random.default_rng(seed), 2, 1, 4, L, 2.0, noise=0.3,
                              scales=[1.0, 2.0])
        base = _eta(inst, "C1", {"C1": C1_THM31})
        out = []
        for eta in (base, base * L * p["contrast_scale"]):
            A, B, X, Y = inst["A"], inst["B"], inst["X"], inst["Y"]
            lstar = np_lstar(X, Y)
            m = A.shape[0]
            W = [np.zeros((m, m)) for _ in range(L)]
            D0 = 0.5 * float(np.sum(Y * Y)) - lstar
            t = 0
            while t < p["steps_cap"]:
                G, R = tr.np_grads(A, B, W, X, Y)
                if 0.5 * float(np.sum(R * R)) - lstar <= 1e-6 * D0:
                    break
                W = [w - eta * g for w, g in zip(W, G, strict=True)]
                t += 1
            out.append(t)
        steps.append(out[0])
        steps_c.append(out[1])
    lL = np.log(Ls)
    s1 = float(np.polyfit(lL, np.log(steps), 1)[0])
    s2 = float(np.polyfit(lL, np.log(steps_c), 1)[0])
    cond = [Condition("slope of log T_eps vs log L at eta ~ 1/L: |slope - 0| <= 0.15",
                      abs(s1 - p["expect_slope"]), "<=", p["tol"]),
            Condition("power contrast: eta without the 1/L gives a slope differing by >= 0.5",
                      abs(s2 - s1), ">=", 0.5)]
    return ScalingOutcome(cond, {"depths": Ls, "steps": steps, "steps_eta_times_L": steps_c,
                                 "slope": s1, "contrast_slope": s2})


_TC = register  # keep the registration block below readable
_TC(Result(
    id="zlg20.thm3_1", variant="empirical-constants",
    title="Theorem 3.1: empirical C_emp and C1_emp beside the proof's constants",
    source=Source(PAPER, "Sec. 3, Theorem 3.1; App. A.1"), statement="C_emp <= C, C1_emp >= C1",
    kind="theorem", check=Scaling(_constants_run),
    params={"C": C_THM31, "C1": C1_THM31, "emp_instances": 2,
            "below": [0.002, 0.05, 1.0], "bisect": 3, "steps_cap": 20000,
            "stop_rel_emp": 1e-8},
    profiles={"full": {"emp_instances": 10, "bisect": 8,
                       "below": [0.0005, 0.002, 0.01, 0.05, 0.2, 1.0]}},
    broken={"C1": 1e4}, instances=1))
_TC(Result(
    id="zlg20.thm3_1", variant="depth-independence",
    title="Theorem 3.1: iteration count independent of depth at the step-size bound",
    source=Source(PAPER, "Sec. 3, Theorem 3.1 (rate independent of L); Cor. 3.4"),
    statement=r"\rho=\eta L\sigma_{\min}^2(A)\sigma_{\min}^2(B)\sigma_r^2/e,\ \eta\propto1/L",
    kind="theorem", check=Scaling(_depth_run),
    params={"depths": [1, 2, 4, 8, 16], "steps_cap": 20000, "tol": 0.15,
            "contrast_scale": 0.5, "expect_slope": 0.0},
    profiles={"full": {"depths": [1, 2, 4, 8, 16, 32, 64]}},
    broken={"expect_slope": 1.0}, instances=1))


# ----------------------------------------------------------------------------- Gaussian A, B
def _sample_thm31_gauss(rng: np.random.Generator, p: Params) -> list[Instance]:
    """Gaussian A (m x 1), B (1 x m), alpha = beta = 1, filtered by (4.1) with the explicit
    C in the hypotheses; d = k = 1 keeps exact L* (orthogonal-row X) and the run cheap."""
    from theorems.zlg20._common import orth_rows_X

    m = int(p["m_gauss"])
    L = int(rng.choice([1, 2]))
    A, B = tr.gaussian_transforms(rng, 1, 1, m)
    X = orth_rows_X(rng, 1, 2, scales=[1.0])
    Y = p["y_scale"] * rng.standard_normal((1, 2))
    inst = {"A": A, "B": B, "X": X, "Y": Y, "L": L, "alpha_factor": float("nan"),
            "form": str(rng.choice(["C1", "proof"]))}
    q = np_quantities(A, B, X)
    lam = q["lamA"] * q["lamB"] * q["Xn"]
    R = B @ A @ X - Y
    L0 = 0.5 * float(np.sum(R * R))
    d0 = L0 - np_lstar(X, Y)
    inst["alpha_factor"] = (q["muA"] ** 2 * q["muB"] ** 2 / (q["lamA"] * q["lamB"])) / (
        C_THM31 * q["Xn"] / q["sr"] ** 2 * math.sqrt(max(d0, 1e-300)))
    if inst["form"] == "C1":
        eta = p["C1"] / (L * lam * (math.sqrt(L0) + lam))
    else:
        eta = 1.0 / (2 * L * lam * (math.sqrt(2 * math.e * L0) + 0.5 * math.e * lam))
    inst["eta"] = eta * (1 - 1e-9)
    inst["token"] = f"gauss-{int(rng.integers(2**31))}-{inst['eta']!r}"
    return [inst]


_TC(Result(
    id="zlg20.thm3_1", variant="gaussian",
    title="Theorem 3.1 on Gaussian A, B (alpha = beta = 1) filtered by (4.1) with C = 25.35",
    source=Source(PAPER, "Sec. 3, Theorem 3.1; Sec. 3.1 (Gaussian transforms)"),
    statement=r"\Delta_t\le(1-\rho)^t\Delta_0\text{ for Gaussian }A,B\text{ meeting (4.1)}",
    kind="theorem", check=Deterministic(_sample_thm31_gauss, _thm31_hyp, _thm31_concl),
    params={**_PARAMS, "m_gauss": 300, "y_scale": 0.01},
    profiles={"full": {"m_gauss": 1600, "instances": 30}},
    broken={"rate_tol": 0.3}, instances=16, certifiable=False,
    notes="Not certifiable at these widths (Arb on 300 x 300 layers per step is too slow); "
          "float64 runs, holds-numerically. c_inst/C is reported as alpha/alpha*."))
