"""Templates shipped as versioned YAML files (``app/templates_data``), checked and loaded at start.

Each file holds one version of one template: its key and version, its title and every field's
label in English, Dutch and French, each field's type, sensitivity class and optional
classification, and optionally who may write with it. A file that does not fit the schema stops
the start, naming the file and the place. Loading is idempotent and keyed by (key, version): a
version already in the database must be exactly what its file says, or the start stops too,
because changing a published version would change what the notes written with it mean.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.log import AccessLog, AuditEvent, Outcome
from app.db.queries import notes as queries
from app.db.queries.notes import TemplateRow
from app.errors import ValidationFailed
from app.policies.authorship import Authors
from app.policies.vocabulary import CLEARANCE_NAMES, AgencyKind, FieldType, Role, Sensitivity
from app.services.templates import FieldSpec, PartSpec, check_fields

logger = logging.getLogger(__name__)

SHIPPED = "shipped"
FILE_NAME = re.compile(r"^(?P<key>[a-z][a-z0-9_]{0,79})\.v(?P<version>[1-9][0-9]{0,5})\.yaml$")

Text = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class TemplateFileError(ValueError):
    """A shipped template file is broken, or disagrees with the version already stored."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelsFile(_Strict):
    """A label in English (the default), Dutch and French."""

    en: Text
    nl: Text
    fr: Text

    def by_language(self) -> dict[str, str]:
        """The labels by language (English is also the default label)."""
        return {"en": self.en, "nl": self.nl, "fr": self.fr}


class ChoiceFile(_Strict):
    """One value of a choice, with its labels."""

    value: Name
    label: LabelsFile


class PartFile(_Strict):
    """One part of a record field."""

    name: Name
    label: LabelsFile
    type: Literal["text", "date", "boolean", "integer", "choice", "agency"]
    required: bool = False
    choices: list[ChoiceFile] = Field(default_factory=list, max_length=100)

    def spec(self) -> PartSpec:
        """The part as templates store it."""
        return PartSpec(
            name=self.name,
            label=self.label.en,
            type=FieldType(self.type),
            required=self.required,
            choices=tuple(c.value for c in self.choices),
            labels=self.label.by_language(),
            choice_labels={c.value: c.label.by_language() for c in self.choices},
        )


class FieldFile(_Strict):
    """One field: type, sensitivity class, optional classification, labels."""

    name: Name
    label: LabelsFile
    type: FieldType
    sensitivity: Sensitivity
    classification: Literal["restricted", "confidential", "secret", "top_secret"] | None = None
    required: bool = False
    choices: list[ChoiceFile] = Field(default_factory=list, max_length=100)
    parts: list[PartFile] = Field(default_factory=list, max_length=30)
    max_items: int = Field(default=0, ge=0, le=200)

    def spec(self) -> FieldSpec:
        """The field as templates store it."""
        return FieldSpec(
            name=self.name,
            label=self.label.en,
            type=self.type,
            sensitivity=self.sensitivity,
            classification=None
            if self.classification is None
            else CLEARANCE_NAMES[self.classification],
            required=self.required,
            choices=tuple(c.value for c in self.choices),
            labels=self.label.by_language(),
            choice_labels={c.value: c.label.by_language() for c in self.choices},
            parts=tuple(p.spec() for p in self.parts),
            max_items=self.max_items,
        )


class AuthorsFile(_Strict):
    """Who may write notes with the template (any of the roles; any of the agency kinds)."""

    roles: list[Role] = Field(default_factory=list)
    agency_kinds: list[AgencyKind] = Field(default_factory=list)


class TemplateFile(_Strict):
    """One version of one template."""

    key: Name
    version: int = Field(ge=1, le=999_999)
    title: LabelsFile
    authors: AuthorsFile | None = None
    fields: list[FieldFile] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _well_formed(self) -> TemplateFile:
        try:
            check_fields([f.spec() for f in self.fields])
        except ValidationFailed as exc:
            raise ValueError(exc.detail) from None
        return self


@dataclass(frozen=True)
class Shipped:
    """One shipped template version, in the form the database stores."""

    key: str
    version: int
    title: str
    titles: dict[str, str]
    fields: list[dict[str, Any]]
    authors: dict[str, list[str]] | None
    source: str

    @classmethod
    def of(cls, parsed: TemplateFile, source: str) -> Shipped:
        """From a checked file."""
        authors = None
        if parsed.authors is not None:
            authors = Authors(
                roles=frozenset(parsed.authors.roles),
                agency_kinds=frozenset(parsed.authors.agency_kinds),
            ).to_json()
        return cls(
            key=parsed.key,
            version=parsed.version,
            title=parsed.title.en,
            titles=parsed.title.by_language(),
            fields=[f.spec().to_json() for f in parsed.fields],
            authors=authors,
            source=source,
        )

    def same_as(self, row: TemplateRow) -> bool:
        """Whether a stored version says exactly what this file says (compared in normal form)."""
        stored = [FieldSpec.from_json(f).to_json() for f in row.fields]
        authors = Authors.from_json(row.authors).to_json()
        return (
            row.origin == SHIPPED
            and row.title == self.title
            and (row.titles or {}) == self.titles
            and stored == self.fields
            and authors == self.authors
        )

    def row(self, now: datetime) -> TemplateRow:
        """A new stored version."""
        return TemplateRow(
            id=uuid.uuid4(),
            key=self.key,
            version=self.version,
            title=self.title,
            fields=self.fields,
            created_at=now,
            titles=self.titles,
            origin=SHIPPED,
            authors=self.authors,
        )


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error["loc"]) or "template"


def parse_file(name: str, text: str) -> Shipped:
    """One file, checked against the schema; its name must be ``<key>.v<version>.yaml``."""
    named = FILE_NAME.match(name)
    if named is None:
        raise TemplateFileError(f"template file {name}: the name must be <key>.v<version>.yaml")
    try:
        data = yaml.safe_load(text)
        parsed = TemplateFile.model_validate(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise TemplateFileError(f"template file {name}: not valid YAML{at}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise TemplateFileError(
            f"template file {name}: {_where(first)}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
        ) from None
    if (parsed.key, parsed.version) != (named["key"], int(named["version"])):
        raise TemplateFileError(f"template file {name}: key and version differ from the name")
    return Shipped.of(parsed, name)


def _files(directory: Path | None) -> list[tuple[str, str]]:
    if directory is not None:
        return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.yaml"))]
    root = resources.files("app") / "templates_data"
    found = [p for p in root.iterdir() if p.name.endswith(".yaml")]
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(found, key=lambda p: p.name)]


def load_catalogue(directory: Path | None = None) -> tuple[Shipped, ...]:
    """Every template file (the package's, or those of ``directory``), checked; any error stops."""
    try:
        files = _files(directory)
    except OSError as exc:
        raise TemplateFileError(f"cannot read the template files: {type(exc).__name__}") from None
    if not files:
        raise TemplateFileError("no template files found")
    catalogue = tuple(parse_file(name, text) for name, text in files)
    return catalogue


@cache
def shipped_catalogue() -> tuple[Shipped, ...]:
    """The package's own template files (read once per process)."""
    return load_catalogue()


def _event(row: TemplateRow) -> AuditEvent:
    return AuditEvent(
        action="template:load",
        outcome=Outcome.ALLOW,
        reason=SHIPPED,
        actor_member_id=None,
        actor_agency_id=None,
        object_id=str(row.id),
    )


async def _missing(session: AsyncSession, catalogue: Sequence[Shipped]) -> list[Shipped]:
    stored = await queries.templates_of_keys(session, {s.key for s in catalogue})
    by_version = {(t.key, t.version): t for t in stored}
    missing = []
    for shipped in catalogue:
        row = by_version.get((shipped.key, shipped.version))
        if row is None:
            missing.append(shipped)
        elif row.origin != SHIPPED:
            raise TemplateFileError(
                f"template {shipped.key} version {shipped.version} was made through the API, and "
                f"the hub now ships {shipped.source}: give the API-made versions another key "
                f"(notes name templates by id, so their meaning does not change)"
            )
        elif not shipped.same_as(row):
            raise TemplateFileError(
                f"template {shipped.key} version {shipped.version} in the database differs from "
                f"{shipped.source}: a published version never changes; ship the change as "
                f"version {max(v for k, v in by_version if k == shipped.key) + 1}"
            )
    return missing


async def store_catalogue(
    sessions: async_sessionmaker[AsyncSession], log: AccessLog, catalogue: Sequence[Shipped]
) -> list[TemplateRow]:
    """Store the versions the database lacks (one access-log entry each); idempotent.

    Two processes starting together may race: the loser's insert fails on (key, version), and
    it checks again what the winner stored.
    """
    for attempt in (1, 2):
        try:
            async with sessions() as session, session.begin():
                now = datetime.now(UTC)
                rows = [s.row(now) for s in await _missing(session, catalogue)]
                for row in rows:
                    await queries.add_template(session, row)
                if rows:
                    await log.append(
                        session, [_event(r) for r in rows], request_id="start-" + uuid.uuid4().hex
                    )
                return rows
        except IntegrityError:
            if attempt == 2:
                raise
    return []  # pragma: no cover - the loop returns or raises


def catalogue_for(directory: Path | None) -> tuple[Shipped, ...]:
    """The files the settings name (a broken one stops the start)."""
    return load_catalogue(directory) if directory is not None else shipped_catalogue()


async def load_at_start(
    sessions: async_sessionmaker[AsyncSession], log: AccessLog, catalogue: Sequence[Shipped]
) -> None:
    """Store the checked files' versions that the database lacks; a changed version stops."""
    try:
        stored = await store_catalogue(sessions, log, catalogue)
    except SQLAlchemyError as exc:  # an unreachable database is refused elsewhere in production
        logger.warning("shipped templates not loaded (%s)", type(exc).__name__)
        return
    if stored:
        logger.info("loaded %d shipped template versions", len(stored))
