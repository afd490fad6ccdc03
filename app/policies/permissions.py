"""Permissions are data: a vocabulary and a role -> permission table, tested as a whole."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.policies.vocabulary import Role


class Permission(StrEnum):
    """What an action needs, spelled ``resource:action``."""

    AGENCY_MANAGE = "agency:manage"
    MEMBER_MANAGE = "member:manage"
    CELL_MANAGE = "cell:manage"
    TEMPLATE_MANAGE = "template:manage"
    SUBJECT_READ = "subject:read"
    SUBJECT_WRITE = "subject:write"
    CASE_READ = "case:read"
    CASE_WRITE = "case:write"
    NOTE_READ = "note:read"
    NOTE_WRITE = "note:write"
    NOTE_RELEASE = "note:release"
    AUDIT_READ = "audit:read"
    AUDIT_READ_HUB = "audit:read_hub"


# Permissions a hub admin holds over every agency; none of them reaches case content.
HUB_WIDE: frozenset[Permission] = frozenset(
    {
        Permission.AGENCY_MANAGE,
        Permission.CELL_MANAGE,
        Permission.TEMPLATE_MANAGE,
        Permission.MEMBER_MANAGE,
    }
)

_CONTENT = frozenset(
    {
        Permission.SUBJECT_READ,
        Permission.SUBJECT_WRITE,
        Permission.CASE_READ,
        Permission.CASE_WRITE,
        Permission.NOTE_READ,
        Permission.NOTE_WRITE,
        Permission.NOTE_RELEASE,
    }
)

# Admins manage people and structure and see no case content (DOMAIN.md rule 4). Chairs and
# auditors get their own powers with the exchanges and the audit log; within their own agency
# they hold no note rights here.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.HUB_ADMIN: HUB_WIDE,
    Role.AGENCY_ADMIN: frozenset({Permission.MEMBER_MANAGE}),
    Role.CHAIR: frozenset({Permission.CASE_READ}),
    Role.CHAIR_DELEGATE: frozenset({Permission.CASE_READ}),
    Role.INFORMATION_OFFICER: _CONTENT,
    Role.CASE_WORKER: _CONTENT,
    Role.POLICE_REFERENCE: _CONTENT,
    # An agency's auditor (its DPO) reads the entries that concern that agency; the hub auditor
    # reads the whole log, which a full, verifiable export needs.
    Role.AUDITOR: frozenset({Permission.AUDIT_READ}),
    Role.HUB_AUDITOR: frozenset({Permission.AUDIT_READ, Permission.AUDIT_READ_HUB}),
    Role.SERVICE_ACCOUNT: _CONTENT,
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    """The union of what the given roles allow; an unknown role contributes nothing."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
