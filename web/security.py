"""The web side's defences: the signing key, CSRF tokens, the officers' session cookie, rate limits, the
request size limit, and keyed hashes of client addresses.

- **Signing key**: ``DONDOC_SECRET_KEY`` or, when unset, a random key created once in
  ``data_dir/secret_key`` (mode 0600). Several web servers sharing a database must share the key.
- **CSRF**: every form carries ``<time>.<nonce>.<HMAC(key, purpose|binding|time|nonce)>``; the binding is
  the response token's hash (answer forms), the session's hash (officers' forms) or a pre-login cookie
  (the login form). A token is valid for ``max_age`` and only for the same binding; the nonce also
  names the submission, so a double click records one answer.
- **Sessions**: a random cookie (``SESSION_COOKIE``), HttpOnly, SameSite=Lax, Secure when the public
  address is https; passwords and the sessions behind the cookie are ``models.services.officer_accounts``.
- **Rate limits**: a window per key, in the database by default (:class:`SharedRateLimiter`: every web
  process counts the same requests, a restart forgets nothing), or a sliding window in process memory
  (:class:`RateLimiter`, ``DONDOC_WEB_LIMITS=memory``: one web process). Limits are per response token
  and per client address, and count only pages of valid links: a flood of bad links never uses up an
  address's allowance.
- **Failures slow down, nothing locks** (:class:`Throttle`; :class:`SharedThrottle` in the database):
  wrong passwords (per login name *and* address, and per address) and bad links (per address) are
  counted — successes are not — and past a few free failures each further attempt on that key waits
  longer (1 s, 2 s, 4 s … up to a cap) before it is checked. Attempts on one key are spaced, so
  parallel requests gain nothing. A right password is still accepted after the wait, a valid link is
  never delayed, and an attacker elsewhere cannot slow an officer's login at all. Only a parallel
  flood on one key past ``max_wait`` gets 429.
"""

import asyncio
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from config.files import load_secret
from models.domain.limits import Backoff, Limit
from models.services import web_limits

# the signing key is read where the workers read it too (config.files); the limits' shapes are pure
__all__ = ["Backoff", "Limit", "load_secret"]

log = logging.getLogger("dondoc.web.security")

SESSION_COOKIE = "dondoc_session"
PRELOGIN_COOKIE = "dondoc_pre"


# --------------------------------------------------------------------------------------------------
# Key and hashes
# --------------------------------------------------------------------------------------------------


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
# Rate limits
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Requests allowed per window, and how failures slow down. The defaults suit people answering from
    their phones and an office behind one address; the benchmark and tests pass others."""

    page_per_ip: Limit = Limit(120, 60)  # pages of valid links, per client address
    page_per_token: Limit = Limit(60, 60)
    submit_per_token: Limit = Limit(10, 600)  # answers sent through one link
    submit_per_ip: Limit = Limit(30, 600)
    bad_token_per_ip: Backoff = Backoff(20, first=0.5, cap=10.0, window=600)  # unknown/expired links
    login_per_ip: Backoff = Backoff(20, first=1.0, cap=30.0, window=900)  # wrong passwords, any login
    login_per_pair: Backoff = Backoff(5, first=1.0, cap=30.0, window=900)  # one login from one address
    login_max_wait: float = 60.0  # a login attempt queued longer than this is refused (429)


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

    def hit_all(self, keys: Sequence[tuple[str, Limit]], conn: Connection | None = None) -> bool:
        """:meth:`hit` on each key in turn; False at the first over its limit (the later ones not counted).
        ``conn`` is for :class:`SharedRateLimiter`'s sake (memory counters need no connection)."""
        return all(self.hit(key, limit) for key, limit in keys)

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


@dataclass
class _Failures:
    times: deque[float] = field(default_factory=deque)  # failure times, oldest first
    pending: int = 0  # attempts reserved and not finished: counted as failures until they are
    last: float = float("-inf")  # start of the latest attempt, or time of the latest failure


class Throttle:
    """Progressive delays per key, in process memory (thread-safe; keys are hashes, never raw values).

    ``reserve`` books an attempt on some keys and says how long it must wait; ``finish`` records whether
    it failed. The wait for a key with ``n`` failures (and unfinished attempts) is ``Backoff.delay(n)``
    after that key's previous attempt — so sequential guesses slow down exponentially and parallel ones
    are spaced the same way — and nothing is counted for a success (a success also clears the keys it
    is told to clear)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._keys: dict[str, _Failures] = {}
        self._lock = threading.Lock()
        self.max_keys = max_keys
        self._now: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def reserve(self, keys: Sequence[tuple[str, Backoff]], max_wait: float | None = None) -> float | None:
        """Book one attempt on ``keys``: the seconds it must wait first, or None (nothing booked) when
        that would be longer than ``max_wait``."""
        now = self._now()
        with self._lock:
            states = [(self._state(key, backoff, now), backoff) for key, backoff in keys]
            start = now
            for st, backoff in states:
                delay = backoff.delay(len(st.times) + st.pending)
                if delay:
                    start = max(start, st.last + delay)
            if max_wait is not None and start - now > max_wait:
                return None
            for st, _ in states:
                st.pending += 1
                st.last = max(st.last, start)
            return start - now

    def finish(self, keys: Sequence[tuple[str, Backoff]], *, failed: bool, clear: Sequence[str] = ()) -> None:
        """End an attempt booked with :meth:`reserve`: a failure is remembered on every key; a success
        forgets the failures of the keys in ``clear``."""
        now = self._now()
        with self._lock:
            for key, backoff in keys:
                st = self._keys.get(key)
                if st is None:
                    continue
                st.pending = max(0, st.pending - 1)
                if failed:
                    st.times.append(now)
                    st.last = max(st.last, now)
                    # memory per key is bounded (Backoff.kept)
                    while len(st.times) > backoff.kept:
                        st.times.popleft()
                elif key in clear:
                    st.times.clear()

    def failures(self, key: str) -> int:
        with self._lock:
            st = self._keys.get(key)
            return len(st.times) if st else 0

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()

    def _state(self, key: str, backoff: Backoff, now: float) -> _Failures:
        st = self._keys.get(key)
        if st is None:
            if len(self._keys) >= self.max_keys:
                self._evict()
            st = self._keys[key] = _Failures()
        while st.times and st.times[0] <= now - backoff.window:
            st.times.popleft()
        return st

    def _evict(self) -> None:
        # Drop the keys idle longest (at least a tenth), never one with an attempt under way.
        idle = sorted((item for item in self._keys.items() if not item[1].pending), key=lambda item: item[1].last)
        for key, _ in idle[: max(1, len(idle) // 10)]:
            del self._keys[key]


class SharedRateLimiter:
    """The same limits as :class:`RateLimiter`, counted in the database (``models.services.web_limits``):
    every web process behind one proxy counts the same requests, and a restart forgets nothing."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._now: Callable[[], float] = time.time  # wall clock: the same in every process

    def hit(self, key: str, limit: Limit) -> bool:
        return self.hit_all([(key, limit)])

    def hit_all(self, keys: Sequence[tuple[str, Limit]], conn: Connection | None = None) -> bool:
        """:meth:`RateLimiter.hit_all`, in one transaction — or in the caller's on ``conn`` (the page's own
        connection: the caller commits at once)."""
        if conn is not None:
            return web_limits.hit_on(conn, keys, self._now())
        return web_limits.hit(self.engine, keys, self._now())

    def peek(self, key: str, limit: Limit) -> bool:
        return web_limits.peek(self.engine, key, limit, self._now())


class SharedThrottle:
    """:class:`Throttle`'s progressive delays, counted in the database (``models.services.web_limits``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._now: Callable[[], float] = time.time
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def reserve(self, keys: Sequence[tuple[str, Backoff]], max_wait: float | None = None) -> float | None:
        return web_limits.reserve(self.engine, keys, self._now(), max_wait)

    def finish(self, keys: Sequence[tuple[str, Backoff]], *, failed: bool, clear: Sequence[str] = ()) -> None:
        web_limits.finish(self.engine, keys, self._now(), failed=failed, clear=clear)

    def failures(self, key: str) -> int:
        return web_limits.failures(self.engine, key)


def counters(store: str, engine: Engine) -> tuple[RateLimiter | SharedRateLimiter, Throttle | SharedThrottle]:
    """The rate limiter and the throttle of ``store``: ``database`` (shared by every web process, the
    default) or ``memory`` (this process only, restarting empty)."""
    if store == "memory":
        return RateLimiter(), Throttle()
    return SharedRateLimiter(engine), SharedThrottle(engine)


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
