"""At start the hub loads its template files: once, idempotently, keyed by (key, version); a
broken file or a changed published version stops the start with a message that says why."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from pathlib import Path

import pytest

from app.api.app import create_app
from app.services.template_files import TemplateFileError
from app.settings import (
    AuditSettings,
    AuthSettings,
    DatabaseSettings,
    KeySettings,
    Mode,
    ServerSettings,
    Settings,
    TemplateSettings,
)
from tests.support.databases import ThrowawayDatabase
from tests.support.live import LiveHub
from tests.support.world import ok

DATA = Path(__file__).resolve().parents[2] / "app" / "templates_data"
MASTER_KEY = secrets.token_urlsafe(32)


def _start(db: ThrowawayDatabase, tmp: Path, directory: Path | None = None) -> None:
    settings = Settings(
        database=DatabaseSettings(url=db.app_url),
        keys=KeySettings(keyring_path=tmp / "keyring.json", master_key=MASTER_KEY),
        auth=AuthSettings(local_issuer_key_path=tmp / "issuer.pem"),
        audit=AuditSettings(key_path=tmp / "audit.pem"),
        server=ServerSettings(mode=Mode.DEVELOPMENT),
        templates=TemplateSettings(directory=directory),
    )
    app = create_app(settings)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            pass

    asyncio.run(run())


def _count(db: ThrowawayDatabase, key: str) -> object:
    return db.scalar(f"SELECT count(*) FROM note_templates WHERE key = '{key}'")  # noqa: S608


def _loads(db: ThrowawayDatabase) -> object:
    return db.scalar("SELECT count(*) FROM access_log WHERE action = 'template:load'")


def test_starting_again_loads_nothing_twice(database: ThrowawayDatabase, tmp_path: Path) -> None:
    _start(database, tmp_path)
    for path in DATA.glob("*.yaml"):
        key, version = path.name.removesuffix(".yaml").split(".v")
        assert (
            database.scalar(
                f"SELECT count(*) FROM note_templates WHERE key = '{key}' "  # noqa: S608
                f"AND version = {int(version)} AND origin = 'shipped'"
            )
            == 1
        )
    shipped = database.scalar("SELECT count(*) FROM note_templates WHERE origin = 'shipped'")
    loads = _loads(database)
    _start(database, tmp_path)
    assert (
        database.scalar("SELECT count(*) FROM note_templates WHERE origin = 'shipped'") == shipped
    )
    assert _loads(database) == loads


def test_a_new_version_is_added_beside_the_old(database: ThrowawayDatabase, tmp_path: Path) -> None:
    key = "k_" + uuid.uuid4().hex[:8]
    text = (
        (DATA / "intake.v1.yaml").read_text(encoding="utf-8").replace("key: intake", f"key: {key}")
    )
    files = tmp_path / "files"
    files.mkdir()
    (files / f"{key}.v1.yaml").write_text(text, encoding="utf-8")
    loads = _loads(database)
    _start(database, tmp_path, files)
    assert _count(database, key) == 1
    assert _loads(database) == int(str(loads)) + 1
    first = database.rows(f"SELECT id, fields FROM note_templates WHERE key = '{key}'")  # noqa: S608
    v2 = text.replace("version: 1", "version: 2").replace("De hulpvraag", "De vraag")
    (files / f"{key}.v2.yaml").write_text(v2, encoding="utf-8")
    _start(database, tmp_path, files)
    assert _count(database, key) == 2
    again = database.rows(
        f"SELECT id, fields FROM note_templates WHERE key = '{key}' AND version = 1"  # noqa: S608
    )
    assert again == first  # version 1 untouched


def test_a_changed_published_version_stops_the_start(
    database: ThrowawayDatabase, tmp_path: Path
) -> None:
    _start(database, tmp_path)
    files = tmp_path / "files"
    files.mkdir()
    for path in DATA.glob("*.yaml"):
        (files / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    signals = files / "signals.v1.yaml"
    signals.write_text(
        signals.read_text(encoding="utf-8").replace("Reisplannen", "Reizen"), encoding="utf-8"
    )
    with pytest.raises(TemplateFileError) as refused:
        _start(database, tmp_path, files)
    message = str(refused.value)
    assert "template signals version 1 in the database differs from signals.v1.yaml" in message
    assert "ship the change as version 2" in message


def test_a_broken_file_stops_the_start(database: ThrowawayDatabase, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "intake.v1.yaml").write_text("key: intake\nversion: 1\ntitle: x\n", encoding="utf-8")
    with pytest.raises(TemplateFileError, match=r"^template file intake.v1.yaml: title"):
        _start(database, tmp_path, files)


def test_a_key_made_through_the_api_that_now_ships_stops_the_start(
    hub: LiveHub, tmp_path: Path
) -> None:
    key = "k_" + uuid.uuid4().hex[:8]
    field = {"name": "a", "label": "a", "type": "text", "sensitivity": "free_text"}
    ok(hub.admin.post("/api/v1/templates", json={"key": key, "title": "t", "fields": [field]}), 201)
    text = (
        (DATA / "intake.v1.yaml").read_text(encoding="utf-8").replace("key: intake", f"key: {key}")
    )
    files = tmp_path / "files"
    files.mkdir()
    (files / f"{key}.v1.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(TemplateFileError, match="was made through the API"):
        _start(hub.database, tmp_path, files)
