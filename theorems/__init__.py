"""One module per paper; each registers its results with :func:`boundcheck.check.registry.register`.

Paper modules know no number backend: conditions are computed with the ``ops`` vocabulary
handed to them (:mod:`boundcheck.arith`).
"""
