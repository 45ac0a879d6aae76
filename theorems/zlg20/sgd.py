"""zlg20 SGD theorems 3.6 and 3.8 as statistical checks, with their proof steps and errata.

Zou, Long & Gu, ICLR 2020, Sec. 3.2 (Theorems 3.6, 3.8), App. A.4 and A.6 (proofs,
eqs. (A.5), (A.16), (A.19), inductions). Proof-explicit constants (catalog zlg20.thm3_6,
zlg20.thm3_8): Thm 3.6 (H1') alpha >= 4 e^{3/2} n ||X|| log(3 L0/eps) sqrt(L0)/(b sr^2),
(H2') eta = b mu^2mu^2 sr^2/(6e^3 L n lam^4 ||X||^2) min{(eps/3)/(||X||_2inf^2 L*),
ln^2(2) b/(3 n ||X||^2 log(T/delta) log(3 L0/eps))} (fixed point with T),
(H3') T = e log(3 Delta0/eps)/(eta L mu^2mu^2 sr^2); Thm 3.8 (H1') alpha >= 8 e^{3/2} n ||X||
sqrt(L0)/(b sr^2), (H2') eta = ln2 b^2 mu^2mu^2 sr^2/(96 e^3 L n^2 lam^4 ||X||^4 log(T/delta)).

Instances: modified identity (mu = lam), d = k = 1, m = 2, n = 2 or 4, b < n (a real
minibatch), L in {1, 2}; data with orthogonal rows. Each trial draws a data set and runs a
batch of independent SGD runs (vectorized; sampling without replacement, scale n/b).
Pooling data sets is sound: if every data set has failure probability <= delta, so has the
mixture.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import sympy as sp

from boundcheck.check.registry import register
from boundcheck.check.result import Params, Result, Source, Statistical, Symbolic
from boundcheck.check.verdict import Condition
from boundcheck.model import transformed_resnet as tr
from theorems.zlg20._common import PAPER, np_lstar, orth_rows_X

E = math.e
LN2 = math.log(2.0)


def _data(rng: np.random.Generator, n: int, realizable: bool, noise: float) -> tuple:
    X = orth_rows_X(rng, 1, n, scales=[float(rng.choice([0.5, 1.0, 2.0]))])
    phi = float(rng.choice([-1.5, -1.0, 0.75, 1.25]))
    Y = phi * X if realizable else phi * X + noise * rng.standard_normal((1, n))
    return X, Y


def _setup36(rng: np.random.Generator, p: Params) -> dict:
    n, b = p["n"], p["b"]
    L = int(rng.choice(p["L_choices"]))
    X, Y = _data(rng, n, False, p["noise"])
    L0 = 0.5 * float(np.sum(Y * Y))
    Ls = np_lstar(X, Y)
    D0 = L0 - Ls
    eps = float(rng.choice(p["eps_fracs"])) * D0
    delta = p["delta"]
    X2 = float(np.linalg.norm(X, 2)) ** 2
    sr2 = X2  # d = 1
    x2inf = float(np.max(np.sum(X * X, axis=0)))
    lg = (lambda v: math.log(v)) if p["form"] == "printed" else (lambda v: math.log(3 * v))
    alpha = p["C"] * n * math.sqrt(X2) * lg(L0 / eps) * math.sqrt(L0) / (b * sr2)
    alpha *= p["alpha_factor"]
    # mu_A = lam_A = 1, mu_B = lam_B = alpha: mu^2 mu^2 / (lam^4 lam^4) = alpha^-2
    eta, T = 1e-3 / (alpha**2 * X2), 1
    for _ in range(50):
        br1 = (eps / 3 if p["form"] != "printed" else eps) / (x2inf * Ls) if Ls > 0 else math.inf
        br2 = p["br2"] * b / (n * X2 * math.log(T / delta) * lg(L0 / eps)) if T > delta \
            else math.inf
        eta_new = p["C1"] * b * sr2 / (L * n * alpha**2 * X2) * min(br1, br2) * p["eta_factor"]
        T_new = max(1, math.ceil(p["C2"] / (eta_new * L * alpha**2 * sr2) * lg(D0 / eps)
                                 * p["T_factor"]))
        if T_new == T and abs(eta_new - eta) <= 1e-12 * eta:
            break
        eta, T = eta_new, T_new
    A, B = tr.modified_identity(1, 1, 2, alpha)
    return {"A": A, "B": B, "X": X, "Y": Y, "L": L, "L0": L0, "Ls": Ls, "D0": D0, "eps": eps,
            "eta": eta, "T": T, "alpha": alpha, "X2": X2, "n": n, "b": b, "delta": delta,
            "rad_coef": p.get("rad_coef", 1.0)}


def _run_sgd(rng: np.random.Generator, s: dict, runs: int, horizon: int, stop_on_success: bool,
             rate: float | None = None) -> dict:
    """Vectorized SGD; per run: success time (Delta_t <= eps), max of L_t 1(E_t) / (2 L0),
    (A.5) radius violations, and (Thm 3.8) max_t L_t / (2 L0 (1 - rho)^t) and the e^{-t rho}
    form."""
    X, L = s["X"], s["L"]
    n, b = X.shape[1], s["b"]
    W = [np.zeros((runs, 2, 2)) for _ in range(L)]
    alive = np.ones(runs, dtype=bool)  # the event E_t: not yet within eps
    hit = np.full(runs, -1)
    max_loss = np.zeros(runs)
    rad_bad = np.zeros(runs, dtype=bool)
    max_stmt = np.zeros(runs)
    max_proof = np.zeros(runs)
    c_rad = math.sqrt(2 * E) * s["eta"] * n * s["alpha"] * math.sqrt(s["X2"]) / b \
        * math.sqrt(2 * s["L0"]) * s.get("rad_coef", 1.0)
    with np.errstate(all="ignore"):
        return _run_loop(rng, s, runs, horizon, stop_on_success, rate, W, alive, hit, max_loss,
                         rad_bad, max_stmt, max_proof, c_rad)


def _run_loop(rng: np.random.Generator, s: dict, runs: int, horizon: int,
              stop_on_success: bool, rate: float | None, W: list, alive: np.ndarray,
              hit: np.ndarray, max_loss: np.ndarray, rad_bad: np.ndarray,
              max_stmt: np.ndarray, max_proof: np.ndarray, c_rad: float) -> dict:
    A, B, X, Y, L = s["A"], s["B"], s["X"], s["Y"], s["L"]
    n, b = X.shape[1], s["b"]
    t = 0
    for t in range(horizon + 1):
        Lt = tr.np_loss(A, B, W, X, Y)
        D = Lt - s["Ls"]
        newly = alive & (D <= s["eps"])
        hit[newly] = t
        alive &= ~newly
        max_loss = np.maximum(max_loss, np.where(alive, Lt, 0.0) / (2 * s["L0"]))
        for w in W:
            nrm = np.sqrt(np.sum(w * w, axis=(1, 2)))
            rad_bad |= alive & (nrm > c_rad * t * (1 + 1e-12) + 1e-300)
            rad_bad |= nrm > 0.5 / L
        if rate is not None:
            f = (1.0 - rate) ** t  # the printed (1 - rho)^t; <= 0 (rho >= 1) bounds nothing
            r_stmt = Lt / (2 * s["L0"] * f) if f > 0 else np.full(runs, np.inf)
            max_stmt = np.maximum(max_stmt, np.where(np.isnan(r_stmt), np.inf, r_stmt))
            r_proof = Lt / (2 * s["L0"] * math.exp(-t * rate))
            max_proof = np.maximum(max_proof, np.where(np.isnan(r_proof), np.inf, r_proof))
        if t == horizon or (stop_on_success and not alive.any()):
            break
        batches = tr.sample_batches(rng, runs, n, b)
        W = tr.np_sgd_step(A, B, W, X, Y, s["eta"], batches)
    return {"hit": hit, "max_loss": max_loss, "rad_bad": rad_bad, "max_stmt": max_stmt,
            "max_proof": max_proof, "steps": t}


def _trial36(event: str) -> Any:
    def trial(rng: np.random.Generator, p: Params) -> tuple[int, int]:
        s = _setup36(rng, p)
        if s["T"] > p["max_T"]:
            return (0, 0)
        r = _run_sgd(rng, s, p["runs"], s["T"], stop_on_success=True)
        if event == "success":
            fail = r["hit"] < 0
        elif event == "loss2L0":
            fail = ~(r["max_loss"] <= 1.0)  # NaN (overflow) is a failure, never a pass
        else:  # induction: radius (A.5) or the loss control (iii)
            fail = r["rad_bad"] | ~(r["max_loss"] <= 1.0)
        return int(np.sum(fail)), p["runs"]
    return trial


def _stress36(rng: np.random.Generator, p: Params) -> dict:
    """Empirical slack: the failure rate with eta (and T/eta fixed) scaled up."""
    out = {}
    for f in p["stress"]:
        q = dict(p, eta_factor=f, T_factor=1.0)
        s = _setup36(rng, q)
        if s["T"] > p["max_T"]:
            continue
        r = _run_sgd(rng, s, 32, s["T"], stop_on_success=True)
        out[f"eta x{f:g}"] = {"T": s["T"], "failure_rate": float(np.mean(r["hit"] < 0)),
                              "max L/2L0 before success": float(np.max(r["max_loss"]))}
    s = _setup36(rng, p)
    return {"stress_eta": out, "example": {k: s[k] for k in ("alpha", "eta", "T", "eps", "D0",
                                                              "L0", "Ls")}}


_P36 = {"n": 2, "b": 1, "L_choices": [1, 2], "noise": 0.1, "eps_fracs": [0.9],
        "delta": 1 / 6, "form": "proof", "C": 4 * E**1.5, "C1": 1 / (6 * E**3),
        "br2": LN2**2 / 3, "C2": E, "alpha_factor": 1.0, "eta_factor": 1.0, "T_factor": 1.0,
        "runs": 32, "max_T": 2_000_000, "allowed": 0.5, "stress": [10.0, 1e3, 1e5]}

THM36 = Result(
    id="zlg20.thm3_6", title="Theorem 3.6: SGD reaches L* + eps within T w.p. >= 1/2",
    source=Source(PAPER, "Sec. 3.2, Theorem 3.6; proof App. A.4", "(A.4)-(A.16)"),
    statement=r"P\big[\min_{t\le T}\mathcal L(W^{(t)})\le\mathcal L(W^*)+\epsilon\big]\ge1/2",
    kind="theorem",
    check=Statistical(_trial36("success"), lambda p: p["allowed"], details=_stress36),
    params=_P36, profiles={"full": {"runs": 128, "eps_fracs": [0.9, 0.5, 0.2]}},
    broken={"T_factor": 1e-4}, instances=1,
    notes="Proof-explicit constants (eps' = eps/3). Failure = no iterate within eps of L*.",
)
register(THM36)
register(THM36.with_variant(
    "printed-logs", params={**_P36, "form": "printed", "C": 8 * E**1.5,
                            "C1": LN2**2 / (36 * E**3), "br2": 1.0, "C2": 2 * E,
                            "eps_fracs": [0.95, 0.9]},
    notes="Erratum 2: the statement's log(L0/eps), log(Delta0/eps) with the constants the "
          "proof implies only when eps <= Delta0/3 (C = 8e^{3/2}, C1 = ln^2 2/(36e^3), "
          "C2 = 2e), run at eps = 0.9-0.95 Delta0 where the proof does not cover them."))
register(Result(
    id="zlg20.ind3_6", title="Induction in the proof of Thm 3.6: (A.5) radius and L_s "
    "1(E_s) <= 2 L0 along the run", source=Source(PAPER, "App. A.4", "induction (i)-(iii)"),
    statement=r"\|W_l^{(s)}\|_F\le\frac{\sqrt{2e}\eta ns\|A\|\|B\|\|X\|}{b}\sqrt{2\mathcal L_0}"
              r"\le\frac{0.5}L,\ \mathcal L(W^{(s)})\mathbb 1(E_s)\le2\mathcal L_0",
    kind="proof-step", check=Statistical(_trial36("induction"), lambda p: p["delta"]),
    params=_P36, broken={"eta_factor": 1e6, "T_factor": 1e-6}, instances=2,
    notes="Failure of either part in a run counts; allowed probability delta (the event of "
          "(A.16) has probability >= 1 - delta)."))
register(Result(
    id="zlg20.eqA_16", title="(A.16): L_t 1(E_t) <= 2 L0 for all t <= T w.p. >= 1 - delta",
    source=Source(PAPER, "App. A.4", "(A.16)"),
    statement=r"P[\exists t\le T:\mathcal L(W^{(t)})\mathbb 1(E_t)>2\mathcal L_0]\le\delta",
    kind="inequality", check=Statistical(_trial36("loss2L0"), lambda p: p["delta"]),
    params=_P36, broken={"eta_factor": 1e6, "T_factor": 1e-6}, instances=2))


def _a16_symbolic(p: Params) -> list[Condition]:
    out = []
    for T, d in ((10, sp.Rational(1, 6)), (10**4, sp.Rational(1, 2)), (2, sp.Rational(1, 10))):
        arg = d / T if p["printed"] else T / d
        out.append(Condition("2 log(.) >= 0 (needed under the square root of (A.16))",
                             2 * sp.log(arg), ">=", sp.Integer(0), context=f"T={T}, delta={d}"))
    return out


A16S = Result(
    id="zlg20.eqA_16", title="(A.16) square-root argument", source=Source(PAPER, "App. A.4",
                                                                          "(A.16)"),
    statement=r"\sqrt{2t\log(T/\delta)}", kind="inequality", check=Symbolic(_a16_symbolic),
    params={"printed": False}, variant="sqrt-argument", broken={"printed": True}, instances=1)
register(A16S)
register(A16S.with_variant("printed-log(delta/T)", erratum=True, params={"printed": True},
                           broken=None,
                           notes="Erratum 11: as printed, sqrt(2 t log(delta/T)) is the square "
                                 "root of a negative number for delta < 1 <= T."))


# ----------------------------------------------------------------------------- Thm 3.8
def _setup38(rng: np.random.Generator, p: Params) -> dict:
    n, b = p["n"], p["b"]
    L = int(rng.choice(p["L_choices"]))
    X, Y = _data(rng, n, True, 0.0)
    L0 = 0.5 * float(np.sum(Y * Y))
    X2 = float(np.linalg.norm(X, 2)) ** 2
    sr2 = X2
    T, delta = p["T"], p["delta"]
    alpha = p["C"] * n * math.sqrt(X2) * math.sqrt(L0) / (b * sr2) * p["alpha_factor"]
    eta = (LN2 * b**2 * sr2 / (p["K"] * E**3 * L * n**2 * alpha**2 * X2**2 * math.log(T / delta))
           * p["eta_factor"])
    rho = eta * L * alpha**2 * sr2 / E
    A, B = tr.modified_identity(1, 1, 2, alpha)
    return {"A": A, "B": B, "X": X, "Y": Y, "L": L, "L0": L0, "Ls": 0.0, "D0": L0, "eps": -1.0,
            "eta": eta, "T": T, "alpha": alpha, "X2": X2, "n": n, "b": b, "rho": rho}


def _trial38(form: str) -> Any:
    def trial(rng: np.random.Generator, p: Params) -> tuple[int, int]:
        s = _setup38(rng, p)
        r = _run_sgd(rng, s, p["runs"], s["T"], stop_on_success=False, rate=s["rho"])
        if form == "induction":
            fail = r["rad_bad"] | ~(r["max_proof"] <= 1.0)
        else:  # NaN (overflow) counts as a failure
            fail = ~((r["max_stmt"] if form == "printed" else r["max_proof"]) <= 1.0)
        return int(np.sum(fail)), p["runs"]
    return trial


def _stress38(rng: np.random.Generator, p: Params) -> dict:
    out = {}
    for f in p["stress"]:
        s = _setup38(rng, dict(p, eta_factor=f))
        if s["rho"] >= 0.5:
            out[f"eta x{f:g}"] = {"rho": s["rho"], "skipped": "rho >= 1/2"}
            continue
        r = _run_sgd(rng, s, 16, s["T"], stop_on_success=False, rate=s["rho"])
        out[f"eta x{f:g}"] = {"failure_rate_printed": float(np.mean(~(r["max_stmt"] <= 1))),
                              "failure_rate_exp": float(np.mean(~(r["max_proof"] <= 1))),
                              "max ratio": float(np.max(r["max_stmt"])), "rho": s["rho"]}
    s = _setup38(rng, p)
    return {"stress_eta": out, "example": {k: s[k] for k in ("alpha", "eta", "T", "rho", "L0")},
            "gap (1-rho)^T vs e^{-rho T}": (math.exp(s["T"] * (-s["rho"] - math.log1p(-s["rho"])))
                                            if s["rho"] < 1 else "rho >= 1")}


_P38 = {"n": 2, "b": 1, "L_choices": [1, 2], "delta": 0.1, "T": 2000, "C": 8 * E**1.5,
        "K": 96.0, "alpha_factor": 1.0, "eta_factor": 1.0, "runs": 96,
        "stress": [1e3, 1e4, 1e5]}
THM38 = Result(
    id="zlg20.thm3_8", title="Theorem 3.8: realizable case, L_t <= 2 L0 (1 - rho)^t for all "
    "t <= T w.p. >= 1 - delta", source=Source(PAPER, "Sec. 3.2, Theorem 3.8; proof App. A.6",
                                              "(A.18)-(A.19)"),
    statement=r"P\big[\forall t\le T:\mathcal L(W^{(t)})\le2\mathcal L(W^{(0)})(1-\eta L"
              r"\sigma_{\min}^2(A)\sigma_{\min}^2(B)\sigma_r^2(X)/e)^t\big]\ge1-\delta",
    kind="theorem",
    check=Statistical(_trial38("printed"), lambda p: p["delta"], details=_stress38),
    params=_P38, profiles={"full": {"T": 20000, "runs": 256}},
    broken={"eta_factor": 3e5}, instances=1,
    notes="C = 8e^{3/2}, C1 = ln2/(96e^3) (proof-explicit). The printed (1 - rho)^t form.",
)
register(THM38)
register(THM38.with_variant(
    "proof-exp-form", check=Statistical(_trial38("proof"), lambda p: p["delta"]),
    notes="Erratum 1: the proof only derives L_t <= 2 L0 exp(-t rho) (weaker than the printed "
          "(1-rho)^t by exp(t rho^2/2)); this variant checks that form."))
register(THM38.with_variant(
    "54e3", params={**_P38, "K": 54.0},
    notes="Erratum 11: the proof's first step-size display prints 54e^3 where the Azuma step "
          "needs 96e^3; this variant runs eta with 54 (1.78x larger)."))
register(Result(
    id="zlg20.eqA_19", title="(A.19): L_t <= 2 L0 exp(-t rho) for all t <= T w.p. >= 1-delta",
    source=Source(PAPER, "App. A.6", "(A.19)"),
    statement=r"\mathcal L(W^{(t)})\le2\mathcal L_0\exp(-t\eta L\mu_A^2\mu_B^2\sigma_r^2/e)",
    kind="inequality", check=Statistical(_trial38("proof"), lambda p: p["delta"]),
    params=_P38, broken={"eta_factor": 3e5}, instances=1))
register(Result(
    id="zlg20.ind3_8", title="Induction in the proof of Thm 3.8: radius 0.5/L and the rate",
    source=Source(PAPER, "App. A.6", "induction (i)-(ii)"),
    statement=r"\max_l\|W_l^{(t)}\|_F\le0.5/L,\ \mathcal L(W^{(s)})\le2\mathcal L_0e^{-s\rho}",
    kind="proof-step", check=Statistical(_trial38("induction"), lambda p: p["delta"]),
    params=_P38, broken={"eta_factor": 3e5}, instances=1))
