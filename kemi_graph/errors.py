"""Typed errors: the CLI and the web app each map them to an exit code or a response, once."""

from __future__ import annotations


class KemiGraphError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(KemiGraphError):
    """A setting has a value that cannot be used; the message names the setting."""


class InputError(KemiGraphError):
    """Bad input data: the message names the file, row, node or parameter at fault."""


class ValidationFailed(KemiGraphError):
    """Data does not conform to the SHACL shapes; ``report`` holds the readable report."""

    def __init__(self, message: str, report: str) -> None:
        super().__init__(message)
        self.report = report


class StoreNotBuilt(KemiGraphError):
    """No built store exists where the settings point."""


class QueryError(KemiGraphError):
    """A SPARQL query could not be parsed or run; the message is the engine's."""
