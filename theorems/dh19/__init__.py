"""dh19 results; each submodule registers its results on import.

Catalog: ``shared/catalog/dh19.md``.
"""

PAPER = "dh19"
