"""The answer link: ``GET /r/{token}`` shows the task and the form, ``POST /r/{token}`` records an answer,
``GET /r/{token}/bien-nhan/{reference}`` shows the receipt.

GET never changes anything (mail scanners and Zalo's link previews open links): no state change, no
"last used" stamp, no counter in the database. An unknown, tampered, expired or revoked token gets the same
plain page (404 or 410) that says nothing about any cycle; the log gets the token hash's first 8
characters, never the token.
"""

import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect

from models.domain.agencies import Agency as DirectoryAgency
from models.domain.answer_form import AnswerInput, DecisionError, validate_answer
from models.domain.states import (
    ANSWER_STATUS_TEXT,
    ANSWERABLE,
    DECISION_TEXT,
    AnswerStatus,
    CycleKind,
    CycleStatus,
    Role,
    role_label,
)
from models.domain.tokens import hash_token
from models.services.answers import record_answer
from models.store.answer_tables import Answer, AnswerReview
from models.store.cycle_tables import Cycle, ResponseToken
from models.store.plan_tables import Agency, AgencyGroup, Indicator, IndicatorAgency, Plan, Task, TaskAgency
from models.store.tokens import check_token
from web.app import WebContext, ctx_of, error_page, render, too_large_page
from web.security import BodyTooLarge, keyed_hash
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


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def too_many(request: Request) -> HTMLResponse:
    response = error_page(
        request,
        429,
        "Quá nhiều yêu cầu",
        "Quý cơ quan đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại.",
    )
    response.headers["Retry-After"] = "120"
    return response


def invalid_link(request: Request, status_code: int = 404) -> HTMLResponse:
    """The one page for an unknown, tampered, expired or revoked link."""
    return render(request, "link_invalid.html", {}, status_code)


def _check(ctx: WebContext, request: Request, token: str) -> tuple[ResponseToken | None, HTMLResponse | None]:
    """The live token row, or the response to give (invalid link / too many guesses)."""
    ip_key = "ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    if not ctx.limiter.peek("bad:" + ip_key, ctx.limits.bad_token_per_ip):
        return None, too_many(request)
    with Session(ctx.core.engine) as session:
        result = check_token(session, token)
    if result.ok and result.token is not None:
        return result.token, None
    ctx.limiter.hit("bad:" + ip_key, ctx.limits.bad_token_per_ip)
    log.info("answer link refused (%s): token hash %s…", result.reason, hash_token(token)[:8])
    return None, invalid_link(request, 404 if result.reason == "unknown" else 410)


# --------------------------------------------------------------------------------------------------
# What the page shows
# --------------------------------------------------------------------------------------------------


def page_data(ctx: WebContext, session: Session, row: ResponseToken) -> dict[str, Any]:
    """Everything the answer page shows for the token's cycle (and nothing of any other cycle)."""
    cycle = session.get(Cycle, row.cycle_id)
    assert cycle is not None
    today = ctx.today()
    data: dict[str, Any] = {
        "cycle": cycle,
        "role_text": role_label(cycle.role),
        "today": today,
        "days_left": (cycle.due - today).days,
        "status_note": STATUS_NOTE.get(cycle.status),  # type: ignore[call-overload]
        "answerable": cycle.status in ANSWERABLE,
        "is_indicator": cycle.indicator_id is not None,
        "is_round": cycle.kind == CycleKind.adhoc,
        "statuses": [(s.value, ANSWER_STATUS_TEXT[s]) for s in AnswerStatus],
    }
    data.update(_subject_info(ctx, session, cycle, today))
    data["history"] = _history(session, cycle)
    return data


# The task's text, its agencies as written and as routed today, the directory's names: the same for every
# link of a task on a given day, and most of a page's queries. Kept a few minutes (a re-imported plan or a
# directory change shows up after that).
_INFO_TTL = 300.0
_info_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}


def _subject_info(ctx: WebContext, session: Session, cycle: Cycle, today: Any) -> dict[str, Any]:
    key = (id(ctx), cycle.subject, cycle.plan_id, cycle.agency_id, cycle.round_id, today)
    now = time.monotonic()
    hit = _info_cache.get(key)
    if hit is not None and now - hit[0] < _INFO_TTL:
        return hit[1]
    if len(_info_cache) > 5000:
        _info_cache.clear()
    info = _load_subject_info(ctx, session, cycle, today)
    _info_cache[key] = (now, info)
    return info


def _load_subject_info(ctx: WebContext, session: Session, cycle: Cycle, today: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"agency": session.get(Agency, cycle.agency_id), "plan": session.get(Plan, cycle.plan_id)}
    directory = ctx.core.runtime.directory
    if cycle.task_id:
        task = session.get(Task, cycle.task_id)
        assert task is not None
        data.update(
            subject_name=f"Nhiệm vụ {task.number}",
            title=task.title,
            output=task.output_raw,
            deadline_raw=task.deadline_raw,
            section=f"{task.section}. {task.section_title}",
        )
        links = list(
            session.execute(select(TaskAgency).where(TaskAgency.task_id == task.id).order_by(TaskAgency.position))
            .scalars()
            .all()
        )
        data["lead"] = _agencies(session, directory, [a for a in links if a.role == Role.lead], today)
        data["coordinating"] = _agencies(session, directory, [a for a in links if a.role == Role.coordinating], today)
        data["lead_raw"], data["coordinating_raw"] = task.lead_raw, task.coordinating_raw
    else:
        indicator = session.get(Indicator, cycle.indicator_id)
        assert indicator is not None
        data.update(
            subject_name=f"Chỉ tiêu {indicator.code}",
            title=indicator.title,
            output=" ".join(p for p in (indicator.target_raw, indicator.unit_raw) if p),
            deadline_raw="Báo cáo định kỳ" + (f" (mốc năm {indicator.horizon})" if indicator.horizon else ""),
            section=f"{indicator.group_code}. {indicator.group_title}",
            unit=indicator.unit_raw,
            target=indicator.target_raw,
        )
        monitors = session.execute(
            select(IndicatorAgency)
            .where(IndicatorAgency.indicator_id == indicator.id)
            .order_by(IndicatorAgency.position)
        ).scalars()
        data["lead"] = _agencies(session, directory, list(monitors), today)
        data["coordinating"] = []
        data["lead_raw"], data["coordinating_raw"] = indicator.monitor_raw, ""
    if cycle.round_id:
        from models.store.cycle_tables import ReportRound

        data["round"] = session.get(ReportRound, cycle.round_id)
    data["agency_names"] = sorted(a.name for a in directory.agencies.values() if a.is_valid_on(today))
    for value in data.values():  # detached copies: the cache outlives the session
        if hasattr(value, "_sa_instance_state"):
            session.expunge(value)
    return data


def _agencies(session: Session, directory: Any, links: list[Any], today: Any) -> list[dict[str, Any]]:
    """Each agency as the plan wrote it, beside the agencies that hold it today."""
    out = []
    for link in links:
        code = None
        if link.agency_id:
            code = session.execute(select(Agency.code).where(Agency.id == link.agency_id)).scalar()
        elif link.group_id:
            code = session.execute(select(AgencyGroup.code).where(AgencyGroup.id == link.group_id)).scalar()
        now: list[str] = []
        if code and code in directory:
            now = [a.name for a in directory.route(code, today)]
        changed = bool(now) and now != [link.raw_name]
        out.append({"raw": link.raw_name, "now": now, "changed": changed, "many": len(now) > 3})
    return out


def _history(session: Session, cycle: Cycle) -> list[dict[str, Any]]:
    """The cycle's answers and the officers' decisions, oldest first."""
    items: list[dict[str, Any]] = []
    for a in session.execute(select(Answer).where(Answer.cycle_id == cycle.id).order_by(Answer.id)).scalars():
        items.append({"kind": "answer", "at": a.created_at, "answer": a, "status_text": _status_text(a.status)})
    for r in session.execute(
        select(AnswerReview).where(AnswerReview.cycle_id == cycle.id).order_by(AnswerReview.id)
    ).scalars():
        items.append({"kind": "review", "at": r.at, "review": r, "text": DECISION_TEXT.get(r.decision, r.decision)})  # type: ignore[call-overload]
    items.sort(key=lambda item: item["at"])
    return items


def _status_text(status: str | None) -> str:
    return ANSWER_STATUS_TEXT.get(AnswerStatus(status), status) if status else ""


# --------------------------------------------------------------------------------------------------
# Routes
# --------------------------------------------------------------------------------------------------


@router.get("/r/{token}", response_class=HTMLResponse)
async def answer_page(token: str, request: Request) -> Response:
    ctx = ctx_of(request)
    ip_key = "ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    if not ctx.limiter.hit("page:" + ip_key, ctx.limits.page_per_ip):
        return too_many(request)
    row, refusal = await run_in_threadpool(_check, ctx, request, token)
    if refusal is not None:
        return refusal
    assert row is not None
    if not ctx.limiter.hit("page:" + row.token_hash[:16], ctx.limits.page_per_token):
        return too_many(request)
    return await run_in_threadpool(_show_form, ctx, request, row, {}, {}, None, 200)


def _show_form(
    ctx: WebContext,
    request: Request,
    row: ResponseToken,
    values: dict[str, str],
    errors: dict[str, str],
    general: str | None,
    status_code: int,
) -> HTMLResponse:
    with Session(ctx.core.engine) as session:
        data = page_data(ctx, session, row)
    data.update(
        values=values,
        errors=errors,
        general_error=general,
        csrf=ctx.csrf.issue(CSRF_PURPOSE, row.token_hash),
        action=str(request.url.path),
        max_mb=MAX_ATTACHMENT // 1048576,
    )
    return render(request, "answer.html", data, status_code)


@router.post("/r/{token}", response_class=HTMLResponse)
async def answer_submit(token: str, request: Request) -> Response:
    ctx = ctx_of(request)
    ip_key = "ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    if not ctx.limiter.hit("submit:" + ip_key, ctx.limits.submit_per_ip):
        return too_many(request)
    row, refusal = await run_in_threadpool(_check, ctx, request, token)
    if refusal is not None:
        return refusal
    assert row is not None
    if not ctx.limiter.hit("submit:" + row.token_hash[:16], ctx.limits.submit_per_token):
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
        if not ctx.csrf.check(str(form.get("csrf") or ""), CSRF_PURPOSE, row.token_hash, CSRF_MAX_AGE):
            log.warning("answer form: bad or expired CSRF token (token hash %s…)", row.token_hash[:8])
            return await run_in_threadpool(
                _show_form,
                ctx,
                request,
                row,
                values,
                {},
                "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng kiểm tra lại và bấm Gửi báo cáo một lần nữa.",
                403,
            )
        return await run_in_threadpool(_submit, ctx, request, row, values, upload, str(form.get("csrf")))
    finally:
        await form.close()


def _submit(
    ctx: WebContext,
    request: Request,
    row: ResponseToken,
    values: dict[str, str],
    upload: Any,
    csrf: str,
) -> Response:
    has_file = isinstance(upload, UploadFile) and bool(upload.filename)
    with Session(ctx.core.engine) as session:
        cycle = session.get(Cycle, row.cycle_id)
        assert cycle is not None
        if cycle.status not in ANSWERABLE:
            return _show_form(
                ctx, request, row, values, {}, "Kỳ báo cáo này đã kết thúc, không nhận thêm báo cáo.", 409
            )
        form = AnswerInput(**values, has_attachment=has_file)
        clean = validate_answer(cycle, form, ctx.today(), is_indicator=cycle.indicator_id is not None)
    errors = dict(clean.errors)
    sniffed = None
    if has_file:
        assert isinstance(upload, UploadFile)
        size = upload.size if upload.size is not None else _size(upload)
        try:
            sniffed = check_upload(upload.file, size)
        except UploadError as exc:
            errors["attachment"] = str(exc)
    other_id = None
    if clean.other_agency:
        match = ctx.core.runtime.directory.match(clean.other_agency)
        if isinstance(match, DirectoryAgency):
            with Session(ctx.core.engine) as session:
                other_id = session.execute(select(Agency.id).where(Agency.code == match.code)).scalar()
    if errors:
        if has_file and "attachment" not in errors:
            errors["attachment"] = "Vui lòng chọn lại tệp đính kèm (trình duyệt không giữ tệp khi biểu mẫu có lỗi)."
        return _show_form(
            ctx, request, row, values, errors, "Báo cáo chưa được gửi: vui lòng sửa các mục báo lỗi.", 422
        )

    stored = store(upload.file, ctx.data_dir, upload.filename, sniffed) if sniffed is not None else None
    ip_hash = keyed_hash(ctx.secret, "answer-ip", client_ip(request))
    try:
        with Session(ctx.core.engine, expire_on_commit=False) as session:
            recorded = record_answer(
                session,
                cycle_id=row.cycle_id,
                agency_id=row.agency_id,
                answer=clean,
                submission_key=keyed_hash(ctx.secret, "submission", csrf, 64),
                token_id=row.id,
                attachment=stored,
                client_ip_hash=ip_hash,
                other_agency_id=other_id,
            )
            session.commit()
    except DecisionError as exc:
        if stored:
            remove(ctx.data_dir, stored)
        return _show_form(ctx, request, row, values, {}, f"Báo cáo chưa được gửi: {exc}.", 409)
    except Exception:
        if stored:
            remove(ctx.data_dir, stored)
        raise
    if not recorded.created and stored:
        remove(ctx.data_dir, stored)  # a double submit: the first answer already has its file
    log.info("answer %s recorded for cycle %s", recorded.answer.reference, row.cycle_id)
    return RedirectResponse(f"{request.url.path}/bien-nhan/{recorded.answer.reference}", status_code=303)


def _size(upload: UploadFile) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


@router.get("/r/{token}/bien-nhan/{reference}", response_class=HTMLResponse)
async def receipt(token: str, reference: str, request: Request) -> Response:
    ctx = ctx_of(request)
    ip_key = "ip:" + keyed_hash(ctx.secret, "ip", client_ip(request))
    if not ctx.limiter.hit("page:" + ip_key, ctx.limits.page_per_ip):
        return too_many(request)
    row, refusal = await run_in_threadpool(_check, ctx, request, token)
    if refusal is not None:
        return refusal
    assert row is not None
    return await run_in_threadpool(_receipt, ctx, request, row, reference)


def _receipt(ctx: WebContext, request: Request, row: ResponseToken, reference: str) -> HTMLResponse:
    with Session(ctx.core.engine) as session:
        answer = session.execute(
            select(Answer).where(Answer.reference == reference[:32], Answer.cycle_id == row.cycle_id)
        ).scalar()
        if answer is None:
            return invalid_link(request)
        data = page_data(ctx, session, row)
    data.update(
        answer=answer,
        status_text=_status_text(answer.status),
        back=str(request.url.path).rsplit("/bien-nhan/", 1)[0],
    )
    return render(request, "receipt.html", data)
