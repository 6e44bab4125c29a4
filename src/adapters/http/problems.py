"""Every error becomes an RFC 9457 problem document (`application/problem+json`), mapped here once.

Domain errors keep their stable `code` as the problem `type` (`/problems/not-found`); Litestar's
own errors (unparseable or ill-shaped input, unknown routes, wrong methods) get the same shape;
anything unexpected is logged and answered with a 500 that reveals nothing of the internals.
"""

from __future__ import annotations

import traceback
from http import HTTPStatus
from typing import Any

import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from adapters.http.privacy import mask_path, scrub
from core.partners.activation import PartnerUnavailable
from core.payments.ports import InvalidWebhook, ProviderUnavailable
from core.shared.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthenticated,
    ValidationFailed,
)

log = structlog.get_logger("stagedoor.http")

MEDIA_TYPE = "application/problem+json"

DOMAIN_STATUS: dict[type[DomainError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Unauthenticated: 401,
    Conflict: 409,
    ValidationFailed: 422,
    RateLimited: 429,
    InvalidWebhook: 400,
    ProviderUnavailable: 503,
    PartnerUnavailable: 503,
}
"""The one mapping from domain errors to HTTP statuses; the closest listed base class wins."""

HTTP_CODES: dict[int, str] = {
    400: "bad-request",
    401: Unauthenticated.code,
    403: PermissionDenied.code,
    404: NotFound.code,
    405: "method-not-allowed",
    409: Conflict.code,
    413: "request-too-large",
    415: "unsupported-media-type",
    422: ValidationFailed.code,
    429: RateLimited.code,
    500: "internal-error",
    503: "unavailable",
}
"""Problem codes for errors Litestar raises itself, by status."""

BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="stagedoor"'}


class FieldError(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem: `type` is stable for programs, `detail` is written for people."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    field: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    problem = Problem(f"/problems/{code}", _title(status), status, detail, field, errors)
    return Response(problem, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def status_for(exc: DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_STATUS:
            return DOMAIN_STATUS[cls]
    return 400


def domain_error_to_response(_: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    """A refused use case: the core's message is already written for people."""
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated):
        headers.update(BEARER_CHALLENGE)
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, ProviderUnavailable | PartnerUnavailable):
        headers["Retry-After"] = "5"
    field = exc.field if isinstance(exc, ValidationFailed) else None
    return problem_response(status_for(exc), exc.code, exc.detail, field=field, headers=headers)


def _field_errors(exc: ValidationException) -> list[FieldError]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    return [
        FieldError(str(item.get("key") or "body"), str(item.get("message", "")))
        for item in extra
        if isinstance(item, dict)
    ]


def http_error_to_response(
    request: Request[Any, Any, Any], exc: HTTPException
) -> Response[Problem]:
    """Litestar's own refusals: bad input, unknown route, wrong method, too large."""
    status = exc.status_code
    if status >= 500:
        return unexpected_error_to_response(request, exc)
    code = HTTP_CODES.get(status, "http-error")
    headers = dict(exc.headers or {})
    if status == 401:
        headers.update(BEARER_CHALLENGE)
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc)
        field = errors[0].field if len(errors) == 1 else None
        detail = "the request does not match the API schema: " + "; ".join(
            f"{e.field}: {e.message}" for e in errors
        )
        return problem_response(status, code, detail, field=field, errors=errors, headers=headers)
    return problem_response(status, code, _detail(status, exc.detail), headers=headers)


def _detail(status: int, said: str) -> str:
    if status == 404:
        return "there is nothing at this address"
    if status == 405:
        return "this address does not accept that method"
    return said or _title(status)


def unexpected_error_to_response(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[Problem]:
    """A bug or an outage: log it with its traceback, tell the client only that it happened.

    The traceback is formatted here, without local variables and with personal data masked,
    so that no log renderer can print the request's secrets.
    """
    log.error(
        "http.unexpected_error",
        method=request.method,
        path=mask_path(request.url.path),
        error=type(exc).__name__,
        traceback=scrub("".join(traceback.format_exception(exc))),
    )
    return problem_response(
        500, HTTP_CODES[500], "something went wrong on our side; please try again later"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    DomainError: domain_error_to_response,
    HTTPException: http_error_to_response,
    Exception: unexpected_error_to_response,
}


_DESCRIPTIONS = {
    400: "The body is not JSON or does not match the schema",
    401: "No valid access token (send `Authorization: Bearer <token>`)",
    403: "The object is visible to you but you may not do this to it",
    404: "The object does not exist, or you may not see it",
    409: "The request clashes with the current state",
    422: "The input parses but breaks a rule; `field` names the culprit",
    413: "The request body is too large",
    429: "Too many attempts; `Retry-After` says when to try again",
    503: "A payment provider or partner platform cannot be reached; retry later",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problems a route can answer with (400 is always possible)."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[status],
            media_type=MEDIA_TYPE,
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }
