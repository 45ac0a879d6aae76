"""Audit that a result's conditions compute inside the vocabulary (issue 13).

:class:`TaintBackend` wraps a certified backend and records every number that enters it
through ``scalar``/``asarray``/``power`` exponents/``scale`` factors. A float (or an array
with a float entry) that is *not* one of the instance's stored inputs or the result's
parameters was computed by the paper module in float64 before it reached the
arithmetic -- the pattern that makes a "certified" verdict rest on a rounded number.
:func:`audit_result` runs a result's hypotheses and conclusions on a few instances and
returns those entries (empty: every number came from the stored inputs, exact integers or
the vocabulary). Integers, Fractions and integer-valued floats are always allowed; a
result can list further derived inputs that are exact by construction (e.g. ``eta / m``
with ``m`` a power of two) in ``Result.params["exact_derived"]`` -- see the docstring of
the result for why they are exact.

A rigorous one-sided bound from a certified run (:class:`~boundcheck.certify.runbound.RunBound`,
entered through :func:`~boundcheck.certify.runbound.bound_condition`) is admitted only as a
side of a returned condition (or of the ``compare`` that chose it) whose decision is in the
bound's sound direction (an upper bound proves "small", a lower bound "large"); a run bound
that vanishes into further arithmetic, or decides the other way, is reported (``where`` =
``run bound in arithmetic`` / ``run bound, unsound direction``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import numpy as np

from boundcheck.certify.runbound import RunBound, sound_outcome


def _floats(obj: Any, out: set[float], depth: int = 0) -> None:
    if depth > 8:
        return
    if isinstance(obj, bool):
        return
    if isinstance(obj, float | np.floating):
        out.add(float(obj))
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind == "f":
            out.update(float(x) for x in obj.ravel().tolist())
        elif obj.dtype == object:
            for x in obj.ravel().tolist():
                _floats(x, out, depth + 1)
    elif isinstance(obj, dict):
        for v in obj.values():
            _floats(v, out, depth + 1)
    elif isinstance(obj, list | tuple | set):
        for v in obj:
            _floats(v, out, depth + 1)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        _floats(vars(obj), out, depth + 1)


def _benign(x: float) -> bool:
    return (not math.isfinite(x)) or float(x).is_integer()


class TaintBackend:
    """Delegates to ``inner``; records float inputs not among ``allowed``."""

    def __init__(self, inner: Any, allowed: set[float]) -> None:
        self._inner = inner
        self._allowed = allowed
        self.tainted: list[tuple[str, float]] = []
        #: id(backend scalar) -> (the scalar, kept alive; its RunBound; seen as a side?)
        self.bounds: dict[int, list] = {}
        self.name = inner.name
        self.certified = inner.certified

    def __getattr__(self, item: str) -> Any:
        return getattr(self._inner, item)

    def _check(self, where: str, xs: Iterable[float]) -> None:
        for x in xs:
            if not _benign(x) and x not in self._allowed:
                self.tainted.append((where, x))

    def _scan(self, where: str, a: Any) -> None:
        if isinstance(a, float | np.floating) and not isinstance(a, bool):
            self._check(where, [float(a)])
        elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
            self._check(where, a.ravel().tolist())
        elif isinstance(a, list | tuple):
            arr = np.asarray(a)
            if arr.dtype.kind == "f":
                self._check(where, arr.ravel().tolist())

    def scalar(self, x: Any) -> Any:
        if isinstance(x, RunBound):  # admitted here; its use is audited by audit_result
            s = self._inner.scalar(float(x))
            self.bounds[id(s)] = [s, x, False]
            return s
        self._scan("scalar", x)
        return self._inner.scalar(x)

    def compare(self, lhs: Any, rel: str, rhs: Any, *args: Any, **kw: Any) -> Any:
        for side in (lhs, rhs):
            if id(side) in self.bounds:
                self.bounds[id(side)][2] = True
        return self._inner.compare(lhs, rel, rhs, *args, **kw)

    def audit_bounds(self, conds: Iterable[Any]) -> None:
        """Record run bounds deciding a condition in the unsound direction, and run bounds
        that are no condition's side (used in arithmetic: their direction is unknown)."""
        from boundcheck.check.verdict import evaluate

        for c in conds:
            for on_lhs, side in ((True, c.lhs), (False, c.rhs)):
                entry = self.bounds.get(id(side))
                if entry is None or entry[0] is not side:
                    continue
                entry[2] = True
                status = evaluate(c, self._inner).status
                if not sound_outcome(entry[1].side, on_lhs, c.rel, status):
                    self.tainted.append(("run bound, unsound direction", float(entry[1])))
        for _s, b, seen in self.bounds.values():
            if not seen:
                self.tainted.append(("run bound in arithmetic", float(b)))
        self.bounds = {}

    def asarray(self, a: Any) -> Any:
        self._scan("asarray", a)
        return self._inner.asarray(a)

    def power(self, x: Any, p: Any) -> Any:
        self._scan("scalar", x)
        self._scan("power exponent", p)
        return self._inner.power(x, p)

    def scale(self, s: Any, a: Any) -> Any:
        self._scan("scale factor", s)
        return self._inner.scale(s, a)

    def sqrt(self, x: Any) -> Any:
        self._scan("scalar", x)
        return self._inner.sqrt(x)

    def log(self, x: Any) -> Any:
        self._scan("scalar", x)
        return self._inner.log(x)

    def exp(self, x: Any) -> Any:
        self._scan("scalar", x)
        return self._inner.exp(x)

    def lgamma(self, x: Any) -> Any:
        self._scan("scalar", x)
        return self._inner.lgamma(x)

    def gamma_upper_reg(self, s: Any, z: Any) -> Any:
        self._scan("scalar", s)
        self._scan("scalar", z)
        return self._inner.gamma_upper_reg(s, z)

    def gamma_ratio(self, x: Any, h: Any) -> Any:
        self._scan("scalar", x)
        self._scan("scalar", h)
        return self._inner.gamma_ratio(x, h)


def audit_result(result: Any, instances: int = 3, seed: int = 0, backend: str = "rump",
                 profile: str = "quick") -> list[tuple[str, float, str]]:
    """``(where, value, seed)`` for every float that entered the arithmetic without being a
    stored input or parameter, over ``instances`` sampled instances (hypotheses, and the
    conclusions when the hypotheses hold)."""
    from boundcheck.arith import get_backend
    from boundcheck.check.harness import instance_rng
    from boundcheck.check.verdict import combine, evaluate

    params = result.resolve_params(profile, None)
    base = get_backend(backend)
    found: list[tuple[str, float, str]] = []
    derived = set()
    _floats(params.get("exact_derived", []), derived)
    for k in range(instances):
        sampled = result.check.sample(instance_rng(result.key, seed, k), params)
        cases = sampled if isinstance(sampled, list) else [sampled]
        for j, inst in enumerate(cases):
            allowed: set[float] = set(derived)
            _floats(inst, allowed)
            _floats(dict(params), allowed)
            ops = TaintBackend(base, allowed)
            conds = list(result.check.hypotheses(inst, ops, params))
            if combine([evaluate(c, base) for c in conds]) is not False:
                conds += list(result.check.conclusions(inst, ops, params))
            ops.audit_bounds(conds)
            found += [(w, x, f"{seed}:{k}:{j}") for w, x in ops.tainted]
    return found


__all__ = ["Fraction", "RunBound", "TaintBackend", "audit_result"]
