"""The Zalo Official Account token pair, kept in the ``providertoken`` row ``provider='zalo'``.

Zalo gives an access token (≈ 25 h) and a refresh token (≈ 3 months) that can be used **once**: the
refresh answers a new pair, and the old refresh token is dead. Spending it twice (two workers refreshing
at the same moment) or losing the new pair (a crash before saving it) locks dondoc out of Zalo until an
officer re-authorises the OA. Hence:

- refreshes are **single-flight across processes**: the row is locked (``SELECT … FOR UPDATE`` on
  PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) for the duration of the HTTP call, and re-read after the
  lock is acquired — when another process refreshed meanwhile, its token is used and no second refresh
  is made; threads of one process also queue on an in-process lock first;
- the new pair is **committed before it is used**;
- refreshes happen **ahead of expiry** (default: less than 60 minutes left) and after Zalo refuses the
  access token (−124);
- the first refresh token comes from ``DONDOC_ZALO_REFRESH_TOKEN``, later ones from the row. When the
  row's token is refused and the environment holds a different one (an officer re-authorised), that one
  is tried once.

A refused refresh records ``last_error`` on the row (shown by ``dondoc channels status``) and raises
AuthError; a refresh that did not get an answer (timeout, 5xx) raises RetryableError — the refresh token
may still be good, and the outbox retries later.

**Circuit breaker.** A refused refresh also opens the circuit for every process: the row gets
``paused_until`` (now + ``pause``, 30 minutes by default) and ``pause_key``, a fingerprint of the credentials
that were refused (app id, secret, the row's and the environment's refresh token). Until then no process
calls the OAuth endpoint again, and no message is posted with a refused access token: each send raises
:class:`ZaloAuthPaused` (an AuthError with ``retry_after``, so the outbox waits) without any network call,
and the error is recorded once, on the row, not once per message. The circuit closes at the first
successful refresh: one probe (single-flight, under the row lock) when the pause is over, or at once when
the credentials changed — an officer re-authorised the OA and set a new ``DONDOC_ZALO_REFRESH_TOKEN``.
An access token that has not expired yet is still used while the refresh ahead of its expiry is refused.
"""

import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from models.domain.clock import utcnow
from models.domain.masking import scrub
from models.store.channel_tables import ProviderToken
from notifiers.base import AuthError, RetryableError

log = logging.getLogger("dondoc.notifiers.zalo")

PROVIDER = "zalo"
T = ProviderToken.__table__  # type: ignore[attr-defined]
PAUSE = timedelta(minutes=30)


class ZaloAuthPaused(AuthError):
    """Zalo is paused after a refused token refresh (circuit open): nothing was sent, nothing refreshed."""


@dataclass(frozen=True)
class TokenStatus:
    """What ``dondoc channels status`` shows (never the tokens themselves)."""

    has_access_token: bool
    access_expires_at: datetime | None
    refreshed_at: datetime | None
    has_refresh_token: bool
    version: int
    last_error: str | None
    paused_until: datetime | None = None  # the auth circuit is open until then (see the module docstring)


class ZaloTokenStore:
    """Hands out a valid Zalo access token; refreshes it once for everyone when needed."""

    def __init__(
        self,
        engine: Engine,
        *,
        app_id: str,
        secret_key: str,
        oauth_base: str,
        seed_refresh_token: str | None,
        client: httpx.Client,
        clock: Callable[[], datetime] = utcnow,
        refresh_margin: timedelta = timedelta(hours=1),
        pause: timedelta = PAUSE,
    ) -> None:
        self.engine = engine
        self.app_id = app_id
        self.secret_key = secret_key
        self.url = oauth_base.rstrip("/") + "/v4/oa/access_token"
        self.seed = seed_refresh_token or None
        self.client = client
        self.clock = clock
        self.margin = refresh_margin
        self.pause = pause
        self._lock = threading.Lock()
        self._cached: tuple[str, datetime, datetime | None] | None = None  # token, expires, refreshed

    # -- public -------------------------------------------------------------------------------------
    def access_token(self) -> str:
        """A token with more than the margin left (refreshing it first if needed)."""
        cached = self._cached
        if cached and self._fresh(cached[1], cached[2]):
            return cached[0]
        with self._lock:
            token = self._read_fresh()
            if token:
                return token
            return self._refresh(rejected=None)

    def refresh_after_rejection(self, rejected: str) -> str:
        """Zalo refused ``rejected`` (−124): refresh — unless someone already replaced it."""
        with self._lock:
            cached = self._cached
            if cached and cached[0] != rejected and self._fresh(cached[1], cached[2]):
                return cached[0]
            self._cached = None
            return self._refresh(rejected=rejected)

    def status(self) -> TokenStatus:
        return token_status(self.engine, has_seed=bool(self.seed))

    # -- internals ----------------------------------------------------------------------------------
    def _fresh(self, expires: datetime | None, refreshed: datetime | None) -> bool:
        if expires is None:
            return False
        margin = self.margin
        if refreshed is not None:
            # A token whose whole life is shorter than the margin must still be usable for half of it.
            margin = min(margin, (expires - refreshed) / 2)
        return expires - self.clock() > margin

    def _read_fresh(self) -> str | None:
        """The stored token when fresh; while the circuit is open, the token while it lasts, else
        :class:`ZaloAuthPaused` — a plain read, no lock and no write per message."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(
                    T.c.access_token, T.c.access_expires_at, T.c.refreshed_at, T.c.refresh_token,
                    T.c.paused_until, T.c.pause_key,
                ).where(T.c.provider == PROVIDER)
            ).first()  # fmt: skip
        if row and row.access_token and self._fresh(row.access_expires_at, row.refreshed_at):
            self._cached = (row.access_token, row.access_expires_at, row.refreshed_at)
            return row.access_token
        if row is not None and self._paused(row):
            return self._while_paused(row)
        return None

    def _key(self, row_refresh_token: str | None) -> str:
        """Fingerprint of the credentials a refresh uses: a change (new secret, a re-authorised refresh
        token in the environment or in the row) ends the pause at once."""
        parts = (self.app_id, self.secret_key, row_refresh_token or "", self.seed or "")
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]

    def _paused(self, row: Any) -> bool:
        return (
            row.paused_until is not None
            and self.clock() < row.paused_until
            and row.pause_key == self._key(row.refresh_token)
        )

    def _while_paused(self, row: Any) -> str:
        """The access token if it has not expired (a refused refresh ahead of expiry), else the pause."""
        if row.access_token and row.access_expires_at is not None and row.access_expires_at > self.clock():
            return str(row.access_token)
        raise self._paused_error(row)

    def _paused_error(self, row: Any) -> ZaloAuthPaused:
        until = row.paused_until
        return ZaloAuthPaused(
            f"zalo: paused until {until:%Y-%m-%d %H:%M} UTC after a refused token refresh; re-authorise the OA "
            "(dondoc channels status) / Zalo tạm dừng: làm mới token bị từ chối",
            code="auth-paused",
            retry_after=until - self.clock(),
        )

    @contextmanager
    def _locked_row(self) -> Iterator[tuple[Connection, Any]]:
        """The token row, created if missing, locked against every other process until commit."""
        with self.engine.connect() as conn:
            dialect = conn.dialect.name
            values = {"provider": PROVIDER, "version": 0}
            if dialect == "sqlite":
                # A write transaction from the start: a second refresher waits here (busy_timeout).
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                conn.execute(sqlite.insert(T).values(**values).on_conflict_do_nothing(index_elements=["provider"]))
                row = conn.execute(select(T).where(T.c.provider == PROVIDER)).one()
            else:
                conn.execute(postgresql.insert(T).values(**values).on_conflict_do_nothing(index_elements=["provider"]))
                row = conn.execute(select(T).where(T.c.provider == PROVIDER).with_for_update()).one()
            try:
                yield conn, row
            except BaseException:
                conn.rollback()
                raise

    def _refresh(self, rejected: str | None) -> str:
        with self._locked_row() as (conn, row):
            # Re-read under the lock: another process may have refreshed while we waited.
            if (
                row.access_token
                and row.access_token != rejected
                and self._fresh(row.access_expires_at, row.refreshed_at)
            ):
                conn.commit()
                self._cached = (row.access_token, row.access_expires_at, row.refreshed_at)
                log.info("zalo token: another worker refreshed it (version %s); using theirs", row.version)
                return row.access_token
            if self._paused(row):  # another worker's refresh was refused while we waited
                conn.commit()
                if rejected is None:
                    return self._while_paused(row)
                raise self._paused_error(row)

            candidates = [t for t in (row.refresh_token, self.seed) if t]
            candidates = list(dict.fromkeys(candidates))  # the row's first, the environment's once
            if not candidates:
                self._record_error(conn, "no refresh token: set DONDOC_ZALO_REFRESH_TOKEN")
                raise AuthError("zalo: no refresh token (set DONDOC_ZALO_REFRESH_TOKEN)", code="no-refresh-token")
            error = ""
            for refresh_token in candidates:
                try:
                    answer = self._call_oauth(refresh_token)
                except RetryableError as exc:
                    self._record_error(conn, str(exc))
                    raise
                if answer.get("access_token") and answer.get("refresh_token"):
                    return self._store(conn, row, answer)
                error = _oauth_error(answer)
                log.warning("zalo token refresh refused: %s", error)
            self._open_circuit(conn, row, f"refresh refused: {error}", rejected)
            if rejected is None and row.access_token and row.access_expires_at and row.access_expires_at > self.clock():
                return str(row.access_token)  # refused ahead of expiry: the current token still works
            raise AuthError(f"zalo: token refresh refused ({error}); re-authorise the OA", code="refresh-refused")

    def _open_circuit(self, conn: Connection, row: Any, message: str, rejected: str | None) -> None:
        """Record the refusal once and pause every process until ``now + pause`` (module docstring)."""
        now = self.clock()
        values: dict[str, Any] = {
            "last_error": f"{now.isoformat()} {message}"[:2000],
            "paused_until": now + self.pause,
            "pause_key": self._key(row.refresh_token),
        }
        if rejected is not None and row.access_token == rejected:
            values["access_token"] = None  # refused by Zalo: no later send may post it again
        conn.execute(update(T).where(T.c.provider == PROVIDER).values(**values))
        conn.commit()
        self._cached = None
        log.warning(
            "zalo: token refresh refused; Zalo paused until %s (or until the credentials change)", now + self.pause
        )

    def _call_oauth(self, refresh_token: str) -> dict[str, Any]:
        try:
            response = self.client.post(
                self.url,
                headers={"secret_key": self.secret_key},
                data={"refresh_token": refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"},
            )
        except httpx.HTTPError as exc:
            raise RetryableError(
                f"zalo: token refresh got no answer ({type(exc).__name__})", code="refresh-unreachable"
            ) from None
        if response.status_code >= 500 or response.status_code == 429:
            raise RetryableError(f"zalo: token refresh HTTP {response.status_code}", code="refresh-unreachable")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return {"error": f"HTTP {response.status_code}, not JSON"}
        return data

    def _store(self, conn: Connection, row: Any, answer: dict[str, Any]) -> str:
        now = self.clock()
        try:
            lifetime = int(str(answer.get("expires_in", "90000")).strip())  # Zalo sends a string
        except ValueError:
            lifetime = 90000
        expires = now + timedelta(seconds=lifetime)
        conn.execute(
            update(T)
            .where(T.c.id == row.id)
            .values(
                access_token=answer["access_token"],
                refresh_token=answer["refresh_token"],
                access_expires_at=expires,
                refreshed_at=now,
                version=row.version + 1,
                last_error=None,
                paused_until=None,
                pause_key=None,
            )
        )
        # Durable before use: the old refresh token is already spent at Zalo.
        conn.commit()
        self._cached = (answer["access_token"], expires, now)
        log.info("zalo token refreshed (version %s, valid %s s)", row.version + 1, lifetime)
        return str(answer["access_token"])

    def _record_error(self, conn: Connection, message: str) -> None:
        conn.execute(
            update(T).where(T.c.provider == PROVIDER).values(last_error=f"{self.clock().isoformat()} {message}"[:2000])
        )
        conn.commit()


def token_status(engine: Engine, *, has_seed: bool = False) -> TokenStatus:
    """The stored token's state (no request is made)."""
    with engine.connect() as conn:
        row = conn.execute(select(T).where(T.c.provider == PROVIDER)).first()
    if row is None:
        return TokenStatus(False, None, None, has_seed, 0, None)
    return TokenStatus(
        bool(row.access_token),
        row.access_expires_at,
        row.refreshed_at,
        bool(row.refresh_token) or has_seed,
        row.version,
        row.last_error,
        row.paused_until,
    )


def _oauth_error(answer: dict[str, Any]) -> str:
    parts = [str(answer.get(k)) for k in ("error", "error_name", "error_description", "message") if answer.get(k)]
    return scrub(" ".join(parts))[:300] or "no token in the answer"
