"""Fast certified one-step check in plain float64 (expression-level a priori bounds).

The kernels and their error analysis (running-error lemma, ball inputs, batching, underflow
and overflow handling) are in :mod:`boundcheck.arith.stacked`; this module applies them to one
GD step from an exact float64 state and decides descent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from boundcheck.arith import _ballcore as bc
from boundcheck.arith.rump import RMat, gamma
from boundcheck.arith.stacked import (  # noqa: F401  (re-exported: the kernels' old home)
    _loss_bounds,
    all_finite,
    forward_residual,
    layout,
    pack,
    step_depth,
    step_stack,
    sumsq_bounds,
    underflow_bound,
    views,
)
from boundcheck.errors import InputError
from boundcheck.model.problem import Problem


# ------------------------------------------------------------------ the fast check
@dataclass
class FastStep:
    new: list[RMat]           # enclosures of the exact new weights
    loss_old: tuple[float, float]   # enclosure of the exact loss at W
    loss_new: tuple[float, float]   # enclosure of the loss over the whole new ball
    descent: bool | None      # certified l(new) < l(W)

    @property
    def max_radius(self) -> float:
        return max(float(B.rad.max(initial=0.0)) for B in self.new)


def fast_one_step(prob: Problem, Ws: Sequence[np.ndarray], eta: float) -> FastStep:
    """Certify one GD step from the exact state ``Ws`` (plain model), float64 only."""
    if prob.kind != "plain":
        raise InputError("the fast certified step covers the plain model only")
    X, Y, a, c = prob.X, prob.Y, float(prob.alpha), float(prob.loss_scale)
    eta = float(eta)
    dims = prob.dims
    lay, total = layout(dims)
    m = pack([np.asarray(W, dtype=np.float64) for W in Ws], np.empty(total))
    st = step_stack(dims, X, Y, a, c, eta, m, None)
    N = step_depth(dims, prob.n)
    Nl = 2 * N + Y.size + 4  # the loss squares and sums the residual
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        R0, R1 = st.R[0], st.R[1]
        loss_mid = 0.5 * c * float(np.sum(R0 * R0))
        loss_abs = 0.5 * c * float(np.sum(R1 * R1))
    B = st.B
    gl = gamma(Nl)
    err_l = (gl / (1 - gl)) * (loss_abs + B) * (1 + 4 * bc.U) + B
    err_l = math.nextafter(err_l, math.inf)
    loss_old = (math.nextafter(loss_mid - err_l, -math.inf),
                math.nextafter(loss_mid + err_l, math.inf))
    finite = all_finite(st.mid, st.rad)
    make = RMat._checked if finite else RMat  # RMat makes non-finite entries unbounded balls
    new = [make(M, Rr) for M, Rr in zip(views(st.mid, lay), views(st.rad, lay), strict=True)]
    # loss over the new ball: U' = a prod W'_k X with |W'_k - mid_k| <= rad_k
    if finite:
        Rm, rho, _ = forward_residual(dims, X, Y, a, st.mid, st.rad)
        loss_new = _loss_bounds(Rm, rho, c)
    else:
        loss_new = (0.0, math.inf)
    descent = bc.decided(loss_new[1] < loss_old[0], loss_new[0] >= loss_old[1])
    return FastStep(new=new, loss_old=loss_old, loss_new=loss_new, descent=descent)
