"""zlg20 per-step SGD facts (A.4)-(A.15), (A.18), checked for EVERY minibatch at a state.

Zou, Long & Gu, ICLR 2020, App. A.4 (proof of Thm 3.6) and App. A.6 (proof of Thm 3.8).
A state W is an SGD iterate (from 0, at the step size under test) or an arbitrary point in
the radius-0.5/L Frobenius ball with L(W) <= 2 L(W(0)); at that state all C(n, b)
minibatches are enumerated, so conditional expectations E[. | W] are exact averages.
The step size is the tightest of the proof's sub-requirements (eta <= 1/(6eL lam^2 ||X||^2),
(A.11), eta <= b/(2enL lam^2 ||X||^2)) times u in (0.5, 1], so the checks bite where the
proof's constants are used. Written in the ``ops`` vocabulary: certifiable.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import transformed_resnet as tr
from theorems.zlg20._common import PAPER, np_lstar, np_quantities, ops_quantities, orth_rows_X
from theorems.zlg20.lemmas import _inner

E = np.e


def _sample(rng: np.random.Generator, p: Params) -> Instance:
    n = 4
    b = int(rng.integers(1, n))
    L = int(rng.choice([1, 2, 3]))
    d, k = 1, int(rng.integers(1, 3))
    realizable = bool(p.get("realizable", False)) or bool(rng.random() < 0.3)
    X = orth_rows_X(rng, d, n)
    Phi = rng.integers(1, 5, size=(k, d)) * rng.choice([-1.0, 1.0], size=(k, d)) / 4.0
    Y = Phi @ X if realizable else Phi @ X + 0.3 * rng.standard_normal((k, n))
    Y0 = Y
    m = d + k + int(rng.integers(0, 2))
    if rng.random() < 0.5:
        A, B = tr.modified_identity(d, k, m, float(rng.choice([4.0, 8.0, 16.0])))
    else:
        A, B = tr.gaussian_transforms(rng, d, k, m, 2.0, 2.0)
    q = np_quantities(A, B, X)
    lam2 = (q["lamA"] * q["lamB"] * q["Xn"]) ** 2
    mu2 = (q["muA"] * q["muB"]) ** 2 * q["sr"] ** 2
    bounds = [1 / (6 * E * L * lam2), b / (2 * E * n * L * lam2),
              b * mu2 / (6 * E**3 * L * n * (q["lamA"] * q["lamB"]) ** 4 * q["Xn"] ** 2
                         * q["X2inf"] ** 2)]
    eta = min(bounds) * float(rng.uniform(0.5, 1.0))
    W = [np.zeros((m, m)) for _ in range(L)]
    mode = str(rng.choice(["trajectory", "random"]))
    if mode == "trajectory":  # an SGD iterate after a few steps at this eta
        for _ in range(int(rng.integers(1, 40))):
            S = rng.choice(n, b, replace=False)
            W = [w - eta * g for w, g in zip(W, tr.np_grads(A, B, W, X[:, S], Y[:, S],
                                                             n / b)[0], strict=True)]
    else:
        for i in range(L):
            D = rng.standard_normal((m, m))
            W[i] = D * (0.5 / L * float(rng.uniform(0.05, 0.9)) / np.linalg.norm(D))
    return {"A": A, "B": B, "X": X, "Y": Y0, "L": L, "W": W, "b": b, "eta": eta,
            "mode": mode, "realizable": realizable, "lstar_f": np_lstar(X, Y0)}


def _state(inst: Instance, ops: Any) -> dict:
    A, B, X, Y, W, L, b = (inst[k] for k in ("A", "B", "X", "Y", "W", "L", "b"))
    m = A.shape[0]
    n = X.shape[1]
    q = ops_quantities(ops, inst)
    eta = ops.scalar(inst["eta"])
    q["eta"] = eta
    q["e"] = ops.exp(ops.scalar(1))
    q["lam"] = q["lamA"] * q["lamB"]
    q["Lw"] = tr.loss(ops, A, B, W, X, Y)
    q["L0"] = tr.loss(ops, A, B, [np.zeros((m, m))] * L, X, Y)
    q["G"] = tr.gradients(ops, A, B, W, X, Y)
    q["gsq"] = sum((ops.fro_norm(g) ** 2 for g in q["G"][1:]), ops.fro_norm(q["G"][0]) ** 2)
    batches = list(itertools.combinations(range(n), b))
    q["batches"] = []
    for S in batches:
        Gs = tr.minibatch_gradients(ops, A, B, W, X, Y, S)
        Wn = [ops.sub(ops.asarray(w), ops.scale(eta, g)) for w, g in zip(W, Gs, strict=True)]
        ip = None
        for g, gs in zip(q["G"], Gs, strict=True):
            v = _inner(ops, g, gs)
            ip = v if ip is None else ip + v
        Gsq = sum((ops.fro_norm(g) ** 2 for g in Gs[1:]), ops.fro_norm(Gs[0]) ** 2)
        q["batches"].append({"S": S, "G": Gs, "Wn": Wn, "Ln": tr.loss(ops, A, B, Wn, X, Y),
                             "ip": ip, "Gsq": Gsq})
    cnt = ops.scalar(len(batches))
    q["ELn"] = sum((c["Ln"] for c in q["batches"][1:]), q["batches"][0]["Ln"]) / cnt
    q["EGsq"] = sum((c["Gsq"] for c in q["batches"][1:]), q["batches"][0]["Gsq"]) / cnt
    q["n"], q["bs"] = ops.scalar(n), ops.scalar(b)
    q["Lint"] = ops.scalar(L)
    return q


_CACHE: dict = {}


def _st(inst: Instance, ops: Any) -> dict:
    key = (id(inst), type(ops).__name__, getattr(ops, "label", ""))
    if key not in _CACHE:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = (inst, _state(inst, ops))
    return _CACHE[key][1]


def _hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    L = inst["L"]
    rad = ops.scalar(Fraction(1, 2 * L))  # the radius 0.5/L, exactly
    out = [Condition("||W_l||_F <= 0.5/L", ops.fro_norm(ops.asarray(w)), "<=", rad,
                     context=f"l={i + 1}") for i, w in enumerate(inst["W"])]
    out += [Condition("||W_l - eta G_l||_F <= 0.5/L (every minibatch)", ops.fro_norm(w), "<=",
                      rad, context=f"S={c['S']}") for c in q["batches"] for w in c["Wn"]]
    out.append(Condition("L(W) <= 2 L(W(0))", q["Lw"], "<=", ops.scalar(2) * q["L0"]))
    lam2x = q["lam"] ** 2 * q["Xn"] ** 2
    out.append(Condition("eta <= 1/(6 e L lam^2 ||X||^2)", q["eta"], "<=",
                         ops.scalar(1) / (ops.scalar(6) * q["e"] * q["Lint"] * lam2x)))
    out.append(Condition("eta <= b/(2 e n L lam^2 ||X||^2)", q["eta"], "<=",
                         q["bs"] / (ops.scalar(2) * q["e"] * q["n"] * q["Lint"] * lam2x)))
    mu2 = q["muA"] ** 2 * q["muB"] ** 2 * q["sr"] ** 2
    out.append(Condition("(A.11) eta <= b mu^2 mu^2 sr^2/(6e^3 L n lam^4 ||X||^2 ||X||_2inf^2)",
                         q["eta"], "<=", q["bs"] * mu2 / (ops.scalar(6) * q["e"] ** 3 * q["Lint"]
                                                         * q["n"] * q["lam"] ** 4 * q["Xn"] ** 2
                                                         * q["X2inf"] ** 2)))
    return out


def _hyp_for(extra: str) -> Any:
    """The shared hypotheses plus the regime each step of the proof assumes."""
    def hyp(inst: Instance, ops: Any, p: Params) -> list[Condition]:
        out = _hyp(inst, ops, p)
        q = _st(inst, ops)
        if extra in ("regime", "a14", "real"):
            out.append(Condition("regime of (A.7): lam ||X|| >= 4 sqrt(L0/e) (with the "
                                 "sqrt(2eL) coefficient of Lemma A.2)", q["lam"] * q["Xn"],
                                 ">=", ops.scalar(4) * ops.sqrt(q["L0"] / q["e"])))
        if extra == "a14":
            g0, g1 = _gam(q, ops)
            epsp = (q["Lw"] - q["Lstar"]) / ops.scalar(2)  # eps' < L - L*: E_{t-1} holds
            out.append(Condition("eta <= gamma_0 eps'/(4 gamma_1), eps' = (L - L*)/2",
                                 q["eta"] * ops.scalar(4) * g1, "<=", g0 * epsp))
        if extra == "real":
            out.append(Condition("L(W*) = 0 (realizable: ||Phi X - Y|| <= 0)",
                                 q["Lstar"], "<=", ops.scalar(0)))
        return out
    return hyp


def _eqA4(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    out = []
    c0 = ops.sqrt(ops.scalar(2) * q["e"]) * q["eta"] * q["n"] * q["lam"] * q["Xn"] / q["bs"]
    for c in q["batches"]:
        for i, (w, wn, g) in enumerate(zip(inst["W"], c["Wn"], c["G"], strict=True)):
            wf = ops.fro_norm(ops.asarray(w))
            out.append(Condition("(A.4) ||W_l(t)||_F <= ||W_l(t-1)||_F + eta ||G_l||_F",
                                 ops.fro_norm(wn), "<=", wf + q["eta"] * ops.fro_norm(g),
                                 context=f"S={c['S']}, l={i + 1}"))
            out.append(Condition("(A.4) eta||G_l|| <= sqrt(2e) eta n lam ||X|| sqrt(L)/b",
                                 q["eta"] * ops.fro_norm(g), "<=",
                                 c0 * ops.sqrt(q["Lw"]) * ops.scalar(p["coef"]),
                                 context=f"S={c['S']}, l={i + 1}"))
    return out


def _smooth(q: dict, ops: Any) -> Any:
    lx = q["lam"] * q["Xn"]
    two = ops.scalar(2)
    return q["Lint"] * lx * (ops.sqrt(two * q["e"] * q["Lw"]) + q["e"] / two * lx)


def _eqA6(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    s = _smooth(q, ops)
    return [Condition("(A.6) L(W-eta G) - L(W) <= -eta<grad,G> + eta^2 L lam||X||(sqrt(2eL) + "
                      "0.5e lam||X||) sum||G||^2", c["Ln"] - q["Lw"], "<=",
                      -q["eta"] * c["ip"] + q["eta"] ** 2 * s * c["Gsq"] * ops.scalar(p["coef"]),
                      context=f"S={c['S']}") for c in q["batches"]]


def _eqA7(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    lam2x = q["lam"] ** 2 * q["Xn"] ** 2
    return [Condition("(A.7) L(W-eta G) - L(W) <= -eta<grad,G> + e eta^2 L lam^2||X||^2 "
                      "sum||G||^2", c["Ln"] - q["Lw"], "<=",
                      -q["eta"] * c["ip"] + q["e"] * q["eta"] ** 2 * q["Lint"] * lam2x
                      * c["Gsq"] * ops.scalar(p["coef"]), context=f"S={c['S']}")
            for c in q["batches"]]


def _eqA8(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    lam2x = q["lam"] ** 2 * q["Xn"] ** 2
    return [Condition("(A.8) E[L_new|W] - L <= -eta||grad||^2 + e eta^2 L lam^2||X||^2 "
                      "E||G||^2", q["ELn"] - q["Lw"], "<=",
                      -q["eta"] * q["gsq"] + q["e"] * q["eta"] ** 2 * q["Lint"] * lam2x
                      * q["EGsq"] * ops.scalar(p["coef"]))]


def _eqA9(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    A, B, X, Y, W = inst["A"], inst["B"], inst["X"], inst["Y"], inst["W"]
    n = X.shape[1]
    per = [tr.gradients(ops, A, B, W, X[:, i:i + 1], Y[:, i:i + 1]) for i in range(n)]
    out = []
    cnt = ops.scalar(len(q["batches"]))
    for lyr in range(inst["L"]):
        EG = sum((ops.fro_norm(c["G"][lyr]) ** 2 for c in q["batches"][1:]),
                 ops.fro_norm(q["batches"][0]["G"][lyr]) ** 2) / cnt
        Ei = sum((ops.fro_norm(g[lyr]) ** 2 for g in per[1:]), ops.fro_norm(per[0][lyr]) ** 2) \
            / q["n"]
        gl = ops.fro_norm(q["G"][lyr]) ** 2
        out.append(Condition("(A.9) E||G_l||^2 <= (n^2/b) E_i||grad ell_i||^2 + ||grad_l||^2",
                             EG, "<=", q["n"] ** 2 / q["bs"] * Ei * ops.scalar(p["coef"]) + gl,
                             context=f"l={lyr + 1}"))
        out.append(Condition("(A.9) E_i||grad ell_i||^2 <= 2e lam^2 ||X||_2inf^2 L / n", Ei, "<=",
                             ops.scalar(2) * q["e"] * q["lam"] ** 2 * q["X2inf"] ** 2 * q["Lw"]
                             / q["n"], context=f"l={lyr + 1}"))
    return out


def _gam(q: dict, ops: Any) -> tuple[Any, Any]:
    mu2 = q["muA"] ** 2 * q["muB"] ** 2 * q["sr"] ** 2
    g0 = ops.scalar(4) * q["Lint"] * mu2 / (ops.scalar(3) * q["e"])
    g1 = (ops.scalar(2) * q["e"] ** 2 * q["Lint"] ** 2 * q["n"] * q["lam"] ** 4 * q["Xn"] ** 2
          * q["X2inf"] ** 2 * q["Lstar"] / q["bs"])
    return g0, g1


def _eqA10(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    v = (ops.scalar(2) * q["e"] ** 2 * q["eta"] ** 2 * q["Lint"] ** 2 * q["n"] * q["lam"] ** 4
         * q["Xn"] ** 2 * q["X2inf"] ** 2 / q["bs"])
    return [Condition("(A.10) E[L_new] - L <= -(5eta/6)||grad||^2 + 2e^2 eta^2 L^2 n lam^4 "
                      "||X||^2 ||X||_2inf^2 L / b", q["ELn"] - q["Lw"], "<=",
                      -ops.scalar(5) * q["eta"] / ops.scalar(6) * q["gsq"] * ops.scalar(p["dcoef"])
                      + v * q["Lw"] * ops.scalar(p["coef"]))]


def _eqA12(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    g0, g1 = _gam(q, ops)
    gap = q["Lw"] - q["Lstar"]
    return [Condition("(A.12) E[L_new] - L <= -(4 eta L mu^2mu^2sr^2/3e)(L - L*) + eta^2 gamma_1",
                      q["ELn"] - q["Lw"], "<=", -q["eta"] * g0 * gap * ops.scalar(p["dcoef"])
                      + q["eta"] ** 2 * g1 * ops.scalar(p["coef"])),
            Condition("(A.13) E[L_new] - L* <= (1 - eta gamma_0)(L - L*) + eta^2 gamma_1",
                      q["ELn"] - q["Lstar"], "<=", (ops.scalar(1) - q["eta"] * g0) * gap
                      + q["eta"] ** 2 * g1 * ops.scalar(p["coef"]))]


def _eqA14(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    g0, g1 = _gam(q, ops)
    gap = q["Lw"] - q["Lstar"]
    return [Condition("(A.14) E[L_new - L*] <= (1 - 3 eta gamma_0/4)(L - L*)",
                      q["ELn"] - q["Lstar"], "<=",
                      (ops.scalar(1) - ops.scalar(3) * q["eta"] * g0 / ops.scalar(4)
                       * ops.scalar(p["coef"])) * gap)]


def _eqA15(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    c = ops.scalar(3) * q["e"] * q["eta"] * q["n"] * q["Lint"] * q["lam"] ** 2 * q["Xn"] ** 2 \
        / q["bs"] * ops.scalar(p["coef"])
    out = []
    for bt in q["batches"]:
        out.append(Condition("(A.15) L(W - eta G) <= (1 + 3e eta n L lam^2 ||X||^2/b) L(W)",
                             bt["Ln"], "<=", (ops.scalar(1) + c) * q["Lw"],
                             context=f"S={bt['S']}"))
        if p["two_sided"]:
            out.append(Condition("increment bounded below: L(W - eta G) >= (1 - 3e eta n L "
                                 "lam^2 ||X||^2/b) L(W)", bt["Ln"], ">=",
                                 (ops.scalar(1) - c) * q["Lw"], context=f"S={bt['S']}"))
    return out


def _eqA18(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    q = _st(inst, ops)
    g0, _ = _gam(q, ops)
    c = ops.scalar(3) * q["e"] * q["eta"] * q["n"] * q["Lint"] * q["lam"] ** 2 * q["Xn"] ** 2 \
        / q["bs"]
    return [Condition("(A.18) E[L_new | W] <= (1 - 4 eta L mu^2mu^2sr^2/(3e)) L  (L* = 0)",
                      q["ELn"], "<=", (ops.scalar(1) - q["eta"] * g0 * ops.scalar(p["coef"]))
                      * q["Lw"]),
            Condition("(A.18) increment bound 3e eta L n lam^2||X||^2/b + eta gamma_0 <= 4e eta "
                      "L n lam^2 ||X||^2 / b", c + q["eta"] * g0, "<=",
                      ops.scalar(4) * q["e"] * q["eta"] * q["Lint"] * q["n"] * q["lam"] ** 2
                      * q["Xn"] ** 2 / q["bs"])]


_STEPS = [
    ("zlg20.eqA_4", "(A.4) one-step trajectory growth for SGD", "(A.4)", _eqA4,
     {"coef": 0.5}, ""),
    ("zlg20.eqA_6", "(A.6) smoothness step with a stochastic gradient", "(A.6)", _eqA6,
     {"coef": 0.0}, ""),
    ("zlg20.eqA_7", "(A.7) simplified smoothness step", "(A.7)", _eqA7, {"coef": 0.0},
     "regime"),
    ("zlg20.eqA_8", "(A.8) expected one-step change", "(A.8)", _eqA8, {"coef": 0.0}, "regime"),
    ("zlg20.eqA_9", "(A.9) second moment of the minibatch gradient", "(A.9)", _eqA9,
     {"coef": 0.0}, ""),
    ("zlg20.eqA_10", "(A.10) expected descent with variance term", "(A.10)", _eqA10,
     {"dcoef": 1.5}, "regime"),
    ("zlg20.eqA_12", "(A.12)-(A.13) expected descent in suboptimality", "(A.12), (A.13)",
     _eqA12, {"dcoef": 20.0}, "regime"),
    ("zlg20.eqA_14", "(A.14) contraction away from the target", "(A.14)", _eqA14,
     {"coef": 30.0}, "a14"),
    ("zlg20.eqA_15", "(A.15) multiplicative per-step growth bound, every minibatch", "(A.15)",
     _eqA15, {"coef": -1.0}, "regime"),
    ("zlg20.eqA_18", "(A.18) expected contraction, realizable case", "(A.18)", _eqA18,
     {"coef": 30.0}, "real"),
]
for _id, _title, _eqn, _concl, _brk, _extra in _STEPS:
    _r = Result(
        id=_id, title=_title, source=Source(PAPER, "App. A.4 / A.6 (proofs of Thms 3.6, 3.8)",
                                            _eqn),
        statement=_title, kind="inequality",
        check=Deterministic(_sample, _hyp_for(_extra), _concl),
        params={"coef": 1.0, "two_sided": False, "realizable": _id == "zlg20.eqA_18",
                "dcoef": 1.0},
        profiles={"full": {"instances": 100}}, broken=_brk,
        instances=40 if _id == "zlg20.eqA_14" else 20,
        certifiable=True)
    register(_r)
    if _id == "zlg20.eqA_15":
        register(_r.with_variant(
            "two-sided", params={**_r.params, "two_sided": True},
            notes="Erratum 3 (catalog §8): the proofs' one-sided Azuma step needs bounded "
                  "differences; this variant checks that the per-step log-increment is also "
                  "bounded BELOW by -3e eta n L lam^2 ||X||^2/b for every minibatch (outside "
                  "the hitting step, where the indicator makes it -inf: a stopped process "
                  "repairs that)."))
