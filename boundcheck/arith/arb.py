"""Arb ball arithmetic via python-flint (backend ``arb``, option ``prec`` in bits, 128).

Matrices are :class:`flint.arb_mat`, scalars :class:`flint.arb`. Float64 inputs become
exact balls of radius 0 (a double is a dyadic rational). Every operation returns a ball
containing the exact result (Arb's guarantee), so a comparison decided here is decided for
the exact value. Spectra use the Weyl/Ostrowski recipe of :mod:`boundcheck.arith._ballcore`
with a float64 decomposition of the midpoint and the residual enclosed at ``prec`` bits.

The backend runs at a fixed precision; :meth:`ArbBackend.escalate` returns the same backend
at twice the precision while that stays ``<= max_prec`` (by default no escalation:
``max_prec = prec``; the ``ball`` backend sets it), and then, with ``exact_ties`` (set by
``ball``), the exact rational backend :mod:`boundcheck.arith.qexact` that decides ties.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flint import arb, arb_mat

from boundcheck.arith import _ballcore as bc
from boundcheck.arith import register_backend
from boundcheck.arith.rump import RMat, power
from boundcheck.errors import InputError


class ArbBackend(bc.CachedSpectra):
    name = "arb"
    certified = True

    def __init__(self, prec: int | None = None, max_prec: int | None = None,
                 sigma_method: str = "weyl", exact_ties: bool = False, **_: object) -> None:
        self.prec = int(prec) if prec else 128
        #: after the last precision, escalate to exact rationals (``fmpq``) to decide ties
        self.exact_ties = bool(exact_ties)
        if self.prec < 53:
            raise InputError(f"arb precision must be >= 53 bits, got {self.prec}")
        self.max_prec = int(max_prec) if max_prec else self.prec
        self.sigma_method = sigma_method
        self._spec_cache: dict[tuple[str, int], tuple[Any, Any]] = {}

    @property
    def label(self) -> str:
        return f"arb-{self.prec}"

    def escalate(self) -> Any:
        if 2 * self.prec > self.max_prec:
            if self.exact_ties:  # the enclosures straddle at every precision: maybe a tie
                from boundcheck.arith.qexact import QExactBackend
                return QExactBackend(prec=2 * self.prec, sigma_method=self.sigma_method)
            return None
        return ArbBackend(prec=2 * self.prec, max_prec=self.max_prec,
                          sigma_method=self.sigma_method, exact_ties=self.exact_ties)

    def _p(self) -> None:
        bc.set_prec(self.prec)

    # ------------------------------------------------------------------ construction
    def asarray(self, a: Any) -> arb_mat:
        self._p()
        if isinstance(a, arb_mat):
            return a
        if isinstance(a, RMat):
            r, c = a.shape
            if a.rad is None:
                return arb_mat(r, c, a.mid.ravel().tolist())
            return arb_mat(r, c, [bc.ball(m, rr) for m, rr in
                                  zip(a.mid.ravel().tolist(), a.rad.ravel().tolist(),
                                      strict=True)])
        arr = np.array(a, dtype=np.float64)
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(arr.shape[0], -1)
        if not np.all(np.isfinite(arr)):
            raise InputError("certified backends need finite inputs; got NaN or inf entries")
        return arb_mat(arr.shape[0], arr.shape[1], arr.ravel().tolist())

    def scalar(self, x: Any) -> arb:
        self._p()
        return bc.to_arb(x)

    def eye(self, n: int) -> arb_mat:
        M = arb_mat(n, n)
        for i in range(n):
            M[i, i] = 1
        return M

    def zeros(self, rows: int, cols: int) -> arb_mat:
        return arb_mat(rows, cols)

    # ------------------------------------------------------------------ algebra
    def matmul(self, a: Any, b: Any) -> arb_mat:
        self._p()
        return self.asarray(a) * self.asarray(b)

    def add(self, a: Any, b: Any) -> arb_mat:
        self._p()
        return self.asarray(a) + self.asarray(b)

    def sub(self, a: Any, b: Any) -> arb_mat:
        self._p()
        return self.asarray(a) - self.asarray(b)

    def scale(self, s: Any, a: Any) -> arb_mat:
        self._p()
        return self.asarray(a) * bc.to_arb(s)

    def transpose(self, a: Any) -> arb_mat:
        return self.asarray(a).transpose()

    def kron(self, a: Any, b: Any) -> arb_mat:
        self._p()
        A, B = self.asarray(a), self.asarray(b)
        r1, c1, r2, c2 = A.nrows(), A.ncols(), B.nrows(), B.ncols()
        Ae, Be = A.entries(), B.entries()
        out = [None] * (r1 * r2 * c1 * c2)
        C = c1 * c2
        for i1 in range(r1):
            for j1 in range(c1):
                x = Ae[i1 * c1 + j1]
                for i2 in range(r2):
                    row = (i1 * r2 + i2) * C + j1 * c2
                    base = i2 * c2
                    for j2 in range(c2):
                        out[row + j2] = x * Be[base + j2]
        return arb_mat(r1 * r2, c1 * c2, out)

    def shape(self, a: Any) -> tuple[int, int]:
        A = self.asarray(a)
        return (A.nrows(), A.ncols())

    # ------------------------------------------------------------------ norms, spectra
    def fro_norm(self, a: Any) -> arb:
        self._p()
        A = self.asarray(a)
        total = arb(0)
        for x in A.entries():
            total += x * x
        return total.nonnegative_part().sqrt()

    def mid_array(self, a: Any) -> np.ndarray:
        A = self.asarray(a)
        return np.array([bc.scalar_mid(x) for x in A.entries()],
                        dtype=np.float64).reshape(A.nrows(), A.ncols())

    def diag_split(self, B: Any) -> tuple[np.ndarray, arb]:
        self._p()
        B = self.asarray(B)
        k = min(B.nrows(), B.ncols())
        d = np.array([bc.scalar_mid(B[i, i]) for i in range(k)], dtype=np.float64)
        total = arb(0)
        c = B.ncols()
        for idx, x in enumerate(B.entries()):
            i, j = divmod(idx, c)
            y = x - arb(float(d[i])) if i == j else x
            total += y * y
        return d, arb(bc.hi(total.nonnegative_part().sqrt()))

    def _spectrum_prec(self) -> None:
        self._p()

    # ------------------------------------------------------------------ extras
    def trace(self, a: Any) -> arb:
        self._p()
        return self.asarray(a).trace()

    def entry(self, a: Any, i: int, j: int) -> arb:
        return self.asarray(a)[i, j]

    # ------------------------------------------------------------------ scalar functions
    def sqrt(self, x: Any) -> arb:
        self._p()
        return bc.to_arb(x).sqrt()

    def log(self, x: Any) -> arb:
        self._p()
        return bc.to_arb(x).log()

    def exp(self, x: Any) -> arb:
        self._p()
        return bc.to_arb(x).exp()

    def gamma_ratio(self, x: Any, h: Any) -> arb:
        """``Gamma(x + h) / Gamma(x)`` for ``x > 0``, ``x + h > 0`` (issue 13, hxp20.ineq_gamma): an
        enclosure from Arb's Gamma (arbitrary exponents: no overflow at x = 1e9)."""
        self._p()
        a, b = bc.to_arb(x), bc.to_arb(h)
        return (a + b).gamma() / a.gamma()

    def power(self, x: Any, p: Any) -> arb:
        self._p()
        return power(x, p)

    # ------------------------------------------------------------------ comparison, export
    def compare(self, lhs: Any, rel: str, rhs: Any, rtol: float = 0.0,
                atol: float = 0.0) -> bool | None:
        self._p()
        return bc.compare(lhs, rel, rhs, rtol=rtol, atol=atol)

    def mid(self, x: Any) -> float:
        return bc.scalar_mid(x)

    def radius(self, x: Any) -> float:
        return bc.scalar_rad(x)

    def to_numpy(self, a: Any) -> np.ndarray:
        return self.mid_array(a)

    def max_radius(self, a: Any) -> float:
        A = self.asarray(a)
        return max((bc.hi(x.rad()) for x in A.entries()), default=0.0)

    # ----------------------------------------------------- special functions (issue 13)
    def lgamma(self, x: Any) -> arb:
        """``log Gamma(x)`` enclosed by Arb at ``prec`` bits."""
        self._p()
        return bc.to_arb(x).lgamma()

    def gamma_upper_reg(self, s: Any, z: Any) -> arb:
        """Regularized upper incomplete gamma ``Q(s, z)`` at ``prec`` bits."""
        self._p()
        return bc.to_arb(z).gamma_upper(bc.to_arb(s), regularized=1)


register_backend("arb", ArbBackend)
