"""Shared machinery of the certified backends (``rump``, ``arb``, ``ball``).

Scalars of every certified backend are :class:`flint.arb` balls: an arb ball always
encloses the exact value whatever the working precision, so scalars produced by the fast
float64 path and by arb can be mixed freely, and one :func:`compare` serves both.

Certified spectra (:func:`singular_extremes`, :func:`eig_extremes`) follow one recipe,
written against the backend vocabulary so that both backends share it:

1. a float64 decomposition of the midpoint matrix (``svd`` / ``eigh``) gives approximate
   orthogonal factors ``U, V`` (exact float64 matrices, hence exact balls);
2. ``B = U^T A V`` and ``E_U = U^T U - I``, ``E_V = V^T V - I`` are enclosed in the
   backend's arithmetic;
3. Weyl: every singular value (eigenvalue) of ``B`` lies within ``||B - D||_2 <=
   ||B - D||_F`` of the sorted ``|d_i|`` (``d_i``), ``D = diag(mid B)``;
4. multiplicative perturbation: ``sigma_i(U^T A V) / sigma_i(A)`` lies in
   ``[sigma_min(U) sigma_min(V), ||U|| ||V||]`` and ``sigma(U)^2 in [1 - e_U, 1 + e_U]``
   with ``e_U = ||E_U||_F`` (Ostrowski's theorem for the symmetric case:
   ``lambda_i(Q^T S Q) = theta_i lambda_i(S)`` with ``theta_i in [1 - e, 1 + e]``).

The enclosure width is about ``||B - D||_F`` -- a few ulps of ``||A||`` for a point
matrix -- plus the input radii. ``gram`` (``sigma^2 = lambda(A^T A)``) is the alternative
recipe kept for the tightness/speed comparison in ``docs/certified.md``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, ctx, fmpq, fmpz

#: unit roundoff and smallest subnormal of IEEE binary64 (round to nearest)
U = 2.0**-53
ETA = 2.0**-1074
INF = math.inf

#: Working precision for scalar arithmetic of the float64 path (arb scalars).
SCALAR_PREC = 128


def to_arb(x: Any) -> arb:
    """An exact (or enclosing) arb ball for a Python/NumPy/flint number."""
    if isinstance(x, arb):
        return x
    if isinstance(x, bool):
        return arb(int(x))
    if isinstance(x, int | np.integer):
        return arb(int(x))
    if isinstance(x, float | np.floating):
        f = float(x)
        if math.isnan(f):
            return arb.nan()
        if math.isinf(f):
            return arb.pos_inf() if f > 0 else arb.neg_inf()
        return arb(f)  # exact: a double is a dyadic rational
    if isinstance(x, Fraction):
        return arb(fmpq(x.numerator, x.denominator))
    if isinstance(x, fmpq | fmpz):
        return arb(x)
    if isinstance(x, np.ndarray) and x.size == 1:
        return to_arb(x.reshape(()).item())
    if hasattr(x, "to_arb"):  # an exact surd of the fmpq backend
        return x.to_arb()
    raise TypeError(f"cannot make a certified scalar from {type(x).__name__}: {x!r}")


def hi(x: arb) -> float:
    """A float >= every point of ``x`` (``inf`` when ``x`` is not finite)."""
    x = to_arb(x)
    if x.is_nan() or not x.is_finite():
        return INF
    f = float(x.mid()) + float(x.rad())
    for _ in range(200):
        if arb(f) >= x:
            return f
        f = math.nextafter(f, INF)
    return INF


def lo(x: arb) -> float:
    """A float <= every point of ``x`` (``-inf`` when ``x`` is not finite)."""
    return -hi(-to_arb(x))


def from_bounds(a: float | arb, b: float | arb) -> arb:
    """The smallest ball containing both ``a`` and ``b`` (and everything between)."""
    return to_arb(a).union(to_arb(b))


def ball(mid: float, rad: float) -> arb:
    """``[mid - rad, mid + rad]`` (rad is rounded up by arb)."""
    if not (math.isfinite(mid) and math.isfinite(rad)):
        return arb.nan() if math.isnan(mid) or math.isnan(rad) else arb(0, INF)
    return arb(mid, rad) if rad > 0 else arb(mid)


def decided(flag_true: bool, flag_false: bool) -> bool | None:
    if flag_true:
        return True
    if flag_false:
        return False
    return None


def compare(lhs: Any, rel: str, rhs: Any, rtol: float = 0.0, atol: float = 0.0
            ) -> bool | None:
    """True/False only when the enclosures decide ``lhs rel rhs``; otherwise None.

    Inequalities use ``rhs +- atol`` (the allowance of :class:`Condition`, as in float64).
    ``==`` with ``atol = rtol = 0`` is True only for two exact (radius 0) equal balls and
    False only when the enclosures are disjoint.
    """
    a, b = to_arb(lhs), to_arb(rhs)
    if a.is_nan() or b.is_nan():
        return None
    if atol and rel != "==":  # an inequality's stated allowance: lhs <= rhs + atol etc.
        b = b + to_arb(atol) if rel in ("<=", "<") else b - to_arb(atol)
    if rel == "<=":
        return decided(a <= b, a > b)
    if rel == "<":
        return decided(a < b, a >= b)
    if rel == ">=":
        return decided(a >= b, a < b)
    if rel == ">":
        return decided(a > b, a <= b)
    if rel == "==":
        if atol == 0 and rtol == 0:
            if a.is_exact() and b.is_exact():
                return bool(a == b)
            return False if not a.overlaps(b) else None
        tol = to_arb(atol) + to_arb(rtol) * abs(b)
        d = abs(a - b)
        return decided(d <= tol, d > tol)
    raise ValueError(f"unknown relation {rel!r}")


def scalar_mid(x: Any) -> float:
    x = to_arb(x)
    if x.is_nan():
        return math.nan
    return float(x.mid())


def scalar_rad(x: Any) -> float:
    x = to_arb(x)
    if x.is_nan() or not x.is_finite():
        return INF
    return hi(x.rad())


def set_prec(bits: int) -> None:
    if ctx.prec != bits:
        ctx.prec = bits


# --------------------------------------------------------------------------- spectra
def _weyl_interval(center: float, off: arb) -> arb:
    return from_bounds(to_arb(center) - off, to_arb(center) + off)


def singular_extremes(ops: Any, A: Any) -> tuple[arb, arb]:
    """Certified ``(sigma_max, sigma_min)`` of ``A`` (``sigma_min = sigma_{min(r,c)}``).

    ``ops`` must offer the vocabulary plus ``mid_array(A)`` and ``diag_split(B)`` (returns
    the float64 diagonal midpoints and an arb upper bound of ``||B - diag||_F``).
    """
    M = ops.mid_array(A)
    r, c = M.shape
    k = min(r, c)
    if k == 0:
        return arb(0), arb(0)
    if not np.all(np.isfinite(M)):
        return arb(0, INF), arb(0, INF)
    if max(r, c) > 16 and max(r, c) >= 2 * k:
        return _thin_singular_extremes(ops, A, M)
    Uf, _, Vt = np.linalg.svd(M)
    Ub, Vb = ops.asarray(Uf), ops.asarray(np.ascontiguousarray(Vt.T))
    UbT = ops.transpose(Ub)
    B = ops.matmul(ops.matmul(UbT, A), Vb)
    eu = ops.fro_norm(ops.sub(ops.matmul(UbT, Ub), ops.eye(r)))
    ev = ops.fro_norm(ops.sub(ops.matmul(ops.transpose(Vb), Vb), ops.eye(c)))
    d, off = ops.diag_split(B)
    ad = np.abs(d)
    smax_B = _weyl_interval(float(ad.max()), off)
    smin_B = _weyl_interval(float(ad.min()), off)
    one = arb(1)
    if not (eu < one and ev < one):
        return arb(0, INF), arb(0, INF)
    shrink = ((one + eu) * (one + ev)).sqrt()          # >= ||U|| ||V||
    grow = ((one - eu) * (one - ev)).sqrt()            # <= sigma_min(U) sigma_min(V)
    out = []
    for s in (smax_B, smin_B):
        lo_ = max(lo(s), 0.0)
        lo_b = to_arb(lo_) / shrink
        hi_b = to_arb(hi(s)) / grow
        out.append(from_bounds(arb(lo(lo_b)), arb(hi(hi_b))))
    return out[0], out[1]


def _thin_singular_extremes(ops: Any, A: Any, M: np.ndarray) -> tuple[arb, arb]:
    """Very rectangular ``A``: reduce to the square ``A V`` (``V`` from a thin SVD).

    For wide ``A`` (r < c) and ``V`` (c x r) with ``||V^T V - I||_F <= e_V``:
    ``sigma_i(A V) <= sigma_i(A) ||V||`` gives the lower bound and Weyl on
    ``A = A V V^T + (A - A V V^T)`` the upper bound
    ``sigma_i(A) <= sigma_i(A V) ||V|| + ||A - A V V^T||_F``, with ``||V|| <= sqrt(1 + e_V)``.
    Tall ``A`` is handled through ``A^T``. Avoids the full c x c factor of a full SVD.
    """
    r, c = M.shape
    At, Mt = (A, M) if r < c else (ops.transpose(A), M.T)
    k = min(r, c)
    _, _, Vt = np.linalg.svd(Mt, full_matrices=False)
    V = ops.asarray(np.ascontiguousarray(Vt.T))
    AV = ops.matmul(At, V)
    resid = ops.fro_norm(ops.sub(At, ops.matmul(AV, ops.transpose(V))))
    ev = ops.fro_norm(ops.sub(ops.matmul(ops.transpose(V), V), ops.eye(k)))
    smax_s, smin_s = singular_extremes(ops, AV)
    one = arb(1)
    nV = (one + ev).sqrt()
    out = []
    for s in (smax_s, smin_s):
        lo_ = max(lo(to_arb(max(lo(s), 0.0)) / nV), 0.0)
        hi_ = hi(to_arb(hi(s)) * nV + resid)
        out.append(from_bounds(arb(lo_), arb(hi_)))
    return out[0], out[1]


def eig_extremes(ops: Any, A: Any) -> tuple[arb, arb]:
    """Certified ``(lambda_min, lambda_max)`` of the symmetric part ``(A + A^T)/2``."""
    S = ops.scale(arb(0.5), ops.add(A, ops.transpose(A)))
    M = ops.mid_array(S)
    n = M.shape[0]
    if n == 0:
        return arb(0), arb(0)
    if not np.all(np.isfinite(M)):
        return arb(0, INF), arb(0, INF)
    w, Q = np.linalg.eigh(0.5 * (M + M.T))
    Qb = ops.asarray(Q)
    QbT = ops.transpose(Qb)
    B = ops.matmul(ops.matmul(QbT, S), Qb)
    e = ops.fro_norm(ops.sub(ops.matmul(QbT, Qb), ops.eye(n)))
    d, off = ops.diag_split(B)
    one = arb(1)
    if not e < one:
        return arb(0, INF), arb(0, INF)
    theta = from_bounds(one - e, one + e)
    lam_min = _weyl_interval(float(d.min()), off) / theta
    lam_max = _weyl_interval(float(d.max()), off) / theta
    return lam_min, lam_max


def singular_extremes_gram(ops: Any, A: Any) -> tuple[arb, arb]:
    """Alternative: ``sigma^2 = lambda(G)`` with ``G`` the smaller Gram matrix."""
    r, c = ops.shape(A)
    G = (ops.matmul(ops.transpose(A), A) if c <= r else ops.matmul(A, ops.transpose(A)))
    lmin, lmax = eig_extremes(ops, G)
    smax = lmax.nonnegative_part().sqrt()
    smin = lmin.nonnegative_part().sqrt()
    return smax, smin


class CachedSpectra:
    """Certified spectral quantities shared by the ball backends, cached per matrix object.

    The host class provides ``asarray``, ``sigma_method`` and ``_spectrum_prec()`` (sets the
    working precision before an enclosure is computed).
    """

    sigma_method: str

    def _spectrum_prec(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _spectrum(self, kind: str, a: Any) -> tuple[arb, arb]:
        cache = self.__dict__.setdefault("_spec_cache", {})
        key = (kind, id(a))
        hit = cache.get(key)
        if hit is not None and hit[0] is a:
            return hit[1]
        self._spectrum_prec()
        A = self.asarray(a)  # type: ignore[attr-defined]
        if kind == "sv":
            fn = singular_extremes_gram if self.sigma_method == "gram" else singular_extremes
            val = fn(self, A)
        else:
            val = eig_extremes(self, A)
        if len(cache) > 256:
            cache.clear()
        cache[key] = (a, val)
        return val

    def spec_norm(self, a: Any) -> arb:
        return self._spectrum("sv", a)[0]

    def sigma_max(self, a: Any) -> arb:
        return self._spectrum("sv", a)[0]

    def sigma_min(self, a: Any) -> arb:
        """``sigma_{min(rows, cols)}`` as in the papers."""
        return self._spectrum("sv", a)[1]

    def eigvalsh_min(self, a: Any) -> arb:
        return self._spectrum("eig", a)[0]

    def eigvalsh_max(self, a: Any) -> arb:
        return self._spectrum("eig", a)[1]
