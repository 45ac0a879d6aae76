"""Layer 5, output: JSON and Markdown reports (:mod:`.report`), charts (:mod:`.plots`) and
the paper figures (:mod:`.figures`). Reads :class:`boundcheck.check.harness.Report` objects.
"""
