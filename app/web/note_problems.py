"""The API's refusal of a note's values, placed beside the fields it names, in plain words.

The API names the field (and part) and the rule it broke, never the value
(app/services/fields.py). Each rule it can name has a msgid here; a rule this page does not know
is still shown beside its field, as "not valid".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from livc_hub_client import ValidationProblem
from livc_hub_client import models as m

from app.web.messages import N_

# The rule of a `field 'NAME': RULE` problem, by how the API's text begins.
RULES: Final[tuple[tuple[str, str], ...]] = (
    ("expected text of at most", N_("The text is too long.")),
    ("expected true or false", N_("Choose yes or no.")),
    ("expected an integer", N_("Enter a whole number.")),
    ("expected a date", N_("Enter a date.")),
    ("expected an agency id", N_("Choose a service from the list.")),
    ("no such agency", N_("Choose a service from the list.")),
    ("expected one of the template's choices", N_("Choose one of the options.")),
    ("expected a list of the template's choices", N_("Choose among the options.")),
    ("expected a list of at most", N_("There are too many rows.")),
    ("required parts are missing", N_("Fill in the required parts.")),
    ("expected an object", N_("This part of the form does not match the template.")),
    ("parts not in the template", N_("This part of the form does not match the template.")),
)
REQUIRED: Final = N_("This field is required.")
NOT_VALID: Final = N_("This value is not valid.")
FORM_OUTDATED: Final = N_("The form does not match the template any more; open it again.")
_NAMED: Final = re.compile(r"^field '([a-z0-9_]+)(?:\.([a-z0-9_]+))?': (.*)$", re.DOTALL)
_MISSING_PARTS: Final = re.compile(r"'([a-z0-9_]+)'")


@dataclass(frozen=True)
class FieldProblem:
    """A problem with one field: the part it concerns (its label), and the msgid saying what."""

    part: str | None
    message: str


def _rule(text: str) -> str:
    return next((msgid for start, msgid in RULES if text.startswith(start)), NOT_VALID)


def _part_label(spec: m.FieldSpec | None, part: str | None) -> str | None:
    if spec is None or part is None:
        return None
    return next((p.label or p.name for p in spec.parts if p.name == part), part)


def _named(
    specs: dict[str, m.FieldSpec], name: str, part: str | None, rule: str
) -> list[tuple[str, FieldProblem]]:
    spec = specs.get(name)
    if rule.startswith("required parts are missing"):
        return [
            (name, FieldProblem(_part_label(spec, p), REQUIRED))
            for p in _MISSING_PARTS.findall(rule)
        ]
    return [(name, FieldProblem(_part_label(spec, part), _rule(rule)))]


def note_problems(
    template: m.Template, problem: ValidationProblem
) -> tuple[dict[str, list[FieldProblem]], list[str]]:
    """Problems by field name, and those of the whole form (msgids)."""
    specs = {s.name: s for s in template.fields}
    found: list[tuple[str, FieldProblem]] = []
    general: list[str] = []
    named = _NAMED.match(problem.detail or "")
    listed: Any = problem.extra.get("fields")
    if named:
        found = _named(specs, named.group(1), named.group(2), named.group(3))
    elif isinstance(listed, list) and (problem.detail or "").startswith("required fields"):
        found = [(str(n), FieldProblem(None, REQUIRED)) for n in listed]
    elif isinstance(problem.extra.get("field"), str) and problem.extra["field"] in specs:
        found = [(problem.extra["field"], FieldProblem(None, NOT_VALID))]
    else:
        general.append(FORM_OUTDATED if listed else NOT_VALID)
    by_field: dict[str, list[FieldProblem]] = {}
    for name, item in found:
        if name in specs:
            by_field.setdefault(name, []).append(item)
        else:
            general.append(FORM_OUTDATED)
    return by_field, general
