"""Logging in and out: ``GET/POST /officers/login``, ``POST /officers/logout``.

The login form is CSRF-bound to a pre-login cookie; ``next`` only ever leads back into these pages (an
open redirect helps phishing). Wrong passwords slow down further attempts (``web.security.Throttle``)
per (login name, client address) and per client address — never per name alone, so that nobody can
keep an officer out from elsewhere; a successful login counts for nothing and clears its pair's count.
"""

import secrets
from functools import partial
from urllib.parse import urlparse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from models.services.officer_accounts import SESSION_MAX, log_in, log_out
from web.officers.common import OfficerDep, csrf_refused, log, officer_form
from web.pages import WebContext, client_ip, ctx_of, render, too_many
from web.security import PRELOGIN_COOKIE, SESSION_COOKIE, keyed_hash

router = APIRouter(prefix="/officers")


def _safe_next(target: str | None) -> str:
    """Only a path of these pages (no other host, no scheme): an open redirect helps phishing."""
    if not target:
        return "/officers"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/officers") or "\\" in target:
        return "/officers"
    return target


def _login_form(
    request: Request, ctx: WebContext, pre: str, target: str, error: str | None, login: str, status_code: int = 200
) -> Response:
    response = render(
        request,
        "officers/login.html",
        {"csrf": ctx.csrf.issue("login", pre), "next": target, "error": error, "login": login},
        status_code,
    )
    response.set_cookie(
        PRELOGIN_COOKIE, pre, max_age=3600, httponly=True, samesite="lax", secure=ctx.secure_cookies, path="/officers"
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    ctx = ctx_of(request)
    pre = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(16)
    return _login_form(request, ctx, pre, _safe_next(request.query_params.get("next")), None, "")


_QUEUED = "<queued>"  # too many attempts on one key already waiting: refused without a check


async def _throttled_log_in(ctx: WebContext, request: Request, login: str, password: str) -> str | None:
    """The session cookie, None for a wrong login or password, or :data:`_QUEUED`. The attempt first
    waits what the earlier failures of this (name, address) and this address ask for."""
    ip = client_ip(request)
    pair = "login:" + keyed_hash(ctx.secret, "login", f"{login}|{ip}")
    keys = [
        (pair, ctx.limits.login_per_pair),
        ("login-ip:" + keyed_hash(ctx.secret, "ip", ip), ctx.limits.login_per_ip),
    ]
    # the counters live in the database: off the event loop
    wait = await run_in_threadpool(ctx.throttle.reserve, keys, ctx.limits.login_max_wait)
    if wait is None:
        return _QUEUED
    cookie = None
    try:
        if wait > 0:
            await ctx.throttle.sleep(wait)
        cookie = await run_in_threadpool(log_in, ctx.core.engine, login, password)
    finally:
        await run_in_threadpool(partial(ctx.throttle.finish, keys, failed=cookie is None, clear=[pair]))
    return cookie


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=8 * 1024)
    login = str(form.get("login") or "").strip().lower()[:64]
    password = str(form.get("password") or "")[:256]
    target = _safe_next(str(form.get("next") or ""))
    pre = request.cookies.get(PRELOGIN_COOKIE) or ""

    def again(error: str, status_code: int) -> Response:
        return _login_form(request, ctx, pre or secrets.token_urlsafe(16), target, error, login, status_code)

    if not pre or not ctx.csrf.check(str(form.get("csrf") or ""), "login", pre, 3600):
        return again("Trang đăng nhập đã hết hạn, vui lòng đăng nhập lại.", 403)
    cookie = await _throttled_log_in(ctx, request, login, password)
    if cookie is _QUEUED:
        return too_many(request)
    if cookie is None:
        log.info("officer login failed")
        return again("Tên đăng nhập hoặc mật khẩu không đúng.", 401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_MAX.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=ctx.secure_cookies,
        path="/",
    )
    response.delete_cookie(PRELOGIN_COOKIE, path="/officers")
    return response


@router.post("/logout")
async def logout(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    if await officer_form(request, officer) is None:
        return csrf_refused(request)
    await run_in_threadpool(log_out, ctx.core.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/officers/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
