"""Domain errors: pages show their message, the API maps them to status codes."""


class DomainError(Exception):
    http_status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidTransition(DomainError):
    """The state machine forbids this action in the ticket's current state."""

    http_status = 409


class NotAllowed(DomainError):
    """The user's role or department may not do this."""

    http_status = 403


class NotFound(DomainError):
    http_status = 404


class Gone(DomainError):
    """It was there and no longer is (a download link past its time)."""

    http_status = 410


class ValidationFailed(DomainError):
    http_status = 422


class Unavailable(DomainError):
    """A service the action depends on does not answer (the attachment virus scanner): try again later."""

    http_status = 503
