"""Results as data: id, source, statement, check type, parameters and variants.

A paper module builds :class:`Result` objects and passes them to
:func:`boundcheck.check.registry.register`. The check is one of four kinds:

* :class:`Deterministic` -- ``sample`` an instance, evaluate ``hypotheses`` and, when they
  hold, ``conclusions`` (lists of :class:`~boundcheck.check.verdict.Condition`).
* :class:`Statistical` -- ``trial`` returns whether the event held (None: hypotheses not
  met); failures are compared with the allowed probability ``delta`` via Clopper-Pearson.
* :class:`Scaling` -- ``run`` sweeps sizes and returns conditions on fitted exponents or
  constants (with their intervals) plus details for the report.
* :class:`Symbolic` -- ``run`` returns exact conditions (sympy), evaluated exactly.

All callables receive ``params``: the result's defaults, updated by the profile
(``quick``/``full``), then by caller overrides (variants, deliberately broken constants).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from boundcheck.check.verdict import Condition

Params = dict[str, Any]
Instance = dict[str, Any]

KINDS = ("theorem", "lemma", "claim", "corollary", "proposition", "definition", "equation",
         "remark", "assumption", "fact", "inequality", "identity", "proof-step", "figure",
         "property", "procedure", "example")


@dataclass(frozen=True)
class Source:
    paper: str
    section: str
    equation: str = ""

    def __str__(self) -> str:
        eq = f", {self.equation}" if self.equation else ""
        return f"{self.paper} {self.section}{eq}"


@dataclass(frozen=True)
class Deterministic:
    sample: Callable[[np.random.Generator, Params], Instance | list[Instance]]
    hypotheses: Callable[[Instance, Any, Params], list[Condition]]
    conclusions: Callable[[Instance, Any, Params], list[Condition]]
    type_name: str = "deterministic"


@dataclass(frozen=True)
class Statistical:
    """``trial`` returns True/False/None for one draw, or ``(failures, draws)`` for a
    vectorized batch of independent draws. The optional ``details(rng, params)`` runs once
    after the trials; its dict (e.g. a decay fit) is merged into the report's details."""

    trial: Callable[[np.random.Generator, Params], bool | None | tuple[int, int]]
    delta: Callable[[Params], float]
    confidence: float = 0.99
    type_name: str = "statistical"
    details: Callable[[np.random.Generator, Params], dict] | None = None
    #: True when the statement makes the failure probability *equal* delta (an exact cap
    #: area, a test's level): then the check passes when the interval lies inside
    #: ``delta * (1 +- rate_tolerance)`` (a parameter, default 0.1) and fails when it
    #: excludes delta; a one-sided "<= delta" test could never separate there.
    exact_rate: bool = False
    #: For "for every value" statements (every scale s, every polynomial): the values, as
    #: ``[(label, params override), ...]`` built from the params. Each stratum is tested on
    #: its own (its own delta, draws and confidence sequence, at Bonferroni level
    #: ``(1 - confidence)/K`` so that the K intervals hold together); the verdict is
    #: ``inconsistent`` if any stratum is, ``consistent`` only if all are. Pooling the
    #: values into one mixture would let one failing value hide among passing ones.
    strata: Callable[[Params], list[tuple[str, Params]]] | None = None


@dataclass
class ScalingOutcome:
    conditions: list[Condition]
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Scaling:
    run: Callable[[np.random.Generator, Params, Callable[[str], None]], ScalingOutcome]
    type_name: str = "scaling"


@dataclass(frozen=True)
class Symbolic:
    run: Callable[[Params], list[Condition]]
    type_name: str = "symbolic"


Check = Deterministic | Statistical | Scaling | Symbolic


@dataclass(frozen=True)
class Result:
    id: str
    title: str
    source: Source
    statement: str
    kind: str
    check: Check
    params: Params = field(default_factory=dict)
    profiles: dict[str, Params] = field(default_factory=dict)
    #: Parameter overrides that make the check *wrong* (a too-tight constant, a flipped
    #: sign); the sensitivity test requires the check to reject this variant.
    broken: Params | None = None
    variant: str = "printed"
    #: True when this variant is a suspected erratum expected to be refuted.
    erratum: bool = False
    notes: str = ""
    instances: int = 20
    #: True when hypotheses and conclusions are computed entirely with the ``ops``
    #: vocabulary from the instance's stored inputs taken as exact, so that a certified
    #: backend's verdict is a certificate for the statement. Results that compute with
    #: numpy/float64 (and wrap the floats with ``ops.scalar``) or compare float64 identities
    #: with a rounding allowance must leave it False: a certified backend then runs them in
    #: float64 and says so, rather than certify a float computation.
    certifiable: bool = False
    #: Open ranges ``lo < x < hi`` (None: unbounded) for parameters a caller may override;
    #: see :mod:`boundcheck.check.params` for the ranges every paper shares.
    param_ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    #: False when a conclusion is about the sampler's *distribution* (a chi-square test of
    #: the generator, say): an adversarial choice sequence breaks it without saying anything
    #: about the paper, so the falsifier and ``--hunt`` leave such a result alone.
    searchable: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}; one of {KINDS}")
        if "." not in self.id:
            raise ValueError(f"result id {self.id!r} must be 'paper.name' as in the catalog")

    @property
    def paper(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def key(self) -> str:
        """Unique registry key: the catalog id, suffixed by the variant unless printed."""
        return self.id if self.variant == "printed" else f"{self.id}[{self.variant}]"

    @property
    def check_type(self) -> str:
        return self.check.type_name

    def resolve_params(self, profile: str = "quick", overrides: Params | None = None) -> Params:
        p = dict(self.params)
        p.update(self.profiles.get(profile, {}))
        if overrides:
            p.update(overrides)
        return p

    def with_variant(self, variant: str, erratum: bool = False, **changes: Any) -> Result:
        return replace(self, variant=variant, erratum=erratum, **changes)
