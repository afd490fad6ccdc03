"""Bearer tokens and the client-credentials grant, attacked through HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ec
from jose import jwt

from tests.support.live import LiveHub
from tests.support.timing import http_timeout
from tests.support.world import agency, member, ok, provision, suspend


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(hub: LiveHub, subject: str, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": hub.settings.auth.issuer,
        "aud": hub.settings.auth.audience,
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(hub: LiveHub, claims: dict[str, Any], **header: Any) -> str:
    pem = hub.settings.auth.local_issuer_key_path.read_bytes()
    kid = hub.issuer.public_jwk()["kid"]
    return str(jwt.encode(claims, pem.decode(), algorithm="ES256", headers={"kid": kid, **header}))


def _get(hub: LiveHub, token: str) -> httpx.Response:
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}".strip()})


@pytest.fixture
def worker(hub: LiveHub) -> str:
    return member(hub, agency(hub))


def test_a_valid_token_is_accepted(hub: LiveHub, worker: str) -> None:
    assert ok(_get(hub, _sign(hub, _claims(hub, worker))))["member_id"] == worker


def _forgeries(hub: LiveHub, worker: str) -> dict[str, str]:
    kid = hub.issuer.public_jwk()["kid"]
    good = _sign(hub, _claims(hub, worker))
    head, payload, sig = good.split(".")
    rogue_ec = ec.generate_private_key(ec.SECP256R1())
    rogue_pem = rogue_ec.private_bytes(
        ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption()
    ).decode()
    return {
        "alg_none": f"{_b64({'alg': 'none', 'kid': kid, 'typ': 'JWT'})}.{_b64(_claims(hub, worker))}.",
        "hs256_with_public_key": _hs256_with_public_key(hub, _claims(hub, worker), kid),
        "expired": _sign(
            hub,
            _claims(
                hub,
                worker,
                iat=int(time.time()) - 7200,
                nbf=int(time.time()) - 7200,
                exp=int(time.time()) - 3600,
            ),
        ),
        "not_yet_valid": _sign(
            hub, _claims(hub, worker, nbf=int(time.time()) + 3600, exp=int(time.time()) + 7200)
        ),
        "wrong_audience": _sign(hub, _claims(hub, worker, aud="another-service")),
        "wrong_issuer": _sign(hub, _claims(hub, worker, iss="https://evil.example")),
        "unknown_kid": _sign(hub, _claims(hub, worker), kid="not-a-key-we-know"),
        "signed_by_another_key": str(
            jwt.encode(_claims(hub, worker), rogue_pem, algorithm="ES256", headers={"kid": kid})
        ),
        "tampered_payload": f"{head}.{_b64(_claims(hub, str(uuid.uuid4())))}.{sig}",
        "missing_exp": _sign(hub, _claims(hub, worker, exp=None)),
        "missing_sub": _sign(hub, _claims(hub, worker, sub=None)),
        "unknown_member": _sign(hub, _claims(hub, str(uuid.uuid4()))),
        "garbage": "not.a.token",
        "empty": "",
    }


def _hs256_with_public_key(hub: LiveHub, claims: dict[str, Any], kid: str) -> str:
    # The classic key-confusion attack: HMAC keyed with the (public) verification key's PEM.
    private = ser.load_pem_private_key(hub.settings.auth.local_issuer_key_path.read_bytes(), None)
    public_pem = private.public_key().public_bytes(
        ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


FORGERIES = [
    "alg_none",
    "hs256_with_public_key",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "wrong_issuer",
    "unknown_kid",
    "signed_by_another_key",
    "tampered_payload",
    "missing_exp",
    "missing_sub",
    "unknown_member",
    "garbage",
    "empty",
]


@pytest.mark.parametrize("kind", FORGERIES)
def test_forged_and_invalid_tokens_are_rejected_with_401(
    hub: LiveHub, worker: str, kind: str
) -> None:
    response = _get(hub, _forgeries(hub, worker)[kind])
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:livc-hub:problem:unauthenticated"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_no_token_is_401(hub: LiveHub) -> None:
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        r = client.get("/api/v1/agencies")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


def test_rejections_are_logged_with_their_reason(hub: LiveHub, worker: str) -> None:
    before = int(
        str(
            hub.database.scalar(
                "SELECT count(*) FROM access_log WHERE action = 'auth:authenticate'"
            )
        )
    )
    _get(hub, _forgeries(hub, worker)["expired"])
    after = int(
        str(
            hub.database.scalar(
                "SELECT count(*) FROM access_log WHERE action = 'auth:authenticate'"
            )
        )
    )
    assert after == before + 1
    reason = hub.database.scalar(
        "SELECT reason FROM access_log WHERE action = 'auth:authenticate' ORDER BY seq DESC LIMIT 1"
    )
    assert reason == "expired"


def _service_account(hub: LiveHub) -> tuple[str, str, str]:
    agency_id = agency(hub)
    decided = provision(hub, agency_id, "service_account", kind="service")
    created = decided["member"]
    return created["id"], created["client_id"], decided["client_secret"]


def test_client_credentials_grant_issues_a_working_token(hub: LiveHub) -> None:
    member_id, client_id, secret = _service_account(hub)
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        token = ok(
            client.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": client_id,
                    "client_secret": secret,
                },
            )
        )
        assert token["token_type"] == "Bearer"
        assert token["expires_in"] > 0
        assert ok(_get(hub, token["access_token"]))["member_id"] == member_id
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        via_basic = client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert via_basic.status_code == 200


def test_client_credentials_failures(hub: LiveHub) -> None:
    member_id, client_id, secret = _service_account(hub)
    with httpx.Client(base_url=hub.base_url, timeout=http_timeout()) as client:
        wrong = client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret + "x",
            },
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_client"
        unknown = client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "svc-nobody",
                "client_secret": secret,
            },
        )
        assert unknown.status_code == 401
        grant = client.post(
            "/oauth/token",
            data={"grant_type": "password", "client_id": client_id, "client_secret": secret},
        )
        assert grant.status_code == 400
        assert grant.json()["error"] == "unsupported_grant_type"
        suspend(hub, member_id)
        suspended = client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        assert suspended.status_code == 401
    stored = hub.database.scalar(
        f"SELECT client_secret_hash FROM members WHERE client_id = '{client_id}'"
    )
    assert isinstance(stored, str)
    assert secret not in stored
    assert stored.startswith("$argon2id$")
