"""Initialization schemes, registered by name.

Each scheme is ``scheme(rng, dims, **params) -> list[np.ndarray]`` returning
``W_1..W_L`` (``W_i`` of shape ``d_i x d_{i-1}``). Adding a scheme is one decorated
function: ``@register_init("name")``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from boundcheck.errors import InputError

InitScheme = Callable[..., list[np.ndarray]]
_SCHEMES: dict[str, InitScheme] = {}


def register_init(name: str) -> Callable[[InitScheme], InitScheme]:
    def deco(fn: InitScheme) -> InitScheme:
        _SCHEMES[name] = fn
        return fn

    return deco


def init_names() -> list[str]:
    return sorted(_SCHEMES)


def initialize(name: str, rng: np.random.Generator, dims: Sequence[int], **params: object
               ) -> list[np.ndarray]:
    try:
        scheme = _SCHEMES[name]
    except KeyError:
        raise InputError(f"unknown initialization {name!r}; known: {', '.join(init_names())}"
                         ) from None
    return scheme(rng, tuple(int(d) for d in dims), **params)


def haar_isometry(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A Haar-distributed matrix with orthonormal columns (rows >= cols) or rows.

    QR of a Gaussian matrix with the signs of ``diag(R)`` folded into Q (Mezzadri 2007).
    """
    tall = rows >= cols
    g = rng.standard_normal((rows, cols) if tall else (cols, rows))
    q, r = np.linalg.qr(g)
    q = q * np.where(np.diag(r) < 0, -1.0, 1.0)
    return q if tall else q.T


@register_init("gaussian")
def gaussian(rng: np.random.Generator, dims: tuple[int, ...],
             sigma: float | Sequence[float] = 1.0) -> list[np.ndarray]:
    """I.i.d. N(0, sigma_i^2) entries; ``sigma`` is a scalar or one value per layer."""
    L = len(dims) - 1
    sig = [float(sigma)] * L if np.isscalar(sigma) else [float(s) for s in sigma]
    if len(sig) != L:
        raise InputError(f"need {L} per-layer sigmas, got {len(sig)}")
    if any(not np.isfinite(s) or s < 0 for s in sig):
        raise InputError(f"sigmas must be finite and non-negative, got {sig}")
    return [s * rng.standard_normal((dims[i + 1], dims[i])) for i, s in enumerate(sig)]


@register_init("orthogonal")
def scaled_orthogonal(rng: np.random.Generator, dims: tuple[int, ...],
                      normalized: bool = False) -> list[np.ndarray]:
    """hxp20 eq. (4): Haar scaled-orthogonal layers with ``W^T W = m I`` etc.

    ``normalized=True`` returns ``V_i = W_i / sqrt(m)`` (exact (semi-)isometries), the
    overflow-free parametrization.
    """
    if len(dims) < 3:
        raise InputError(f"orthogonal init (hxp20 eq. (4)) needs L >= 2, got dims={dims}")
    hidden = dims[1:-1]
    m = hidden[0]
    if any(h != m for h in hidden):
        raise InputError(f"orthogonal init needs all hidden widths equal, got {hidden}")
    d_x, d_y = dims[0], dims[-1]
    if m < max(d_x, d_y):
        raise InputError(
            f"orthogonal init needs width m >= max(d_x, d_y) = {max(d_x, d_y)}, got m={m}"
        )
    c = 1.0 if normalized else np.sqrt(m)
    return [c * haar_isometry(rng, dims[i + 1], dims[i]) for i in range(len(dims) - 1)]


@register_init("identity")
def identity(rng: np.random.Generator, dims: tuple[int, ...]) -> list[np.ndarray]:
    """``W_i = I`` (square layers only)."""
    if any(d != dims[0] for d in dims):
        raise InputError(f"identity init needs all widths equal, got dims={dims}")
    return [np.eye(dims[0]) for _ in range(len(dims) - 1)]


@register_init("zero")
def zero(rng: np.random.Generator, dims: tuple[int, ...]) -> list[np.ndarray]:
    """All-zero weights (the residual models' identity map)."""
    return [np.zeros((dims[i + 1], dims[i])) for i in range(len(dims) - 1)]
