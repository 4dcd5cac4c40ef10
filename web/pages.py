"""What every page of the web side shares: the application's context (:class:`WebContext`, one per
application, on ``app.state.ctx``), rendering a template, the error pages, and the template filters.

Pages are rendered on the server (Jinja2, autoescaped) and work without JavaScript: the answer link is
often opened in Zalo's in-app browser on a small phone. Pages with personal or link data are never cached.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from config.app import App
from config.settings import Settings
from models.domain.clock import local_text
from models.domain.indicators import format_value
from models.domain.states import actor_text, step_text
from web.chart_files import chart_svg
from web.security import Csrf, Limits, RateLimiter, SharedRateLimiter, SharedThrottle, Throttle
from web.uploads import MAX_ATTACHMENT

HERE = Path(__file__).resolve().parent


@dataclass
class WebContext:
    """What every route needs, built once per application."""

    settings: Settings
    core: App
    env: Environment
    csrf: Csrf
    secret: bytes
    limiter: RateLimiter | SharedRateLimiter
    limits: Limits
    today: Callable[[], date]
    dispatch_after_decisions: bool
    # progressive delays of failed logins and bad links
    throttle: Throttle | SharedThrottle = field(default_factory=Throttle)

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    @property
    def attachments_dir(self) -> Path:
        return self.settings.effective_attachments_dir

    @property
    def secure_cookies(self) -> bool:
        return self.settings.public_base_url.lower().startswith("https://")


class LoginRequired(Exception):
    """Raised by the officers' dependency: answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def ctx_of(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def render(request: Request, name: str, data: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a template; pages with personal or link data are never cached."""
    ctx = ctx_of(request)
    html = ctx.env.get_template(name).render(**data, request=request)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def error_page(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    return render(request, "error.html", {"title": title, "message": message}, status_code)


def not_found(request: Request, message: str) -> HTMLResponse:
    return error_page(request, 404, "Không tìm thấy", message)


def too_many(request: Request) -> HTMLResponse:
    response = error_page(
        request,
        429,
        "Quá nhiều yêu cầu",
        "Quý cơ quan đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại.",
    )
    response.headers["Retry-After"] = "120"
    return response


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


# --------------------------------------------------------------------------------------------------
# Formatting for templates
# --------------------------------------------------------------------------------------------------


def fmt_date(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def fmt_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Asia/Ho_Chi_Minh, the one way every page and CLI line writes a moment."""
    return local_text(value) if value else ""


def fmt_size(value: int | None) -> str:
    if not value:
        return ""
    return f"{value / 1048576:.1f} MB" if value >= 1048576 else f"{max(1, value // 1024)} KB"


def make_env(auto_reload: bool = False) -> Environment:
    """The templates' environment. ``auto_reload`` (``DONDOC_TEMPLATE_RELOAD``, development) checks each
    template's file on every page; off, a template is compiled once and kept for the process."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        auto_reload=auto_reload,
        cache_size=-1,  # never evicted: the templates are few
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["d"] = fmt_date
    env.filters["dt"] = fmt_datetime
    env.filters["size"] = fmt_size
    env.filters["num"] = format_value  # 41,5 · 1.250 (Vietnamese decimal comma, thousands dot)
    env.filters["isod"] = lambda text: fmt_date(date.fromisoformat(text)) if text else ""
    # Codes people never read: a page shows steps and actors in words (models.domain.states).
    env.filters["step"] = step_text
    env.filters["actor"] = actor_text
    env.filters["svg"] = lambda chart: Markup(chart_svg(chart))  # built from escaped parts (web.chart_files)
    return env
