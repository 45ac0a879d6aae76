"""wwm19 results (Wu, Wang & Ma, NeurIPS 2019: zero-asymmetric initialization of deep
linear residual networks); each submodule registers its results on import.

Catalog: ``shared/catalog/wwm19.md``.
"""

PAPER = "wwm19"
