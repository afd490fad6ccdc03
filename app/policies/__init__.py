"""The need-to-know engine: pure functions and data, no I/O, no framework imports."""

from app.policies.engine import (
    AccessRequest,
    Actor,
    Decision,
    Effect,
    Reason,
    Resource,
    ResourceKind,
    Rule,
    Verdict,
    decide,
)
from app.policies.permissions import ROLE_PERMISSIONS, Permission, permissions_of
from app.policies.rules import DEFAULT_RULES

__all__ = [
    "DEFAULT_RULES",
    "ROLE_PERMISSIONS",
    "AccessRequest",
    "Actor",
    "Decision",
    "Effect",
    "Permission",
    "Reason",
    "Resource",
    "ResourceKind",
    "Rule",
    "Verdict",
    "decide",
    "permissions_of",
]
