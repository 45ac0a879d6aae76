"""Targeted counterexample search for deterministic results (issue 16).

The sampler is driven by a :class:`~boundcheck.check.choices.ChoiceGenerator`; the search
works on a choice vector ``z`` of normal scores (``z ~ N(0, I)`` is the random sampler) and
minimizes a score: the smallest relative margin of the conclusions when the hypotheses hold
in float64, else ``PENALTY (1 + v/(1+v))`` for the hypotheses' total relative violation
``v`` (strictly increasing, so the search is led towards the hypotheses). Within a budget
of evaluations it first takes the harness's own draws (``SEEDED_FRAC`` of the budget: the
very instances ``check`` and the random baseline sample first, recorded as choice vectors by
:class:`~boundcheck.check.choices.RecordingGenerator`), then runs a (1+1)-ES with sparse and
dense mutations from the best of them (measured against CMA-ES in docs/performance.md: at
budgets of 100 CMA-ES cannot adapt in the hundreds of dimensions samplers consume). Plain
random sampling at the same budget and seed is the baseline. A float64 violation is
re-checked with a certified backend before it is called refuted, its floats are rounded to
short dyadic mantissas while the certified verdict stays refuted, and it is saved as a
counterexample file :func:`boundcheck.check.harness.recheck` reads.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from boundcheck.arith import get_backend
from boundcheck.check.choices import ChoiceGenerator, RecordingGenerator
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
#: share of a falsifier budget spent replaying the harness's own draws before the local search
SEEDED_FRAC = 0.5
#: (1+1)-ES step sizes in choice space (normal scores): start, bounds; restart after STALL
#: evaluations without a strict improvement
SIGMA0, SIGMA_MIN, SIGMA_MAX, STALL = 0.5, 1e-8, 4.0, 40
#: the local search starts from the TOP_K best replayed draws, START_FRAC of its budget each
TOP_K, START_FRAC = 1, 0.1


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
                # in [PENALTY, 2 PENALTY), strictly increasing: a gradient towards the
                # hypotheses however far they fail
                s = (PENALTY * (1 + viol / (1 + viol)), inst, "hypotheses fail")
        if s[0] < best[0]:
            best = s
    return best


class _Objective:
    """The score of a choice vector ``z`` (normal scores), counting evaluations."""

    def __init__(self, result: Result, params: Params, tail_seed: int,
                 offset: int = 0) -> None:
        self.chk = result.check
        self.params = params
        self.tail_seed = tail_seed
        self.be = get_backend("float64")
        self.evals = 0
        self.offset = offset  # evaluations spent before this objective (first violation)
        self.best = Best()

    def __call__(self, z: np.ndarray) -> float:
        self.evals += 1
        rng = ChoiceGenerator(tail_seed=self.tail_seed, z=np.asarray(z, float))
        try:
            sampled = self.chk.sample(rng, self.params)
        except Exception:
            return PENALTY * 3
        s, inst, cond = score_instance(self.chk, sampled, self.params, self.be)
        if s < self.best.score:
            self.best.score, self.best.instance, self.best.condition = s, inst, cond
        if s < 0 and self.best.evals_to_violation is None:
            self.best.evals_to_violation = self.offset + self.evals
        return s


@dataclass
class Record:
    """A harness draw that improved on every earlier one: its index, score and choices."""
    index: int
    score: float
    z: np.ndarray | None
    instance: Any
    condition: str


@dataclass
class RandomRun:
    best: Best
    #: the running-minimum draws (strict improvements), in draw order
    records: list[Record]
    #: for each n asked for, the ``top_k`` best draws among the first n (distinct scores,
    #: best first)
    tops: dict[int, list[Record]] = field(default_factory=dict)

    def prefix(self, n: int) -> tuple[Best, Record | None]:
        """The best of the first ``n`` draws, as a :class:`Best` and its record."""
        recs = [r for r in self.records if r.index < n]
        if not recs:
            return Best(), None
        r = recs[-1]
        first = next((x.index + 1 for x in self.records if x.score < 0 and x.index < n), None)
        return Best(r.score, r.instance, r.condition, first), r


def random_run(result: Result, params: Params, budget: int, seed: int,
               top_n: int | tuple[int, ...] = (), top_k: int = TOP_K) -> RandomRun:
    """The harness's sampler at draws ``0 .. budget - 1`` (the per-instance seeds ``check``
    uses), recording the choices of every draw that improves on the earlier ones and of the
    ``top_k`` best among the first n, for each n in ``top_n`` (through
    :class:`RecordingGenerator`, which returns numpy's own draws)."""
    chk = result.check
    be = get_backend("float64")
    best, records = Best(), []
    tops: dict[int, list[Record]] = {n: [] for n in
                                     ((top_n,) if isinstance(top_n, int) else top_n)}
    for k in range(budget):
        rec = RecordingGenerator(instance_rng(result.key, seed, k))
        try:
            sampled = chk.sample(rec, params)
        except AttributeError:  # an rng call the recorder lacks: the plain generator
            rec = None
            try:
                sampled = chk.sample(instance_rng(result.key, seed, k), params)
            except Exception:
                continue
        except Exception:
            continue
        s, inst, cond = score_instance(chk, sampled, params, be)
        z = None if rec is None else rec.recorded()
        if s < best.score:
            best.score, best.instance, best.condition = s, inst, cond
            records.append(Record(k, s, z, inst, cond))
        for n, top in tops.items():
            if k < n and z is not None and math.isfinite(s) and all(t.score != s for t in top):
                tops[n] = sorted([*top, Record(k, s, z, inst, cond)],
                                 key=lambda t: t.score)[:top_k]
        if s < 0 and best.evals_to_violation is None:
            best.evals_to_violation = k + 1
    return RandomRun(best, records, tops)


def random_search(result: Result, params: Params, budget: int, seed: int) -> Best:
    """The harness's sampler at ``budget`` draws (same per-instance seeds as ``check``)."""
    return random_run(result, params, budget, seed).best


def local_search(obj: _Objective, z0: np.ndarray, f0: float, budget: int,
                 rs: np.random.Generator, sigma0: float = SIGMA0) -> tuple[np.ndarray, float]:
    """(1+1)-ES in choice space from ``z0`` (score ``f0``) for ``budget`` evaluations of
    ``obj``. Each step alternates two mutations, each with its own step size adapted by the
    1/5 success rule: a sparse one (a few coordinates, so discrete choices and single
    entries move one at a time) and a dense one (every coordinate, scaled by 1/sqrt(dim)).
    Moves that tie are accepted (drift across plateaus of discrete choices)."""
    z, f = np.array(z0, float), float(f0)
    n = max(1, z.size)
    sig = [sigma0, sigma0]
    stall = 0
    start = obj.evals
    step = 0
    while obj.evals - start < budget:
        op = step % 2 if n > 1 else 0
        step += 1
        y = z.copy() if z.size else rs.standard_normal(1)
        if op == 0:
            k = min(n, int(rs.geometric(0.5)))
            idx = rs.choice(max(1, y.size), size=k, replace=False)
            y[idx] += sig[0] * rs.standard_normal(k)
        else:
            y += sig[1] / math.sqrt(n) * rs.standard_normal(y.size)
        fy = obj(y)
        if fy < f:
            sig[op] = min(SIGMA_MAX, sig[op] * 2.0)
            stall = 0
        else:
            sig[op] = max(SIGMA_MIN, sig[op] * 2.0 ** -0.25)
            stall += 1
        if fy <= f:
            z, f = y, fy
        if stall >= STALL:  # restart the step sizes (from the current point)
            sig, stall = [sigma0, sigma0], 0
    return z, f


def cma_search(result: Result, params: Params, budget: int, seed: int,
               seeded_frac: float = SEEDED_FRAC, stop_at_violation: bool = False,
               prefix: RandomRun | None = None, method: str = "es", top_k: int = TOP_K,
               **_: Any) -> Best:
    """The falsifier at ``budget`` evaluations: the harness's own first ``seeded_frac *
    budget`` draws (exactly the instances ``check`` and the random baseline sample first,
    recorded as choice vectors), then a local search in choice space for the rest of the
    budget (``method="es"``: :func:`local_search` from each of the ``top_k`` best replayed
    draws for ``START_FRAC`` of the rest each, then from the best point found until the
    budget is spent; ``"cma"``: CMA-ES on the first ``MAX_DIM`` choices from the best draw).
    ``prefix``: a :func:`random_run` at the same seed with those draws in its ``top_n``;
    they are then not evaluated again (the benchmark; the evaluations still count).
    ``stop_at_violation``: return at the first negative margin. Returns the tighter of the
    two phases."""
    n_seeded = min(budget, max(1, int(seeded_frac * budget)))
    if prefix is None or n_seeded not in prefix.tops:
        prefix = random_run(result, params, n_seeded, seed, top_n=n_seeded, top_k=top_k)
    seeded, _rec = prefix.prefix(n_seeded)
    starts = prefix.tops[n_seeded][:top_k]
    left = budget - n_seeded
    if left <= 0 or (stop_at_violation and seeded.score < 0):
        return seeded
    obj = _Objective(result, params, tail_seed=seed, offset=n_seeded)
    rs = np.random.default_rng(np.random.SeedSequence([seed, 0xFA151F]))
    if not starts:  # nothing recorded: start from a fresh choice vector
        g = ChoiceGenerator(tail_seed=int(rs.integers(2**31)))
        try:
            result.check.sample(g, params)
        except Exception:
            pass
        z0 = g.consumed_z()
        starts = [Record(-1, obj(z0), z0, None, "")]
        left -= 1
    if method == "cma":
        _cma(obj, starts[0].z, left, rs, stop_at_violation)
    else:
        pts = []
        each = int(START_FRAC * left) if len(starts) > 1 else 0
        for st in starts if each else []:
            pts.append(_es(obj, st.z, st.score, each, rs, stop_at_violation))
            left -= each
            if stop_at_violation and obj.best.score < 0:
                break
        if not pts:
            pts = [(starts[0].z, starts[0].score)]
        z, f = min(pts, key=lambda t: t[1])
        _es(obj, z, f, left, rs, stop_at_violation)
    best = obj.best if obj.best.score < seeded.score else seeded
    if seeded.evals_to_violation is not None:  # the replayed draws come first
        best.evals_to_violation = seeded.evals_to_violation
    return best


def _es(obj: _Objective, z: np.ndarray, f: float, budget: int, rs: np.random.Generator,
        stop_at_violation: bool) -> tuple[np.ndarray, float]:
    if not stop_at_violation:
        return local_search(obj, z, f, budget, rs)
    while budget > 0 and not obj.best.score < 0:  # in chunks, to stop at a violation
        chunk = min(budget, 10)
        z, f = local_search(obj, z, f, chunk, rs)
        budget -= chunk
    return z, f


def _cma(obj: _Objective, z0: np.ndarray, budget: int, rs: np.random.Generator,
         stop_at_violation: bool) -> None:
    """CMA-ES (``cma``) on the first ``MAX_DIM`` choices from ``z0`` (the former default,
    kept for comparison: at a budget of ~100 it cannot adapt in dimension > 10)."""
    import cma

    dim = min(max(2, z0.size), MAX_DIM)
    head = np.resize(z0, dim) if z0.size < 2 else z0[:dim]
    tail = z0[dim:]
    opts = {"seed": int(rs.integers(1, 2**31)), "verbose": -9, "maxfevals": budget,
            "popsize": 4 + int(3 * math.log(dim)), "CMA_diagonal": dim > 200,
            "tolfun": 1e-12}
    start = obj.evals
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = cma.CMAEvolutionStrategy(head, 0.5, opts)
        while not es.stop() and obj.evals - start < budget:
            xs = es.ask()[:budget - (obj.evals - start)]
            fs = [obj(np.concatenate([x, tail])) for x in xs]
            if len(xs) < es.popsize:
                break
            es.tell(xs, fs)
            if stop_at_violation and obj.best.score < 0:
                break


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
    n_seeded = min(budget, max(1, int(SEEDED_FRAC * budget)))
    run = random_run(result, params, budget, seed, top_n=n_seeded)
    rnd = run.best
    # the falsifier's first n_seeded evaluations are the random run's first draws (the same
    # instances): reused, not recomputed, and counted in its budget
    fal = cma_search(result, params, budget, seed, prefix=run)
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
