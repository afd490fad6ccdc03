"""`decide`: one sharing decision over a 20-field note for one participant (pure function).

Baseline: pycasbin's FastEnforcer (indexed on subject and object) answering the same 20
visibility questions, with releases x grants materialised as policy lines and the secrecy and
clearance rules in its ABAC matcher, as a team would do instead of writing an engine.
Interleaved rounds; the median ratio is reported.
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
    ExchangeFacts,
    FieldFacts,
    GrantFacts,
    ParticipantFacts,
    ReleaseFacts,
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


def _project() -> Callable[[], list[bool]]:
    def run() -> list[bool]:
        out = decide_fields(ME, EXCHANGE, FIELDS, RELEASES, GRANTS, NOW)
        return [d.allowed for d in out.values()]

    return run


def _per_call_us(fn: Callable[[], object], seconds: float) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1e6


def main(rounds: int = 5, seconds: float = 1.0) -> None:
    """Interleave baseline and project; report the median ratio."""
    project, baseline = _project(), _casbin()
    if project() != baseline():
        raise SystemExit("decide: the engine and casbin disagree on the 20 questions")
    ours, theirs = [], []
    for _ in range(rounds):
        theirs.append(_per_call_us(baseline, seconds))
        ours.append(_per_call_us(project, seconds))
    ratio = statistics.median(t / o for t, o in zip(theirs, ours, strict=True))
    p, b = statistics.median(ours), statistics.median(theirs)
    emit(
        "decide",
        [
            Row(
                "decide 20 fields (us)",
                p,
                b,
                ratio,
                "us per decision; ratio = casbin/ours",
                "<= 20 us and >= 80x",
                p <= 20 and ratio >= 80,
            ),
        ],
        {
            "rounds": rounds,
            "project_us": ours,
            "baseline_us": theirs,
            "visible": sum(project()),
            "fields": len(FIELDS),
        },
    )
