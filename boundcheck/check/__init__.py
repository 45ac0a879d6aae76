"""Layer 2, the checking core: results as data (:mod:`.result`), conditions and verdicts
(:mod:`.verdict`), the registry of papers (:mod:`.registry`), the harness that runs a result
(:mod:`.harness`), statistics (:mod:`.stats`) and shrinking (:mod:`.search`).

Imports the model and the number backends below it, never certification or output.
"""
