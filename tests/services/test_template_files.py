"""The shipped template files: every one loads, speaks Dutch and French, and says what the cell's
practice asks; a broken file is refused with a message that names it and the place."""

from __future__ import annotations

import hashlib
import json
import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from app.policies.sharing.facts import SECRECY_BOUND_CLASSES
from app.policies.vocabulary import FieldType
from app.services.template_files import (
    Shipped,
    TemplateFileError,
    load_catalogue,
    parse_file,
    shipped_catalogue,
)

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "app" / "templates_data"
PUBLISHED = Path(__file__).with_name("published_templates.json")

INDICATORS = {
    "ideology_discourse",
    "social_isolation",
    "break_with_family",
    "extremist_contacts",
    "online_propaganda",
    "interest_in_violence",
    "travel_plans",
}
PROTECTIVE = {"family_bonds", "school_or_work", "trusted_adult", "leisure"}
EXPECTED = {
    "signals",
    "family_guidance_plan",
    "police_information",
    "ltf_information",
    "social_assessment",
    "meeting_minutes",
    "feedback_sheet",
    "intake",
}
# Words that would turn the people discussed into suspects, or the hub into a judge.
STIGMA = ("suspect", "verdacht", "dader", "auteur", "terroris", "fanati", "dangerous", "gevaarl")
VERDICT = ("score", "risk", "risico", "risque", "rank", "verdict", "conclusion", "level")


def _by_key() -> dict[str, Shipped]:
    return {s.key: s for s in shipped_catalogue()}


def _fields(key: str) -> dict[str, dict[str, object]]:
    return {str(f["name"]): f for f in _by_key()[key].fields}


def test_every_shipped_template_loads() -> None:
    catalogue = load_catalogue()
    files = sorted(p.name for p in DATA.glob("*.yaml"))
    assert [s.source for s in catalogue] == files
    assert {s.key for s in catalogue} == EXPECTED
    assert len({(s.key, s.version) for s in catalogue}) == len(catalogue)
    # What the package reads is what the source tree holds.
    assert catalogue == shipped_catalogue()


@pytest.mark.parametrize("shipped", shipped_catalogue(), ids=lambda s: s.source)
def test_every_title_field_part_and_choice_speaks_dutch_and_french(shipped: Shipped) -> None:
    assert set(shipped.titles) == {"en", "nl", "fr"}
    for field in shipped.fields:
        labelled = [field, *field["parts"]]
        for item in labelled:
            assert set(item["labels"]) == {"en", "nl", "fr"}, (shipped.key, item["name"])
            assert set(item["choice_labels"]) == set(item["choices"]), (shipped.key, item["name"])
            for labels in item["choice_labels"].values():
                assert set(labels) == {"en", "nl", "fr"}


@pytest.mark.parametrize("shipped", shipped_catalogue(), ids=lambda s: s.source)
def test_the_vocabulary_does_not_stigmatise_nor_judge(shipped: Shipped) -> None:
    text = (DATA / shipped.source).read_text(encoding="utf-8").lower()
    words = [line.split("#")[0] for line in text.splitlines()]  # comments may explain the rule
    body = "\n".join(words)
    for word in STIGMA:
        assert word not in body, (shipped.source, word)
    names = [f["name"] for f in shipped.fields] + [
        p["name"] for f in shipped.fields for p in f["parts"]
    ]
    for name in names:
        assert not any(word in name for word in VERDICT), (shipped.source, name)


def test_signals_instrument_records_observations_and_nothing_computed() -> None:
    fields = _fields("signals")
    assert INDICATORS | PROTECTIVE <= set(fields)
    assert set(fields) - INDICATORS - PROTECTIVE == {"context"}
    for name in INDICATORS | PROTECTIVE:
        field = fields[name]
        assert field["type"] == FieldType.RECORD.value
        parts = {p["name"]: p for p in field["parts"]}  # type: ignore[union-attr]
        assert set(parts) == {"status", "date", "source", "comment"}
        assert parts["status"]["choices"] == ["observed", "not_observed", "unknown"]
        assert parts["status"]["required"] is True
        assert parts["date"]["type"] == "date"
        assert parts["comment"]["type"] == "text"
    for name in INDICATORS:
        assert fields[name]["sensitivity"] == "radicalisation_signals"
    title = _by_key()["signals"].titles
    assert "idealen op drift" in title["nl"]
    assert "idéaux à la dérive" in title["fr"]
    assert "ideals adrift" in title["en"]


def test_family_guidance_plan_has_actions_on_the_three_axes() -> None:
    fields = _fields("family_guidance_plan")
    for name in ("needs", "life_story", "expectations", "means", "willingness_to_invest"):
        assert fields[name]["type"] == "text"
    actions = fields["actions"]
    assert actions["type"] == FieldType.RECORDS.value
    parts = {p["name"]: p for p in actions["parts"]}  # type: ignore[union-attr]
    assert parts["axis"]["choices"] == [
        "primary_prevention",
        "secondary_prevention",
        "psychosocial_guidance",
    ]
    assert parts["owner_agency"]["type"] == "agency"
    assert parts["owner_agency"]["required"] is True
    assert {"start_date", "end_date", "status"} <= set(parts)


def test_ltf_fiche_is_classified_and_written_by_the_information_officer() -> None:
    ltf = _by_key()["ltf_information"]
    assert ltf.authors == {"roles": ["information_officer"], "agency_kinds": []}
    classified = {f["name"]: f["classification"] for f in ltf.fields}
    assert all(level is not None for level in classified.values())
    assert classified["summary"] == "secret"
    assert _by_key()["police_information"].authors == {
        "roles": [],
        "agency_kinds": ["federal_police", "local_police"],
    }
    assert _by_key()["meeting_minutes"].authors == {"roles": [], "agency_kinds": ["municipality"]}


def test_feedback_sheet_holds_no_field_of_a_secrecy_class() -> None:
    # Rule 11: a feedback sheet to the police may not contain professional secrecy.
    sheet = _by_key()["feedback_sheet"]
    assert not [f["name"] for f in sheet.fields if f["sensitivity"] in SECRECY_BOUND_CLASSES]


def test_intake_records_a_short_or_long_term_request() -> None:
    fields = _fields("intake")
    assert fields["term"]["choices"] == ["short_term", "long_term"]
    assert fields["request"]["required"] is True
    assert fields["received_on"]["type"] == "date"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_published_versions_never_change() -> None:
    published: dict[str, str] = json.loads(PUBLISHED.read_text())
    for path in sorted(DATA.glob("*.yaml")):
        assert path.name in published, (
            f"{path.name} is new: add its sha256 to {PUBLISHED.name} once it is published"
        )
        assert _digest(path) == published[path.name], (
            f"{path.name} was published and changed: ship the change as a new version instead"
        )
    assert set(published) <= {p.name for p in DATA.glob("*.yaml")}, "a published file is gone"


def test_the_files_are_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["app"]
    for path in DATA.glob("*.yaml"):
        relative = path.relative_to(ROOT / "app").as_posix()
        assert any(fnmatch(relative, g) for g in globs), relative


GOOD = (DATA / "intake.v1.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("intake.v1.yaml", "key: [unclosed", "not valid YAML at line 1"),
        ("intake.v1.yaml", GOOD.replace("  fr: Accueil", "  xx: Accueil"), "title"),
        ("intake.v1.yaml", GOOD + "extra: 1\n", "extra"),
        ("intake.v1.yaml", GOOD.replace("sensitivity: intervention", "sensitivity: gossip"), ""),
        ("intake.v1.yaml", GOOD.replace("name: channel", "name: request"), "unique"),
        (
            "intake.v1.yaml",
            GOOD.replace(
                "type: text\n    sensitivity: intervention",
                "type: record\n    sensitivity: intervention",
            ),
            "parts",
        ),
        ("intake.v2.yaml", GOOD, "differ from the name"),
        ("Intake.yaml", GOOD, "<key>.v<version>.yaml"),
    ],
    ids=[
        "yaml",
        "label",
        "unknown-key",
        "sensitivity",
        "duplicate",
        "record-without-parts",
        "version",
        "file-name",
    ],
)
def test_a_broken_file_is_refused_naming_it(name: str, text: str, says: str) -> None:
    with pytest.raises(TemplateFileError) as refused:
        parse_file(name, text)
    message = str(refused.value)
    assert message.startswith(f"template file {name}: "), message
    assert says in message


def test_a_directory_with_a_broken_file_stops_the_whole_catalogue(tmp_path: Path) -> None:
    (tmp_path / "intake.v1.yaml").write_text(GOOD, encoding="utf-8")
    assert [s.key for s in load_catalogue(tmp_path)] == ["intake"]
    (tmp_path / "signals.v1.yaml").write_text("key: signals\nversion: 1\n", encoding="utf-8")
    with pytest.raises(TemplateFileError, match="signals.v1.yaml"):
        load_catalogue(tmp_path)
    with pytest.raises(TemplateFileError, match="no template files"):
        load_catalogue(tmp_path / "empty")
