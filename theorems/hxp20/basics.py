"""hxp20 §3-4 definitions and identities: the model, objective and GD (eqs. (1)-(3)).

Hu, Xiao & Pennington, ICLR 2020. Catalog: ``shared/catalog/hxp20.md``.
"""


from __future__ import annotations

from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import exact_grad as eg
from boundcheck.model.init import initialize
from boundcheck.model.problem import Problem

PAPER = "hxp20"


# --------------------------------------------------------------------------- eq. (3)
def _sample_gradient_instance(rng: np.random.Generator, p: Params) -> Instance:
    L = int(rng.integers(2, p["max_L"] + 1))
    dims = tuple(int(d) for d in rng.integers(1, p["max_width"] + 1, size=L + 1))
    n = int(rng.integers(1, 5))
    X = rng.standard_normal((dims[0], n))
    Y = rng.standard_normal((dims[-1], n))
    prob = Problem(X=X, Y=Y, dims=dims, alpha=float(rng.uniform(0.5, 2.0)))
    Ws = initialize("gaussian", rng, dims, sigma=1.0 / np.sqrt(max(dims)))
    return {"problem": prob, "weights": Ws}


def _gradient_conclusions(inst: Instance, ops: Any, p: Params) -> list[Condition]:
    """The printed gradient alpha W_{L:i+1}^T (U - Y)(W_{i-1:1} X)^T (times the loss scale)
    against the exact partial derivatives of eq. (2), both in rational arithmetic: the loss
    is quadratic in each weight entry, so unit central differences are exact."""
    prob: Problem = inst["problem"]
    if prob.kind != "plain":
        raise ValueError("hxp20.eq3 is stated for the plain network")
    Ws = [eg.exact_mat(W) for W in inst["weights"]]
    X, Y = eg.exact_mat(prob.X), eg.exact_mat(prob.Y)
    alpha = eg.exact_mat([[prob.alpha]])[0, 0]
    c = eg.exact_mat([[prob.loss_scale]])[0, 0]
    sign = eg.exact_mat([[p["grad_sign"]]])[0, 0]
    d_out, d_in = prob.dims[-1], prob.dims[0]

    def loss(Vs: list) -> Any:
        return c * eg.fro2(eg.product(Vs) * X * alpha - Y) / 2

    U = eg.product(Ws) * X * alpha
    conds = []
    for i in range(1, len(Ws) + 1):
        left = eg.product(Ws[i:], n=d_out)
        right = eg.product(Ws[:i - 1], n=d_in) * X
        formula = left.transpose() * (U - Y) * right.transpose() * (alpha * c * sign)
        diff = eg.max_abs_diff(formula, eg.exact_partials(loss, Ws, i - 1))
        conds.append(Condition(f"max |formula - d loss/dW_{i}| = 0 (exact)", ops.scalar(diff),
                               "==", ops.scalar(0), context=f"layer {i}, dims={prob.dims}"))
    return conds


register(Result(
    id="hxp20.eq3", title="Gradient descent and the layer-gradient formula",
    source=Source(PAPER, "§3.2 and App. A.2", "eq. (3)"),
    statement=r"W_i(t+1)=W_i(t)-\eta\,\partial\ell/\partial W_i,\quad "
              r"\partial\ell/\partial W_i=\alpha W_{L:i+1}^\top(U-Y)(W_{i-1:1}X)^\top",
    kind="equation",
    check=Deterministic(_sample_gradient_instance, lambda i, o, p: [],
                        _gradient_conclusions),
    params={"max_L": 4, "max_width": 4, "grad_sign": 1.0},
    broken={"grad_sign": -1.0},
    instances=12, certifiable=True,
    notes="Decided exactly (fmpq): the formula against the exact partial derivatives of "
          "eq. (2) (unit central differences, exact for a loss quadratic in each entry; the "
          "degree is checked by the third difference). Float central differences with a "
          "fixed 1e-6 tolerance were beaten by the CMA-ES hunt (an encoding weakness).",
))


