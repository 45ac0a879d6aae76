"""Exceptions raised by the engine; every message names the offending input."""


class BoundcheckError(Exception):
    """Base class of all boundcheck errors."""


class InputError(BoundcheckError, ValueError):
    """Bad user input: mismatched dimensions, non-finite data, unknown ids, ..."""
