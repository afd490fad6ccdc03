"""``livc-hub login --browser``: the authorization code flow at the identity provider, for a
native app (RFC 8252): PKCE S256, state and nonce, and a one-shot loopback redirect.

The command listens on 127.0.0.1 on a port the system picks, opens the provider's authorization
page in the person's browser (the URL is printed too, for a browser elsewhere), and waits at most
``TIMEOUT`` seconds for the one redirect back to ``/callback``. The state must be this sign-in's;
the code goes to the token endpoint with the PKCE verifier through Authlib's OAuth 2 client (a
public client, decision 196); an ID token that comes with the answer must carry this sign-in's
nonce and be signed by the provider (app/auth/oidc.py). The browser is shown a small page in
Dutch and French under a Content-Security-Policy that allows nothing. Codes and tokens are never
printed or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import socketserver
import time
import webbrowser
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from authlib.common.security import generate_token
from rich.text import Text

from app.auth import AuthError
from app.auth.oauth_client import OAuth2Client, OAuthError
from app.auth.oidc import verify_id_token
from app.cli import session
from app.cli.common import CliError, Exit, inert, stderr
from app.cli.provider import Provider, unavailable

CALLBACK_PATH: Final = "/callback"
SCOPE: Final = "openid"
HTTP_TIMEOUT: Final = 30.0
READ_TIMEOUT: Final = 5.0  # a connection that sends nothing (a browser's preconnect) is dropped

# How long the person has to sign in; tests set a shorter one.
TIMEOUT: float = 300.0
# How the page is opened; tests replace it with their own "browser".
OPEN: Callable[[str], Any] = webbrowser.open

CSP: Final = (
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "style-src 'sha256-{style}'"
)
STYLE: Final = "body{font-family:sans-serif;max-width:36rem;margin:3rem auto;line-height:1.5}"

_PAGES: Final = {
    True: (
        "Aangemeld / Connecté",
        "Je bent aangemeld bij LIVC Hub. Je mag dit venster sluiten en teruggaan naar de "
        "opdrachtregel.",
        "Vous êtes connecté à LIVC Hub. Vous pouvez fermer cette fenêtre et revenir à la ligne "
        "de commande.",
    ),
    False: (
        "Niet aangemeld / Pas connecté",
        "De aanmelding is niet gelukt. Je mag dit venster sluiten; de opdrachtregel zegt waarom.",
        "La connexion n'a pas abouti. Vous pouvez fermer cette fenêtre ; la ligne de commande "
        "indique pourquoi.",
    ),
}


def _style_hash() -> str:
    return base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def page(succeeded: bool) -> bytes:
    """The page the browser is shown after the redirect, in Dutch and French."""
    title, dutch, french = (html.escape(part) for part in _PAGES[succeeded])
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f'<main><p lang="nl">{dutch}</p><p lang="fr">{french}</p></main></body></html>'
    ).encode()


class _Callback(BaseHTTPRequestHandler):
    """The redirect back: its query is kept, the browser gets the page; anything else a 404."""

    server: _Listener
    timeout = READ_TIMEOUT

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        split = urlsplit(self.path)
        if split.path != CALLBACK_PATH or self.server.query is not None:
            self._answer(HTTPStatus.NOT_FOUND, b"")
            return
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        self.server.query = query
        succeeded = "code" in query and "error" not in query
        self._answer(HTTPStatus.OK, page(succeeded))

    def _answer(self, status: HTTPStatus, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP.format(style=_style_hash()))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        """Nothing: the request line holds the code."""


class _Listener(HTTPServer):
    """One redirect on 127.0.0.1, on a port the system picks."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Callback)
        self.query: dict[str, str] | None = None

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse lookup of the address (slow without DNS)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{CALLBACK_PATH}"

    def wait(self, seconds: float) -> dict[str, str] | None:
        """The redirect's query, or None when ``seconds`` passed without one."""
        ends = time.monotonic() + seconds
        while self.query is None:
            left = ends - time.monotonic()
            if left <= 0:
                return None
            self.timeout = left
            self.handle_request()
        return self.query


def _refused(error: str | None) -> CliError:
    if error == "access_denied":
        return CliError(
            "the sign-in was denied at the identity provider; nothing stored", Exit.FORBIDDEN
        )
    shown = "".join(c for c in (error or "no code") if c.isalnum() or c in "_-.")[:60]
    return CliError(
        f"the identity provider refused the sign-in ({shown}); nothing stored", Exit.NOT_SIGNED_IN
    )


def _client(provider: Provider, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        token_endpoint_auth_method="none",  # noqa: S106 - a public client: its id in the form
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
        follow_redirects=False,
    )


def _check_id_token(provider: Provider, id_token: str, nonce: str) -> None:
    """The ID token is the provider's and this sign-in's (its nonce), or the sign-in fails."""
    if provider.jwks_uri is None:
        raise CliError(
            "the identity provider sent an ID token but publishes no keys to check it",
            Exit.NOT_SIGNED_IN,
        )
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False) as client:
            answer = client.get(provider.jwks_uri)
            answer.raise_for_status()
            jwks = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise CliError(
            f"the identity provider's keys are unavailable ({type(exc).__name__})",
            Exit.UNAVAILABLE,
        ) from None
    try:
        verify_id_token(
            id_token,
            jwks if isinstance(jwks, dict) else {},
            issuer=provider.issuer,
            client_id=provider.client_id,
            nonce=nonce,
            now=datetime.now(UTC),
        )
    except AuthError as exc:
        raise CliError(
            f"the identity provider's ID token was refused ({exc.reason}); nothing stored",
            Exit.NOT_SIGNED_IN,
        ) from None


def _exchange(
    client: OAuth2Client, provider: Provider, callback: str, state: str, verifier: str
) -> dict[str, Any]:
    try:
        token = client.fetch_token(
            provider.token_endpoint,
            authorization_response=callback,
            state=state,
            code_verifier=verifier,
        )
    except OAuthError as refused:
        raise _refused(refused.error) from None
    except httpx.HTTPStatusError as failed:
        status = failed.response.status_code
        if status >= 500 or status == 429:
            raise unavailable(f"its token endpoint answered {status}") from None
        raise _refused(f"http_{status}") from None
    except httpx.TransportError as exc:
        raise unavailable(exc=exc) from None
    return dict(token)


def sign_in(provider: Provider) -> session.Credential:
    """The whole browser flow: the provider's tokens for the person who signed in."""
    if provider.authorization_endpoint is None:
        raise CliError(
            f"{provider.issuer} has no authorization endpoint: use --device", Exit.NOT_SIGNED_IN
        )
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    with _Listener() as listener, _client(provider, listener.redirect_uri) as client:
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint, state=state, nonce=nonce, code_verifier=verifier
        )
        err = stderr()
        err.print(inert(f"Opening {provider.issuer} in your browser to sign in. If it does not"))
        err.print(Text("open, open this page in a browser on this machine:"))
        err.print(inert(url), soft_wrap=True)  # never folded: the link is copied whole
        try:
            OPEN(url)
        except webbrowser.Error:
            pass  # the printed link does it
        with err.status("waiting for you to sign in in the browser..."):
            query = listener.wait(TIMEOUT)
        if query is None:
            raise CliError(
                f"no sign-in within {TIMEOUT:g} seconds: run login again; nothing stored",
                Exit.NOT_SIGNED_IN,
            )
        if not hmac.compare_digest(query.get("state", "").encode(), state.encode()):
            raise CliError(
                "the answer in the browser is not for this sign-in (state mismatch); nothing "
                "stored",
                Exit.NOT_SIGNED_IN,
            )
        # RFC 9207: a provider that names itself in the answer must be the one asked.
        if "iss" in query and query["iss"].rstrip("/") != provider.issuer.rstrip("/"):
            raise CliError(
                "the answer in the browser comes from another identity provider; nothing stored",
                Exit.NOT_SIGNED_IN,
            )
        if "error" in query or not query.get("code"):
            raise _refused(query.get("error"))
        callback = f"{listener.redirect_uri}?{urlencode(query)}"
        token = _exchange(client, provider, callback, state, verifier)
    access = token.get("access_token")
    if not isinstance(access, str) or not access:
        raise CliError(
            "the identity provider's token answer holds no access token", Exit.NOT_SIGNED_IN
        )
    id_token = token.get("id_token")
    if isinstance(id_token, str):
        _check_id_token(provider, id_token, nonce)
    refresh = token.get("refresh_token")
    return session.Credential(
        "bearer",
        token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        issuer=provider.issuer,
        client_id=provider.client_id,
        token_url=provider.token_endpoint,
        expires_at=session.expires_at(token),
    )
