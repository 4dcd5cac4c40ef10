"""The web application: ``create_app(settings)`` builds FastAPI with the answer pages (``web.answer``), the
officers' pages (``web.officers``) and the provider webhooks (``web.webhooks``, when present).

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript: the answer link is
often opened in Zalo's in-app browser on a small phone. Every response carries strict security headers
(no scripts at all by CSP, no framing, no referrer: an answer link never leaks through a Referer).
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from config.app import App, build_app
from config.settings import Settings, get_settings
from models.domain.clock import TZ, today_local
from web.security import BodyLimitMiddleware, BodyTooLarge, Csrf, Limits, RateLimiter, load_secret
from web.uploads import MAX_ATTACHMENT

log = logging.getLogger("dondoc.web")

HERE = Path(__file__).resolve().parent
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


@dataclass
class WebContext:
    """What every route needs, built once per application."""

    settings: Settings
    core: App
    env: Environment
    csrf: Csrf
    secret: bytes
    limiter: RateLimiter
    limits: Limits
    today: Callable[[], date]
    dispatch_after_decisions: bool

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def secure_cookies(self) -> bool:
        return self.settings.public_base_url.lower().startswith("https://")


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def render(request: Request, name: str, data: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a template; pages with personal or link data are never cached."""
    ctx = ctx_of(request)
    html = ctx.env.get_template(name).render(**data, request=request)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status_code)


# --------------------------------------------------------------------------------------------------
# Formatting for templates
# --------------------------------------------------------------------------------------------------


def fmt_date(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def fmt_datetime(value: datetime | None) -> str:
    return f"{value.astimezone(TZ):%H:%M %d/%m/%Y}" if value else ""


def fmt_size(value: int | None) -> str:
    if not value:
        return ""
    return f"{value / 1048576:.1f} MB" if value >= 1048576 else f"{max(1, value // 1024)} KB"


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["d"] = fmt_date
    env.filters["dt"] = fmt_datetime
    env.filters["size"] = fmt_size
    env.filters["isod"] = lambda text: fmt_date(date.fromisoformat(text)) if text else ""
    return env


# --------------------------------------------------------------------------------------------------
# Logs: never a token
# --------------------------------------------------------------------------------------------------

_TOKEN_PATH = re.compile(r"^/r/[^/?]+")


class RedactTokens(logging.Filter):
    """Uvicorn's access log writes the request path: replace the answer token with ``<token>``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _TOKEN_PATH.sub("/r/<token>", args[2]), *args[3:])
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


class LoginRequired(Exception):
    """Raised by the officers' dependency: answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


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
    core = core or build_app(settings, migrate=migrate)
    secret = load_secret(settings.secret_key.get_secret_value() if settings.secret_key else None, settings.data_dir)
    ctx = WebContext(
        settings=settings,
        core=core,
        env=make_env(),
        csrf=Csrf(secret),
        secret=secret,
        limiter=RateLimiter(),
        limits=limits or Limits(),
        today=today or today_local,
        dispatch_after_decisions=dispatch_after_decisions,
    )
    app = FastAPI(title="dondoc", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.ctx = ctx
    _install_log_redaction()

    from web import answer, officers

    app.include_router(answer.router)
    app.include_router(officers.router)
    try:
        from web import webhooks
    except ImportError:  # the webhooks are another module's; the pages work without them
        webhooks = None  # type: ignore[assignment]
    if webhooks is not None and hasattr(webhooks, "router"):
        app.include_router(webhooks.router)
        # The webhooks read the same settings and database as the pages.
        if hasattr(webhooks, "hook_settings"):
            app.dependency_overrides[webhooks.hook_settings] = lambda: settings
        if hasattr(webhooks, "hook_engine"):
            app.dependency_overrides[webhooks.hook_engine] = lambda: core.engine
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/officers", status_code=303)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        from urllib.parse import quote

        return RedirectResponse(f"/officers/login?next={quote(exc.next_path, safe='/')}", status_code=303)

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> Response:
        return too_large_page(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        texts = {
            404: ("Không tìm thấy trang", "Địa chỉ này không có trên hệ thống."),
            405: ("Không thực hiện được", "Thao tác này không được hỗ trợ."),
        }
        title, message = texts.get(exc.status_code, ("Có lỗi xảy ra", "Vui lòng thử lại sau."))
        return error_page(request, exc.status_code, title, message)

    def _too_large_response(scope: dict[str, Any]) -> Response:
        return too_large_page(Request(scope))

    app.add_middleware(BodyLimitMiddleware, limit=MAX_BODY, on_too_large=_too_large_response)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


def too_large_page(request: Request) -> HTMLResponse:
    mb = MAX_ATTACHMENT // 1048576
    response = error_page(
        request,
        413,
        "Tệp quá lớn",
        f"Tệp đính kèm vượt quá {mb} MB nên báo cáo chưa được gửi và không có gì được lưu. "
        "Vui lòng quay lại, chọn tệp nhỏ hơn (hoặc gửi đường dẫn tới tệp) rồi gửi lại.",
    )
    response.headers["Connection"] = "close"
    return response
