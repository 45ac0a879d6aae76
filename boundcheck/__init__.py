"""boundcheck: a proof auditor for convergence theorems about GD on deep linear networks.

The engine knows no paper: papers live in the ``theorems`` package and are written
against the number-backend vocabulary in :mod:`boundcheck.arith`.
"""

from boundcheck.errors import BoundcheckError, InputError

__all__ = ["BoundcheckError", "InputError"]
__version__ = "0.1.0"
