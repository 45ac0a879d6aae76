"""A deterministic result run in instance slices (on several workers) and merged gives the
same report as one run over all its instances (issue 15: instances of a result in parallel)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from boundcheck.check.harness import merge_slices, run_result
from boundcheck.check.registry import get

#: holds / refuted with counterexample files / certified under ball / replay-free and varied
KEYS = ["hxp20.claim4_4", "hxp20.eq15", "acgh19.lem17", "acgh19.claim1", "dh19.eq22",
        "dh19.eq10", "wwm19.lemA_3[stepii-printed]", "wwm19.eq4_6", "zlg20.sec4_identity",
        "zlg20.eqA_18"]


def _strip(d: dict, root: Path) -> str:
    """The report as JSON text (so that NaN margins compare equal), paths relative."""
    d = dict(d)
    d.pop("elapsed_s")
    d["counterexamples"] = [str(Path(p).relative_to(root)) for p in d["counterexamples"]]
    det = dict(d["details"])
    det["verifiers"] = [str(Path(p).relative_to(root)) for p in det.get("verifiers", [])]
    d["details"] = det
    return json.dumps(d, sort_keys=True, default=str)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("backend", ["float64", "ball"])
@pytest.mark.parametrize("key", KEYS)
def test_sliced_run_equals_the_whole_run(key: str, backend: str, tmp_path: Path) -> None:
    res = get(key)
    n = 7
    whole_dir, sliced_dir = tmp_path / "whole", tmp_path / "sliced"
    whole = run_result(res, instances=n, backend=backend, counterexample_dir=whole_dir)
    parts = [run_result(res, instances=n, backend=backend, counterexample_dir=sliced_dir,
                        instance_range=r) for r in [(4, 7), (0, 2), (2, 4)]]
    merged = merge_slices(parts)
    assert _strip(merged.to_dict(), sliced_dir) == _strip(whole.to_dict(), whole_dir)
    assert (merged.found is None) == (whole.found is None)
    if whole.found is not None:
        assert merged.found[1:] == whole.found[1:]
    if whole_dir.exists() or sliced_dir.exists():
        assert _files(sliced_dir) == _files(whole_dir)  # the extra files are removed


def test_slices_are_for_deterministic_results_only() -> None:
    with pytest.raises(ValueError, match="deterministic"):
        run_result(get("acgh19.lem10"), instance_range=(0, 2))


def test_merge_needs_slice_reports() -> None:
    with pytest.raises(ValueError):
        merge_slices([])
    with pytest.raises((ValueError, KeyError)):
        merge_slices([run_result(get("hxp20.eq15"), instances=2)])


def test_plan_slices() -> None:
    from boundcheck.run.executor import plan_slices

    assert plan_slices(10, None, 2) == [(0, 10)]  # never timed: not split
    assert plan_slices(10, 3.0, 2) == [(0, 10)]  # short
    assert plan_slices(10, 100.0, 1) == [(0, 10)]  # one worker
    got = plan_slices(10, 100.0, 2)
    assert len(got) == 4 and got[0][0] == 0 and got[-1][1] == 10
    assert all(a[1] == b[0] for a, b in zip(got, got[1:], strict=False))
    assert plan_slices(3, 1000.0, 8) == [(0, 1), (1, 2), (2, 3)]


@pytest.mark.parametrize("thresholds", [True, False])
def test_parallel_run_with_slices_matches_the_single_process_run(tmp_path: Path,
                                                                 thresholds: bool) -> None:
    """run_parallel splits the results it is told are long; every report, threshold
    included, equals the one-process report."""
    import argparse

    from boundcheck.run.executor import _run_one, run_parallel

    keys = ["hxp20.eq15", "dh19.eq22", "zlg20.sec4_identity"]
    results = [get(k) for k in keys]
    args = argparse.Namespace(instances=6, seed=0, backend="float64", prec=None,
                              thresholds=thresholds, hunt=0, examples=None)
    one = [_run_one(k, args, "quick", str(tmp_path / "one"), {}) for k in keys]
    got: dict[int, object] = {}
    run_parallel(results, args, "quick", tmp_path / "par", {}, 2, got.__setitem__,
                 timings={k: 100.0 for k in keys})
    for i, rep in enumerate(one):
        a = _strip(got[i].to_dict(), tmp_path / "par")
        b = _strip(rep.to_dict(), tmp_path / "one")
        assert a == b, keys[i]
    # measured in its own task, and only when asked for
    assert ("detection_threshold" in got[0].details) == thresholds


@pytest.mark.slow
def test_sliced_shadowed_runs_equal_the_whole_run(tmp_path: Path) -> None:
    """wwm19.thm4_3 (shadowed GD runs, a cross-instance run cache, Arb enclosures of the
    decay ratio): its sliced report once differed in the last bits because the Arb precision
    depended on whether an earlier instance had filled the cache."""
    res = get("wwm19.thm4_3")
    whole = run_result(res, counterexample_dir=tmp_path / "w")
    parts = [run_result(res, counterexample_dir=tmp_path / "s", instance_range=r)
             for r in [(0, 3), (3, 7), (7, 10)]]
    assert _strip(merge_slices(parts).to_dict(), tmp_path / "s") == _strip(
        whole.to_dict(), tmp_path / "w")
