"""The web application: ``create_app(settings)`` builds FastAPI with the answer pages (``web.answer``), the
officers' pages (``web.officers``), the provider webhooks (``web.webhooks``) and the operator's probes
``/healthz``, ``/readyz``, ``/metrics`` (``web.health``). What the pages share lives
in ``web.pages``; the defences (CSRF, rate limits, the body limit) in ``web.security``.

Every response carries strict security headers (no scripts at all by CSP, no framing, no referrer: an
answer link never leaks through a Referer), and the access log never shows an answer token, a callback
secret, a webhook's query string or a phone number or email address (:func:`redact_path`).
"""

import logging
import re
import tempfile
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import quote, unquote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.app import App, build_app
from config.settings import Settings, get_settings
from models.domain.clock import today_local
from models.domain.masking import scrub
from web import answer, health, officers, webhooks
from web.pages import HERE, LoginRequired, WebContext, error_page, make_env, too_large_page
from web.security import BodyLimitMiddleware, BodyTooLarge, Csrf, Limits, counters, load_secret
from web.uploads import MAX_ATTACHMENT

log = logging.getLogger("dondoc.web")

# The answer form's body: the attachment plus its fields and multipart framing.
MAX_BODY = MAX_ATTACHMENT + 512 * 1024

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HTTP_ERRORS = {
    404: ("Không tìm thấy trang", "Địa chỉ này không có trên hệ thống."),
    405: ("Không thực hiện được", "Thao tác này không được hỗ trợ."),
}


# --------------------------------------------------------------------------------------------------
# Logs: never a token, a callback secret, a phone number or an email address
# --------------------------------------------------------------------------------------------------

_TOKEN_PATH = re.compile(r"^/r/[^/?]+")
_HOOK_SECRET = re.compile(r"^(/hooks/sms/[^/?]+)/[^/?]+")


def redact_path(path: str) -> str:
    """A request path as the access log may show it: the answer token and the SMS callback secret
    replaced, a webhook's whole query string dropped (eSMS puts the recipient's number there), and any
    phone- or email-shaped text elsewhere masked (looked for after percent-decoding; the decoded form is
    then logged)."""
    path = _TOKEN_PATH.sub("/r/<token>", path)
    base, sep, _query = path.partition("?")
    if base.startswith("/hooks/"):
        return _HOOK_SECRET.sub(r"\1/<secret>", base) + ("?<redacted>" if sep else "")
    decoded = unquote(path)
    scrubbed = scrub(decoded)
    return scrubbed if scrubbed != decoded else path


class RedactTokens(logging.Filter):
    """Uvicorn's access log writes the request path and query: :func:`redact_path` it."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def _install_log_redaction() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactTokens) for f in access.filters):
        access.addFilter(RedactTokens())


# --------------------------------------------------------------------------------------------------
# The application
# --------------------------------------------------------------------------------------------------


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every response, and no-store/noindex to the link and officers' pages
    (a plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` costs a task per request)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._common = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        self._private = [(b"x-robots-tag", b"noindex, nofollow"), (b"cache-control", b"no-store")]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = scope.get("path", "").startswith(("/r/", "/officers"))

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = self._common + (self._private if private else [])
                headers.extend((name, value) for name, value in extra if name not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(
    settings: Settings | None = None,
    *,
    limits: Limits | None = None,
    migrate: bool = True,
    today: Callable[[], date] | None = None,
    dispatch_after_decisions: bool = True,
    core: App | None = None,
) -> FastAPI:
    """The dondoc web application over ``settings`` (default: the environment's).

    ``migrate`` brings the schema up to date first; ``today`` replaces the clock (tests);
    ``dispatch_after_decisions`` sends the messages an officer's decision queued right after the response
    (otherwise the next scheduled dispatch sends them); ``core`` reuses an engine and runtime already built
    (tests share one parsed directory and policy).
    """
    settings = settings or get_settings()
    check_shared_setup(settings)
    core = core or build_app(settings, migrate=migrate)
    secret = load_secret(settings.secret_key.get_secret_value() if settings.secret_key else None, settings.data_dir)
    limiter, throttle = counters(settings.web_limits, core.engine)
    app = FastAPI(title="dondoc", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = WebContext(
        settings=settings,
        core=core,
        env=make_env(settings.template_reload),
        csrf=Csrf(secret),
        secret=secret,
        limiter=limiter,
        throttle=throttle,
        limits=limits or Limits(),
        today=today or today_local,
        dispatch_after_decisions=dispatch_after_decisions,
    )
    _install_log_redaction()
    app.include_router(answer.router)
    app.include_router(officers.router)
    app.include_router(health.router)
    _mount_webhooks(app, settings, core)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    app.add_exception_handler(LoginRequired, _to_login)  # type: ignore[arg-type]
    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_middleware(BodyLimitMiddleware, limit=MAX_BODY, on_too_large=lambda scope: too_large_page(Request(scope)))
    app.add_middleware(SecurityHeadersMiddleware)
    return app


class StartupError(RuntimeError):
    """A setting that would make the web app misbehave, found before it serves anything (the message says
    which setting, in Vietnamese and English)."""


def check_shared_setup(settings: Settings, processes: int = 1) -> None:
    """What several web processes need, checked when each starts (``processes``: the uvicorn workers of
    this command; ``DONDOC_WEB_PROCESSES`` counts those of every machine):

    - the secret key set: a key generated in each machine's data folder would sign forms and derive
      answer links that the other processes refuse;
    - the counters in the database: memory counters would give each process its own allowance;
    - the attachments folder present and writable (a shared folder not mounted must not fail at the
      first upload, after a person has filled in the form)."""
    many = max(processes, settings.web_processes) > 1
    if many and settings.secret_key is None:
        raise StartupError(
            "cần đặt DONDOC_SECRET_KEY khi chạy nhiều tiến trình web / DONDOC_SECRET_KEY is required with more than "
            "one web process (--workers, DONDOC_WEB_PROCESSES): every process and machine must sign with the same "
            'key, e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if many and settings.web_limits == "memory":
        raise StartupError(
            "DONDOC_WEB_LIMITS=memory chỉ dùng cho một tiến trình web / DONDOC_WEB_LIMITS=memory gives each web "
            "process its own limits: use 'database' with more than one"
        )
    folder = settings.effective_attachments_dir
    if settings.attachments_dir is None:
        folder.mkdir(parents=True, exist_ok=True)  # the default, inside the data folder
    if not folder.is_dir():
        raise StartupError(
            f"thư mục tệp đính kèm không tồn tại / DONDOC_ATTACHMENTS_DIR: {folder} does not exist or is not a "
            "folder (a shared folder not mounted?)"
        )
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-check-"):
            pass
    except OSError as exc:
        raise StartupError(
            f"không ghi được vào thư mục tệp đính kèm / DONDOC_ATTACHMENTS_DIR: cannot write in {folder}: "
            f"{exc.strerror or exc}"
        ) from None


def _mount_webhooks(app: FastAPI, settings: Settings, core: App) -> None:
    """The provider callbacks, reading the same settings and database as the pages (their dependencies
    are looked up by name: ``web.webhooks`` is the channels' module and may do without either)."""
    app.include_router(webhooks.router)
    if hasattr(webhooks, "hook_settings"):
        app.dependency_overrides[webhooks.hook_settings] = lambda: settings
    if hasattr(webhooks, "hook_engine"):
        app.dependency_overrides[webhooks.hook_engine] = lambda: core.engine


def home() -> Response:
    return RedirectResponse("/officers", status_code=303)


async def _to_login(request: Request, exc: LoginRequired) -> Response:
    return RedirectResponse(f"/officers/login?next={quote(exc.next_path, safe='/')}", status_code=303)


async def _too_large(request: Request, exc: Exception) -> Response:
    return too_large_page(request)


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    title, message = HTTP_ERRORS.get(exc.status_code, ("Có lỗi xảy ra", "Vui lòng thử lại sau."))
    return error_page(request, exc.status_code, title, message)
