"""Token storage: response-link tokens are kept only as their SHA-256 hash (see ``models.domain.tokens``),
looked up by it, and revoked or shortened when their cycle closes."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from models.domain.clock import utcnow
from models.domain.tokens import hash_token, new_token_value
from models.store.cycle_tables import ResponseToken


def new_token_row(*, cycle_id: int, agency_id: int, expires_at: datetime) -> tuple[str, dict[str, Any]]:
    """A new token for one agency's cycle: (plain token, never stored; the row to insert, with its hash)."""
    token = new_token_value()
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
