"""Problem responses (RFC 9457) as typed exceptions.

Every error answer of the hub is ``application/problem+json`` with ``type``, ``title``, ``status``,
``detail`` and, for refusals that have one, a ``reason`` code. Each ``type`` of the hub's
docs/errors.md has its own subclass; a type this version does not know falls back to the class of
its status (so ``except Forbidden`` still catches a new kind of 403).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

PREFIX = "urn:livc-hub:problem:"
_STANDARD = frozenset({"type", "title", "status", "detail", "instance"})


class HubError(Exception):
    """Anything this SDK raises about the hub (problems, unusable answers)."""


class RefreshRefused(HubError):
    """The identity provider refused to renew an access token (``RefreshingBearer``).

    The refresh token expired, was revoked or was already used: only a new sign-in gets a new
    one. ``error`` is the provider's OAuth error code (RFC 6749 section 5.2), e.g.
    ``invalid_grant``; ``status`` its HTTP status. Neither the message nor the repr holds a token.
    """

    def __init__(self, error: str | None, status: int) -> None:
        # Only a code's characters: the provider's answer is shown, never trusted (or a token).
        shown = "".join(c for c in (error or "") if c.isalnum() or c in "_-.")[:60] or None
        self.error = shown
        self.status = status
        why = shown or f"HTTP {status}"
        super().__init__(f"the identity provider refused to renew the token ({why}): sign in again")


class ProblemError(HubError):
    """A problem answer. ``extra`` holds every member besides the standard five."""

    problem_type: str = "about:blank"

    def __init__(
        self,
        *,
        type: str,  # noqa: A002 - the RFC 9457 member's name
        status: int,
        title: str,
        detail: str | None = None,
        instance: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        self.type = type
        self.status = status
        self.title = title
        self.detail = detail
        self.instance = instance
        self.extra: dict[str, Any] = dict(extra or {})
        self.headers = headers if headers is not None else httpx.Headers()
        message = f"{status} {title}"
        if self.reason:
            message += f" ({self.reason})"
        if detail:
            message += f": {detail}"
        super().__init__(message)

    @property
    def reason(self) -> str | None:
        """The hub's reason code for the refusal, when it gives one."""
        value = self.extra.get("reason")
        return value if isinstance(value, str) else None

    @property
    def request_id(self) -> str | None:
        """The id that finds this request in the hub's access log."""
        value = self.extra.get("request_id")
        return value if isinstance(value, str) else None


class BadRequest(ProblemError):
    """400: e.g. a cursor the hub did not write, an unsupported OAuth grant."""

    problem_type = PREFIX + "bad-request"


class Unauthenticated(ProblemError):
    """401: a missing, expired or forged token; bad client credentials."""

    problem_type = PREFIX + "unauthenticated"


class Forbidden(ProblemError):
    """403: you may know the object exists but may not do this (see ``reason``)."""

    problem_type = PREFIX + "forbidden"


class ConfidentialityDeclarationRequired(Forbidden):
    """403: a guest must accept the cell's confidentiality declaration first."""

    problem_type = PREFIX + "confidentiality-declaration-required"

    @property
    def declaration(self) -> str | None:
        """The URL that shows the declaration."""
        value = self.extra.get("declaration")
        return value if isinstance(value, str) else None

    @property
    def accept(self) -> str | None:
        """The URL that accepts it (POST)."""
        value = self.extra.get("accept")
        return value if isinstance(value, str) else None


class SeparationOfDuties(Forbidden):
    """403: a change an operator may not make, or may not make alone."""

    problem_type = PREFIX + "separation-of-duties"


class NotFound(ProblemError):
    """404: no such object, or one you may not know exists (the same answer on purpose)."""

    problem_type = PREFIX + "not-found"


class MethodNotAllowed(ProblemError):
    """405."""

    problem_type = PREFIX + "method-not-allowed"


class Conflict(ProblemError):
    """409: the state of the object does not allow this (see ``reason``)."""

    problem_type = PREFIX + "conflict"


class PreconditionFailed(ProblemError):
    """412: someone saved a newer version; ``etag`` is the current one."""

    problem_type = PREFIX + "precondition-failed"

    @property
    def etag(self) -> str | None:
        """The current version's ETag."""
        value = self.headers.get("ETag")
        return value if isinstance(value, str) else None


class PayloadTooLarge(ProblemError):
    """413: a body over 1 MiB."""

    problem_type = PREFIX + "payload-too-large"


class ValidationProblem(ProblemError):
    """422: invalid input; ``errors`` names each location and rule (never the value)."""

    problem_type = PREFIX + "validation"

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Each item has ``loc``, ``msg`` and ``type``."""
        value = self.extra.get("errors")
        return list(value) if isinstance(value, list) else []


class FeedbackContainsSecret(ValidationProblem):
    """422: a feedback sheet to the police holds a field under professional secrecy (rule 11)."""

    problem_type = PREFIX + "feedback-contains-secret"

    @property
    def fields(self) -> list[dict[str, Any]]:
        """Each as ``{note_id, field, how}``; never a value."""
        value = self.extra.get("fields")
        return list(value) if isinstance(value, list) else []


class PreconditionRequired(ProblemError):
    """428: an edit without ``If-Match``."""

    problem_type = PREFIX + "precondition-required"


class TooManyRequests(ProblemError):
    """429: wait ``retry_after`` seconds; ``limit`` names the limit reached."""

    problem_type = PREFIX + "too-many-requests"

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from the ``Retry-After`` header."""
        return retry_after_seconds(self.headers)

    @property
    def limit(self) -> str | None:
        """Which limit (``token_client``, ``token_address``)."""
        value = self.extra.get("limit")
        return value if isinstance(value, str) else None


class ServerError(ProblemError):
    """A 5xx answer."""


class InternalError(ServerError):
    """500: a fault in the hub."""

    problem_type = PREFIX + "internal"


class RecordUnreadable(ServerError):
    """500: a stored record did not decrypt; a retry will not cure it."""

    problem_type = PREFIX + "record-unreadable"


class ServiceUnavailable(ServerError):
    """503: nothing was changed; an idempotent call may be tried again."""


class AuditUnavailable(ServiceUnavailable):
    """503: the access log could not be written: nothing was disclosed or changed."""

    problem_type = PREFIX + "audit-unavailable"


class StorageUnavailable(ServiceUnavailable):
    """503: the database failed: nothing was changed."""

    problem_type = PREFIX + "storage-unavailable"


class AuditIntegrityAlarm(ServiceUnavailable):
    """503: the access log does not extend the last signed checkpoint (see ``reason``)."""

    problem_type = PREFIX + "audit-integrity-alarm"


BY_TYPE: dict[str, type[ProblemError]] = {
    cls.problem_type: cls
    for cls in (
        BadRequest,
        Unauthenticated,
        Forbidden,
        ConfidentialityDeclarationRequired,
        SeparationOfDuties,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PreconditionFailed,
        PayloadTooLarge,
        ValidationProblem,
        FeedbackContainsSecret,
        PreconditionRequired,
        TooManyRequests,
        InternalError,
        RecordUnreadable,
        AuditUnavailable,
        StorageUnavailable,
        AuditIntegrityAlarm,
    )
}
BY_STATUS: dict[int, type[ProblemError]] = {
    400: BadRequest,
    401: Unauthenticated,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    412: PreconditionFailed,
    413: PayloadTooLarge,
    422: ValidationProblem,
    428: PreconditionRequired,
    429: TooManyRequests,
    503: ServiceUnavailable,
}


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """The ``Retry-After`` header in seconds (the hub sends delta-seconds), if any."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def problem_from(response: httpx.Response) -> ProblemError:
    """The typed exception for an error answer (problem+json or not)."""
    body: Any = None
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    kind = body.get("type")
    kind = kind if isinstance(kind, str) else "about:blank"
    status = body.get("status")
    status = status if isinstance(status, int) else response.status_code
    cls = BY_TYPE.get(kind) or BY_STATUS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ProblemError
    title = body.get("title")
    detail = body.get("detail")
    instance = body.get("instance")
    return cls(
        type=kind,
        status=status,
        title=title if isinstance(title, str) else response.reason_phrase,
        detail=detail if isinstance(detail, str) else None,
        instance=instance if isinstance(instance, str) else None,
        extra={k: v for k, v in body.items() if k not in _STANDARD},
        headers=response.headers,
    )
