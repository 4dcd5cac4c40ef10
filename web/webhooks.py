"""Provider callbacks as a FastAPI ``APIRouter`` (mounted by the web app; tests mount it on their own):

- ``POST /hooks/zalo`` — Zalo webhook events; the MAC is checked on the raw body before anything else
  (bad or missing → 401, nothing changes); a delivery event updates its notification inline (a couple
  of small statements: Zalo wants an answer within 2 s and retries at 30 s, 5 min, …);
- ``GET /hooks/sms/{gateway}`` — SMS delivery callbacks (``esms``).

The database and settings come from the dependencies :func:`hook_engine` and :func:`hook_settings`
(the configured ones); an app or a test may override them with ``app.dependency_overrides``.
"""

import json
import logging
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
    body = await request.body()
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


@router.get("/sms/{gateway}")
async def sms_hook(
    gateway: str,
    request: Request,
    engine: Annotated[Engine, Depends(hook_engine)],
) -> PlainTextResponse:
    if gateway != "esms":
        return PlainTextResponse("unknown gateway", status_code=404)
    params = dict(request.query_params)
    outcome = await run_in_threadpool(apply_esms_callback, engine, params)
    return PlainTextResponse(f"OK {outcome.result}")
