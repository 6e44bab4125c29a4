"""Domain errors: one tree, each with a stable code, mapped once at every edge."""

from __future__ import annotations


class DomainError(Exception):
    """Raised when a use case cannot do what was asked; the base of every domain error."""

    code = "domain-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """Raised when an object does not exist or the caller may not see it."""

    code = "not-found"


class PermissionDenied(DomainError):
    """Raised when the caller sees an object but may not do this to it."""

    code = "permission-denied"


class Unauthenticated(DomainError):
    """Raised when credentials or tokens are missing, wrong, expired or revoked."""

    code = "unauthenticated"


class Conflict(DomainError):
    """Raised when the request is valid but clashes with the current state (no seats left...)."""

    code = "conflict"


class ValidationFailed(DomainError):
    """Raised when input is well-formed but breaks a rule (seats < 1, ends before it starts...)."""

    code = "validation-failed"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class RateLimited(DomainError):
    """Raised when the caller asks too often; `retry_after` says when to try again (seconds)."""

    code = "rate-limited"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
