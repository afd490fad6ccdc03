"""A template's fields as an HTML form, and the submitted form back as the API's field values.

Input names: ``f.FIELD`` for a plain field (several values for a checklist), ``f.FIELD.PART``
for a part of a record, ``f.FIELD.ROW.PART`` for a part of one row of a list of records, and
``n.FIELD`` for the number of rows the form showed. Nothing here judges a value: what the form
holds goes to the API as it is (an integer that is not one goes as text), and the API's answer
says what is wrong with it (``note_problems``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

from livc_hub_client import models as m
from starlette.datastructures import FormData

from app.web.i18n import local_date
from app.web.messages import N_, sensitivity_text

MAX_ROWS: Final = 200  # the API's own ceiling for a list of records
BLANK_ROWS: Final = 1  # empty rows offered after the filled ones; "add a row" offers one more


@dataclass
class Entered:
    """What the form holds, as text: plain fields (a list for a checklist) and rows of parts."""

    plain: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def _text(raw: str) -> str | None:
    text = raw.replace("\r\n", "\n")
    return text if text.strip() else None


def _scalar(kind: str, raw: str) -> Any:
    """The API's value for one input's text; None when empty."""
    text = _text(raw)
    if text is None:
        return None
    if kind == "integer":
        try:
            return int(text.strip())
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text if kind == "text" else text.strip()


def _row_count(form: FormData, name: str) -> int:
    try:
        return max(0, min(int(str(form.get(f"n.{name}", "0"))), MAX_ROWS))
    except ValueError:
        return 0


def _row(form: FormData, prefix: str, parts: Sequence[m.PartSpec]) -> dict[str, str]:
    return {p.name: str(form.get(f"{prefix}.{p.name}", "")) for p in parts}


def entered(template: m.Template, form: FormData) -> Entered:
    """The form's text, field by field, as the member typed it (to show it again)."""
    out = Entered()
    for spec in template.fields:
        name = spec.name
        if spec.type == "checklist":
            out.plain[name] = [str(v) for v in form.getlist(f"f.{name}")]
        elif spec.type == "record":
            out.rows[name] = [_row(form, f"f.{name}", spec.parts)]
        elif spec.type == "records":
            count = _row_count(form, name)
            out.rows[name] = [_row(form, f"f.{name}.{i}", spec.parts) for i in range(count)]
        else:
            out.plain[name] = str(form.get(f"f.{name}", ""))
    return out


def _record(parts: Sequence[m.PartSpec], row: Mapping[str, str]) -> dict[str, Any] | None:
    values = {p.name: _scalar(p.type, row.get(p.name, "")) for p in parts}
    return {k: v for k, v in values.items() if v is not None} or None


def values(template: m.Template, form: Entered) -> dict[str, Any]:
    """The API's ``fields`` for what the form holds; what is left empty is left out."""
    out: dict[str, Any] = {}
    for spec in template.fields:
        value: Any
        if spec.type == "checklist":
            value = list(form.plain.get(spec.name) or []) or None
        elif spec.type == "record":
            value = _record(spec.parts, (form.rows.get(spec.name) or [{}])[0])
        elif spec.type == "records":
            records = (_record(spec.parts, row) for row in form.rows.get(spec.name, []))
            value = [r for r in records if r is not None] or None
        else:
            value = _scalar(spec.type, str(form.plain.get(spec.name, "")))
        if value is not None:
            out[spec.name] = value
    return out


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _text_row(value: Any) -> dict[str, str]:
    return {str(k): as_text(v) for k, v in value.items()} if isinstance(value, dict) else {}


def from_note(template: m.Template, fields: Mapping[str, Any]) -> Entered:
    """A saved note's values as the form shows them."""
    out = Entered()
    for spec in template.fields:
        value = fields.get(spec.name)
        if spec.type == "checklist":
            out.plain[spec.name] = [str(v) for v in value or []]
        elif spec.type == "record":
            out.rows[spec.name] = [_text_row(value)]
        elif spec.type == "records":
            out.rows[spec.name] = [_text_row(v) for v in value or [] if isinstance(v, dict)]
        else:
            out.plain[spec.name] = as_text(value)
    return out


def with_blank_rows(template: m.Template, form: Entered, more: str | None = None) -> Entered:
    """Drop empty rows of each list, then offer blank ones (one more for the list ``more``)."""
    for spec in template.fields:
        if spec.type != "records":
            continue
        rows = [r for r in form.rows.get(spec.name, []) if any(v.strip() for v in r.values())]
        limit = min(spec.max_items or MAX_ROWS, MAX_ROWS)
        blank = BLANK_ROWS + (1 if more == spec.name else 0)
        rows.extend({} for _ in range(max(0, min(blank, limit - len(rows)))))
        form.rows[spec.name] = rows
    return form


# The form as the template draws it.


@dataclass(frozen=True)
class Input:
    """One input: a plain field or a part of a record."""

    name: str  # the form name
    key: str  # the field's (or part's) name in the template
    label: str
    type: str
    required: bool
    choices: list[tuple[str, str]]  # value, label in the page's language
    enforce: bool = False  # the browser may insist (a part is required only in a filled record)

    @property
    def radios(self) -> bool:
        """A short choice reads best as radio buttons (observed / not observed / unknown)."""
        return self.type == "choice" and 0 < len(self.choices) <= 4


@dataclass(frozen=True)
class Widget:
    """One field of the template: its inputs, its help and, after a refusal, its problem."""

    name: str
    label: str
    type: str
    required: bool
    sensitivity: str  # a msgid
    classification: str | None
    input: Input | None  # a plain field
    rows: list[list[Input]]  # a record (one row) or a list of records
    max_items: int


def _choices(
    choices: Sequence[str], labels: Mapping[str, Mapping[str, str]], lang: str
) -> list[tuple[str, str]]:
    return [(c, labels.get(c, {}).get(lang) or c) for c in choices]


def _part_inputs(spec: m.FieldSpec, prefix: str, lang: str) -> list[Input]:
    return [
        Input(
            name=f"{prefix}.{p.name}",
            key=p.name,
            label=p.label or p.name,
            type=p.type,
            required=p.required,
            choices=_choices(p.choices, p.choice_labels, lang),
        )
        for p in spec.parts
    ]


def widgets(template: m.Template, form: Entered, lang: str) -> list[Widget]:
    """Every field of the template, drawn for the rows the form holds."""
    out = []
    for spec in template.fields:
        plain: Input | None = None
        rows: list[list[Input]] = []
        if spec.type == "record":
            rows = [_part_inputs(spec, f"f.{spec.name}", lang)]
        elif spec.type == "records":
            count = len(form.rows.get(spec.name, []))
            rows = [_part_inputs(spec, f"f.{spec.name}.{i}", lang) for i in range(count)]
        else:
            choices = _choices(spec.choices, spec.choice_labels, lang)
            plain = Input(
                f"f.{spec.name}", spec.name, spec.label, spec.type, spec.required, choices, True
            )
        out.append(
            Widget(
                name=spec.name,
                label=spec.label or spec.name,
                type=spec.type,
                required=spec.required,
                sensitivity=sensitivity_text(spec.sensitivity),
                classification=CLASSIFICATIONS.get(spec.classification or ""),
                input=plain,
                rows=rows,
                max_items=min(spec.max_items or MAX_ROWS, MAX_ROWS),
            )
        )
    return out


CLASSIFICATIONS: Final[dict[str, str]] = {
    "restricted": N_("classified: restricted"),
    "confidential": N_("classified: confidential"),
    "secret": N_("classified: secret"),
    "top_secret": N_("classified: top secret"),
}


# A saved note as a person reads it: labels for parts, choices and agencies.


@dataclass(frozen=True)
class Shown:
    """One field of a note: its label and its value as text, a list, or rows of labelled parts."""

    name: str
    label: str
    text: str | None = None
    items: list[str] = field(default_factory=list)
    rows: list[list[tuple[str, str]]] = field(default_factory=list)


def _said(
    value: Any, kind: str, choices: Mapping[str, str], agencies: Mapping[str, str], lang: str
) -> str:
    if kind == "date":
        try:
            return local_date(date.fromisoformat(str(value)), language=lang)
        except ValueError:
            return str(value)
    if kind in ("choice", "checklist"):
        return choices.get(str(value), str(value))
    if kind == "agency":
        return agencies.get(str(value), str(value))
    return as_text(value)


def _choice_map(part: m.PartSpec, lang: str) -> dict[str, str]:
    return dict(_choices(part.choices, part.choice_labels, lang))


def _labelled(
    parts: Sequence[m.PartSpec], value: Any, lang: str, agencies: Mapping[str, str]
) -> list[tuple[str, str]]:
    record = value if isinstance(value, dict) else {}
    return [
        (
            p.label or p.name,
            _said(record[p.name], p.type, _choice_map(p, lang), agencies, lang),
        )
        for p in parts
        if record.get(p.name) is not None
    ]


def shown(
    template: m.Template, fields: Mapping[str, Any], lang: str, agencies: Mapping[str, str]
) -> list[Shown]:
    """The note's filled-in fields in the template's order, with the page's labels."""
    out = []
    for spec in template.fields:
        if spec.name not in fields:
            continue
        value = fields[spec.name]
        choices = dict(_choices(spec.choices, spec.choice_labels, lang))
        label = spec.label or spec.name
        if spec.type == "record":
            out.append(Shown(spec.name, label, rows=[_labelled(spec.parts, value, lang, agencies)]))
        elif spec.type == "records":
            rows = [_labelled(spec.parts, v, lang, agencies) for v in value or []]
            out.append(Shown(spec.name, label, rows=rows))
        elif spec.type == "checklist":
            items = [_said(v, "choice", choices, agencies, lang) for v in value or []]
            out.append(Shown(spec.name, label, items=items))
        else:
            text = _said(value, spec.type, choices, agencies, lang)
            out.append(Shown(spec.name, label, text=text))
    return out
