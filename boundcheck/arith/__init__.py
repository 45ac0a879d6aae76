"""Number backends behind one small vocabulary.

Every backend offers the same functions (see :class:`boundcheck.arith.base.Backend`), so a
result written once against this vocabulary runs unchanged on float64, certified balls or
mpmath. Backends are looked up by name with :func:`get_backend`; a new backend registers
itself with :func:`register_backend`.
"""

from __future__ import annotations

from collections.abc import Callable

from boundcheck.arith.base import Backend
from boundcheck.arith.float64 import Float64Backend
from boundcheck.errors import InputError

_FACTORIES: dict[str, Callable[..., Backend]] = {"float64": Float64Backend}


def register_backend(name: str, factory: Callable[..., Backend]) -> None:
    """Make ``factory(**options)`` available as backend ``name``."""
    _FACTORIES[name] = factory


def backend_names() -> list[str]:
    _load_optional()
    return sorted(_FACTORIES)


def get_backend(name: str = "float64", **options: object) -> Backend:
    """Return a fresh backend instance by name (``float64``, and others as registered)."""
    _load_optional()
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise InputError(
            f"unknown backend {name!r}; known backends: {', '.join(sorted(_FACTORIES))}"
        ) from None
    return factory(**options)


_LOADED = False


def _load_optional() -> None:
    # Backends in sibling modules register themselves on import (once per process: the
    # directory scan cost more than a whole certified one-step check).
    global _LOADED
    if _LOADED:
        return
    import importlib
    import pkgutil

    import boundcheck.arith as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name not in ("base", "float64"):
            importlib.import_module(f"boundcheck.arith.{info.name}")
    _LOADED = True


__all__ = ["Backend", "Float64Backend", "backend_names", "get_backend", "register_backend"]
