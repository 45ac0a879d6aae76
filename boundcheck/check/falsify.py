"""Targeted counterexample search for deterministic results (issue 16).

The sampler is driven by a :class:`~boundcheck.check.choices.ChoiceGenerator`; the optimizer
works on ``z`` with ``u = ndtr(z)`` (so ``z ~ N(0, I)`` is the random sampler) and
minimizes a score: the smallest relative margin of the conclusions when the hypotheses hold
in float64, else ``PENALTY`` plus the hypotheses' total relative violation. CMA-ES (``cma``)
runs with restarts from the best of a batch of random sampler draws, within a budget of
evaluations; plain random sampling at the same budget and seed is the baseline. A float64
violation is re-checked with a certified backend before it is called refuted, its floats
are rounded to short dyadic mantissas while the certified verdict stays refuted, and it is
saved as a counterexample file :func:`boundcheck.check.harness.recheck` reads.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from boundcheck.arith import get_backend
from boundcheck.check.choices import ChoiceGenerator
from boundcheck.check.harness import (
    _checking_backend,
    evaluate_escalating,
    evaluate_instance,
    instance_rng,
    save_counterexample,
)
from boundcheck.check.result import Deterministic, Params, Result
from boundcheck.check.verdict import combine
from boundcheck.errors import InputError

PENALTY = 10.0
#: the search moves at most this many leading choices of a sampler; later draws come from
#: the fixed tail seed (a Haar-layer sampler can consume millions of uniforms, and CMA-ES
#: population vectors of that length cost gigabytes)
MAX_DIM = 2000
#: share of a falsifier budget spent replaying the harness's own draws before CMA-ES
SEEDED_FRAC = 0.3


@dataclass
class Best:
    score: float = math.inf
    instance: Any = None
    condition: str = ""
    evals_to_violation: int | None = None


@dataclass
class FalsifyReport:
    key: str
    budget: int
    seed: int
    falsifier: Best
    random: Best
    refuted: bool = False
    certified: bool = False
    counterexample: str | None = None
    mantissa_bits: int | None = None
    messages: list[str] = field(default_factory=list)


def score_instance(chk: Deterministic, sampled: Any, params: Params, be: Any
                   ) -> tuple[float, Any, str]:
    """Score of a sample (a list of cases: the worst case): see the module docstring."""
    cases = sampled if isinstance(sampled, list) else [sampled]
    best = (math.inf, None, "")
    for inst in cases:
        try:
            h, hyp, concl = evaluate_instance(chk, inst, be, params)
        except Exception as exc:  # a crashing point is not a counterexample
            s = (PENALTY * 2, inst, f"error: {type(exc).__name__}")
        else:
            if h is True:
                decided = [o for o in concl if np.isfinite(o.relative_margin)]
                if not decided:
                    s = (PENALTY, inst, "")
                else:
                    o = min(decided, key=lambda x: x.relative_margin)
                    s = (float(o.relative_margin), inst, f"{o.name} [{o.context}]")
            else:
                viol = sum(max(0.0, -o.relative_margin) if np.isfinite(o.relative_margin)
                           else 1.0 for o in hyp if o.status is not True)
                s = (PENALTY + min(viol, PENALTY), inst, "hypotheses fail")
        if s[0] < best[0]:
            best = s
    return best


class _Objective:
    def __init__(self, result: Result, params: Params, tail_seed: int) -> None:
        self.chk = result.check
        self.params = params
        self.tail_seed = tail_seed
        self.be = get_backend("float64")
        self.evals = 0
        self.best = Best()

    def __call__(self, z: np.ndarray) -> float:
        self.evals += 1
        rng = ChoiceGenerator(special.ndtr(np.asarray(z, float)), self.tail_seed)
        try:
            sampled = self.chk.sample(rng, self.params)
        except Exception:
            return PENALTY * 3
        s, inst, cond = score_instance(self.chk, sampled, self.params, self.be)
        if s < self.best.score:
            self.best.score, self.best.instance, self.best.condition = s, inst, cond
        if s < 0 and self.best.evals_to_violation is None:
            self.best.evals_to_violation = self.evals
        return s


def random_search(result: Result, params: Params, budget: int, seed: int) -> Best:
    """The harness's sampler at ``budget`` draws (same per-instance seeds as ``check``)."""
    chk = result.check
    be = get_backend("float64")
    best = Best()
    for k in range(budget):
        try:
            sampled = chk.sample(instance_rng(result.key, seed, k), params)
        except Exception:
            continue
        s, inst, cond = score_instance(chk, sampled, params, be)
        if s < best.score:
            best.score, best.instance, best.condition = s, inst, cond
        if s < 0 and best.evals_to_violation is None:
            best.evals_to_violation = k + 1
    return best


def _start(obj: _Objective, rs: np.random.RandomState | np.random.Generator, n: int
           ) -> np.ndarray:
    """Best of ``n`` random sampler draws, as a z-vector."""
    best_z, best_s = None, math.inf
    for _ in range(n):
        g = ChoiceGenerator(np.empty(0), int(rs.integers(2**31)))
        try:
            obj.chk.sample(g, obj.params)
        except Exception:
            continue
        z = special.ndtri(np.clip(g.consumed(), 1e-300, 1 - 1e-16))
        s = obj(z)
        if s < best_s:
            best_z, best_s = z, s
    return best_z if best_z is not None else np.zeros(8)


def cma_search(result: Result, params: Params, budget: int, seed: int,
               sigma0: float = 0.5, start_frac: float = 0.3,
               seeded_frac: float = SEEDED_FRAC) -> Best:
    """The harness's own first ``seeded_frac * budget`` draws (the instances ``check`` would
    sample), then CMA-ES on the rest of the budget (separable above 200 dimensions; at most
    ``MAX_DIM`` leading choices searched) with restarts from random sampler draws: the first
    start is the best of ``start_frac`` of the remaining budget, later ones of up to 10.
    Returns the tighter of the two phases; the total is ``budget`` evaluations."""
    import cma

    n_seeded = min(budget, int(seeded_frac * budget))
    seeded = random_search(result, params, n_seeded, seed) if n_seeded else Best()
    if seeded.score < 0:
        return seeded
    budget -= n_seeded
    obj = _Objective(result, params, tail_seed=seed)
    rs = np.random.default_rng(np.random.SeedSequence([seed, 0xFA151F]))
    restart = 0
    while obj.evals < budget and not (obj.best.score < 0):
        n0 = max(1, int(start_frac * budget) if restart == 0 else
                 min(10, (budget - obj.evals) // 10))
        z0 = _start(obj, rs, n0)
        if obj.best.score < 0 or obj.evals >= budget:
            break
        dim = min(max(2, z0.size), MAX_DIM)
        opts = {"seed": int(rs.integers(1, 2**31)), "verbose": -9,
                "maxfevals": budget - obj.evals, "popsize": (4 + int(3 * math.log(dim))) *
                2 ** restart, "CMA_diagonal": dim > 200, "tolfun": 1e-12}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            es = cma.CMAEvolutionStrategy(np.resize(z0, dim), sigma0, opts)
            while not es.stop() and obj.evals < budget:
                xs = es.ask()
                fs = [obj(x) for x in xs]
                es.tell(xs, fs)
                if obj.best.score < 0:
                    break
        restart += 1
    best = obj.best
    if best.evals_to_violation is not None:
        best.evals_to_violation += n_seeded
    return best if best.score < seeded.score else seeded


def _round_floats(obj: Any, bits: int) -> Any:
    """Every float in ``obj`` rounded to ``bits`` mantissa bits (dyadic rationals)."""
    if isinstance(obj, np.ndarray) and obj.dtype.kind == "f":
        m, e = np.frexp(obj)
        return np.ldexp(np.round(m * 2.0**bits) / 2.0**bits, e)
    if isinstance(obj, float):
        return float(_round_floats(np.array([obj]), bits)[0])
    if isinstance(obj, dict):
        return {k: _round_floats(v, bits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round_floats(v, bits) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_round_floats(v, bits) for v in obj)
    return obj


def confirm(result: Result, inst: Any, params: Params, backend: str = "ball"
            ) -> tuple[bool, bool, float, list]:
    """(refuted, certified, tightest relative margin, violated outcomes) of one instance."""
    be, _ = _checking_backend(result, get_backend(backend))
    h, _hyp, concl, _by = evaluate_escalating(result.check, inst, [be], params)
    if h is not True or combine(concl) is not False:
        return False, bool(be.certified), math.inf, []
    bad = [o for o in concl if o.status is False]
    return True, bool(be.certified), min(o.relative_margin for o in bad), bad


def shrink_numbers(result: Result, inst: Any, params: Params, backend: str = "ball"
                   ) -> tuple[Any, int | None]:
    """The instance with the shortest dyadic mantissas (4..32 bits) that stays refuted, the
    most negative certified margin breaking ties between equal lengths; else unchanged."""
    for bits in (4, 8, 12, 16, 24, 32):
        cand = _round_floats(inst, bits)
        ok, _, _, _ = confirm(result, cand, params, backend)
        if ok:
            return cand, bits
    return inst, None


#: size parameters a structural shrink restricts (lists of sizes the sampler chooses from)
SIZE_PARAM_SUFFIX = "_choices"


def size_params(params: Params) -> list[str]:
    """Names of the list-of-integer size parameters (``L_choices``, ``m_choices``, ...)."""
    out = []
    for name, v in params.items():
        if name.endswith(SIZE_PARAM_SUFFIX) and isinstance(v, list | tuple) and len(v) > 1 \
                and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            out.append(name)
    return sorted(out)


def shrink_structure(result: Result, params: Params, budget: int, seed: int,
                     backend: str = "ball") -> tuple[Params, Best | None, list[str]]:
    """Fewer layers, smaller widths: for each size parameter, the smallest single value at
    which a search of ``budget`` evaluations still finds a violation the certified backend
    confirms (the most negative certified margin among the values tried at that size).
    Returns the restricted parameters, the violation found under them (None if no
    restriction kept one) and what was shrunk."""
    cur, found, said = dict(params), None, []
    for name in size_params(params):
        for v in sorted(set(cur[name])):
            trial = {**cur, name: [v]}
            b = cma_search(result, trial, budget, seed)
            if b.score < 0 and b.instance is not None:
                ok, _cert, _m, _bad = confirm(result, b.instance, trial, backend)
                if ok:
                    cur, found = trial, b
                    said.append(f"{name} -> [{v}]")
                    break
    return cur, found, said


def record_example(db_path: str | Path, key: str, best: Best, source: str) -> bool:
    """Offer ``best`` to the example database at ``db_path`` (kept if harder)."""
    from boundcheck.check.examples import ExampleDB

    if best.instance is None or not math.isfinite(best.score):
        return False
    with ExampleDB(db_path) as db:
        try:
            return db.offer(key, best.instance, best.score, best.condition, source)
        except TypeError:  # an instance the exact serializer cannot store
            return False


def falsify(result: Result, budget: int = 2000, seed: int = 0, out: str | Path | None = None,
            profile: str = "quick", overrides: Params | None = None,
            backend: str = "ball", shrink: bool = True) -> FalsifyReport:
    """Falsifier vs random sampling at ``budget`` evaluations; confirm, shrink (structure
    then numbers) and save a violation; record the hardest instance in
    ``OUT/examples.sqlite``."""
    if not isinstance(result.check, Deterministic):
        raise InputError(f"{result.key}: only deterministic results can be falsified")
    if not result.searchable:
        raise InputError(f"{result.key}: not searchable (its conclusion is about the sampler's "
                        "distribution, which an adversarial search breaks by design)")
    params = result.resolve_params(profile, overrides)
    rnd = random_search(result, params, budget, seed)
    fal = cma_search(result, params, budget, seed)
    rep = FalsifyReport(result.key, budget, seed, fal, rnd)
    cands = [b for b in (fal, rnd) if b.score < 0 and b.instance is not None]
    for b in cands:
        ok, cert, _m, bad = confirm(result, b.instance, params, backend)
        if not ok:
            rep.messages.append(f"float64 violation ({b.condition}) not confirmed by {backend}")
            continue
        use_params, inst = params, b.instance
        if shrink and size_params(params):
            small, sb, said = shrink_structure(result, params, max(50, budget // 4), seed,
                                               backend)
            if sb is not None:
                use_params, inst = small, sb.instance
                rep.messages.append("structural shrink: " + ", ".join(said))
        inst, bits = shrink_numbers(result, inst, use_params, backend)
        ok2, cert, margin, bad = confirm(result, inst, use_params, backend)
        if not ok2:  # cannot happen: every shrink step kept a confirmed violation
            use_params, inst, bits = params, b.instance, None
            ok2, cert, margin, bad = confirm(result, inst, params, backend)
        rep.refuted, rep.certified, rep.mantissa_bits = True, cert, bits
        rep.messages.append(f"confirmed margin {margin:.6g} ({'certified' if cert else 'float64'})")
        if out is not None:
            saved_over = {k: v for k, v in use_params.items() if params.get(k) != v or
                          (overrides and k in overrides)}
            path = Path(out) / f"{result.key}-falsify-{seed}.json"
            save_counterexample(path, result, inst, seed=f"falsify:{seed}",
                                backend=backend if cert else "float64",
                                overrides=saved_over or None, outcomes=bad)
            rep.counterexample = str(path)
        break
    if out is not None:
        best = fal if fal.score <= rnd.score else rnd
        if record_example(Path(out) / "examples.sqlite", result.key, best,
                          f"falsify seed {seed} budget {budget}"):
            rep.messages.append(f"hardest instance recorded in {Path(out) / 'examples.sqlite'}")
    return rep
