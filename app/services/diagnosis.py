"""The municipal diagnosis as CSV and as a printable HTML page, in Dutch or French.

Everything shown comes from ``strategy.diagnosis``: the counts as the one publication shows them
(a count of 5 or more, "<5", "suppressed" or "withheld"; the hidden numbers are never passed
here) and the year's priorities. The CSV guards against formula injection; the HTML page is
rendered by Jinja2 with autoescape, has no script and loads nothing from elsewhere (its style is
in the page, allowed by the Content-Security-Policy the router sends).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from enum import StrEnum

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from app.policies.casework import AxisOutcome, InterventionAxis
from app.policies.disclosure import Label
from app.policies.priorities import Theme
from app.policies.strategy import Answer, Dimension
from app.policies.vocabulary import AgencyKind, CaseStatus
from app.services.strategy import Diagnosis


class Language(StrEnum):
    """The languages of the diagnosis."""

    NL = "nl"
    FR = "fr"


# The page's one style sheet, in the page (nothing is loaded from elsewhere).
STYLE = """
body { font-family: sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th, td { border: 1px solid #999; padding: 0.2em 0.6em; text-align: left; }
td.count { text-align: right; }
p.note { font-size: 0.9em; }
@media print { body { margin: 0; } section { page-break-inside: avoid; } }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# The page's Content-Security-Policy: no script (default 'none'), nothing from elsewhere, and
# only this exact style sheet (by its hash: an injected <style> would not apply either).
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)

_T: dict[str, tuple[str, str]] = {
    "title": ("Gemeentelijke diagnose", "Diagnostic communal"),
    "municipality": ("Gemeente", "Commune"),
    "year": ("Jaar", "Année"),
    "made": ("Opgemaakt op", "Établi le"),
    "period": ("Periode", "Période"),
    "dimension": ("Indeling", "Ventilation"),
    "value": ("Waarde", "Valeur"),
    "count": ("Aantal", "Nombre"),
    "priorities": ("Prioriteiten", "Priorités"),
    "no_priorities": (
        "Voor dit jaar zijn nog geen prioriteiten vastgelegd.",
        "Aucune priorité n'a encore été fixée pour cette année.",
    ),
    "theme": ("Thema", "Thème"),
    "version": ("versie", "version"),
    "note": (
        "Aantallen onder 5 staan als \u201c<5\u201d; aantallen die verborgen zijn om die te"
        " beschermen staan als \u201cverborgen\u201d. Geen enkele persoon wordt vermeld.",
        "Les nombres inférieurs à 5 sont indiqués \u00ab <5 \u00bb ; ceux masqués pour les"
        " protéger sont indiqués \u00ab masqué \u00bb. Aucune personne n'est mentionnée.",
    ),
}

_SHOWN: dict[Label, tuple[str, str]] = {
    Label.SMALL: ("<5", "<5"),
    Label.COMPLEMENTARY: ("verborgen", "masqué"),
    Label.WITHHELD: ("niet gepubliceerd", "non publié"),
}

_DIMENSIONS: dict[Dimension, tuple[str, str]] = {
    Dimension.TOTAL: ("Totaal", "Total"),
    Dimension.OCAD_CATEGORY: ("OCAD-categorie", "Catégorie OCAM"),
    Dimension.CASE_STATUS: ("Stand van het dossier", "État du dossier"),
    Dimension.AGENCY_KIND: ("Soort signalerende dienst", "Type de service signalant"),
    Dimension.OUTCOME: ("Resultaat per interventie-as", "Résultat par axe d'intervention"),
}

_VALUES: dict[str, tuple[str, str]] = {
    "all": ("Alle dossiers", "Tous les dossiers"),
    "none": ("Geen categorie", "Aucune catégorie"),
    CaseStatus.SIGNALLED.value: ("Gesignaleerd", "Signalé"),
    CaseStatus.UNDER_DISCUSSION.value: ("In bespreking", "En discussion"),
    CaseStatus.FOLLOW_UP.value: ("Opvolging", "Suivi"),
    CaseStatus.CLOSED.value: ("Afgesloten", "Clôturé"),
    AgencyKind.MUNICIPALITY.value: ("Gemeente", "Commune"),
    AgencyKind.LOCAL_POLICE.value: ("Lokale politie", "Police locale"),
    AgencyKind.FEDERAL_POLICE.value: ("Federale politie", "Police fédérale"),
    AgencyKind.SOCIAL_SERVICE.value: ("Sociale dienst", "Service social"),
    AgencyKind.PREVENTION.value: ("Preventiedienst", "Service de prévention"),
    AgencyKind.YOUTH.value: ("Jeugdhulp", "Aide à la jeunesse"),
    AgencyKind.EDUCATION.value: ("Onderwijs", "Enseignement"),
    AgencyKind.JUSTICE_HOUSE.value: ("Justitiehuis", "Maison de justice"),
    AgencyKind.STATE_SECURITY.value: ("Staatsveiligheid", "Sûreté de l'État"),
    AgencyKind.OCAD.value: ("OCAD", "OCAM"),
    AgencyKind.HEALTH.value: ("Gezondheidszorg", "Soins de santé"),
    AgencyKind.OTHER.value: ("Andere", "Autre"),
}

_AXES: dict[str, tuple[str, str]] = {
    InterventionAxis.PRIMARY_PREVENTION.value: ("Primaire preventie", "Prévention primaire"),
    InterventionAxis.SECONDARY_PREVENTION.value: ("Secundaire preventie", "Prévention secondaire"),
    InterventionAxis.PSYCHOSOCIAL_GUIDANCE.value: (
        "Psychosociale begeleiding",
        "Accompagnement psychosocial",
    ),
}

_OUTCOMES: dict[str, tuple[str, str]] = {
    AxisOutcome.NOT_APPLICABLE.value: ("niet van toepassing", "sans objet"),
    AxisOutcome.ACHIEVED.value: ("bereikt", "atteint"),
    AxisOutcome.PARTLY_ACHIEVED.value: ("deels bereikt", "partiellement atteint"),
    AxisOutcome.NOT_ACHIEVED.value: ("niet bereikt", "non atteint"),
    AxisOutcome.REFERRED.value: ("doorverwezen", "réorienté"),
}

THEMES: dict[Theme, tuple[str, str]] = {
    Theme.PRIMARY_PREVENTION: ("Primaire preventie", "Prévention primaire"),
    Theme.YOUTH_AND_FAMILIES: ("Jongeren en gezinnen", "Jeunes et familles"),
    Theme.SCHOOLS_AND_EDUCATION: ("Scholen en onderwijs", "Écoles et enseignement"),
    Theme.ONLINE_POLARISATION: ("Online polarisering", "Polarisation en ligne"),
    Theme.COMMUNITY_RESILIENCE: ("Veerkracht van de gemeenschap", "Résilience de la communauté"),
    Theme.PSYCHOSOCIAL_CARE: ("Psychosociale zorg", "Soins psychosociaux"),
    Theme.RETURNEES_AND_RELEASE: (
        "Terugkeerders en vrijlating",
        "Personnes de retour et libérations",
    ),
    Theme.INFORMATION_SHARING: ("Informatiedeling", "Partage d'informations"),
    Theme.TRAINING_OF_PROFESSIONALS: ("Vorming van professionals", "Formation des professionnels"),
}


def _pick(pair: tuple[str, str], lang: Language) -> str:
    return pair[0] if lang is Language.NL else pair[1]


def label(key: str, lang: Language) -> str:
    """A fixed text of the page in ``lang``."""
    return _pick(_T[key], lang)


def value_label(dimension: Dimension, value: str, lang: Language) -> str:
    """A dimension value's label in ``lang`` (OCAD categories are their own names)."""
    if dimension is Dimension.OUTCOME:
        axis, _, outcome = value.partition(":")
        return f"{_pick(_AXES[axis], lang)}: {_pick(_OUTCOMES[outcome], lang)}"
    pair = _VALUES.get(value)
    return value if pair is None else _pick(pair, lang)


def shown(row: Answer, lang: Language) -> str:
    """The count as the publication shows it: the number, "<5", "suppressed" or "withheld"."""
    if row.label is Label.SHOWN:
        return str(row.count)
    return _pick(_SHOWN[row.label], lang)


def _lines(found: Diagnosis, lang: Language) -> list[tuple[str, str, str, str]]:
    return [
        (str(r.period), _pick(_DIMENSIONS[d], lang), value_label(d, r.value, lang), shown(r, lang))
        for d, rows in found.rows.items()
        for r in rows
    ]


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a formula.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def to_csv(found: Diagnosis, lang: Language) -> str:
    """The diagnosis as CSV: the counts, then the year's priorities."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows: list[list[str]] = [
        [
            label("period", lang),
            label("dimension", lang),
            label("value", lang),
            label("count", lang),
        ]
    ]
    rows.extend(list(line) for line in _lines(found, lang))
    document = found.priorities
    if document is not None:
        rows.append([])
        rows.append([label("priorities", lang), label("theme", lang), "", ""])
        if document.introduction.get(lang.value):
            rows.append([str(found.year), "", "", document.introduction[lang.value]])
        for p in document.priorities:
            rows.append([str(found.year), _pick(THEMES[p.theme], lang), "", p.text[lang.value]])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


_ENV = Environment(
    loader=PackageLoader("app", "web/templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def to_html(found: Diagnosis, lang: Language) -> str:
    """The diagnosis as a printable page (autoescaped; no script, nothing from elsewhere)."""
    sections = [
        (
            _pick(_DIMENSIONS[d], lang),
            [(str(r.period), value_label(d, r.value, lang), shown(r, lang)) for r in rows],
        )
        for d, rows in found.rows.items()
    ]
    document = found.priorities
    priorities = (
        []
        if document is None
        else [(_pick(THEMES[p.theme], lang), p.text[lang.value]) for p in document.priorities]
    )
    return _ENV.get_template("diagnosis.html").render(
        lang=lang.value,
        style=Markup(STYLE),  # noqa: S704 - a constant of this module, hashed in the CSP
        t={key: label(key, lang) for key in _T},
        municipality=found.municipality,
        year=found.year,
        made_at=found.made_at.strftime("%Y-%m-%d %H:%M UTC"),
        sections=sections,
        introduction=None if document is None else document.introduction.get(lang.value),
        version=None if document is None else document.version,
        priorities=priorities,
    )
