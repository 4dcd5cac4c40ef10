"""The answer link: ``GET /r/{token}`` shows the task and the form, ``POST /r/{token}`` records an answer,
``GET /r/{token}/bien-nhan/{reference}`` shows the receipt.

An agency link (a token with no cycle: ``models.services.agency_page``) opens the agency's page instead:
``GET /r/{token}`` lists its open cycles across plans, and each is answered with the same form and the same
service under ``/r/{token}/c/{cycle_id}`` (``POST`` there records, ``…/bien-nhan/{reference}`` is the
receipt, which leads back to the list). A cycle of another agency, or none, gets one plain refusal; the
CSRF token of such a form is bound to the link *and* the cycle, so a form cannot be replayed on another
cycle. The submit limit counts per link and cycle: answering a dozen cycles in a row is not throttled.

GET never changes anything (mail scanners and Zalo's link previews open links): no state change, no
"last used" stamp, no counter in the database. An unknown, tampered, expired or revoked token gets the same
plain page (404 or 410) that says nothing about any cycle; the log gets the token hash's first 8
characters, never the token.
"""

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect

from models.domain.answer_form import AnswerInput, DecisionError
from models.domain.states import CycleStatus
from models.domain.tokens import hash_token
from models.services import agency_page, answer_views
from models.services.agencies import standing_contact
from models.store.cycle_tables import ResponseToken
from web.pages import WebContext, client_ip, ctx_of, error_page, render, too_large_page, too_many
from web.security import Backoff, BodyTooLarge, Limit, keyed_hash
from web.uploads import MAX_ATTACHMENT, UploadError, check_upload, remove, store

log = logging.getLogger("dondoc.web.answer")

router = APIRouter()

CSRF_PURPOSE = "answer"
CSRF_MAX_AGE = 24 * 3600  # a form may stay open on a phone all day
FIELDS = [
    "status",
    "progress",
    "done_text",
    "document_number",
    "document_date",
    "link_url",
    "extension_to",
    "extension_reason",
    "other_agency",
    "indicator_value",
    "indicator_source",
    "indicator_period",
    "indicator_note",
]
STATUS_NOTE = {
    CycleStatus.answered: (
        "Đã báo cáo, đang chờ cơ quan thường trực xem xét. Quý cơ quan vẫn có thể gửi báo cáo bổ sung."
    ),
    CycleStatus.accepted: "Báo cáo đã được chấp nhận. Kỳ báo cáo này đã kết thúc.",
    CycleStatus.cancelled: "Kỳ báo cáo này không còn yêu cầu quý cơ quan báo cáo.",
    CycleStatus.returned: "Báo cáo trước đã được trả lại; đề nghị quý cơ quan bổ sung và gửi lại.",
    CycleStatus.extended: "Đã được gia hạn; vui lòng báo cáo trước hạn mới.",
    CycleStatus.overdue: "Đã quá hạn báo cáo.",
}


# --------------------------------------------------------------------------------------------------
# Guards
# --------------------------------------------------------------------------------------------------


def invalid_link(request: Request, status_code: int = 404) -> HTMLResponse:
    """The one page for an unknown, tampered, expired or revoked link: it names the standing agency and how
    to reach it (a person holding a dead link needs a way to get a new one, not a riddle)."""
    ctx = ctx_of(request)
    try:
        contact = standing_contact(ctx.core.engine, ctx.core.runtime.directory)
    except Exception:  # the page must render even when the database does not answer
        log.warning("invalid-link page: standing agency's contact unavailable", exc_info=True)
        contact = {"name": "cơ quan thường trực", "phone": None, "email": None}
    return render(request, "link_invalid.html", {"contact": contact}, status_code)


def _bad_key(ctx: WebContext, request: Request) -> tuple[str, Backoff]:
    return "bad:ip:" + keyed_hash(ctx.secret, "ip", client_ip(request)), ctx.limits.bad_token_per_ip


def _check(ctx: WebContext, request: Request, token: str) -> tuple[ResponseToken | None, HTMLResponse | None, float]:
    """The live token row, or the page to give and how long to wait before giving it.

    A valid token is never counted, throttled or delayed, whatever the address sent before (an office
    behind one address, a mail scanner). A bad one is counted per address and, past a few, answered
    ever more slowly (``web.security.Throttle``): guessing gets slower, never anyone's genuine link."""
    result = answer_views.check_link(ctx.core.runtime, token)
    if result.ok and result.token is not None:
        return result.token, None, 0.0
    key = _bad_key(ctx, request)
    wait = ctx.throttle.reserve([key]) or 0.0
    ctx.throttle.finish([key], failed=True)
    log.info("answer link refused (%s): token hash %s…", result.reason, hash_token(token)[:8])
    return None, invalid_link(request, 404 if result.reason == "unknown" else 410), min(wait, key[1].cap)


async def _live_token(ctx: WebContext, request: Request, token: str) -> tuple[ResponseToken | None, Response | None]:
    """:func:`_check` off the event loop, then the wait it asked for (a bad link's slow answer)."""
    row, refusal, wait = await run_in_threadpool(_check, ctx, request, token)
    if wait > 0:
        await ctx.throttle.sleep(wait)
    return row, refusal


def _allowed(
    ctx: WebContext, request: Request, kind: str, row: ResponseToken, per_ip: Limit, per_token: Limit, scope: str = ""
) -> bool:
    """The sliding-window limits of a valid link's page or submit: per client address, then per link (and
    ``scope``: an agency link's cycle, so that answering many cycles in a row is not throttled). Bad links
    are not counted here (they are slowed down instead), so they never use up the allowance."""
    ip_key = f"{kind}:ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    return ctx.limiter.hit_all([(ip_key, per_ip), (f"{kind}:" + row.token_hash[:16] + scope, per_token)])


# --------------------------------------------------------------------------------------------------
# What a form answers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """The cycle a form answers and where it lives: a cycle link's own cycle at ``/r/{token}``, or a cycle
    of an agency link's list at ``/r/{token}/c/{cycle_id}`` (then ``list_path`` is the agency page)."""

    row: ResponseToken
    cycle_id: int
    path: str  # the form's address: POST goes there, the receipt is under it
    list_path: str | None = None

    @property
    def binding(self) -> str:
        """What the form's CSRF token is bound to: the link, and on an agency link also the cycle."""
        return self.row.token_hash if self.list_path is None else f"{self.row.token_hash}|c{self.cycle_id}"

    @property
    def scope(self) -> str:
        """The rate limits' key beside the link's: the cycle, on an agency link."""
        return "" if self.list_path is None else f":c{self.cycle_id}"


def not_in_list(request: Request) -> HTMLResponse:
    """The one refusal for a cycle an agency link does not cover (another agency's, or none at all)."""
    return error_page(
        request,
        404,
        "Không tìm thấy kỳ báo cáo",
        "Kỳ báo cáo này không có trong danh sách nhiệm vụ của đường dẫn. "
        "Vui lòng mở lại đường dẫn trong tin nhắn đôn đốc và chọn nhiệm vụ trong danh sách.",
    )


async def _cycle_target(
    ctx: WebContext, request: Request, token: str, cycle: str | None
) -> tuple[Target | None, Response | None]:
    """The target of a request: the link's own cycle (``cycle`` None, a cycle link), or cycle ``cycle`` of
    an agency link's agency — else the refusal to give."""
    row, refusal = await _live_token(ctx, request, token)
    if refusal is not None:
        return None, refusal
    assert row is not None
    if cycle is None:
        if row.cycle_id is None:  # an agency link answers under /c/{cycle_id}
            return None, not_in_list(request)
        return Target(row, row.cycle_id, f"/r/{token}"), None
    cycle_id = int(cycle) if cycle.isdigit() and len(cycle) <= 12 else None
    if (
        row.cycle_id is not None
        or cycle_id is None
        or not await run_in_threadpool(agency_page.agency_cycle, ctx.core.runtime, row.agency_id, cycle_id)
    ):
        log.info("agency link: cycle %r refused (token hash %s…)", cycle[:16], row.token_hash[:8])
        return None, not_in_list(request)
    return Target(row, cycle_id, f"/r/{token}/c/{cycle_id}", f"/r/{token}"), None


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------


@router.get("/r/{token}", response_class=HTMLResponse)
async def answer_page(token: str, request: Request) -> Response:
    ctx = ctx_of(request)
    row, refusal = await _live_token(ctx, request, token)
    if refusal is not None:
        return refusal
    assert row is not None
    limits = ctx.limits
    if not await run_in_threadpool(_allowed, ctx, request, "page", row, limits.page_per_ip, limits.page_per_token):
        return too_many(request)
    if row.cycle_id is None:
        return await run_in_threadpool(_show_list, ctx, request, row, f"/r/{token}")
    target = Target(row, row.cycle_id, f"/r/{token}")
    return await run_in_threadpool(_show_form, ctx, request, target, {}, {}, None, 200)


@router.get("/r/{token}/c/{cycle}", response_class=HTMLResponse)
async def agency_cycle_page(token: str, cycle: str, request: Request) -> Response:
    ctx = ctx_of(request)
    target, refusal = await _cycle_target(ctx, request, token, cycle)
    if refusal is not None:
        return refusal
    assert target is not None
    if not await run_in_threadpool(
        _allowed, ctx, request, "page", target.row, ctx.limits.page_per_ip, ctx.limits.page_per_token
    ):
        return too_many(request)
    return await run_in_threadpool(_show_form, ctx, request, target, {}, {}, None, 200)


def _show_list(ctx: WebContext, request: Request, row: ResponseToken, base: str) -> HTMLResponse:
    data = agency_page.agency_page(ctx.core.runtime, row.agency_id, ctx.today())
    data["base"] = base
    return render(request, "agency.html", data)


def _show_form(
    ctx: WebContext,
    request: Request,
    target: Target,
    values: dict[str, str],
    errors: dict[str, str],
    general: str | None,
    status_code: int,
) -> HTMLResponse:
    data = answer_views.answer_page(ctx.core.runtime, target.cycle_id, ctx.today())
    data.update(
        status_note=STATUS_NOTE.get(data["cycle"].status),
        values=values,
        errors=errors,
        general_error=general,
        csrf=ctx.csrf.issue(CSRF_PURPOSE, target.binding),
        action=target.path,
        list_path=target.list_path,
        max_mb=MAX_ATTACHMENT // 1048576,
    )
    return render(request, "answer.html", data, status_code)


@router.post("/r/{token}", response_class=HTMLResponse)
async def answer_submit(token: str, request: Request) -> Response:
    return await _post(request, token, None)


@router.post("/r/{token}/c/{cycle}", response_class=HTMLResponse)
async def agency_cycle_submit(token: str, cycle: str, request: Request) -> Response:
    return await _post(request, token, cycle)


async def _post(request: Request, token: str, cycle: str | None) -> Response:
    """One answer to one cycle, through a cycle link or an agency link (the same form and service)."""
    ctx = ctx_of(request)
    target, refusal = await _cycle_target(ctx, request, token, cycle)
    if refusal is not None:
        return refusal
    assert target is not None
    per_ip, per_token = ctx.limits.submit_per_ip, ctx.limits.submit_per_token
    if not await run_in_threadpool(_allowed, ctx, request, "submit", target.row, per_ip, per_token, target.scope):
        return too_many(request)
    try:
        form = await request.form(max_files=2, max_fields=40, max_part_size=64 * 1024)
    except BodyTooLarge:
        return too_large_page(request)
    except (MultiPartException, ClientDisconnect, ValueError):
        return error_page(request, 400, "Không đọc được biểu mẫu", "Vui lòng tải lại trang và gửi lại báo cáo.")
    try:
        values = {name: str(form.get(name) or "") for name in FIELDS}
        upload = form.get("attachment")
        if not ctx.csrf.check(str(form.get("csrf") or ""), CSRF_PURPOSE, target.binding, CSRF_MAX_AGE):
            log.warning("answer form: bad or expired CSRF token (token hash %s…)", target.row.token_hash[:8])
            return await run_in_threadpool(
                _show_form,
                ctx,
                request,
                target,
                values,
                {},
                "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng kiểm tra lại và bấm Gửi báo cáo một lần nữa.",
                403,
            )
        return await run_in_threadpool(_submit, ctx, request, target, values, upload, str(form.get("csrf")))
    finally:
        await form.close()


def _submit(
    ctx: WebContext,
    request: Request,
    target: Target,
    values: dict[str, str],
    upload: Any,
    csrf: str,
) -> Response:
    has_file = isinstance(upload, UploadFile) and bool(upload.filename)
    rt, row = ctx.core.runtime, target.row
    form = AnswerInput(**values, has_attachment=has_file)
    checked = answer_views.check_answer(rt, target.cycle_id, form, ctx.today())
    if checked is None:
        return _show_form(ctx, request, target, values, {}, "Kỳ báo cáo này đã kết thúc, không nhận thêm báo cáo.", 409)
    errors = dict(checked.clean.errors)
    sniffed = None
    if has_file:
        assert isinstance(upload, UploadFile)
        size = upload.size if upload.size is not None else _size(upload)
        try:
            sniffed = check_upload(upload.file, size)
        except UploadError as exc:
            errors["attachment"] = str(exc)
    if errors:
        if has_file and "attachment" not in errors:
            errors["attachment"] = "Vui lòng chọn lại tệp đính kèm (trình duyệt không giữ tệp khi biểu mẫu có lỗi)."
        return _show_form(
            ctx, request, target, values, errors, "Báo cáo chưa được gửi: vui lòng sửa các mục báo lỗi.", 422
        )

    stored = store(upload.file, ctx.attachments_dir, upload.filename, sniffed) if sniffed is not None else None
    ip_hash = keyed_hash(ctx.secret, "answer-ip", client_ip(request))
    try:
        recorded = answer_views.record(
            rt,
            checked,
            cycle_id=target.cycle_id,
            agency_id=row.agency_id,
            submission_key=keyed_hash(ctx.secret, "submission", csrf, 64),
            token_id=row.id,
            attachment=stored,
            client_ip_hash=ip_hash,
        )
    except DecisionError as exc:
        if stored:
            remove(ctx.attachments_dir, stored)
        return _show_form(ctx, request, target, values, {}, f"Báo cáo chưa được gửi: {exc}.", 409)
    except Exception:
        if stored:
            remove(ctx.attachments_dir, stored)
        raise
    if not recorded.created and stored:
        remove(ctx.attachments_dir, stored)  # a double submit: the first answer already has its file
    log.info("answer %s recorded for cycle %s", recorded.answer.reference, target.cycle_id)
    return RedirectResponse(f"{target.path}/bien-nhan/{recorded.answer.reference}", status_code=303)


def _size(upload: UploadFile) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


@router.get("/r/{token}/bien-nhan/{reference}", response_class=HTMLResponse)
async def receipt(token: str, reference: str, request: Request) -> Response:
    return await _get_receipt(request, token, None, reference)


@router.get("/r/{token}/c/{cycle}/bien-nhan/{reference}", response_class=HTMLResponse)
async def agency_cycle_receipt(token: str, cycle: str, reference: str, request: Request) -> Response:
    return await _get_receipt(request, token, cycle, reference)


async def _get_receipt(request: Request, token: str, cycle: str | None, reference: str) -> Response:
    ctx = ctx_of(request)
    target, refusal = await _cycle_target(ctx, request, token, cycle)
    if refusal is not None:
        return refusal
    assert target is not None
    ip_key = "page:ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    if not await run_in_threadpool(ctx.limiter.hit, ip_key, ctx.limits.page_per_ip):
        return too_many(request)
    return await run_in_threadpool(_receipt, ctx, request, target, reference)


def _receipt(ctx: WebContext, request: Request, target: Target, reference: str) -> HTMLResponse:
    data = answer_views.receipt_page(ctx.core.runtime, target.cycle_id, reference, ctx.today())
    if data is None:
        return invalid_link(request)
    data.update(
        status_note=STATUS_NOTE.get(data["cycle"].status),
        back=target.list_path or target.path,
        list_path=target.list_path,
    )
    return render(request, "receipt.html", data)
