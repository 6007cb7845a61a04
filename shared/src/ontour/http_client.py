"""Outgoing HTTP clients that share one TLS context per process.

httpx builds a new ``ssl.SSLContext`` for every client it creates and loads the whole CA
bundle into it: 15–30 ms of CPU per client. A client made for one call (the IdP's token
endpoint at every sign-in, a readiness check polled several times a second) paid that every
time. A context is safe to share between clients and threads; this one is built the way httpx
builds its default (certifi's bundle, or ``SSL_CERT_FILE``/``SSL_CERT_DIR`` when set), once.
"""

from __future__ import annotations

import ssl
from functools import cache
from typing import Any

import httpx


@cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process."""
    return httpx.create_ssl_context()


def client(**options: Any) -> httpx.Client:
    """An ``httpx.Client`` (same options) that verifies with the shared TLS context."""
    return httpx.Client(verify=tls_context(), **options)


def async_client(**options: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` (same options) that verifies with the shared TLS context."""
    return httpx.AsyncClient(verify=tls_context(), **options)
