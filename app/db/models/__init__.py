"""All tables; importing this package registers them on ``Base.metadata``."""

from app.db.models.audit import AccessLogEntry, AuditCheckpoint, AuditHead
from app.db.models.case import Case, CaseOutcome, CaseStatusChange, Subject
from app.db.models.cell import (
    Cell,
    CellAgency,
    CellDeclaration,
    CellMember,
    WorkingGroup,
    WorkingGroupMember,
)
from app.db.models.device import DeviceGrant
from app.db.models.exchange import (
    DeclarationAcceptance,
    Exchange,
    ExchangeParticipant,
    Grant,
    Release,
)
from app.db.models.feedback import FeedbackSheet, FeedbackVote
from app.db.models.meeting import (
    Meeting,
    MeetingAgendaItem,
    MeetingInvitee,
    MeetingMinutes,
    MeetingSeries,
)
from app.db.models.note import Note, NoteTemplate, NoteVersion
from app.db.models.org import Agency, Member, MemberProposal
from app.db.models.strategy import StrategyPriorities, StrategyToken
from app.db.models.web import OidcLogin, WebSession

__all__ = [
    "AccessLogEntry",
    "AuditCheckpoint",
    "AuditHead",
    "Agency",
    "Case",
    "CaseOutcome",
    "CaseStatusChange",
    "Cell",
    "CellAgency",
    "CellDeclaration",
    "CellMember",
    "DeclarationAcceptance",
    "DeviceGrant",
    "Exchange",
    "ExchangeParticipant",
    "FeedbackSheet",
    "FeedbackVote",
    "Grant",
    "Meeting",
    "MeetingAgendaItem",
    "MeetingInvitee",
    "MeetingMinutes",
    "MeetingSeries",
    "Member",
    "MemberProposal",
    "Note",
    "NoteTemplate",
    "NoteVersion",
    "OidcLogin",
    "Release",
    "WebSession",
    "StrategyPriorities",
    "StrategyToken",
    "Subject",
    "WorkingGroup",
    "WorkingGroupMember",
]
