"""The falsifier: refutes a planted wrong constant (certified, recheck confirms) and does not
refute a true result."""

import numpy as np
import pytest

from boundcheck.check import registry
from boundcheck.check.falsify import falsify, random_search
from boundcheck.check.harness import recheck
from boundcheck.check.result import Deterministic, Result, Source
from boundcheck.check.verdict import Condition, Verdict
from boundcheck.cli import main


def _sample(rng, p):
    return {"a": rng.standard_normal((1, 6)), "b": rng.standard_normal((6, 1))}


def _hyp(inst, ops, p):
    return [Condition("||a|| <= 10", ops.fro_norm(ops.asarray(inst["a"])), "<=",
                      ops.scalar(10.0))]


def _concl(inst, ops, p):
    a, b = ops.asarray(inst["a"]), ops.asarray(inst["b"])
    return [Condition("|a.b| <= c ||a|| ||b||", ops.fro_norm(ops.matmul(a, b)), "<=",
                      ops.fro_norm(ops.kron(ops.scale(ops.scalar(p["c"]), a), b)))]


PLANTED = Result(
    id="testpaper.cauchy_schwarz", title="Cauchy-Schwarz with a planted constant",
    source=Source("testpaper", "fixture"), statement="|a.b| <= c|a||b| (true for c=1)",
    kind="inequality", check=Deterministic(_sample, _hyp, _concl), params={"c": 0.99},
    variant="planted", certifiable=True)


@pytest.fixture
def planted():
    registry.load_papers()
    registry.register(PLANTED)
    yield PLANTED
    registry._RESULTS.pop(PLANTED.key)


def test_random_rarely_reaches_the_planted_corner(planted):
    assert random_search(planted, planted.resolve_params(), 200, seed=0).score > 0


def test_falsifier_refutes_planted_constant_and_recheck_confirms(planted, tmp_path):
    rep = falsify(planted, budget=600, seed=0, out=tmp_path)
    assert rep.falsifier.score < 0 < rep.random.score
    assert rep.refuted and rep.certified and rep.counterexample
    assert rep.mantissa_bits is not None and rep.mantissa_bits <= 32
    rc = recheck(rep.counterexample, backend="ball")
    assert rc.verdict is Verdict.REFUTED and rc.certified


def test_true_constant_is_not_refuted(planted):
    rep = falsify(planted, budget=300, seed=0, overrides={"c": 1.0})
    assert not rep.refuted
    assert rep.falsifier.score >= -1e-12


def test_claim4_4_not_refuted_and_cli(capsys):
    assert main(["falsify", "hxp20.claim4_4", "--budget", "60"]) == 0
    out = capsys.readouterr().out
    assert "random: tightest margin" in out and "falsifier: tightest margin" in out
    assert "REFUTED" not in out
    assert np.isfinite(float(out.split("falsifier: tightest margin ")[1].split()[0]))


def _mixed_sample(rng, p):
    n = int(rng.choice(p["n_choices"]))
    return {"x": rng.standard_normal((2, n)), "u": rng.uniform(0.5, 2.0, size=3),
            "k": int(rng.integers(1, 7)), "perm": rng.permutation(n),
            "pick": rng.choice(["a", "b", "c"]), "r": rng.random(), "c2": rng.chisquare(3),
            "sub": rng.choice(n, size=2, replace=False), "nrm": rng.normal(1.0, 2.0, 2)}


def test_recorder_returns_numpys_draws_and_its_choices_replay_them():
    from boundcheck.check.choices import ChoiceGenerator, RecordingGenerator

    p = {"n_choices": [3, 5, 8]}
    for seed in range(5):
        ref = _mixed_sample(np.random.default_rng(seed), p)
        rec = RecordingGenerator(np.random.default_rng(seed))
        got = _mixed_sample(rec, p)
        again = _mixed_sample(ChoiceGenerator(z=rec.recorded(), tail_seed=99), p)
        for k in ref:  # numpy's own draws, and the replay reproduces them
            assert np.array_equal(np.asarray(ref[k]), np.asarray(got[k])), k
            if k == "pick":
                assert again[k] == ref[k]
            else:
                assert np.allclose(np.asarray(again[k], float), np.asarray(ref[k], float),
                                   rtol=1e-9, atol=0), k


def test_falsifier_first_draws_are_the_random_runs(planted):
    from boundcheck.check.falsify import SEEDED_FRAC, cma_search, random_run

    p = planted.resolve_params()
    run = random_run(planted, p, 40, seed=3, top_n=int(SEEDED_FRAC * 40))
    alone = cma_search(planted, p, 40, seed=3)
    reused = cma_search(planted, p, 40, seed=3, prefix=run)
    assert alone.score == reused.score  # reusing the random run changes nothing
    assert reused.score <= run.prefix(int(SEEDED_FRAC * 40))[0].score


def test_hypothesis_score_leads_towards_the_hypotheses(planted):
    from boundcheck.arith import get_backend
    from boundcheck.check.falsify import PENALTY, score_instance

    be, p = get_backend("float64"), planted.resolve_params()
    b = np.ones((6, 1))
    far = score_instance(planted.check, {"a": 1e3 * np.ones((1, 6)), "b": b}, p, be)[0]
    near = score_instance(planted.check, {"a": 5 * np.ones((1, 6)), "b": b}, p, be)[0]
    assert PENALTY < near < far < 2 * PENALTY


def test_lem4_4_from_scratch_falsifier_finds_what_random_misses(tmp_path, capsys):
    """wwm19.lem4_4 with the planted pair s = sqrt(c^2 - 1) off: the hypotheses hold only on
    a thin curve random draws miss; the falsifier walks onto it and past the constant."""
    from boundcheck.check.falsify import cma_search

    res = registry.get("wwm19.lem4_4")
    p = res.resolve_params("quick", {"adversarial_modes": False})
    assert random_search(res, p, 1000, seed=0).score > 10  # never inside the hypotheses
    b = cma_search(res, p, 1000, seed=0)
    assert b.score < 0 and b.evals_to_violation is not None
    assert main(["falsify", "wwm19.lem4_4", "--budget", "1000", "--set",
                 "adversarial_modes=false", "--out", str(tmp_path)]) == 0  # an erratum
    out = capsys.readouterr().out
    assert "REFUTED (certified" in out
    path = out.split("REFUTED (")[1].split(": ", 1)[1].strip()
    assert recheck(path, backend="ball").verdict is Verdict.REFUTED
