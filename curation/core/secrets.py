"""Secrets the tool holds (an API key, a Hub token) never reach a message, a log or a file.

Whoever reads a secret registers it here; :func:`redact` replaces every registered secret
in a text, and every line the CLI prints goes through it, so a server that echoes a
request back cannot make the tool print the key it sent.
"""

from __future__ import annotations

import threading

MASK = "***"
MIN_LENGTH = 4  # shorter values would mask ordinary text; no real key is this short

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember ``value`` (and its URL-quoted form) as a secret of this process."""
    if not value or len(value) < MIN_LENGTH:
        return
    from urllib.parse import quote

    with _lock:
        _secrets.update({value, quote(value, safe="")})


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***`` (longest first)."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def forget_secrets() -> None:
    """Drop every registered secret (tests; a long-lived process switching credentials)."""
    with _lock:
        _secrets.clear()
