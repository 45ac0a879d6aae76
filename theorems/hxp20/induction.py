"""hxp20 Theorem 4.1 and its induction (§4, §4.1, App. A.2): A(t), B(t), C(t) along GD.

Hu, Xiao & Pennington, ICLR 2020 (catalog ``shared/catalog/hxp20.md``: hxp20.thm4_1, eq5,
rem4_1, propA, propB, propC, claim4_3, thm4_1_ind).

Trajectories are float64 (``boundcheck.model.trajectory.iterate_gd``) in the V-parametrization
``V_i = W_i/sqrt(m)`` (see :mod:`theorems.hxp20.appendix_a`): GD on ``W`` with step ``eta``
is GD on ``V`` with step ``eta/m``. Every *state-wise* condition (losses, distances from
init, singular values of sub-products, one GD step) is computed with the backend ``ops``
from the stored iterate, so a certified backend re-checks the same iterates unchanged.

An *instance* of the trajectory checks is one (trajectory, step) pair; the sampler runs one
trajectory and returns its steps. Rate inequalities are only tested while
``l(t) >= 1e-20 l(0)`` (catalog numerics tips: float64 losses stall near 1e-30 l(0)).
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import (
    Deterministic,
    Instance,
    Params,
    Result,
    Scaling,
    ScalingOutcome,
    Source,
    Statistical,
)
from boundcheck.check.stats import power_law_fit
from boundcheck.check.verdict import Condition, power_contrast
from boundcheck.model import kernels, network
from boundcheck.model.init import haar_isometry, initialize
from boundcheck.model.trajectory import iterate_gd
from theorems.hxp20.appendix_a import (
    S,
    data_matrix,
    rounding_slack,
    v_problem,
)
from theorems.hxp20.claim4_4 import property_B, sub_products

PAPER = "hxp20"
#: The proof's width constant: m >= 7046 d_y B ||X||^2/sigma^4 gives both EC hypotheses
#: (1+R/sqrt m)^L <= 1.1 (needs 64/ln^2(1.1) = 7045.33) and m >= 800 d_y B ||X||^2/sigma^4.
EC_WIDTH = 7046.0


# ============================================================================ trajectories
def _setup(rng: np.random.Generator, p: Params) -> dict[str, Any]:
    """Data, orthogonal init, ``B`` at a fraction of the EC limit, ``Y = U(0) + D`` with
    ``l(0) <= B``, and a step size (a fraction of ``d_y/(2L||X||^2)``)."""
    L = int(rng.choice(p["L_choices"]))
    m, d_y = (int(v) for v in p["md_choices"][int(rng.integers(len(p["md_choices"])))])
    d_x = int(rng.choice(p["dx_choices"]))
    n = d_x
    kappa = float(rng.choice(p["kappa_choices"])) if n > 1 else 1.0
    X = data_matrix(rng, d_x, n, kappa, scale=1.0)
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    V0 = initialize("orthogonal", rng, dims, normalized=True)
    nx = np.linalg.norm(X, 2)
    sig = np.linalg.svd(X, compute_uv=False)[-1]
    B_lim = m * sig**4 / (p["ec_width"] * d_y * nx**2)
    B = float(rng.uniform(*p["B_frac"])) * B_lim
    ell0 = float(rng.uniform(0.5, 0.99)) * B
    U0 = kernels.forward(v_problem(X, np.zeros((d_y, n)), L, m), V0)
    D = rng.standard_normal((d_y, n))
    Y = U0 + D * (math.sqrt(2 * ell0) / np.linalg.norm(D))
    frac = p["eta_frac"]
    u = 1.0 - 1e-12 if frac == "max" else float(rng.uniform(*frac))
    eta = u * p["eta_cap_factor"] * d_y / (2 * L * nx**2)
    return {"X": X, "Y": Y, "m": m, "eta": eta, "B": B, "V0": V0, "kappa": kappa}


def _run(setup: dict[str, Any], steps: int, floor: float):
    """Yield ``(t, V(t), l(t), rate_testable)``; stops on divergence."""
    X, Y, m = setup["X"], setup["Y"], setup["m"]
    prob = v_problem(X, Y, len(setup["V0"]), m)
    l0 = None
    for st in iterate_gd(prob, setup["V0"], setup["eta"] / m, steps):
        val = st.loss
        if l0 is None:
            l0 = val
        if not np.isfinite(val) or val > 1e12 * l0:
            return
        yield st.t, st.Ws, val, val >= floor * l0


def _step_instances(rng: np.random.Generator, p: Params) -> list[Instance]:
    """One trajectory; one instance per ``stride`` steps (B every ``B_stride`` steps)."""
    setup = _setup(rng, p)
    out = []
    for t, Vs, _, testable in _run(setup, p["steps"], p["float_floor"]):
        if not testable and not p["emit_untestable"]:
            break
        if t % p["stride"]:
            continue
        out.append({**setup, "V": Vs, "t": t, "rate_testable": bool(testable),
                    "check_B": bool(t % p["B_stride"] == 0)})
    return out


class _State:
    """State-wise quantities at one iterate, with ``ops``."""

    def __init__(self, inst: Instance, ops: Any, with_V: bool = True) -> None:
        self.ops = ops
        X, Y = inst["X"], inst["Y"]
        self.m = int(inst["m"])
        self.L = len(inst["V0"])
        self.d_x, self.n = X.shape
        self.d_y = Y.shape[0]
        self.prob = v_problem(X, Y, self.L, self.m)
        self.X = ops.asarray(X)
        self.nx = ops.spec_norm(self.X)
        self.sig = ops.sigma_min(self.X)
        self.eta = ops.scalar(inst["eta"])
        self.B = ops.scalar(inst["B"])
        self.V0 = [ops.asarray(v) for v in inst["V0"]]
        self.loss0 = network.loss(ops, self.prob, self.V0)
        if with_V:
            self.V = [ops.asarray(v) for v in inst["V"]]
            self.loss = network.loss(ops, self.prob, self.V)

    def rho(self, c: float) -> Any:
        ops = self.ops
        return S(ops, 1.0) - S(ops, c) * self.eta * S(ops, self.L) * self.sig * self.sig / \
            S(ops, self.d_y)

    def R(self, c: float = 8.0) -> Any:
        """``R = c sqrt(B d_y) ||X|| / (L sigma^2)`` (W units; printed c = 8)."""
        ops = self.ops
        return S(ops, c) * ops.sqrt(self.B * S(ops, self.d_y)) * self.nx / \
            (S(ops, self.L) * self.sig * self.sig)


def _ec_hypotheses(st: _State, p: Params, ctx: str = "") -> list[Condition]:
    """thm4_1_ind hypotheses (EC version) 1-6."""
    ops = st.ops
    sqm = ops.sqrt(S(ops, st.m))
    nx2 = st.nx * st.nx
    s4 = st.sig * st.sig * st.sig * st.sig
    return [
        Condition("m >= max(d_x, d_y)", S(ops, st.m), ">=", S(ops, max(st.d_x, st.d_y)),
                  context=ctx),
        Condition("X has full column rank: sigma_min(X) > 0", st.sig, ">", S(ops, 0.0),
                  context=ctx),
        Condition("B >= l(0)", st.B, ">=", st.loss0, context=ctx),
        Condition("eta <= d_y / (2 L ||X||^2)", st.eta, "<=",
                  S(ops, p["eta_cap_factor"] * st.d_y) / (S(ops, 2 * st.L) * nx2), context=ctx),
        Condition("EC 5: (1 + R/sqrt m)^L <= 1.1", ops.power(S(ops, 1.0) + st.R() / sqm, st.L),
                  "<=", S(ops, Fraction(11, 10)), context=ctx),
        Condition("EC 6: m >= 800 d_y B ||X||^2 / sigma^4", S(ops, st.m), ">=",
                  S(ops, 800.0 * st.d_y) * st.B * nx2 / s4, context=ctx),
    ]


def _init_isometry(st: _State, p: Params) -> list[Condition]:
    """Eq. (8) at t = 0 (to roundoff): every admissible ``V_{j:i}(0)`` is an isometry."""
    ops = st.ops
    conds = []
    for (i, j), P in sub_products(ops, st.V0).items():
        for name, val in (("sigma_max", ops.sigma_max(P)), ("sigma_min", ops.sigma_min(P))):
            conds.append(Condition(f"eq. (8): {name}(V_{{j:i}}(0)) = 1", val, "==",
                                   S(ops, 1.0), atol=p["isometry_atol"],
                                   context=f"(i,j)=({i},{j})"))
    return conds


def _step_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    st = _State(inst, ops, with_V=False)
    conds = _ec_hypotheses(st, p)
    if inst["t"] == 0:
        conds += _init_isometry(st, p)
    return conds


def _ctx(inst: Instance) -> str:
    L = len(inst["V0"])
    return (f"t={inst['t']}, L={L}, m={inst['m']}, kappa={inst['kappa']:g}, "
            f"eta={inst['eta']:.4g}")


def _A(st: _State, inst: Instance, p: Params) -> list[Condition]:
    if not inst["rate_testable"] or inst["t"] == 0:  # t = 0: l(0) <= l(0), B is a hypothesis
        return []
    ops = st.ops
    rt = ops.power(st.rho(p["rate_const"]), inst["t"])
    c = p["rate_const"]
    return [Condition(f"A(t): l(t) <= (1 - {c:g} eta L sigma^2/d_y)^t l(0)", st.loss, "<=",
                      rt * st.loss0, context=_ctx(inst)),
            Condition(f"A(t): l(t) <= (1 - {c:g} eta L sigma^2/d_y)^t B", st.loss, "<=",
                      rt * st.B, context=_ctx(inst))]


def _B(st: _State, inst: Instance, p: Params) -> list[Condition]:
    if not inst["check_B"]:
        return []
    ops = st.ops
    conds = property_B(ops, st.V, p["upper"], p["lower"], ctx=_ctx(inst) + ", ")
    if p.get("include_full"):
        full = network.partial_product(ops, st.V, 1, st.L)
        conds += [Condition("sigma_max(V_{L:1}) <= 1.1", ops.sigma_max(full), "<=",
                            S(ops, p["upper"]), context=_ctx(inst) + ", (i,j)=(1,L)"),
                  Condition("sigma_min(V_{L:1}) >= 0.9", ops.sigma_min(full), ">=",
                            S(ops, p["lower"]), context=_ctx(inst) + ", (i,j)=(1,L)")]
    return conds


def _C(st: _State, inst: Instance, p: Params) -> list[Condition]:
    ops = st.ops
    bound = st.R(p["R_const"]) / ops.sqrt(S(ops, st.m))
    return [Condition(f"C(t): ||W_i(t) - W_i(0)||_F <= R = {p['R_const']:g} sqrt(B d_y)||X||"
                      "/(L sigma^2)", ops.fro_norm(ops.sub(V, V0)), "<=", bound,
                      context=f"{_ctx(inst)}, i={i}")
            for i, (V, V0) in enumerate(zip(st.V, st.V0, strict=True), start=1)]


def _concl(parts: str):
    def fn(inst: Instance, ops: Any, p: Params) -> list[Condition]:
        st = _State(inst, ops)
        conds: list[Condition] = []
        if "A" in parts:
            conds += _A(st, inst, p)
        if "B" in parts:
            conds += _B(st, inst, p)
        if "C" in parts:
            conds += _C(st, inst, p)
        return conds
    return fn


_TRAJ_PARAMS: Params = {
    "L_choices": [10], "md_choices": [[16, 1]], "dx_choices": [2], "kappa_choices": [1.0, 4.0],
    "ec_width": EC_WIDTH, "B_frac": [0.5, 0.99], "eta_frac": [0.3, 1.0], "eta_cap_factor": 1.0,
    "steps": 400, "float_floor": 1e-20, "emit_untestable": True, "stride": 1, "B_stride": 20,
    "upper": 1.1, "lower": 0.9, "rate_const": 0.5, "R_const": 8.0, "isometry_atol": 1e-12,
    "include_full": False,
}
# Full: every 5th step is an instance (memory: the iterates of one trajectory are kept).
_TRAJ_FULL: Params = {"L_choices": [10, 20, 40], "md_choices": [[16, 1], [64, 4]],
                      "dx_choices": [2, 4], "kappa_choices": [1.0, 3.0, 10.0], "steps": 600,
                      "stride": 5, "B_stride": 50, "instances": 6}
_TRAJ_NOTE = ("An instance is one (trajectory, step) pair; each trajectory: Haar orthogonal "
              "init, X with ||X|| = 1 and kappa in kappa_choices, B at 50-99% of the EC limit "
              "B = m sigma^4/(7046 d_y ||X||^2) (so every EC hypothesis holds), Y = U(0) + D "
              "with l(0) in [0.5, 0.99] B. Rate inequalities are tested only while "
              "l(t) >= 1e-20 l(0) (float64 floor); B and C at every step (B every B_stride). "
              "Not certifiable (issue 13): the states are float64 GD iterates, not the exact "
              "ones; certifying needs the shadowing balls (certify/shadowing.py).")


def _traj_result(id_: str, title: str, section: str, statement: str, kind: str, parts: str,
                 broken: Params, notes: str, extra: Params | None = None,
                 full: Params | None = None, instances: int = 2) -> Result:
    params = dict(_TRAJ_PARAMS)
    params.update(extra or {})
    prof = dict(_TRAJ_FULL)
    prof.update(full or {})
    return Result(id=id_, title=title, source=Source(PAPER, section, ""), statement=statement,
                  kind=kind, check=Deterministic(_step_instances, _step_hypotheses,
                                                 _concl(parts)),
                  params=params, profiles={"full": prof}, broken=broken, instances=instances,
                  notes=_TRAJ_NOTE + " " + notes)


register(
    _traj_result(
        "hxp20.thm4_1_ind", "Induction core of Theorem 4.1: A(t), B(t), C(t) for all t",
        "§4.1 (induction on t; Claims 4.3-4.5)",
        r"\ell(0)\le B,\ \eta\le\tfrac{d_y}{2L\|X\|^2},\ (1+R/\sqrt m)^L\le1.1,\ m\ge800"
        r"\tfrac{d_yB\|X\|^2}{\sigma_{\min}^4}\Rightarrow\mathcal A(t),\mathcal B(t),"
        r"\mathcal C(t)\ \forall t",
        "proof-step", "ABC",
        # Loosened hypothesis: steps up to 6x the cap (eta lambda_max(P) ~ 3) diverge, so
        # A(t) and B(t) fail within a few steps.
        broken={"eta_cap_factor": 6.0},
        notes="Catalog's smallest instance: L=10, m=16, d_x=n=2, d_y=1 (B ~ 0.001-0.002, "
              "kappa=1 or 4). The worst margin's context gives the step t.",
        instances=2),
    _traj_result(
        "hxp20.propA", "Property A(t): linear convergence", "§4.1",
        r"\ell(t)\le(1-\tfrac12\eta L\sigma_{\min}^2(X)/d_y)^t\ell(0)\le(1-\tfrac12\eta L"
        r"\sigma_{\min}^2(X)/d_y)^tB",
        "property", "A",
        # Too-tight rate: the loss contracts at best like (1 - eta lambda_min(P))^2 ~
        # 1 - 2 x, so a constant 2.5 in place of 1/2 must fail.
        broken={"rate_const": 2.5},
        notes="Monitored under the EC hypotheses of thm4_1_ind (only rate-testable steps).",
        extra={"L_choices": [4, 8, 10], "md_choices": [[16, 1], [8, 2]],
               "kappa_choices": [1.0, 4.0, 8.0], "emit_untestable": False, "B_stride": 10 ** 9},
        instances=3),
    _traj_result(
        "hxp20.propB", "Property B(t): sub-product singular values in [0.9, 1.1] m^{n/2}",
        "§4.1",
        r"0.9\,m^{\frac{j-i+1}2}\le\sigma_{\min}(W_{j:i}(t))\le\sigma_{\max}(W_{j:i}(t))\le1.1"
        r"\,m^{\frac{j-i+1}2},\ (i,j)\ne(1,L)",
        "property", "B",
        # Dropping the exclusion (i,j) != (1,L): V_{L:1} is d_y x d_x and not an isometry,
        # so its singular values leave [0.9, 1.1].
        broken={"include_full": True},
        notes="Monitored under the EC hypotheses of thm4_1_ind.",
        extra={"L_choices": [4, 6, 8], "md_choices": [[16, 1], [8, 2], [16, 4]],
               "dx_choices": [2, 3], "steps": 60, "B_stride": 3},
        full={"B_stride": 10, "stride": 10, "steps": 300},
        instances=3),
    _traj_result(
        "hxp20.propC", "Property C(t): bounded movement R = 8 sqrt(B d_y)||X||/(L sigma^2)",
        "§4.1",
        r"\|W_i(t)-W_i(0)\|_F\le R=\frac{8\sqrt{Bd_y}\|X\|}{L\sigma_{\min}^2(X)}",
        "property", "C",
        # Too-tight constant: the observed movement is 5-20% of R, so 8 -> 0.25 must fail.
        broken={"R_const": 0.25},
        notes="Monitored under the EC hypotheses of thm4_1_ind.",
        extra={"L_choices": [4, 10, 16], "md_choices": [[16, 1], [8, 2]],
               "kappa_choices": [1.0, 4.0, 8.0], "steps": 120, "B_stride": 10 ** 9},
        instances=3),
)


# ============================================================================ Claim 4.3
def _traj_whole(rng: np.random.Generator, p: Params) -> Instance:
    setup = _setup(rng, p)
    Vs = [V for _, V, _, _ in _run(setup, p["steps"], 0.0)]
    return {**setup, "Vs": Vs}


def _claim4_3_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """A(s) and B(s) for s = 0..T-1 (and the basic setting); Claim 4.3 needs no width
    condition: only eta <= d_y/(2L||X||^2), used for eta gamma <= 1."""
    st = _State(inst, ops, with_V=False)
    conds = _ec_hypotheses(st, p)[:4]
    rho = st.rho(0.5)
    for s, Vraw in enumerate(inst["Vs"][:-1]):
        V = [ops.asarray(v) for v in Vraw]
        ls = network.loss(ops, st.prob, V)
        conds.append(Condition("A(s): l(s) <= rho^s B", ls, "<=", ops.power(rho, s) * st.B,
                               context=f"s={s}"))
        conds += property_B(ops, V, p["upper"], p["lower"], ctx=f"B(s), s={s}, ")
    return conds


def _claim4_3_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """For every t < T and i: ``||W_i(t+1)-W_i(0)||_F <= sum_{s<=t} eta||grad_i(s)||_F
    <= 2 eta sqrt(B/d_y)||X|| sum_{s<=t} (1 - eta gamma/2)^s <= 8 sqrt(B d_y)||X||/(L sigma^2)``
    (all divided by sqrt(m) in V units)."""
    st = _State(inst, ops, with_V=False)
    L, m = st.L, st.m
    sqm = ops.sqrt(S(ops, m))
    eta_V = ops.scalar(inst["eta"] / m)  # exact: m is a power of two
    gamma = S(ops, 0.5 * L) * st.sig * st.sig / S(ops, st.d_y)
    q = S(ops, 1.0) - st.eta * gamma / S(ops, 2.0)
    unit = S(ops, p["grad_const"]) * st.eta * ops.sqrt(st.B / S(ops, st.d_y)) * st.nx / sqm
    R = st.R(p["R_const"]) / sqm
    slack = rounding_slack(L, st.prob.dims, st.n)
    Vs = [[ops.asarray(v) for v in V] for V in inst["Vs"]]
    sums = [S(ops, 0.0)] * L
    defects = [S(ops, 0.0)] * L
    geo = S(ops, 0.0)
    conds = []
    for t in range(len(Vs) - 1):
        G = network.gradients(ops, st.prob, Vs[t])
        geo = geo + ops.power(q, t)
        for i in range(L):
            step = ops.scale(eta_V, G[i])
            sums[i] = sums[i] + ops.fro_norm(step)
            # The stored iterates are float64 GD: V(s+1) = V(s) - eta grad(s) + e(s) with a
            # rounding defect e(s), computed here, so the triangle link is exact math.
            defects[i] = defects[i] + ops.fro_norm(ops.add(ops.sub(Vs[t + 1][i], Vs[t][i]),
                                                           step))
            dist = ops.fro_norm(ops.sub(Vs[t + 1][i], st.V0[i]))
            ctx = f"t+1={t + 1}, i={i + 1}, L={L}, m={m}, kappa={inst['kappa']:g}"
            # Tie allowance (t = 0 is an exact tie): absolute, at the rounding level of
            # forming the differences above; see appendix_a.tight_le.
            tol = 4 * (t + 2) * slack * ops.mid(ops.fro_norm(st.V0[i]))
            conds += [
                Condition("||W_i(t+1)-W_i(0)||_F <= sum_{s<=t} (eta ||grad_i(s)||_F + "
                          "||defect_i(s)||_F) (tie)", dist, "<=", sums[i] + defects[i],
                          context=f"{ctx}, float64 allowance {tol:.1e}", float_tol=tol),
                Condition(f"sum_s eta||grad_i(s)||_F <= {p['grad_const']:g} eta sqrt(B/d_y)"
                          "||X|| sum_s (1 - eta gamma/2)^s (eq. (14) + A(s))", sums[i], "<=",
                          unit * geo, context=ctx),
                Condition(f"C(t+1): ||W_i(t+1)-W_i(0)||_F <= R = {p['R_const']:g} sqrt(B d_y)"
                          "||X||/(L sigma^2)", dist, "<=", R, context=ctx),
            ]
        conds.append(Condition("2 eta sqrt(B/d_y)||X|| sum_s q^s <= 2 eta sqrt(B/d_y)||X|| "
                               "2/(eta gamma) = R", unit * geo, "<=",
                               unit * S(ops, 2.0) / (st.eta * gamma), context=f"t+1={t + 1}"))
    return conds


register(Result(
    id="hxp20.claim4_3", title="A(0..t) and B(0..t) imply C(t+1)",
    source=Source(PAPER, "§4.1, Claim 4.3; proof in App. A.2", "eq. (14)"),
    statement=r"\mathcal A(0),\dots,\mathcal A(t),\ \mathcal B(0),\dots,\mathcal B(t)\Rightarrow"
              r"\|W_i(t+1)-W_i(0)\|_F\le\frac{8\sqrt{Bd_y}\|X\|}{L\sigma_{\min}^2(X)}",
    kind="claim",
    check=Deterministic(_traj_whole, _claim4_3_hypotheses, _claim4_3_conclusions),
    params={**_TRAJ_PARAMS, "L_choices": [3, 4, 5], "md_choices": [[8, 2], [16, 1], [4, 1]],
            "dx_choices": [1, 2], "kappa_choices": [1.0, 4.0], "B_frac": [0.5, 3.0],
            "steps": 30, "grad_const": 2.0},
    profiles={"full": {"L_choices": [4, 8, 12], "md_choices": [[16, 1], [64, 4]],
                       "dx_choices": [2, 4], "kappa_choices": [1.0, 4.0, 10.0], "steps": 120,
                       "instances": 10}},
    # Too-tight gradient constant: at t = 0 the gradient of the last layer has norm
    # sqrt(2 l(0)/d_y)||X|| >= sqrt(B/d_y)||X|| when X has orthonormal columns, so the
    # middle link with 2 -> 0.5 fails.
    broken={"grad_const": 0.5},
    instances=12,
    notes="One instance = one trajectory of T=30 steps; hypotheses A(s), B(s) for every "
          "s < T (B(s) via all sub-products), conclusions C(t+1) and the intermediate "
          "sum-of-gradient-norms chain for every t < T and layer i. B is sampled up to 3x "
          "the EC limit: Claim 4.3 itself needs no width condition. B(t) and C(t) are not "
          "float-floor sensitive; A(s) is a hypothesis here. Not certifiable (issue 13): the "
          "states are float64 GD iterates, not the exact ones; certifying needs the "
          "shadowing balls (certify/shadowing.py) on each trajectory.",
))


# ============================================================================ Remark 4.1
def _rem_instances(rng: np.random.Generator, p: Params) -> list[Instance]:
    setup = _setup(rng, p)
    out = []
    for t, Vs, _, testable in _run(setup, p["steps"], p["float_floor"]):
        if not testable:
            break
        if t % p["stride"] == 0:
            out.append({**setup, "V": Vs, "t": t})
    return out


def _rem_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    st = _State(inst, ops, with_V=False)
    cap = S(ops, st.d_y) / (S(ops, 2 * st.L) * st.nx * st.nx)
    conds = _ec_hypotheses(st, p)
    conds.append(Condition("eta is the maximal step: eta >= (1 - 1e-9) d_y/(2L||X||^2)",
                           st.eta, ">=", S(ops, 1 - 1e-9) * cap))
    if inst["t"] == 0:
        conds += _init_isometry(st, p)
    return conds


def _rem_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """One GD step (``ops``) from the iterate: ``l(t+1) <= (1 - 1/(4 kappa)) l(t)``."""
    st = _State(inst, ops)
    eta_V = ops.scalar(Fraction(inst["eta"]) / int(st.m))  # exact eta/m
    nxt = network.gd_step(ops, st.prob, st.V, eta_V)
    l1 = network.loss(ops, st.prob, nxt)
    kappa = st.nx * st.nx / (st.sig * st.sig)
    c = p["kappa_const"]
    return [Condition(f"l(t+1) <= (1 - {c:g}/kappa) l(t)", l1, "<=",
                      (S(ops, 1.0) - S(ops, c) / kappa) * st.loss, context=_ctx(inst))]


register(Result(
    id="hxp20.rem4_1", title="Maximal step gives the linear-regression rate 1 - 1/(4 kappa)",
    source=Source(PAPER, "§4, remark after Theorem 4.1", ""),
    statement=r"\eta=\frac{d_y}{2L\|X\|^2}\Rightarrow\ell(t+1)\le\big(1-\tfrac1{4\kappa}\big)"
              r"\ell(t)",
    kind="remark",
    check=Deterministic(_rem_instances, _rem_hypotheses, _rem_conclusions),
    params={**_TRAJ_PARAMS, "L_choices": [4, 10], "md_choices": [[16, 1], [8, 2]],
            "kappa_choices": [1.0, 3.0, 10.0], "eta_frac": "max", "steps": 300, "stride": 4,
            "kappa_const": 0.25},
    profiles={"full": {"L_choices": [4, 10, 30], "md_choices": [[16, 1], [64, 4]],
                       "kappa_choices": [1.0, 3.0, 10.0, 30.0], "steps": 3000, "stride": 25,
                       "instances": 9}},
    # Too-tight rate: the slowest mode contracts like (1 - 1/(2 kappa))^2 > 1 - 1/kappa, so
    # the factor 1 - 1/kappa (constant 1 instead of 1/4) must fail.
    broken={"kappa_const": 1.0},
    instances=3,
    notes="Deterministic on the EC good event (the thm4_1_ind hypotheses), eta at the cap "
          "(1 - 1e-12 below it); each instance is an iterate of a float64 trajectory and the "
          "step t -> t+1 is recomputed with ops. Only while l(t) >= 1e-20 l(0). Not "
          "certifiable (issue 13): the states are float64 GD iterates (needs shadowing balls).",
))


# ============================================================================ eq. (5)
def _eq5_sample(rng: np.random.Generator, p: Params) -> Instance:
    d_x = int(rng.integers(1, p["max_d"] + 1))
    n = int(rng.integers(1, d_x + 1))
    d_y = int(rng.integers(1, p["max_d"] + 1))
    kappa = float(rng.choice(p["kappa_choices"])) if n > 1 else 1.0
    X = data_matrix(rng, d_x, n, kappa, scale=float(np.exp(rng.uniform(-2, 2))))
    Ws = rng.standard_normal((d_y, d_x))
    Ws *= float(np.exp(rng.uniform(-3, 2))) / np.linalg.norm(Ws, 2)
    delta = float(rng.choice([0.5, 0.1, 0.01, 1e-6]))
    r = n
    nx = np.linalg.norm(X, 2)
    rt = np.linalg.norm(X) ** 2 / nx**2
    kap = nx**2 / np.linalg.svd(X, compute_uv=False)[-1] ** 2
    need = p["C"] * rt * kap**2 * (d_y * (1 + np.linalg.norm(Ws, 2) ** 2)
                                   + math.log(2 * r / delta))
    m = int(math.ceil(max(need, d_x) * float(rng.uniform(1.0, 1.5)))) + 1
    return {"X": X, "Wstar": Ws, "d_y": d_y, "m": m, "delta": delta}


def _eq5_quantities(inst: Instance, ops: Any) -> dict[str, Any]:
    X = ops.asarray(inst["X"])
    Ws = ops.asarray(inst["Wstar"])
    n = inst["X"].shape[1]
    nx = ops.spec_norm(X)
    nf = ops.fro_norm(X)
    sig = ops.sigma_min(X)
    lam_r = sig * sig
    log_term = ops.log(S(ops, 2.0 * n) / S(ops, inst["delta"]))
    wx = ops.fro_norm(ops.matmul(Ws, X))
    d_y = inst["d_y"]
    B_ec = (S(ops, 4.0) + S(ops, 6.0) * log_term / S(ops, d_y)) * nf * nf + wx * wx
    return {"nx": nx, "nf": nf, "sig": sig, "lam_r": lam_r, "log": log_term,
            "ws": ops.spec_norm(Ws), "B": B_ec, "rt": nf * nf / (nx * nx),
            "kappa": nx * nx / lam_r, "m": S(ops, inst["m"]), "d_y": d_y}


def _eq5_hypotheses(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _eq5_quantities(inst, ops)
    need = S(ops, p["C"]) * q["rt"] * q["kappa"] * q["kappa"] * (
        S(ops, q["d_y"]) * (S(ops, 1.0) + q["ws"] * q["ws"]) + q["log"])
    return [Condition(f"(5): m >= {p['C']:g} r~ kappa^2 (d_y(1+||W*||^2) + log(2r/delta))",
                      q["m"], ">=", need),
            Condition("(5): m >= d_x", q["m"], ">=", S(ops, inst["X"].shape[0])),
            Condition("X has full column rank", q["sig"], ">", S(ops, 0.0))]


def _eq5_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """(5) with C = 6 x 7046 implies the EC width condition, Lemma 4.2's m >= 16 log(2r/delta),
    and hypotheses 5 and 6 of thm4_1_ind with B = B_EC, for every depth L."""
    q = _eq5_quantities(inst, ops)
    m, d_y = q["m"], q["d_y"]
    sqm = ops.sqrt(m)
    one = S(ops, 1.0)
    ctx = (f"m={inst['m']}, d_y={d_y}, n={inst['X'].shape[1]}, delta={inst['delta']:g}")
    w = S(ops, d_y) * q["B"] * q["nx"] * q["nx"]
    conds = [
        Condition("m >= d_y", m, ">=", S(ops, d_y), context=ctx),
        Condition("m >= 16 log(2r/delta) (Lemma 4.2, EC)", m, ">=", S(ops, 16.0) * q["log"],
                  context=ctx),
        Condition("m >= 7046 d_y B_EC ||X||^2 / lambda_r^2", m, ">=",
                  S(ops, EC_WIDTH) * w / (q["lam_r"] * q["lam_r"]), context=ctx),
        Condition("hyp. 6: m >= 800 d_y B_EC ||X||^2 / sigma^4", m, ">=",
                  S(ops, 800.0) * w / (q["lam_r"] * q["lam_r"]), context=ctx),
    ]
    for L in p["depths"]:
        R = S(ops, 8.0) * ops.sqrt(q["B"] * S(ops, d_y)) * q["nx"] / (S(ops, L) * q["lam_r"])
        conds.append(Condition("hyp. 5: (1 + R/sqrt m)^L <= 1.1 (R with B = B_EC)",
                               ops.power(one + R / sqm, L), "<=", S(ops, Fraction(11, 10)),
                               context=f"{ctx}, L={L}"))
    return conds


register(Result(
    id="hxp20.eq5", title="Width hypothesis (5) (EC version) implies the induction hypotheses",
    certifiable=True,  # issue 13: hypotheses/conclusions in ops
    source=Source(PAPER, "§4, Theorem 4.1", "eq. (5)"),
    statement=r"m\ge C\tilde r\kappa^2\big(d_y(1+\|W^*\|^2)+\log(r/\delta)\big),\ m\ge d_x",
    kind="assumption",
    check=Deterministic(_eq5_sample, _eq5_hypotheses, _eq5_conclusions),
    params={"C": 6 * EC_WIDTH, "max_d": 5, "kappa_choices": [1.0, 2.0, 10.0, 100.0],
            "depths": [2, 10, 100, 10 ** 4, 10 ** 6]},
    profiles={"full": {"max_d": 12, "instances": 500}},
    # Too small a constant: C = 4000 < 6 x 7046 leaves (1 + R/sqrt m)^L above 1.1 for deep
    # networks at the threshold width.
    broken={"C": 4000.0},
    instances=24,
    notes="Deterministic on random data (X with kappa up to 100, ||W*|| from e^-3 to e^2, "
          "delta down to 1e-6), m sampled in [1, 1.5] x the (5) threshold with "
          "C = 6 x 7046 = 42276 and log(2r/delta) (catalog EC). B = B_EC = (4 + 6 log(2r/delta)"
          "/d_y)||X||_F^2 + ||W*X||_F^2, the Lemma 4.2 EC bound on l(0). Depth-free: hyp. 5 "
          "is checked up to L = 1e6.",
))


# ============================================================================ Theorem 4.1
def _rate_ok(prob, V0s: list[np.ndarray], eta_V: float, rho: float, steps: int,
             floor: float) -> np.ndarray:
    """Batched float64 GD; True per seed when l(t) <= rho^t l(0) for every t <= steps with
    l(t) >= floor l(0) (and the run stays finite)."""
    ok = np.ones(V0s[0].shape[0], dtype=bool)
    V = V0s
    l0 = None
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            val, G = kernels.loss_and_gradients(prob, V)
            if l0 is None:
                l0 = np.array(val, dtype=float)
            testable = val >= floor * l0
            ok &= np.isfinite(val) & ~(testable & (val > rho**t * l0))
            V = [v - eta_V * g for v, g in zip(V, G, strict=True)]
    return ok


def _thm4_1_run(rng: np.random.Generator, p: Params, say) -> ScalingOutcome:
    d = p["d"]
    X = data_matrix(rng, d, d, p["kappa"], scale=1.0)
    Ws = rng.standard_normal((d, d))
    Ws *= p["wstar_norm"] / np.linalg.norm(Ws, 2)
    Y = Ws @ X
    nx = np.linalg.norm(X, 2)
    lam_r = np.linalg.svd(X, compute_uv=False)[-1] ** 2
    rt = np.linalg.norm(X) ** 2 / nx**2
    kap = nx**2 / lam_r
    delta = p["delta"]
    S_ = p["seeds"]

    def smallest_width(L: int, scheme: str) -> int | None:
        eta = d / (2 * L * nx**2)
        rho = 1 - eta * L * lam_r / (2 * d)
        for m in p["grid"]:
            if m < d:
                continue
            prob = v_problem(X, Y, L, m)
            if scheme == "orthogonal":
                inits = [initialize("orthogonal", rng, prob.dims, normalized=True)
                         for _ in range(S_)]
            else:  # V_i entries N(0, 1/m): the same E||f(x)||^2 = ||x||^2 normalization
                inits = [initialize("gaussian", rng, prob.dims, sigma=1 / math.sqrt(m))
                         for _ in range(S_)]
            V0s = [np.stack(layer) for layer in zip(*inits, strict=True)]
            ok = _rate_ok(prob, V0s, eta / m, rho, p["steps"], p["float_floor"])
            if (S_ - int(ok.sum())) <= delta * S_:
                return m
        return None

    m_min: dict[int, int] = {}
    for L in p["depths"]:
        found = smallest_width(L, "orthogonal")
        m_min[L] = found if found is not None else 2 * p["grid"][-1]
        say(f"L={L}: m_min={m_min[L]}")
    gauss = {str(L): smallest_width(L, "gaussian") for L in p["gaussian_contrast_depths"]}
    Ls = list(m_min)
    fit_all = power_law_fit(Ls, [m_min[L] for L in Ls], rng=rng)
    deep = [L for L in Ls if L >= p["fit_min_depth"]]
    fit = power_law_fit(deep, [m_min[L] for L in deep], rng=rng)
    denom = rt * kap**2 * (d * (1 + p["wstar_norm"] ** 2) + math.log(d / delta))
    details = {"m_min": {str(L): m_min[L] for L in Ls}, "fit": fit.to_dict(),
               "fit_depths": deep, "fit_all_depths": fit_all.to_dict(),
               "C_emp": {str(L): m_min[L] / denom for L in Ls},
               "C_emp_max": max(m_min.values()) / denom,
               "data": {"d": d, "kappa": kap, "stable_rank": rt, "wstar_norm": p["wstar_norm"],
                        "delta": delta, "seeds": S_, "steps": p["steps"]},
               "censored": [L for L in Ls if m_min[L] > p["grid"][-1]],
               "gaussian_contrast_m_min": gauss}
    # Claimed exponent a0 (printed: 0, "width independent of depth") up to a tolerance:
    # consistent when the 95% interval covers a0 or lies below a0 + tol.
    conds = [_exponent_claim_cond(fit, p, f"m_min ~ L^a over depths >= {p['fit_min_depth']}",
                                  f"m_min={m_min}"),
             Condition("number of depths whose m_min lies beyond the grid < 1",
                       float(len(details["censored"])), "<", 1.0)]
    if gauss:
        # Power contrast (catalog): Gaussian init needs width growing with depth; the same
        # exponent test must reject it (beyond-grid widths enter as 2 x the grid's end, which
        # can only flatten the contrast's fit).
        gL = [int(L) for L in gauss if int(L) >= p["fit_min_depth"]]
        gm = [gauss[str(L)] if gauss[str(L)] is not None else 2 * p["grid"][-1] for L in gL]
        gfit = power_law_fit(gL, gm, rng=rng)
        details["gaussian_contrast_fit"] = gfit.to_dict()
        gctx = f"m_min={dict(zip(gL, gm, strict=True))}"
        g_censored = sum(1 for L in gauss if gauss[L] is None)
        # The same test means both of its conditions: a contrast whose widths run off the
        # grid is rejected by the censoring condition even where the capped fit is flat.
        conds.append(power_contrast("Gaussian init (width grows with depth)",
                                    [_exponent_claim_cond(gfit, p, "Gaussian m_min ~ L^a",
                                                          gctx),
                                     Condition("number of Gaussian depths whose m_min lies "
                                               "beyond the grid < 1", float(g_censored),
                                               "<", 1.0)], "reject"))
    return ScalingOutcome(conditions=conds, details=details)


def _exponent_claim_cond(fit: Any, p: Params, what: str, ctx: str) -> Condition:
    """``min(max(lo - a0, a0 - hi), hi - a0 - tol) <= 0``: the interval covers a0 or lies
    below a0 + tol. On flat data (equal m_min at every depth) every bootstrap slope is 0 up
    to rounding, so the ends are +-1e-16 about a0; the rounding allowance 1e-12 (float64
    only, shown as such) keeps a sign of rounding noise from deciding the verdict."""
    a0, tol = p["exponent_claim"], p["exponent_tol"]
    lo, hi = fit.exponent_ci
    stat = min(max(lo - a0, a0 - hi), hi - a0 - tol)
    return Condition(f"{what}: the 95% interval covers a0={a0:g} or lies below a0+{tol:g}",
                     float(stat), "<=", 0.0, float_tol=1e-12,
                     context=f"a={fit.exponent:.3g}, CI=[{lo:.3g}, {hi:.3g}], {ctx}")


register(Result(
    id="hxp20.thm4_1", title="Orthogonal init: width independent of depth suffices (Theorem 4.1)",
    source=Source(PAPER, "§4, Theorem 4.1", "eq. (5)"),
    statement=r"m\ge C\tilde r\kappa^2(d_y(1+\|W^*\|^2)+\log(r/\delta)),\ \eta\le\frac{d_y}"
              r"{2L\|X\|^2}\Rightarrow\ \Pr\big[\ell(t)-\ell^*\le(1-\tfrac12\eta L\lambda_r"
              r"(X^\top X)/d_y)^t(\ell(0)-\ell^*)\ \forall t\big]\ge1-\delta",
    kind="theorem",
    check=Scaling(_thm4_1_run),
    params={"d": 2, "kappa": 1.0, "wstar_norm": 4.0, "depths": [8, 16, 32, 64],
            "grid": [2, 3, 4, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128], "seeds": 6,
            "steps": 30, "delta": 0.1, "float_floor": 1e-20, "exponent_claim": 0.0,
            "exponent_tol": 0.25, "fit_min_depth": 8,
            "gaussian_contrast_depths": [8, 16, 32, 64]},
    profiles={"full": {"wstar_norm": 6.0, "depths": [4, 8, 16, 32, 64, 128], "seeds": 12,
                       "steps": 40, "fit_min_depth": 16,
                       "gaussian_contrast_depths": [4, 8, 16, 32, 64]}},
    # A wrong exponent claim: "m_min shrinks like L^{-1/2}" is rejected by the data.
    broken={"exponent_claim": -0.5},
    notes="Scaling check of the headline (universal C): for each depth, the smallest width on "
          "a ~sqrt(2) geometric grid at which the rate bound l(t) <= rho^t l(0) held for all "
          "t <= steps (above the 1e-20 l(0) float floor) in >= (1 - delta) of the seeds, "
          "eta = d_y/(2L||X||^2), data d_x = d_y = n = d, Y = W*X with ||W*|| = wstar_norm. "
          "Fit m_min ~ L^a (bootstrap 95%) over depths >= fit_min_depth (the asymptotic "
          "regime; the all-depth fit is in details); consistent when the interval covers "
          "a0 = 0 or lies below 0.25. C_emp = m_min/[r~ kappa^2 (d_y(1+||W*||^2) + log(r/delta))] "
          "in details. The EC constant (4.3e4) makes the probabilistic statement infeasible "
          "to test directly for L >= 3 (catalog); the deterministic core is thm4_1_ind. "
          "Power contrast (catalog): m_min for Gaussian init (V entries N(0, 1/m); None = "
          "beyond the grid) must be rejected by the same two conditions (exponent and "
          "censoring).",
))


# ---------------------------------------------------------------- Theorem 4.1, EC, L = 2
def two_layer_losses(X: np.ndarray, Y: np.ndarray, V1: np.ndarray, V2: np.ndarray,
                     eta_V: float, steps: int) -> np.ndarray:
    """Losses ``l(0..steps)`` of GD on the V-parametrized L = 2 network
    ``U = sqrt(m/d_y) V2 V1 X`` (``V1``: m x d_x, ``V2``: d_y x m), with every product over
    the width written as an ``einsum`` so very wide layers (m ~ 1e5) stay cheap; tests
    check it against :mod:`boundcheck.model.kernels`."""
    m, d_y = V1.shape[0], V2.shape[0]
    alpha = math.sqrt(m / d_y)
    out = np.empty(steps + 1)
    for t in range(steps + 1):
        H = np.einsum("ij,jk->ik", V1, X)                  # m x n
        R = alpha * np.einsum("im,mn->in", V2, H) - Y      # d_y x n
        out[t] = 0.5 * float(np.sum(R * R))
        if t == steps:
            break
        G2 = alpha * np.einsum("in,mn->im", R, H)          # d_y x m
        G1 = alpha * np.einsum("im,in,jn->mj", V2, R, X)   # m x d_x
        V1 = V1 - eta_V * G1
        V2 = V2 - eta_V * G2
    return out


def _thm4_1_ec_trial(rng: np.random.Generator, p: Params) -> bool | None:
    """One Haar draw at L = 2 with the EC width (catalog recipe 2): True when both
    conclusions hold, l(0) <= B_EC and l(t) <= rho^t l(0) for t <= steps (above the float
    floor); None when the width hypothesis fails (never, by construction)."""
    d_x, d_y = p["d_x"], p["d_y"]
    X = data_matrix(np.random.default_rng(p["data_seed"]), d_x, d_x, p["kappa"], scale=1.0)
    Ws = np.random.default_rng(p["data_seed"] + 1).standard_normal((d_y, d_x))
    Ws *= p["wstar_norm"] / np.linalg.norm(Ws, 2)
    Y = Ws @ X
    r, delta = d_x, p["delta"]
    lg = math.log(2 * r / delta)
    nx = np.linalg.norm(X, 2)
    lam_r = np.linalg.svd(X, compute_uv=False)[-1] ** 2
    # The width from the catalog's B_EC; the conclusion's bound B from the parameters (the
    # broken variant shrinks only the latter).
    B_ec = (4 + 6 * lg / d_y) * np.linalg.norm(X) ** 2 + np.linalg.norm(Y) ** 2
    B = (p["b_const"] + p["b_log_const"] * lg / d_y) * np.linalg.norm(X) ** 2 + \
        np.linalg.norm(Y) ** 2
    m = int(math.ceil(max(d_x, d_y, 16 * lg, EC_WIDTH * d_y * B_ec * nx**2 / lam_r**2)))
    if m < EC_WIDTH * d_y * B_ec * nx**2 / lam_r**2 or m < 16 * lg:
        return None
    eta = d_y / (2 * 2 * nx**2)
    rho = 1 - eta * 2 * lam_r / (2 * d_y)
    losses = two_layer_losses(X, Y, haar_isometry(rng, m, d_x), haar_isometry(rng, d_y, m),
                              eta / m, p["steps"])
    t = np.arange(losses.size)
    testable = losses >= p["float_floor"] * losses[0]
    rate = bool(np.all(np.isfinite(losses)) and np.all(~testable | (losses <= rho**t * losses[0])))
    return rate and bool(losses[0] <= B)


register(Result(
    id="hxp20.thm4_1", variant="EC-L2",
    title="Theorem 4.1 with explicit constants at L = 2 (statistical)",
    source=Source(PAPER, "§4, Theorem 4.1; App. A.1 (EC constants)", "eq. (5), (9)"),
    statement=r"m\ge\max\{d_x,d_y,16\log\tfrac{2r}\delta,7046\tfrac{d_yB_{EC}\|X\|^2}"
              r"{\lambda_r^2}\}\Rightarrow\Pr[\ell(0)\le B_{EC}\ \wedge\ \ell(t)\le\rho^t"
              r"\ell(0)\ \forall t]\ge1-\delta",
    kind="theorem",
    check=Statistical(_thm4_1_ec_trial, delta=lambda p: p["delta"]),
    params={"d_x": 1, "d_y": 1, "kappa": 1.0, "wstar_norm": 0.3, "delta": 0.1, "data_seed": 7,
            "b_const": 4.0, "b_log_const": 6.0, "steps": 25, "float_floor": 1e-20},
    profiles={"full": {"steps": 40, "instances": 200}},
    # Too small an initial-loss bound (B = 0.1||X||_F^2 + ||W*X||_F^2 instead of
    # (4 + 6 log(2r/delta)/d_y)||X||_F^2 + ...): l(0) exceeds it with probability ~0.5.
    broken={"b_const": 0.1, "b_log_const": 0.0},
    instances=30,
    notes="Catalog recipe 2: the only depth at which the EC width (here m ~ 1.6e5 for "
          "d_x = d_y = r = 1, ||W*|| = 0.3, delta = 0.1) is affordable; V-parametrized GD at "
          "eta = d_y/(2L||X||^2) for `steps` steps (rate tested above 1e-20 l(0)). Both "
          "conclusions per Haar draw; failures must not exceed delta (Clopper-Pearson 99%). "
          "B_EC is the catalog's Lemma 4.2 EC bound (Laurent-Massart tails).",
))
