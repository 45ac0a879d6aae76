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
