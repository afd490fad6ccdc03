"""Names the pages show beside what the API returns: field labels and agency names.

Both come from the API too (templates and agencies are not personal data); a lookup that fails
leaves the technical name, never the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from livc_hub_client import AsyncClient, ProblemError
from livc_hub_client.models import FieldSpec, Language


@dataclass(frozen=True)
class Labels:
    """Field specs by template and agency names by id, for one page."""

    fields: dict[uuid.UUID, dict[str, FieldSpec]]
    agencies: dict[uuid.UUID, str]
    titles: dict[uuid.UUID, str]

    def field(self, template_id: uuid.UUID | None, name: str) -> str:
        """The field's label in the page's language, else its name."""
        spec = self.fields.get(template_id, {}).get(name) if template_id else None
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
    fields: dict[uuid.UUID, dict[str, FieldSpec]] = {}
    titles: dict[uuid.UUID, str] = {}
    for template_id in set(template_ids):
        try:
            template = await api.get_template(template_id, lang=language)
        except ProblemError:
            continue
        fields[template_id] = {spec.name: spec for spec in template.fields}
        titles[template_id] = template.title
    agencies: dict[uuid.UUID, str] = {}
    for agency_id in set(agency_ids):
        try:
            agencies[agency_id] = (await api.get_agency(agency_id)).name
        except ProblemError:
            continue
    return Labels(fields, agencies, titles)
