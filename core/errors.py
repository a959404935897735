"""Errors that services raise and views, the CLI and the API turn into messages.

Messages are lazy strings so each reader gets them in their own language.
"""


class AnqiError(Exception):
    """A refusal to show the user: ``message`` (a lazy translated text, never a
    citizen's ID number or phone) and the form ``field`` it concerns, if one."""

    status = 400

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class ValidationError(AnqiError):
    """Input that breaks a rule. ``errors`` maps field names to messages."""

    def __init__(self, message, field: str | None = None, errors: dict | None = None):
        super().__init__(message, field)
        self.errors = errors or ({field: [message]} if field else {})

    @classmethod
    def of(cls, errors: dict) -> "ValidationError":
        """Every problem of a form at once: ``errors`` maps each field to its
        messages; the first message is the error's own."""
        errors = {name: list(messages) for name, messages in errors.items() if messages}
        return cls(next(iter(errors.values()))[0], errors=errors)


class NotFound(AnqiError):
    """Missing, or outside the actor's scope: the two are indistinguishable on purpose."""

    status = 404


class Forbidden(AnqiError):
    """The actor may not do this (a role or a rule of the record refuses it)."""

    status = 403


class Conflict(AnqiError):
    """Someone else changed the record since the form was built (its version), or
    it is no longer in the state the action needs."""

    status = 409
