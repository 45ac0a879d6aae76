"""wwm19 §3-§4.1: ZAS facts, the invariants, gradient flow (Theorem 4.1 and its
ingredients), Remarks 4.1(1)-(2), the stable manifold of the toy problem.

Wu, Wang & Ma, NeurIPS 2019: def. (3.1), (4.3), Lemma 4.2 / proof of Thm 4.1 (the balanced
product and (4.4)), Thm 4.1 (4.2), Remark 4.1, §3 (stable manifold M), (5.1).

Certification status: the state-wise statements on exact rational states (ZAS) are written
in ``ops`` (certifiable). Theorem 4.1 is certified under a certified backend on the
validated enclosure of the exact flow (:mod:`boundcheck.certify.flow_enclosure`), every
"for all t in [0, T]" decided on each step's Taylor model; under float64 it integrates with
DOP853 with an error estimate (:func:`boundcheck.model.flow.run_flow`: a reference run at
1e-4 x the tolerance; ``float_tol`` derived from that estimate). Remark 4.1 (rectangular /
un-whitened, up to 75 weights) and (4.4) on float64 T2 states remain float64-only
(certifiable=False, see their notes).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import kernels, network
from boundcheck.model import residual as rs
from boundcheck.model.flow import run_flow
from boundcheck.model.problem import Problem
from theorems.wwm19 import PAPER

EPS = float(np.finfo(float).eps)


def target(rng: np.random.Generator, d: int, kind: str) -> np.ndarray:
    """Targets of the catalog recipe: Gaussian x scale, -I, orthogonal (det -1), rank-1,
    nilpotent."""
    if kind == "minus_identity":
        return -np.eye(d)
    if kind == "orthogonal":
        Q = np.linalg.qr(rng.standard_normal((d, d)))[0]
        if np.linalg.det(Q) > 0:
            Q[:, 0] = -Q[:, 0]
        return Q
    if kind == "rank1":
        u, v = rng.standard_normal(d), rng.standard_normal(d)
        return np.outer(u, v) / math.sqrt(d)
    if kind == "nilpotent":
        return np.triu(rng.standard_normal((d, d)), 1) + (np.eye(d) * 0 if d > 1 else 1.0)
    scale = float(rng.choice([0.1, 1.0, 3.0]))
    return scale * rng.standard_normal((d, d))


KINDS = ["gauss", "minus_identity", "orthogonal", "rank1", "nilpotent"]


# ------------------------------------------------------------------------------ def3_1
def _zas_sample(rng: np.random.Generator, p: Params) -> Instance:
    d, L = int(rng.choice(p["d_choices"])), int(rng.choice(p["L_choices"]))
    Phi = np.round(target(rng, d, str(rng.choice(KINDS))), 4)
    return {"L": L, "d": d, "Phi": Phi, "eta": float(rng.choice([1e-3, 0.01, 0.1]))}


def _no_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return []


def _zas_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    L, d, Phi = inst["L"], inst["d"], inst["Phi"]
    prob = Problem.for_target(Phi, (d,) * (L + 1))
    Ws = [ops.asarray(W) for W in rs.zas_init(L, d)]
    P = ops.asarray(Phi)
    ctx = f"L={L}, d={d}"
    R = network.loss(ops, prob, Ws)
    nP = ops.fro_norm(P)
    conds = [Condition("W_{L:1}(0) = 0", ops.fro_norm(network.partial_product(ops, Ws, 1, L)),
                       "==", ops.scalar(0), ctx),
             Condition("R(0) = 1/2 ||Phi||_F^2", R, "==", ops.scalar(p["half"]) * nP * nP, ctx)]
    for l in range(1, L):
        A, B = Ws[l], Ws[l - 1]
        D = ops.sub(ops.matmul(ops.transpose(A), A), ops.matmul(B, ops.transpose(B)))
        if l < L - 1:
            conds.append(Condition("D_l(0) = 0 (l <= L-2)", ops.fro_norm(D), "==",
                                   ops.scalar(0), ctx + f", l={l}"))
        else:
            conds.append(Condition("D_{L-1}(0) = -I", ops.fro_norm(ops.add(D, ops.eye(d))),
                                   "==", ops.scalar(0), ctx))
    G = network.gradients(ops, prob, Ws)
    for l, g in enumerate(G[:-1], start=1):
        conds.append(Condition("grad_l R(0) = 0 (l < L)", ops.fro_norm(g), "==", ops.scalar(0),
                               ctx + f", l={l}"))
    conds.append(Condition("grad_L R(0) = -Phi", ops.fro_norm(ops.add(G[-1], ops.scale(
        ops.scalar(p["gcoef"]), P))), "==", ops.scalar(0), ctx))
    W1 = network.gd_step(ops, prob, Ws, inst["eta"])
    conds.append(Condition("W_L(1) = eta Phi", ops.fro_norm(ops.sub(W1[-1], ops.scale(
        ops.scalar(inst["eta"]), P))), "==", ops.scalar(0), ctx))
    return conds


register(Result(
    id="wwm19.def3_1", title="ZAS initialization (3.1) and its t = 0 facts",
    source=Source(PAPER, "§3", "eq. (3.1)"),
    statement=r"W_l(0)=I\ (l<L),\ W_L(0)=0",
    kind="definition", check=Deterministic(_zas_sample, _no_hyp, _zas_concl),
    params={"d_choices": [1, 2, 3, 5], "L_choices": [1, 2, 3, 5, 10], "half": 0.5,
            "gcoef": 1.0},
    broken={"gcoef": 2.0}, instances=12, certifiable=True,
    notes="S5: W_{L:1}(0) = 0, R(0) = ||Phi||^2/2, D_l(0) = 0, D_{L-1}(0) = -I, grad_l = 0 "
          "(l < L), grad_L = -Phi, W_L(1) = eta Phi; exact (rational Phi). For L = 1 there "
          "are no D's. Broken: grad_L(0) = -2 Phi."))


# ------------------------------------------------------------------------------ def4_3 / eq2_3
def _rand_sample(rng: np.random.Generator, p: Params) -> Instance:
    d, L = int(rng.choice(p["d_choices"])), int(rng.choice(p["L_choices"]))
    Ws = [np.round(np.eye(d) + 0.5 * rng.standard_normal((d, d)), 3) for _ in range(L)]
    return {"L": L, "d": d, "Ws": Ws, "Phi": np.round(rng.standard_normal((d, d)), 3)}


def _engine_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """The engine (float64, boundcheck.model.residual) against the direct formula in ops."""
    Ws_np, Phi = inst["Ws"], inst["Phi"]
    L, d = inst["L"], inst["d"]
    Ws = [ops.asarray(W) for W in Ws_np]
    ctx = f"L={L}, d={d}"
    scale = max(1.0, max(float(np.linalg.norm(W, 2)) for W in Ws_np)) ** (2 * L)
    tol = 8 * (L + 2) * d * EPS * scale
    conds = []
    if p["what"] == "D":
        for l, De in enumerate(rs.invariants(Ws_np), start=1):
            A, B = Ws[l], Ws[l - 1]
            if p["order"] == "printed":
                D = ops.sub(ops.matmul(ops.transpose(A), A), ops.matmul(B, ops.transpose(B)))
            else:
                D = ops.sub(ops.matmul(A, ops.transpose(A)), ops.matmul(ops.transpose(B), B))
            conds.append(Condition("engine D_l = W_{l+1}^T W_{l+1} - W_l W_l^T",
                                   ops.fro_norm(ops.sub(ops.asarray(De), D)), "==", ops.scalar(0),
                                   ctx + f", l={l}", float_tol=tol))
            conds.append(Condition("D_l symmetric", ops.fro_norm(ops.sub(D, ops.transpose(D))),
                                   "==", ops.scalar(0), ctx + f", l={l}"))
    else:
        prob = Problem.for_target(Phi, (d,) * (L + 1))
        E = ops.sub(network.partial_product(ops, Ws, 1, L), ops.asarray(Phi))
        n = ops.fro_norm(E)
        R_direct = ops.scalar(p["half"]) * n * n
        conds.append(Condition("engine R = 1/2 ||W_L...W_1 - Phi||_F^2", ops.scalar(
            rs.loss(Ws_np, Phi)), "==", R_direct, ctx,
            float_tol=tol * (1 + float(np.linalg.norm(Phi)) ** 2)))
        conds.append(Condition("network loss (ops) = 1/2 ||W_{L:1} - Phi||_F^2",
                               network.loss(ops, prob, Ws), "==", R_direct, ctx))
    return conds


register(Result(
    id="wwm19.def4_3", title="Invariant matrices (4.3) D_l = W_{l+1}^T W_{l+1} - W_l W_l^T",
    source=Source(PAPER, "§4.1", "eq. (4.3)"), statement=r"D_l=W_{l+1}^\top W_{l+1}-W_lW_l^\top",
    kind="definition", check=Deterministic(_rand_sample, _no_hyp, _engine_concl),
    params={"d_choices": [1, 2, 3], "L_choices": [2, 3, 5], "what": "D", "order": "printed"},
    broken={"order": "swapped"}, instances=12,
    notes="Not certifiable by nature: it tests the float64 engine's output against the "
          "definition; under ball the engine's rounded value is (correctly) refuted as "
          "not exactly equal. "
          "Engine (float64) vs the definition in ops (rounding allowance from the "
          "product error bound). Broken: W_{l+1} W_{l+1}^T - W_l^T W_l."))
register(Result(
    id="wwm19.eq2_3", title="Whitened objective (2.3) R = 1/2 ||W_L...W_1 - Phi||_F^2",
    source=Source(PAPER, "§2", "eq. (2.3)"),
    statement=r"\mathcal R=\tfrac12\|W_L\cdots W_1-\Phi\|_F^2",
    kind="definition", check=Deterministic(_rand_sample, _no_hyp, _engine_concl),
    params={"d_choices": [1, 2, 3], "L_choices": [1, 2, 3, 5], "what": "R", "half": 0.5},
    broken={"half": 1.0}, instances=12,
    notes="Not certifiable by nature: it tests the float64 engine's output against the "
          "definition; under ball the engine's rounded value is (correctly) refuted as "
          "not exactly equal. "
          "Engine loss (float64) and the ops loss against the direct formula with the 1/2. "
          "Broken: without the 1/2. The X X^T = I reduction of (2.2) is in wwm19.eq2_2."))


# ------------------------------------------------------------------------------ eq5_1
def _ni_sample(rng: np.random.Generator, p: Params) -> Instance:
    d, L = int(rng.choice([1, 3, 5, 25])), int(rng.choice([2, 6, 20]))
    reps = max(1, 2000 // (L * d * d))
    U = np.concatenate([np.concatenate([(W - np.eye(d)).ravel() for W in
                                        rs.near_identity_init(rng, L, d)]) for _ in range(reps)])
    return {"L": L, "d": d, "U": U}


def _ni_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    U, L, d = inst["U"], inst["L"], inst["d"]
    n = U.size
    v = float(np.mean(U * U)) * d * L
    half = 5.0 * math.sqrt(2.0 / n)  # 5 standard errors of the chi-square mean
    ctx = f"L={L}, d={d}, n={n} entries"
    return [Condition("d L * mean(U_ij^2) within 5 s.e. of 1 (var = 1/(dL))", ops.scalar(
        abs(v - p["var_factor"])), "<=", ops.scalar(half), ctx),
            Condition("|mean(U_ij)| within 5 s.e. of 0", ops.scalar(abs(float(np.mean(U)))), "<=",
                      ops.scalar(5.0 / math.sqrt(n * d * L)), ctx)]


register(Result(
    id="wwm19.eq5_1", title="Near-identity initialization (5.1)",
    source=Source(PAPER, "§5", "eq. (5.1)"),
    statement=r"W_l=I+U_l,\ (U_l)_{ij}\sim\mathcal N(0,1/(dL)),\ l=1..L",
    kind="definition", check=Deterministic(_ni_sample, _no_hyp, _ni_concl),
    params={"var_factor": 1.0}, broken={"var_factor": 1.3}, instances=12,
    notes="Not certifiable: a statistical moment band on the sampler. "
          "The engine's sampler (all L layers perturbed) checked against the stated variance "
          "(5-sigma moment bands; ~1 chance in 10^6 of a false alarm). Broken: variance 1.3/(dL). "
          "Not searchable: a moment test of the generator, which an adversarial choice "
          "sequence is free to break (the CMA-ES hunt did, at eval 12: a false positive).",
    searchable=False))


# ------------------------------------------------------------------------------ T2 manifold
def _manifold_sample(rng: np.random.Generator, p: Params) -> Instance:
    d, L = int(rng.choice(p["d_choices"])), int(rng.choice(p["L_choices"]))
    scale = float(rng.choice([0.01, 0.1, 0.3, 1.0])) * math.sqrt(1.0 / L)
    G = rng.standard_normal((d, d))
    Qs = [np.linalg.qr(rng.standard_normal((d, d)))[0] for _ in range(L - 1)]
    Ws = rs.exact_d_state(scale * G / np.linalg.norm(G, 2), [np.zeros((d, d))] * (L - 1), Qs)
    return {"L": L, "d": d, "Ws": Ws, "Phi": target(rng, d, str(rng.choice(KINDS)))}


def _manifold_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, L, d = inst["Ws"], inst["L"], inst["d"]
    nm = max(float(np.linalg.norm(W, 2)) for W in Ws) ** 2
    tol = 50 * d * L * EPS * nm
    Ds = rs.invariants(Ws)
    conds = [Condition("D_l = 0 (l <= L-2) up to rounding of T2", ops.scalar(float(
        np.linalg.norm(D, 2))), "<=", ops.scalar(tol), f"l={l}") for l, D in
        enumerate(Ds[:-1], start=1)]
    conds.append(Condition("D_{L-1} = -I up to rounding of T2", ops.scalar(float(
        np.linalg.norm(Ds[-1] + np.eye(d), 2))), "<=", ops.scalar(tol)))
    return conds


def _manifold_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, L, d, Phi = inst["Ws"], inst["L"], inst["d"], inst["Phi"]
    ctx = f"L={L}, d={d}"
    nm = max(float(np.linalg.norm(W, 2)) for W in Ws)
    if p["what"] == "prod":
        P = rs.product(Ws[:-1], d)
        M = np.eye(d) + Ws[-1].T @ Ws[-1]
        Mk = np.linalg.matrix_power(M, L - 1 + p["shift"])
        res = float(np.linalg.norm(P @ P.T - Mk, 2))
        return [Condition("W_{L-1:1} W_{L-1:1}^T = (I + W_L^T W_L)^{L-1}", ops.scalar(res),
                          "<=", ops.scalar(0.0), ctx,
                          float_tol=200 * d * L * L * EPS * nm ** (2 * L))]
    G = kernels.gradients(Problem.for_target(Phi, (d,) * (L + 1)), Ws)[-1]
    R = rs.loss(Ws, Phi)
    lam = float(np.linalg.eigvalsh(np.linalg.matrix_power(np.eye(d) + Ws[-1].T @ Ws[-1],
                                                          L - 1))[0])
    g2 = float(np.sum(G * G))
    tol = 200 * d * L * EPS * nm ** (2 * L) * (R + 1)
    return [Condition("(4.4) ||grad_L R||_F^2 >= 2 lambda_min((I+W_L^T W_L)^{L-1}) R",
                      ops.scalar(g2), ">=", ops.scalar(p["c"] * lam * R), ctx, float_tol=tol),
            Condition("(4.4) ... >= 2 R", ops.scalar(g2), ">=", ops.scalar(p["c"] * R), ctx,
                      float_tol=tol)]


_MAN = dict(kind="identity", check=Deterministic(_manifold_sample, _manifold_hyp,
                                                 _manifold_concl), instances=16,
            profiles={"full": {"L_choices": [2, 5, 20, 50, 100, 200],
                               "d_choices": [1, 2, 5, 10, 20], "instances": 100}})
register(Result(
    id="wwm19.id4_prod", title="Balanced-product identity on the exact invariant manifold",
    source=Source(PAPER, "§4.1, proof of Theorem 4.1"),
    statement=r"D_l=0\ (l\le L-2),\ D_{L-1}=-I\Rightarrow W_{L-1:1}W_{L-1:1}^\top"
              r"=(I+W_L^\top W_L)^{L-1}",
    params={"d_choices": [1, 2, 3, 5], "L_choices": [2, 3, 5, 10, 20], "what": "prod",
            "shift": 0}, broken={"shift": 1},
    notes="Not certifiable by nature: it tests the float64 engine's output against the "
          "definition; under ball the engine's rounded value is (correctly) refuted as "
          "not exactly equal. "
          "T2 states with S = 0 and Haar Q_l (float64; residual within the product's "
          "rounding bound). The telescoping step is exact in wwm19.id4_prod[telescoping]. "
          "Broken: exponent L.", **_MAN))
register(Result(
    id="wwm19.eq4_4", title="(4.4): ||grad_L R||^2 >= 2 lambda_min((I+W_L^T W_L)^{L-1}) R >= 2R",
    source=Source(PAPER, "§4.1, proof of Theorem 4.1", "eq. (4.4)"),
    statement=r"\|\nabla_L\mathcal R\|_F^2\ge2\lambda_{\min}((I+W_L^\top W_L)^{L-1})\mathcal R"
              r"\ge2\mathcal R",
    params={"d_choices": [1, 2, 3, 5, 8], "L_choices": [2, 3, 5, 10, 30, 50], "what": "grad",
            "c": 2.0}, broken={"c": 2.5},
    notes="Not certifiable: state-wise on float64 T2 states, which lie on the invariant "
          "manifold only up to rounding (the second inequality needs the exact manifold). "
          "Along the exact flow from ZAS, (4.4) is certified inside wwm19.thm4_1 ('state-wise "
          "(4.4) for all t', validated enclosure). "
          "State-wise on the exact invariant manifold (T2, S = 0; float64). Broken: 2.5.",
    **{**_MAN, "kind": "inequality"}))


# ------------------------------------------------------------------------------ Thm 4.1
def _flow_sample(rng: np.random.Generator, p: Params) -> Instance:
    if rng.random() < p["scalar_frac"]:
        L = int(rng.choice(p["L_scalar"]))
        return {"L": L, "d": 1, "scalar": True,
                "c": float(rng.choice([-1.0, -0.3, 0.5, 2.0, -3.0]))}
    d, L = int(rng.choice(p["d_choices"])), int(rng.choice(p["L_choices"]))
    return {"L": L, "d": d, "scalar": False, "Phi": target(rng, d, str(rng.choice(KINDS)))}


def _scalar_flow(c: float, L: int, t_end: float, ts: np.ndarray) -> tuple[np.ndarray, Any]:
    """T3 flow on the manifold a^2 = 1 + b^2: b' = -(b (1+b^2)^{(L-1)/2} - c)(1+b^2)^{(L-1)/2}."""
    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        b = y[0]
        q = (1 + b * b) ** ((L - 1) / 2)
        return np.array([-(b * q - c) * q])

    sol = solve_ivp(rhs, (0, t_end), [0.0], method="DOP853", t_eval=ts, rtol=1e-12,
                    atol=1e-15)
    b = sol.y[0]
    R = 0.5 * (b * (1 + b * b) ** ((L - 1) / 2) - c) ** 2
    return R, b


_ENC: dict[tuple, Any] = {}
#: full-matrix flows certified up to this many weights (L d^2; measured: 20 in ~40 s); larger
#: instances (the full profile's L = 20, d = 5) are undecided under a certified backend
MAX_CERT_WEIGHTS = 45


def _enclosure(inst: Instance, t_end: float) -> Any:
    """The validated enclosure of the instance's flow on [0, t_end] (cached by content: the
    detection-threshold bisection re-evaluates the same instances with other rates)."""
    from boundcheck.certify.flow_enclosure import enclose_flow, enclose_scalar_zas

    L, d = int(inst["L"]), int(inst["d"])
    if inst["scalar"]:
        key: tuple = ("s", float(inst["c"]), L, float(t_end))
    else:
        Phi = np.asarray(inst["Phi"], dtype=np.float64)
        key = ("m", Phi.tobytes(), Phi.shape, L, float(t_end))
    if key not in _ENC:
        if len(_ENC) > 64:
            _ENC.clear()
        if inst["scalar"]:
            _ENC[key] = enclose_scalar_zas(inst["c"], L, t_end, order=12)
        else:
            _ENC[key] = enclose_flow(rs.zas_init(L, d), inst["Phi"], t_end, order=16)
    return _ENC[key]


def _minors(M: list[list[Any]]) -> list[Any]:
    """All principal minors of a d x d matrix, d <= 3 (Sylvester: PSD iff all >= 0)."""
    d = len(M)
    out = [M[i][i] for i in range(d)]
    if d >= 2:
        out += [M[i][i] * M[j][j] - M[i][j] * M[j][i] for i in range(d) for j in range(i + 1, d)]
    if d == 3:
        out.append(M[0][0] * (M[1][1] * M[2][2] - M[1][2] * M[2][1])
                   - M[0][1] * (M[1][0] * M[2][2] - M[1][2] * M[2][0])
                   + M[0][2] * (M[1][0] * M[2][1] - M[1][1] * M[2][0]))
    return out


def _sufficient_mono(enc: Any, inst: Instance, obs: Any, two_minus_k: Any) -> bool:
    if inst["scalar"]:
        ext = enc.extremes(lambda xs, ts: 2 * (obs(xs)["rate"] - 1) + two_minus_k, order=8)
        return bool(ext["complete"] and ext["min"] >= 0)
    d = int(inst["d"])
    if d > 3:
        return False
    for i in range(d + d * (d - 1) // 2 + (1 if d == 3 else 0)):
        ext = enc.extremes(lambda xs, ts, i=i: _minors(obs(xs)["M"])[i], order=8)
        if not (ext["complete"] and ext["min"] >= 0):
            return False
    return True


def _thm41_certified(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Theorem 4.1 on the validated enclosure of the exact flow (scalar reduction T3 or the
    full matrix flow): every "for all t" is decided on each step's Taylor model over the
    whole step interval (boundcheck.certify.flow_enclosure), not on grid points."""
    from flint import arb

    from boundcheck.certify.flow_enclosure import _Prec, relative_radius

    n = int(inst["L"]) * int(inst["d"]) ** 2  # the T3 reduction integrates one variable
    if not inst["scalar"] and (n > MAX_CERT_WEIGHTS or int(inst["d"]) > 3):
        return [Condition("(4.2) max_t e^{2t} R(t) <= R(0) (validated flow)", ops.scalar(
            math.nan), "<=", ops.scalar(0), f"L={inst['L']}, d={inst['d']}: {n} weights, "
            f"beyond the validated integrator's size here (<= {MAX_CERT_WEIGHTS}, d <= 3)")]
    enc = _enclosure(inst, p["t_end"])
    k = arb(p["rate"])
    L, d = inst["L"], inst["d"]
    obs = enc.system.observables

    def ratio(xs: Any, ts: Any) -> Any:
        return (k * ts).exp() * obs(xs)["R"]

    two_minus_k = 2 - k

    def mono(xs: Any, ts: Any) -> Any:
        """||grad R||^2 - k R, with the cancellation of ||grad_L R||^2 - 2R done exactly."""
        o = obs(xs)
        if inst["scalar"]:
            return o["R"] * (2 * (o["rate"] - 1) + two_minus_k)
        return o["gap44"] + o["grad_lower2"] + two_minus_k * o["R"]

    with _Prec(enc.prec, 8):  # R(0) of the exact start (ZAS / b = 0)
        z0 = [arb(0)] if inst["scalar"] else [arb(float(x)) for W in rs.zas_init(L, d)
                                              for x in W.ravel().tolist()]
        R0 = obs(z0)["R"]
    what = (f"T3 scalar reduction, c={inst['c']}" if inst["scalar"] else "full matrix flow")
    ctx = (f"L={L}, d={d}, {what}"
           f", validated enclosure on [0, {p['t_end']}]: {len(enc.steps)} steps, "
           f"{'complete' if enc.complete else 'INCOMPLETE: ' + enc.message}, final rel. radius "
           f"{relative_radius(enc.final):.2g}")
    mn = enc.extremes(mono, order=8)
    how = "direct Taylor-model bounds"
    if not mn["min"] >= 0 and k <= 2 and mn["complete"] and not mn["min"] < 0:
        # sufficient route (the paper's): ||grad R||^2 - kR = tr(E (P^T P - I) E^T)
        # + sum_{l<L} ||grad_l R||^2 + (2-k) R >= 0 when P^T P - I is PSD (all principal
        # minors >= 0, each certified for all t); for the scalar reduction the factor R >= 0
        # is dropped: 2((1+b^2)^{L-2}(1+Lb^2) - 1) + 2 - k >= 0.
        ok = _sufficient_mono(enc, inst, obs, two_minus_k)
        if ok:
            # the lhs becomes the certified lower bound 0 of the minimum (its upper bound,
            # from the direct bounds, is reported in the context)
            how_hi = float(mn["min"].upper())
            mn["min"] = arb(0)
            mn["steps"] = [{**b, "inf_lo": arb(0)} for b in mn["steps"]]
            how = ("P^T P - I PSD for all t (principal minors)" if not inst["scalar"]
                   else "normalized: 2(rate - 1) + 2 - k >= 0 for all t")
            how += f" (lhs: its lower bound; min <= {how_hi:.3g})"
    ctx += f"; min via {how}"
    # d/dt e^{kt} R = -e^{kt} (||grad R||^2 - k R): where mono >= 0 is certified on a step,
    # the ratio is non-increasing there
    down = [bool(b["inf_lo"] >= 0) for b in mn["steps"]]
    mx = enc.extremes(ratio, order=8, nonincreasing=down)
    conds = []
    if inst["scalar"]:
        sw = enc.extremes(lambda xs, ts: obs(xs)["rate"] - 1, order=8)
        conds.append(Condition("state-wise for all t: -dR/dt / (2R) - 1 = (1+b^2)^{L-2}"
                               "(1+L b^2) - 1 >= 0", ops.scalar(sw["min"]), ">=",
                               ops.scalar(0), ctx))
    else:
        sw = enc.extremes(lambda xs, ts: obs(xs)["gap44"], order=8)
        if not sw["min"] >= 0 and not sw["min"] < 0 and sw["complete"] and _sufficient_mono(
                enc, inst, obs, arb(0)):
            sw["min"] = arb(0)  # certified lower bound of the minimum
        conds.append(Condition("state-wise (4.4) for all t: ||grad_L R||^2 - 2R >= 0",
                               ops.scalar(sw["min"]), ">=", ops.scalar(0), ctx))
    conds.append(Condition("(4.2) max_{t in [0,T]} e^{2t} R(t) <= R(0)", ops.scalar(mx["max"]),
                           "<=", ops.scalar(R0), ctx))
    conds.append(Condition("e^{2t} R(t) non-increasing on [0,T]: min_t ||grad R||^2 - 2R >= 0",
                           ops.scalar(mn["min"]), ">=", ops.scalar(0), ctx))
    return conds


def _thm41_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    if getattr(ops, "certified", False):
        return _thm41_certified(inst, ops, p)
    L, d = inst["L"], inst["d"]
    ts = np.linspace(0.0, p["t_end"], p["grid"])
    k = p["rate"]
    if inst["scalar"]:
        c = inst["c"]
        R, b = _scalar_flow(c, L, p["t_end"], ts)
        R0 = 0.5 * c * c
        tol = 1e-9 * R0
        ctx = f"T3 scalar flow, L={L}, c={c}, rtol 1e-12"
        rate = np.array([rs.scalar_flow_rate(x, L) for x in b])
        conds = [Condition("state-wise: -dR/dt / (2R) = (1+b^2)^{L-2}(1+L b^2) >= 1",
                           ops.scalar(float(rate.min())), ">=", ops.scalar(1.0), ctx)]
    else:
        Phi = inst["Phi"]
        prob = Problem.for_target(Phi, (d,) * (L + 1))

        def gl2(Ws: list[np.ndarray]) -> float:
            g = kernels.gradients(prob, Ws)[-1]
            return float(np.sum(g * g))

        run = run_flow(prob, rs.zas_init(L, d), p["t_end"], ts,
                       {"loss": lambda Ws: rs.loss(Ws, Phi), "gL2": gl2}, rtol=1e-10,
                       atol=1e-12)
        R = np.asarray(run.records["loss"])
        R0 = rs.loss(rs.zas_init(L, d), Phi)
        est = run.max_error_estimate
        scale = max(1.0, float(np.max(np.abs(run.final[0])))) ** (2 * L)
        # absolute error of R(t) ~ ||E|| (L+1) scale est, amplified by e^{2t} in the ratio
        tol = (max(20 * est, 1e-12) * (L + 1) * scale * math.exp(k * p["t_end"])
               * max(math.sqrt(2 * R0), R0, 1e-300) + 1e-14 * R0)
        ctx = (f"L={L}, d={d}, DOP853 est. global rel. error {est:.2g}"
               f"{'' if run.within_tolerance else ' (ABOVE requested 1e-10)'}")
        g = np.asarray(run.records["gL2"])
        sw = g - 2 * R
        conds = [Condition("state-wise (4.4) at grid states: ||grad_L R||^2 - 2R >= 0",
                           ops.scalar(float(sw.min())), ">=", ops.scalar(0.0), ctx,
                           float_tol=tol * 4)]
        if not run.success:
            return [Condition("flow integrated", ops.scalar(math.nan), "<=", ops.scalar(0.0),
                              ctx + run.message)]
    ratio = np.exp(k * ts) * R
    conds.append(Condition("(4.2) max_t e^{2t} R(t) <= R(0)", ops.scalar(float(ratio.max())),
                           "<=", ops.scalar(R0), ctx, float_tol=tol))
    inc = float(np.max(np.diff(ratio))) if ratio.size > 1 else 0.0
    conds.append(Condition("e^{2t} R(t) non-increasing on the grid", ops.scalar(inc), "<=",
                           ops.scalar(0.0), ctx, float_tol=tol))
    return conds


_FLOW_P = {"d_choices": [1, 2, 3], "L_choices": [1, 2, 3, 5], "L_scalar": [20, 50, 100, 200],
           "scalar_frac": 0.3, "t_end": 4.0, "grid": 161, "rate": 2.0}
register(Result(
    id="wwm19.thm4_1", title="Theorem 4.1: gradient flow from ZAS, R(t) <= e^{-2t} R(0)",
    source=Source(PAPER, "§4.1, Theorem 4.1", "eq. (4.2)"),
    statement=r"\mathcal R(t)\le e^{-2t}\mathcal R(0)\ \forall t\ge0,\ \forall\Phi,L,d",
    kind="theorem", check=Deterministic(_flow_sample, _no_hyp, _thm41_concl),
    params=_FLOW_P, profiles={"full": {"L_choices": [1, 2, 3, 5, 10, 20], "d_choices":
                                       [1, 2, 3, 5], "instances": 60, "t_end": 8.0}},
    broken={"rate": 2.6}, instances=12, certifiable=True,
    notes="Certified under ball/arb on the validated enclosure of the exact flow "
          "(boundcheck.certify.flow_enclosure: arb Taylor series + a-priori box + Lagrange "
          "remainder; Lohner QR for the matrix flow, monotone endpoints for T3), every "
          "'for all t in [0, T]' on each step's Taylor model over the whole step; the bound is "
          "tight at t = 0 (margin 0: the max of e^{2t}R is R(0), reached at t = 0), decided "
          "through exact zero Taylor coefficients and e^{2t}R non-increasing (||grad R||^2 >= "
          "2R, via P^T P - I PSD). Float64 path: "
          "Full matrices (DOP853, global error estimated against a 1e-4 x tighter run) for "
          "L <= 8 and the exact scalar reduction T3 for L = 20..200; float64, not certified "
          "under float64. Also state-wise (4.4) at every grid state. Broken: "
          "rate 2.6 (the bound is tight at t = 0)."))


# ------------------------------------------------------------------------------ Remark 4.1
def _rem_sample(rng: np.random.Generator, p: Params) -> Instance:
    if p["part"] == "a":
        dims = [list(x) for x in ([2, 4, 5, 4, 3], [1, 3, 3, 1], [3, 3, 6, 6, 2], [2, 3, 2],
                                  [2, 5, 1])][int(rng.integers(0, 5))]
        return {"dims": dims, "Phi": rng.standard_normal((dims[-1], dims[0]))}
    dx = int(rng.choice([2, 3, 4]))
    n = int(rng.integers(1, dx + 1))
    L = int(rng.choice([2, 3, 4]))
    X = rng.standard_normal((dx, n))
    dy = int(rng.choice([1, 2, 3]))
    # Y is part of the instance (stored with a counterexample, searchable by the falsifier)
    return {"dims": [dx] * L + [dy], "X": X, "Y": rng.standard_normal((dy, n)), "n": n}


def _rem_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    dims = inst["dims"]
    L = len(dims) - 1
    ts = np.linspace(0.0, p["t_end"], p["grid"])
    W0 = []
    for i in range(1, L):
        W = np.zeros((dims[i], dims[i - 1]))
        W[: dims[0], : dims[0]] = np.eye(dims[0])
        W0.append(W)
    W0.append(np.zeros((dims[L], dims[L - 1])))
    if p["part"] == "a":
        Phi = inst["Phi"]
        prob = Problem.for_target(Phi, tuple(dims))
        lam = 1.0
    else:
        X = inst["X"]
        prob = Problem(X=X, Y=inst["Y"], dims=tuple(dims))
        lam = float(np.linalg.eigvalsh(X.T @ X)[0])
    run = run_flow(prob, W0, p["t_end"], ts, rtol=1e-10, atol=1e-12)
    R = np.asarray(run.records["loss"])
    R0 = float(R[0])
    est = run.max_error_estimate
    tol = (max(20 * est, 1e-12) * (L + 1) * 10 * math.exp(2 * p["k"] * lam * p["t_end"])
           * max(math.sqrt(2 * R0), R0) + 1e-14 * R0)
    ratio = np.exp(p["k"] * 2 * lam * ts) * R
    ctx = f"dims={dims}, lambda={lam:.3g}, est. err {est:.2g}"
    conds = [Condition("max_t e^{2 lambda t} R(t) <= R(0)", ops.scalar(float(ratio.max())),
                       "<=", ops.scalar(R0), ctx, float_tol=tol)]
    return conds


def _rem_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    dims = inst["dims"]
    conds = [Condition("d_l >= d_0 (l < L)", ops.scalar(min(dims[1:-1])), ">=",
                       ops.scalar(dims[0]))]
    if p["part"] == "b":
        X = inst["X"]
        conds.append(Condition("lambda_min(X^T X) > 0", ops.eigvalsh_min(ops.matmul(
            ops.transpose(ops.asarray(X)), ops.asarray(X))), ">", ops.scalar(0)))
    return conds


register(Result(
    id="wwm19.rem4_1a", title="Remark 4.1(1): rectangular layers, embedded-identity ZAS",
    source=Source(PAPER, "§4.1, Remark after Theorem 4.1, part (1)"),
    statement=r"d_l\ge d_0,\ W_l(0)=[I\ 0;0\ 0],\ W_L(0)=0\Rightarrow\mathcal R(t)\le "
              r"e^{-2t}\mathcal R(0)",
    kind="remark", check=Deterministic(_rem_sample, _rem_hyp, _rem_concl),
    params={"part": "a", "t_end": 2.5, "grid": 101, "k": 1.0}, broken={"k": 1.3},
    instances=10,
    notes="Not certifiable: float ODE flow (DOP853). The validated integrator "
          "(boundcheck.certify.flow_enclosure, MatrixFlow with rectangular dims) applies in "
          "principle, but these instances have 12..75 weights, beyond the Lohner path's "
          "measured practical size (L d^2 <= 20 in minutes); not converted. "
          "Holds with lambda_min read on the d_0 x d_0 Gram matrix (catalog §7.9); the "
          "discrete-time rectangular claim of §1 is not proved in the paper and not tested. "
          "Float64 flow, not certified. Broken: rate 2.6."))
register(Result(
    id="wwm19.rem4_1b", title="Remark 4.1(2): un-whitened data, rate 2 lambda_min(X^T X)",
    source=Source(PAPER, "§4.1, Remark after Theorem 4.1, part (2)"),
    statement=r"\lambda_X=\lambda_{\min}(X^\top X)>0\Rightarrow\tilde{\mathcal R}(t)\le "
              r"e^{-2\lambda_Xt}\tilde{\mathcal R}(0)",
    kind="remark", check=Deterministic(_rem_sample, _rem_hyp, _rem_concl),
    params={"part": "b", "t_end": 2.0, "grid": 81, "k": 1.0}, broken={"k": 8.0},
    instances=10,
    notes="Not certifiable: float ODE flow (DOP853) and lambda_X from float64 eigvalsh in "
          "the rate; the validated integrator (MatrixFlow.data) applies in principle but the "
          "instances have up to ~50 weights; not converted. "
          "X^T X (n x n), so n <= d_x (the nonvacuous regime). Float64 flow. Broken: rate "
          "16 lambda_X."))
