"""`decide`: one sharing decision over a 20-field note for one participant (pure function).

Baselines, measured in the same run, interleaved, each answering the same 20 questions:

- ``setlookup``: a plain reference written from DOMAIN.md: sets of released and granted
  (note, version, field or class) once per read, then per field the rules in DOMAIN.md's
  order, the class rules found by the field's class; it lists the same reason codes as the
  engine, so both answers are compared whole before timing.
- ``setlookup-inline``: the same reference written as one flat loop (every rule inlined): what
  the plain reference costs once a person optimises it by hand; information, not a target.
- ``casbin``: pycasbin's FastEnforcer (indexed on subject and object) with releases x grants
  materialised as policy lines and the secrecy and clearance rules in its ABAC matcher, as a
  team would do instead of writing an engine (allowed or not only).

The engine's figure is a read of a profile it has seen (its flow answers remembered, as in a
hub that serves the same members all day); the first read of a profile is reported beside it.
Interleaved rounds; the median of the rounds and the median of per-round ratios are reported.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.policies.sharing import (
    SHARING_RULES,
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
    SharingPolicy,
    decide_fields,
)
from bench.report import Row, emit

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1)
CLASSES = [
    "family",
    "social_situation",
    "health",
    "psychological",
    "judicial",
    "intelligence",
    "risk_assessment",
    "intervention",
    "school_work",
    "free_text",
]
FIELDS = [
    FieldFacts(
        "n1",
        1,
        True,
        f"f{i:02d}",
        CLASSES[i % len(CLASSES)],
        3 if i % 7 == 0 else None,
        "ocmw",
        "social_service",
    )
    for i in range(20)
]
ME = ParticipantFacts(
    "m1", "police", "local_police", frozenset({"police_reference"}), "active", False, 3, T0
)
EXCHANGE = ExchangeFacts("x1", "livc_case", T0, T0 + timedelta(days=1))
RELEASES = [ReleaseFacts("n1", None, f"f{i:02d}", None, T0) for i in range(0, 20, 2)] + [
    ReleaseFacts("n1", None, None, "family", T0)
]
GRANTS = [GrantFacts("m1", None, None, f"f{i:02d}", None, T0) for i in range(0, 20, 3)] + [
    GrantFacts(None, "police_reference", None, None, "family", T0)
]

MODEL = """
[request_definition]
r = sub, obj, ctx

[policy_definition]
p = sub, obj, sens, level

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.sub == p.sub && r.obj == p.obj && r.ctx.open && r.ctx.active && \
(p.sens != "health" && p.sens != "psychological" || r.ctx.secrecy) && \
(p.sens != "judicial" || r.ctx.police) && r.ctx.clearance >= level(p.level)
"""


@dataclass
class Ctx:
    """The ABAC attributes casbin's matcher reads."""

    open: bool
    active: bool
    secrecy: bool
    police: bool
    clearance: int


def _casbin() -> Callable[[], list[bool]]:
    import casbin
    from casbin.persist.adapter import Adapter

    class Policies(Adapter):  # type: ignore[misc]
        def load_policy(self, model: object) -> None:
            released = {
                f.name
                for f in FIELDS
                if any(r.field == f.name or r.sensitivity == f.sensitivity for r in RELEASES)
            }
            for f in FIELDS:
                granted = any(g.field == f.name or g.sensitivity == f.sensitivity for g in GRANTS)
                if f.name in released and granted:
                    line = [
                        "p",
                        ME.member_id,
                        f"n1/{f.name}",
                        f.sensitivity,
                        str(f.classification or 0),
                    ]
                    casbin.persist.load_policy_line(", ".join(line), model)

    with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as conf:
        conf.write(MODEL)
    # FastEnforcer builds its indexed model itself, so it takes the model as a file.
    enforcer = casbin.FastEnforcer(conf.name, Policies(), cache_key_order=[0, 1])
    os.unlink(conf.name)
    enforcer.add_function("level", int)
    ctx = Ctx(open=True, active=True, secrecy=False, police=True, clearance=3)
    return lambda: [enforcer.enforce(ME.member_id, f"n1/{f.name}", ctx) for f in FIELDS]


# ---- setlookup: DOMAIN.md's rules, plainly -------------------------------------------------

KNOWN = frozenset(
    "identity contact family school_work social_situation health psychological judicial "
    "intelligence radicalisation_signals risk_assessment intervention free_text".split()
)
SECRECY_CLASSES = frozenset({"health", "psychological"})
POLICE_AND_JUSTICE = frozenset({"local_police", "federal_police", "justice_house"})
LTF_SOURCES = frozenset({"state_security", "ocad"})
LIVC_CELLS = frozenset({"livc_case", "livc_strategic"})
ADMIN_ROLES = frozenset({"hub_admin", "agency_admin", "auditor", "hub_auditor"})

Reason = str | None
Answer = tuple[bool, tuple[str, ...]]


def _secrecy(f: FieldFacts, p: ParticipantFacts, x: ExchangeFacts) -> Reason:
    """Rule 5: health and psychological content only to those bound by secrecy."""
    return None if p.bound_by_secrecy else "secrecy_regime"


def _judicial(f: FieldFacts, p: ParticipantFacts, x: ExchangeFacts) -> Reason:
    """Rule 7: judicial content only to police and justice."""
    return None if p.agency_kind in POLICE_AND_JUSTICE else "judicial_police_only"


def _level(f: FieldFacts, p: ParticipantFacts, x: ExchangeFacts) -> Reason:
    """Rule 6: clearance at least the field's level (intelligence is at least restricted)."""
    level = f.classification
    if level is None and f.sensitivity == "intelligence":
        level = 1
    return "clearance_too_low" if level is not None and p.clearance < level else None


def _ltf(f: FieldFacts, p: ParticipantFacts, x: ExchangeFacts) -> Reason:
    """Rule 8: LTF sources never flow directly into a LIVC exchange."""
    ltf = x.cell_kind in LIVC_CELLS and f.owner_agency_kind in LTF_SOURCES
    return "ltf_via_information_officer" if ltf else None


def _minor(f: FieldFacts, p: ParticipantFacts, x: ExchangeFacts) -> Reason:
    """Rule 13: a minor's notes only to those bound by secrecy."""
    return "minor_secrecy" if f.subject_is_minor and not p.bound_by_secrecy else None


CLASS_RULES = {"health": (_secrecy,), "psychological": (_secrecy,), "judicial": (_judicial,)}
FIELD_RULES = (_level, _ltf, _minor)


def _before(p: ParticipantFacts, x: ExchangeFacts, now: datetime) -> list[str]:
    """Rules 10, 1 and 4: the exchange is open; an active, invited content member asks."""
    out = []
    if (x.closed_at is not None and x.closed_at <= now) or now >= x.expires_at:
        out.append("exchange_closed")
    elif now < x.opens_at:
        out.append("exchange_not_open")
    removed = p.removed_at is not None and now >= p.removed_at
    if p.invited_at is None or now < p.invited_at or removed:
        out.append("not_participant")
    if p.status != "active":
        out.append("member_suspended")
    if p.roles <= ADMIN_ROLES:
        out.append("admin_no_content")
    return out


def _live(start: datetime, end: datetime | None, now: datetime) -> bool:
    return start <= now and (end is None or now < end)


def setlookup(
    p: ParticipantFacts,
    x: ExchangeFacts,
    fields: list[FieldFacts],
    releases: list[ReleaseFacts],
    grants: list[GrantFacts],
    now: datetime,
) -> dict[tuple[str, int, str], Answer]:
    """DOMAIN.md rules 1-10, 13, 15 with sets of released and granted names."""
    before = _before(p, x, now)
    released = set()
    for r in releases:
        if _live(r.released_at, r.withdrawn_at, now):
            released |= {(r.note_id, r.version, "field", r.field)}
            released |= {(r.note_id, r.version, "class", r.sensitivity)}
    granted = set()
    for g in grants:
        mine = g.member_id == p.member_id or (g.role is not None and g.role in p.roles)
        if mine and _live(g.granted_at, g.withdrawn_at, now):
            granted |= {(g.note_id, "field", g.field), (g.note_id, "class", g.sensitivity)}
    out = {}
    for f in fields:
        versions = (f.version, None) if f.is_latest else (f.version,)
        names = (("field", f.name), ("class", f.sensitivity))
        reasons = list(before)
        if f.sensitivity not in KNOWN:
            reasons.append("unknown_sensitivity")
        if not any((f.note_id, v, *n) in released for v in versions for n in names):
            reasons.append("not_released")
        if not any((note, *n) in granted for note in (f.note_id, None) for n in names):
            reasons.append("not_granted")
        for rule in (*CLASS_RULES.get(f.sensitivity, ()), *FIELD_RULES):
            reason = rule(f, p, x)
            if reason is not None:
                reasons.append(reason)
        answer = (False, tuple(reasons)) if reasons else (True, ("released", "granted"))
        out[(f.note_id, f.version, f.name)] = answer
    return out


def setlookup_inline(
    p: ParticipantFacts,
    x: ExchangeFacts,
    fields: list[FieldFacts],
    releases: list[ReleaseFacts],
    grants: list[GrantFacts],
    now: datetime,
) -> dict[tuple[str, int, str], Answer]:
    """The same rules as ``setlookup`` in one flat loop, every rule inlined by hand."""
    before = _before(p, x, now)
    released = set()
    for r in releases:
        if r.released_at <= now and (r.withdrawn_at is None or now < r.withdrawn_at):
            released.add((r.note_id, r.version, "f", r.field))
            released.add((r.note_id, r.version, "c", r.sensitivity))
    granted = set()
    for g in grants:
        if (
            g.granted_at <= now
            and (g.withdrawn_at is None or now < g.withdrawn_at)
            and (g.member_id == p.member_id or (g.role is not None and g.role in p.roles))
        ):
            granted.add((g.note_id, "f", g.field))
            granted.add((g.note_id, "c", g.sensitivity))
    out = {}
    bound, livc = p.bound_by_secrecy, x.cell_kind in LIVC_CELLS
    for f in fields:
        n, v, s, name = f.note_id, f.version, f.sensitivity, f.name
        reasons = list(before)
        if s not in KNOWN:
            reasons.append("unknown_sensitivity")
        if not (
            (n, v, "f", name) in released
            or (n, v, "c", s) in released
            or (f.is_latest and ((n, None, "f", name) in released or (n, None, "c", s) in released))
        ):
            reasons.append("not_released")
        if not (
            (n, "f", name) in granted
            or (n, "c", s) in granted
            or (None, "f", name) in granted
            or (None, "c", s) in granted
        ):
            reasons.append("not_granted")
        if s in SECRECY_CLASSES and not bound:
            reasons.append("secrecy_regime")
        level = f.classification
        if level is None and s == "intelligence":
            level = 1
        if level is not None and p.clearance < level:
            reasons.append("clearance_too_low")
        if s == "judicial" and p.agency_kind not in POLICE_AND_JUSTICE:
            reasons.append("judicial_police_only")
        if livc and f.owner_agency_kind in LTF_SOURCES:
            reasons.append("ltf_via_information_officer")
        if f.subject_is_minor and not bound:
            reasons.append("minor_secrecy")
        out[(n, v, name)] = (False, tuple(reasons)) if reasons else (True, ("released", "granted"))
    return out


# ---- the contenders ---------------------------------------------------------------------------


def _answers(decisions: dict[tuple[str, int, str], object]) -> list[object]:
    return [decisions[(f.note_id, f.version, f.name)] for f in FIELDS]


def _engine() -> Callable[[], object]:
    return lambda: decide_fields(ME, EXCHANGE, FIELDS, RELEASES, GRANTS, NOW)


def _engine_first_read() -> Callable[[], object]:
    # A policy that has seen no profile yet: every flow rule is asked once per kind of field.
    return lambda: (
        SharingPolicy(SHARING_RULES).read(ME, EXCHANGE, RELEASES, GRANTS, NOW).decide_all(FIELDS)
    )


def _reference(fn: Callable[..., dict[tuple[str, int, str], Answer]]) -> Callable[[], object]:
    return lambda: fn(ME, EXCHANGE, FIELDS, RELEASES, GRANTS, NOW)


def _check_agreement(casbin: Callable[[], list[bool]]) -> int:
    decisions = decide_fields(ME, EXCHANGE, FIELDS, RELEASES, GRANTS, NOW)
    ours = [(d.allowed, tuple(map(str, d.reasons))) for d in _answers(dict(decisions))]  # type: ignore[attr-defined]
    for reference in (setlookup, setlookup_inline):
        theirs = _answers(dict(reference(ME, EXCHANGE, FIELDS, RELEASES, GRANTS, NOW)))
        if ours != theirs:
            raise SystemExit(f"decide: the engine and {reference.__name__} disagree")
    if [a for a, _ in ours] != casbin():
        raise SystemExit("decide: the engine and casbin disagree on the 20 questions")
    return sum(a for a, _ in ours)


def _per_call_us(fn: Callable[[], object], seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1e6


def main(rounds: int = 5, seconds: float = 1.0) -> None:
    """Interleave the baselines and the engine; report medians and median per-round ratios."""
    contenders = {
        "engine": _engine(),
        "engine_first_read": _engine_first_read(),
        "setlookup": _reference(setlookup),
        "setlookup_inline": _reference(setlookup_inline),
        "casbin": _casbin(),
    }
    visible = _check_agreement(contenders["casbin"])  # type: ignore[arg-type]
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            times[name].append(_per_call_us(fn, seconds))
    med = {name: statistics.median(ts) for name, ts in times.items()}

    def ratio(baseline: str, ours: str = "engine") -> float:
        pairs = zip(times[baseline], times[ours], strict=True)
        return statistics.median(b / o for b, o in pairs)

    unit = "us per 20-field decision; ratio = baseline/ours"
    rows = [
        Row(
            "decide vs setlookup",
            med["engine"],
            med["setlookup"],
            ratio("setlookup"),
            unit,
            "<= 20 us and > 1x",
            med["engine"] <= 20 and ratio("setlookup") > 1,
        ),
        Row(
            "decide vs casbin",
            med["engine"],
            med["casbin"],
            ratio("casbin"),
            unit,
            ">= 80x",
            ratio("casbin") >= 80,
        ),
        Row(
            "decide vs setlookup-inline",
            med["engine"],
            med["setlookup_inline"],
            ratio("setlookup_inline"),
            unit,
            "information",
            None,
        ),
        Row(
            "first read of a profile vs setlookup",
            med["engine_first_read"],
            med["setlookup"],
            ratio("setlookup", "engine_first_read"),
            unit,
            "information",
            None,
        ),
    ]
    emit(
        "decide",
        rows,
        {
            "rounds": rounds,
            "seconds_per_measure": seconds,
            "us": times,
            "visible": visible,
            "fields": len(FIELDS),
        },
    )
