"""Plain Dutch and French for what the API answers: reason codes and problems (msgids here,
translated when a page is rendered). Never a value: only why.
"""

from __future__ import annotations

from typing import Final

from livc_hub_client import (
    Conflict,
    Forbidden,
    NotFound,
    ProblemError,
    ServiceUnavailable,
    Unauthenticated,
    ValidationProblem,
)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a msgid for extraction; it is translated where it is shown."""
    return message


# Why a field released into the exchange is not shown to a member (the explain endpoint's codes).
REASONS: Final[dict[str, str]] = {
    "not_released": N_("The agency that owns this information has not released it here."),
    "not_granted": N_("The chair has not given you access to this information."),
    "secrecy_regime": N_(
        "This information is covered by professional secrecy and goes only to participants "
        "who are themselves bound by professional secrecy."
    ),
    "clearance_too_low": N_(
        "This is classified information; it requires a higher security clearance."
    ),
    "judicial_police_only": N_(
        "This concerns a judicial investigation; only police and justice participants see it."
    ),
    "ltf_via_information_officer": N_(
        "Information from the local task force enters this consultation only through the "
        "information officer."
    ),
    "exchange_closed": N_("This consultation is closed; nothing can be read through it."),
    "exchange_not_open": N_("This consultation has not opened yet or has expired."),
    "not_participant": N_("You are no longer a participant in this consultation."),
    "member_suspended": N_("The account is suspended."),
    "admin_no_content": N_("Administrators do not see case content."),
    "minor_secrecy": N_(
        "The person concerned is a minor: this information follows the youth-care secrecy "
        "rules and goes only to participants bound by professional secrecy."
    ),
    "unknown_sensitivity": N_("The kind of this information is unknown, so it is not shared."),
    "no_rule_allows": N_("No sharing rule allows it."),
}
UNKNOWN_REASON: Final = N_("The sharing rules do not allow it.")

# The sensitivity classes of note fields.
SENSITIVITIES: Final[dict[str, str]] = {
    "identity": N_("identity"),
    "contact": N_("contact details"),
    "family": N_("family"),
    "school_work": N_("school or work"),
    "social_situation": N_("social situation"),
    "health": N_("health"),
    "psychological": N_("psychological"),
    "judicial": N_("judicial"),
    "intelligence": N_("intelligence"),
    "radicalisation_signals": N_("signals"),
    "risk_assessment": N_("risk assessment"),
    "intervention": N_("intervention"),
    "free_text": N_("free text"),
}


def reason_text(code: str) -> str:
    """The msgid explaining a reason code."""
    return REASONS.get(code, UNKNOWN_REASON)


def sensitivity_text(code: str) -> str:
    """The msgid naming a sensitivity class (the code itself if unknown)."""
    return SENSITIVITIES.get(code, code)


def problem_text(error: ProblemError) -> str:
    """The msgid telling a person what an API problem means for them."""
    if error.reason in REASONS:
        return REASONS[error.reason]
    if isinstance(error, NotFound):
        return N_("This page does not exist, or you have no access to it.")
    if isinstance(error, Forbidden):
        return N_("You are not allowed to do this.")
    if isinstance(error, Conflict):
        return N_("This is not possible in the current state of the consultation.")
    if isinstance(error, ValidationProblem):
        return N_("Some of the input was not valid.")
    if isinstance(error, Unauthenticated):
        return N_("Your session has ended. Please sign in again.")
    if isinstance(error, ServiceUnavailable):
        return N_("The hub is temporarily unavailable. Nothing was shown or changed; try again.")
    return N_("Something went wrong. Nothing was shown or changed.")


def status_text(status: int) -> str:
    """The msgid of an error page for a status without an API problem behind it."""
    return {
        400: N_("The request was not valid."),
        403: N_("You are not allowed to do this."),
        404: N_("This page does not exist, or you have no access to it."),
        405: N_("This page does not accept that request."),
        422: N_("Some of the input was not valid."),
    }.get(status, N_("Something went wrong. Nothing was shown or changed."))
