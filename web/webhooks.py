"""Provider callbacks as a FastAPI ``APIRouter`` (mounted by the web app; tests mount it on their own):

- ``POST /hooks/zalo`` — Zalo webhook events; the MAC is checked on the raw body before anything else
  (bad or missing → 401, nothing changes); a delivery event updates its notification inline (a couple
  of small statements: Zalo wants an answer within 2 s and retries at 30 s, 5 min, …);
- ``GET /hooks/sms/{gateway}/{secret}`` — SMS delivery callbacks (``esms``). eSMS signs nothing, so the
  URL it is given ends with ``DONDOC_SMS_CALLBACK_SECRET`` (``notifiers.delivery.callback_url``). A call
  without it, with another one, or while none is configured gets 403 and changes nothing.

Bodies are bounded (a Zalo event: :data:`MAX_BODY` bytes; a callback query: :data:`MAX_QUERY`) and
refusals are logged without the query, the body, the secret or the caller's address — at most one line
a minute per reason, with the count of the others.

The database and settings come from the dependencies :func:`hook_engine` and :func:`hook_settings`
(the configured ones); an app or a test may override them with ``app.dependency_overrides``.
"""

import hmac
import json
import logging
import threading
import time
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool

from config.settings import Settings, get_settings
from notifiers.delivery import apply_esms_callback, apply_zalo_event, verify_zalo_signature

log = logging.getLogger("dondoc.web.hooks")

router = APIRouter(prefix="/hooks", tags=["hooks"])

MAX_BODY = 64 * 1024  # a Zalo event is a few hundred bytes
MAX_QUERY = 2048  # an eSMS callback's query is about 200
SMS_GATEWAYS = ("esms",)  # gateways whose delivery callbacks are read


class _Refusals:
    """Refusal log lines, at most one a minute per reason (a loop of forged calls must not flood the log)."""

    def __init__(self, every: float = 60.0) -> None:
        self.every = every
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}
        self._lock = threading.Lock()

    def log(self, reason: str) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last.get(reason, -self.every) < self.every:
                self._quiet[reason] = self._quiet.get(reason, 0) + 1
                return
            self._last[reason] = now
            quiet = self._quiet.pop(reason, 0)
        log.warning("webhook refused: %s (%d more since the last line)", reason, quiet)

    def reset(self) -> None:
        with self._lock:
            self._last.clear()
            self._quiet.clear()


refusals = _Refusals()


def hook_settings() -> Settings:
    return get_settings()


@lru_cache
def _engine(url: str) -> Engine:
    from models.store.db import make_engine

    return make_engine(url)


def hook_engine(settings: Annotated[Settings, Depends(hook_settings)]) -> Engine:
    return _engine(settings.effective_database_url)


@router.post("/zalo")
async def zalo_hook(
    request: Request,
    settings: Annotated[Settings, Depends(hook_settings)],
    engine: Annotated[Engine, Depends(hook_engine)],
) -> JSONResponse:
    body = await _bounded_body(request, MAX_BODY)
    if body is None:
        refusals.log("zalo event over the size limit")
        return JSONResponse({"error": "too large"}, status_code=413)
    secret = settings.zalo_webhook_secret.get_secret_value() if settings.zalo_webhook_secret else ""
    if not secret:
        return JSONResponse({"error": "webhook not configured"}, status_code=503)
    matched = verify_zalo_signature(
        body,
        request.headers.get("X-ZEvent-Signature"),
        app_id=settings.zalo_app_id,
        oa_id=settings.zalo_oa_id,
        secret=secret,
    )
    if matched is None:
        log.warning("zalo webhook: bad or missing MAC; ignored")
        return JSONResponse({"error": "invalid signature"}, status_code=401)
    log.info("zalo webhook: MAC valid with the %s as first term", matched)
    try:
        event = json.loads(body)
    except ValueError:
        return JSONResponse({"error": "not JSON"}, status_code=400)
    if not isinstance(event, dict):
        return JSONResponse({"error": "not an event"}, status_code=400)
    outcome = await run_in_threadpool(apply_zalo_event, engine, event, body)
    return JSONResponse({"ok": True, "result": outcome.result, "mac": matched})


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it passes ``limit`` bytes (the rest is not read)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _secret_matches(given: str | None, settings: Settings) -> bool:
    expected = settings.sms_callback_secret.get_secret_value() if settings.sms_callback_secret else ""
    return bool(expected and given) and hmac.compare_digest(str(given).encode(), expected.encode())


@router.get("/sms/{gateway}")
async def sms_hook_unsigned(gateway: str) -> PlainTextResponse:
    """The callback URL without its secret (as configured before the secret existed): refused."""
    refusals.log("SMS delivery callback without the secret")
    return PlainTextResponse("forbidden", status_code=403)


@router.get("/sms/{gateway}/{secret}")
async def sms_hook(
    gateway: str,
    secret: str,
    request: Request,
    settings: Annotated[Settings, Depends(hook_settings)],
    engine: Annotated[Engine, Depends(hook_engine)],
) -> PlainTextResponse:
    if not _secret_matches(secret, settings):
        refusals.log("SMS delivery callback with a wrong secret, or none configured")
        return PlainTextResponse("forbidden", status_code=403)
    if gateway not in SMS_GATEWAYS:
        return PlainTextResponse("unknown gateway", status_code=404)
    if len(request.scope.get("query_string", b"")) > MAX_QUERY:
        refusals.log("SMS delivery callback over the size limit")
        return PlainTextResponse("too long", status_code=414)
    params = dict(request.query_params)
    outcome = await run_in_threadpool(apply_esms_callback, engine, params)
    return PlainTextResponse(f"OK {outcome.result}")
