"""Layer 3, certification: whole-run shadowing certificates (:mod:`.shadowing`,
:mod:`.fastshadow`), the fused certified GD step (:mod:`.fastcert`) and the exact rational
oracle that tests them (:mod:`.oracle`).

Built on the vocabulary (:mod:`boundcheck.arith`), the model and the verdicts of
:mod:`boundcheck.check`; paper modules call it, the checking core does not.
"""
