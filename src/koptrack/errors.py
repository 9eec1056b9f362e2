"""Errors a user can act on. The CLI turns each into `error: <message>` and exit 1."""

from __future__ import annotations

from koptrack.i18n import _


class KoptrackError(Exception):
    """Base for every error caused by input or state, not by a bug."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class ValidationError(KoptrackError):
    """A value given by the user does not have the right form."""

    def __init__(self, field: str, value: object, reason: str, hint: str | None = None):
        self.field = field
        self.value = value
        self.reason = reason
        # `reason` is a whole predicate ("must have 16 digits, it has 3"), already translated; an
        # import shows it alone beside its column ("nik: <reason>")
        super().__init__(_("{field} {value}: {reason}").format(field=field, value=repr(value), reason=reason), hint)


class NotFound(KoptrackError):
    """A referenced record does not exist."""


class Duplicate(KoptrackError):
    """A record with the same identity already exists."""


class Conflict(KoptrackError):
    """The operation contradicts the current state (e.g. leaving twice)."""
