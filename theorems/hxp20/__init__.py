"""Hu, Xiao & Pennington, "Provable Benefit of Orthogonal Initialization in Optimizing Deep
Linear Networks", ICLR 2020 (hxp20). Catalog: ``shared/catalog/hxp20.md``; seed
``shared/seeds/000_120d657a8ef7b6ed.txt``.

Every submodule registers its results on import (see :func:`boundcheck.check.registry.load_papers`).
"""

PAPER = "hxp20"
