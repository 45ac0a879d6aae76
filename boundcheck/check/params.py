"""Validation of caller overrides (``--set KEY=JSON``) against a result's parameters.

A result's defaults declare each parameter's type (a list stays a list, an int an int, a
bool a bool); its ``param_ranges`` declare open intervals ``lo < x < hi`` (``None``: no bound),
and a few names mean the same thing in every paper (a step size is positive, a probability
lies in (0, 1), a count is at least one). An override that breaks these is refused with an
:class:`~boundcheck.errors.InputError` before anything runs, so that ``--set eta=-1`` cannot
become a fake refutation.
"""

from __future__ import annotations

import math
import re
from typing import Any

from boundcheck.check.result import Params, Result
from boundcheck.errors import InputError

Range = tuple[float | None, float | None]

#: name pattern -> open range, for names whose meaning is the same in every paper
COMMON_RANGES: list[tuple[re.Pattern[str], Range]] = [
    (re.compile(r"^(eta|etas|eta_[a-z_]*|lr|step_size)$"), (0.0, None)),
    (re.compile(r"^(delta|confidence|p_fail)$"), (0.0, 1.0)),
    (re.compile(r"^(instances|trials|n_trials|steps|max_steps|horizon)$"), (0.0, None)),
    (re.compile(r"^[A-Za-z]*_choices$|^(L|m|d|n|k|width|depth)$"), (0.0, None)),
]


def _kind(x: Any) -> str:
    if isinstance(x, bool):
        return "bool"
    if isinstance(x, int):
        return "int"
    if isinstance(x, float):
        return "number"
    if isinstance(x, str):
        return "string"
    if isinstance(x, list | tuple):
        return "list"
    if isinstance(x, dict):
        return "object"
    return type(x).__name__


def _type_error(key: str, default: Any, value: Any) -> str | None:
    want, got = _kind(default), _kind(value)
    if default is None or want == got:
        if want == "list" and default and value:
            inner = {_kind(v) for v in default}
            for v in value:
                kv = _kind(v)
                if kv not in inner and not (kv == "int" and "number" in inner):
                    return (f"{key} holds {'/'.join(sorted(inner))} values, "
                            f"got {json_like(v)}")
        return None
    if want == "number" and got == "int":
        return None
    if want == "int" and got == "number" and float(value).is_integer():
        return None
    return f"{key} expects {'a list' if want == 'list' else want} (default {json_like(default)})"\
           f", got {json_like(value)}"


def json_like(x: Any) -> str:
    s = repr(x) if not isinstance(x, str) else f'"{x}"'
    return s if len(s) < 60 else s[:57] + "..."


def _range_error(key: str, value: Any, rng: Range) -> str | None:
    lo, hi = rng
    values = value if isinstance(value, list | tuple) else [value]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        if not math.isfinite(v):
            return f"{key}={v!r} is not finite"
        if (lo is not None and not v > lo) or (hi is not None and not v < hi):
            lo_s = "-inf" if lo is None else f"{lo:g}"
            hi_s = "inf" if hi is None else f"{hi:g}"
            return f"{key}={v!r} is outside its range ({lo_s}, {hi_s})"
    return None


def range_of(result: Result, key: str) -> Range | None:
    declared = getattr(result, "param_ranges", {}) or {}
    if key in declared:
        return declared[key]
    for pat, rng in COMMON_RANGES:
        if pat.match(key):
            return rng
    return None


def validate_overrides(result: Result, overrides: Params, profile: str = "quick") -> None:
    """Raise InputError naming the first override the result's parameters do not admit."""
    params = result.resolve_params(profile)
    unknown = sorted(set(overrides) - set(params))
    if unknown:
        raise InputError(f"{result.key} has no parameter(s) {', '.join(unknown)}; "
                         f"its parameters: {', '.join(sorted(params))}")
    for key, value in overrides.items():
        msg = _type_error(key, params[key], value)
        rng = range_of(result, key)
        if msg is None and rng is not None:
            msg = _range_error(key, value, rng)
        if msg:
            raise InputError(f"--set {key}: {msg} [{result.key}]")


def _plain(x: Any) -> Any:
    """A JSON-safe rendering of a default (callables and arrays by their repr)."""
    if isinstance(x, bool | int | float | str) or x is None:
        return x if not (isinstance(x, float) and not math.isfinite(x)) else repr(x)
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    return json_like(x)


def schema(result: Result, profile: str = "quick") -> dict[str, dict[str, Any]]:
    """Each parameter's default, type and range, for ``list --json``."""
    out = {}
    for key, default in result.resolve_params(profile).items():
        rng = range_of(result, key)
        out[key] = {"default": _plain(default), "type": _kind(default),
                    "range": list(rng) if rng is not None else None}
    return out
