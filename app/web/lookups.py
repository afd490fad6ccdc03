"""Names the pages show beside what the API returns: field labels and agency names.

Both come from the API too (templates and agencies are not personal data); a lookup that fails
leaves the technical name, never the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from livc_hub_client import AsyncClient, ProblemError
from livc_hub_client.models import FieldSpec, Language, Template


@dataclass(frozen=True)
class Labels:
    """Templates (their field specs and titles) and agency names by id, for one page."""

    templates: dict[uuid.UUID, Template]
    agencies: dict[uuid.UUID, str]

    def spec(self, template_id: uuid.UUID | None, name: str) -> FieldSpec | None:
        """The field's spec in its template, if the template is known to the page."""
        template = self.templates.get(template_id) if template_id else None
        return next((f for f in template.fields if f.name == name), None) if template else None

    def title(self, template_id: uuid.UUID) -> str:
        """The template's title in the page's language, else nothing."""
        template = self.templates.get(template_id)
        return template.title if template is not None else ""

    def field(self, template_id: uuid.UUID | None, name: str) -> str:
        """The field's label in the page's language, else its name."""
        spec = self.spec(template_id, name)
        return spec.label if spec is not None and spec.label else name

    def agency(self, agency_id: uuid.UUID) -> str:
        """The agency's name, else a short form of its id."""
        return self.agencies.get(agency_id) or str(agency_id)[:8]


async def labels_for(
    api: AsyncClient,
    lang: str,
    template_ids: Iterable[uuid.UUID],
    agency_ids: Iterable[uuid.UUID],
) -> Labels:
    """Look up each template and agency once."""
    language: Language | None = "fr" if lang == "fr" else "nl"
    templates: dict[uuid.UUID, Template] = {}
    for template_id in set(template_ids):
        try:
            templates[template_id] = await api.get_template(template_id, lang=language)
        except ProblemError:
            continue
    agencies: dict[uuid.UUID, str] = {}
    for agency_id in set(agency_ids):
        try:
            agencies[agency_id] = (await api.get_agency(agency_id)).name
        except ProblemError:
            continue
    return Labels(templates, agencies)


async def all_agencies(api: AsyncClient) -> list[tuple[str, str]]:
    """Every agency (names are not personal data), for fields that name one, by name."""
    found = [(str(a.id), a.name) async for a in api.iter_agencies(limit=200)]
    return sorted(found, key=lambda pair: pair[1].lower())
