"""wwm19 scaling claims and the remaining statements: the (4.7) rate erratum (closed-form
b_inf to L = 1e9), cor4_3 (explicit T and tuned-eta depth scaling), cite18 (ZAS poly(L) vs
near-identity / Xavier exp(Omega(L)) for d = 1, Phi = -1), the stable manifold (§3),
(4.6) along GD, the near-ZAS remark, cited related work, the nonlinear ResNet (6.1)/(6.2).

Wu, Wang & Ma, NeurIPS 2019, §3, §4.2 (4.6)-(4.7), text after Thm 4.3, Remark 4.3, §1/§2
related work, §6 (6.1)-(6.2). Protocols (iteration budgets, eta grids) are documented in
docs/wwm19.md.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

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
from boundcheck.check.stats import exponential_fit, power_law_fit
from boundcheck.check.verdict import Condition, power_contrast
from boundcheck.model import network, resnet
from boundcheck.model import residual as rs
from boundcheck.model.problem import Problem
from theorems.wwm19 import PAPER
from theorems.wwm19._cert import zas_run
from theorems.wwm19.gd import _phi_candidates, eta_max

_CACHE: dict[tuple, Any] = {}


def _cached(key: tuple, fn: Any) -> Any:
    if key not in _CACHE:
        _CACHE[key] = fn()
    return _CACHE[key]


def _sse(x: np.ndarray, y: np.ndarray) -> float:
    a, b = np.polyfit(x, y, 1)
    return float(np.sum((y - (a * x + b)) ** 2))


def model_selection(L: np.ndarray, T: np.ndarray) -> dict[str, Any]:
    """log T vs L (exponential) and log T vs log L (power): residual sums and the choice."""
    x, y = np.asarray(L, float), np.log(np.asarray(T, float))
    se, sp_ = _sse(x, y), _sse(np.log(x), y)
    return {"sse_exponential": se, "sse_power": sp_,
            "preferred": "exponential" if se < sp_ else "power"}


# ------------------------------------------------------------------------------ eq4_7
def _printed_conds(Ls: np.ndarray, b: np.ndarray, rng: np.random.Generator
                   ) -> tuple[list[Condition], Any, np.ndarray]:
    """(4.7) as printed, ||W_L|| = O(L^{-1/2}): b sqrt(L) bounded, i.e. its fitted exponent
    has lower CI <= 0."""
    y = b * np.sqrt(Ls)
    fit = power_law_fit(Ls, y, rng)
    return [Condition("printed: b_inf sqrt(L) bounded (fitted exponent of b sqrt L <= 0)",
                      fit.exponent_ci[0], "<=", 0.0,
                      f"exponent {fit.exponent:.4f} CI {fit.exponent_ci}")], fit, y


def _repaired_conds(Ls: np.ndarray, b: np.ndarray, rng: np.random.Generator, p: Params
                    ) -> tuple[list[Condition], Any, np.ndarray]:
    """(4.7) repaired, Theta(sqrt(log L / L)): b^2 L / log L within fixed bands, exponent ~ 0."""
    y = b * b * Ls / np.log(Ls)
    fit = power_law_fit(Ls, y, rng)
    return [Condition("repaired: max b^2 L / log L <= 1 + margin", float(y.max()), "<=",
                      p["band_hi"], "closed form"),
            Condition("repaired: min b^2 L / log L >= band_lo", float(y.min()), ">=",
                      p["band_lo"], "closed form"),
            Condition("repaired: |fitted exponent of b^2 L/log L| <= 0.05",
                      max(abs(fit.exponent_ci[0]), abs(fit.exponent_ci[1])), "<=",
                      p["exp_tol"], f"CI {fit.exponent_ci}")], fit, y


#: Power contrasts of (4.7): families where each reading is known to be false (repaired) or
#: true (printed), run through the same test. b = L^{-1/2} and b = log(L)/sqrt(L) are not
#: Theta(sqrt(log L / L)); b = L^{-1/2} (1 + L^{-1/2}) is O(L^{-1/2}) (and not a constant
#: b sqrt L, whose fitted exponent would be float noise around 0).
_E47_CONTRAST = {"L^-1/2": lambda L: 1 / np.sqrt(L), "log(L)/sqrt(L)": lambda L: np.log(L)
                 / np.sqrt(L), "L^-1/2 (1 + L^-1/2)": lambda L: (1 + 1 / np.sqrt(L))
                 / np.sqrt(L)}


def _eq47_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    Ls = np.array(p["L_list"], dtype=float)
    b = np.array([rs.b_infinity(p["c"], int(L)) for L in Ls])
    contrast: dict[str, Any] = {}
    if p["form"] == "printed":
        conds, fit, y = _printed_conds(Ls, b, rng)
        fam = "L^-1/2 (1 + L^-1/2)"
        cc, cfit, _ = _printed_conds(Ls, _E47_CONTRAST[fam](Ls), rng)
        contrast[fam] = cfit.to_dict()
        conds.append(power_contrast(f"b = {fam}", cc, "accept", "O(L^-1/2) holds there"))
    else:
        conds, fit, y = _repaired_conds(Ls, b, rng, p)
        for name in ("L^-1/2", "log(L)/sqrt(L)"):
            cc, cfit, _ = _repaired_conds(Ls, _E47_CONTRAST[name](Ls), rng, p)
            contrast[name] = cfit.to_dict()
            conds.append(power_contrast(f"b = {name}", cc, "reject",
                                        "not Theta(sqrt(log L/L))"))
    return ScalingOutcome(conds, {"L": Ls.tolist(), "b_inf": b.tolist(), "y": y.tolist(),
                                  "fit": fit.to_dict(), "power_contrast_fits": contrast})


_E47 = dict(id="wwm19.eq4_7", source=Source(PAPER, "§4.2", "eq. (4.7)"), kind="equation",
            check=Scaling(_eq47_run))
_E47P = {"L_list": [10, 100, 10**3, 10**4, 10**5, 10**6, 10**7, 10**8, 10**9], "c": 1.0}
register(Result(**_E47, title="(4.7) as printed: ||W_L|| = O(L^{-1/2})",
                statement=r"\|W_{L-1}\|\ (\text{read }\|W_L\|)=O(L^{-1/2})",
                params={**_E47P, "form": "printed"}, erratum=True, notes=(
                    "1-D closed form: sup_t |W_L(t)| = b_inf, b^2 (1+b^2)^{L-1} = c^2 "
                    "(mpmath bisection, 40 digits), L = 10..1e9. b_inf sqrt(L) grows (fitted "
                    "exponent > 0 with its interval): the printed rate is wrong by "
                    "sqrt(log L). (The printed W_{L-1} is a typo: ||W_{L-1}|| >= 1.) Harmless "
                    "for the proofs, which use (A.3) only.")))
register(Result(**_E47, title="(4.7) repaired: ||W_L|| = Theta(sqrt(log L / L))",
                statement=r"\|W_L\|=\Theta(\sqrt{\log L/L})",
                params={**_E47P, "form": "repaired", "band_lo": 0.5, "band_hi": 1.0,
                        "exp_tol": 0.05}, variant="repaired", broken={"band_hi": 0.8},
                notes="b^2 L / log L stays in [0.5, 1] (-> 1 like 1 - log log L / log L). "
                      "Broken: upper band 0.8."))


# ------------------------------------------------------------------------------ cor4_3 / cite18
def _zas_tuned(L: int, c: float, etas: np.ndarray, eps: float, cap: int) -> int:
    best = cap + 1
    for e in etas:
        t = rs.scalar_zas_iterations(c, L, float(e), eps, min(cap, best))
        if 0 < t < best:
            best = t
    return best


def _random_tuned(rng: np.random.Generator, L: int, init: str, seeds: int, etas: np.ndarray,
                  eps: float, cap: int) -> np.ndarray:
    w0 = (1 + rng.standard_normal((seeds, L)) / math.sqrt(L) if init == "near_identity"
          else rng.standard_normal((seeds, L)))
    W = np.repeat(w0, len(etas), axis=0)
    E = np.tile(etas, seeds)
    it = rs.scalar_gd_batch(W, -1.0, E, eps, cap).reshape(seeds, len(etas)).astype(float)
    it[it < 0] = np.inf
    return np.min(it, axis=1)  # per seed, eta tuned over the grid


def cite18_data(p: Params) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        rng = np.random.default_rng(p["data_seed"])
        etas = np.array(p["etas"])
        out: dict[str, Any] = {"L": p["L_list"], "zas": [], "near_identity": [], "xavier": [],
                               "capped": {}}
        for L in p["L_list"]:
            out["zas"].append(_zas_tuned(L, -1.0, np.geomspace(1e-3, 2.0, 40), p["eps"],
                                         p["cap"]))
            for init in ("near_identity", "xavier"):
                best = _random_tuned(rng, L, init, p["seeds"], etas, p["eps"], p["cap"])
                out["capped"][f"{init}-{L}"] = int(np.sum(~np.isfinite(best) | (best > p["cap"])))
                best = np.where(np.isfinite(best), best, p["cap"] + 1)
                out[init].append(float(np.median(best)))
        return out
    key = ("cite18", tuple(p["L_list"]), p["seeds"], tuple(p["etas"]), p["eps"], p["cap"],
           p["data_seed"])
    return _cached(key, build)


def _cite18_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    D = cite18_data(p)
    Ls = np.array(D["L"], float)
    conds, det = [], {"data": D}
    zfit = power_law_fit(Ls, D["zas"], rng)
    zexp = exponential_fit(Ls, D["zas"], rng)
    det["zas_power"], det["zas_exponential"] = zfit.to_dict(), zexp.to_dict()
    det["zas_selection"] = model_selection(Ls, np.array(D["zas"]))
    conds.append(Condition("ZAS: fitted power exponent (upper CI) <= 3 (Thm 4.3's L^3)",
                           zfit.exponent_ci[1], "<=", p["zas_bound"],
                           f"gamma={zfit.exponent:.3f} CI {zfit.exponent_ci}"))
    for init in ("near_identity", "xavier"):
        T = np.array(D[init])
        efit = exponential_fit(Ls, T, rng)
        det[f"{init}_exponential"] = efit.to_dict()
        det[f"{init}_power"] = power_law_fit(Ls, T, rng).to_dict()
        det[f"{init}_selection"] = model_selection(Ls, T)
        conds.append(Condition(f"{init}: exp(cL) rate c > 0 (lower CI)", efit.exponent_ci[0],
                               ">", p["rate_floor"], f"c={efit.exponent:.3f} CI "
                               f"{efit.exponent_ci}, medians {T.tolist()}"))
        conds.append(Condition(f"power contrast: {init} rate c (lower CI) > ZAS exp-rate "
                               "(upper CI)", efit.exponent_ci[0], ">", zexp.exponent_ci[1],
                               f"ZAS c={zexp.exponent:.3f}"))
    det["trials"] = p["seeds"] * len(D["L"])
    return ScalingOutcome(conds, det)


# L <= 11 with 10 seeds did not separate the rates (power contrast failed, 2026-12-03);
# L to 13 with 30 seeds separates them on data seeds 1, 2, 3, 18 in ~9 s
_C18P = {"L_list": [3, 5, 7, 9, 11, 13], "seeds": 30, "etas": [0.3, 0.1, 0.03], "eps": 1e-10,
         "cap": 20000, "data_seed": 18, "zas_bound": 3.0, "rate_floor": 0.0}
register(Result(
    id="wwm19.cite18", title="Shamir [18]: near-identity/Xavier need exp(Omega(L)) iterations "
                             "(d = 1, Phi = -1); ZAS poly(L)",
    source=Source(PAPER, "§1, §3 (citing Shamir, COLT 2019)"),
    statement=r"T_{\rm NI},T_{\rm Xavier}=\exp(\Omega(L)),\quad T_{\rm ZAS}=\mathrm{poly}(L)",
    kind="claim", check=Scaling(_cite18_run), params=_C18P,
    profiles={"full": {"L_list": [3, 5, 7, 9, 11, 13, 15, 17], "seeds": 40, "cap": 10**6}},
    broken={"zas_bound": 0.05}, notes=(
        "Iterations to R <= 1e-10, eta tuned per seed over a grid (near-identity w_l = "
        "1 + N(0, 1/L), Xavier N(0, 1)); median over seeds; capped runs counted at cap+1 "
        "(so the exponential fits are lower bounds). ZAS via T3 with eta tuned over 40 "
        "log-spaced values. Model selection (SSE of log T vs L and vs log L) in the details. "
        "Broken: ZAS exponent <= 0.05.")))


def _cor43_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    Ls = np.array(p["L_list"], float)
    T = [_cached(("zas", int(L), p["eps"]), lambda L=L: _zas_tuned(
        int(L), -1.0, np.geomspace(1e-3, 2.0, 60), p["eps"], 10**5)) for L in Ls]
    fit = power_law_fit(Ls, T, rng)
    conds = [_gamma_cond(fit, p, "tuned ZAS iterations", "(paper: ~1/2 for -I)")]
    # Power contrast: ZAS with eta = eta0 (2/L)^q, q = 5, needs >= (flow time)/eta steps,
    # growing far faster than L^3 (measured exponent ~4.2); the same fit must reject it.
    Lc = np.array(p["contrast_L"], float)
    Tc = [_cached(("zas-contrast", int(L), p["eps"], p["contrast_power"]),
                  lambda L=L: rs.scalar_zas_iterations(
                      -1.0, int(L), 0.1 * (2 / L) ** p["contrast_power"], p["eps"], 10**7))
          for L in Lc]
    cfit = power_law_fit(Lc, Tc, rng)
    conds.append(power_contrast(f"ZAS at eta = 0.1 (2/L)^{p['contrast_power']}",
                                [_gamma_cond(cfit, p, "contrast iterations", "")], "reject",
                                f"iterations {Tc}"))
    # explicit version: eta = eta_max, T_bound = 2/eta log(R(0)/eps) steps suffice
    for L in p["explicit_L"]:
        Phi = np.array([[-1.0]])
        eta = eta_max(Phi, L, math.e) * (1 - 1e-9)
        eps = p["eps_explicit"]
        Tb = math.ceil(p["T_factor"] / eta * math.log(0.5 / eps))
        run = zas_run(Phi, L, eta, Tb)
        conds.append(Condition("R(T_bound) <= eps at eta = eta_max (certified run)",
                               float(run["loss_hi"][-1]) if run["complete"] else math.nan,
                               "<=", eps, f"L={L}, T_bound={Tb}, eta={eta:.3g}"))
    return ScalingOutcome(conds, {"L": Ls.tolist(), "iterations": T, "fit": fit.to_dict(),
                                  "contrast": {"L": Lc.tolist(), "iterations": Tc,
                                               "fit": cfit.to_dict()}})


def _gamma_cond(fit: Any, p: Params, what: str, note: str) -> Condition:
    return Condition(f"{what} ~ L^gamma with gamma <= 3 (upper CI)", fit.exponent_ci[1], "<=",
                     p["gamma_max"], f"gamma={fit.exponent:.3f} CI {fit.exponent_ci} {note}")


register(Result(
    id="wwm19.cor4_3", title="O(L^3 log(1/eps)) iterations (text after Thm 4.3)",
    source=Source(PAPER, "§4.2, text after Theorem 4.3; abstract"),
    statement=r"\mathcal R(T)\le\varepsilon\text{ for }T\ge\frac2\eta\log\frac{\mathcal R(0)}"
              r"\varepsilon=O(L^3\log(1/\varepsilon))",
    kind="corollary", check=Scaling(_cor43_run),
    params={"L_list": [2, 4, 8, 16, 32, 64, 128, 256], "eps": 1e-10, "gamma_max": 3.0,
            "explicit_L": [2, 3], "eps_explicit": 1e-6, "T_factor": 2.0,
            "contrast_L": [2, 3, 4, 6, 8, 11, 16], "contrast_power": 5.0},
    broken={"T_factor": 0.05}, notes=(
        "Explicit form at eta_max with a certified run (d = 1, Phi = -1); depth scaling with "
        "tuned eta (Fig. 2 protocol, T3, 60 log-spaced eta in [1e-3, 2]). Power contrast: "
        "the same fit on ZAS runs at eta = 0.1 (2/L)^5 (L = 2..16), which need about "
        "L^4 steps, must be rejected. Broken: T = 0.05/eta log(R(0)/eps) steps.")))


# ------------------------------------------------------------------------------ claim3_M
def _m_sample(rng: np.random.Generator, p: Params) -> Instance:
    return {"L": int(rng.choice([2, 3, 4, 6])), "w0": float(rng.uniform(0.2, 1.5))}


def _m_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    L, w0, T = inst["L"], inst["w0"], p["T"]

    def rhs(_t: float, w: np.ndarray) -> np.ndarray:
        P = np.prod(w)
        return np.array([-(P + 1) * P / w[i] if w[i] != 0 else 0.0 for i in range(L)])

    sol = solve_ivp(rhs, (0, T), np.full(L, w0), method="DOP853", rtol=1e-11, atol=1e-14)
    w = sol.y
    spread = float(np.max(np.ptp(w, axis=0)))
    wT = float(w[0, -1])
    bound = w0 * math.exp(-T) if L == 2 else (w0 ** (-(L - 2)) + (L - 2) * T) ** (-1 / (L - 2))
    ctx = f"L={L}, w0={w0:.3f}, T={T}"
    return [Condition("stays on M: max_t (max_l w_l - min_l w_l) = 0", spread, "<=", 0.0, ctx,
                      float_tol=1e-9),
            Condition("w(t) >= 0", float(w.min()), ">=", 0.0, ctx, float_tol=1e-12),
            Condition("w(T) <= decay bound (-> 0)", wT, "<=", p["k"] * bound, ctx,
                      float_tol=1e-8)]


register(Result(
    id="wwm19.claim3_M", title="M = {w_1 = ... = w_L >= 0} is a stable manifold of O",
    source=Source(PAPER, "§3 (text after (3.2))"),
    statement=r"w(0)\in\mathcal M\Rightarrow w(t)\in\mathcal M,\ w(t)\to0",
    kind="claim", check=Deterministic(_m_sample, lambda i, o, p: [], _m_concl),
    params={"T": 20.0, "k": 1.0}, broken={"k": 0.5}, instances=10,
    notes="Not certifiable: float ODE flow (DOP853), no validated integrator. "
          "Full L-dim flow from points of M (DOP853, float64). Decay bound from w' <= "
          "-w^{L-1}: w0 e^{-t} (L = 2), (w0^{-(L-2)} + (L-2)t)^{-1/(L-2)} (L >= 3). Broken: "
          "half the bound."))


# ------------------------------------------------------------------------------ eq4_6
def _e46_sample(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.choice([2, 3, 4]))
    c = float(rng.choice([-1.0, -0.5, 0.3, 0.45]))
    Phi = np.array([[c]])
    eta = eta_max(Phi, L, math.e) * (1 - 1e-9)
    steps = rs.scalar_zas_iterations(c, L, eta, 0.5e-20 * c * c, 10**6)
    return {"L": L, "Phi": Phi, "eta": eta, "steps": int(min(10**6, max(steps, 1) * 1.01 + 10))}


def _e46_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """(4.6) along the EXACT GD run from ZAS (fast shadowing, ``zas_run``): ``D_max`` and
    ``E_max`` are upward-rounded enclosures of ``max_t ||D_l(t)||_2`` and ``max_t ||I +
    D_{L-1}(t)||_2`` over the whole certified horizon (``D_lo``, ``E_lo`` downward-rounded
    ones: they refute); the right-hand sides are in ops with
    ``phi = max{2||Phi||_F, e/sqrt(L), 1}`` (Arb-enclosed e): ``x <= c/phi^2`` is one
    condition per candidate of the max."""
    L, Phi = inst["L"], inst["Phi"]
    run = zas_run(Phi, L, inst["eta"], inst["steps"])
    ctx = f"L={L}, Phi={float(Phi[0, 0])}, {run['horizon']}/{run['steps']} certified steps"
    if not run["complete"]:
        return [Condition("run certified", ops.scalar(math.nan), "<=", ops.scalar(0), ctx)]
    c1, c2 = ops.scalar(exact_const(p["c1"])), ops.scalar(exact_const(p["c2"]))
    conds = [_upper_bound_le(ops, "(4.6) ||I + D_{L-1}(t)||_2 <= 1/(4L^2) for all t",
                             run["E_max"], c2 / ops.scalar(4 * L * L), ctx, run["E_lo"])]
    if L >= 3:
        for i, phi in enumerate(_phi_candidates(ops, Phi, L, "e")):
            which = ("2||Phi||_F", "e/sqrt(L)", "1")[i]
            conds.append(_upper_bound_le(ops, f"(4.6) ||D_l(t)||_2 <= 1/(2L^3 phi^2) for all t "
                                         f"[phi >= {which}]", run["D_max"],
                                         c1 / (ops.scalar(2 * L**3) * phi * phi), ctx,
                                         run["D_lo"]))
    return conds


def _upper_bound_le(ops: Any, name: str, ub: float, rhs: Any, ctx: str, lb: float
                    ) -> Condition:
    """``x <= rhs`` from certified bounds ``lb <= x <= ub`` of the run. An upper bound below
    ``rhs`` proves the inequality; only a lower bound above it refutes it; otherwise, under a
    certified backend, it is undecided (NaN: inconclusive). float64 compares the point bound
    ``ub`` as before."""
    return bound_condition(ops, name, "<=", rhs, hi=ub, lo=lb, point=ub, context=ctx)


register(Result(
    id="wwm19.eq4_6", title="(4.6) approximate invariances along GD (explicit form)",
    source=Source(PAPER, "§4.2", "eq. (4.6); App. A.3"),
    statement=r"\|D_l\|_2\le(2L^3\phi^2)^{-1},\ \|I+D_{L-1}\|_2\le(4L^2)^{-1}",
    kind="equation", check=Deterministic(_e46_sample, lambda i, o, p: [], _e46_concl),
    params={"c1": 1.0, "c2": 1.0}, broken={"c2": 1e-4}, instances=10,
    certifiable=True,  # issue 13: certified run enclosures against right-hand sides in ops
    notes="Along certified GD runs at eta_max (d = 1): the left-hand sides are upward-rounded "
          "enclosures over the EXACT iterates (fast shadowing, as wwm19.thm4_3; a run not "
          "certified over its whole horizon is inconclusive), the right-hand sides in ops "
          "(phi with Arb-enclosed e). Broken: 1e-4/(4L^2)."))


# ------------------------------------------------------------------------------ rem4_3
def _r43_sample(rng: np.random.Generator, p: Params) -> Instance:
    d, L = int(rng.choice([1, 2, 3])), int(rng.choice([2, 3, 4]))
    Phi = -np.eye(d) * float(rng.choice([0.3, 1.0]))
    sigma = float(rng.choice([1e-4, 1e-6])) / (math.sqrt(d) * L**3)
    Ws = [np.eye(d) + sigma * rng.standard_normal((d, d)) for _ in range(L - 1)]
    Ws.append(sigma * rng.standard_normal((d, d)))
    R0 = rs.loss(Ws, Phi)
    phi = max(float(np.linalg.norm(Phi)) + math.sqrt(2 * R0), math.e / math.sqrt(L), 1.0) * 2
    eta = min(1 / (4 * L**3 * phi**6), 1 / (144 * L**2 * phi**4)) / 2
    return {"Ws": Ws, "Phi": Phi, "L": L, "d": d, "phi": phi, "eta": eta, "sigma": sigma}


def _r43_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Half the (4.6) budget at t = 0, in ops (phi is a stored input)."""
    L, d = inst["L"], inst["d"]
    Ws = [ops.asarray(W) for W in inst["Ws"]]
    phi = ops.scalar(inst["phi"])
    conds = []
    for l in range(L - 1):
        D = ops.sub(ops.matmul(ops.transpose(Ws[l + 1]), Ws[l + 1]),
                    ops.matmul(Ws[l], ops.transpose(Ws[l])))
        if l < L - 2:
            conds.append(Condition("||D_l(0)|| <= 1/2 (2L^3 phi^2)^{-1}", ops.spec_norm(D), "<=",
                                   ops.scalar(1) / (ops.scalar(4 * L**3) * phi * phi),
                                   context=f"l={l + 1}"))
        else:
            conds.append(Condition("||I + D_{L-1}(0)|| <= 1/2 (4L^2)^{-1}",
                                   ops.spec_norm(ops.add(ops.eye(d), D)), "<=",
                                   ops.scalar(1) / ops.scalar(8 * L * L)))
    return conds


def _r43_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Per-step contraction along GD in ops (under a certified backend: balls around the
    EXACT iterates): ``R(t+1) - (1 - rate eta) R(t) <= 0`` at every step."""
    Phi, eta, L, d = inst["Phi"], inst["eta"], inst["L"], inst["d"]
    prob = Problem.for_target(Phi, (d,) * (L + 1))
    Ws = [ops.asarray(W) for W in inst["Ws"]]
    q = ops.scalar(1) - ops.scalar(exact_const(p["rate"])) * ops.scalar(eta)
    R = network.loss(ops, prob, Ws)
    ctx = f"L={L}, d={d}, sigma={inst['sigma']:.2g}"
    conds = []
    for t in range(p["steps"]):
        Ws = network.gd_step(ops, prob, Ws, eta)
        R1 = network.loss(ops, prob, Ws)
        conds.append(Condition("per step R(t+1) - (1 - eta/2) R(t) <= 0", R1 - q * R, "<=",
                               ops.scalar(0), ctx + f", t={t}",
                               float_tol=1e-6 * eta * float(ops.mid(R))))
        R = R1
    return conds


register(Result(
    id="wwm19.rem4_3", title="Remark 4.3: near-ZAS initialization (explicit proxy)",
    source=Source(PAPER, "§4.2, Remark after Theorem 4.3"),
    statement=r"W_l(0)\sim\mathcal N(I,\sigma^2),\ W_L(0)\sim\mathcal N(0,\sigma^2),\ "
              r"\sigma\text{ small}\Rightarrow\text{(4.5)-type convergence}",
    kind="remark", check=Deterministic(_r43_sample, _r43_hyp, _r43_concl),
    params={"steps": 3000, "rate": 0.5}, broken={"rate": 4.0}, instances=10,
    certifiable=True,  # issue 13: hypotheses and the GD run in ops
    notes="Not quantitative in the paper; proxy (catalog): half the D-budget at init, phi "
          "doubled and covering ||Phi|| + sqrt(2R(0)), eta_max/2, 3000 GD steps. A "
          "failure would not falsify the remark. Certified: D's, GD iterates (balls around "
          "the exact iterates) and each step's contraction in ops; phi, eta are stored inputs. "
          "Broken: rate 4."))


# ------------------------------------------------------------------------------ cite_rel
def _rel_sample(rng: np.random.Generator, p: Params) -> Instance:
    return {"d": int(rng.choice([1, 3])), "L": int(rng.choice([2, 3, 4, 5])),
            "eta": float(rng.choice([0.01, 0.05]))}


def _rel_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    d, L, eta = inst["d"], inst["L"], inst["eta"]
    Phi = -np.eye(d)
    Ws = [np.eye(d) for _ in range(L)]  # identity init of [4] (all layers, incl. W_L)
    Rmin = math.inf
    for _ in range(p["steps"]):
        Ws = rs.gd_step(Ws, Phi, eta)
        Rmin = min(Rmin, rs.loss(Ws, Phi))
    ctx = f"d={d}, L={L}, eta={eta}, {p['steps']} steps"
    zas_D = rs.invariants(rs.zas_init(L, d))[-1]
    return [Condition("[4] identity init, Phi = -I: R(t) >= d/2 for all t (stuck at the "
                      "saddle)", Rmin, ">=", p["k"] * d / 2, ctx, float_tol=1e-9),
            Condition("[2] does not cover ZAS: ||D_{L-1}(0)||_F = sqrt(d) (not small)",
                      float(np.linalg.norm(zas_D)), ">=", math.sqrt(d), ctx, float_tol=1e-12),
            Condition("[2] deficiency margin fails at ZAS: ||0 - Phi||_F >= sigma_min(Phi)",
                      float(np.linalg.norm(Phi)), ">=", 1.0, ctx)]


register(Result(
    id="wwm19.cite_rel", title="Related work context: identity init [4] and [2]'s conditions",
    source=Source(PAPER, "§1 related work (citing [2], [4])"),
    statement=r"\text{identity init fails for }\Phi=-I;\ \text{ZAS violates [2]'s hypotheses}",
    kind="fact", check=Deterministic(_rel_sample, lambda i, o, p: [], _rel_concl),
    params={"steps": 2000, "k": 1.0}, broken={"k": 1.05}, instances=10,
    notes="Not certifiable yet: R(t) - d/2 ~ d w^L falls to ~1e-174 (L = 2) after 2000 "
          "steps, far below any ball radius of the run; needs the exact scalar reduction "
          "on the symmetric manifold. "
          "Context only (the cited theorems are not re-proved): GD from W_l = I (all l) on "
          "Phi = -I stays on the symmetric manifold W_l = w I and never beats R = d/2. "
          "Broken: R >= 1.05 d/2 (R approaches d/2)."))


# ------------------------------------------------------------------------------ eq6_1 / eq6_2
def _net_sample(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.choice([1, 2, 4]))
    return {"L": L, "scheme": str(rng.choice(["mzas", "xavier"])) if p["what"] == "grad"
            else "mzas", "seed": int(rng.integers(0, 2**31)),
            "act": str(rng.choice(["relu", "tanh"]))}


def _net_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    rng = np.random.default_rng(inst["seed"])
    d_in, D, m, d_out, n = 4, 5, 3, 2, 6
    P = resnet.init(rng, inst["L"], d_in, D, m, d_out, inst["scheme"])
    if p["what"] == "mzas" and p["perturb"]:
        P["U"] = [M + p["perturb"] for M in P["U"]]
    X, Y = rng.standard_normal((d_in, n)), rng.standard_normal((d_out, n))
    loss, G = resnet.loss_and_grad(P, X, Y, inst["act"])
    ctx = f"L={inst['L']}, {inst['scheme']}, {inst['act']}"
    if p["what"] == "mzas":
        f, _ = resnet.forward(P, X, inst["act"])
        others = math.sqrt(sum(float(np.sum(g * g)) for g in G["V"] + G["U"][:-1]))
        return [Condition("mZAS: f == 0", float(np.abs(f).max()), "<=", 0.0, ctx),
                Condition("mZAS: only U_{L+1} has a nonzero gradient", others, "<=", 0.0, ctx),
                Condition("mZAS: grad U_{L+1} != 0", float(np.linalg.norm(G["U"][-1])), ">",
                          0.0, ctx)]
    # hand-written backward vs central differences on every parameter block
    h, worst = 1e-6, 0.0
    for key in ("V", "U"):
        for k, M in enumerate(P[key]):
            i, j = (int(rng.integers(0, s)) for s in M.shape)
            old = M[i, j]
            M[i, j] = old + h
            lp, _ = resnet.loss_and_grad(P, X, Y, inst["act"])
            M[i, j] = old - h
            lm, _ = resnet.loss_and_grad(P, X, Y, inst["act"])
            M[i, j] = old
            fd = (lp - lm) / (2 * h)
            worst = max(worst, abs(fd - p["gscale"] * G[key][k][i, j]) / (abs(fd) + 1e-6))
    return [Condition("backward pass = central differences (relative)", worst, "<=", 1e-4,
                      ctx + " (FD truncation ~1e-8; ReLU kinks avoided w.p. 1)")]


register(Result(
    id="wwm19.eq6_1", title="Nonlinear ResNet (6.1): hand-written backward pass",
    source=Source(PAPER, "§6", "eq. (6.1)"),
    statement=r"z_0=V_0x,\ z_l=z_{l-1}+U_l\sigma(V_lz_{l-1}),\ f=U_{L+1}z_L",
    kind="definition", check=Deterministic(_net_sample, lambda i, o, p: [], _net_concl),
    params={"what": "grad", "gscale": 1.0}, broken={"gscale": 1.01}, instances=10,
    notes="Not certifiable by nature: central finite differences of the float64 engine "
          "(truncation error). "
          "The engine model behind Fig. 4 (boundcheck/model/resnet.py), gradient vs finite "
          "differences. Broken: gradient scaled by 1.01."))
register(Result(
    id="wwm19.eq6_2", title="mZAS (6.2): f = 0 and only U_{L+1} moves at step 0",
    source=Source(PAPER, "§6", "eq. (6.2)"),
    statement=r"U_l=0\ (l=1..L+1),\ (V_l)_{ij}\sim\mathcal N(0,1/D)",
    kind="definition", check=Deterministic(_net_sample, lambda i, o, p: [], _net_concl),
    params={"what": "mzas", "perturb": 0.0}, broken={"perturb": 1e-3}, instances=10,
    notes="Not certifiable yet: ReLU/tanh activations are not in the ops vocabulary. "
          "Derived fact (catalog): at mZAS every gradient but U_{L+1}'s contains a zero "
          "factor. Broken: U_l = 1e-3 entrywise."))
