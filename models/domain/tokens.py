"""Response links: ``{public_base_url}/r/{token}`` — what a token is, apart from where it is kept.

A token has 128 bits from ``secrets`` (22 characters of URL-safe base64: short enough for an SMS), is
stored only as its SHA-256 hash (``models.store.tokens``), is scoped to one agency's cycle, lives until
the cycle closes plus ``GRACE`` (``TOKEN_LIFETIME`` at most), and can be revoked.
"""

import hashlib
import secrets
from datetime import timedelta

TOKEN_BYTES = 16  # 128 bits
GRACE = timedelta(days=30)  # after a cycle closes, its links still show the receipts this long
TOKEN_LIFETIME = timedelta(days=400)  # until the cycle closes; closing shortens it to close + grace


def new_token_value() -> str:
    """A fresh random token (the plain value: it goes into the link, never into the database)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def link_for(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/r/{token}"
