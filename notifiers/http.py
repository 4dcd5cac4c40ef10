"""What the HTTP channels (Zalo, the SMS gateways) share: one place that turns httpx transport failures
and HTTP statuses into the classified errors of ``notifiers.base``, and the provider idempotency id.

- :func:`http_send` runs one call and classifies what can be classified without reading the body;
- :func:`json_body` reads a 2xx answer's JSON object (anything else: outcome unknown, retried with the
  same key);
- :func:`short_id` gives the provider an idempotency id derived from the outbox key.
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from models.domain.clock import utcnow
from models.domain.masking import scrub
from notifiers.base import OUTCOME_UNKNOWN, AuthError, PermanentError, RetryableError

log = logging.getLogger("dondoc.notifiers")


def short_id(key: str, limit: int = 48) -> str:
    """A provider idempotency id for an outbox key: the key itself when short and plain enough,
    otherwise a stable digest (``sha-`` + hex) of exactly ``limit`` characters."""
    if len(key) <= limit and key.isascii() and key.isprintable() and not key.startswith("sha-"):
        return key
    return "sha-" + hashlib.sha256(key.encode()).hexdigest()[: limit - 4]


def retry_after_header(response: httpx.Response) -> timedelta | None:
    """The provider's Retry-After (seconds or an HTTP date) as a delay; None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    try:
        return max(timedelta(0), parsedate_to_datetime(value) - utcnow())
    except (TypeError, ValueError):
        return None


def http_send(provider: str, call: Callable[[], httpx.Response]) -> httpx.Response:
    """Run one HTTP call and classify what can be classified without reading the body.

    - connection refused / connect timeout: nothing reached the provider → RetryableError;
    - read timeout or a broken answer: the provider may have accepted the message → RetryableError
      with ``code="outcome-unknown"`` and a warning (the outbox re-sends with the same idempotency key);
    - 429 and 5xx → RetryableError (``retry_after`` from Retry-After); 401/403 → AuthError;
      other 4xx → PermanentError. 2xx and 3xx are returned: the caller must still read the provider's
      own result code (a 200 with a failure body is a failure).
    """
    try:
        response = call()
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise RetryableError(f"{provider}: cannot connect ({type(exc).__name__})", code="connect") from None
    except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError) as exc:
        log.warning("%s: no answer (%s): the message may have been accepted", provider, type(exc).__name__)
        raise RetryableError(
            f"{provider}: no answer ({type(exc).__name__}); outcome unknown", code=OUTCOME_UNKNOWN
        ) from None
    except httpx.HTTPError as exc:
        raise RetryableError(f"{provider}: {type(exc).__name__}: {scrub(str(exc))}", code="http") from None
    status = response.status_code
    if status == 429 or status == 408 or status >= 500:
        raise RetryableError(
            f"{provider}: HTTP {status}", code=f"http-{status}", retry_after=retry_after_header(response)
        )
    if status in (401, 403):
        raise AuthError(f"{provider}: HTTP {status} (credentials refused)", code=f"http-{status}")
    if status >= 400:
        raise PermanentError(f"{provider}: HTTP {status}", code=f"http-{status}")
    return response


def json_body(provider: str, response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a 2xx answer; anything else is an unknown outcome (retry with the same key)."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("%s: answer is not a JSON object: the message may have been accepted", provider)
        raise RetryableError(f"{provider}: unexpected answer (not JSON)", code=OUTCOME_UNKNOWN)
    return data
