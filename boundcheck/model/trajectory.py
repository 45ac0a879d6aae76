"""Run an optimizer on an instance and compute observables on demand, as the run goes.

Nothing but the current iterate, the initial weights and the requested observables (at
the chosen stride) is kept, so long runs of deep nets stay within a small multiple of the
weights' memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from boundcheck.model import kernels
from boundcheck.model.problem import Problem, check_step_size

Observable = Callable[["State"], Any]


@dataclass
class State:
    """The iterate at step ``t`` with lazily computed, cached derived quantities."""

    prob: Problem
    t: int
    Ws: list[np.ndarray]
    W0: list[np.ndarray]
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def loss(self) -> float:
        if "loss" not in self._cache:
            self._cache["loss"] = kernels.loss(self.prob, self.Ws)
        return self._cache["loss"]

    @property
    def output(self) -> np.ndarray:
        if "U" not in self._cache:
            self._cache["U"] = kernels.forward(self.prob, self.Ws)
        return self._cache["U"]

    @property
    def gradients(self) -> list[np.ndarray]:
        if "grads" not in self._cache:
            val, G = kernels.loss_and_gradients(self.prob, self.Ws)
            self._cache["loss"] = val
            self._cache["grads"] = G
        return self._cache["grads"]

    def P_matrix(self) -> np.ndarray:
        """hxp20/dh19 eq. (7) at this state (float64)."""
        from boundcheck.arith import get_backend
        from boundcheck.model import network

        if "P" not in self._cache:
            self._cache["P"] = network.P_matrix(get_backend("float64"), self.prob, self.Ws)
        return self._cache["P"]

    def P_eigen_extremes(self) -> tuple[float, float]:
        ev = np.linalg.eigvalsh(self.P_matrix())
        return float(ev[0]), float(ev[-1])

    def E_term(self, eta: float) -> np.ndarray:
        """The high-order term E(t) of the product update with step ``eta``."""
        from boundcheck.arith import get_backend
        from boundcheck.model import network

        return network.E_term(get_backend("float64"), self.prob, self.Ws, eta)

    def product_extremes(self, scale: float = 1.0) -> dict[tuple[int, int], tuple[float, float]]:
        """(sigma_max, sigma_min) of every W_{j:i}(t)/scale^{j-i+1}, (i, j) != (1, L)."""
        return product_singular_extremes(self.Ws, scale)

    def distance_from_init(self) -> np.ndarray:
        """``||W_i(t) - W_i(0)||_F`` for every layer."""
        return np.array([np.linalg.norm(W - W0) for W, W0 in zip(self.Ws, self.W0, strict=True)])


def product_singular_extremes(Ws: Sequence[np.ndarray], scale: float = 1.0,
                              exclude_full: bool = True
                              ) -> dict[tuple[int, int], tuple[float, float]]:
    """``(sigma_max, sigma_min)`` of ``W_{j:i} / scale^{j-i+1}`` for all 1 <= i <= j <= L.

    ``exclude_full`` drops ``(i, j) = (1, L)`` (hxp20 property B). O(L^2) SVDs.
    """
    L = len(Ws)
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for i in range(1, L + 1):
        prod = None
        for j in range(i, L + 1):
            prod = Ws[j - 1] / scale if prod is None else (Ws[j - 1] / scale) @ prod
            if exclude_full and (i, j) == (1, L):
                continue
            s = np.linalg.svd(prod, compute_uv=False)
            out[(i, j)] = (float(s[0]), float(s[-1]))
    return out


def iterate_gd(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int
               ) -> Iterator[State]:
    """Yield the GD states ``t = 0..steps``; each state is dropped once the caller moves on."""
    eta = check_step_size(eta)
    prob.check_weights(W0)
    W0 = [np.array(W, dtype=np.float64) for W in W0]
    Ws = [W.copy() for W in W0]
    for t in range(steps + 1):
        st = State(prob, t, Ws, W0)
        yield st
        if t == steps:
            return
        G = st.gradients
        Ws = [W - eta * g for W, g in zip(Ws, G, strict=True)]


@dataclass
class Trajectory:
    times: list[int]
    records: dict[str, list[Any]]
    final: list[np.ndarray]
    stopped_early: str | None = None

    def series(self, name: str) -> np.ndarray:
        return np.asarray(self.records[name])


def _readonly(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


def _detach(value: Any, live: Sequence[np.ndarray]) -> Any:
    """Copy an observable's value if it aliases the live (in-place updated) weights."""
    if isinstance(value, np.ndarray):
        if any(np.may_share_memory(value, W) for W in live):
            return value.copy()
        return value
    if isinstance(value, list | tuple):
        return type(value)(_detach(v, live) for v in value)
    if isinstance(value, dict):
        return {k: _detach(v, live) for k, v in value.items()}
    return value


def run_gd(prob: Problem, W0: Sequence[np.ndarray], eta: float, steps: int,
           observables: dict[str, Observable] | None = None, stride: int = 1,
           stop: Callable[[State], str | None] | None = None,
           progress: Callable[[int, int], None] | None = None,
           fast: bool = True) -> Trajectory:
    """Run GD and keep only the observables, every ``stride`` steps (and the last step).

    ``stop(state)`` may return a reason to end the run early (e.g. a non-finite loss); the
    default stops when the loss becomes non-finite.

    ``fast=True`` (default) steps in place with :class:`boundcheck.model.kernels.BatchedGD`: one
    copy of the weights plus preallocated prefix/suffix buffers, the loss of every iterate
    comes free with the forward pass, and nothing is allocated per step (prefix products
    are checkpointed when they would outweigh half the weights). The states handed
    to observables and ``stop`` then carry read-only views of the live weights (and of the
    caller's ``W0``, which is not copied); a returned array that aliases them is copied.
    ``fast=False`` runs the simple path :func:`iterate_gd` (fresh arrays every step).
    """
    observables = observables or {"loss": lambda s: s.loss}
    records: dict[str, list[Any]] = {k: [] for k in observables}
    times: list[int] = []
    reason = None
    if not fast:
        st = None
        for st in iterate_gd(prob, W0, eta, steps):
            if st.t % stride == 0 or st.t == steps:
                times.append(st.t)
                for k, fn in observables.items():
                    records[k].append(fn(st))
            reason = stop(st) if stop else (None if np.isfinite(st.loss) else "non-finite loss")
            if progress and st.t % max(1, steps // 20) == 0:
                progress(st.t, steps)
            if reason:
                break
        assert st is not None
        return Trajectory(times=times, records=records, final=st.Ws, stopped_early=reason)

    eta = check_step_size(eta)
    prob.check_weights(W0)
    init = [_readonly(np.asarray(W, dtype=np.float64)) for W in W0]
    ws = kernels.BatchedGD(prob, init, checkpoint="auto")
    live = ws.Ws if ws.stack is None else [ws.stack]
    views = [_readonly(W) for W in ws.Ws]
    for t in range(steps + 1):
        st = State(prob, t, views, init)
        st._cache["loss"] = ws.forward()
        if t % stride == 0 or t == steps:
            times.append(t)
            for k, fn in observables.items():
                records[k].append(_detach(fn(st), live))
        reason = stop(st) if stop else (None if np.isfinite(st.loss) else "non-finite loss")
        if progress and t % max(1, steps // 20) == 0:
            progress(t, steps)
        if reason or t == steps:
            break
        ws.update(eta)
    return Trajectory(times=times, records=records, final=list(ws.Ws), stopped_early=reason)
