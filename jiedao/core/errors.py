"""Domain refusals. Views turn them into messages, the API into error bodies."""

from __future__ import annotations


class ApplicationError(Exception):
    """An action the domain refuses: wrong state, wrong person, bad input for the rule.

    ``code`` is a stable machine key; ``message`` is shown to the person (already translated).
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, details: object = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details

    def __str__(self) -> str:
        return self.message


class PermissionRefused(ApplicationError):
    """The person may not take this action on this object."""
