import os

# Small matrices dominate the suite; multi-threaded BLAS only adds contention on 2 cores
# (measured: a 192x192 SVD took 0.6-1.4 s instead of 9 ms under load).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402  (after the BLAS thread settings)
import pytest  # noqa: E402


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
