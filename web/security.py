"""The web side's defences: the signing key, CSRF tokens, officers' passwords and sessions, rate limits,
the request size limit, and keyed hashes of client addresses.

- **Signing key**: ``DONDOC_SECRET_KEY`` or, when unset, a random key created once in
  ``data_dir/secret_key`` (mode 0600). Several web servers sharing a database must share the key.
- **CSRF**: every form carries ``<time>.<nonce>.<HMAC(key, purpose|binding|time|nonce)>``; the binding is
  the response token's hash (answer forms), the session's hash (officers' forms) or a pre-login cookie
  (the login form). A token is valid for ``max_age`` and only for the same binding; the nonce also
  names the submission, so a double click records one answer.
- **Passwords**: argon2id (``argon2-cffi``, OWASP parameters); a hash made with older parameters is
  upgraded at the next login.
- **Sessions**: a random cookie, stored as its SHA-256 hash; 8 hours idle, 24 hours at most; HttpOnly,
  SameSite=Lax, Secure when the public address is https.
- **Rate limits**: a sliding window per key, in process memory (one web process; behind several, use
  the reverse proxy's limits too). Limits are per response token and per client address.
"""

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import update
from sqlmodel import Session, select

from models.domain.clock import utcnow
from models.store.answer_tables import OfficerSession, OfficerUser

log = logging.getLogger("dondoc.web.security")

SESSION_COOKIE = "dondoc_session"
PRELOGIN_COOKIE = "dondoc_pre"
SESSION_IDLE = timedelta(hours=8)
SESSION_MAX = timedelta(hours=24)
# Writing last_seen on every request would make each page a write; a few minutes of slack is harmless.
SESSION_TOUCH = timedelta(minutes=5)


# --------------------------------------------------------------------------------------------------
# Key and hashes
# --------------------------------------------------------------------------------------------------


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The signing key: the configured one, or the one persisted in the data folder (created once)."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it a moment ago: read theirs
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode("utf-8")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def keyed_hash(key: bytes, purpose: str, value: str, length: int = 32) -> str:
    return hmac.new(key, f"{purpose}|{value}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:length]


# --------------------------------------------------------------------------------------------------
# CSRF
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Csrf:
    key: bytes

    def issue(self, purpose: str, binding: str, *, now: float | None = None) -> str:
        stamp = str(int(now if now is not None else time.time()))
        nonce = secrets.token_urlsafe(12)
        return f"{stamp}.{nonce}.{self._mac(purpose, binding, stamp, nonce)}"

    def check(self, token: str | None, purpose: str, binding: str, max_age: int, *, now: float | None = None) -> bool:
        """True when ``token`` was issued by us for this purpose and binding, less than ``max_age`` s ago."""
        if not token or len(token) > 200 or token.count(".") != 2:
            return False
        stamp, nonce, mac = token.split(".")
        if not stamp.isdigit():
            return False
        age = (now if now is not None else time.time()) - int(stamp)
        if age < -300 or age > max_age:  # five minutes of clock skew between two web servers
            return False
        return hmac.compare_digest(mac, self._mac(purpose, binding, stamp, nonce))

    def _mac(self, purpose: str, binding: str, stamp: str, nonce: str) -> str:
        msg = f"csrf|{purpose}|{binding}|{stamp}|{nonce}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()[:32]


# --------------------------------------------------------------------------------------------------
# Passwords and sessions
# --------------------------------------------------------------------------------------------------

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)
# A hash to verify against when the login is unknown: the answer then takes as long as for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


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


def close_session(session: Session, cookie: str | None) -> None:
    if cookie:
        session.execute(
            update(OfficerSession).where(OfficerSession.token_hash == sha256(cookie)).values(revoked_at=utcnow())
        )


# --------------------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int


@dataclass(frozen=True)
class Limits:
    """Requests allowed per window. The defaults suit people answering from their phones; the benchmark
    and tests pass others."""

    page_per_ip: Limit = Limit(120, 60)  # any answer page, per client address
    page_per_token: Limit = Limit(60, 60)
    submit_per_token: Limit = Limit(10, 600)  # answers sent through one link
    submit_per_ip: Limit = Limit(30, 600)
    bad_token_per_ip: Limit = Limit(20, 600)  # unknown/expired links: someone guessing
    login_per_ip: Limit = Limit(20, 600)
    login_per_name: Limit = Limit(8, 600)


class RateLimiter:
    """Sliding-window counters in memory (thread-safe). Keys are hashes, never raw tokens."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.max_keys = max_keys
        self._now = time.monotonic

    def hit(self, key: str, limit: Limit) -> bool:
        """Count one request for ``key``; False when it is over the limit (the request is then refused)."""
        now = self._now()
        with self._lock:
            window = self._hits.get(key)
            if window is None:
                if len(self._hits) >= self.max_keys:
                    self._evict(now)
                window = self._hits[key] = deque()
            while window and window[0] <= now - limit.seconds:
                window.popleft()
            if len(window) >= limit.count:
                return False
            window.append(now)
            return True

    def peek(self, key: str, limit: Limit) -> bool:
        """True when ``key`` is still under the limit (counts nothing)."""
        now = self._now()
        with self._lock:
            window = self._hits.get(key)
            if not window:
                return True
            return sum(1 for t in window if t > now - limit.seconds) < limit.count

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def _evict(self, now: float) -> None:
        # Drop the keys idle longest (at least a tenth): memory stays bounded under a flood of new keys.
        idle = sorted(self._hits.items(), key=lambda item: item[1][-1] if item[1] else 0)
        for key, _ in idle[: max(1, len(idle) // 10)]:
            del self._hits[key]


# --------------------------------------------------------------------------------------------------
# Request size
# --------------------------------------------------------------------------------------------------


class BodyTooLarge(Exception):
    """The request body passed the limit while being read."""


class BodyLimitMiddleware:
    """Refuses request bodies over ``limit`` bytes: at once when Content-Length says so (413, nothing read),
    or by failing the read when a body without length grows past it. Nothing of such a body is stored."""

    def __init__(self, app, limit: int, on_too_large) -> None:  # type: ignore[no-untyped-def]
        self.app = app
        self.limit = limit
        self.on_too_large = on_too_large

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
        if length is not None and length > self.limit:
            response = self.on_too_large(scope)
            await response(scope, receive, send)
            return
        seen = 0

        async def limited_receive():  # type: ignore[no-untyped-def]
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, limited_receive, send)
