"""Response links: ``{public_base_url}/r/{token}``.

A token has 128 bits from ``secrets`` (22 characters of URL-safe base64: short enough for an SMS), is
stored only as its SHA-256 hash, is scoped to one agency's cycle, expires when the cycle closes plus a
grace period (or at a hard limit after its due date), and can be revoked.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from models.cycle_tables import ResponseToken
from models.db import utcnow

TOKEN_BYTES = 16  # 128 bits
GRACE = timedelta(days=30)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_token_row(*, cycle_id: int, agency_id: int, expires_at: datetime) -> tuple[str, dict[str, Any]]:
    """A new token for one agency's cycle: (plain token, never stored; the row to insert, with its hash)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = {
        "token_hash": hash_token(token),
        "cycle_id": cycle_id,
        "agency_id": agency_id,
        "created_at": utcnow(),
        "expires_at": expires_at,
    }
    return token, row


def new_token(session: Session, *, cycle_id: int, agency_id: int, expires_at: datetime) -> str:
    """Create a token for one agency's cycle in ``session``; returns the plain token (never stored)."""
    token, row = new_token_row(cycle_id=cycle_id, agency_id=agency_id, expires_at=expires_at)
    session.add(ResponseToken(**row))
    return token


def link_for(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/r/{token}"


@dataclass(frozen=True)
class TokenCheck:
    ok: bool
    reason: str  # "ok" | "unknown" | "expired" | "revoked"
    token: ResponseToken | None = None


def check_token(session: Session, token: str, *, now: datetime | None = None) -> TokenCheck:
    """Look a presented token up by its hash. Reveals nothing beyond ok/unknown/expired/revoked."""
    if not token or len(token) > 64:
        return TokenCheck(False, "unknown")
    row = session.exec(select(ResponseToken).where(ResponseToken.token_hash == hash_token(token))).first()
    if row is None:
        return TokenCheck(False, "unknown")
    if row.revoked_at is not None:
        return TokenCheck(False, "revoked", row)
    if row.expires_at <= (now or utcnow()):
        return TokenCheck(False, "expired", row)
    return TokenCheck(True, "ok", row)


def revoke_cycle_tokens(session: Session, cycle_id: int, agency_id: int | None = None) -> int:
    """Revoke every live token of a cycle (optionally one agency's); returns how many."""
    stmt = update(ResponseToken).where(ResponseToken.cycle_id == cycle_id, ResponseToken.revoked_at.is_(None))  # type: ignore[union-attr]
    if agency_id is not None:
        stmt = stmt.where(ResponseToken.agency_id == agency_id)
    return session.execute(stmt.values(revoked_at=utcnow())).rowcount  # type: ignore[attr-defined]
