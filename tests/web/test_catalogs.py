"""Every visible string of the web client is translated into Dutch and French."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "app" / "web"


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        methods, options = parse_mapping_cfg(cfg)
    found = set()
    for _, _, message, _, _ in extract_from_dir(WEB, methods, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(lang: str) -> dict[str, str]:
    """Each msgid (a plural's singular) and its translation; a plural with any form left empty
    counts as untranslated."""
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=lang)
    found = {}
    for m in catalog:
        if not m.id:
            continue
        if isinstance(m.id, str):
            found[m.id] = str(m.string)
        else:
            forms = list(m.string)
            complete = len(forms) == catalog.num_plurals and all(forms)
            found[m.id[0]] = forms[-1] if complete else ""
    return found


def test_the_extraction_finds_the_templates_and_the_code() -> None:
    found = _extracted()
    assert "%(num)s signed checkpoint in all." in found  # a plural (ngettext)
    assert "My consultations" in found  # a template
    assert "No sharing rule allows it." in found  # Python, marked with N_


def test_every_msgid_is_translated_in_both_languages() -> None:
    found = _extracted()
    for lang in ("nl", "fr"):
        catalog = _catalog(lang)
        missing = sorted(found - catalog.keys())
        assert not missing, f"{lang}: not in the catalog: {missing}"
        empty = sorted(m for m in found if not catalog[m])
        assert not empty, f"{lang}: untranslated: {empty}"
        stale = sorted(catalog.keys() - found)
        assert not stale, f"{lang}: no longer used: {stale}"


def test_plurals_follow_the_count_in_both_languages() -> None:
    from app.web.i18n import TRANSLATIONS

    one, many = "%(num)s signed checkpoint in all.", "%(num)s signed checkpoints in all."
    said = {
        ("nl", 1): "1 ondertekend controlepunt in totaal.",
        ("nl", 2): "2 ondertekende controlepunten in totaal.",
        ("fr", 1): "1 point de contrôle signé au total.",
        ("fr", 2): "2 points de contrôle signés au total.",
    }
    for (lang, n), text in said.items():
        assert TRANSLATIONS[lang].ngettext(one, many, n) % {"num": n} == text
