"""The one error hierarchy: each kind carries its HTTP status and a stable machine code.

Rendered as RFC 9457 problem details in ``app.api.problems``. Messages are written for the caller
and never contain personal data, key material or token contents.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

PROBLEM_BASE = "urn:livc-hub:problem:"


class AppError(Exception):
    """Base of every error the hub reports on purpose."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
        audit: Sequence[Any] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = dict(extra or {})
        # Access-log events (app.audit.AuditEvent) that must be written even though the request
        # fails: a denial is recorded in its own transaction after the work is rolled back.
        self.audit = tuple(audit)
        self.headers = dict(headers or {})

    @classmethod
    def type_uri(cls) -> str:
        """The stable problem ``type`` for this kind."""
        return PROBLEM_BASE + cls.code


class ValidationFailed(AppError):
    """The request is well-formed HTTP but its content is not acceptable."""

    status = 422
    code = "validation"
    title = "The request content is not valid"


class FeedbackContainsSecret(ValidationFailed):
    """A feedback sheet that contains, quotes or copies a field under professional secrecy.

    Rule 11 (judgment 52/2021 (c)): ``fields`` names each field (its note and name, and how the
    draft holds it), never a value.
    """

    code = "feedback-contains-secret"
    title = "The feedback sheet contains information covered by professional secrecy"


class BadRequest(AppError):
    """The request cannot be understood (bad cursor, bad header)."""

    status = 400
    code = "bad-request"
    title = "Bad request"


class Unauthenticated(AppError):
    """No valid bearer token or client credentials."""

    status = 401
    code = "unauthenticated"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="livc-hub"'})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    """The caller knows the object exists but may not do this to it."""

    status = 403
    code = "forbidden"
    title = "Not allowed"


class SeparationOfDuties(Forbidden):
    """The change would let an operator reach content, or skip the second person (four-eyes).

    The response's ``reason`` names the rule (``self_change``, ``admin_and_content_roles``, ...).
    """

    code = "separation-of-duties"
    title = "Refused by the separation of duties"


class DeclarationRequired(Forbidden):
    """A guest of an exchange reads nothing before accepting the cell's confidentiality
    declaration (art. 458ter §2); the detail says where to read and accept it."""

    code = "confidentiality-declaration-required"
    title = "Accept the confidentiality declaration first"


class NotFound(AppError):
    """No such object, or not one the caller may know exists (the same answer on purpose)."""

    status = 404
    code = "not-found"
    title = "Not found"


class MethodNotAllowed(AppError):
    """The path exists but not with this method."""

    status = 405
    code = "method-not-allowed"
    title = "Method not allowed"


class Conflict(AppError):
    """The request conflicts with the current state (duplicate name, ...)."""

    status = 409
    code = "conflict"
    title = "Conflict"


class PreconditionFailed(AppError):
    """If-Match did not match the current version: someone else edited first."""

    status = 412
    code = "precondition-failed"
    title = "The note was changed by someone else"


class PreconditionRequired(AppError):
    """An edit must say which version it edits (If-Match)."""

    status = 428
    code = "precondition-required"
    title = "If-Match is required"


class PayloadTooLarge(AppError):
    """The body is larger than the hub accepts."""

    status = 413
    code = "payload-too-large"
    title = "Request body too large"


class UnsupportedMediaType(AppError):
    """The body is not in a format the endpoint accepts."""

    status = 415
    code = "unsupported-media-type"
    title = "Unsupported media type"


class TooManyRequests(AppError):
    """Too many attempts from this client or address; ``Retry-After`` says when to try again."""

    status = 429
    code = "too-many-requests"
    title = "Too many requests"

    def __init__(self, retry_after: int, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after


class AuditUnavailable(AppError):
    """The access log could not be written, so nothing is done and nothing is disclosed."""

    status = 503
    code = "audit-unavailable"
    title = "The access log is unavailable; nothing was disclosed or changed"


class AuditIntegrityAlarm(AppError):
    """The log in the database does not extend what the hub last signed: nothing is signed."""

    status = 503
    code = "audit-integrity-alarm"
    title = "The access log failed its integrity check; no checkpoint is signed"

    def __init__(self, reason: str, **kwargs: Any) -> None:
        kwargs.setdefault("extra", {"reason": reason})
        super().__init__(
            f"integrity alarm ({reason}): an operator must examine the database and clear it",
            **kwargs,
        )
        self.reason = reason


class StorageUnavailable(AppError):
    """The database could not complete the request; nothing was changed."""

    status = 503
    code = "storage-unavailable"
    title = "Storage is unavailable; nothing was changed"


class RecordUnreadable(AppError):
    """A stored record did not open (tampered, moved, or its key version is unknown).

    500: the request was valid and allowed; the hub's own data failed its integrity check, which
    the caller cannot fix and a retry will not cure. Nothing of the record is disclosed.
    """

    status = 500
    code = "record-unreadable"
    title = "A stored record failed its integrity check; nothing was disclosed"


class InternalError(AppError):
    """A fault in the hub itself."""


ALL_ERRORS: tuple[type[AppError], ...] = (
    ValidationFailed,
    FeedbackContainsSecret,
    BadRequest,
    Unauthenticated,
    Forbidden,
    SeparationOfDuties,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    AuditUnavailable,
    AuditIntegrityAlarm,
    StorageUnavailable,
    RecordUnreadable,
    InternalError,
)
