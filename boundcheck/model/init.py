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


def dyadic_orthogonal(rng: np.random.Generator, n: int, reflections: int = 4) -> np.ndarray:
    """A random *exactly* orthogonal n x n matrix whose entries are dyadic rationals.

    Product of a signed permutation and Householder reflections ``I - 2 v v^T / v^T v`` with
    ``v`` in {0, +-1}^n having 2^k non-zeros, so ``v^T v = 2^k`` and every entry is
    ``integer / 2^j`` with small j: exactly representable in float64, so ``Q^T Q = I`` holds
    in exact arithmetic on the stored values (not Haar, but rich enough to test results
    that need exact isometries, e.g. hxp20 eq. (8), with certified arithmetic).
    """
    Q = np.eye(n)[rng.permutation(n)] * rng.choice([-1.0, 1.0], size=n)
    if n >= 2:
        kmax = int(np.floor(np.log2(n)))
        for _ in range(reflections):
            k = int(rng.integers(1, kmax + 1))
            v = np.zeros(n)
            idx = rng.choice(n, size=2**k, replace=False)
            v[idx] = rng.choice([-1.0, 1.0], size=2**k)
            Q = Q - np.outer(v, (v @ Q)) * (2.0 / 2**k)
    return Q


def exact_isometry(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """Columns (rows >= cols) or rows of :func:`dyadic_orthogonal`: an exact isometry."""
    Q = dyadic_orthogonal(rng, max(rows, cols))
    return Q[:, :cols] if rows >= cols else Q[:rows, :]


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
                      normalized: bool = False, exact: bool = False) -> list[np.ndarray]:
    """hxp20 eq. (4): Haar scaled-orthogonal layers with ``W^T W = m I`` etc.

    ``normalized=True`` returns ``V_i = W_i / sqrt(m)`` ((semi-)isometries), the
    overflow-free parametrization. ``exact=True`` (needs ``normalized``) draws exactly
    isometric dyadic matrices (:func:`exact_isometry`) instead of Haar ones, for certified
    checks of statements that assume exact orthogonality.
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
    if exact and not normalized:
        raise InputError("exact orthogonal init is only available with normalized=True")
    draw = exact_isometry if exact else haar_isometry
    c = 1.0 if normalized else np.sqrt(m)
    return [c * draw(rng, dims[i + 1], dims[i]) for i in range(len(dims) - 1)]


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
