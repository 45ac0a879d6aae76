"""hxp20 orthogonal initialization (eq. (4)) and its properties at t = 0: footnote 1,
Lemma 4.2 with eqs. (8)-(9), the constant B, and the App. A.1 tools (random projection,
chi-square tails, eq. (13)).

Hu, Xiao & Pennington, ICLR 2020. Catalog: ``shared/catalog/hxp20.md``. Probabilistic
statements use the catalog's explicit-constant (EC) versions: if ``m >= 16 log(2r/delta)``
then w.p. >= 1 - delta, ``l(0) <= (4 + 6 log(2r/delta)/d_y) ||X||_F^2 + ||Y||_F^2``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats as sst

from boundcheck.arith.constants import exact_const
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
from boundcheck.check.verdict import Condition, power_contrast
from boundcheck.model.init import haar_isometry, initialize

from . import PAPER
from .claim4_4 import sub_products

EPS = np.finfo(float).eps


def _none(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    return []


def _orth_dims(rng: np.random.Generator, p: Params) -> tuple[int, ...]:
    L = int(rng.choice(p["L_choices"]))
    m = int(rng.choice(p["m_choices"]))
    d_x = int(rng.integers(1, min(m, p["max_d"]) + 1))
    d_y = int(rng.integers(1, min(m, p["max_d"]) + 1))
    return (d_x,) + (m,) * (L - 1) + (d_y,)


# --------------------------------------------------------------------------- eq. (4)
def _eq4_sample(rng: np.random.Generator, p: Params) -> Instance:
    """Haar layers ``W`` (float64's check) and, drawn last so that the float64 instance is
    unchanged, exactly isometric dyadic layers ``V_exact`` of the same sizes (``W = sqrt(m)
    V``), which certified backends check."""
    dims = _orth_dims(rng, p)
    W = initialize("orthogonal", rng, dims)
    V = initialize("orthogonal", rng, dims, normalized=True, exact=True)
    return {"dims": dims, "W": W, "V_exact": V}


def _eq4_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """W_1^T W_1 = m I, W_i^T W_i = W_i W_i^T = m I (middle), W_L W_L^T = m I.

    float64: the Haar ``W`` (to roundoff). Certified backends: ``W = sqrt(m) V`` with ``V``
    exactly isometric dyadic, the Gram ``W^T W = m V^T V`` formed with ``(sqrt m)^2 = m``
    exactly, decided at radius 0."""
    dims = inst["dims"]
    exact = getattr(ops, "certified", False) and "V_exact" in inst
    Ws = inst["V_exact"] if exact else inst["W"]
    m, L = dims[1], len(Ws)
    target = ops.scalar(exact_const(p["gram_factor"])) * ops.scalar(m)
    conds = []
    for i, W in enumerate(Ws, start=1):
        A = ops.asarray(W)
        grams = []
        if i < L:
            grams.append(("W_i^T W_i", ops.matmul(ops.transpose(A), A)))
        if i > 1:
            grams.append(("W_i W_i^T", ops.matmul(A, ops.transpose(A))))
        for name, G in grams:
            if exact:
                G = ops.scale(ops.scalar(m), G)
            n = ops.shape(G)[0]
            dev = ops.fro_norm(ops.sub(G, ops.scale(target, ops.eye(n))))
            conds.append(Condition(f"{name} = m I", dev, "<=", ops.scalar(0),
                                   context=f"i={i}" + (", exact dyadic init" if exact else ""),
                                   float_tol=8 * m * n * EPS * m))
    return conds


register(Result(
    id="hxp20.eq4", title="Scaled orthogonal initialization",
    certifiable=True,  # issue 13: exact dyadic init for certified backends
    source=Source(PAPER, "§4", "eq. (4)"),
    statement=r"W_1^\top W_1=mI_{d_x},\ W_i^\top W_i=W_iW_i^\top=mI_m,\ W_LW_L^\top=mI_{d_y},"
              r"\ \alpha=1/\sqrt{m^{L-1}d_y}",
    kind="definition",
    check=Deterministic(_eq4_sample, _none, _eq4_conclusions),
    params={"L_choices": [2, 3, 5, 8], "m_choices": [4, 8, 16], "max_d": 4, "gram_factor": 1.0},
    broken={"gram_factor": 1.05},
    instances=12,
    notes="Haar sampling by QR with sign correction; identities hold to roundoff "
          "(allowance 8 m n eps m). m < max(d_x, d_y) is rejected with an InputError. "
          "Certified backends (--backend ball) check exactly isometric dyadic layers of the "
          "same sizes (W = sqrt(m) V, drawn after the Haar ones; only the init differs).",
))


# --------------------------------------------------------------------------- footnote 1
def _fn1_conds(ratios: np.ndarray, z: float, d_y: int, m: int, p: Params) -> list[Condition]:
    """The CI of the mean ratio contains 1; KS against the exact law (m/d_y) Beta(d_y/2,
    (m-d_y)/2) (catalog)."""
    mean = float(ratios.mean())
    se = float(ratios.std(ddof=1) / math.sqrt(ratios.size))
    lo, hi = mean - z * se, mean + z * se
    conds = [Condition("CI lower <= 1", lo, "<=", 1.0), Condition("CI upper >= 1", hi, ">=", 1.0)]
    if m > d_y:
        ks = sst.kstest(ratios * d_y / m, sst.beta(d_y / 2, (m - d_y) / 2).cdf)
        conds.append(Condition("KS p-value vs (m/d_y) Beta(d_y/2,(m-d_y)/2)", ks.pvalue, ">=",
                               p["ks_level"]))
    return conds


def _fn1_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    """Monte-Carlo mean of ||f(x)||^2 / ||x||^2 over fresh inits; its 99% CI must contain 1."""
    L, m, d_x, d_y = p["L"], p["m"], p["d_x"], p["d_y"]
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    alpha = 1.0 / math.sqrt(m ** (L - 1) * d_y) * p["alpha_factor"]
    x = rng.standard_normal(d_x)
    ratios = np.empty(p["trials"])
    for k in range(p["trials"]):
        out = x
        for W in initialize("orthogonal", rng, dims):
            out = W @ out
        ratios[k] = float(np.sum((alpha * out) ** 2) / np.sum(x * x))
    mean = float(ratios.mean())
    se = float(ratios.std(ddof=1) / math.sqrt(ratios.size))
    z = float(sst.norm.ppf(1 - (1 - p["confidence"]) / 2))
    lo, hi = mean - z * se, mean + z * se
    # Exact law: (m/d_y) Beta(d_y/2, (m-d_y)/2) (catalog); KS against it as a second check.
    ks = sst.kstest(ratios * d_y / m, sst.beta(d_y / 2, (m - d_y) / 2).cdf) if m > d_y else None
    conds = _fn1_conds(ratios, z, d_y, m, p)
    # Power contrast: the same ratios off by the factor 1 + contrast_shift (a norm that is
    # not preserved in expectation) must be rejected by the same CI and KS tests.
    conds.append(power_contrast(f"E||f(x)||^2/||x||^2 = {1 + p['contrast_shift']:g}",
                                _fn1_conds(ratios * (1 + p["contrast_shift"]), z, d_y, m, p),
                                "reject"))
    return ScalingOutcome(conds, {"estimate": mean, "interval": [lo, hi],
                                  "trials": int(ratios.size), "confidence": p["confidence"],
                                  "ks_pvalue": None if ks is None else float(ks.pvalue)})


register(Result(
    id="hxp20.fn1", title="Norm preservation at orthogonal init, in expectation",
    source=Source(PAPER, "§4, footnote 1", ""),
    statement=r"\mathbb E\|f(x;W(0))\|^2=\|x\|^2",
    kind="fact",
    check=Scaling(_fn1_run, type_name="statistical-estimate"),
    params={"L": 3, "m": 6, "d_x": 3, "d_y": 2, "trials": 3000, "confidence": 0.99,
            "ks_level": 1e-3, "alpha_factor": 1.0, "contrast_shift": 0.08},
    profiles={"full": {"trials": 30000, "L": 5, "m": 16}},
    broken={"alpha_factor": 1.1},  # a wrong normalization: E ratio = 1.21
    notes="Estimate with a 99% normal CI (3000 draws), plus a KS test against the exact law.",
))


# --------------------------------------------------------------------------- Lemma 4.2 (8)
def _eq8_sample_factory(exact: bool):
    def sample(rng: np.random.Generator, p: Params) -> Instance:
        dims = _orth_dims(rng, p)
        out = {"dims": dims,
               "V": initialize("orthogonal", rng, dims, normalized=True, exact=exact)}
        if not exact:  # hxp20.eq8: exact dyadic layers of the same sizes, drawn last, for
            # certified backends (the float64 Haar instance is unchanged)
            out["V_exact"] = initialize("orthogonal", rng, dims, normalized=True, exact=True)
        return out
    return sample


def _eq8_haar_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """hxp20.eq8: float64 on the Haar layers; certified backends on ``V_exact`` (a Haar
    sample is not exactly orthogonal in float64, which certified arithmetic would see)."""
    if getattr(ops, "certified", False) and "V_exact" in inst:
        inst = {"dims": inst["dims"], "V": inst["V_exact"]}
    return _eq8_conclusions(inst, ops, p)


def _eq8_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """Every admissible V_{j:i}(0) is an isometry: ||P^T P - I||_F = 0 (P tall) or
    ||P P^T - I||_F = 0 (P wide), i.e. all singular values of W_{j:i}(0) equal
    m^{(j-i+1)/2}. Exactly zero for exact isometries; float64 gets a rounding allowance."""
    Vs = [ops.asarray(V) for V in inst["V"]]
    shift = p["shift"]
    conds = []
    for (i, j), P in sub_products(ops, Vs).items():
        r, c = ops.shape(P)
        G = ops.matmul(ops.transpose(P), P) if r >= c else ops.matmul(P, ops.transpose(P))
        k = min(r, c)
        dev = ops.fro_norm(ops.sub(G, ops.scale(ops.scalar(1) + ops.scalar(shift), ops.eye(k))))
        conds.append(Condition("||V_{j:i}^T V_{j:i} - I||_F = 0", dev, "<=", ops.scalar(0.0),
                               context=f"(i,j)=({i},{j})",
                               float_tol=4 * (j - i + 2) * max(r, c) * k * EPS))
    return conds


_EQ8_PARAMS = {"L_choices": [2, 3, 5, 8, 10], "m_choices": [4, 8, 16], "max_d": 4, "shift": 0.0}

register(Result(
    id="hxp20.lem4_2", title="Properties at orthogonal initialization (part (8), exact)",
    source=Source(PAPER, "§4.1, Lemma 4.2; proof App. A.1", "eqs. (8)-(9)"),
    statement=r"\sigma_{\max}(W_{j:i}(0))=\sigma_{\min}(W_{j:i}(0))=m^{(j-i+1)/2},\ "
              r"(i,j)\ne(1,L)",
    kind="lemma",
    check=Deterministic(_eq8_sample_factory(exact=True), _none, _eq8_conclusions),
    params=dict(_EQ8_PARAMS),
    broken={"shift": 1e-6},
    instances=12,
    notes="Deterministic part (8) on exactly orthogonal dyadic layers (boundcheck.model.init."
          "exact_isometry), so a certified backend can decide the equality exactly. The "
          "probabilistic part (9) is hxp20.eq9; the Haar-sampled part (8) is hxp20.eq8.",
    certifiable=True,
))

register(Result(
    id="hxp20.eq8", title="Lemma 4.2 (8): sub-products are scaled isometries at init (Haar)",
    certifiable=True,  # issue 13: exact dyadic layers for certified backends
    source=Source(PAPER, "§4.1, Lemma 4.2", "eq. (8)"),
    statement=r"\sigma_{\max}(W_{j:i}(0))=\sigma_{\min}(W_{j:i}(0))=m^{(j-i+1)/2}",
    kind="equation",
    check=Deterministic(_eq8_sample_factory(exact=False), _none, _eq8_haar_conclusions),
    params=dict(_EQ8_PARAMS),
    broken={"shift": 1e-6},
    instances=12,
    notes="Haar layers in float64 (V units); rounding allowance 4 (len+1) m k eps. The full "
          "product (1, L) is excluded as printed: W_{L:1}(0) is generally not isometric. "
          "Certified backends (--backend ball) check exactly isometric dyadic layers of the "
          "same sizes drawn after the Haar ones (as hxp20.lem4_2 does), decided exactly.",
))


# --------------------------------------------------------------------------- Lemma 4.2 (9)
def ec_initial_loss_bound(X: np.ndarray, WstarX: np.ndarray, d_y: int, r: int, delta: float,
                          c0: float = 4.0, c1: float = 6.0) -> float:
    """The EC form of (9): ``(c0 + c1 log(2r/delta)/d_y) ||X||_F^2 + ||W* X||_F^2``."""
    return (c0 + c1 * math.log(2 * r / delta) / d_y) * float(np.sum(X * X)) + float(
        np.sum(WstarX * WstarX))


def _initial_output(rng: np.random.Generator, X: np.ndarray, m: int, d_y: int) -> np.ndarray:
    """U(0) for any L >= 2 (its law does not depend on L): sqrt(m/d_y) Q^T V X, with V a Haar
    m x d_x isometry and Q an independent Haar m x d_y isometry (catalog, lem4_2 recipe)."""
    V = haar_isometry(rng, m, X.shape[0])
    Q = haar_isometry(rng, m, d_y)
    return math.sqrt(m / d_y) * (Q.T @ (V @ X))


def _eq9_trial(rng: np.random.Generator, p: Params) -> bool | None:
    d_x, d_y, m, delta = p["d_x"], p["d_y"], p["m"], p["delta"]
    X = rng.standard_normal((d_x, d_x))  # full rank a.s.; r = d_x
    r = d_x
    if m < 16 * math.log(2 * r / delta):  # EC hypothesis
        return None
    Wstar = p["wstar_scale"] * rng.standard_normal((d_y, d_x)) / math.sqrt(d_x)
    Y = Wstar @ X
    U = _initial_output(rng, X, m, d_y)
    loss0 = 0.5 * float(np.sum((U - Y) ** 2))
    return loss0 <= ec_initial_loss_bound(X, Y, d_y, r, delta, p["c0"], p["c1"])


register(Result(
    id="hxp20.eq9", title="Lemma 4.2 (9): initial loss bound, w.p. >= 1 - delta",
    source=Source(PAPER, "§4.1, Lemma 4.2; App. A.1", "eq. (9)"),
    statement=r"\ell(0)\le O\big(1+\tfrac{\log(r/\delta)}{d_y}+\|W^*\|^2\big)\|X\|_F^2",
    kind="equation",
    check=Statistical(_eq9_trial, delta=lambda p: p["delta"]),
    params={"d_x": 3, "d_y": 2, "m": 80, "delta": 0.1, "wstar_scale": 1.0, "c0": 4.0,
            "c1": 6.0},
    profiles={"full": {"instances": 20000, "m": 256}},
    broken={"c0": 0.05, "c1": 0.0, "wstar_scale": 0.0},
    instances=400,
    notes="EC version (catalog): m >= 16 log(2r/delta) => w.p. >= 1-delta, "
          "l(0) <= (4 + 6 log(2r/delta)/d_y)||X||_F^2 + ||Y||_F^2.",
))


# --------------------------------------------------------------------------- def B
def _defB_sample(rng: np.random.Generator, p: Params) -> Instance:
    d_x, d_y = int(rng.integers(1, 5)), int(rng.integers(1, 5))
    X = rng.standard_normal((d_x, d_x))
    Wstar = rng.standard_normal((d_y, d_x)) * float(rng.choice([0.0, 0.1, 1.0, 5.0]))
    return {"X": X, "Wstar": Wstar, "d_y": d_y, "r": d_x,
            "delta": float(rng.choice([0.5, 0.1, 0.01, 1e-4]))}


K_PRINTED = 4 + 6 * math.log(2)


def _defB_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """B_EC has the printed O(.) form with the explicit constant 4 + 6 ln 2 = 8.159.

    All in ``ops``: ``delta`` as the rational it stands for, the logarithms and ``4 + 6 ln 2``
    as enclosures (a K other than the printed float, e.g. the broken 3.0, as its rational)."""
    X, Wstar, d_y, r = (ops.asarray(inst["X"]), ops.asarray(inst["Wstar"]), inst["d_y"],
                        inst["r"])
    delta = ops.scalar(exact_const(inst["delta"]))
    dy, rr = ops.scalar(d_y), ops.scalar(r)
    xF = ops.fro_norm(X)
    x2 = xF * xF
    wx = ops.fro_norm(ops.matmul(Wstar, X))
    B_ec = (ops.scalar(4) + ops.scalar(6) * ops.log(ops.scalar(2) * rr / delta) / dy) * x2 \
        + wx * wx
    wn = ops.spec_norm(Wstar)
    shape = (ops.scalar(1) + ops.log(rr / delta) / dy + wn * wn) * x2
    K = (ops.scalar(4) + ops.scalar(6) * ops.log(ops.scalar(2)) if p["K"] == K_PRINTED
         else ops.scalar(exact_const(p["K"])))
    return [Condition("B_EC <= K (1 + log(r/delta)/d_y + ||W*||^2) ||X||_F^2", B_ec,
                      "<=", K * shape, float_tol=1e-12 * ops.mid(B_ec))]


register(Result(
    id="hxp20.def_B", title="The constant B (the high-probability bound on l(0))",
    certifiable=True,  # issue 13: logs, 4 + 6 ln 2 and delta exact/enclosed in ops
    source=Source(PAPER, "§4.1", "definition of B"),
    statement=r"B=O\big(1+\tfrac{\log(r/\delta)}{d_y}+\|W^*\|^2\big)\|X\|_F^2",
    kind="definition",
    check=Deterministic(_defB_sample, _none, _defB_conclusions),
    params={"K": K_PRINTED},
    broken={"K": 3.0},
    instances=16,
    notes="Checks that the EC bound B_EC is of the printed O(.) form, with K = 4 + 6 ln 2.",
))


# --------------------------------------------------------------------------- App. A.1 tools
def _factA1_run(rng: np.random.Generator, p: Params, say: Any) -> ScalingOutcome:
    """KS test: ||W_L(0) z / sqrt(m)||^2 / ||z||^2 ~ Beta(d_y/2, (m-d_y)/2), z = the
    normalized output of the first L-1 layers (independent of W_L(0))."""
    L, m, d_x, d_y = p["L"], p["m"], p["d_x"], p["d_y"]
    dims = (d_x,) + (m,) * (L - 1) + (d_y,)
    x = rng.standard_normal(d_x)
    ratios, norm_dev = np.empty(p["trials"]), 0.0
    for k in range(p["trials"]):
        Vs = initialize("orthogonal", rng, dims, normalized=True)
        z = x
        for V in Vs[:-1]:
            z = V @ z
        norm_dev = max(norm_dev, abs(float(np.linalg.norm(z) / np.linalg.norm(x)) - 1))
        ratios[k] = float(np.sum((Vs[-1] @ z) ** 2) / np.sum(z * z))
    a, b = d_y / 2 + p["shape_shift"], (m - d_y) / 2
    ks = sst.kstest(ratios, sst.beta(a, b).cdf)
    # Power contrast: the same KS test against Beta(d_y/2 + 1/2, (m-d_y)/2) must reject.
    ks_c = sst.kstest(ratios, sst.beta(a + p["contrast_shape_shift"], b).cdf)
    return ScalingOutcome(
        [Condition("KS p-value vs Beta(d_y/2, (m-d_y)/2)", float(ks.pvalue), ">=", p["ks_level"]),
         Condition("||z|| = ||x||", norm_dev, "<=", 0.0, float_tol=8 * L * m * EPS),
         power_contrast(f"Beta(d_y/2 + {p['contrast_shape_shift']:g}, (m-d_y)/2)",
                        [Condition("KS p-value vs the contrast law", float(ks_c.pvalue), ">=",
                                   p["ks_level"])], "reject")],
        {"ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
         "trials": p["trials"]})


register(Result(
    id="hxp20.factA1_proj", title="Random-projection representation of the top layer",
    source=Source(PAPER, "App. A.1", "proof of Lemma 4.2"),
    statement=r"\|\tfrac1{\sqrt m}W_L(0)z\|^2/\|z\|^2\sim\mathrm{Beta}(\tfrac{d_y}2,"
              r"\tfrac{m-d_y}2),\ \|z\|=\|x\|",
    kind="fact",
    check=Scaling(_factA1_run, type_name="statistical-estimate"),
    params={"L": 3, "m": 8, "d_x": 2, "d_y": 2, "trials": 1500, "ks_level": 1e-3,
            "shape_shift": 0.0, "contrast_shape_shift": 0.25},
    profiles={"full": {"trials": 20000, "m": 32}},
    broken={"shape_shift": 1.0},
))


def _chi2_trial(rng: np.random.Generator, p: Params) -> bool:
    d_y, m, dp = p["d_y"], p["m"], p["delta_prime"]
    lg = math.log(1 / dp)
    top = float(np.sum(rng.standard_normal(d_y) ** 2))
    bottom = float(np.sum(rng.standard_normal(m) ** 2))
    upper_ok = top <= d_y + p["c_sqrt"] * math.sqrt(d_y * lg) + p["c_log"] * lg
    lower_ok = bottom >= m - p["c_sqrt"] * math.sqrt(m * lg)
    return upper_ok and lower_ok


register(Result(
    id="hxp20.ineqA1_chi2", title="Chi-square tail bounds (Laurent-Massart)",
    source=Source(PAPER, "App. A.1", "proof of Lemma 4.2"),
    statement=r"\Pr[\chi^2_{d_y}\le d_y+2\sqrt{d_y\log\frac1{\delta'}}+2\log\frac1{\delta'}]"
              r"\ge1-\delta',\ \Pr[\chi^2_m\ge m-2\sqrt{m\log\frac1{\delta'}}]\ge1-\delta'",
    kind="inequality",
    check=Statistical(_chi2_trial, delta=lambda p: 2 * p["delta_prime"]),
    params={"d_y": 2, "m": 20, "delta_prime": 0.05, "c_sqrt": 2.0, "c_log": 2.0},
    profiles={"full": {"instances": 50000, "delta_prime": 0.01}},
    broken={"c_sqrt": 0.0, "c_log": 0.0},
    instances=600,
    notes="Both tails in one trial; by the union bound the joint failure probability is "
          "<= 2 delta'.",
))


def _eq13_trial(rng: np.random.Generator, p: Params) -> bool | None:
    d_x, d_y, m, r, delta = p["d_x"], p["d_y"], p["m"], p["r"], p["delta"]
    lg = math.log(2 * r / delta)
    if m < 16 * lg:
        return None
    x = rng.standard_normal((d_x, 1))
    f = _initial_output(rng, x, m, d_y)
    return float(np.sum(f * f)) <= (p["c0"] + p["c1"] * lg / d_y) * float(np.sum(x * x))


register(Result(
    id="hxp20.eq13", title="Per-input initial output bound",
    source=Source(PAPER, "App. A.1", "eq. (13)"),
    statement=r"\|f(x;W(0))\|^2\le O\big(1+\tfrac{\log(r/\delta)}{d_y}\big)\|x\|^2"
              r"\ \text{w.p.}\ \ge1-\delta/r",
    kind="equation",
    check=Statistical(_eq13_trial, delta=lambda p: p["delta"] / p["r"]),
    params={"d_x": 3, "d_y": 1, "m": 80, "r": 2, "delta": 0.1, "c0": 4.0, "c1": 6.0},
    profiles={"full": {"instances": 20000}},
    broken={"c0": 1.0, "c1": 0.0},
    instances=400,
    notes="EC version: m >= 16 log(2r/delta) => ||f(x)||^2 <= (4 + 6 log(2r/delta)/d_y)||x||^2.",
))
