"""The application the end-to-end tests and the benchmark serve with uvicorn (``--factory``): the configured
one (``DONDOC_*`` variables), its clock fixed to ``DONDOC_E2E_TODAY`` when set (the tests replay a known day
of the shipped plan), and rate limits relaxed when ``DONDOC_E2E_NO_LIMITS=1`` (the benchmark's 50 clients
share one address)."""

import os
from datetime import date

from fastapi import FastAPI

from web.app import create_app
from web.security import Backoff, Limit, Limits


def make() -> FastAPI:
    day = os.environ.get("DONDOC_E2E_TODAY")
    today = (lambda: date.fromisoformat(day)) if day else None
    limits = None
    if os.environ.get("DONDOC_E2E_NO_LIMITS") == "1":
        huge, never = Limit(10**9, 60), Backoff(10**9)
        limits = Limits(huge, huge, huge, huge, bad_token_per_ip=never, login_per_ip=never, login_per_pair=never)
    return create_app(migrate=False, today=today, limits=limits)
