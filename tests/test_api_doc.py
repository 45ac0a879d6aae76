"""docs/api.md: every example on the page runs as a doctest (a few seconds)."""

import doctest
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def test_api_doc_examples_run():
    res = doctest.testfile(str(DOC), module_relative=False, verbose=False,
                           optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 30, res  # the page's examples were found and run
    assert res.failed == 0, res


def test_api_names_are_exported():
    import boundcheck

    for name in ("check_instance", "load_counterexample", "Counterexample", "schema",
                 "validate_overrides", "run_result", "recheck", "Report", "all_results", "lookup"):
        assert name in boundcheck.__all__ and getattr(boundcheck, name) is not None
