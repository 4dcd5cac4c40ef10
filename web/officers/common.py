"""What the officers' pages share: the logged-in officer (a dependency that sends strangers to the login
page), rendering a page with the officer's menu and flash message, reading a CSRF-checked form, and
sending the messages a decision queued right after the response."""

import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse

from models.domain.masking import mask_address
from models.domain.report_states import STATE_TEXT
from models.domain.states import STATUS_TEXT
from models.services.officer_accounts import logged_in
from models.store.answer_tables import OfficerUser
from web.pages import LoginRequired, WebContext, ctx_of, error_page, render
from web.security import SESSION_COOKIE

log = logging.getLogger("dondoc.web.officers")

CSRF_PURPOSE = "officer"
CSRF_MAX_AGE = 8 * 3600
# The flash message after a redirect (``?ok=<code>``): what was done, in the officers' words.
MESSAGES = {
    "tracked": "Đã đặt ngày bắt đầu theo dõi của kế hoạch; không gửi các lần nhắc trước ngày đó.",
    "accepted": "Đã chấp nhận báo cáo. Cơ quan được báo trong tin nhắn tổng hợp tiếp theo gửi cơ quan "
    "(cùng các nội dung nhắc việc trong ngày, nếu có).",
    "returned": "Đã trả lại báo cáo; ý kiến đã được gửi tới cơ quan.",
    "extended": "Đã gia hạn; lịch nhắc theo hạn mới.",
    "refused": "Đã không chấp thuận gia hạn; cơ quan tiếp tục được nhắc.",
    "reassigned": "Đã chuyển nhiệm vụ cho cơ quan khác; cơ quan mới đã được thông báo.",
    "resent": "Đã gửi lại đường dẫn báo cáo.",
    "revoked": "Đã thu hồi các đường dẫn của kỳ báo cáo.",
    "retried": "Đã xếp các tin nhắn vào hàng đợi gửi lại.",
    "round": "Đã mở đợt báo cáo và gửi thông báo.",
    "directory": "Đã ghi vào danh bạ cơ quan; lần chạy hằng ngày tiếp theo giao việc theo thay đổi này.",
}
# Officers see recipients masked, like every listing (``notifiers.masking``).
mask = mask_address


@dataclass
class Officer:
    user: OfficerUser
    session_hash: str
    csrf: str


def require_officer(request: Request) -> Officer:
    ctx = ctx_of(request)
    found = logged_in(ctx.core.engine, request.cookies.get(SESSION_COOKIE))
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target if request.method == "GET" else "/officers")
    user, session_hash = found
    return Officer(user, session_hash, ctx.csrf.issue(CSRF_PURPOSE, session_hash))


OfficerDep = Annotated[Officer, Depends(require_officer)]


def page(request: Request, officer: Officer, name: str, data: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    msg = request.query_params.get("ok")
    data = {
        "officer": officer.user,
        "csrf": officer.csrf,
        "flash": MESSAGES.get(msg or ""),
        "status_text": STATUS_TEXT,
        "state_text": STATE_TEXT,
        **data,
    }
    return render(request, name, data, status_code)


async def officer_form(request: Request, officer: Officer) -> dict[str, Any] | None:
    """The posted form as a dict (lists kept for repeated names), or None when its CSRF token is bad."""
    ctx = ctx_of(request)
    form = await request.form(max_files=0, max_fields=400, max_part_size=64 * 1024)
    if not ctx.csrf.check(str(form.get("csrf") or ""), CSRF_PURPOSE, officer.session_hash, CSRF_MAX_AGE):
        log.warning("officer form refused: bad or expired CSRF token (%s)", officer.user.login)
        return None
    out: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        out[key] = values if len(values) > 1 else str(values[0])
    return out


def csrf_refused(request: Request) -> HTMLResponse:
    return error_page(
        request,
        403,
        "Phiên làm việc không hợp lệ",
        "Biểu mẫu đã hết hạn hoặc không được gửi từ trang của hệ thống. Vui lòng tải lại trang rồi thao tác lại.",
    )


def dispatch_after(ctx: WebContext, tasks: BackgroundTasks) -> None:
    """Send what a decision queued once the response is out (the scheduled dispatch would send it anyway)."""
    if ctx.dispatch_after_decisions:
        tasks.add_task(_dispatch_now, ctx)


def _dispatch_now(ctx: WebContext) -> None:
    try:
        stats = ctx.core.dispatch(max_batches=5)  # closes its SMTP connections and HTTP clients
        log.info("dispatched after a decision: %s sent", stats.sent)
    except Exception:  # the scheduled dispatch will send them; the officer's decision is recorded
        log.exception("dispatch after a decision failed")
