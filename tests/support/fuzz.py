"""The fuzz run of tests/api/test_fuzz.py: a seeded world, callers of every role, and what they found.

Each example is one request that schemathesis generates from openapi.yaml (valid data or data that
breaks the schema), sent by one caller (a token of each role, no token, or the random one
schemathesis makes). In valid requests, path and query ids and ``*_id`` body fields often name real
objects of the seeded world, and some strings carry a NUL or a lone surrogate. Every answer is held
to one property: no 5xx, every error an RFC 9457 problem, and the response as openapi.yaml says
wherever schemathesis can check it. Failures are collected, one per operation and kind, rather than
stopping the run at the first, so one run lists them all.
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.errors import FailureGroup

from tests.support.casework import casework
from tests.support.live import LiveHub
from tests.support.timing import scaled
from tests.support.world import member, ok, team

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_JSON = "application/problem+json"

# The checks of schemathesis that hold a response to openapi.yaml; their failures fail the run.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)

# Callers: a role name, or "anonymous" (no Authorization header), or "forged" (the random
# Authorization header schemathesis generates for the bearer scheme, if any).
ROLES = (
    "hub_admin",
    "agency_admin",
    "case_worker",
    "chair",
    "information_officer",
    "police_reference",
    "auditor",
    "hub_auditor",
    "service_account",
    "anonymous",
    "forged",
)

# Which pool of real ids a path or query parameter, or a body field, names.
POOLS = {
    "agency_id": "agencies",
    "agency": "agencies",
    "member_id": "members",
    "member": "members",
    "cell_id": "cells",
    "template_id": "templates",
    "subject_id": "subjects",
    "subject": "subjects",
    "case_id": "cases",
    "case": "cases",
    "note_id": "notes",
    "exchange_id": "exchanges",
    "exchange": "exchanges",
    "release_id": "releases",
    "grant_id": "grants",
    "version": "versions",
}

# Strings that used to reach the database and fail there (PostgreSQL refuses both in text).
POISONS = ("\x00", "nul\x00inside", "\ud800", "lone \udfff surrogate", "\x00\ud83d")
NUL_POISONS = ("\x00", "nul\x00inside")


@dataclass
class FuzzWorld:
    """A hub with a small world in it: a token per role, the ids of what exists, and which of those
    each role's member can reach (its own agency's notes, the consultation it takes part in)."""

    hub: LiveHub
    tokens: dict[str, str]
    ids: dict[str, list[Any]]
    own: dict[str, dict[str, list[Any]]]
    fields: dict[str, dict[str, Any]]
    note_templates: dict[str, str]


def seed_world(hub: LiveHub) -> FuzzWorld:
    """A case consultation (four agencies, an exchange with a release and a grant) and a second team."""
    w = casework(hub)
    released = [r["id"] for r in w.release("sofie", "ocmw_note", fields=["household"])]
    grant = w.grant(member="pieter", field="household")["id"]
    other = team(hub)
    other_note = ok(other.note(), 201)["id"]
    i = w.ids
    cast = {
        "hub_admin": hub.admin_id,
        "agency_admin": i["ocmw_admin"],
        "case_worker": i["sofie"],
        "chair": i["mayor"],
        "information_officer": i["els"],
        "police_reference": i["pieter"],
        "auditor": member(hub, i["ocmw"], "auditor"),
        "hub_auditor": member(hub, i["stad"], "hub_auditor"),
        "service_account": member(hub, i["ocmw"], "service_account", kind="service"),
    }
    notes = {k: ok(hub.client(i[who]).get(f"/api/v1/notes/{i[k]}")) for k, who in NOTE_OWNERS}
    template = {k: note["template_id"] for k, note in notes.items()}
    subject = ok(hub.client(i["sofie"]).get(f"/api/v1/cases/{i['case']}"))["subject_id"]
    ocmw_members = [i["sofie"], i["colleague"], i["ocmw_admin"], cast["auditor"]]
    ocmw_members.append(cast["service_account"])
    consultation = {
        "cases": [i["case"]],
        "cells": [i["cell"]],
        "exchanges": [i["exchange"]],
        "subjects": [subject],
        "releases": released,
        "grants": [grant],
        "versions": [1],
    }
    social = {**consultation, "agencies": [i["ocmw"]], "members": ocmw_members}
    social |= {"notes": [i["ocmw_note"]], "templates": [template["ocmw_note"]]}
    police = {**consultation, "agencies": [i["politie"]], "members": [i["pieter"], i["els"]]}
    police |= {"notes": [i["police_note"]], "templates": [template["police_note"]]}
    own = {
        "case_worker": social,
        "service_account": social,
        "police_reference": police,
        "information_officer": police,
        "chair": {
            **consultation,
            "agencies": [i["stad"]],
            "members": [i[k] for k in ("sofie", "pieter", "els", "karim", "colleague")],
        },
        "agency_admin": {"agencies": [i["ocmw"]], "members": ocmw_members, "cells": [i["cell"]]},
        "auditor": {**consultation, "agencies": [i["ocmw"]], "members": ocmw_members},
        "hub_auditor": consultation,
    }
    ids: dict[str, list[Any]] = {
        "agencies": [i[k] for k in ("stad", "ocmw", "politie", "vsse")] + [other.agency_id],
        "members": [*cast.values(), i["karim"], i["colleague"], other.worker_id],
        "cells": [i["cell"], other.cell_id],
        "templates": [*template.values(), other.template_id],
        "subjects": [subject, other.subject_id],
        "cases": [i["case"], other.case_id],
        "notes": [i["ocmw_note"], i["police_note"], i["ltf_note"], other_note],
        "exchanges": [i["exchange"]],
        "releases": released,
        "grants": [grant],
        "versions": [1, 2],
    }
    fields = {template[k]: note["fields"] for k, note in notes.items()}
    fields[other.template_id] = {"summary": "Eerste gesprek.", "visits": 2, "level": "low"}
    note_templates = {i[k]: template[k] for k in template} | {other_note: other.template_id}
    tokens = {role: hub.token(member_id) for role, member_id in cast.items()}
    return FuzzWorld(hub, tokens, ids, own, fields, note_templates)


NOTE_OWNERS = (("ocmw_note", "sofie"), ("police_note", "pieter"), ("ltf_note", "karim"))


def load_schema() -> schemathesis.BaseSchema:
    """openapi.yaml (test_contract proves it is what the app serves), with our checks only."""
    checks = {"enabled": False, **{name: {"enabled": True} for name in CHECKS}}
    # Reproductions show every value but the caller's token (the finding names the role).
    hide = {"keys-to-sanitize": ["authorization"], "sensitive-markers": ["authorization"]}
    config = schemathesis.Config.from_dict({"checks": checks, "output": {"sanitization": hide}})
    return schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=config)


@dataclass
class Finding:
    """One distinct failure: an operation, what went wrong, the status; the first example of it."""

    operation: str
    what: str
    status: int | None
    role: str
    data: str
    reproduction: str
    detail: str
    server_log: list[str]
    count: int = 1

    def render(self, raised: dict[str, str]) -> str:
        """A paragraph for the failure message and the report (``raised``: where each exception
        type the server logged was raised)."""
        lines = list(self.server_log)
        for name, where in raised.items():
            if any(f"unhandled {name} " in line for line in self.server_log):
                lines.append(f"  raised: {where}")
        log = "\n".join(f"      {line}" for line in lines) or "      (nothing)"
        return (
            f"- {self.operation}: {self.what} [{self.status}] x{self.count} "
            f"(first as {self.role}, {self.data})\n"
            f"    detail: {self.detail}\n"
            f"    reproduce: {self.reproduction}\n"
            f"    server log:\n{log}"
        )


class ServerLog(logging.Handler):
    """What the hub logged at WARNING or above while one request was served (the server runs in
    this process, one request at a time)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.raised: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the message; for an exception, note its type and where the app raised it.

        uvicorn logs an unhandled exception's traceback after the response went out, so it may
        land in the next request's lines: ``raised`` keeps it by exception type instead.
        """
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            self.raised.setdefault(type(exc).__name__, _where(exc))
        else:
            self.lines.append(line)

    @contextmanager
    def attach(self) -> Iterator[None]:
        """Listen on the root logger and on uvicorn's (which does not propagate)."""
        loggers = [logging.getLogger(), logging.getLogger("uvicorn.error")]
        for logger in loggers:
            logger.addHandler(self)
        try:
            yield
        finally:
            for logger in loggers:
                logger.removeHandler(self)


def _where(exc: BaseException) -> str:
    """The exception's type and the innermost frame in app/ (messages may carry data: cut short)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/app/" in f.filename]
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(exc).__module__}.{type(exc).__qualname__}{place}: {str(exc)[:160]!r}"


@dataclass
class FuzzRun:
    """Sends one generated request per example and keeps the distinct failures."""

    world: FuzzWorld
    schema: schemathesis.BaseSchema
    session: requests.Session = field(default_factory=requests.Session)
    log: ServerLog = field(default_factory=ServerLog)
    findings: dict[tuple[str, str, int | None, str], Finding] = field(default_factory=dict)
    sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    by_operation: dict[str, dict[int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.operations = [result.ok() for result in self.schema.get_all_operations()]
        self.enums = set(_enum_values(self.schema.raw_schema))
        self.limits = _max_lengths(self.schema.raw_schema)

    def example(self, data: st.DataObject) -> None:
        """Draw an operation, data for it and a caller; send it; judge the answer."""
        operation = data.draw(st.sampled_from(self.operations), label="operation")
        mode = data.draw(st.sampled_from(list(GenerationMode)), label="mode")
        case = data.draw(operation.as_strategy(generation_mode=mode), label="case")
        role = data.draw(st.sampled_from(ROLES), label="role")
        mutation = ""
        if mode is GenerationMode.POSITIVE:
            self._aim(case, role, data)
            mutation = self._mutate(case, data)
        self._authorise(case, role)
        self._send(case, role, f"{mode.value} data", mutation)

    def _aim(self, case: Case, role: str, data: st.DataObject) -> None:
        """Point ids at real objects more often than not, mostly at those the caller can reach;
        give a note's fields that fit its template."""
        for container in (case.path_parameters, case.query, case.body):
            if isinstance(container, dict):
                for name in [k for k in container if k in POOLS]:
                    real = self._real(role, POOLS[name], data)
                    if real is not None:
                        container[name] = real
        if isinstance(case.body, dict) and isinstance(case.body.get("fields"), dict):
            note = (case.path_parameters or {}).get("note_id")
            template = case.body.get("template_id") or self.world.note_templates.get(note, "")
            if template in self.world.fields and data.draw(st.booleans(), label="fit fields"):
                case.body["fields"] = dict(self.world.fields[template])
        if case.headers and "if-match" in case.headers and data.draw(st.booleans(), label="etag"):
            case.headers["if-match"] = self._etag(case, role)

    def _etag(self, case: Case, role: str) -> str:
        """The note's current ETag as the caller sees it (an edit that may get through)."""
        token = self.world.tokens.get(role)
        try:
            answer = self.session.get(
                f"{self.world.hub.base_url}{case.formatted_path}",
                headers={"Authorization": f"Bearer {token}"} if token else {},
                timeout=scaled(30),
            )
        except requests.RequestException:
            return "*"  # the request itself will show what is wrong
        return answer.headers.get("etag", "*")

    def _real(self, role: str, pool: str, data: st.DataObject) -> Any:
        """A real id (the caller's own 5 times in 8, any 2 in 8), or None: keep the random one."""
        own = self.world.own.get(role, {}).get(pool) or self.world.ids[pool]
        pick = data.draw(st.integers(0, 7), label=f"aim {pool}")
        if pick == 0:
            return None
        return data.draw(st.sampled_from(own if pick > 2 else self.world.ids[pool]), label=pool)

    def _mutate(self, case: Case, data: st.DataObject) -> str:
        """One time in three, make one string of the body or query what used to break the hub:
        a NUL or a lone surrogate in free text, a date-time without its offset, or a string of
        exactly its schema's maxLength in two-byte characters."""
        if data.draw(st.integers(0, 2), label="mutate?"):
            return ""
        spots = [("body", path, value) for path, value in _strings(case.body, ())]
        spots += [("query", (k,), v) for k, v in (case.query or {}).items() if isinstance(v, str)]
        limits = self.limits.get(case.operation.label, {})
        kinds: list[tuple[str, str, tuple[Any, ...], str]] = []
        for where, path, value in spots:
            if self._free_text(value):
                kinds.append(("poison", where, path, value))
            if _offset_datetime(value):
                kinds.append(("naive", where, path, value))
            if (where, path) in limits:
                kinds.append(("longest", where, path, value))
        if not kinds:
            return ""
        kind, where, path, value = data.draw(st.sampled_from(kinds), label="mutation")
        if kind == "poison":
            # Only JSON escapes a lone surrogate (\ud800); a URL or a form is UTF-8 on the wire.
            json_body = where == "body" and "json" in (case.media_type or "")
            choices = POISONS if json_body else NUL_POISONS
            value += data.draw(st.sampled_from(choices), label="poison")
        elif kind == "naive":
            moment = _offset_datetime(value)
            assert moment is not None
            value = moment.replace(tzinfo=None).isoformat()
        else:
            value = "\u00e9" * limits[(where, path)]
        if where == "query":
            case.query[path[0]] = value
        else:
            _replace(case, path, value)
        return f"{kind} {'.'.join(map(str, path))}"

    def _free_text(self, value: Any) -> bool:
        """Whether a string is free text: not an enum value, an id or a date (a poisoned one of
        those is only a 422 that never reaches the database)."""
        if not isinstance(value, str) or value in self.enums:
            return False
        for parse in (uuid.UUID, datetime.fromisoformat, date.fromisoformat):
            try:
                parse(value)
            except ValueError:
                continue
            return False
        return True

    def _authorise(self, case: Case, role: str) -> None:
        headers = case.headers if case.headers is not None else {}
        for name in [k for k in headers if k.lower() == "authorization"]:
            if role != "forged":
                del headers[name]
        if role in self.world.tokens:
            headers["Authorization"] = f"Bearer {self.world.tokens[role]}"
        case.headers = headers

    def _send(self, case: Case, role: str, data: str, mutation: str) -> None:
        """Send the request, then judge the answer (``data``: positive or negative, ``mutation``:
        what _mutate did, if anything)."""
        judge = partial(self._found, case, role, data, mutation)
        request_id = f"fuzz-{self.sent:05d}"
        self.log.lines.clear()
        self.sent += 1
        try:
            response = case.call(
                base_url=self.world.hub.base_url,
                session=self.session,
                headers={"X-Request-ID": request_id},
                timeout=scaled(30),
            )
        except requests.RequestException as exc:
            judge("no response", None, f"{type(exc).__name__}: {exc}")
            return
        status = response.status_code
        if status >= 500:
            # uvicorn drops the connection after an unhandled exception: start the next afresh.
            self.session.close()
        self.statuses[status] = self.statuses.get(status, 0) + 1
        seen = self.by_operation.setdefault(case.operation.label, {})
        seen[status] = seen.get(status, 0) + 1
        if status >= 400:
            problem = _not_a_problem(response)
            if problem:
                judge("error is not a problem", status, problem)
        try:
            case.validate_response(response)
        except FailureGroup as group:
            for failure in group.exceptions:
                if status >= 500 and failure.title == "Undocumented status code":
                    continue  # the server error is the finding
                detail = " ".join(failure.message.split())[:300]
                judge(failure.title, status, detail)

    def _found(
        self,
        case: Case,
        role: str,
        data: str,
        mutation: str,
        what: str,
        status: int | None,
        detail: str,
    ) -> None:
        # One finding per operation, failure and status; for a server error also per kind of
        # mutation (a NUL and a string too long for its column are two bugs, both a 503).
        crash = status is None or status >= 500
        key = (case.operation.label, what, status, mutation.split(" ")[0] if crash else "")
        if key in self.findings:
            self.findings[key].count += 1
            return
        self.findings[key] = Finding(
            operation=case.operation.label,
            what=what,
            status=status,
            role=role,
            data=f"{data}, {mutation}" if mutation else data,
            reproduction=_reproduction(case, self.world.hub.base_url),
            detail=detail,
            server_log=list(self.log.lines),
        )

    def report(self) -> str:
        """Every distinct failure, most frequent first."""
        found = sorted(self.findings.values(), key=lambda f: (-f.count, f.operation))
        head = f"{len(found)} distinct failures in {self.sent} requests (statuses {self.statuses})"
        return "\n".join([head, *(f.render(self.log.raised) for f in found)])

    def coverage(self) -> str:
        """Statuses per operation: how deep the run reached."""
        return "\n".join(
            f"  {label}: {dict(sorted(codes.items()))}"
            for label, codes in sorted(self.by_operation.items())
        )


def _not_a_problem(response: Any) -> str | None:
    """Why an error response is not an RFC 9457 problem, or None if it is one."""
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if content_type != PROBLEM_JSON:
        return f"content-type {content_type or '(none)'!r}, body {response.text[:120]!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"problem body is not JSON: {response.text[:120]!r}"
    if not isinstance(body, dict):
        return f"problem body is not an object: {response.text[:120]!r}"
    if body.get("status") != response.status_code:
        return f"problem status {body.get('status')!r} differs from {response.status_code}"
    if not (isinstance(body.get("type"), str) and isinstance(body.get("title"), str)):
        return f"problem without a type or title: {response.text[:120]!r}"
    return None


def _enum_values(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, item in node.items():
            if key == "enum" and isinstance(item, list):
                yield from (v for v in item if isinstance(v, str))
            else:
                yield from _enum_values(item)
    elif isinstance(node, list):
        for item in node:
            yield from _enum_values(item)


def _strings(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def _replace(case: Case, path: tuple[Any, ...], value: str) -> None:
    if not path:
        case.body = value
        return
    target = case.body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def _offset_datetime(value: str) -> datetime | None:
    """The date-time a string holds if it has a UTC offset (RFC 3339), else None."""
    if "T" not in value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _max_lengths(raw: dict[str, Any]) -> dict[str, dict[tuple[str, tuple[str]], int]]:
    """Per operation label, the maxLength of each top-level body property and query parameter."""
    schemas = raw.get("components", {}).get("schemas", {})
    found: dict[str, dict[tuple[str, tuple[str]], int]] = {}
    for path, item in raw.get("paths", {}).items():
        for method, operation in item.items():
            limits: dict[tuple[str, tuple[str]], int] = {}
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and _max_length(parameter.get("schema", {})):
                    limits[("query", (parameter["name"],))] = _max_length(parameter["schema"])
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content.get("schema", {})
                body = schemas.get(body.get("$ref", "").rsplit("/", 1)[-1], body)
                for name, prop in body.get("properties", {}).items():
                    if _max_length(prop):
                        limits[("body", (name,))] = _max_length(prop)
            found[f"{method.upper()} {path}"] = limits
    return found


def _max_length(schema: dict[str, Any]) -> int:
    options = [schema, *schema.get("anyOf", [])]
    return max((o.get("maxLength", 0) for o in options if o.get("type") == "string"), default=0)


def _reproduction(case: Case, base_url: str) -> str:
    """A curl command; a body that curl cannot carry (surrogates) is shown as JSON instead."""
    try:
        return case.as_curl_command(base_url=base_url)
    except (UnicodeError, ValueError):
        body = json.dumps(case.body)
        return f"{case.method} {case.formatted_path} query={case.query!r} json={body}"
