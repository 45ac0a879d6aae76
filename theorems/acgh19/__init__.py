"""acgh19 results; each submodule registers its results on import.

Catalog: ``shared/catalog/acgh19.md``.
"""

PAPER = "acgh19"
