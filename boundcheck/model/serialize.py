"""Exact, human-readable JSON for instances: floats as hex strings, arrays with shapes.

Every counterexample is stored with this encoding so that re-loading reproduces its inputs
to the bit (DESIGN.md, principle 5).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from boundcheck.model.problem import Problem


def encode(obj: Any) -> Any:
    if isinstance(obj, np.ndarray) and obj.dtype == object:
        # exact entries (Fractions, ints): never rounded through float64
        return {"__objarray__": [encode(v) for v in obj.ravel()], "shape": list(obj.shape)}
    if isinstance(obj, np.ndarray):
        arr = np.asarray(obj, dtype=np.float64)
        return {"__ndarray__": [float(v).hex() for v in arr.ravel()], "shape": list(arr.shape)}
    if isinstance(obj, Problem):
        return {"__problem__": {
            "X": encode(obj.X), "Y": encode(obj.Y), "dims": list(obj.dims), "kind": obj.kind,
            "alpha": float(obj.alpha).hex(), "loss_scale": float(obj.loss_scale).hex(),
            "A": None if obj.A is None else encode(obj.A),
            "B": None if obj.B is None else encode(obj.B), "meta": encode(obj.meta)}}
    if isinstance(obj, bool | None | str):
        return obj
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return {"__float__": float(obj).hex()}
    if isinstance(obj, Fraction):
        return {"__fraction__": f"{obj.numerator}/{obj.denominator}"}
    if type(obj).__name__ == "fmpq":
        return {"__fraction__": f"{int(obj.p)}/{int(obj.q)}"}
    if isinstance(obj, dict):
        return {str(k): encode(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [encode(v) for v in obj]
    raise TypeError(f"cannot serialize {type(obj).__name__} exactly")


def decode(obj: Any) -> Any:
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            vals = [float.fromhex(v) for v in obj["__ndarray__"]]
            return np.array(vals, dtype=np.float64).reshape(obj["shape"])
        if "__float__" in obj:
            return float.fromhex(obj["__float__"])
        if "__fraction__" in obj:
            return Fraction(obj["__fraction__"])
        if "__objarray__" in obj:
            arr = np.empty(len(obj["__objarray__"]), dtype=object)
            arr[:] = [decode(v) for v in obj["__objarray__"]]
            return arr.reshape(obj["shape"])
        if "__problem__" in obj:
            p = obj["__problem__"]
            return Problem(X=decode(p["X"]), Y=decode(p["Y"]), dims=tuple(p["dims"]),
                           kind=p["kind"], alpha=float.fromhex(p["alpha"]),
                           loss_scale=float.fromhex(p["loss_scale"]),
                           A=None if p["A"] is None else decode(p["A"]),
                           B=None if p["B"] is None else decode(p["B"]), meta=decode(p["meta"]))
        return {k: decode(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [decode(v) for v in obj]
    return obj


def dump(obj: Any, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(encode(obj), indent=1))
    tmp.replace(path)
    return path


def load(path: str | Path) -> Any:
    return decode(json.loads(Path(path).read_text()))
