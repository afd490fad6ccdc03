"""The feedback sheet's rule (rule 11): who drafts and votes, when consensus is reached, and what
counts as containing a field under professional secrecy."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.policies.feedback import (
    MIN_RUN,
    MIN_WHOLE,
    FeedbackReason,
    FeedbackVerdict,
    Finding,
    Member,
    Panel,
    Recipient,
    SecrecyRegime,
    SheetStatus,
    SourceField,
    completion,
    copied,
    may_draft,
    may_vote,
    normalise,
    required,
    secrecy_findings,
    secrecy_regime,
    standing_approvals,
    texts_of,
)
from app.policies.local import LocalPolicy
from app.policies.sharing import SHARING_RULES, MinorsUnderSecrecy, SecrecyFlows

T0 = datetime(2026, 11, 26, 10, tzinfo=UTC)
POLICE = Recipient("local_police", seated=True)
MEMBERS = st.sampled_from(["a", "b", "c", "d", "e", "chair"])


def _member(
    member_id: str = "a", *, participates: bool = True, chairs: bool = False, status: str = "active"
) -> Member:
    return Member(member_id, status, participates, chairs)


def _panel(*participants: str, chair: str | None = "chair", invited: datetime = T0) -> Panel:
    return Panel(frozenset(participants), chair, invited if participants else None)


# --- drafting -------------------------------------------------------------------------------


def test_a_participant_or_the_chair_drafts_to_a_police_agency_of_the_cell() -> None:
    assert may_draft(_member(), shut=False, recipient=POLICE).reason is FeedbackReason.PARTICIPANT
    chair = _member(participates=False, chairs=True)
    assert may_draft(chair, shut=False, recipient=POLICE).reason is FeedbackReason.CHAIR
    federal = Recipient("federal_police", seated=True)
    assert may_draft(_member(), shut=False, recipient=federal).allowed


@pytest.mark.parametrize(
    ("who", "shut", "recipient", "reason"),
    [
        (_member(participates=False), False, POLICE, FeedbackReason.NOT_PARTICIPANT_OR_CHAIR),
        (_member(status="suspended"), False, POLICE, FeedbackReason.MEMBER_SUSPENDED),
        (_member(), True, POLICE, FeedbackReason.EXCHANGE_SHUT),
        (_member(), False, Recipient("social_service", True), FeedbackReason.RECIPIENT_NOT_POLICE),
        (_member(), False, Recipient("local_police", False), FeedbackReason.RECIPIENT_NOT_IN_CELL),
    ],
)
def test_drafting_is_refused_with_the_rules_reason(
    who: Member, shut: bool, recipient: Recipient, reason: FeedbackReason
) -> None:
    verdict = may_draft(who, shut=shut, recipient=recipient)
    assert (verdict.allowed, verdict.reason) == (False, reason)


# --- votes and consensus --------------------------------------------------------------------


def _vote(
    who: Member,
    panel: Panel,
    approvals: dict[str, datetime] | None = None,
    *,
    status: SheetStatus = SheetStatus.OPEN,
    shut: bool = False,
    approving: bool = True,
) -> FeedbackVerdict:
    return may_vote(
        who,
        status=status,
        shut=shut,
        panel=panel,
        approvals=approvals or {},
        approving=approving,
    )


def test_participants_and_the_cells_chair_vote_nobody_else() -> None:
    panel = _panel("a", "b")
    assert _vote(_member("a"), panel).reason is FeedbackReason.PARTICIPANT
    chair = _member("chair", participates=False, chairs=True)
    assert _vote(chair, panel).reason is FeedbackReason.CHAIR
    delegate = _member("x", participates=False, chairs=True)
    assert _vote(delegate, panel).reason is FeedbackReason.NOT_PARTICIPANT_OR_CHAIR
    assert _vote(_member("a", status="suspended"), panel).reason is FeedbackReason.MEMBER_SUSPENDED


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": SheetStatus.APPROVED}, FeedbackReason.SHEET_NOT_OPEN),
        ({"status": SheetStatus.REFUSED, "approving": False}, FeedbackReason.SHEET_NOT_OPEN),
        ({"shut": True}, FeedbackReason.EXCHANGE_SHUT),
        ({"approvals": {"a": T0}}, FeedbackReason.ALREADY_APPROVED),
    ],
)
def test_a_vote_is_refused_on_an_ended_sheet_a_shut_exchange_or_twice(
    changes: dict[str, Any], reason: FeedbackReason
) -> None:
    rest = {k: v for k, v in changes.items() if k != "approvals"}
    verdict = _vote(_member("a"), _panel("a", "b"), changes.get("approvals"), **rest)
    assert (verdict.allowed, verdict.reason) == (False, reason)


def test_one_may_refuse_after_approving() -> None:
    assert _vote(_member("a"), _panel("a"), {"a": T0}, approving=False).allowed


@given(
    participants=st.frozensets(MEMBERS, max_size=5),
    approvers=st.frozensets(MEMBERS),
    chair=st.one_of(st.none(), MEMBERS),
)
def test_consensus_is_every_participant_and_the_chair(
    participants: frozenset[str], approvers: frozenset[str], chair: str | None
) -> None:
    panel = _panel(*participants, chair=chair)
    approvals = dict.fromkeys(approvers, T0 + timedelta(minutes=1))
    needed = participants | ({chair} if chair else set())
    assert required(panel) == needed
    assert completion(approvals, panel).allowed == (bool(needed) and needed <= approvers)
    # Removing any one approval that was needed undoes the consensus.
    for m in needed & approvers:
        rest = {k: v for k, v in approvals.items() if k != m}
        assert not completion(rest, panel).allowed


@given(
    participants=st.frozensets(MEMBERS, min_size=1),
    early=st.frozensets(MEMBERS),
    minutes=st.integers(min_value=1, max_value=600),
)
def test_an_invitation_after_an_approval_voids_it(
    participants: frozenset[str], early: frozenset[str], minutes: int
) -> None:
    invited = T0 + timedelta(minutes=minutes)
    panel = _panel(*participants, invited=invited)
    approvals = dict.fromkeys(early, T0)  # all before the last invitation
    assert standing_approvals(approvals, panel) == frozenset()
    assert not completion(approvals, panel).allowed
    later = dict.fromkeys(required(panel), invited)
    assert completion(later, panel).allowed


def test_a_removed_participant_is_no_longer_asked_and_their_approval_no_longer_counts() -> None:
    approvals = {"a": T0, "b": T0, "chair": T0}
    assert not completion(approvals, _panel("a", "b", "c", invited=T0)).allowed
    assert completion(approvals, _panel("a", "b", invited=T0)).allowed
    assert standing_approvals(approvals, _panel("a", invited=T0)) == {"a", "chair"}


def test_nobody_to_ask_is_no_consensus() -> None:
    assert not completion({}, _panel(chair=None)).allowed


# --- professional secrecy -------------------------------------------------------------------


def test_the_regime_is_the_sharing_tables() -> None:
    regime = secrecy_regime(SHARING_RULES)
    assert regime.classes == {"health", "psychological"}
    assert regime.minors
    assert regime.covers("health", subject_is_minor=False)
    assert not regime.covers("family", subject_is_minor=False)
    assert regime.covers("family", subject_is_minor=True)
    without_minors = [r for r in SHARING_RULES if not isinstance(r, MinorsUnderSecrecy)]
    assert not secrecy_regime(without_minors).covers("family", subject_is_minor=True)
    # A municipality's regulation that widens the secrecy-bound classes widens this rule too.
    local = LocalPolicy(secrecy_bound_classes=frozenset({"health", "psychological", "family"}))
    assert secrecy_regime(local.rules()).covers("family", subject_is_minor=False)
    assert secrecy_regime([]).classes == frozenset()


def test_findings_name_own_fields_quotes_and_copies() -> None:
    secret = "Zij volgt een behandeling bij de psychiater sinds maart."
    found = secrecy_findings(
        own_secret_fields=["diagnosis"],
        quoted_secret_fields=[("n1", "health")],
        draft_texts=["Bericht: zij volgt een behandeling bij de psychiater, zegt men."],
        sources=[SourceField("n2", "psych", (secret,)), SourceField("n3", "health", ("x",))],
    )
    assert found == [
        Finding(None, "diagnosis", "contained"),
        Finding("n1", "health", "quoted"),
        Finding("n2", "psych", "copied"),
    ]
    assert (
        secrecy_findings(
            own_secret_fields=[], quoted_secret_fields=[], draft_texts=["Niets."], sources=[]
        )
        == []
    )


def test_texts_of_walks_records_and_lists() -> None:
    value = {"a": "één", "b": [{"c": "twee"}, 3, True], "d": None}
    assert sorted(texts_of(value)) == ["twee", "één"]


def _disguise(text: str, upper: bool, sep: str) -> str:
    shown = text.upper() if upper else text
    return sep.join(shown.split(" "))


WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèçë", min_size=1, max_size=9),
    min_size=1,
    max_size=12,
).map(" ".join)


@given(
    secret=WORDS,
    before=WORDS,
    after=WORDS,
    upper=st.booleans(),
    sep=st.sampled_from([" ", "  ", " - ", ", ", "\n"]),
)
def test_a_secret_copied_whole_is_found_whatever_its_case_and_punctuation(
    secret: str, before: str, after: str, upper: bool, sep: str
) -> None:
    assume(len(normalise(secret)) >= MIN_WHOLE)
    draft = f"{before}. {_disguise(secret, upper, sep)}! {after}"
    assert copied(secret, draft)


@given(secret=WORDS, start=st.integers(min_value=0, max_value=200))
def test_a_run_of_min_run_characters_of_a_long_secret_is_found(secret: str, start: int) -> None:
    s = normalise(secret)
    assume(len(s) > MIN_RUN)
    i = start % (len(s) - MIN_RUN + 1)
    assert copied(secret, f"Inleiding {s[i : i + MIN_RUN]} slot")


@given(secret=st.text(alphabet="abcdefghij ", max_size=80), draft=st.text(alphabet="klmnopqrst "))
def test_nothing_is_found_without_a_shared_word(secret: str, draft: str) -> None:
    assert not copied(secret, draft)


def test_short_values_and_partial_words_are_not_copies() -> None:
    assert not copied("ja", "ja, dat klopt")  # under MIN_WHOLE
    assert not copied("angst", "angstig")  # under MIN_WHOLE
    assert not copied("depressie", "postdepressieve klachten")  # not as whole words
    assert copied("depressie", "Vermoedelijk DEPRESSIE.")
    assert normalise("Ça  va, Élodie!") == "ca va elodie"
    assert normalise("") == ""
    assert unicodedata.is_normalized("NFC", normalise("é"))


# --- written for mutants that survived `make mutate` (docs/decisions.md 125) -----------------


def test_the_chair_drafts_and_the_verdicts_name_their_reasons() -> None:
    chair = _member("chair", participates=False, chairs=True)
    assert may_draft(chair, shut=False, recipient=POLICE) == FeedbackVerdict(
        True, FeedbackReason.CHAIR
    )
    panel = _panel("a", invited=T0)
    assert completion({"a": T0, "chair": T0}, panel) == FeedbackVerdict(
        True, FeedbackReason.APPROVED_BY_ALL
    )
    assert completion({"a": T0}, panel) == FeedbackVerdict(False, FeedbackReason.AWAITING_APPROVALS)


def test_a_chair_who_takes_part_votes_as_a_participant() -> None:
    chair = _member("chair", participates=True, chairs=True)
    assert _vote(chair, _panel("a", "chair")) == FeedbackVerdict(True, FeedbackReason.PARTICIPANT)


def test_the_regime_joins_every_secrecy_rule_and_says_no_for_minors_without_the_rule() -> None:
    rules = [SecrecyFlows(classes=frozenset({"health"})), SecrecyFlows(classes=frozenset({"x"}))]
    assert secrecy_regime(rules) == SecrecyRegime(frozenset({"health", "x"}), minors=False)
    assert secrecy_regime(rules).covers("family", subject_is_minor=True) is False


def test_a_secret_of_exactly_min_run_characters_counts_only_as_whole_words() -> None:
    secret = "abcdefghij klmnopqrs tuv"
    assert len(normalise(secret)) == MIN_RUN
    assert copied(secret, f"Zie: {secret}.")
    assert not copied(secret, f"zie x{secret}y")


def test_a_long_secret_is_found_by_its_runs_and_only_by_them() -> None:
    secret = "de jongere volgt een traject bij het centrum voor geestelijke gezondheidszorg"
    s = normalise(secret)
    # The first and the last run, alone and at either end of the draft.
    for run in (s[:MIN_RUN], s[-MIN_RUN:]):
        assert copied(secret, run)
        assert copied(secret, f"begin {run}")
        assert copied(secret, f"{run} einde")
    # One character short of a run, at the start or the end, is no copy.
    for part in (s[: MIN_RUN - 1], s[-(MIN_RUN - 1) :]):
        assert not copied(secret, part)
        assert not copied(secret, f"inleiding {part}")
    # A long draft that shares no run with the secret holds none of it.
    assert not copied(secret, "een heel ander verslag over de wijk, de school en de sportclub")


def test_a_secret_split_over_two_fields_of_the_draft_is_still_copied() -> None:
    found = secrecy_findings(
        own_secret_fields=[],
        quoted_secret_fields=[],
        draft_texts=["Volgens de school volgt zij", "therapie bij Tante Anna thuis."],
        sources=[SourceField("n1", "psych", ("volgt zij therapie",))],
    )
    assert found == [Finding("n1", "psych", "copied")]


def test_the_drafts_own_fields_come_first() -> None:
    found = secrecy_findings(
        own_secret_fields=["diagnosis"],
        quoted_secret_fields=[("0b1e", "health")],
        draft_texts=[],
        sources=[],
    )
    assert found == [Finding(None, "diagnosis", "contained"), Finding("0b1e", "health", "quoted")]
