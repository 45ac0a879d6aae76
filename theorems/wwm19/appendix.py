"""wwm19 Appendix A lemmas (A.1-A.6, the binomial inequalities) and their main-text forms
(Lemmas 4.4-4.6, (4.8)), state-wise, in the ``ops`` vocabulary (certifiable).

Wu, Wang & Ma, NeurIPS 2019, App. A.1-A.2. States come from the exact-D generator T2
(:func:`boundcheck.model.residual.exact_d_state`): prescribed invariants ``D_l = -S_l``,
``I + D_{L-1} = -S_{L-1}`` with ``||S||`` at 50-99 % of the lemma thresholds, adversarial
directions ``S = +sI`` (norms grow toward the input), ``-sI`` and random symmetric ones.
The float64 state is the instance (taken as exact); every hypothesis (the norm bounds with
the sampler's alpha, delta, epsilon, phi) is re-checked in ``ops`` before the conclusion
counts. Maxima in the statements are expanded into one condition per layer.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import network
from boundcheck.model import residual as rs
from boundcheck.model.problem import Problem
from theorems.wwm19 import PAPER


# ------------------------------------------------------------------------------ helpers
def _sym_dir(rng: np.random.Generator, d: int, mode: str) -> np.ndarray:
    if mode == "plus":
        return np.eye(d)
    if mode == "minus":
        return -np.eye(d)
    G = rng.standard_normal((d, d))
    S = G + G.T
    return S / np.linalg.norm(S, 2)


def t2_sample(rng: np.random.Generator, p: Params) -> Instance:
    """T2 state with delta, epsilon at a fraction of the thresholds of Lemmas A.2/A.3."""
    d = int(rng.choice(p["d_choices"]))
    L = int(rng.choice(p["L_choices"]))
    phi = max(float(rng.choice(p["phi_choices"])), math.e / math.sqrt(L), 1.0)
    adv = p.get("adversarial_modes", True)  # False: random directions, Gaussian targets
    mode = str(rng.choice(p.get("modes", ["plus", "minus", "random"]) if adv else ["random"]))
    f = float(rng.uniform(0.5, 0.99))
    delta_t, eps_t = 1.0 / (2 * L**3 * phi**2), 1.0 / (4 * L**2)
    S = [f * delta_t * _sym_dir(rng, d, mode) for _ in range(L - 2)]
    S.append(f * eps_t * _sym_dir(rng, d, mode))
    # W_L scaled so that alpha^{2(L-1)} stays below L phi^2 (beta^2 ~ log(L phi^2)/L)
    beta = float(rng.uniform(0.0, p["beta_frac"])) * math.sqrt(math.log(L * phi * phi) / L)
    G = rng.standard_normal((d, d))
    WL = beta * G / np.linalg.norm(G, 2)
    Qs = [np.linalg.qr(rng.standard_normal((d, d)))[0] if rng.random() < 0.5 else np.eye(d)
          for _ in range(L - 1)]
    try:
        Ws = rs.exact_d_state(WL, S, Qs)
    except ValueError:
        Ws = rs.zas_init(L, d)
    kind = str(rng.choice(["gauss", "minus_identity", "small"] if adv else ["gauss"]))
    if kind == "minus_identity":
        Phi = -np.eye(d)
    else:
        Phi = (0.05 if kind == "small" else float(rng.choice([0.3, 1.0, 3.0]))) * \
            rng.standard_normal((d, d))
    norms = [float(np.linalg.norm(W, 2)) for W in Ws]
    Ds = rs.invariants(Ws)
    up = 1 + 1e-9
    alpha = max(1.0, max(norms[:-1])) * up
    delta = max([float(np.linalg.norm(D, 2)) for D in Ds[:-1]], default=0.0) * up + 1e-300
    eps = float(np.linalg.norm(np.eye(d) + Ds[-1], 2)) * up + 1e-300
    P = rs.product(Ws, d)
    phi_a3 = max(float(np.linalg.norm(P, 2)), math.e / math.sqrt(L), 1.0) * up
    eta = float(rng.choice(p.get("eta_fracs", [1.0]))) / (144 * L**2 * phi**4)
    return {"Ws": Ws, "Phi": Phi, "L": L, "d": d, "mode": mode, "alpha": alpha,
            "beta": norms[-1] * up, "delta": delta, "eps": eps, "phi": phi, "phi_a3": phi_a3,
            "eta": eta, "f": f}


def _ops(inst: Instance, ops: Any) -> tuple[list[Any], Problem]:
    d = inst["d"]
    return [ops.asarray(W) for W in inst["Ws"]], Problem.for_target(
        np.asarray(inst["Phi"]), (d,) * (inst["L"] + 1))


def _D(ops: Any, Ws: list[Any], l: int) -> Any:
    """D_l (1-indexed) = W_{l+1}^T W_{l+1} - W_l W_l^T."""
    A, B = Ws[l], Ws[l - 1]
    return ops.sub(ops.matmul(ops.transpose(A), A), ops.matmul(B, ops.transpose(B)))


def _ctx(inst: Instance) -> str:
    return (f"L={inst['L']}, d={inst['d']}, S-mode={inst['mode']}, f={inst['f']:.2f}, "
            f"phi={inst['phi']:.3g}")


def _norm_hyps(inst: Instance, ops: Any, Ws: list[Any], alpha: Any, delta: Any, eps: Any
               ) -> list[Condition]:
    L, d, ctx = inst["L"], inst["d"], _ctx(inst)
    conds = [Condition("||W_l||_2 <= alpha", ops.spec_norm(W), "<=", alpha, ctx + f", l={i}")
             for i, W in enumerate(Ws[:-1], start=1)]
    conds += [Condition("||D_l||_2 <= delta", ops.spec_norm(_D(ops, Ws, l)), "<=", delta,
                        ctx + f", l={l}") for l in range(1, L - 1)]
    if L >= 2:
        conds.append(Condition("||I + D_{L-1}||_2 <= epsilon",
                               ops.spec_norm(ops.add(ops.eye(d), _D(ops, Ws, L - 1))), "<=",
                               eps, ctx))
    return conds


# ------------------------------------------------------------------------------ Lemma A.1
def _a1_sample(rng: np.random.Generator, p: Params) -> Instance:
    if rng.random() < 0.5:
        return t2_sample(rng, p)
    d, L = int(rng.choice(p["d_choices"])), int(rng.choice(p["L_choices"]))
    sig = float(rng.choice([1e-3, 1e-2, 0.1, 0.5]))
    Ws = [np.eye(d) + sig * rng.standard_normal((d, d)) / math.sqrt(d) for _ in range(L)]
    if d == 1 and rng.random() < 0.5:  # asymptotically tight family w_l^2 = w_{l+1}^2 + dl
        dl = sig * 1e-2
        w = [1.0]
        for _ in range(L - 1):
            w.append(math.sqrt(w[-1] ** 2 + dl))
        Ws = [np.array([[x]]) for x in w[::-1]]
    norms = [float(np.linalg.norm(W, 2)) for W in Ws]
    Ds = rs.invariants(Ws)
    return {"Ws": Ws, "Phi": np.zeros((d, d)), "L": L, "d": d, "mode": f"I+{sig}G",
            "alpha": max(norms[:-1]) * (1 + 1e-9),
            "delta": max([float(np.linalg.norm(D, 2)) for D in Ds[:-1]], default=0.0)
            * (1 + 1e-9) + 1e-300, "phi": 1.0, "f": 1.0}


def _a1_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    alpha, delta = ops.scalar(inst["alpha"]), ops.scalar(inst["delta"])
    ctx = _ctx(inst)
    conds = [Condition("||W_l||_2 <= alpha", ops.spec_norm(W), "<=", alpha, ctx + f", l={i}")
             for i, W in enumerate(Ws[:-1], start=1)]
    conds += [Condition("||D_l||_2 <= delta", ops.spec_norm(_D(ops, Ws, l)), "<=", delta,
                        ctx + f", l={l}") for l in range(1, inst["L"] - 1)]
    return conds


def _a1_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    alpha, delta = ops.scalar(inst["alpha"]), ops.scalar(inst["delta"])
    conds = []
    P = None
    for l in range(1, L):
        P = Ws[0] if P is None else ops.matmul(Ws[l - 1], P)
        G = ops.matmul(Ws[l - 1], ops.transpose(Ws[l - 1]))
        Gl = G
        for _ in range(l - 1):
            Gl = ops.matmul(Gl, G)
        lhs = ops.spec_norm(ops.sub(ops.matmul(P, ops.transpose(P)), Gl))
        rhs = ops.scalar(Fraction(l * (l - 1), 2)) * ops.scalar(p["c"]) * ops.power(
            alpha, 2 * (l - 1)) * delta
        conds.append(Condition("(A.2) ||W_{l:1}W_{l:1}^T - (W_l W_l^T)^l|| <= l(l-1)/2 "
                               "alpha^{2(l-1)} delta", lhs, "<=", rhs, ctx + f", l={l}"))
        if l == L - 1:
            conds.append(Condition("(A.1) ... <= 1/2 L^2 alpha^{2(L-2)} delta", lhs, "<=",
                                   ops.scalar(Fraction(L * L, 2)) * ops.scalar(p["c"])
                                   * ops.power(alpha, 2 * (L - 2)) * delta, ctx))
    return conds


_T2P = {"d_choices": [1, 2, 3], "L_choices": [2, 3, 4, 6, 10, 20], "phi_choices": [1.0, 1.5, 3.0],
        "beta_frac": 0.9}
register(Result(
    id="wwm19.lemA_1", title="Lemma A.1: products vs powers under approximate balance",
    source=Source(PAPER, "App. A.1, Lemma A.1", "eqs. (A.1), (A.2)"),
    statement=r"\|W_{l:1}W_{l:1}^\top-(W_lW_l^\top)^l\|_2\le\tfrac{l(l-1)}2\alpha^{2(l-1)}\delta",
    kind="lemma", check=Deterministic(_a1_sample, _a1_hyp, _a1_concl),
    params={**_T2P, "d_choices": [1, 1, 2, 3], "L_choices": [3, 4, 6, 10], "c": 1.0},
    profiles={"full": {"L_choices": [3, 5, 10, 20, 50], "d_choices": [1, 2, 3, 5],
                       "instances": 200}},
    broken={"c": 0.5}, instances=24, certifiable=True,
    notes="Random I + sigma G states, T2 states and the d = 1 family w_l^2 = w_{l+1}^2 + delta "
          "(ratio -> 1 as delta -> 0). Broken: constant l(l-1)/4."))


# ------------------------------------------------------------------------------ Lemma A.2
def _a2_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    alpha, phi = ops.scalar(inst["alpha"]), ops.scalar(inst["phi"])
    delta, eps = ops.scalar(inst["delta"]), ops.scalar(inst["eps"])
    conds = _norm_hyps(inst, ops, Ws, alpha, delta, eps)
    a2 = ops.power(alpha, 2 * (L - 1))
    conds += [Condition("1 <= alpha^{2(L-1)}", a2, ">=", ops.scalar(1), ctx),
              Condition("alpha^{2(L-1)} < L phi^2", a2, "<", ops.scalar(L) * phi * phi, ctx),
              Condition("delta <= 1/(2 L^3 phi^2)", delta, "<=",
                        ops.scalar(1) / (ops.scalar(2 * L**3) * phi * phi), ctx),
              Condition("epsilon <= 1/(4 L^2)", eps, "<=", ops.scalar(Fraction(1, 4 * L * L)),
                        ctx)]
    return conds


def _a2_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, prob = _ops(inst, ops)
    gL = network.gradients(ops, prob, Ws)[-1]
    R = network.loss(ops, prob, Ws)
    n = ops.fro_norm(gL)
    return [Condition("||grad_L R||_F^2 >= R", n * n, ">=", ops.scalar(p["c"]) * R,
                      _ctx(inst))]


_A2 = dict(source=Source(PAPER, "App. A.1, Lemma A.2"), kind="lemma",
           check=Deterministic(t2_sample, _a2_hyp, _a2_concl),
           params={**_T2P, "c": 1.0},
           profiles={"full": {"L_choices": [2, 3, 5, 10, 30, 100, 200], "instances": 300}},
           instances=30, certifiable=True)
register(Result(id="wwm19.lemA_2", title="Lemma A.2: gradient lower bound under (4.6)",
                statement=r"\|\nabla_L\mathcal R\|_F^2\ge\mathcal R", broken={"c": 3.0},
                notes="Broken: ||grad_L R||^2 >= 3R (true ratios ~2 when W_L is small).", **_A2))
register(Result(id="wwm19.eq4_8", title="(4.8): ||grad_L R||_F^2 >= R (explicit: Lemma A.2)",
                statement=r"\|\nabla_L\mathcal R\|_F^2\ge\mathcal R", broken={"c": 3.0},
                notes="(4.8) under the explicit hypotheses of Lemma A.2 (its only rigorous "
                      "form); along GD runs it is implied by wwm19.thm4_3's per-step check.",
                **{**_A2, "source": Source(PAPER, "§4.2", "eq. (4.8)"), "kind": "inequality"}))


# ------------------------------------------------------------------------------ Lemma A.3
def _a3_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    phi = ops.scalar(inst["phi_a3"])
    delta, eps = ops.scalar(inst["delta"]), ops.scalar(inst["eps"])
    P = network.partial_product(ops, Ws, 1, L)
    cands = [ops.spec_norm(P), ops.exp(ops.scalar(1)) / ops.sqrt(ops.scalar(L)),
             ops.scalar(1)]
    conds = [Condition("phi >= ||W_{L:1}||_2", phi, ">=", cands[0], ctx),
             Condition("phi >= e/sqrt(L)", phi, ">=", cands[1], ctx),
             Condition("phi >= 1", phi, ">=", cands[2], ctx),
             # phi <= (1 + 1e-8) c for the largest candidate c proves phi <= (1 + 1e-8) max
             Condition("phi <= max{...} (1 + 1e-8): phi is the lemma's own", phi, "<=",
                       cands[int(np.argmax([ops.mid(c) for c in cands]))]
                       * ops.scalar(1 + Fraction(1, 10**8)), ctx)]
    conds += [c for c in _norm_hyps(inst, ops, Ws, ops.scalar(math.inf), delta, eps)
              if not c.name.startswith("||W_l||")]
    conds += [Condition("delta <= 1/(2 L^3 phi^2)", delta, "<=",
                        ops.scalar(1) / (ops.scalar(2 * L**3) * phi * phi), ctx),
              Condition("epsilon <= 1/(4 L^2)", eps, "<=", ops.scalar(Fraction(1, 4 * L * L)),
                        ctx)]
    return conds


def _a3_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    phi = ops.scalar(inst["phi_a3"])
    beta = ops.spec_norm(Ws[-1])
    Lphi2 = ops.scalar(L) * phi * phi
    conds = [Condition("1 < L phi^2 (alpha >= 1 part)", ops.scalar(1), "<", Lphi2, ctx)]
    for i, W in enumerate(Ws[:-1], start=1):
        a2 = ops.power(ops.spec_norm(W), 2 * (L - 1))
        conds.append(Condition("(A.3) alpha^{2(L-1)} < L phi^2", a2, "<",
                               ops.scalar(p["c1"]) * Lphi2, ctx + f", l={i}"))
        conds.append(Condition("(A.3) alpha^{2(L-1)} beta^2 < 2 phi^2", a2 * beta * beta, "<",
                               ops.scalar(p["c2"]) * phi * phi, ctx + f", l={i}"))
    conds.append(Condition("(A.3) (alpha = 1 part) beta^2 < 2 phi^2", beta * beta, "<",
                           ops.scalar(p["c2"]) * phi * phi, ctx))
    return conds


def _a3_sample(rng: np.random.Generator, p: Params) -> Instance:
    inst = t2_sample(rng, p)
    return inst


_A3P = {**_T2P, "phi_choices": [1.0, 2.0, 4.0], "beta_frac": 1.6, "c1": 1.0, "c2": 2.0}
_A3 = dict(id="wwm19.lemA_3", source=Source(PAPER, "App. A.1, Lemma A.3", "eq. (A.3)"),
           kind="lemma", instances=30, certifiable=True,
           profiles={"full": {"L_choices": [2, 3, 5, 10, 30, 100, 200], "instances": 300}})
register(Result(**_A3, title="Lemma A.3: approximate invariances => weight bounds (A.3)",
                statement=r"\alpha^{2(L-1)}<L\phi^2,\ \alpha^{2(L-1)}\beta^2<2\phi^2,\ "
                          r"\phi=\max\{\|W_{L:1}\|_2,e/\sqrt L,1\}",
                check=Deterministic(_a3_sample, _a3_hyp, _a3_concl), params=_A3P,
                broken={"c1": 0.3, "c2": 0.3},
                notes="The conclusion (A.3), adversarial T2 states (S = +sI maximizes alpha; "
                      "W_L up to 1.6 sqrt(log(L phi^2)/L)); phi is the state's own. "
                      "Broken: L phi^2 and 2 phi^2 scaled by 0.3."))


# Lemma A.3 proof steps (ii) and (iii)
def _a3_step_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    conds = _a3_hyp(inst, ops, p)
    if inst["L"] < 3:
        conds.append(Condition("L >= 3 (a power step needs L-1 >= 2)", ops.scalar(inst["L"]),
                               ">=", ops.scalar(3), _ctx(inst)))
    return conds


def _a3_step_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    L, d, ctx = inst["L"], inst["d"], _ctx(inst)
    eps = ops.scalar(inst["eps"])
    delta = ops.scalar(inst["delta"])
    M = ops.matmul(Ws[-2], ops.transpose(Ws[-2]))
    WL = Ws[-1]
    if p["step"] == "ii":
        B = ops.add(ops.scale(ops.scalar(1) - eps, ops.eye(d)), ops.matmul(ops.transpose(WL),
                                                                          WL))
        if p["form"] == "printed":  # (W W^T)^{L-1} >= ((1-eps) I + W_L^T W_L)^{L-1} (Loewner)
            Mk, Bk = M, B
            for _ in range(L - 2):
                Mk, Bk = ops.matmul(Mk, M), ops.matmul(Bk, B)
            return [Condition("step (ii): lambda_min(M^{L-1} - B^{L-1}) >= 0",
                              ops.eigvalsh_min(ops.sub(Mk, Bk)), ">=", ops.scalar(0), ctx)]
        # repaired: v^T M^{L-1} v / v^T v >= (v^T M v / v^T v)^{L-1} >= (1 + beta^2 - eps)^{L-1}
        # any v != 0 works for Jensen; v ~ the top right singular vector of W_L by a few
        # power steps on W_L^T W_L from the all-ones vector, in ops (exact from W_L)
        WtW = ops.matmul(ops.transpose(WL), WL)
        vb = ops.asarray(np.ones((d, 1)))
        for _ in range(6):
            vb = ops.matmul(WtW, vb)
        vv = ops.matmul(ops.transpose(vb), vb)
        Mv = vb
        for _ in range(L - 1):
            Mv = ops.matmul(M, Mv)
        num = ops.matmul(ops.transpose(vb), Mv)
        one = ops.matmul(ops.transpose(vb), ops.matmul(M, vb))
        s_num = ops.fro_norm(num)  # 1x1 nonnegative (PSD quadratic form)
        s_one = ops.fro_norm(one)
        s_vv = ops.fro_norm(vv)
        return [Condition("repaired (ii): v^T M^{L-1} v / |v|^2 >= (v^T M v / |v|^2)^{L-1}",
                          s_num / s_vv, ">=", ops.power(s_one / s_vv, L - 1), ctx)]
    # step (iii): (alpha^2 - h)^{L-1} >= alpha^{2(L-1)} - (L-1) h [alpha^{2(L-2)} if repaired]
    alpha = ops.spec_norm(Ws[0])
    for W in Ws[1:-1]:
        n = ops.spec_norm(W)
        if ops.mid(n) > ops.mid(alpha):
            alpha = n
    h = ops.scalar(2) * eps + ops.scalar(L - 2) * delta
    corr = ops.scalar(L - 1) * h
    if p["form"] == "repaired":
        corr = corr * ops.power(alpha, 2 * (L - 2))
    a2 = alpha * alpha
    return [Condition("step (iii): (alpha^2 - h)^{L-1} >= alpha^{2(L-1)} - correction",
                      ops.power(a2 - h, L - 1), ">=", ops.power(a2, L - 1) - corr, ctx)]


_A3S = {**_A3P, "L_choices": [3, 4, 6, 10], "d_choices": [2, 3], "beta_frac": 1.6,
        "modes": ["random"]}  # +-sI makes v an eigenvector of M: Jensen is then an equality
for step, form, err, note in [
        ("ii", "printed", True, "Step (ii) as printed: A >= B >= 0 => A^{L-1} >= B^{L-1} "
         "(not operator monotone). Step refuted, conclusion holds (wwm19.lemA_3)."),
        ("ii", "repaired", False, "Repair: Rayleigh quotient + Jensen for the top right "
         "singular vector v of W_L (the scalar bound the proof needs)."),
        ("iii", "printed", True, "Step (iii) as printed: Bernoulli without the alpha^{2(L-2)} "
         "factor (false for alpha > 1). Step refuted, conclusion holds (wwm19.lemA_3)."),
        ("iii", "repaired", False, "Repair: keep alpha^{2(L-2)} on the correction.")]:
    register(Result(
        **{**_A3, "instances": 30, "kind": "proof-step"},
        title=f"Lemma A.3 proof step ({step}), {form}",
        statement=r"\text{proof of Lemma A.3, step (" + step + ")}",
        check=Deterministic(_a3_sample, _a3_step_hyp, _a3_step_concl),
        params={**_A3S, "step": step, "form": form, "adversarial_modes": True},
        variant=f"step{step}-{form}",
        erratum=err, notes=note, broken=None if err else {"form": "printed"}))


# ------------------------------------------------------------------------------ Lemma A.4
def _a4_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, _ = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    alpha, beta, phi = (ops.scalar(inst[k]) for k in ("alpha", "beta", "phi"))
    conds = [Condition("||W_l||_2 <= alpha", ops.spec_norm(W), "<=", alpha, ctx + f", l={i}")
             for i, W in enumerate(Ws[:-1], start=1)]
    a2 = ops.power(alpha, 2 * (L - 1))
    conds += [Condition("||W_L||_2 <= beta", ops.spec_norm(Ws[-1]), "<=", beta, ctx),
              Condition("1 <= alpha^{2(L-1)}", a2, ">=", ops.scalar(1), ctx),
              Condition("alpha^{2(L-1)} < L phi^2", a2, "<", ops.scalar(L) * phi * phi, ctx),
              Condition("alpha^{2(L-1)} beta^2 < 2 phi^2", a2 * beta * beta, "<",
                        ops.scalar(2) * phi * phi, ctx)]
    return conds


def _a4_sample(rng: np.random.Generator, p: Params) -> Instance:
    inst = t2_sample(rng, p)
    L = inst["L"]
    # the smallest phi consistent with the hypotheses (tightest test), at least 1
    a2 = inst["alpha"] ** (2 * (L - 1))
    inst["phi"] = max(1.0, math.sqrt(a2 / L), math.sqrt(a2 * inst["beta"] ** 2 / 2)) * (1 + 1e-6)
    return inst


def _a4_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, prob = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    phi = ops.scalar(inst["phi"])
    G = network.gradients(ops, prob, Ws)
    R = network.loss(ops, prob, Ws)
    conds = []
    for i, g in enumerate(G[:-1], start=1):
        n = ops.fro_norm(g)
        conds.append(Condition("||grad_l R||_F^2 <= 4 phi^2 R", n * n, "<=",
                               ops.scalar(p["c1"]) * phi * phi * R, ctx + f", l={i}"))
    n = ops.fro_norm(G[-1])
    conds.append(Condition("||grad_L R||_F^2 <= 2 L phi^2 R", n * n, "<=",
                           ops.scalar(p["c2"]) * ops.scalar(L) * phi * phi * R, ctx))
    return conds


register(Result(
    id="wwm19.lemA_4", title="Lemma A.4: gradient upper bounds",
    source=Source(PAPER, "App. A.2, Lemma A.4"),
    statement=r"\|\nabla_l\mathcal R\|_F^2\le4\phi^2\mathcal R\ (l<L),\ "
              r"\|\nabla_L\mathcal R\|_F^2\le2L\phi^2\mathcal R",
    kind="lemma", check=Deterministic(_a4_sample, _a4_hyp, _a4_concl),
    params={**_T2P, "beta_frac": 1.6, "c1": 4.0, "c2": 2.0},
    profiles={"full": {"instances": 300}}, broken={"c1": 0.1, "c2": 0.1}, instances=30,
    certifiable=True, notes="phi the smallest value meeting the hypotheses. Broken: 0.1 phi^2 "
                            "and 0.1 L phi^2."))


# ------------------------------------------------------------------------------ Lemma A.5 bounds
def _a5_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, prob = _ops(inst, ops)
    L, d, ctx = inst["L"], inst["d"], _ctx(inst) + f", eta={inst['eta']:.3g}"
    phi, eta = ops.scalar(inst["phi"]), ops.scalar(inst["eta"])
    R = network.loss(ops, prob, Ws)
    Wp = network.gd_step(ops, prob, Ws, inst["eta"])
    conds = []
    for l in range(1, L):
        ch = ops.spec_norm(ops.sub(_D(ops, Wp, l), _D(ops, Ws, l)))
        if l <= L - 2:
            rhs = ops.scalar(p["c1"]) * eta * eta * phi * phi * R
            name = "||D_l^+ - D_l||_2 <= 8 eta^2 phi^2 R"
        else:
            rhs = ops.scalar(p["c2"]) * eta * eta * ops.scalar(L + 2) * phi * phi * R
            name = "||D_{L-1}^+ - D_{L-1}||_2 <= 2 eta^2 (L+2) phi^2 R"
        conds.append(Condition(name, ch, "<=", rhs, ctx + f", l={l}"))
    del d
    return conds


def _a5_sample(rng: np.random.Generator, p: Params) -> Instance:
    inst = _a4_sample(rng, p)
    inst["eta"] = float(rng.choice([1e-3, 1e-2, 0.1])) / (inst["L"] * inst["phi"] ** 2)
    return inst


_A5B = dict(source=Source(PAPER, "App. A.2, Lemma A.5"), kind="lemma",
            check=Deterministic(_a5_sample, _a4_hyp, _a5_concl),
            params={**_T2P, "beta_frac": 1.6, "c1": 8.0, "c2": 2.0},
            profiles={"full": {"instances": 300}}, broken={"c1": 0.01, "c2": 0.01},
            instances=30, certifiable=True)
register(Result(id="wwm19.lemA_5", title="Lemma A.5: one-step drift bounds of the invariants",
                statement=r"\|D_l^+-D_l\|_2\le8\eta^2\phi^2\mathcal R,\ "
                          r"\|D_{L-1}^+-D_{L-1}\|_2\le2\eta^2(L+2)\phi^2\mathcal R",
                notes="The bounds (unaffected by the sign erratum of the identity, "
                      "wwm19.lemA_5[identity-printed]). Broken: constants x 1/800.", **_A5B))
register(Result(id="wwm19.lem4_5", title="Lemma 4.5 (4.9): O(eta^2) drift (explicit: A.5)",
                statement=r"\|D_l(t+1)-D_l(t)\|_2=O(\eta^2)\mathcal R(t),\ "
                          r"\|D_{L-1}(t+1)-D_{L-1}(t)\|_2=O(\eta^2L)\mathcal R(t)",
                notes="Checked through its explicit appendix version (constants 8, 2(L+2)).",
                **{**_A5B, "source": Source(PAPER, "§4.2, Lemma 4.5", "eq. (4.9)")}))


# ------------------------------------------------------------------------------ Lemma A.6
def _a6_sample(rng: np.random.Generator, p: Params) -> Instance:
    inst = _a6_eta(rng, _a4_sample(rng, p))
    inst["delta"] = max(inst["delta"], 0.0)
    return inst


def _a6_eta(rng: np.random.Generator, inst: Instance) -> Instance:
    """A step size at 1, 1/2 or 1/10 of Lemma A.6's bound for the instance's phi and R."""
    L, phi = inst["L"], inst["phi"]
    R = rs.loss(inst["Ws"], inst["Phi"])
    bound = min(1.0 / (64 * L**2 * phi**3 * math.sqrt(max(R, 1e-300))),
                1.0 / (144 * L**2 * phi**4))
    inst["eta"] = bound * float(rng.choice([1.0, 0.5, 0.1])) * (1 - 1e-9)
    return inst


def _a6_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, prob = _ops(inst, ops)
    L, ctx = inst["L"], _ctx(inst)
    phi, eta = ops.scalar(inst["phi"]), ops.scalar(inst["eta"])
    delta, eps = ops.scalar(inst["delta"]), ops.scalar(inst["eps"])
    conds = _a4_hyp(inst, ops, p) if p["hyps"] == "A2+A4" else []
    conds += _a2_hyp(inst, ops, p)
    if p["hyps"] == "A2+A4":
        conds.append(Condition("phi >= 1", phi, ">=", ops.scalar(1), ctx))
    del delta, eps
    R = network.loss(ops, prob, Ws)
    conds += [Condition("eta <= 1/(64 L^2 phi^3 sqrt R)", eta, "<=", ops.scalar(1) / (
                  ops.scalar(64 * L * L) * ops.power(phi, 3) * ops.sqrt(R)), ctx),
              Condition("eta <= 1/(144 L^2 phi^4)", eta, "<=", ops.scalar(1) / (
                  ops.scalar(144 * L * L) * ops.power(phi, 4)), ctx)]
    return conds


def _a6_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, prob = _ops(inst, ops)
    ctx = _ctx(inst) + f", eta={inst['eta']:.3g}"
    eta = ops.scalar(inst["eta"])
    if p["what"] == "proof-bound":  # the proof's use of Lemma A.4: ||grad_l||^2 <= 4 phi^2 R
        G = network.gradients(ops, prob, Ws)
        R = network.loss(ops, prob, Ws)
        phi = ops.scalar(inst["phi"])
        out = []
        for i, g in enumerate(G[:-1], start=1):
            n = ops.fro_norm(g)
            out.append(Condition("proof uses ||grad_l R||_F^2 <= 4 phi^2 R", n * n, "<=",
                                 ops.scalar(4) * phi * phi * R, ctx + f", l={i}"))
        return out
    R0 = network.loss(ops, prob, Ws)
    R1 = network.loss(ops, prob, network.gd_step(ops, prob, Ws, inst["eta"]))
    return [Condition("R^+ <= (1 - eta/2) R", R1, "<=",
                      (ops.scalar(1) - ops.scalar(p["rate"]) * eta) * R0, ctx)]


def _a6_generic_sample(rng: np.random.Generator, p: Params) -> Instance:
    """The generic T2 distribution under Lemma A.2's hypotheses only (the printed lemma's):
    A.2 bounds no ||W_L||, so W_L is drawn up to ``generic_beta_frac`` (default 4) times
    the T2 scale sqrt(log(L phi^2)/L) -- the T2 default (0.9-1.2) is what Lemma A.4's beta
    condition allows -- and phi is the smallest A.2 allows (alpha^{2(L-1)} < L phi^2,
    phi >= 1), not A.4's."""
    inst = t2_sample(rng, {**p, "beta_frac": p.get("generic_beta_frac", 4.0)})
    L = inst["L"]
    a2 = inst["alpha"] ** (2 * (L - 1))
    inst["phi"] = max(1.0, math.sqrt(a2 / L)) * (1 + 1e-6)
    return _a6_eta(rng, inst)


def _a6_bad_sample(rng: np.random.Generator, p: Params) -> Instance:
    """Exact-invariant d = 1 states with a large output weight: Lemma A.2's hypotheses hold
    (phi free), Lemma A.4's beta condition fails (b^2 > 2/(L-2) gives b^2 a^{2(L-2)} > 2 phi^2
    when phi^2 is just above a^{2(L-1)}/L)."""
    if not p.get("adversarial_modes", True):  # generic only: no planted big-W_L states
        return _a6_generic_sample(rng, p)
    if rng.random() < 0.3:
        return _a6_sample(rng, {**p, "d_choices": [1, 2]})
    L = int(rng.choice([4, 5, 6, 8]))
    b = float(rng.uniform(1.2, 3.0)) * math.sqrt(2.0 / (L - 2))
    a = math.sqrt(1 + b * b)
    Ws = [np.array([[a]]) for _ in range(L - 1)] + [np.array([[b]])]
    phi = math.sqrt(a ** (2 * (L - 1)) / L) * 1.01
    Phi = np.array([[float(rng.choice([-1.0, 0.5, 2.0]))]])
    R = rs.loss(Ws, Phi)
    eta = min(1.0 / (64 * L**2 * phi**3 * math.sqrt(R)), 1.0 / (144 * L**2 * phi**4)) * 0.999
    Ds = rs.invariants(Ws)
    return {"Ws": Ws, "Phi": Phi, "L": L, "d": 1, "mode": "big-W_L", "f": 1.0,
            "alpha": a * (1 + 1e-12), "beta": b * (1 + 1e-12), "phi": phi, "eta": eta,
            "delta": max([abs(float(D[0, 0])) for D in Ds[:-1]], default=0.0) + 1e-15,
            "eps": abs(1 + float(Ds[-1][0, 0])) + 1e-15}


_A6P = {**_T2P, "beta_frac": 1.2, "rate": 0.5, "hyps": "A2+A4", "what": "conclusion"}
_A6 = dict(source=Source(PAPER, "App. A.2, Lemma A.6"), kind="lemma", instances=30,
           certifiable=True, profiles={"full": {"instances": 300}})
register(Result(id="wwm19.lemA_6", title="Lemma A.6: one-step decrease R+ <= (1-eta/2) R",
                statement=r"\eta\le\min\{(64L^2\phi^3\sqrt{\mathcal R})^{-1},"
                          r"(144L^2\phi^4)^{-1}\}\Rightarrow\mathcal R^+\le(1-\eta/2)\mathcal R",
                check=Deterministic(_a6_sample, _a6_hyp, _a6_concl), params=_A6P,
                variant="repaired", broken={"rate": 4.0},
                notes="With the hypotheses the proof uses: Lemma A.2's, Lemma A.4's beta "
                      "condition and phi >= 1. Broken: rate 4.", **_A6))
register(Result(id="wwm19.lemA_6", title="Lemma A.6 as printed: A.2's hypotheses only",
                statement=r"\text{hypotheses of Lemma A.2 only}\Rightarrow"
                          r"\mathcal R^+\le(1-\eta/2)\mathcal R",
                check=Deterministic(_a6_bad_sample, _a6_hyp, _a6_concl),
                params={**_A6P, "hyps": "A2"}, broken={"rate": 4.0},
                notes="The printed statement (A.2's hypotheses only), on states that violate "
                      "A.4's beta condition: the conclusion holds on every instance tried.",
                **_A6))
register(Result(id="wwm19.lemA_6", title="Lemma A.6 proof: A.4's gradient bound under A.2's "
                                         "hypotheses",
                statement=r"\text{A.2 hyps}\Rightarrow\|\nabla_l\mathcal R\|_F^2\le4\phi^2"
                          r"\mathcal R\ \text{(used in the proof)}",
                check=Deterministic(_a6_bad_sample, _a6_hyp, _a6_concl),
                params={**_A6P, "hyps": "A2", "what": "proof-bound",
                        "adversarial_modes": True}, variant="proof-step",
                erratum=True, notes="Missing hypothesis: with A.2's hypotheses only the "
                "proof's ||grad_l R||^2 <= 4 phi^2 R (Lemma A.4) fails on big-W_L states. "
                "Step refuted, conclusion holds (wwm19.lemA_6 printed and repaired).",
                **{**_A6, "kind": "proof-step"}))
register(Result(id="wwm19.lem4_6", title="Lemma 4.6 (4.10): one-step decrease (explicit: A.6)",
                statement=r"(4.7),(4.8),\ \eta=O(L^{-2})\Rightarrow"
                          r"\mathcal R(t+1)\le(1-\eta/2)\mathcal R(t)",
                check=Deterministic(_a6_sample, _a6_hyp, _a6_concl), params=_A6P,
                broken={"rate": 4.0}, notes="Through its explicit appendix version.",
                **{**_A6, "source": Source(PAPER, "§4.2, Lemma 4.6", "eq. (4.10)")}))


# ------------------------------------------------------------------------------ ineqA_6
def _ineq_sample(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.choice(p["L_choices"]))
    x = Fraction(int(rng.integers(1, 50)), int(rng.integers(1, 50)))
    y = x / (L * L) * Fraction(int(rng.choice([999, 990, 500])), 1000)  # worst ~ y = x/L^2
    return {"L": L, "x": x, "y": y}


def _ineq_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    x, y, L = ops.scalar(inst["x"]), ops.scalar(inst["y"]), inst["L"]
    return [Condition("x > 0", x, ">", ops.scalar(0)), Condition("y >= 0", y, ">=", ops.scalar(0)),
            Condition("y <= x / L^2", y, "<=", x / ops.scalar(L * L))]


def _ineq_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    # Both sides divided by x^L > 0 (an equivalent form, with u = y/x exact): x^L itself
    # overflows float64 at L = 10^4 (the full profile), (1 + u)^L <= e does not.
    L = inst["L"]
    u = ops.scalar(Fraction(inst["y"]) / Fraction(inst["x"]))
    one, lhs = ops.scalar(1), ops.power(ops.scalar(1) + u, L)
    ctx = f"L={L}, x={inst['x']}, y/x*L^2={float(inst['y'] / inst['x'] * L * L):.3f}"
    out = [Condition("(x+y)^L <= 2 x^L", lhs, "<=", ops.scalar(p["c1"]), ctx),
           Condition("(x+y)^L <= x^L + 2L x^{L-1} y", lhs, "<=",
                     one + ops.scalar(p["c2"]) * ops.scalar(L) * u, ctx)]
    if L >= 2:
        out.append(Condition("(x+y)^L <= x^L + L x^{L-1} y + L^2 x^{L-2} y^2", lhs, "<=",
                             one + ops.scalar(L) * u
                             + ops.scalar(p["c3"]) * ops.scalar(L * L) * u * u, ctx))
    return out


register(Result(
    id="wwm19.ineqA_6", title="Binomial inequalities in the proof of Lemma A.6",
    source=Source(PAPER, "App. A.2, proof of Lemma A.6"),
    statement=r"0\le y\le x/L^2:\ (x+y)^L\le2x^L,\ \le x^L+2Lx^{L-1}y,\ "
              r"\le x^L+Lx^{L-1}y+L^2x^{L-2}y^2",
    kind="inequality", check=Deterministic(_ineq_sample, _ineq_hyp, _ineq_concl),
    params={"L_choices": [1, 2, 3, 5, 10, 50, 200], "c1": 2, "c2": 2, "c3": 1},
    profiles={"full": {"L_choices": [1, 2, 3, 10, 100, 1000, 10000], "instances": 100}},
    broken={"c1": 1.9}, instances=20, certifiable=True,
    notes="Exact rationals (worst case y = x/L^2), each side divided by x^L (u = y/x). The "
          "first is an equality at L = 1. Broken: 1.9 x^L."))


# ------------------------------------------------------------------------------ Lemma 4.4
def _l44_sample(rng: np.random.Generator, p: Params) -> Instance:
    k = int(rng.choice(p["k_choices"]))  # c = (k^2+1)/(2k), sqrt(c^2-1) = (k^2-1)/(2k): exact
    L = int(rng.choice(p["L_choices"]))
    d = int(rng.choice([1, 2]))
    c, s = Fraction(k * k + 1, 2 * k), Fraction(k * k - 1, 2 * k)
    if not p.get("adversarial_modes", True):  # generic: c, s free (s = sqrt(c^2-1) unplanted)
        c, s = float(rng.uniform(1.0, 10.0)), float(rng.uniform(0.0, 10.0))
    return {"L": L, "d": d, "c": c, "s": s, "Phi": np.zeros((d, d))}


def _l44_ws(inst: Instance, ops: Any) -> list[Any]:
    d = inst["d"]
    return ([ops.scale(ops.scalar(inst["c"]), ops.eye(d))] * (inst["L"] - 1)
            + [ops.scale(ops.scalar(inst["s"]), ops.eye(d))])


def _l44_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, L, d = _l44_ws(inst, ops), inst["L"], inst["d"]
    ctx = f"L={L}, d={d}, W_l = {inst['c']} I, W_L = {inst['s']} I"
    conds = [Condition("(4.6) ||D_l||_2 <= 1/(2L^3)", ops.spec_norm(_D(ops, Ws, l)), "<=",
                       ops.scalar(Fraction(1, 2 * L**3)), ctx) for l in range(1, L - 1)]
    conds.append(Condition("(4.6) ||I + D_{L-1}||_2 <= 1/(4L^2)", ops.spec_norm(ops.add(
        ops.eye(d), _D(ops, Ws, L - 1))), "<=", ops.scalar(Fraction(1, 4 * L * L)), ctx))
    return conds


def _l44_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    Ws, L = _l44_ws(inst, ops), inst["L"]
    ctx = f"L={L}, d={inst['d']}, W_l = {inst['c']} I"
    C = ops.scalar(p["C"])
    return [Condition("(4.7) ||W_l||_2 <= 1 + C log L / L (C independent of the state)",
                      ops.spec_norm(Ws[0]), "<=",
                      ops.scalar(1) + C * ops.log(ops.scalar(L)) / ops.scalar(L), ctx)]


register(Result(
    id="wwm19.lem4_4", title="Lemma 4.4 as literally stated: (4.6) => (4.7)",
    source=Source(PAPER, "§4.2, Lemma 4.4"),
    statement=r"(4.6)\Rightarrow\|W_l\|_2=1+O(\log L/L)",
    kind="lemma", check=Deterministic(_l44_sample, _l44_hyp, _l44_concl),
    params={"k_choices": [3, 5, 10, 20], "L_choices": [10, 20, 50, 100], "C": 10.0,
            "adversarial_modes": True},  # False: c, s uniform, not the planted pair
    erratum=True, instances=12, certifiable=True,
    notes="Counterexample W_l = cI, W_L = sqrt(c^2-1) I (exact rationals): D_l = 0, "
          "D_{L-1} = -I, yet ||W_l|| = c is unbounded; the O-constant must depend on a bound "
          "of ||W_{L:1}|| (Lemma A.3's phi). Refuted for the constant C = 10 (any fixed C is "
          "beaten by a larger c). Repaired: wwm19.lem4_4[repaired] = Lemma A.3 + A.2 with phi."))
register(Result(
    **{**_A3, "id": "wwm19.lem4_4", "source": Source(PAPER, "§4.2, Lemma 4.4 (explicit)")},
    title="Lemma 4.4 repaired: (4.6) with phi >= ||W_{L:1}|| => (A.3)",
    statement=r"(4.6)\ \&\ \phi\ge\|W_{L:1}\|_2\Rightarrow(A.3)",
    check=Deterministic(_a3_sample, _a3_hyp, _a3_concl), params=_A3P, variant="repaired",
    broken={"c1": 0.3, "c2": 0.3},
    notes="The explicit appendix form (Lemma A.3 then A.2): phi bounds the end-to-end matrix."))
