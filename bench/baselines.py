"""The baselines of BENCH.md as uvicorn factories (``--factory bench.baselines:NAME``).

Each is what a careful hand-written endpoint costs on the same stack, served by the same uvicorn
command as the hub. They read their inputs from the environment:

- ``LIVC_BENCH_DB``: the SQLite file a baseline writes to or reads from (WAL, synchronous=FULL,
  as the hub's own connections);
- ``LIVC_BENCH_ISSUER_KEY``: the hub's token issuer key (PEM), whose tokens ``heavy`` verifies;
- ``LIVC_BENCH_ROW_BYTES``: the size of the row ``hello-insert`` writes (a sealed note version).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import StreamingResponse
from jose import jwt

FIELDS = 60
AUDIENCE = "livc-hub"
ISSUER = "livc-hub-local"


def connect(path: str) -> sqlite3.Connection:
    """A connection with the hub's durability settings; autocommit off to commit explicitly."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def hello() -> FastAPI:
    """The ceiling of the web stack: GET /hello returning a small JSON object."""
    app = FastAPI()

    @app.get("/hello")
    async def say_hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def heavy() -> FastAPI:
    """ES256 JWT verify (python-jose) + 60 AES-GCM decrypts + one sqlite3 insert and commit."""
    pem = Path(os.environ["LIVC_BENCH_ISSUER_KEY"]).read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    conn = connect(os.environ["LIVC_BENCH_DB"])
    conn.execute(
        "CREATE TABLE IF NOT EXISTS heavy_log (id INTEGER PRIMARY KEY, at REAL, actor TEXT, "
        "fields TEXT)"
    )
    key = AESGCM.generate_key(bit_length=256)
    aead = AESGCM(key)
    sealed = []
    for i in range(FIELDS):
        nonce = secrets.token_bytes(12)
        name = f"n{i // 20}/1/f{i % 20:02d}"
        value = json.dumps(f"Gesprek school moeder begeleiding contact {i}").encode()
        sealed.append((name, nonce, aead.encrypt(nonce, value, name.encode())))
    app = FastAPI()

    @app.get("/hello")
    async def ready() -> dict[str, str]:
        return {"hello": "world"}

    @app.get("/heavy")
    async def view(authorization: str = Header(default="")) -> dict[str, Any]:
        token = authorization.removeprefix("Bearer ")
        try:
            claims = jwt.decode(
                token, public, algorithms=["ES256"], audience=AUDIENCE, issuer=ISSUER
            )
        except Exception:  # noqa: BLE001 - any failure is a 401, as in the hub
            raise HTTPException(status_code=401) from None
        fields = {
            name: json.loads(aead.decrypt(nonce, blob, name.encode()))
            for name, nonce, blob in sealed
        }
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO heavy_log (at, actor, fields) VALUES (julianday('now'), ?, ?)",
            (claims["sub"], ",".join(fields)),
        )
        conn.execute("COMMIT")
        return {"fields": fields}

    return app


def hello_insert() -> FastAPI:
    """POST the same body as a note; insert one row of a sealed version's size and commit."""
    conn = connect(os.environ["LIVC_BENCH_DB"])
    conn.execute("CREATE TABLE IF NOT EXISTS inserted (id INTEGER PRIMARY KEY, at REAL, body BLOB)")
    size = int(os.environ.get("LIVC_BENCH_ROW_BYTES", "4000"))
    app = FastAPI()

    @app.get("/hello")
    async def ready() -> dict[str, str]:
        return {"hello": "world"}

    @app.post("/insert", status_code=201)
    async def insert(body: dict[str, Any]) -> dict[str, int]:
        row = json.dumps(body).encode().ljust(size, b" ")
        conn.execute("BEGIN IMMEDIATE")
        cursor = conn.execute(
            "INSERT INTO inserted (at, body) VALUES (julianday('now'), ?)", (row,)
        )
        conn.execute("COMMIT")
        return {"id": int(cursor.lastrowid or 0)}

    return app


def ndjson() -> FastAPI:
    """The access-log table as NDJSON, read with raw sqlite3 in batches of 1,000, no auth."""
    path = os.environ["LIVC_BENCH_DB"]
    app = FastAPI()

    @app.get("/hello")
    async def ready() -> dict[str, str]:
        return {"hello": "world"}

    async def lines() -> AsyncIterator[bytes]:
        conn = sqlite3.connect(path)
        try:
            cursor = conn.execute("SELECT * FROM access_log ORDER BY position")
            names = [d[0] for d in cursor.description]
            while rows := cursor.fetchmany(1000):
                yield "".join(
                    json.dumps(dict(zip(names, row, strict=True)), separators=(",", ":")) + "\n"
                    for row in rows
                ).encode()
        finally:
            conn.close()

    @app.get("/export")
    async def export() -> StreamingResponse:
        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return app
