"""zlg20 Lemmas A.1, A.2 and the Appendix B steps (B.7)-(B.9), at arbitrary points.

Zou, Long & Gu, ICLR 2020, App. A (Lemma A.1, Lemma A.2) and App. B.2 (eqs. (B.7)-(B.9)).
Catalog: ``shared/catalog/zlg20.md``. Every condition is written in the ``ops`` vocabulary
from stored float64 inputs (orthogonal-row data, so L(W*) is exact): certifiable.
Samplers place W anywhere inside the radius 0.5/L: random directions at 50-99.9% of the
radius, and the adversarial choices the catalog names (W_l = -(0.5/L) I for the PL bound
(a), W_l = +(0.5/L) I for the upper bounds (b)-(d), antipodal boundary pairs for A.2).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import transformed_resnet as tr
from theorems.zlg20._common import PAPER, modid_instance, ops_quantities, orth_rows_X

SHRINK = 1.0 - 2.0**-30  # stay strictly (and certifiably) inside the closed radius


def _transforms(rng: np.random.Generator, family: str, d: int, k: int, m: int
                ) -> tuple[np.ndarray, np.ndarray]:
    if family == "modid":
        return tr.modified_identity(d, k, m, float(rng.choice([0.5, 1.0, 3.0])))
    A, B = tr.gaussian_transforms(rng, d, k, m)
    if family == "illcond":  # prescribed singular values spread over two decades
        U, _, Vt = np.linalg.svd(A, full_matrices=False)
        A = U @ np.diag(np.geomspace(1.0, 0.05, d)) @ Vt
    return A, B


def _point(rng: np.random.Generator, L: int, m: int, mode: str, norm: str = "spec"
           ) -> list[np.ndarray]:
    rad = 0.5 / L * SHRINK
    if mode == "minus_id":
        return [-rad * np.eye(m) for _ in range(L)]
    if mode == "plus_id":
        return [rad * np.eye(m) for _ in range(L)]
    Ws = []
    for _ in range(L):
        D = rng.standard_normal((m, m))
        s = np.linalg.norm(D, 2 if norm == "spec" else "fro")
        Ws.append(D * (rad * float(rng.uniform(0.5, 1.0)) / s) * (1 - 1e-9))
    return Ws


def _sample_lemA1(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.choice(p["L_choices"]))
    mode = str(rng.choice(["random", "minus_id", "plus_id"]))
    family = str(rng.choice(["modid", "gaussian", "illcond"]))
    d, k = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    n = int(rng.choice([2, 4, 8]))
    d = min(d, n)
    if mode == "minus_id":  # the tight case: A^T A = I, B B^T = a^2 I, X X^T = s^2 I
        inst = modid_instance(rng, d, k, n, L, 1.0)
        inst["X"] = orth_rows_X(rng, d, n, scales=[1.0] * d)
        m = inst["A"].shape[0]
    else:
        m = (d + k if family == "modid" else max(d, k)) + int(rng.integers(0, 3))
        A, B = _transforms(rng, family, d, k, m)
        X = orth_rows_X(rng, d, n, rank_deficient=bool(rng.random() < 0.3))
        inst = {"A": A, "B": B, "X": X, "Y": rng.standard_normal((k, n)), "L": L}
    inst["W"] = _point(rng, L, m, mode)
    inst["mode"] = mode
    inst["b"] = int(rng.integers(1, n + 1))
    return inst


def _radius_hyp(ops: Any, Ws: list, L: int, p: Params, norm: str, tag: str = "") -> list:
    rad = ops.scalar(p["radius"]) / ops.scalar(L)
    f = ops.spec_norm if norm == "spec" else ops.fro_norm
    return [Condition(f"||{tag}W_l||_{'2' if norm == 'spec' else 'F'} <= 0.5/L",
                      f(ops.asarray(W)), "<=", rad, context=f"l={i + 1}")
            for i, W in enumerate(Ws)]


def _lemA1_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    A, B, X = inst["A"], inst["B"], inst["X"]
    m, d = A.shape
    k = B.shape[0]
    conds = _radius_hyp(ops, inst["W"], inst["L"], p, "spec")
    conds.append(Condition("m >= max(d, k)", ops.scalar(m), ">=", ops.scalar(max(d, k))))
    conds.append(Condition("rank(X) >= 1", ops.sigma_max(ops.asarray(X)), ">", ops.scalar(0)))
    return conds


def _lemA1_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    A, B, X, Y, Ws, L = inst["A"], inst["B"], inst["X"], inst["Y"], inst["W"], inst["L"]
    q = ops_quantities(ops, inst)
    e = ops.exp(ops.scalar(1))
    Lw = tr.loss(ops, A, B, Ws, X, Y)
    gap = Lw - q["Lstar"]
    G = tr.gradients(ops, A, B, Ws, X, Y)
    lo = ops.scalar(p["lower_coef"]) / e * q["muA"] ** 2 * q["muB"] ** 2 * q["sr"] ** 2 * gap
    hi_c = ops.scalar(p["upper_coef"]) * e * q["lamA"] ** 2 * q["lamB"] ** 2
    ctx = f"{inst['mode']}, L={L}"
    conds = []
    for i, g in enumerate(G):
        gn = ops.fro_norm(g)
        conds.append(Condition("(a) ||grad_l||^2 >= 2e^-1 muA^2 muB^2 sr^2 (L - L*)",
                               gn * gn, ">=", lo, context=f"{ctx}, l={i + 1}"))
        conds.append(Condition("(b) ||grad_l||^2 <= 2e lamA^2 lamB^2 ||X||^2 (L - L*)",
                               gn * gn, "<=", hi_c * q["Xn"] ** 2 * gap,
                               context=f"{ctx}, l={i + 1}"))
    n = X.shape[1]
    for j in range(n):  # (c) per sample, only layer 1 and L (all layers when L <= 3)
        xj, yj = X[:, j:j + 1], Y[:, j:j + 1]
        lj = tr.loss(ops, A, B, Ws, xj, yj)
        xn = ops.fro_norm(ops.asarray(xj))
        for i, g in enumerate(tr.gradients(ops, A, B, Ws, xj, yj)):
            if L > 3 and i not in (0, L - 1):
                continue
            gn = ops.fro_norm(g)
            conds.append(Condition("(c) ||grad_l ell_i||^2 <= 2e lamA^2 lamB^2 ||x_i||^2 ell_i",
                                   gn * gn, "<=", hi_c * xn * xn * lj,
                                   context=f"{ctx}, l={i + 1}, i={j}"))
    b = inst["b"]
    subsets = list(itertools.combinations(range(n), b))
    if len(subsets) > p["max_batches"]:
        rng = np.random.default_rng(len(subsets))
        subsets = [tuple(sorted(rng.choice(n, b, replace=False)))
                   for _ in range(p["max_batches"])]
    dcoef = hi_c * q["Xn"] ** 2 * ops.scalar(n * n) / ops.scalar(b * b) * Lw
    for S in subsets:
        for i, g in enumerate(tr.minibatch_gradients(ops, A, B, Ws, X, Y, S)):
            if L > 3 and i not in (0, L - 1):
                continue
            gn = ops.fro_norm(g)
            conds.append(Condition("(d) ||G_l||^2 <= 2e n^2 lamA^2 lamB^2 ||X||^2 L / b^2",
                                   gn * gn, "<=", dcoef, context=f"{ctx}, l={i + 1}, S={S}"))
    return conds


register(Result(
    id="zlg20.lemA_1", title="Lemma A.1: restricted PL and gradient upper bounds",
    source=Source(PAPER, "App. A, Lemma A.1", "proof via (B.1)-(B.3), Lemmas B.2-B.3"),
    statement=r"\max_l\|W_l\|_2\le 0.5/L \Rightarrow \|\nabla_{W_l}\mathcal L\|_F^2\ge "
              r"2e^{-1}\sigma_{\min}^2(A)\sigma_{\min}^2(B)\sigma_r^2(X)(\mathcal L-\mathcal L^*),"
              r"\ \|\nabla_{W_l}\mathcal L\|_F^2\le 2e\|A\|^2\|B\|^2\|X\|^2"
              r"(\mathcal L-\mathcal L^*),"
              r"\ \|\nabla\ell_i\|^2\le 2e\|A\|^2\|B\|^2\|x_i\|^2\ell_i,\ "
              r"\|G_l\|^2\le 2en^2\|A\|^2\|B\|^2\|X\|^2\mathcal L/b^2",
    kind="lemma",
    check=Deterministic(_sample_lemA1, _lemA1_hyp, _lemA1_concl),
    params={"L_choices": [1, 2, 3, 5, 10, 30, 100], "radius": 0.5, "lower_coef": 2.0,
            "upper_coef": 2.0, "max_batches": 6},
    profiles={"full": {"instances": 200, "max_batches": 20}},
    broken={"lower_coef": 2.1},
    instances=24, certifiable=True,
    notes="Adversarial W_l = -(0.5/L)I with A^TA=I, BB^T=a^2 I, XX^T=s^2 I gives ratio "
          "e(1-0.5/L)^{2L-2} in (a) (1.0075 at L=100); W_l=+(0.5/L)I for (b)-(d).",
))


# ----------------------------------------------------------------------------- Lemma A.2
def _sample_lemA2(rng: np.random.Generator, p: Params) -> Instance:
    inst = _sample_lemA1(rng, p)
    L, m = inst["L"], inst["A"].shape[0]
    mode = str(rng.choice(["random", "antipodal", "small"]))
    W = _point(rng, L, m, "random", norm="fro")
    if mode == "antipodal":
        W = [w * (0.5 / L * SHRINK / np.linalg.norm(w)) * (1 - 1e-9) for w in W]
        Wt = [-w for w in W]
    elif mode == "small":
        t = float(rng.choice([1e-2, 1e-4]))
        Wt = [w + t * (0.5 / L) * rng.standard_normal((m, m)) / m for w in W]
        Wt = [w * min(1.0, 0.5 / L * SHRINK / np.linalg.norm(w)) for w in Wt]
    else:
        Wt = _point(rng, L, m, "random", norm="fro")
    inst.update(W=W, Wt=Wt, mode=mode)
    return inst


def _lemA2_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return (_radius_hyp(ops, inst["W"], inst["L"], p, "fro")
            + _radius_hyp(ops, inst["Wt"], inst["L"], p, "fro", "~"))


def _inner(ops: Any, M: Any, N: Any) -> Any:
    """<M, N> = (||M + N||^2 - ||M - N||^2) / 4."""
    a = ops.fro_norm(ops.add(M, N))
    b = ops.fro_norm(ops.sub(M, N))
    return (a * a - b * b) / ops.scalar(4)


def smoothness_parts(ops: Any, inst: Instance) -> dict:
    """The pieces of (B.4)-(B.9): first-order term, Delta norms, V_2, tilde V - V."""
    A, B, X, Y, W, Wt = inst["A"], inst["B"], inst["X"], inst["Y"], inst["W"], inst["Wt"]
    G = tr.gradients(ops, A, B, W, X, Y)
    D = [ops.sub(ops.asarray(a), ops.asarray(b)) for a, b in zip(Wt, W, strict=True)]
    first = None
    sq = None
    s1 = None
    for g, dl in zip(G, D, strict=True):
        ip = _inner(ops, g, dl)
        dn = ops.fro_norm(dl)
        first = ip if first is None else first + ip
        sq = dn * dn if sq is None else sq + dn * dn
        s1 = dn if s1 is None else s1 + dn
    return {"G": G, "D": D, "first": first, "sumsq": sq, "sum": s1,
            "L0": tr.loss(ops, A, B, W, X, Y), "L1": tr.loss(ops, A, B, Wt, X, Y)}


def _lemA2_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = ops_quantities(ops, inst)
    s = smoothness_parts(ops, inst)
    e = ops.exp(ops.scalar(1))
    L = inst["L"]
    lam = q["lamA"] * q["lamB"] * q["Xn"]
    coef = lam * (ops.sqrt(ops.scalar(p["sqrt_coef"]) * e * s["L0"])
                  + ops.scalar(p["half_coef"]) * e * lam)
    lhs = s["L1"] - s["L0"] - s["first"]
    ctx = f"{inst['mode']}, L={L}"
    return [Condition("L(W~) - L(W) - <grad, W~-W> <= L lam (sqrt(2eL) + 0.5e lam) sum||D||^2",
                      lhs, "<=", ops.scalar(L) * coef * s["sumsq"], context=ctx),
            Condition("(B.9) sharper: ... <= lam (sqrt(2eL) + 0.5e lam) (sum||D||)^2",
                      lhs, "<=", coef * s["sum"] * s["sum"], context=ctx)]


LEMA2 = Result(
    id="zlg20.lemA_2", title="Lemma A.2: restricted smoothness",
    source=Source(PAPER, "App. A, Lemma A.2; proof App. B.2", "(B.4)-(B.9)"),
    statement=r"\max_l\|W_l\|_F,\max_l\|\widetilde W_l\|_F\le0.5/L\Rightarrow "
              r"\mathcal L(\widetilde W)-\mathcal L(W)\le\sum_l\langle\nabla_{W_l}\mathcal L(W),"
              r"\widetilde W_l-W_l\rangle+L\|A\|\|B\|\|X\|(\sqrt{2e\mathcal L(W)}+0.5e\|A\|\|B\|"
              r"\|X\|)\sum_l\|\widetilde W_l-W_l\|_F^2",
    kind="lemma",
    check=Deterministic(_sample_lemA2, _lemA2_hyp, _lemA2_concl),
    params={"L_choices": [1, 2, 3, 5, 10, 30], "radius": 0.5, "sqrt_coef": 2.0,
            "half_coef": 0.5, "max_batches": 1},
    profiles={"full": {"instances": 200, "L_choices": [1, 2, 3, 5, 10, 30, 100]}},
    broken={"sqrt_coef": 0.0, "half_coef": 0.02},
    instances=24, certifiable=True,
)
register(LEMA2)
register(LEMA2.with_variant(
    "proof-sqrt-e", params={**LEMA2.params, "sqrt_coef": 1.0},
    notes="Erratum 4 (catalog §8): the proofs of Thm 3.1/3.6 write sqrt(e L) where Lemma "
          "A.2 has sqrt(2e L). This variant checks Lemma A.2 with the proof's coefficient; "
          "it holding on the sample means the proof's smaller coefficient is not refuted "
          "here (the lemma's own proof only yields sqrt(2e L))."))


# ----------------------------------------------------------------------------- (B.7), (B.8)
def _V_parts(ops: Any, inst: Instance) -> dict:
    A, B, X, Y, W, Wt = inst["A"], inst["B"], inst["X"], inst["Y"], inst["W"], inst["Wt"]
    V = tr.product(ops, W)
    Vt = tr.product(ops, Wt)
    m = A.shape[0]
    eye = ops.eye(m)
    F = [ops.add(eye, ops.asarray(w)) for w in W]
    V1 = None
    for l in range(len(W)):
        left = eye
        for j in range(len(W) - 1, l, -1):
            left = ops.matmul(left, F[j])
        right = eye
        for j in range(l - 1, -1, -1):
            right = ops.matmul(right, F[j])
        dl = ops.sub(ops.asarray(Wt[l]), ops.asarray(W[l]))
        term = ops.matmul(left, ops.matmul(dl, right))
        V1 = term if V1 is None else ops.add(V1, term)
    dV = ops.sub(Vt, V)
    V2 = ops.sub(dV, V1)
    R = tr.residual(ops, A, B, W, X, Y)
    BV2AX = ops.matmul(ops.asarray(B), ops.matmul(V2, ops.matmul(ops.asarray(A),
                                                                 ops.asarray(X))))
    dUX = ops.matmul(ops.asarray(B), ops.matmul(dV, ops.matmul(ops.asarray(A),
                                                               ops.asarray(X))))
    return {"V2": V2, "dV": dV, "cross": _inner(ops, R, BV2AX), "dUX": dUX}


def _eqB7_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = ops_quantities(ops, inst)
    s = smoothness_parts(ops, inst)
    v = _V_parts(ops, inst)
    e = ops.exp(ops.scalar(1))
    L = inst["L"]
    grow = ops.power(ops.scalar(1) + ops.scalar(p["grow_radius"]) / ops.scalar(L), L)
    lam = q["lamA"] * q["lamB"] * q["Xn"]
    S2 = s["sum"] * s["sum"]
    ctx = f"{inst['mode']}, L={L}"
    return [Condition("(B.7) ||V_2||_F <= (1+0.5/L)^L (sum||D||)^2", ops.fro_norm(v["V2"]),
                      "<=", grow * S2, context=ctx),
            Condition("(B.7) <UX-Y, B V_2 A X> <= sqrt(2eL) lam (sum||D||)^2", v["cross"],
                      "<=", ops.sqrt(ops.scalar(p["sqrt_coef"]) * e * s["L0"]) * lam * S2,
                      context=ctx),
            Condition("aux: (1+0.5/L)^L <= sqrt(e)", grow, "<=", ops.sqrt(e), context=ctx)]


def _eqB8_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = ops_quantities(ops, inst)
    s = smoothness_parts(ops, inst)
    v = _V_parts(ops, inst)
    e = ops.exp(ops.scalar(1))
    L = inst["L"]
    grow = ops.power(ops.scalar(1) + ops.scalar(p["grow_radius"]) / ops.scalar(L), L)
    lam = q["lamA"] * q["lamB"] * q["Xn"]
    du = ops.fro_norm(v["dUX"])
    ctx = f"{inst['mode']}, L={L}"
    return [Condition("(B.8) ||V~ - V||_F <= (1+0.5/L)^L sum||D||", ops.fro_norm(v["dV"]), "<=",
                      grow * s["sum"], context=ctx),
            Condition("(B.8) 1/2||(U~-U)X||^2 <= 0.5e lam^2 (sum||D||)^2",
                      du * du / ops.scalar(2), "<=",
                      ops.scalar(p["half_coef"]) * e * lam * lam * s["sum"] * s["sum"],
                      context=ctx)]


def _eqB9_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return _lemA2_concl(inst, ops, p)


for _id, _title, _eq, _concl, _broken in (
        ("zlg20.eqB_7", "(B.7) second-order cross term", "(B.7)", _eqB7_concl,
         {"grow_radius": 0.0, "sqrt_coef": 0.0}),
        ("zlg20.eqB_8", "(B.8) first-order bound on ||V~ - V||", "(B.8)", _eqB8_concl,
         {"half_coef": 0.02}),
        ("zlg20.eqB_9", "(B.9) assembled smoothness bound (= Lemma A.2)", "(B.9)",
         _eqB9_concl, {"sqrt_coef": 0.0, "half_coef": 0.02})):
    register(Result(
        id=_id, title=_title, source=Source(PAPER, "App. B.2, proof of Lemma A.2", _eq),
        statement=_title, kind="inequality",
        check=Deterministic(_sample_lemA2, _lemA2_hyp, _concl),
        params={"L_choices": [1, 2, 3, 5, 10], "radius": 0.5, "sqrt_coef": 2.0,
                "half_coef": 0.5, "max_batches": 1, "grow_radius": 0.5},
        profiles={"full": {"instances": 100}},
        broken=_broken, instances=12, certifiable=True,
    ))


# ----------------------------------------------------------------------------- aux_scalar
def _sample_aux(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.choice(p["L_choices"]))
    return {"L": L, "x": float(rng.uniform(0, 1)), "a": float(rng.uniform(0.01, 3)),
            "b": float(rng.uniform(0, 3)), "t": float(rng.uniform(0, 50))}


def _aux_hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return [Condition("L >= 1", ops.scalar(inst["L"]), ">=", ops.scalar(1))]


def _aux_concl(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    L = inst["L"]
    e = ops.exp(ops.scalar(1))
    h = ops.scalar(p["radius"]) / ops.scalar(L)
    one = ops.scalar(1)
    x, a, b, t = (ops.scalar(inst[k]) for k in ("x", "a", "b", "t"))
    ctx = f"L={L}"
    return [
        Condition("(1) (1-0.5/L)^(2L-2) >= e^-1", ops.power(one - h, 2 * L - 2), ">=",
                  one / e, context=ctx),
        Condition("(2) (1+0.5/L)^(2L) <= e", ops.power(one + h, 2 * L), "<=", e, context=ctx),
        Condition("(3) (1+0.5/L)^L <= sqrt(e)", ops.power(one + h, L), "<=", ops.sqrt(e),
                  context=ctx),
        Condition("(5) sqrt(1-x) <= 1 - x/2", ops.sqrt(one - x), "<=", one - x / ops.scalar(2),
                  context=f"x={inst['x']:.3g}"),
        Condition("(7) log(1+x) <= x", ops.log(one + x), "<=", x),
        Condition("(8) -a t + b sqrt(t) <= b^2/(4a)", b * ops.sqrt(t) - a * t, "<=",
                  b * b / (ops.scalar(4) * a)),
    ]


register(Result(
    id="zlg20.aux_scalar", title="Elementary inequalities used in the proofs",
    source=Source(PAPER, "App. A-B (Lemma A.1, B.7, B.8, Thm 3.1, A.15, A.19)"),
    statement=r"(1-\tfrac{0.5}L)^{2L-2}\ge e^{-1},\ (1+\tfrac{0.5}L)^{2L}\le e,\ "
              r"(1+\tfrac{0.5}L)^L\le\sqrt e,\ \sqrt{1-x}\le1-x/2,\ \log(1+x)\le x,\ "
              r"-at+b\sqrt t\le b^2/(4a)",
    kind="inequality",
    check=Deterministic(_sample_aux, _aux_hyp, _aux_concl),
    params={"L_choices": [1, 2, 3, 7, 100, 10**4, 2 * 10**5], "radius": 0.5},
    profiles={"full": {"instances": 200}},
    broken={"radius": 0.6}, instances=20, certifiable=True,
))
_ = math
