"""Errors that services raise and views, the CLI and the API turn into messages.

Messages are lazy strings so each reader gets them in their own language.
"""


class AnqiError(Exception):
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


class NotFound(AnqiError):
    """Missing, or outside the actor's scope: the two are indistinguishable on purpose."""

    status = 404


class Forbidden(AnqiError):
    status = 403


class Conflict(AnqiError):
    status = 409
