"""The process-wide numeric settings a check may change, reset around each result.

Arb's working precision (``flint.ctx.prec``), mpmath's (``mpmath.mp.prec``) and NumPy's
floating-point error handling are global to a process. A check that raises them and does
not put them back would change how later checks in the same process print, round or
decide, so a report would depend on which results ran before it in that worker. This
broke bit-identical audits across worker counts: results printed Arb balls at 128 bits
or got different last bits after an earlier result raised the precision.
:func:`default_numeric_state` starts every result from the defaults and restores the
caller's settings afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import mpmath
import numpy as np
from flint import ctx

#: the defaults every result starts from (those of a fresh interpreter)
ARB_PREC = 53
MPMATH_PREC = 53
NUMPY_ERR = {"divide": "warn", "over": "warn", "under": "ignore", "invalid": "warn"}


@contextmanager
def default_numeric_state() -> Iterator[None]:
    """Run the block with the default Arb/mpmath precisions and NumPy error handling,
    then restore the settings found on entry."""
    saved = (ctx.prec, mpmath.mp.prec, np.geterr())
    ctx.prec, mpmath.mp.prec = ARB_PREC, MPMATH_PREC
    np.seterr(**NUMPY_ERR)
    try:
        yield
    finally:
        ctx.prec, mpmath.mp.prec = saved[0], saved[1]
        np.seterr(**saved[2])
