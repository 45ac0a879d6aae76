"""Layer 1, the model: instances (:mod:`.problem`), initializations (:mod:`.init`,
:mod:`.balanced`), the network maps in the vocabulary (:mod:`.network`), the float64 kernels
(:mod:`.kernels`), trajectories with observables (:mod:`.trajectory`), gradient flow
(:mod:`.flow`) and exact instance files (:mod:`.serialize`).

Imports only :mod:`boundcheck.arith` and :mod:`boundcheck.errors` below it.
"""
