"""zlg20 results (Zou, Long & Gu, ICLR 2020: deep linear ResNets with fixed input and
output transforms under GD and SGD); each submodule registers its results on import.

Catalog: ``shared/catalog/zlg20.md``.
"""

PAPER = "zlg20"
