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
from models.services.answer_views import RequestSession
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


def _session(ctx: WebContext) -> RequestSession:
    """The one session (one pooled connection) a request's reads and counters use; what it loaded stays
    readable after the counters' commit (the template renders once the connection is back in the pool)."""
    return answer_views.request_session(ctx.core.runtime)


def _check(
    ctx: WebContext, request: Request, session: RequestSession, token: str
) -> tuple[ResponseToken | None, HTMLResponse | None, float]:
    """The live token row, or the page to give and how long to wait before giving it.

    A valid token is never counted, throttled or delayed, whatever the address sent before (an office
    behind one address, a mail scanner). A bad one is counted per address and, past a few, answered
    ever more slowly (``web.security.Throttle``): guessing gets slower, never anyone's genuine link."""
    result = answer_views.check_link_in(session, token)
    if result.ok and result.token is not None:
        return result.token, None, 0.0
    key = _bad_key(ctx, request)
    wait = ctx.throttle.reserve([key]) or 0.0
    ctx.throttle.finish([key], failed=True)
    log.info("answer link refused (%s): token hash %s…", result.reason, hash_token(token)[:8])
    return None, invalid_link(request, 404 if result.reason == "unknown" else 410), min(wait, key[1].cap)


def _allowed(
    ctx: WebContext,
    request: Request,
    session: RequestSession,
    kind: str,
    row: ResponseToken,
    per_ip: Limit,
    per_token: Limit,
    scope: str = "",
) -> bool:
    """The sliding-window limits of a valid link's page or submit: per client address, then per link (and
    ``scope``: an agency link's cycle, so that answering many cycles in a row is not throttled). Bad links
    are not counted here (they are slowed down instead), so they never use up the allowance. Counted on
    the request's own connection and committed at once (the counters' locks are held that briefly)."""
    ip_key = f"{kind}:ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    keys = [(ip_key, per_ip), (f"{kind}:" + row.token_hash[:16] + scope, per_token)]
    allowed = ctx.limiter.hit_all(keys, conn=session.connection())
    session.commit()
    return allowed


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


def _target(session: RequestSession, row: ResponseToken, token: str, cycle: str | None) -> Target | None:
    """The target of a request on a live link: the link's own cycle (``cycle`` None, a cycle link), or
    cycle ``cycle`` of an agency link's agency — else None (the one refusal, :func:`not_in_list`)."""
    if cycle is None:
        if row.cycle_id is None:  # an agency link answers under /c/{cycle_id}
            return None
        return Target(row, row.cycle_id, f"/r/{token}")
    cycle_id = int(cycle) if cycle.isdigit() and len(cycle) <= 12 else None
    if (
        row.cycle_id is not None
        or cycle_id is None
        or not agency_page.agency_cycle_in(session, row.agency_id, cycle_id)
    ):
        log.info("agency link: cycle %r refused (token hash %s…)", cycle[:16], row.token_hash[:8])
        return None
    return Target(row, cycle_id, f"/r/{token}/c/{cycle_id}", f"/r/{token}")


async def _answer(ctx: WebContext, work: Any, *args: Any) -> Response:
    """``work(*args)`` off the event loop (one thread hop a request), then the wait it asked for (a bad
    link's slow answer) before its response is given."""
    response, wait = await run_in_threadpool(work, *args)
    if wait > 0:
        await ctx.throttle.sleep(wait)
    return response  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------


@router.get("/r/{token}", response_class=HTMLResponse)
async def answer_page(token: str, request: Request) -> Response:
    ctx = ctx_of(request)
    return await _answer(ctx, _page, ctx, request, token, None)


@router.get("/r/{token}/c/{cycle}", response_class=HTMLResponse)
async def agency_cycle_page(token: str, cycle: str, request: Request) -> Response:
    ctx = ctx_of(request)
    return await _answer(ctx, _page, ctx, request, token, cycle)


def _page(ctx: WebContext, request: Request, token: str, cycle: str | None) -> tuple[Response, float]:
    """A link's page — the agency's list (an agency link's own address) or a cycle's form — in one thread
    and on one connection: the token checked, the cycle in scope, the page's data read, the page counted
    against the limits (a refused page is then not shown), the template rendered with the connection back
    in the pool."""
    limits = ctx.limits
    with _session(ctx) as session:
        row, refusal, wait = _check(ctx, request, session, token)
        if refusal is not None:
            return refusal, wait
        assert row is not None
        if cycle is None and row.cycle_id is None:
            name, data = "agency.html", agency_page.agency_page_in(session, row.agency_id, ctx.today())
            data["base"] = f"/r/{token}"
        else:
            target = _target(session, row, token, cycle)
            if target is None:
                return not_in_list(request), 0.0
            name, data = "answer.html", _form_data(ctx, session, target, {}, {}, None)
        if not _allowed(ctx, request, session, "page", row, limits.page_per_ip, limits.page_per_token):
            return too_many(request), 0.0
    return render(request, name, data), 0.0


def _form_data(
    ctx: WebContext,
    session: RequestSession,
    target: Target,
    values: dict[str, str],
    errors: dict[str, str],
    general: str | None,
) -> dict[str, Any]:
    data = answer_views.answer_page_in(session, ctx.core.runtime, target.cycle_id, ctx.today())
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
    return data


def _show_form(
    ctx: WebContext,
    request: Request,
    target: Target,
    values: dict[str, str],
    errors: dict[str, str],
    general: str | None,
    status_code: int,
    session: RequestSession | None = None,
) -> HTMLResponse:
    """The form again (with the values sent, the errors, a general message), read on ``session`` or on a
    session of its own."""
    if session is not None:
        data = _form_data(ctx, session, target, values, errors, general)
    else:
        with _session(ctx) as own:
            data = _form_data(ctx, own, target, values, errors, general)
    return render(request, "answer.html", data, status_code)


@router.post("/r/{token}", response_class=HTMLResponse)
async def answer_submit(token: str, request: Request) -> Response:
    return await _post(request, token, None)


@router.post("/r/{token}/c/{cycle}", response_class=HTMLResponse)
async def agency_cycle_submit(token: str, cycle: str, request: Request) -> Response:
    return await _post(request, token, cycle)


def _open_submit(
    ctx: WebContext, request: Request, token: str, cycle: str | None
) -> tuple[Target | None, Response | None, float]:
    """Before a submit's body is read, on one connection: the token, the cycle in scope, the submit
    limits (per address, per link and cycle)."""
    with _session(ctx) as session:
        row, refusal, wait = _check(ctx, request, session, token)
        if refusal is not None:
            return None, refusal, wait
        assert row is not None
        target = _target(session, row, token, cycle)
        if target is None:
            return None, not_in_list(request), 0.0
        per_ip, per_token = ctx.limits.submit_per_ip, ctx.limits.submit_per_token
        if not _allowed(ctx, request, session, "submit", row, per_ip, per_token, target.scope):
            return None, too_many(request), 0.0
    return target, None, 0.0


async def _post(request: Request, token: str, cycle: str | None) -> Response:
    """One answer to one cycle, through a cycle link or an agency link (the same form and service)."""
    ctx = ctx_of(request)
    target, refusal, wait = await run_in_threadpool(_open_submit, ctx, request, token, cycle)
    if wait > 0:
        await ctx.throttle.sleep(wait)
    if refusal is not None:
        return refusal
    assert target is not None
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
    """The form checked against the cycle and recorded, on one connection."""
    with _session(ctx) as session:
        return _submit_in(ctx, request, session, target, values, upload, csrf)


def _submit_in(
    ctx: WebContext,
    request: Request,
    session: RequestSession,
    target: Target,
    values: dict[str, str],
    upload: Any,
    csrf: str,
) -> Response:
    has_file = isinstance(upload, UploadFile) and bool(upload.filename)
    rt, row = ctx.core.runtime, target.row
    form = AnswerInput(**values, has_attachment=has_file)
    checked = answer_views.check_answer_in(session, rt, target.cycle_id, form, ctx.today())
    if checked is None:
        message = "Kỳ báo cáo này đã kết thúc, không nhận thêm báo cáo."
        return _show_form(ctx, request, target, values, {}, message, 409, session)
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
        message = "Báo cáo chưa được gửi: vui lòng sửa các mục báo lỗi."
        return _show_form(ctx, request, target, values, errors, message, 422, session)

    stored = store(upload.file, ctx.attachments_dir, upload.filename, sniffed) if sniffed is not None else None
    ip_hash = keyed_hash(ctx.secret, "answer-ip", client_ip(request))
    try:
        recorded = answer_views.record_in(
            session,
            checked,
            cycle_id=target.cycle_id,
            agency_id=row.agency_id,
            submission_key=keyed_hash(ctx.secret, "submission", csrf, 64),
            token_id=row.id,
            attachment=stored,
            client_ip_hash=ip_hash,
        )
    except DecisionError as exc:
        session.rollback()
        if stored:
            remove(ctx.attachments_dir, stored)
        return _show_form(ctx, request, target, values, {}, f"Báo cáo chưa được gửi: {exc}.", 409, session)
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
    ctx = ctx_of(request)
    return await _answer(ctx, _receipt, ctx, request, token, None, reference)


@router.get("/r/{token}/c/{cycle}/bien-nhan/{reference}", response_class=HTMLResponse)
async def agency_cycle_receipt(token: str, cycle: str, reference: str, request: Request) -> Response:
    ctx = ctx_of(request)
    return await _answer(ctx, _receipt, ctx, request, token, cycle, reference)


def _receipt(
    ctx: WebContext, request: Request, token: str, cycle: str | None, reference: str
) -> tuple[Response, float]:
    """The receipt of an answer of the target's cycle, counted against the address's page limit (one
    thread, one connection, as :func:`_page`)."""
    with _session(ctx) as session:
        row, refusal, wait = _check(ctx, request, session, token)
        if refusal is not None:
            return refusal, wait
        assert row is not None
        target = _target(session, row, token, cycle)
        if target is None:
            return not_in_list(request), 0.0
        data = answer_views.receipt_page_in(session, ctx.core.runtime, target.cycle_id, reference, ctx.today())
        ip_key = "page:ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
        allowed = ctx.limiter.hit_all([(ip_key, ctx.limits.page_per_ip)], conn=session.connection())
        session.commit()
        if not allowed:
            return too_many(request), 0.0
    if data is None:
        return invalid_link(request), 0.0
    data.update(
        status_note=STATUS_NOTE.get(data["cycle"].status),
        back=target.list_path or target.path,
        list_path=target.list_path,
    )
    return render(request, "receipt.html", data), 0.0
