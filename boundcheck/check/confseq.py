"""Anytime-valid confidence sequences for a Bernoulli failure rate.

A statistical check draws trials until its interval separates from the allowed rate δ (or a
budget is spent). Stopping when the data look decisive invalidates a fixed-n Clopper-Pearson
interval; a confidence sequence stays valid at every n simultaneously, so it may be read
after each batch.

We use Robbins' beta-binomial mixture: with ``S`` failures in ``t`` trials and a
``Beta(a, b)`` mixing prior,

    M_t(p) = B(a + S, b + t - S) / B(a, b) / (p^S (1 - p)^(t - S))

is a nonnegative martingale with mean one under the true ``p``, so by Ville's inequality
``P(exists t: M_t(p) >= 1/alpha) <= alpha``. The confidence sequence is
``{p : M_t(p) < 1/alpha}``, an interval because ``log M_t`` is convex in ``p``. The Jeffreys
prior ``a = b = 1/2`` is the default.
"""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.special import betaln

METHOD = "beta-binomial mixture confidence sequence (Robbins; Jeffreys prior), anytime-valid"


def _log_m(p: float, s: int, t: int, a: float, b: float) -> float:
    log_lik = (s * math.log(p) if s else 0.0) + ((t - s) * math.log1p(-p) if t - s else 0.0)
    return betaln(a + s, b + t - s) - betaln(a, b) - log_lik


def mixture_interval(failures: int, trials: int, confidence: float = 0.99, a: float = 0.5,
                     b: float = 0.5) -> tuple[float, float]:
    """The confidence-sequence interval for the failure rate after ``trials`` draws."""
    if trials < 0 or not 0 <= failures <= trials:
        raise ValueError(f"need 0 <= failures <= trials, got {failures}/{trials}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    if trials == 0:
        return 0.0, 1.0
    level = math.log(1.0 / (1.0 - confidence))
    s, t = failures, trials
    phat = s / t

    def g(p: float) -> float:
        return _log_m(p, s, t, a, b) - level

    tiny = 1e-300
    centre = min(max(phat, 1e-12), 1 - 1e-12)
    if g(centre) >= 0:  # cannot happen for a sane level; be safe rather than wrong
        return 0.0, 1.0
    lo = 0.0 if s == 0 or g(tiny) < 0 else brentq(g, tiny, centre, xtol=1e-15, rtol=1e-12)
    one = 1.0 - 1e-16
    hi = 1.0 if s == t or g(one) < 0 else brentq(g, centre, one, xtol=1e-15, rtol=1e-12)
    return float(lo), float(hi)
