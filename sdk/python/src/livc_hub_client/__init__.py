"""Python SDK of the LIVC Hub API: typed models, sync and async clients on httpx.

from livc_hub_client import Client, ClientCredentials

with Client("https://hub.example.be", auth=ClientCredentials(client_id, secret)) as hub:
    for case in hub.iter_cases():
        ...
"""

from livc_hub_client import errors, models
from livc_hub_client.aclient import AsyncClient
from livc_hub_client.auth import BearerToken, ClientCredentials, RefreshedTokens, RefreshingBearer
from livc_hub_client.client import Client
from livc_hub_client.errors import (
    AuditIntegrityAlarm,
    AuditUnavailable,
    BadRequest,
    ConfidentialityDeclarationRequired,
    Conflict,
    FeedbackContainsSecret,
    Forbidden,
    HubError,
    InternalError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
    ProblemError,
    RecordUnreadable,
    RefreshRefused,
    SeparationOfDuties,
    ServerError,
    ServiceUnavailable,
    StorageUnavailable,
    TooManyRequests,
    Unauthenticated,
    ValidationProblem,
)
from livc_hub_client.models import Page
from livc_hub_client.retry import NO_RETRY, RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "NO_RETRY",
    "AsyncClient",
    "AuditIntegrityAlarm",
    "AuditUnavailable",
    "BadRequest",
    "BearerToken",
    "Client",
    "ClientCredentials",
    "ConfidentialityDeclarationRequired",
    "Conflict",
    "FeedbackContainsSecret",
    "Forbidden",
    "HubError",
    "InternalError",
    "MethodNotAllowed",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "PreconditionFailed",
    "PreconditionRequired",
    "ProblemError",
    "RecordUnreadable",
    "RefreshRefused",
    "RefreshedTokens",
    "RefreshingBearer",
    "RetryPolicy",
    "SeparationOfDuties",
    "ServerError",
    "ServiceUnavailable",
    "StorageUnavailable",
    "TooManyRequests",
    "Unauthenticated",
    "ValidationProblem",
    "errors",
    "models",
]
