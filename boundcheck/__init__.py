"""boundcheck: a proof auditor for convergence theorems about GD on deep linear networks.

The engine knows no paper: papers are plugins (entry-point group ``boundcheck.papers``)
written against the number-backend vocabulary in :mod:`boundcheck.arith`. Layers, bottom to
top (each imports only those below it; ``tests/test_layers.py`` enforces it):

``errors`` · ``arith`` (number backends) · ``model`` (instances, inits, kernels, trajectories,
flow) · ``check`` (results, verdicts, registry, harness, statistics, search) · ``certify``
(shadowing, fused certified steps, exact oracle) · ``run`` (store, execution) · ``output``
(reports, plots, figures) · ``cli``.

The names users reach for are re-exported here, and the engine's modules keep their short
names (``from boundcheck import kernels`` still works), resolved lazily on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from boundcheck.errors import BoundcheckError, InputError
from boundcheck.version import __version__

#: short module name -> its place in the layers
_MODULES = {
    **{m: f"boundcheck.model.{m}" for m in (
        "problem", "init", "balanced", "network", "kernels", "trajectory", "flow", "serialize")},
    **{m: f"boundcheck.check.{m}" for m in (
        "result", "verdict", "registry", "harness", "search", "stats")},
    **{m: f"boundcheck.certify.{m}" for m in ("shadowing", "fastshadow", "fastcert", "oracle")},
    **{m: f"boundcheck.output.{m}" for m in ("report", "plots", "figures")},
}

#: public name -> the module that defines it
_NAMES = {
    "Problem": "boundcheck.model.problem",
    "initialize": "boundcheck.model.init",
    "get_backend": "boundcheck.arith",
    "Result": "boundcheck.check.result",
    "Source": "boundcheck.check.result",
    "Deterministic": "boundcheck.check.result",
    "Statistical": "boundcheck.check.result",
    "Scaling": "boundcheck.check.result",
    "Symbolic": "boundcheck.check.result",
    "Condition": "boundcheck.check.verdict",
    "Verdict": "boundcheck.check.verdict",
    "register": "boundcheck.check.registry",
    "all_results": "boundcheck.check.registry",
    "lookup": "boundcheck.check.registry",
    "Report": "boundcheck.check.harness",
    "run_result": "boundcheck.check.harness",
    "recheck": "boundcheck.check.harness",
    "check_instance": "boundcheck.check.harness",
    "load_counterexample": "boundcheck.check.counterexample",
    "Counterexample": "boundcheck.check.counterexample",
    "schema": "boundcheck.check.params",
    "validate_overrides": "boundcheck.check.params",
}

__all__ = ["BoundcheckError", "InputError", "__version__", *_NAMES, *_MODULES]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(_MODULES[name])
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'boundcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
