"""hxp20 §3-4 definitions and identities: the model, objective and GD (eqs. (1)-(3)).

Hu, Xiao & Pennington, ICLR 2020. Catalog: ``shared/catalog/hxp20.md``.
"""


from __future__ import annotations

from typing import Any

import numpy as np

from boundcheck.check.registry import register
from boundcheck.check.result import Deterministic, Instance, Params, Result, Source
from boundcheck.check.verdict import Condition
from boundcheck.model import kernels
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
    """Formula gradient vs central finite differences of eq. (2), entrywise."""
    prob: Problem = inst["problem"]
    Ws = inst["weights"]
    G = kernels.gradients(prob, Ws)
    h = p["fd_step"]
    conds = []
    for i, (W, g) in enumerate(zip(Ws, G, strict=True), start=1):
        fd = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            plus = [w.copy() for w in Ws]
            minus = [w.copy() for w in Ws]
            plus[i - 1][idx] += h
            minus[i - 1][idx] -= h
            fd[idx] = (kernels.loss(prob, plus) - kernels.loss(prob, minus)) / (2 * h)
        formula = p["grad_sign"] * g
        err = np.linalg.norm(formula - fd)
        scale = max(np.linalg.norm(fd), 1e-12)
        conds.append(Condition(f"grad_W{i} vs finite differences", ops.scalar(err / scale),
                               "<=", ops.scalar(p["fd_rtol"]), context=f"layer {i}"))
    return conds


register(Result(
    id="hxp20.eq3", title="Gradient descent and the layer-gradient formula",
    source=Source(PAPER, "§3.2 and App. A.2", "eq. (3)"),
    statement=r"W_i(t+1)=W_i(t)-\eta\,\partial\ell/\partial W_i,\quad "
              r"\partial\ell/\partial W_i=\alpha W_{L:i+1}^\top(U-Y)(W_{i-1:1}X)^\top",
    kind="equation",
    check=Deterministic(_sample_gradient_instance, lambda i, o, p: [],
                        _gradient_conclusions),
    params={"max_L": 4, "max_width": 4, "fd_step": 1e-6, "fd_rtol": 1e-6, "grad_sign": 1.0},
    broken={"grad_sign": -1.0},
    instances=12,
    notes="Central differences with h=1e-6 have truncation error O(h^2) and rounding error "
          "O(eps/h) ~ 1e-10 relative; 1e-6 leaves four orders of room.",
))


