"""Detection thresholds: how small a tightening of a printed constant the check refutes.

A result's ``broken`` overrides make its statement false by moving one constant toward a
stronger claim (``ec_bound 1.1 -> 1.25`` loosens a hypothesis, ``upper 1.1 -> 1.0`` tightens
a bound). The detection threshold is the smallest relative move of that constant, in the same
direction, that the check still refutes with the same seeds: a bisection (in log scale)
between a move it does not refute and one it does. A check with threshold 0.4% catches a
constant 0.4% too strong; a threshold near the broken variant's own move says the instances
never reach the bound.

The search assumes refutation is monotone in the move (a stronger constant is refuted
whenever a weaker one is); the reported ``refuted_at`` is always a move that *was* refuted
and ``held_at`` one that was not, so the threshold lies between them whatever the shape.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from boundcheck.check.harness import CONFIRMS_ERRATUM, run_result
from boundcheck.check.result import Result

#: the smallest relative move tried; a check refuting even this is reported as "< floor"
FLOOR = 1e-6


@dataclass
class Threshold:
    """The detection threshold of one constant of one result."""

    param: str
    printed: float
    broken: float
    direction: int  # +1: the statement gets stronger as the constant grows
    refuted_at: float | None  # smallest relative move refuted (None: not even the broken one)
    held_at: float  # largest relative move seen not refuted (0 at the printed constant)
    runs: int
    note: str = ""
    #: "relative": moves are relative changes of one constant; "fraction": fractions of the
    #: way from the printed values to the broken variant (lists, several constants)
    mode: str = "relative"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        if self.refuted_at is None:
            return f"{self.param}: broken value {self.broken:g} not refuted"
        if self.held_at == 0.0 and self.refuted_at <= FLOOR:
            return f"{self.param}: catches a move below {FLOOR:.0e}"
        if self.mode == "fraction":
            return (f"{self.param}: catches a move {100 * self.refuted_at:.3g}% of the way to "
                    f"the broken variant (not {100 * self.held_at:.3g}%)")
        return (f"{self.param}: catches a {100 * self.refuted_at:.3g}% stronger constant "
                f"(not {100 * self.held_at:.3g}%)")


def numeric_constant(result: Result) -> tuple[str, float, float] | None:
    """The (name, printed, broken) float constant a threshold can be measured on, if any."""
    broken = result.broken or {}
    if len(broken) != 1:
        return None
    (name, bad), = broken.items()
    good = result.params.get(name)
    numeric = (int, float)
    if isinstance(bad, bool) or isinstance(good, bool):
        return None
    if not isinstance(bad, numeric) or not isinstance(good, numeric):
        return None
    if isinstance(bad, int) and isinstance(good, int):
        return None  # a discrete size: no continuum of moves
    if bad == good or not (math.isfinite(bad) and math.isfinite(good)):
        return None
    return name, float(good), float(bad)


def _is_num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def interpolable(result: Result) -> dict[str, tuple[Any, Any]] | None:
    """Broken overrides that can be approached continuously: every key a float, or a list of
    numbers of the printed list's length, with at least one float involved (a discrete size
    has no continuum of moves). None when any key is not of that kind."""
    broken = result.broken or {}
    if not broken:
        return None
    out = {}
    for name, bad in broken.items():
        good = result.params.get(name)
        if _is_num(good) and _is_num(bad):
            if isinstance(good, int) and isinstance(bad, int):
                return None
            out[name] = (good, bad)
        elif (isinstance(good, list | tuple) and isinstance(bad, list | tuple)
              and len(good) == len(bad) and good
              and all(_is_num(g) and _is_num(b) for g, b in zip(good, bad, strict=True))
              and not all(isinstance(v, int) for v in [*good, *bad])):
            out[name] = (list(good), list(bad))
        else:
            return None
    return out if any(g != b for g, b in out.values()) else None


def _toward(pairs: dict[str, tuple[Any, Any]], r: float) -> dict[str, Any]:
    def lerp(g: Any, b: Any) -> Any:
        if isinstance(g, list):
            return [float(x) + r * (float(y) - float(x)) for x, y in zip(g, b, strict=True)]
        return float(g) + r * (float(b) - float(g))
    return {k: lerp(g, b) for k, (g, b) in pairs.items()}


def fraction_threshold(result: Result, seed: int = 0, profile: str = "quick",
                       backend: str = "float64", steps: int = 8,
                       instances: int | None = None) -> Threshold | None:
    """For broken variants that move lists or several constants at once: the smallest
    fraction r of the way from the printed values to the broken ones that is refuted
    (``refuted_at`` and ``held_at`` are fractions, ``param`` names the keys moved)."""
    pairs = interpolable(result)
    if pairs is None:
        return None

    def run(r: float) -> bool:
        rep = run_result(result, instances=instances, seed=seed, backend=backend,
                         profile=profile, overrides=_toward(pairs, r))
        return _refutes(rep)

    name = "+".join(sorted(pairs))
    runs = 1
    if not run(1.0):
        return Threshold(name, 0.0, 1.0, 1, None, 0.0, runs, "the broken variant is not refuted",
                         mode="fraction")
    runs += 1
    if run(FLOOR):
        return Threshold(name, 0.0, 1.0, 1, FLOOR, 0.0, runs, mode="fraction")
    lo, hi = FLOOR, 1.0
    for _ in range(steps):
        mid = math.sqrt(lo * hi)
        runs += 1
        if run(mid):
            hi = mid
        else:
            lo = mid
    note = ("instances do not reach the bound: only moves near the broken value are refuted"
            if hi > 0.5 else "")
    return Threshold(name, 0.0, 1.0, 1, hi, lo, runs, note, mode="fraction")


def _refutes(rep: Any) -> bool:
    return rep.verdict in CONFIRMS_ERRATUM


def detection_threshold(result: Result, seed: int = 0, profile: str = "quick",
                        backend: str = "float64", steps: int = 8,
                        instances: int | None = None) -> Threshold | None:
    """Bisect the relative move of the result's broken constant (None: nothing to move)."""
    found = numeric_constant(result)
    if found is None:
        return None
    name, good, bad = found
    scale = abs(good) if good != 0 else abs(bad)
    direction = 1 if bad > good else -1
    r_max = abs(bad - good) / scale

    def run(r: float) -> bool:
        value = good + direction * r * scale
        rep = run_result(result, instances=instances, seed=seed, backend=backend,
                         profile=profile, overrides={name: value})
        return _refutes(rep)

    runs = 1
    if not run(r_max):
        return Threshold(name, good, bad, direction, None, 0.0, runs,
                         "the broken variant itself is not refuted")
    lo, hi = 0.0, r_max
    floor = min(FLOOR, r_max)
    runs += 1
    if run(floor):
        return Threshold(name, good, bad, direction, floor, 0.0, runs)
    lo = floor
    for _ in range(steps):
        mid = math.sqrt(lo * hi)
        runs += 1
        if run(mid):
            hi = mid
        else:
            lo = mid
    note = ""
    if hi > 0.5 * r_max:
        note = "instances do not reach the bound: only moves near the broken value are refuted"
    return Threshold(name, good, bad, direction, hi, lo, runs, note)


def measure_threshold(result: Result, seed: int = 0, profile: str = "quick",
                      instances: int | None = None) -> Threshold | None:
    """The detection threshold of ``result`` at its printed parameters (None: it has no
    continuous constant to move)."""
    th = detection_threshold(result, seed=seed, profile=profile, instances=instances)
    if th is None:
        th = fraction_threshold(result, seed=seed, profile=profile, instances=instances)
    return th


def wants_threshold(result: Result, overridden: bool = False) -> bool:
    """Whether an audit measures a threshold for ``result`` (deterministic, not an erratum,
    run at its printed parameters)."""
    return result.check_type == "deterministic" and not result.erratum and not overridden


def record_threshold(result: Result, rep: Any, th: Threshold | None) -> None:
    """Record a measured threshold in ``rep`` (``details["detection_threshold"]``,
    ``tightness``, a message), or why there is none; only for a passing report."""
    if rep.check_type != "deterministic" or result.erratum or not rep.as_expected:
        return
    if th is None:  # say why there is no number rather than show nothing
        moves = ", ".join(f"{k}={v!r}" for k, v in (result.broken or {}).items())
        rep.details["detection_threshold_note"] = (
            "no continuous printed constant to tighten; sensitivity is the structural broken "
            f"variant ({moves or 'none declared'}), rejected in the test suite")
        return
    rep.details["detection_threshold"] = th.to_dict()
    rep.tightness["detection_threshold"] = th.refuted_at
    rep.messages.append(f"detection threshold: {th.describe()}"
                        + (f" ({th.note})" if th.note else ""))


def attach_threshold(result: Result, rep: Any, seed: int = 0, profile: str = "quick",
                     instances: int | None = None, overridden: bool = False) -> None:
    """Measure the threshold of a passing deterministic result and record it in ``rep``.
    Thresholds are measured at the printed parameters only (``overridden``: skip)."""
    if rep.check_type != "deterministic" or result.erratum or not rep.as_expected:
        return
    if overridden:
        return
    record_threshold(result, rep, measure_threshold(result, seed=seed, profile=profile,
                                                    instances=instances))
