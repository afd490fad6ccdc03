"""Authlib's httpx OAuth 2.0 clients, imported in one place with one warning silenced.

Authlib 1.9 deprecates its plain-httpx integration in favour of httpx2 and says so on import; the
hub, its SDK and its tests use httpx (docs/decisions.md 143), and the warning printed on every
command of the CLI told its users nothing they could act on.
"""

from __future__ import annotations

import warnings

import authlib.deprecate  # its own filter ("always") must be in place before ours

with warnings.catch_warnings():
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client, OAuthError

__all__ = ["AsyncOAuth2Client", "OAuth2Client", "OAuthError"]
