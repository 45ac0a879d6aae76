"""Layer 4, execution: the content-addressed result store (:mod:`.store`) that lets an
interrupted audit resume. Built on the checking core; output and the CLI sit above it."""
