"""Controllable randomness: a numpy-Generator look-alike driven by a vector of uniforms.

:class:`ChoiceGenerator` answers the ``rng`` calls the samplers in ``theorems/`` make
(``random``, ``uniform``, ``standard_normal``, ``normal``, ``integers``, ``choice``,
``permutation``, ``chisquare``) from a vector ``u`` of numbers in [0, 1) that a search can
change, mapping each uniform through the inverse CDF (``scipy.special.ndtri`` for normals,
``chdtri`` for chi-square, floor for integers). When a sampler asks for more numbers than
``u`` holds, fresh uniforms are drawn from a generator seeded by ``tail_seed``, so the same
``(u, tail_seed)`` always gives the same instance: every ``sample(rng, params)`` becomes a
map vector -> instance (the idea behind Hypothesis's choice sequences).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

_LO = np.finfo(np.float64).tiny
_HI = 1.0 - np.finfo(np.float64).epsneg


def _shape(size: Any) -> tuple[int, ...] | None:
    if size is None:
        return None
    if isinstance(size, int | np.integer):
        return (int(size),)
    return tuple(int(s) for s in size)


class ChoiceGenerator:
    """Duck-typed :class:`numpy.random.Generator` whose draws come from ``u``."""

    def __init__(self, u: np.ndarray | None = None, tail_seed: int = 0,
                 z: np.ndarray | None = None) -> None:
        #: with ``z`` (normal scores, ``u = ndtr(z)``), normal draws are ``z`` itself (no
        #: round trip through ``u``, which loses digits in the upper tail)
        self.z = None if z is None else np.asarray(z, dtype=np.float64).ravel()
        if self.z is not None:
            u = special.ndtr(self.z)
        self.u = np.clip(np.asarray(u if u is not None else [], dtype=np.float64), 0.0, _HI)
        self.pos = 0
        self.tail_seed = int(tail_seed)
        self._tail = np.random.default_rng(np.random.SeedSequence([self.tail_seed, 0xC401CE]))
        self._extra: list[np.ndarray] = []

    # ---------------------------------------------------------------- the choice sequence
    def _take(self, n: int) -> np.ndarray:
        avail = max(0, self.u.size - self.pos)
        head = self.u[self.pos:self.pos + min(n, avail)]
        if n > avail:
            more = self._tail.random(n - avail)
            self._extra.append(more)
            head = np.concatenate([head, more])
        self.pos += n
        return head

    def _take_normal(self, n: int) -> np.ndarray:
        if self.z is None:
            return special.ndtri(np.clip(self._take(n), _LO, _HI))
        start = self.pos
        v = special.ndtri(np.clip(self._take(n), _LO, _HI))
        k = max(0, min(self.pos, self.z.size) - start)
        v[:k] = self.z[start:start + k]
        return v

    def consumed_z(self) -> np.ndarray:
        """:meth:`consumed` as normal scores (``z``'s own prefix where given)."""
        zs = special.ndtri(np.clip(self.consumed(), _LO, _HI))
        if self.z is not None:
            k = min(self.pos, self.z.size)
            zs[:k] = self.z[:k]
        return zs

    def consumed(self) -> np.ndarray:
        """Every uniform used so far (``u``'s prefix, then the fresh tail draws)."""
        used = self.u[:min(self.pos, self.u.size)]
        return np.concatenate([used, *self._extra]) if self._extra else used.copy()

    def _uniforms(self, size: Any) -> tuple[np.ndarray, tuple[int, ...] | None]:
        shp = _shape(size)
        n = 1 if shp is None else int(np.prod(shp, dtype=np.int64))
        return self._take(n), shp

    @staticmethod
    def _out(v: np.ndarray, shp: tuple[int, ...] | None) -> Any:
        return v[0] if shp is None else v.reshape(shp)

    # ---------------------------------------------------------------- Generator methods
    def random(self, size: Any = None, dtype: Any = np.float64, out: Any = None) -> Any:
        v, shp = self._uniforms(size)
        return float(v[0]) if shp is None else v.reshape(shp)

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> Any:
        low, high = np.asarray(low, float), np.asarray(high, float)
        if size is None and (low.ndim or high.ndim):
            size = np.broadcast(low, high).shape
        v, shp = self._uniforms(size)
        r = low + (high - low) * self._out(v, shp)
        return float(r) if shp is None else r

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, out: Any = None
                        ) -> Any:
        shp = _shape(size)
        z = self._take_normal(1 if shp is None else int(np.prod(shp, dtype=np.int64)))
        return float(z[0]) if shp is None else z.reshape(shp)

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> Any:
        loc, scale = np.asarray(loc, float), np.asarray(scale, float)
        if size is None and (loc.ndim or scale.ndim):
            size = np.broadcast(loc, scale).shape
        z = self.standard_normal(size)
        r = loc + scale * z
        return float(r) if size is None else r

    def chisquare(self, df: Any, size: Any = None) -> Any:
        df = np.asarray(df, float)
        if size is None and df.ndim:
            size = df.shape
        v, shp = self._uniforms(size)
        x = special.chdtri(np.broadcast_to(df, v.shape if shp is None else shp).ravel()
                           if df.ndim else df, 1.0 - np.clip(v, _LO, _HI))
        return float(np.ravel(x)[0]) if shp is None else np.reshape(x, shp)

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> Any:
        if high is None:
            low, high = 0, low
        low, high = np.asarray(low, np.int64), np.asarray(high, np.int64)
        if endpoint:
            high = high + 1
        if np.any(high <= low):
            raise ValueError("high <= low")
        if size is None and (low.ndim or high.ndim):
            size = np.broadcast(low, high).shape
        v, shp = self._uniforms(size)
        u = self._out(v, shp)
        r = np.minimum(low + np.floor(u * (high - low)).astype(np.int64), high - 1)
        return int(r) if shp is None else r.astype(dtype)

    def permutation(self, x: Any) -> np.ndarray:
        arr = np.arange(int(x)) if isinstance(x, int | np.integer) else np.array(x)
        keys = self._take(len(arr))
        return arr[np.argsort(keys, kind="stable")]

    def shuffle(self, x: Any) -> None:
        x[...] = self.permutation(x)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None) -> Any:
        pool = np.arange(int(a)) if isinstance(a, int | np.integer) else np.asarray(a)
        n = len(pool)
        shp = _shape(size)
        k = 1 if shp is None else int(np.prod(shp, dtype=np.int64))
        if not replace:
            if k > n:
                raise ValueError("cannot take a larger sample than population without replace")
            if p is not None:
                raise NotImplementedError("choice(replace=False, p=...) is not supported")
            idx = self.permutation(n)[:k]
        else:
            u = self._take(k)
            if p is None:
                idx = np.minimum(np.floor(u * n).astype(np.int64), n - 1)
            else:
                cdf = np.cumsum(np.asarray(p, float))
                idx = np.minimum(np.searchsorted(cdf / cdf[-1], u, side="right"), n - 1)
        out = pool[idx]
        if shp is None:
            v = out[0]
            return v.item() if isinstance(v, np.generic) else v
        return out.reshape(shp)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"ChoiceGenerator does not implement rng.{name}; add it to "
                             "boundcheck/choices.py")


def replay(sample: Any, u: np.ndarray, params: dict, tail_seed: int = 0
           ) -> tuple[Any, np.ndarray]:
    """``sample(rng, params)`` driven by ``u``; returns the instance and the uniforms used."""
    rng = ChoiceGenerator(u, tail_seed)
    inst = sample(rng, params)
    return inst, rng.consumed()


class RecordingGenerator:
    """A real :class:`numpy.random.Generator` that also records its draws as normal scores
    ``z`` such that ``ChoiceGenerator(z=z)`` replays the same instance (exactly for normal
    draws and discrete choices, to rounding for uniforms and chi-squares): the harness's own
    draws become starting points of a search in choice space."""

    def __init__(self, gen: np.random.Generator) -> None:
        self._g = gen
        self._z: list[np.ndarray] = []

    def recorded(self) -> np.ndarray:
        return np.concatenate(self._z) if self._z else np.zeros(0)

    def _rec_u(self, u: Any) -> None:
        self._z.append(special.ndtri(np.clip(np.ravel(np.asarray(u, float)), _LO, _HI)))

    def random(self, size: Any = None, dtype: Any = np.float64, out: Any = None) -> Any:
        x = self._g.random(size)
        self._rec_u(x)
        return x

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> Any:
        x = self._g.uniform(low, high, size)
        lo, hi = np.asarray(low, float), np.asarray(high, float)
        w = np.where(hi - lo == 0, 1.0, hi - lo)
        self._rec_u(np.broadcast_to((np.asarray(x) - lo) / w, np.shape(x)))
        return x

    def standard_normal(self, size: Any = None, dtype: Any = np.float64, out: Any = None
                        ) -> Any:
        x = self._g.standard_normal(size)
        self._z.append(np.ravel(np.asarray(x, float)))
        return x

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> Any:
        loc, scale = np.asarray(loc, float), np.asarray(scale, float)
        if size is None and (loc.ndim or scale.ndim):
            size = np.broadcast(loc, scale).shape
        z = self.standard_normal(size)
        r = loc + scale * z
        return float(r) if size is None else r

    def chisquare(self, df: Any, size: Any = None) -> Any:
        x = self._g.chisquare(df, size)
        self._rec_u(special.chdtr(df, x))
        return x

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> Any:
        r = self._g.integers(low, high, size=size, dtype=dtype, endpoint=endpoint)
        if high is None:
            low, high = 0, low
        lo, hi = np.asarray(low, np.int64), np.asarray(high, np.int64) + int(endpoint)
        self._rec_u((np.asarray(r, float) - lo + 0.5) / (hi - lo))
        return r

    def _rec_perm(self, perm: np.ndarray) -> None:
        keys = np.empty(len(perm))
        keys[perm] = (np.arange(len(perm)) + 0.5) / len(perm)
        self._rec_u(keys)

    def permutation(self, x: Any) -> np.ndarray:
        arr = np.arange(int(x)) if isinstance(x, int | np.integer) else np.array(x)
        perm = self._g.permutation(len(arr))
        self._rec_perm(perm)
        return arr[perm]

    def shuffle(self, x: Any) -> None:
        x[...] = self.permutation(x)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None) -> Any:
        is_int = isinstance(a, int | np.integer)
        pool = np.arange(int(a)) if is_int else np.asarray(a)
        n = len(pool)
        idx = self._g.choice(n, size=size, replace=replace, p=p)
        flat = np.ravel(np.asarray(idx))
        if not replace:  # ChoiceGenerator: permutation(n)[:k]
            rest = np.setdiff1d(np.arange(n), flat)
            self._rec_perm(np.concatenate([flat, rest]).astype(np.int64))
        elif p is None:
            self._rec_u((flat + 0.5) / n)
        else:
            cdf = np.cumsum(np.asarray(p, float))
            cdf = cdf / cdf[-1]
            lo = np.where(flat > 0, cdf[np.maximum(flat - 1, 0)], 0.0)
            self._rec_u((lo + cdf[flat]) / 2)
        if is_int:
            return idx
        return pool[idx] if size is None else pool.take(idx, axis=0)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"RecordingGenerator does not implement rng.{name}")
