"""The words of the field: agency kinds, secrecy regimes, roles, sensitivity classes.

StrEnums so that the database, the API and the policy tables all spell them one way.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class AgencyKind(StrEnum):
    """What an agency is (DESIGN.md section 3)."""

    MUNICIPALITY = "municipality"
    LOCAL_POLICE = "local_police"
    FEDERAL_POLICE = "federal_police"
    SOCIAL_SERVICE = "social_service"
    PREVENTION = "prevention"
    YOUTH = "youth"
    EDUCATION = "education"
    JUSTICE_HOUSE = "justice_house"
    STATE_SECURITY = "state_security"
    OCAD = "ocad"
    HEALTH = "health"
    OTHER = "other"


class SecrecyRegime(StrEnum):
    """The secrecy an agency's information is held under (DOMAIN.md, 'Who takes part')."""

    LIVC_458TER = "livc_458ter"
    POLICE = "police"
    PROFESSIONAL = "professional"
    MEDICAL = "medical"
    CLASSIFIED = "classified"
    JUDICIAL = "judicial"
    NONE = "none"


class Role(StrEnum):
    """What a member may do; a member holds one or more."""

    HUB_ADMIN = "hub_admin"
    AGENCY_ADMIN = "agency_admin"
    CHAIR = "chair"
    CHAIR_DELEGATE = "chair_delegate"
    INFORMATION_OFFICER = "information_officer"
    CASE_WORKER = "case_worker"
    POLICE_REFERENCE = "police_reference"
    AUDITOR = "auditor"
    HUB_AUDITOR = "hub_auditor"
    SERVICE_ACCOUNT = "service_account"


class Clearance(IntEnum):
    """Security clearance (law of 11 December 1998); ordered, so comparisons mean 'at least'."""

    NONE = 0
    RESTRICTED = 1
    CONFIDENTIAL = 2
    SECRET = 3
    TOP_SECRET = 4


CLEARANCE_NAMES: dict[str, Clearance] = {c.name.lower(): c for c in Clearance}


class Sensitivity(StrEnum):
    """Sensitivity class of a note field (DESIGN.md section 3)."""

    IDENTITY = "identity"
    CONTACT = "contact"
    FAMILY = "family"
    SCHOOL_WORK = "school_work"
    SOCIAL_SITUATION = "social_situation"
    HEALTH = "health"
    PSYCHOLOGICAL = "psychological"
    JUDICIAL = "judicial"
    INTELLIGENCE = "intelligence"
    RADICALISATION_SIGNALS = "radicalisation_signals"
    RISK_ASSESSMENT = "risk_assessment"
    INTERVENTION = "intervention"
    FREE_TEXT = "free_text"


class CellKind(StrEnum):
    """The three kinds of cell."""

    LIVC_CASE = "livc_case"
    LIVC_STRATEGIC = "livc_strategic"
    LTF = "ltf"


class CaseStatus(StrEnum):
    """Where a case stands."""

    SIGNALLED = "signalled"
    UNDER_DISCUSSION = "under_discussion"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


class MemberStatus(StrEnum):
    """Whether a member may act at all; only an active member may."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    # Created through a four-eyes proposal that a second person has not approved yet.
    PENDING = "pending"


class MemberKind(StrEnum):
    """A person, or an agency system using the client-credentials grant."""

    PERSON = "person"
    SERVICE = "service"


class FieldType(StrEnum):
    """Typed note fields; values are validated against the type before sealing."""

    TEXT = "text"
    DATE = "date"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    CHOICE = "choice"
    CHECKLIST = "checklist"
    # The id of an agency known to the hub (e.g. the agency that owns an action of a plan).
    AGENCY = "agency"
    # One structured value (named, typed parts), or a list of them; sealed as one field.
    RECORD = "record"
    RECORDS = "records"


# Types a part of a record may have: no nesting.
PART_TYPES = frozenset(
    {
        FieldType.TEXT,
        FieldType.DATE,
        FieldType.BOOLEAN,
        FieldType.INTEGER,
        FieldType.CHOICE,
        FieldType.AGENCY,
    }
)


class Language(StrEnum):
    """The languages templates are labelled in (English is the default label)."""

    EN = "en"
    NL = "nl"
    FR = "fr"
