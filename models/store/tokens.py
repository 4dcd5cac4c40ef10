"""Token storage: response-link tokens are kept only as their SHA-256 hash (see ``models.domain.tokens``),
looked up by it, extended with their cycle's extensions, and revoked or shortened when it closes.

A queued message's token is derived from its reference and the secret key (:func:`new_link_row`): the row
written here holds the hash, the message holds the reference, and neither is the token."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from models.domain.clock import utcnow
from models.domain.tokens import hash_token, new_link_ref, new_token_value, token_for
from models.store.cycle_tables import ResponseToken


def new_link_row(
    key: bytes, *, cycle_id: int | None, agency_id: int, expires_at: datetime, now: datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """A new link for one agency's cycle: (its reference, what the message stores; the token row to insert,
    with the hash of the token the reference stands for under ``key``)."""
    ref = new_link_ref()
    token = token_for(key, ref)
    _, row = new_token_row(cycle_id=cycle_id, agency_id=agency_id, expires_at=expires_at, token=token, now=now)
    return ref, row


def new_link(
    session: Session, key: bytes, *, cycle_id: int, agency_id: int, expires_at: datetime, now: datetime | None = None
) -> str:
    """Create a link's token in ``session``; returns the reference (see :func:`new_link_row`)."""
    ref, row = new_link_row(key, cycle_id=cycle_id, agency_id=agency_id, expires_at=expires_at, now=now)
    session.add(ResponseToken(**row))
    return ref


def new_agency_link(
    session: Session, key: bytes, *, agency_id: int, expires_at: datetime, now: datetime | None = None
) -> str:
    """Create a link's token scoped to one agency's open cycles (no cycle: the agency page); returns the
    reference, as :func:`new_link` does. The web app tells the two scopes apart by ``cycle_id is None``."""
    ref, row = new_link_row(key, cycle_id=None, agency_id=agency_id, expires_at=expires_at, now=now)
    session.add(ResponseToken(**row))
    return ref


def new_token_row(
    *, cycle_id: int | None, agency_id: int, expires_at: datetime, token: str | None = None, now: datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """A new token for one agency's cycle (random unless given): (plain token, never stored; the row to
    insert, with its hash)."""
    token = token or new_token_value()
    row = {
        "token_hash": hash_token(token),
        "cycle_id": cycle_id,
        "agency_id": agency_id,
        "created_at": now or utcnow(),
        "expires_at": expires_at,
    }
    return token, row


def new_token(session: Session, *, cycle_id: int | None, agency_id: int, expires_at: datetime) -> str:
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


def token_known(session: Session, token: str) -> bool:
    """Whether ``token``'s hash is stored (the outbox checks a rebuilt link before sending it)."""
    return (
        session.execute(select(ResponseToken.id).where(ResponseToken.token_hash == hash_token(token))).first()
        is not None
    )


def extend_cycle_tokens(session: Session, cycle_id: int, until: datetime) -> int:
    """Live tokens of a cycle that would expire before ``until`` now expire then (an extension); returns
    how many. Revoked tokens stay revoked."""
    return session.execute(  # type: ignore[attr-defined, no-any-return]
        update(ResponseToken)
        .where(
            ResponseToken.cycle_id == cycle_id,
            ResponseToken.revoked_at.is_(None),  # type: ignore[union-attr]
            ResponseToken.expires_at < until,
        )
        .values(expires_at=until)
    ).rowcount
