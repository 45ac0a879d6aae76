"""sample -> check hypotheses -> simulate -> check conclusions -> :class:`Report`.

One function per check type; :func:`run_result` dispatches on the result's check. Each
instance is regenerable from (result key, parameters, seed, index): its generator is
``default_rng(SeedSequence([seed, index, stable_hash(key)]))``.
"""

from __future__ import annotations

import math
import time
import traceback
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from boundcheck.arith import get_backend
from boundcheck.arith.state import default_numeric_state
from boundcheck.check.confseq import METHOD as CS_METHOD
from boundcheck.check.confseq import mixture_interval
from boundcheck.check.result import (
    Deterministic,
    Instance,
    Params,
    Result,
    Scaling,
    Statistical,
    Symbolic,
)
from boundcheck.check.stats import clopper_pearson
from boundcheck.check.verdict import PASSING, Condition, Outcome, Verdict, combine, evaluate
from boundcheck.errors import InputError
from boundcheck.model import serialize

Progress = Callable[[int, int, str], None]

#: Verdicts that confirm a registered erratum (the printed statement is wrong).
CONFIRMS_ERRATUM = frozenset({Verdict.REFUTED, Verdict.INCONSISTENT})


@dataclass
class Report:
    id: str
    key: str
    variant: str
    erratum: bool
    check_type: str
    verdict: Verdict
    backend: str
    certified: bool
    counts: dict[str, int] = field(default_factory=dict)
    tightness: dict[str, Any] = field(default_factory=dict)
    seeds: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    counterexamples: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0
    #: the hardest case met (instance, relative margin, condition, source); not serialized
    found: Any = field(default=None, repr=False, compare=False)

    @property
    def as_expected(self) -> bool:
        if self.erratum:
            return self.verdict in CONFIRMS_ERRATUM
        return self.verdict in PASSING

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "key": self.key, "variant": self.variant, "erratum": self.erratum,
            "check_type": self.check_type, "verdict": str(self.verdict),
            "as_expected": self.as_expected, "backend": self.backend,
            "certified": self.certified, "counts": self.counts, "tightness": self.tightness,
            "seeds": self.seeds, "details": _jsonable(self.details),
            "counterexamples": self.counterexamples, "messages": self.messages[:20],
            "params": _jsonable(self.params), "elapsed_s": round(self.elapsed, 3),
        }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return f if np.isfinite(f) else str(f)
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if callable(obj) and hasattr(obj, "__qualname__"):  # not its repr: that has an address
        return f"{getattr(obj, '__module__', '?')}.{obj.__qualname__}"
    return str(obj)


def stable_hash(text: str) -> int:
    return zlib.crc32(text.encode())


def instance_rng(key: str, seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, index, stable_hash(key)]))


def _checking_backend(result: Result, be: Any) -> tuple[Any, str | None]:
    """The backend that may check ``result``, and a note when it is not ``be``.

    Only deterministic results written wholly in the backend vocabulary
    (``Result.certifiable``) can be certified; under a certified backend the others run in
    float64 and the report says so.
    """
    if not be.certified or (isinstance(result.check, Deterministic) and result.certifiable):
        return be, None
    note = None
    if isinstance(result.check, Deterministic):
        note = (f"{result.key} is not certifiable (it computes outside the backend "
                f"vocabulary); evaluated in float64 instead of {be.name}")
    return get_backend("float64"), note


def _deterministic_verdict(c: dict[str, int], certified: bool) -> Verdict:
    """Counts of a deterministic check -> verdict; undecided hypotheses are inconclusive,
    not vacuous, when no instance was decided to meet them."""
    if c.get("errors"):
        return Verdict.ERROR
    if c.get("refuted"):
        return Verdict.REFUTED
    if not c.get("hypotheses_held"):
        return Verdict.INCONCLUSIVE if c.get("hypotheses_undecided") else Verdict.VACUOUS
    if c.get("inconclusive"):
        return Verdict.INCONCLUSIVE
    return Verdict.HOLDS if certified else Verdict.HOLDS_NUMERICALLY


def run_result(result: Result, instances: int | None = None, seed: int = 0,
               backend: str = "float64", profile: str = "quick",
               overrides: Params | None = None, progress: Progress | None = None,
               counterexample_dir: str | Path | None = None,
               backend_options: dict | None = None,
               replay: Sequence[tuple[str, Instance]] | None = None,
               hunt_budget: int = 0,
               instance_range: tuple[int, int] | None = None) -> Report:
    """Check one result and return its report; never raises for a failing check.

    Every result starts from the default numeric settings
    (:func:`~boundcheck.arith.state.default_numeric_state`), so its report does not depend
    on what ran before it in the same process.

    A deterministic result first evaluates ``replay`` (``(source, instance)`` pairs, e.g.
    from the example database) and, with ``hunt_budget > 0``, the tightest instance a
    targeted search (:func:`~boundcheck.check.falsify.cma_search`, a (1+1)-ES by default)
    of that many float64 evaluations finds; both count like sampled instances
    and are judged by the same backend.

    ``instance_range=(lo, hi)`` (deterministic results only) checks the sampled instances
    ``lo..hi-1`` alone -- the replayed and hunted ones with the slice that starts at 0 --
    for :func:`merge_slices`, which rebuilds the report of the whole range exactly."""
    with default_numeric_state():
        return _run_result(result, instances, seed, backend, profile, overrides, progress,
                           counterexample_dir, backend_options, replay, hunt_budget,
                           instance_range)


def _run_result(result: Result, instances: int | None, seed: int, backend: str, profile: str,
                overrides: Params | None, progress: Progress | None,
                counterexample_dir: str | Path | None, backend_options: dict | None,
                replay: Sequence[tuple[str, Instance]] | None, hunt_budget: int,
                instance_range: tuple[int, int] | None) -> Report:
    params = result.resolve_params(profile, overrides)
    n = instances if instances is not None else int(params.get("instances", result.instances))
    if instance_range is not None and not isinstance(result.check, Deterministic):
        raise ValueError(f"{result.key}: only deterministic results run in instance slices")
    be, note = _checking_backend(result, get_backend(backend, **(backend_options or {})))
    rep = Report(id=result.id, key=result.key, variant=result.variant, erratum=result.erratum,
                 check_type=result.check_type, verdict=Verdict.ERROR, backend=be.name,
                 certified=bool(be.certified), params=_jsonable(params))
    if overrides:
        rep.details["overrides"] = _jsonable(dict(overrides))
    if note:
        rep.messages.append(note)
        rep.details["certification"] = "not certifiable: float64"
    t0 = time.perf_counter()
    try:
        chk = result.check
        if isinstance(chk, Deterministic):
            lo, hi = (0, n) if instance_range is None else instance_range
            first = lo == 0
            pre = list(replay or []) if first else []
            if hunt_budget > 0 and first and not result.searchable:
                rep.details["hunt"] = {"budget": hunt_budget, "skipped": "not searchable: "
                                       "a statement about the sampler's distribution"}
            elif hunt_budget > 0 and first:
                pre.extend(_hunt(result, params, hunt_budget, seed, rep))
            if instance_range is not None:
                rep.details[_SLICE] = {"lo": lo, "hi": hi, "prefix": len(rep.messages)}
            _run_deterministic(result, chk, params, n, seed, be, rep, progress,
                               counterexample_dir, overrides, pre, range(lo, min(hi, n)))
        elif isinstance(chk, Statistical):
            _run_statistical(result, chk, params, n, seed, rep, progress)
        elif isinstance(chk, Scaling):
            _run_scaling(result, chk, params, seed, rep, progress)
        elif isinstance(chk, Symbolic):
            _run_symbolic(chk, params, rep)
        else:  # pragma: no cover - guarded by Result's type
            raise TypeError(f"unknown check {type(chk).__name__}")
    except Exception as exc:  # a crashing check is reported, not raised
        rep.verdict = Verdict.ERROR
        rep.messages.append(f"{type(exc).__name__}: {exc}")
        rep.details["traceback"] = traceback.format_exc(limit=6)
    rep.elapsed = time.perf_counter() - t0
    return rep


def _tightest(outcomes: list[Outcome], current: dict[str, Any], where: str) -> None:
    for o in outcomes:
        if o.status is None or not np.isfinite(o.relative_margin):
            continue
        if "min_relative_margin" not in current or o.relative_margin < current[
                "min_relative_margin"]:
            current.update(min_relative_margin=o.relative_margin, min_margin=o.margin,
                           condition=o.name, lhs=o.lhs, rhs=o.rhs, rel=o.rel, ratio=o.ratio,
                           where=where, message=o.message(), margin_scale=o.margin_scale,
                           allowance=o.allowance)


#: Per-instance summaries kept in a report (the tightest conclusion of each instance).
MAX_INSTANCE_RECORDS = 100


def _record_instance(rep: Report, concl: list[Outcome], where: str) -> None:
    """Keep each instance's tightest conclusion (its context carries per-instance figures
    such as a slack or a certified horizon) in ``details["instances"]``."""
    rows = rep.details.setdefault("instances", [])
    decided = [o for o in concl if o.status is not None and np.isfinite(o.relative_margin)]
    if len(rows) >= MAX_INSTANCE_RECORDS or not decided:
        return
    o = min(decided, key=lambda x: x.relative_margin)
    row = {"seed": where, "relative_margin": o.relative_margin, "message": o.message()}
    if o.enclosure is not None:  # certified: the enclosures that decided this condition
        row["enclosure"] = o.enclosure
    rows.append(row)


def enclosure_records(hyp: list[Outcome], concl: list[Outcome]) -> list[dict[str, Any]]:
    """Every condition of one instance with the enclosures that decided it (certified
    backends; empty otherwise): the record of a certified ``holds`` (issue 13)."""
    return [{"name": o.name, "role": role, "rel": o.rel, "status": o.status,
             "context": o.context, **o.enclosure}
            for role, outs in (("hypothesis", hyp), ("conclusion", concl)) for o in outs
            if o.enclosure is not None]


def evaluate_instance(chk: Deterministic, inst: Instance, be: Any, params: Params
                      ) -> tuple[bool | None, list[Outcome], list[Outcome]]:
    """Hypotheses then (only when they hold) conclusions of one instance."""
    hyp = [evaluate(c, be) for c in chk.hypotheses(inst, be, params)]
    h = combine(hyp)
    if h is not True:
        return h, hyp, []
    concl = [evaluate(c, be) for c in chk.conclusions(inst, be, params)]
    return True, hyp, concl


def arithmetic_label(be: Any) -> str:
    """Which arithmetic (and precision) a backend computes in, e.g. ``arb-256``."""
    return str(getattr(be, "label", be.name))


def evaluate_escalating(chk: Deterministic, inst: Instance, chain: list[Any], params: Params
                        ) -> tuple[bool | None, list[Outcome], list[Outcome], Any]:
    """:func:`evaluate_instance`, re-run with a stronger backend while undecided.

    ``chain`` starts as ``[backend]``; when a hypothesis or conclusion is left undecided
    (None) and the last backend offers ``escalate()`` returning a stronger backend (or
    None), the instance is re-evaluated from scratch with it. The chain is extended lazily
    and shared across instances. Returns the outcomes and the backend that produced them.
    """
    k = 0
    while True:
        be = chain[k]
        h, hyp, concl = evaluate_instance(chk, inst, be, params)
        if not (h is None or (h is True and combine(concl) is None)):
            return h, hyp, concl, be
        if k + 1 >= len(chain):
            esc = getattr(be, "escalate", None)
            nxt = esc() if callable(esc) else None
            if nxt is None:
                return h, hyp, concl, be
            chain.append(nxt)
        k += 1


def _hunt(result: Result, params: Params, budget: int, seed: int, rep: Report
          ) -> list[tuple[str, Instance]]:
    """The falsifier's tightest instance at ``budget`` evaluations (empty if none)."""
    from boundcheck.check.falsify import cma_search

    t0 = time.perf_counter()
    best = cma_search(result, params, budget, seed)
    rep.details["hunt"] = {
        "budget": budget, "tightest_score": best.score if math.isfinite(best.score) else None,
        "condition": best.condition, "evals_to_violation": best.evals_to_violation,
        "elapsed_s": round(time.perf_counter() - t0, 3)}
    return [] if best.instance is None else [("hunt", best.instance)]


def _run_deterministic(result: Result, chk: Deterministic, params: Params, n: int, seed: int,
                       be: Any, rep: Report, progress: Progress | None,
                       cx_dir: str | Path | None, overrides: Params | None,
                       pre: Sequence[tuple[str, Instance]] = (),
                       ks: range | None = None) -> None:
    c = dict(tried=0, hypotheses_held=0, hypotheses_failed=0, hypotheses_undecided=0,
             conclusions_held=0, refuted=0, inconclusive=0, errors=0)
    chain: list[Any] = [be]
    used: dict[str, int] = {}

    def case(inst: Instance, where: str, source: str) -> None:
        c["tried"] += 1
        try:
            h, hyp, concl, by = evaluate_escalating(chk, inst, chain, params)
        except Exception as exc:
            c["errors"] += 1
            rep.messages.append(f"seed {where}: {type(exc).__name__}: {exc}")
            return
        label = arithmetic_label(by)
        used[label] = used.get(label, 0) + 1
        if h is False:
            c["hypotheses_failed"] += 1
            return
        if h is None:
            c["hypotheses_undecided"] += 1
            return
        c["hypotheses_held"] += 1
        _tightest(concl, rep.tightness, where)
        _record_instance(rep, concl, where)
        decided = [o for o in concl if o.status is not None and np.isfinite(o.relative_margin)]
        if decided:
            o = min(decided, key=lambda x: x.relative_margin)
            if rep.found is None or o.relative_margin < rep.found[1]:
                rep.found = (inst, float(o.relative_margin), f"{o.name} [{o.context}]", source)
        status = combine(concl)
        if status is True:
            c["conclusions_held"] += 1
        elif status is None:
            c["inconclusive"] += 1
            rep.seeds.append(where)
        else:
            c["refuted"] += 1
            rep.seeds.append(where)
            bad = [o for o in concl if o.status is False]
            rep.messages.extend(f"{o.message()} [seed {where}; {label}]" for o in bad[:3])
            if cx_dir is not None and len(rep.counterexamples) < MAX_COUNTEREXAMPLES:
                path = Path(cx_dir) / f"{result.key}-{where.replace(':', '_')}.json"
                save_counterexample(path, result, inst, seed=where, backend=be.name,
                                    overrides=overrides, outcomes=bad)
                rep.counterexamples.append(str(path))
                if be.certified:  # a standalone stdlib verifier where one exists
                    from boundcheck.check.verifiers import write_verifier
                    script = write_verifier(path)
                    if script is not None:
                        rep.details.setdefault("verifiers", []).append(str(script))

    for j, (source, inst) in enumerate(pre):
        with default_numeric_state():
            case(inst, f"{source}:{j}", source)
    if pre:
        rep.details["replayed"] = [s for s, _ in pre]
    # each instance starts from the default numeric settings, so that a slice of the
    # instances (merge_slices) sees exactly what the whole run sees
    for k in range(n) if ks is None else ks:
        rng = instance_rng(result.key, seed, k)
        with default_numeric_state():
            try:
                sampled = chk.sample(rng, params)
            except Exception as exc:
                c["errors"] += 1
                rep.messages.append(f"seed {seed}:{k}: sampler failed: "
                                    f"{type(exc).__name__}: {exc}")
                continue
            cases = sampled if isinstance(sampled, list) else [sampled]
            for j, inst in enumerate(cases):
                case(inst, f"{seed}:{k}" + (f":{j}" if len(cases) > 1 else ""), "sampler")
        if progress:
            progress(k + 1, n, result.key)
    rep.counts = c
    rep.details["arithmetic"] = used  # which arithmetic/precision decided each instance
    rep.verdict = _deterministic_verdict(c, bool(be.certified))


_SLICE = "_slice"
#: details a slice run fills per instance (merged across slices); the rest come from slice 0
_PER_INSTANCE = ("instances", "verifiers", "replayed", "arithmetic")
MAX_COUNTEREXAMPLES = 3


def merge_slices(parts: Sequence[Report]) -> Report:
    """The report of a deterministic result from the reports of its instance slices
    (:func:`run_result` with ``instance_range``), identical to one run over all instances:
    counts add up, the tightest case is the first strictly tightest in instance order,
    messages, seeds and per-instance rows follow instance order, and only the first
    three counterexample files (with their verifiers) are kept -- the extra files the
    later slices wrote are removed."""
    if not parts:
        raise ValueError("merge_slices: no slices")
    parts = sorted(parts, key=lambda r: r.details[_SLICE]["lo"])
    base = parts[0]
    out = Report(id=base.id, key=base.key, variant=base.variant, erratum=base.erratum,
                 check_type=base.check_type, verdict=Verdict.ERROR, backend=base.backend,
                 certified=base.certified, params=base.params)
    prefix = base.details[_SLICE]["prefix"]
    out.messages = list(base.messages[:prefix])
    counts: dict[str, int] = {}
    arithmetic: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    cxs: list[str] = []
    crashed = False
    for p in parts:
        if p.details.get(_SLICE, {}).get("prefix") is None:
            raise ValueError(f"{p.key}: not a slice report")
        crashed = crashed or "traceback" in p.details
        out.messages.extend(p.messages[p.details[_SLICE]["prefix"]:])
        out.seeds.extend(p.seeds)
        for k, v in p.counts.items():
            counts[k] = counts.get(k, 0) + v
        for k, v in p.details.get("arithmetic", {}).items():
            arithmetic[k] = arithmetic.get(k, 0) + v
        rows.extend(p.details.get("instances", []))
        cxs.extend(p.counterexamples)
        t = p.tightness
        if "min_relative_margin" in t and (
                "min_relative_margin" not in out.tightness
                or t["min_relative_margin"] < out.tightness["min_relative_margin"]):
            out.tightness = dict(t)
        if p.found is not None and (out.found is None or p.found[1] < out.found[1]):
            out.found = p.found
        out.elapsed += p.elapsed
    keep, drop = cxs[:MAX_COUNTEREXAMPLES], cxs[MAX_COUNTEREXAMPLES:]
    for path in drop:
        for f in (Path(path), Path(path + ".verify.py")):
            f.unlink(missing_ok=True)
    out.counterexamples = keep
    verifiers = [v for p in parts for v in p.details.get("verifiers", [])
                 if v[:-len(".verify.py")] in keep]
    out.details = {k: v for k, v in base.details.items()
                   if k != _SLICE and k not in _PER_INSTANCE}
    if rows:
        out.details["instances"] = rows[:MAX_INSTANCE_RECORDS]
    if verifiers:
        out.details["verifiers"] = verifiers
    if "replayed" in base.details:
        out.details["replayed"] = base.details["replayed"]
    if crashed:
        out.details["traceback"] = next(p.details["traceback"] for p in parts
                                        if "traceback" in p.details)
        out.counts = counts
        return out
    out.details["arithmetic"] = arithmetic
    out.counts = counts
    out.verdict = _deterministic_verdict(counts, bool(out.certified))
    return out


@dataclass
class _RateRun:
    """One sequential test of a failure rate against delta (one stratum)."""

    label: str
    delta: float
    trials: int
    failures: int
    skipped: int
    drawn: int
    budget: int
    lo: float
    hi: float
    confidence: float
    verdict: Verdict
    message: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(stratum=self.label, delta=self.delta, failures=self.failures,
                    trials=self.trials, draws=self.drawn, interval=[self.lo, self.hi],
                    confidence=self.confidence, verdict=self.verdict.value)


def _sequential_rate(rng_key: str, label: str, chk: Statistical, params: Params, n: int,
                     seed: int, confidence: float, rep: Report,
                     progress: Progress | None, progress_key: str) -> _RateRun:
    delta = float(chk.delta(params))
    budget = int(params.get("max_trials_factor", 16)) * n
    trials = failures = skipped = drawn = 0
    target = n
    lo, hi = 0.0, 1.0
    tol = float(params.get("rate_tolerance", 0.1)) * delta
    while True:
        for k in range(drawn, target):
            ev = chk.trial(instance_rng(rng_key, seed, k), params)
            if isinstance(ev, tuple):  # a vectorized batch: (failures, draws)
                f, t = int(ev[0]), int(ev[1])
                trials += t
                failures += f
                if f and len(rep.seeds) < 50:
                    rep.seeds.append(f"{seed}:{k}" if rng_key == progress_key
                                     else f"{label}:{seed}:{k}")
            elif ev is None:
                skipped += 1
            else:
                trials += 1
                if not ev:
                    failures += 1
                    if len(rep.seeds) < 50:
                        rep.seeds.append(f"{seed}:{k}" if rng_key == progress_key
                                         else f"{label}:{seed}:{k}")
            if progress:
                progress(k + 1, target, progress_key)
        drawn = target
        lo, hi = mixture_interval(failures, trials, confidence)
        if chk.exact_rate:
            separated = (hi < delta or lo > delta) or (lo >= delta - tol and hi <= delta + tol)
        else:
            separated = hi <= delta or lo > delta
        if separated or trials == 0 or drawn >= budget:
            break
        target = min(2 * drawn, budget)
    where = (f"{label + ': ' if label else ''}failure rate {failures}/{trials}: "
             f"{100 * confidence:.4g}% confidence sequence [{lo:.3g}, {hi:.3g}]")
    msg = None
    if trials == 0:
        verdict = Verdict.VACUOUS
    elif chk.exact_rate:
        if hi < delta or lo > delta:
            verdict = Verdict.INCONSISTENT
            msg = f"{where} excludes the exact rate delta={delta:.3g}"
        elif lo >= delta - tol and hi <= delta + tol:
            verdict = Verdict.CONSISTENT
        else:
            verdict = Verdict.UNDERPOWERED
            msg = (f"{where} is wider than delta +- {tol:.3g} after {drawn} draws "
                   f"(budget {budget})")
    elif lo > delta:
        verdict = Verdict.INCONSISTENT
        msg = f"{where} lies above delta={delta:.3g}"
    elif hi <= delta:
        verdict = Verdict.CONSISTENT
    else:
        verdict = Verdict.UNDERPOWERED
        msg = (f"{where} contains delta={delta:.3g} after {drawn} draws (budget {budget}): "
               "neither confirmed nor refuted")
    return _RateRun(label, delta, trials, failures, skipped, drawn, budget, lo, hi,
                    confidence, verdict, msg)


def _run_statistical(result: Result, chk: Statistical, params: Params, n: int, seed: int,
                     rep: Report, progress: Progress | None) -> None:
    """Draw trials until the anytime-valid interval separates from delta, or the budget
    (``max_trials_factor`` times the initial ``n`` draws, default 16) is spent.

    Draws come in rounds: ``n`` first, then doubling; after each round the confidence
    sequence (:mod:`boundcheck.check.confseq`, valid under this optional stopping) is read.
    ``consistent`` needs its upper end <= delta, ``inconsistent`` its lower end > delta;
    an interval that contains delta is ``underpowered`` -- never a pass. With
    ``chk.strata`` every stratum runs this test on its own (Bonferroni-corrected level):
    one inconsistent stratum makes the verdict ``inconsistent``, and ``consistent`` needs
    every stratum consistent."""
    strata = chk.strata(params) if chk.strata is not None else None
    if strata is not None and not strata:
        raise ValueError(f"{result.key}: strata() returned no strata")
    if strata is None:
        runs = [_sequential_rate(result.key, "", chk, params, n, seed, chk.confidence, rep,
                                 progress, result.key)]
    else:
        level = 1.0 - (1.0 - chk.confidence) / len(strata)
        runs = [_sequential_rate(f"{result.key}#{label}", label, chk, {**params, **over}, n,
                                 seed, level, rep, progress, result.key)
                for label, over in strata]
    # the stratum that comes closest to (or furthest past) its delta speaks for the result
    worst = max(runs, key=lambda r: (r.hi / r.delta) if r.delta > 0 else math.inf)
    trials = sum(r.trials for r in runs)
    failures = sum(r.failures for r in runs)
    drawn = sum(r.drawn for r in runs)
    rep.counts = dict(tried=drawn, trials=trials, failures=failures,
                      hypotheses_failed=sum(r.skipped for r in runs), hypotheses_held=trials)
    cp = clopper_pearson(worst.failures, worst.trials, worst.confidence)
    rep.details.update(failure_rate=worst.failures / worst.trials if worst.trials else None,
                       interval=[worst.lo, worst.hi], interval_method=CS_METHOD,
                       fixed_n_clopper_pearson=list(cp), confidence=chk.confidence,
                       delta=worst.delta, trials=trials,
                       draws_budget=sum(r.budget for r in runs), draws=drawn)
    if strata is not None:
        rep.details["strata"] = [r.to_dict() for r in runs]
        rep.details["strata_rule"] = (f"every value tested on its own: {len(runs)} strata, "
                                      f"each at confidence {worst.confidence:.4g} "
                                      f"(Bonferroni); the interval shown is the stratum "
                                      f"closest to its delta ({worst.label})")
    rep.tightness = {"failure_rate_upper": worst.hi, "failure_rate_lower": worst.lo,
                     "delta": worst.delta}
    if chk.details is not None:
        rep.details.update(chk.details(instance_rng(result.key, seed, runs[0].budget + 1),
                                       params))
    if chk.exact_rate:
        tol = float(params.get("rate_tolerance", 0.1)) * worst.delta
        rep.details["equality_case"] = (f"the statement makes the rate equal "
                                        f"delta={worst.delta:.3g}; passes inside delta +- "
                                        f"{tol:.3g}")
    verdicts = [r.verdict for r in runs]
    if Verdict.INCONSISTENT in verdicts:
        rep.verdict = Verdict.INCONSISTENT
    elif all(v is Verdict.CONSISTENT for v in verdicts):
        rep.verdict = Verdict.CONSISTENT
    elif all(v is Verdict.VACUOUS for v in verdicts):
        rep.verdict = Verdict.VACUOUS
    else:
        rep.verdict = Verdict.UNDERPOWERED
    rep.messages.extend(r.message for r in runs if r.message
                        and (r.verdict is rep.verdict or rep.verdict is Verdict.UNDERPOWERED))
    if strata is not None and rep.verdict is Verdict.UNDERPOWERED:
        vac = [r.label for r in runs if r.verdict is Verdict.VACUOUS]
        if vac:
            rep.messages.append(f"strata with no trial: {', '.join(vac)}")


def _run_scaling(result: Result, chk: Scaling, params: Params, seed: int, rep: Report,
                 progress: Progress | None) -> None:
    rng = instance_rng(result.key, seed, 0)
    say = (lambda msg: progress(0, 0, f"{result.key}: {msg}")) if progress else (lambda m: None)
    out = chk.run(rng, params, say)
    be = get_backend("float64")
    outcomes = [evaluate(c, be) for c in out.conditions]
    rep.details.update(out.details)
    rep.details["conditions"] = [o.to_dict() for o in outcomes]
    rep.counts = dict(tried=len(outcomes), hypotheses_held=len(outcomes),
                      conclusions_held=sum(o.status is True for o in outcomes))
    _tightest(outcomes, rep.tightness, "fit")
    kinds = [_contrast_kind(c) for c in out.conditions]
    main = [o for o, k in zip(outcomes, kinds, strict=True) if not k]
    status = combine(main)
    # A power contrast that is not flagged takes the check's power away: a pass is worthless
    # when the test also passes a family known to be wrong ("reject" contrast not rejected),
    # a failure when it also fails a family known to be right ("accept" not accepted).
    weak = [o for o, k in zip(outcomes, kinds, strict=True) if k and o.status is not True
            and (status is True and k == "reject" or status is False and k == "accept")]
    rep.details["power_contrast"] = [{"condition": o.name, "kind": k, "flagged": o.status}
                                     for o, k in zip(outcomes, kinds, strict=True) if k]
    if not main:
        rep.verdict = Verdict.VACUOUS
    elif weak:
        rep.verdict = Verdict.UNDERPOWERED
        rep.messages.extend(f"{o.message()}: the check cannot tell its scaling from the "
                            "contrast family" for o in weak)
    elif status is True:
        rep.verdict = Verdict.CONSISTENT
    elif status is False:
        rep.verdict = Verdict.INCONSISTENT
        rep.messages.extend(o.message() for o in outcomes if o.status is False)
    else:
        rep.verdict = Verdict.INCONCLUSIVE


def _contrast_kind(cond: Condition) -> str:
    """A condition's power-contrast role; conditions named "power contrast: ..." written
    before :func:`~boundcheck.check.verdict.power_contrast` existed are "reject" contrasts
    (the check must tell the claimed scaling from the alternative)."""
    if cond.contrast:
        return cond.contrast
    return "reject" if cond.name.startswith("power contrast") else ""


def _run_symbolic(chk: Symbolic, params: Params, rep: Report) -> None:
    be = get_backend("exact")
    outcomes = [evaluate(c, be) for c in chk.run(params)]
    rep.backend, rep.certified = be.name, True
    rep.counts = dict(tried=len(outcomes), hypotheses_held=len(outcomes),
                      conclusions_held=sum(o.status is True for o in outcomes),
                      refuted=sum(o.status is False for o in outcomes))
    rep.details["conditions"] = [o.to_dict() for o in outcomes]
    _tightest(outcomes, rep.tightness, "symbolic")
    status = combine(outcomes)
    if not outcomes:
        rep.verdict = Verdict.VACUOUS
    elif status is True:
        rep.verdict = Verdict.HOLDS
    elif status is False:
        rep.verdict = Verdict.REFUTED
        rep.messages.extend(o.message() for o in outcomes if o.status is False)
    else:
        rep.verdict = Verdict.INCONCLUSIVE


# ----------------------------------------------------------------------------- counterexamples
def save_counterexample(path: str | Path, result: Result, inst: Instance, seed: str,
                        backend: str, overrides: Params | None = None,
                        outcomes: list[Outcome] | None = None) -> Path:
    """Store the exact inputs of a failing instance, loadable by :func:`recheck`."""
    payload = {
        "format": "boundcheck-counterexample/1",
        "key": result.key, "id": result.id, "variant": result.variant, "seed": seed,
        "backend": backend, "overrides": overrides or {}, "instance": inst,
        "violations": [o.message() for o in (outcomes or [])],
    }
    return serialize.dump(payload, path)


def recheck(path: str | Path, backend: str | None = None, profile: str = "quick",
            backend_options: dict | None = None) -> Report:
    """Re-evaluate a stored counterexample from the file alone."""
    from boundcheck.check.registry import get

    data = serialize.load(path)
    if data.get("format") != "boundcheck-counterexample/1":
        raise InputError(f"{path} is not a boundcheck counterexample file")
    result = get(data["key"])
    chk = result.check
    if not isinstance(chk, Deterministic):
        raise InputError(f"{data['key']} is not a deterministic result")
    be, note = _checking_backend(result, get_backend(backend or data["backend"],
                                                     **(backend_options or {})))
    params = result.resolve_params(profile, data["overrides"])
    rep = Report(id=result.id, key=result.key, variant=result.variant, erratum=result.erratum,
                 check_type=result.check_type, verdict=Verdict.ERROR, backend=be.name,
                 certified=bool(be.certified), params=data["overrides"], seeds=[data["seed"]])
    h, hyp, concl, by = evaluate_escalating(chk, data["instance"], [be], params)
    rep.details["arithmetic"] = {arithmetic_label(by): 1}
    if by.certified:
        rep.details["enclosures"] = enclosure_records(hyp, concl)
    rep.messages = ([note] if note else []) + [o.message() for o in hyp + concl]
    _tightest(concl, rep.tightness, data["seed"])
    status = combine(concl) if h is True else None
    rep.counts = dict(tried=1, hypotheses_held=int(h is True),
                      hypotheses_failed=int(h is False), hypotheses_undecided=int(h is None),
                      refuted=int(status is False),
                      inconclusive=int(h is True and status is None))
    rep.verdict = _deterministic_verdict(rep.counts, bool(be.certified))
    return rep


# ----------------------------------------------------------------------------- one instance
def check_instance(result: Result | str, instance: Instance, backend: str = "float64",
                   overrides: Params | None = None, profile: str = "quick",
                   backend_options: dict | None = None, label: str = "user") -> Report:
    """Judge a deterministic ``result`` (or its registry key) on one instance of your own.

    The instance has the shape the result's sampler produces (see the result's module); its
    hypotheses are evaluated first and its conclusions only when they hold, escalating
    precision while undecided, exactly as for a sampled instance. Returns a :class:`Report`
    whose ``counts`` cover this one instance (``verdict`` is ``vacuous`` when the instance
    does not meet the hypotheses). Raises InputError for a result that is not deterministic
    or overrides it does not admit; an instance the result cannot evaluate gives verdict
    ``error`` with the exception's message in ``messages``.
    """
    with default_numeric_state():
        return _check_instance(result, instance, backend, overrides, profile,
                               backend_options, label)


def _check_instance(result: Result | str, instance: Instance, backend: str,
                    overrides: Params | None, profile: str, backend_options: dict | None,
                    label: str) -> Report:
    from boundcheck.check.params import validate_overrides
    from boundcheck.check.registry import get

    if isinstance(result, str):
        result = get(result)
    chk = result.check
    if not isinstance(chk, Deterministic):
        raise InputError(f"{result.key} is a {result.check_type} result: only deterministic "
                         f"results are judged on a single instance")
    if overrides:
        validate_overrides(result, overrides, profile)
    params = result.resolve_params(profile, overrides)
    be, note = _checking_backend(result, get_backend(backend, **(backend_options or {})))
    rep = Report(id=result.id, key=result.key, variant=result.variant, erratum=result.erratum,
                 check_type=result.check_type, verdict=Verdict.ERROR, backend=be.name,
                 certified=bool(be.certified), params=_jsonable(params), seeds=[label])
    if note:
        rep.messages.append(note)
    t0 = time.perf_counter()
    try:
        h, hyp, concl, by = evaluate_escalating(chk, instance, [be], params)
    except Exception as exc:  # an instance of the wrong shape is reported, not raised
        rep.counts = dict(tried=1, errors=1)
        rep.messages.append(f"{type(exc).__name__}: {exc}")
        rep.elapsed = time.perf_counter() - t0
        return rep
    rep.details["arithmetic"] = {arithmetic_label(by): 1}
    if by.certified:
        rep.details["enclosures"] = enclosure_records(hyp, concl)
    rep.messages += [o.message() for o in hyp + concl]
    _tightest(concl, rep.tightness, label)
    status = combine(concl) if h is True else None
    rep.counts = dict(tried=1, hypotheses_held=int(h is True),
                      hypotheses_failed=int(h is False), hypotheses_undecided=int(h is None),
                      conclusions_held=int(status is True), refuted=int(status is False),
                      inconclusive=int(h is True and status is None))
    rep.verdict = _deterministic_verdict(rep.counts, bool(be.certified))
    rep.elapsed = time.perf_counter() - t0
    return rep
