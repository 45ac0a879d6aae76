"""Printed constants and parameters as exact rationals.

A result's parameters are floats or ints (so sensitivity bisection and ``--set`` work on
them), but the paper prints decimals and fractions: ``1.1``, ``0.6``, ``5/6``. A certified
condition must compare against the printed number, not against its nearest double
(``float(1.1) = 1.10000000000000008881...``). :func:`exact_const` gives the exact value:

* ints, Fractions: themselves; strings: ``Fraction(s)`` (``"1/3"``);
* a float equal to ``float(printed)`` when the caller names the printed rational: ``printed``
  (so a default ``5.0 / 6.0`` is 5/6 exactly);
* any other float whose shortest decimal form (``repr``) has at most 15 significant digits:
  that decimal (1.1 -> 11/10, 0.6 -> 3/5, 1e-17 -> 10^-17). This reads a parameter as the
  decimal literal a person wrote -- the number ``--set name=1.1`` or the source means;
* a float needing 16-17 digits (a computed value, e.g. ``2**-60`` or ``math.sqrt(1.2)``):
  its exact binary value ``Fraction(x)``, never a fraction guessed from the double.

Use as ``ops.scalar(exact_const(p["upper"]))``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np


def exact_const(x: Any, printed: Fraction | None = None) -> Fraction | int:
    """The exact rational a parameter or printed constant stands for (see module doc)."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, Fraction):
        return x
    if isinstance(x, str):
        return Fraction(x)
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"a constant must be finite, got {x!r}")
    if printed is not None and float(printed) == f:
        return printed
    text = repr(f)
    mant = text.lower().split("e")[0].replace("-", "").replace(".", "").strip("0")
    if len(mant) <= 15:
        return Fraction(text)
    return Fraction(f)


__all__ = ["exact_const"]
