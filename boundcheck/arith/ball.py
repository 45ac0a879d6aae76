"""The harness-facing certified backend ``ball``.

It evaluates with the fast certified float64 path (:mod:`boundcheck.arith.rump`) first; when
a comparison is left undecided the harness calls :meth:`BallBackend.escalate` and
re-evaluates the instance with Arb balls at ``prec`` bits (default 128), then at twice that,
up to ``max_prec`` (default 1024), and finally in exact rational arithmetic
(:mod:`boundcheck.arith.qexact`, label ``exact-fmpq``): float64 inputs are dyadic rationals,
so a comparison that straddles at every precision because it is an exact tie is decided
exactly there. Only what that cannot decide is final as undecided.
"""

from __future__ import annotations

from boundcheck.arith import register_backend
from boundcheck.arith.arb import ArbBackend
from boundcheck.arith.rump import RumpBackend


class BallBackend(RumpBackend):
    name = "ball"
    certified = True

    def __init__(self, prec: int | None = None, max_prec: int | None = None,
                 sigma_method: str = "weyl", exact_ties: bool = True, **kw: object) -> None:
        super().__init__(sigma_method=sigma_method, **kw)
        self.prec = int(prec) if prec else 128
        self.max_prec = max(int(max_prec) if max_prec else 1024, self.prec)
        self.exact_ties = bool(exact_ties)

    def escalate(self) -> ArbBackend:
        return ArbBackend(prec=self.prec, max_prec=self.max_prec,
                          sigma_method=self.sigma_method, exact_ties=self.exact_ties)


register_backend("ball", BallBackend)
