"""wwm19 Theorem 4.3 (discrete GD from ZAS), its induction invariants (A.4)-(A.5) and the
proof's D-budget, certified over whole runs.

Wu, Wang & Ma, NeurIPS 2019, §4.2, Theorem 4.3, eq. (4.5); proof in App. A.3. If
``eta <= min{(4 L^3 phi^6)^{-1}, (144 L^2 phi^4)^{-1}}`` with
``phi = max{2 ||Phi||_F, k / sqrt(L), 1}`` (statement: k = 3; appendix: Euler's e), GD (2.4)
from ZAS (3.1) satisfies ``R(t) <= (1 - eta/2)^t R(0)`` for every t.

Protocol (catalog recipe, issue 11): eta = eta_max * frac (frac = 1, 1/2, 1/10), run until
the computed loss is below 1e-20 R(0) or 10^6 steps (the horizon
``min(10^6, ceil(23.1 / (eta * frac_rate)))`` with the observed rate >= 2 eta), every step
certified by the float64 shadowing certificate (:mod:`theorems.wwm19._cert`); at every step
(i) (4.5), (ii) the per-step contraction ``R(t+1) <= (1 - eta/2) R(t)`` (on steps whose
decrement is resolved), (iii) the (A.4) invariants and the D-budget of the proof. Hypotheses
are written in ``ops``: max/min in the eta condition are expanded into conjunctions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from boundcheck.arith.constants import exact_const
from boundcheck.certify.runbound import bound_condition
from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model.residual import scalar_zas_iterations
from theorems.wwm19 import PAPER
from theorems.wwm19._cert import contraction_lower, decay_ratio_bounds, zas_run

#: the computed loss reaches 1e-20 R(0) by about 23.1/eta steps (rate >= 2 eta observed);
#: the horizon is the printed stopping rule's, capped at 10^6
HORIZON_FACTOR = 23.1
MAX_STEPS = 1_000_000


def phi_value(Phi: np.ndarray, L: int, k: float) -> float:
    """phi = max{2 ||Phi||_F, k / sqrt(L), 1} in float64 (used to *choose* eta only)."""
    return max(2.0 * float(np.linalg.norm(Phi)), k / math.sqrt(L), 1.0)


def eta_max(Phi: np.ndarray, L: int, k: float) -> float:
    phi = phi_value(Phi, L, k)
    return min(1.0 / (4 * L**3 * phi**6), 1.0 / (144 * L**2 * phi**4))


def _phi_candidates(ops: Any, Phi: np.ndarray, L: int, k_name: str) -> list[Any]:
    k = ops.exp(ops.scalar(1)) if k_name == "e" else ops.scalar(3)
    two_f = ops.scalar(2) * ops.fro_norm(ops.asarray(Phi))
    return [two_f, k / ops.sqrt(ops.scalar(L)), ops.scalar(1)]


def _sample(rng: np.random.Generator, p: Params) -> Instance:
    d = int(rng.choice(p["d_choices"]))
    L = int(rng.choice(p["L_choices"]))
    kind = str(rng.choice(p["targets"] if p.get("adversarial_modes", True) else ["gauss"]))
    scale = float(rng.choice(p["scales"]))
    if d == 1:
        Phi = np.array([[scale * (-1.0 if kind in ("minus_identity", "gauss_neg") else 1.0)
                         * (1.0 if kind != "gauss" else float(np.sign(rng.standard_normal())))]])
    elif kind == "minus_identity":
        Phi = -scale * np.eye(d)
    else:
        Phi = scale * rng.standard_normal((d, d)) / d
    Phi = np.round(Phi, 6)  # short decimals; taken as exact
    if not np.any(Phi):
        Phi[0, 0] = 0.05
    k = math.e if p["phi_const"] == "e" else 3.0
    eta = float(eta_max(Phi, L, k) * p["eta_frac"] * (1 - 1e-9))
    steps = int(min(MAX_STEPS, math.ceil(HORIZON_FACTOR / eta)))
    if d == 1:  # the stopping rule from the exact scalar reduction T3 (float64), + 1 %
        c = float(Phi[0, 0])
        hit = scalar_zas_iterations(c, L, eta, 1e-20 * 0.5 * c * c, steps)
        if 0 < hit <= steps:
            steps = min(steps, int(hit * 1.01) + 10)
    return {"Phi": Phi, "L": L, "d": d, "eta": eta, "steps": steps, "target": kind}


def _hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Phi, L, eta = inst["Phi"], int(inst["L"]), ops.scalar(inst["eta"])
    ctx = f"L={L}, d={inst['d']}, {inst['target']}, eta={inst['eta']:.4g}"
    conds = [Condition("eta > 0", eta, ">", ops.scalar(0), ctx)]
    for i, phi in enumerate(_phi_candidates(ops, Phi, L, p["phi_const"])):
        which = ("2||Phi||_F", f"{p['phi_const']}/sqrt(L)", "1")[i]
        conds.append(Condition(f"eta <= 1/(4 L^3 phi^6) [phi >= {which}]", eta, "<=",
                               ops.scalar(1) / (ops.scalar(4 * L**3) * ops.power(phi, 6)), ctx))
        conds.append(Condition(f"eta <= 1/(144 L^2 phi^4) [phi >= {which}]", eta, "<=",
                               ops.scalar(1) / (ops.scalar(144 * L**2) * ops.power(phi, 4)),
                               ctx))
    return conds


def _run(inst: Instance) -> dict[str, Any]:
    return zas_run(np.asarray(inst["Phi"]), int(inst["L"]), float(inst["eta"]),
                   int(inst["steps"]))


def _ctx(inst: Instance, run: dict[str, Any]) -> str:
    hit = np.nonzero(run["loss_hat"] <= 1e-20 * run["loss_hat"][0])[0]
    return (f"L={inst['L']}, d={inst['d']}, {inst['target']}, eta={inst['eta']:.4g}, "
            f"certified {run['horizon']}/{run['steps']} steps (e_T<={run['e_final']:.2g}, "
            f"prod Lip {run['lip_product']:.3g}), computed R<1e-20 R(0) "
            f"from t={int(hit[0]) if hit.size else -1}")


def _concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run = _run(inst)
    ctx = _ctx(inst, run)
    eta = float(inst["eta"])
    if not run["complete"]:
        return [Condition("R(t) <= (1-eta/2)^t R(0) for all t (exact run)",
                          ops.scalar(math.nan), "<=", ops.scalar(1),
                          ctx + f"; NOT certified over the whole horizon: {run['stopped']}")]
    hi, lo, t_arg = decay_ratio_bounds(run, eta, p["rate"])
    # the upper bound proves "<= 1"; only the lower bound can prove a violation; between
    # them nothing is proved, and the condition is undecided (NaN), never refuted
    conds = [bound_condition(ops, "max_{t>=1} R(t) / ((1 - eta/2)^t R(0)) <= 1 (exact run, "
                             "every t)", "<=", ops.scalar(1), hi=hi, lo=lo,
                             context=ctx + f", argmax t={t_arg}, enclosure [{lo:.6g}, "
                             f"{hi:.6g}]")]
    if p.get("per_step", True):
        c = contraction_lower(run, eta)
        name = "per step: (R(t) - R(t+1)) / (eta R(t)) >= 1/2 (resolved steps)"
        cctx = (ctx + f"; {c['resolved']} steps resolved, {c['unresolved']} unresolved "
                f"(decrement below the enclosure width, from t={c['first_unresolved']}); float "
                f"slack (R(t+1)/R(t)-1)/eta in {c['float_slack_range']} vs -0.5")
        rate = ops.scalar(exact_const(p["rate"]))
        if c["resolved"]:  # [min_slack_lo, min_slack_hi] encloses the minimum over them
            conds.append(bound_condition(ops, name, ">=", rate, lo=c["min_slack_lo"],
                                         hi=c["min_slack_hi"], context=cctx))
        else:
            conds.append(Condition(name, ops.scalar(math.nan), ">=", rate, cctx))
    return conds


_STATEMENT = (r"\eta\le\min\{(4L^3\phi^6)^{-1},(144L^2\phi^4)^{-1}\},\ "
              r"\phi=\max\{2\|\Phi\|_F,3L^{-1/2},1\}\Rightarrow"
              r"\mathcal R(t)\le(1-\eta/2)^t\mathcal R(0)\ \forall t")
_BASE = {"d_choices": [1, 1, 1, 2], "L_choices": [2, 3, 4, 5, 6], "phi_const": "3",
         "targets": ["minus_identity", "gauss", "gauss_neg"],
         "scales": [0.05, 0.2, 0.45, 1.0], "eta_frac": 1.0, "rate": 0.5, "per_step": True}
_FULL = {"L_choices": [2, 3, 5, 8, 12, 20, 50, 100, 200], "d_choices": [1, 1, 2, 3],
         "instances": 40}

_COMMON = dict(
    id="wwm19.thm4_3", title="GD from ZAS converges linearly: R(t) <= (1-eta/2)^t R(0)",
    source=Source(PAPER, "§4.2, Theorem 4.3; proof App. A.3", "eq. (4.5)"),
    statement=_STATEMENT, kind="theorem", check=Deterministic(_sample, _hyp, _concl),
    profiles={"full": _FULL}, broken={"rate": 4.0}, instances=10, certifiable=True,
    param_ranges={"rate": (0.0, None), "eta_frac": (0.0, None)},
)

register(Result(**_COMMON, params=dict(_BASE), notes=(
    "phi with the statement's 3/sqrt(L). Each instance is certified over its whole run "
    "(float64 shadowing of the exact trajectory); broken: rate 4 instead of 1/2 (the "
    "observed per-step decrease is ~2 eta (1+b^2)^(L-2)(1+L b^2) >= 2 eta, so rate 4 fails "
    "early in every run).")))
register(Result(**_COMMON, params={**_BASE, "phi_const": "e"}, variant="e-reading", notes=(
    "phi with the appendix's e/sqrt(L) (Lemma A.3 needs log(L phi^2) >= 2): the weaker "
    "hypothesis (larger admissible eta), so a pass implies the 3-version.")))
register(Result(**_COMMON, params={**_BASE, "phi_const": "e", "eta_frac": 0.5},
                variant="eta_half", notes="eta = eta_max/2 (e-reading)."))
register(Result(**{**_COMMON, "instances": 10},
                params={**_BASE, "phi_const": "e", "eta_frac": 0.1, "L_choices": [2, 3, 4]},
                variant="eta_tenth", notes=(
                    "eta = eta_max/10 (e-reading); runs hit the 10^6-step cap before "
                    "R < 1e-20 R(0): the claim is certified on [0, 10^6].")))


# ---------------------------------------------------------------------------------------
# eqA_4: the induction invariants along the same runs
# ---------------------------------------------------------------------------------------

def _eqA4_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    run = _run(inst)
    ctx = _ctx(inst, run)
    L, eta = int(inst["L"]), ops.scalar(inst["eta"])
    if not run["complete"]:
        return [Condition("(A.4) along the exact run", ops.scalar(math.nan), "<=",
                          ops.scalar(1), ctx + "; run not certified in full")]
    # phi of the theorem (e-reading): the conditions must hold for phi = max{...}; phi^k
    # >= each candidate^k, so the bound with the largest candidate is the binding one
    cands = _phi_candidates(ops, inst["Phi"], L, "e")
    mids = [ops.mid(c) for c in cands]
    k = int(np.argmax(mids))
    phi = cands[k]
    # the chosen candidate is not compared with itself (an Arb-enclosed e/sqrt(L) >= the
    # same ball is undecided: it left instances inconclusive under ball)
    conds = [Condition(f"phi = max{{...}} candidate >= other [{i}]", phi, ">=", c, ctx)
             for i, c in enumerate(cands) if i != k]
    Lphi2 = ops.scalar(L) * phi * phi

    def enc(name: str, key: str, rel: str, rhs: Any) -> Condition:
        """``run max rel rhs`` from the run's upper (``key``) and lower (``key_lo``, where
        tracked) bounds; float64 compares the upper bound, as the point value."""
        lo_key = {"ab_max": "ab_lo", "prod_max": "prod_lo", "D_max": "D_lo",
                  "E_max": "E_lo"}.get(key)
        return bound_condition(ops, name, rel, rhs, hi=run[key],
                               lo=run[lo_key] if lo_key else None, point=run[key],
                               context=ctx)

    conds += [
        enc("(A.4) alpha(t)^{2(L-1)} < L phi^2 for all t", "apow_max", "<", Lphi2),
        enc("(A.4) alpha(t)^{2(L-1)} beta(t)^2 < 2 phi^2 for all t", "ab_max", "<",
            ops.scalar(exact_const(p["c_ab"])) * phi * phi),
        enc("||W_{L:1}(t)||_2 <= 2||Phi||_F <= phi for all t (Frobenius bound)", "prod_max",
            "<=", cands[0] + ops.scalar(exact_const(p["prod_slack"]))),
    ]
    c_D = ops.scalar(exact_const(p["c_D"]))
    if L >= 3:
        conds += [
            enc("||D_l(t)||_2 <= 2 eta phi^4 (l <= L-2, all t)", "D_max", "<=",
                c_D * eta * ops.power(phi, 4)),
            Condition("2 eta phi^4 <= 1/(2 L^3 phi^2)", c_D * eta * ops.power(phi, 4), "<=",
                      ops.scalar(1) / (ops.scalar(2 * L**3) * phi * phi), ctx)]
    budget = (ops.scalar(exact_const(p["c_E"])) * eta * ops.scalar(L + 2)
              * ops.power(phi, p["E_pow"]))
    conds += [
        enc(f"||I + D_{{L-1}}(t)||_2 <= {p['c_E']} eta (L+2) phi^{p['E_pow']} (all t)",
            "E_max", "<=", budget),
        Condition(f"{p['c_E']} eta (L+2) phi^{p['E_pow']} < 1/(4 L^2)", budget, "<",
                  ops.scalar(1) / ops.scalar(4 * L * L), ctx)]
    return conds


_EQA4 = dict(
    id="wwm19.eqA_4", title="Induction invariants (A.4), (A.5) and the D-budget along GD",
    source=Source(PAPER, "App. A.3, proof of Theorem 4.3", "eqs. (A.4), (A.5)"),
    statement=r"\alpha^{2(L-1)}<L\phi^2,\ \alpha^{2(L-1)}\beta^2<2\phi^2,\ "
              r"\|D_l\|\le2\eta\phi^4,\ \|I+D_{L-1}\|\le\tfrac12\eta(L+2)\phi^4<(4L^2)^{-1}",
    kind="proof-step", check=Deterministic(_sample, _hyp, _eqA4_concl), instances=10,
    profiles={"full": _FULL}, certifiable=True,
)
_EQA4_P = {**_BASE, "L_choices": [2, 3, 4, 6, 8], "phi_const": "e", "c_ab": 2.0,
           "c_D": 2.0, "prod_slack": 0.0}
register(Result(**_EQA4, params={**_EQA4_P, "c_E": 0.5, "E_pow": 4}, variant="repaired",
                broken={"c_ab": 1e-6}, notes=(
                    "The corrected budget ||I + D_{L-1}(t)||_2 <= 1/2 eta (L+2) phi^4 "
                    "(sum of Lemma A.5's 2 eta^2 (L+2) phi^2 R(s) over s < t, sum R <= "
                    "phi^2/(4 eta)). Broken: alpha^{2(L-1)} beta^2 < 1e-6 phi^2.")))
register(Result(**_EQA4, params={**_EQA4_P, "c_E": 4.0, "E_pow": 2,
                                 "L_choices": [8, 9, 10], "scales": [0.05, 0.2, 0.45],
                                 "d_choices": [1], "adversarial_modes": True},
                variant="printed", erratum=True, notes=(
                    "As printed in the proof of Thm 4.3: ||I + D_{L-1}(t+1)||_2 <= "
                    "4 eta (L+2) phi^2 < (4L^2)^{-1}. Step refuted, conclusion holds: for "
                    "L >= 8 and 2||Phi||_F < 1 (phi = 1) at eta = eta_max = 1/(144 L^2) the "
                    "printed budget 4 eta (L+2) phi^2 = (L+2)/(36 L^2) exceeds 1/(4L^2), so "
                    "the printed chain cannot close the induction; the correct sum "
                    "1/2 eta (L+2) phi^4 does (wwm19.eqA_4[repaired], same L), and the "
                    "arithmetic slip itself is settled symbolically (wwm19.eqA_4[slip]).")))
