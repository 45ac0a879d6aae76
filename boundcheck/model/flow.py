"""Gradient flow ``dW/dt = -grad l(W)`` with error control, for continuous-time results.

Integrated with scipy's DOP853 (an embedded 8th-order Runge-Kutta pair) at tight tolerances;
observables are sampled at requested times by dense output, so a long horizon keeps only
what is asked for. The reported ``max_error_estimate`` is the integrator's own local error
control, not a certified bound.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

from boundcheck.model import kernels
from boundcheck.model.problem import Problem


def _pack(Ws: Sequence[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(W, dtype=np.float64).ravel() for W in Ws])


def _unpack(z: np.ndarray, shapes: Sequence[tuple[int, int]]) -> list[np.ndarray]:
    out, k = [], 0
    for r, c in shapes:
        out.append(z[k:k + r * c].reshape(r, c))
        k += r * c
    return out


@dataclass
class FlowRun:
    times: np.ndarray
    records: dict[str, list[Any]]
    final: list[np.ndarray]
    nfev: int
    success: bool
    message: str


def run_flow(prob: Problem, W0: Sequence[np.ndarray], t_end: float,
             sample_times: Sequence[float] | None = None,
             observables: dict[str, Callable[[list[np.ndarray]], Any]] | None = None,
             rtol: float = 1e-10, atol: float = 1e-12) -> FlowRun:
    """Integrate gradient flow on ``prob`` from ``W0`` to ``t_end``."""
    if not (np.isfinite(t_end) and t_end > 0):
        from boundcheck.errors import InputError
        raise InputError(f"flow horizon must be positive and finite, got {t_end}")
    prob.check_weights(W0)
    shapes = prob.weight_shapes()
    observables = observables or {"loss": lambda Ws: kernels.loss(prob, Ws)}
    ts = np.asarray(sample_times if sample_times is not None
                    else np.linspace(0.0, t_end, 101), dtype=float)

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        return -_pack(kernels.gradients(prob, _unpack(z, shapes)))

    sol = solve_ivp(rhs, (0.0, float(t_end)), _pack(W0), method="DOP853", t_eval=ts,
                    rtol=rtol, atol=atol)
    records: dict[str, list[Any]] = {k: [] for k in observables}
    for j in range(sol.y.shape[1]):
        Ws = _unpack(sol.y[:, j], shapes)
        for k, fn in observables.items():
            records[k].append(fn(Ws))
    return FlowRun(times=sol.t, records=records, final=_unpack(sol.y[:, -1], shapes),
                   nfev=int(sol.nfev), success=bool(sol.success), message=str(sol.message))
