"""Officers' accounts and their sessions on the officers' pages: passwords, log in, who is logged in, log
out, and the accounts ``dondoc users add|list|disable`` keeps.

- **Passwords**: argon2id (``argon2-cffi``, RFC 9106 low-memory profile); a hash made with older
  parameters is upgraded at the next login. An unknown login costs the same work as a known one.
- **Sessions**: a random token (the cookie), stored only as its SHA-256 hash; 8 hours idle, 24 hours at
  most. The cookie itself (name, flags) is the web side's business (``web.security``).

Each function that writes is one transaction over the engine it is given.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.domain.clock import utcnow
from models.domain.text import nfc
from models.store.answer_tables import OfficerSession, OfficerUser

SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=24)
# Writing last_seen on every request would make each page a write; a few minutes of slack is harmless.
SESSION_TOUCH = timedelta(minutes=5)
LOGIN_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
# A hash to verify against when the login is unknown: the answer then takes as long as for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AccountError(ValueError):
    """An account that cannot be created or changed as asked (the message says why)."""


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


# --------------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> tuple[bool, str | None]:
    """(matches, a re-hash to store when the parameters changed)."""
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored) else None)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Vietnamese), or None."""
    if len(password) < 10:
        return "Mật khẩu cần ít nhất 10 ký tự."
    if len(password) > 256:
        return "Mật khẩu dài quá 256 ký tự."
    if len(set(password)) < 4:
        return "Mật khẩu quá đơn giản."
    return None


def clean_login(login: str) -> str:
    """The login as stored (lower case); ``AccountError`` when it is not one."""
    login = login.strip().lower()
    if not LOGIN_PATTERN.fullmatch(login):
        raise AccountError(
            "login: 2–64 characters, lower case letters, digits, '.', '_' or '-' (tên đăng nhập không hợp lệ)"
        )
    return login


# --------------------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------------------


def authenticate(session: Session, login: str, password: str) -> OfficerUser | None:
    """The active officer with this login and password (constant work whether or not the login exists)."""
    user = session.execute(select(OfficerUser).where(OfficerUser.login == login.strip().lower())).scalar()
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    ok, rehash = verify_password(user.password_hash, password)
    if not ok:
        return None
    values: dict[str, object] = {"last_login_at": utcnow()}
    if rehash:
        values["password_hash"] = rehash
    session.execute(update(OfficerUser).where(OfficerUser.id == user.id).values(**values))
    return user


def open_session(session: Session, user: OfficerUser, *, now: datetime | None = None) -> str:
    """A new session for ``user``; returns the cookie value (only its hash is stored)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    session.add(
        OfficerSession(
            token_hash=sha256(token),
            user_id=user.id or 0,
            created_at=now,
            last_seen_at=now,
            expires_at=now + SESSION_IDLE,
            absolute_expires_at=now + SESSION_MAX,
        )
    )
    return token


def log_in(engine: Engine, login: str, password: str) -> str | None:
    """Check the password and open a session: the session cookie's value, or None (wrong login or password)."""
    with Session(engine) as session:
        user = authenticate(session, login, password)
        if user is None:
            return None
        cookie = open_session(session, user)
        session.commit()
        return cookie


def session_user(
    session: Session, cookie: str | None, *, now: datetime | None = None
) -> tuple[OfficerUser, str] | None:
    """(officer, session hash) for a live session cookie; pushes the idle expiry forward while in use."""
    if not cookie or len(cookie) > 100:
        return None
    now = now or utcnow()
    token_hash = sha256(cookie)
    row = session.execute(select(OfficerSession).where(OfficerSession.token_hash == token_hash)).scalar()
    if row is None or row.revoked_at is not None or row.expires_at <= now or row.absolute_expires_at <= now:
        return None
    user = session.get(OfficerUser, row.user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at > SESSION_TOUCH:
        session.execute(
            update(OfficerSession)
            .where(OfficerSession.id == row.id)
            .values(last_seen_at=now, expires_at=min(now + SESSION_IDLE, row.absolute_expires_at))
        )
        session.commit()
    return user, token_hash


def logged_in(engine: Engine, cookie: str | None) -> tuple[OfficerUser, str] | None:
    """(officer, session hash) for a live session cookie, the officer readable after the session closes."""
    with Session(engine, expire_on_commit=False) as session:
        return session_user(session, cookie)


def close_session(session: Session, cookie: str | None) -> None:
    if cookie:
        session.execute(
            update(OfficerSession).where(OfficerSession.token_hash == sha256(cookie)).values(revoked_at=utcnow())
        )


def log_out(engine: Engine, cookie: str | None) -> None:
    """End the session of this cookie (its later requests are logged out)."""
    with Session(engine) as session:
        close_session(session, cookie)
        session.commit()


# --------------------------------------------------------------------------------------------------
# Accounts (``dondoc users …``)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    login: str
    created: bool  # False: an existing account got a new name and password (and is active again)


def save_user(engine: Engine, login: str, name: str, password: str) -> Saved:
    """Create an officer's account, or set a new name and password for an existing login (active again).
    ``login`` as :func:`clean_login` returns it; the password is checked with :func:`password_problem`."""
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    with Session(engine) as session:
        user = session.exec(select(OfficerUser).where(OfficerUser.login == login)).first()
        if user is None:
            session.add(
                OfficerUser(
                    login=login, name=nfc(name), password_hash=hash_password(password), active=True, created_at=utcnow()
                )
            )
        else:
            user.name, user.password_hash, user.active = nfc(name), hash_password(password), True
            session.add(user)
        session.commit()
    return Saved(login, created=user is None)


def list_users(engine: Engine) -> list[dict[str, Any]]:
    """Every account by login, as ``dondoc users list --json`` prints it (never the password hash)."""
    with Session(engine) as session:
        users = list(session.exec(select(OfficerUser).order_by(OfficerUser.login)))
    return [
        {
            "login": u.login,
            "name": u.name,
            "active": u.active,
            "created_at": u.created_at.isoformat(),
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        }
        for u in users
    ]


def disable_user(engine: Engine, login: str) -> bool:
    """Disable an account (its sessions stop working at once); False when there is no such login."""
    with Session(engine) as session:
        user = session.exec(select(OfficerUser).where(OfficerUser.login == login.strip().lower())).first()
        if user is None:
            return False
        user.active = False
        session.add(user)
        session.commit()
    return True
