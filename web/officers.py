"""The officers' pages (login required): where the plan stands, each task with its cycles, messages and
answers, decisions on answers, ad hoc rounds, dead messages, and the report files.

Every POST carries a CSRF token bound to the officer's session. Decisions go through ``models.services.answers``
(conditional updates and history); the messages a decision queues are sent right after the response
by a background ``Outbox.dispatch()`` (the next scheduled dispatch would send them anyway).

An ad hoc round is opened here directly — ``models.services.rounds.open_round``, then
``models.services.cycles.queue_batch`` and the outbox dispatch — not through the Prefect ``round`` flow,
so the web server needs no Prefect API.
"""

import io
import logging
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlparse

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from models.domain import answer_form
from models.domain.states import (
    ANSWER_STATUS_TEXT,
    DECISION_TEXT,
    NOTIFICATION_TEXT,
    STATUS_TEXT,
    AnswerStatus,
    CycleStatus,
    NotificationStatus,
    role_label,
)
from models.services import decisions
from models.services.reminders import queue_batch
from models.services.reports import (
    SHOWN,
    STATE_TEXT,
    CycleFacts,
    State,
    build_report,
    csv_text,
    cycle_state,
    find_plan,
    load_facts,
    write_json,
    write_xlsx,
)
from models.services.rounds import RoundError, RoundRequest, open_and_queue
from models.store.answer_tables import Answer, AnswerReview, OfficerUser
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReportRound
from models.store.plan_tables import Agency, Indicator, Plan, Task
from notifiers.masking import mask_address
from web.answer import client_ip, too_many
from web.app import LoginRequired, WebContext, ctx_of, error_page, render
from web.security import (
    PRELOGIN_COOKIE,
    SESSION_COOKIE,
    SESSION_MAX,
    authenticate,
    close_session,
    keyed_hash,
    open_session,
    session_user,
)
from web.uploads import UploadError, resolve

log = logging.getLogger("dondoc.web.officers")

router = APIRouter(prefix="/officers")

CSRF_PURPOSE = "officer"
CSRF_MAX_AGE = 8 * 3600
MESSAGES = {
    "accepted": "Đã chấp nhận báo cáo.",
    "returned": "Đã trả lại báo cáo; ý kiến đã được gửi tới cơ quan.",
    "extended": "Đã gia hạn; lịch nhắc theo hạn mới.",
    "refused": "Đã không chấp thuận gia hạn; cơ quan tiếp tục được nhắc.",
    "reassigned": "Đã chuyển nhiệm vụ cho cơ quan khác; cơ quan mới đã được thông báo.",
    "resent": "Đã gửi lại đường dẫn báo cáo.",
    "revoked": "Đã thu hồi các đường dẫn của kỳ báo cáo.",
    "retried": "Đã xếp các tin nhắn vào hàng đợi gửi lại.",
    "round": "Đã mở đợt báo cáo và gửi thông báo.",
}
CHANNEL_TEXT = {"zalo": "Zalo", "sms": "SMS", "email": "Email"}


@dataclass
class Officer:
    user: OfficerUser
    session_hash: str
    csrf: str


def require_officer(request: Request) -> Officer:
    ctx = ctx_of(request)
    with Session(ctx.core.engine, expire_on_commit=False) as session:
        found = session_user(session, request.cookies.get(SESSION_COOKIE))
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


def _dispatch(ctx: WebContext, tasks: BackgroundTasks) -> None:
    if ctx.dispatch_after_decisions:
        tasks.add_task(_dispatch_now, ctx)


def _dispatch_now(ctx: WebContext) -> None:
    try:
        stats = ctx.core.outbox().dispatch(max_batches=5)
        log.info("dispatched after a decision: %s sent", stats.sent)
    except Exception:  # the scheduled dispatch will send them; the officer's decision is recorded
        log.exception("dispatch after a decision failed")


# --------------------------------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a path of these pages (no other host, no scheme): an open redirect helps phishing."""
    if not target:
        return "/officers"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/officers") or "\\" in target:
        return "/officers"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    ctx = ctx_of(request)
    pre = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(16)
    response = render(
        request,
        "officers/login.html",
        {
            "csrf": ctx.csrf.issue("login", pre),
            "next": _safe_next(request.query_params.get("next")),
            "error": None,
            "login": "",
        },
    )
    _set_pre(ctx, response, pre)
    return response


def _set_pre(ctx: WebContext, response: Response, pre: str) -> None:
    response.set_cookie(
        PRELOGIN_COOKIE, pre, max_age=3600, httponly=True, samesite="lax", secure=ctx.secure_cookies, path="/officers"
    )


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    ctx = ctx_of(request)
    form = await request.form(max_files=0, max_fields=10, max_part_size=8 * 1024)
    login = str(form.get("login") or "").strip().lower()[:64]
    password = str(form.get("password") or "")[:256]
    target = _safe_next(str(form.get("next") or ""))
    pre = request.cookies.get(PRELOGIN_COOKIE) or ""
    ip_key = keyed_hash(ctx.secret, "ip", client_ip(request))

    def again(error: str, status_code: int) -> Response:
        fresh = pre or secrets.token_urlsafe(16)
        response = render(
            request,
            "officers/login.html",
            {"csrf": ctx.csrf.issue("login", fresh), "next": target, "error": error, "login": login},
            status_code,
        )
        _set_pre(ctx, response, fresh)
        return response

    if not pre or not ctx.csrf.check(str(form.get("csrf") or ""), "login", pre, 3600):
        return again("Trang đăng nhập đã hết hạn, vui lòng đăng nhập lại.", 403)
    if not ctx.limiter.hit("login:" + ip_key, ctx.limits.login_per_ip) or not ctx.limiter.hit(
        "login-name:" + keyed_hash(ctx.secret, "login", login), ctx.limits.login_per_name
    ):
        return too_many(request)

    def check() -> str | None:
        with Session(ctx.core.engine) as session:
            user = authenticate(session, login, password)
            if user is None:
                return None
            cookie = open_session(session, user)
            session.commit()
            return cookie

    cookie = await run_in_threadpool(check)
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

    def close() -> None:
        with Session(ctx.core.engine) as session:
            close_session(session, request.cookies.get(SESSION_COOKIE))
            session.commit()

    await run_in_threadpool(close)
    response = RedirectResponse("/officers/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --------------------------------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def overview(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    wanted_state = request.query_params.get("state") or ""
    with Session(ctx.core.engine) as session:
        plans = list(session.execute(select(Plan).order_by(Plan.imported_at.desc())).scalars())
        plan = find_plan(session, request.query_params.get("plan"))
        if plan is None:
            return page(request, officer, "officers/overview.html", {"plan": None, "plans": plans})
        report = build_report(session, plan, today, ctx.core.runtime.directory)
        facts = load_facts(session, plan.id or 0)
        review = session.execute(
            select(func.count()).select_from(Cycle).where(Cycle.status == CycleStatus.answered)
        ).scalar_one()
        dead = session.execute(
            select(func.count()).select_from(Notification).where(Notification.status == NotificationStatus.dead)
        ).scalar_one()
    sections: dict[str, dict[str, Any]] = {}
    for row in report.tasks:
        entry = sections.setdefault(
            row.section, {"title": row.section_title, "counts": dict.fromkeys(State, 0), "total": 0}
        )
        entry["counts"][State(row.state)] += 1
        entry["total"] += 1
    agencies = _agency_counts(facts, today)
    rows = [r for r in report.tasks if not wanted_state or r.state == wanted_state]
    return page(
        request,
        officer,
        "officers/overview.html",
        {
            "plan": plan,
            "plans": plans,
            "report": report,
            "counts": report.counts(),
            "shown": SHOWN,
            "sections": sections,
            "agencies": agencies,
            "rows": rows,
            "wanted_state": wanted_state,
            "review_count": review,
            "dead_count": dead,
            "today": today,
        },
    )


def _agency_counts(facts: list[CycleFacts], today: date) -> list[dict[str, Any]]:
    """Per agency: the states of its cycles opened by today (what it owes now or has delivered)."""
    out: dict[str, dict[str, Any]] = {}
    for f in facts:
        if f.opens_on > today:
            continue
        entry = out.setdefault(f.agency_name, {"name": f.agency_name, "counts": dict.fromkeys(State, 0), "total": 0})
        entry["counts"][cycle_state(f, today)] += 1
        entry["total"] += 1
    return sorted(out.values(), key=lambda e: (-e["counts"][State.overdue], e["name"]))


# --------------------------------------------------------------------------------------------------
# A task or indicator, a cycle
# --------------------------------------------------------------------------------------------------


@router.get("/tasks/{task_id}", response_class=HTMLResponse)
def task_page(task_id: int, request: Request, officer: OfficerDep) -> Response:
    return _subject_page(request, officer, "task", task_id)


@router.get("/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_page(indicator_id: int, request: Request, officer: OfficerDep) -> Response:
    return _subject_page(request, officer, "indicator", indicator_id)


def _subject_page(request: Request, officer: Officer, kind: str, subject_id: int) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    with Session(ctx.core.engine) as session:
        subject: Task | Indicator | None = session.get(Task if kind == "task" else Indicator, subject_id)
        if subject is None:
            return error_page(request, 404, "Không tìm thấy", "Không có nhiệm vụ hoặc chỉ tiêu này.")
        plan = session.get(Plan, subject.plan_id)
        cycles = list(
            session.execute(
                select(Cycle)
                .where(Cycle.subject == f"{kind}:{subject_id}")
                .order_by(Cycle.due_effective, Cycle.role, Cycle.agency_id)
            ).scalars()
        )
        details = [_cycle_details(session, c, today) for c in cycles]
    return page(
        request,
        officer,
        "officers/subject.html",
        {"kind": kind, "subject": subject, "plan": plan, "cycles": details, "today": today},
    )


def _cycle_details(session: Session, cycle: Cycle, today: date) -> dict[str, Any]:
    agency = session.get(Agency, cycle.agency_id)
    answers = list(session.execute(select(Answer).where(Answer.cycle_id == cycle.id).order_by(Answer.id)).scalars())
    reviews = list(
        session.execute(
            select(AnswerReview).where(AnswerReview.cycle_id == cycle.id).order_by(AnswerReview.id)
        ).scalars()
    )
    messages = list(
        session.execute(
            select(Notification).where(Notification.cycle_id == cycle.id).order_by(Notification.id)
        ).scalars()
    )
    facts = CycleFacts(
        cycle_id=cycle.id or 0,
        subject=cycle.subject,
        task_id=cycle.task_id,
        indicator_id=cycle.indicator_id,
        agency_id=cycle.agency_id,
        agency_name=agency.name if agency else "?",
        role=cycle.role,
        kind=cycle.kind,
        period_key=cycle.period_key,
        label=cycle.label,
        status=cycle.status,
        opens_on=cycle.opens_on,
        due_nominal=cycle.due_nominal,
        due_effective=cycle.due_effective,
        due_extended=cycle.due_extended,
    )
    if answers:
        last = answers[-1]
        from models.domain.clock import TZ

        facts.answered_on = last.created_at.astimezone(TZ).date()
        facts.answer_status, facts.extension_to, facts.answers = last.status, last.extension_to, len(answers)
    state = cycle_state(facts, today)
    return {
        "cycle": cycle,
        "agency": agency,
        "role_text": role_label(cycle.role),
        "answers": [
            {"a": a, "status_text": ANSWER_STATUS_TEXT.get(AnswerStatus(a.status), "") if a.status else ""}
            for a in answers
        ],
        "reviews": [{"r": r, "text": DECISION_TEXT.get(r.decision, r.decision)} for r in reviews],  # type: ignore[call-overload]
        "messages": [
            {
                "n": m,
                "channel": CHANNEL_TEXT.get(m.channel, m.channel),
                "status": NOTIFICATION_TEXT.get(m.status, m.status),  # type: ignore[call-overload]
                "address": mask_address(m.address),
            }
            for m in messages
        ],
        "state": state,
        "pending_extension": cycle.status == CycleStatus.answered and bool(answers) and answers[-1].extension_to,
        "wrong_agency": cycle.status == CycleStatus.answered and bool(answers) and answers[-1].other_agency,
        "last_answer": answers[-1] if answers else None,
    }


@router.get("/cycles/{cycle_id}", response_class=HTMLResponse)
def cycle_page(cycle_id: int, request: Request, officer: OfficerDep) -> Response:
    return _cycle_page(request, officer, cycle_id, None, 200)


def _cycle_page(request: Request, officer: Officer, cycle_id: int, error: str | None, status_code: int) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    with Session(ctx.core.engine) as session:
        cycle = session.get(Cycle, cycle_id)
        if cycle is None:
            return error_page(request, 404, "Không tìm thấy", "Không có kỳ báo cáo này.")
        detail = _cycle_details(session, cycle, today)
        subject: Task | Indicator | None = (
            session.get(Task, cycle.task_id) if cycle.task_id else session.get(Indicator, cycle.indicator_id)
        )
        events = list(
            session.execute(select(CycleEvent).where(CycleEvent.cycle_id == cycle_id).order_by(CycleEvent.id)).scalars()
        )
        rnd = session.get(ReportRound, cycle.round_id) if cycle.round_id else None
    directory = ctx.core.runtime.directory
    agency_names = sorted(a.name for a in directory.agencies.values() if a.is_valid_on(today))
    suggested = ""
    if detail["wrong_agency"] and detail["last_answer"] is not None:
        suggested = detail["last_answer"].other_agency or ""
    return page(
        request,
        officer,
        "officers/cycle.html",
        {
            "d": detail,
            "subject": subject,
            "kind": "task" if cycle.task_id else "indicator",
            "events": events,
            "round": rnd,
            "error": error,
            "agency_names": agency_names,
            "suggested_agency": suggested,
            "today": today,
            "closed": cycle.status in (CycleStatus.accepted, CycleStatus.cancelled),
        },
        status_code,
    )


ACTIONS = {"accept", "return", "extend", "refuse", "reassign", "resend", "revoke"}


@router.post("/cycles/{cycle_id}/{action}")
async def cycle_action(
    cycle_id: int, action: str, request: Request, officer: OfficerDep, background: BackgroundTasks
) -> Response:
    ctx = ctx_of(request)
    if action not in ACTIONS:
        return error_page(request, 404, "Không tìm thấy", "Thao tác không có.")
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    login = officer.user.login
    rt = ctx.core.runtime

    def act() -> tuple[str | None, str | None]:
        """(message code, error)"""
        comment = str(form.get("comment") or "")
        with Session(ctx.core.engine, expire_on_commit=False) as session:
            try:
                queue_after: int | None = None
                if action == "accept":
                    if not decisions.accept(session, cycle_id, login, comment):
                        raise answer_form.DecisionError("kỳ báo cáo vừa được người khác cập nhật")
                    code = "accepted"
                elif action == "return":
                    decisions.return_answer(session, rt, cycle_id, login, comment)
                    code = "returned"
                elif action == "extend":
                    new_due = answer_form.parse_form_date(str(form.get("new_due") or ""))
                    if new_due is None:
                        raise answer_form.DecisionError("vui lòng nhập hạn mới (ngày/tháng/năm)")
                    if new_due < ctx.today():
                        raise answer_form.DecisionError("hạn mới không được trước ngày hôm nay")
                    decisions.grant_extension(session, rt, cycle_id, login, new_due, comment)
                    code = "extended"
                elif action == "refuse":
                    decisions.refuse_extension(session, rt, cycle_id, login, comment)
                    code = "refused"
                elif action == "reassign":
                    name = str(form.get("agency") or "").strip()
                    match = rt.directory.match(name) if name else None
                    agency_id = (
                        session.execute(select(Agency.id).where(Agency.code == match.code)).scalar() if match else None
                    )
                    if agency_id is None:
                        raise answer_form.DecisionError("không tìm thấy cơ quan nhận; chọn một tên trong danh sách")
                    queue_after = decisions.reassign(session, rt, cycle_id, login, agency_id, comment)
                    code = "reassigned"
                elif action == "resend":
                    if decisions.resend_link(session, rt, cycle_id, login) == 0:
                        raise answer_form.DecisionError("cơ quan chưa có địa chỉ liên lạc (Zalo, SMS, email)")
                    code = "resent"
                else:
                    decisions.revoke_links(session, cycle_id, login)
                    code = "revoked"
                session.commit()
            except answer_form.DecisionError as exc:
                session.rollback()
                return None, str(exc)
        if queue_after is not None:
            queue_batch(rt, [queue_after], ctx.today())
        return code, None

    code, error = await run_in_threadpool(act)
    if error:
        return await run_in_threadpool(_cycle_page, request, officer, cycle_id, f"Chưa thực hiện được: {error}.", 409)
    log.info("officer %s: %s on cycle %s", login, action, cycle_id)
    _dispatch(ctx, background)
    return RedirectResponse(f"/officers/cycles/{cycle_id}?ok={code}", status_code=303)


# --------------------------------------------------------------------------------------------------
# Review queue
# --------------------------------------------------------------------------------------------------


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    with Session(ctx.core.engine) as session:
        cycles = list(
            session.execute(
                select(Cycle).where(Cycle.status == CycleStatus.answered).order_by(Cycle.answered_at, Cycle.id)
            ).scalars()
        )
        items = []
        for c in cycles:
            d = _cycle_details(session, c, today)
            d["subject_name"] = _subject_name(session, c)
            items.append(d)
    return page(request, officer, "officers/review.html", {"items": items, "today": today})


def _subject_name(session: Session, cycle: Cycle) -> str:
    if cycle.task_id:
        task = session.get(Task, cycle.task_id)
        return f"Nhiệm vụ {task.number}" if task else "?"
    indicator = session.get(Indicator, cycle.indicator_id)
    return f"Chỉ tiêu {indicator.code}" if indicator else "?"


# --------------------------------------------------------------------------------------------------
# Ad hoc rounds
# --------------------------------------------------------------------------------------------------


def _split(value: Any) -> list[str]:
    text = " ".join(value) if isinstance(value, list) else str(value or "")
    return [p.strip() for p in text.replace(";", ",").replace(" ", ",").split(",") if p.strip()]


@router.get("/rounds/new", response_class=HTMLResponse)
def round_form(request: Request, officer: OfficerDep) -> Response:
    return _round_form(request, officer, {}, None, 200)


def _round_form(
    request: Request, officer: Officer, values: dict[str, Any], error: str | None, status_code: int
) -> HTMLResponse:
    ctx = ctx_of(request)
    today = ctx.today()
    agencies = sorted(
        ((a.code, a.name) for a in ctx.core.runtime.directory.agencies.values() if a.is_valid_on(today)),
        key=lambda item: item[1],
    )
    chosen = values.get("agencies") or []
    chosen = chosen if isinstance(chosen, list) else [chosen]
    return page(
        request,
        officer,
        "officers/round.html",
        {"values": values, "error": error, "agencies": agencies, "chosen": set(chosen), "today": today},
        status_code,
    )


@router.post("/rounds")
async def round_open(request: Request, officer: OfficerDep, background: BackgroundTasks) -> Response:
    ctx = ctx_of(request)
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    title = str(form.get("title") or "").strip()[:255]
    due = answer_form.parse_form_date(str(form.get("due") or ""))
    if not title or due is None:
        return _round_form(request, officer, form, "Vui lòng nhập tiêu đề và hạn báo cáo.", 422)
    agencies = form.get("agencies") or []
    req = RoundRequest(
        title=title,
        due_on=due,
        tasks=_split(form.get("tasks")),
        indicators=_split(form.get("indicators")),
        agencies=agencies if isinstance(agencies, list) else [agencies],
        message=answer_form.clean_text(str(form.get("message") or ""), 2000),
        created_by=officer.user.login,
        # The form's own nonce: a double click opens the round once.
        idempotency_key="web-" + keyed_hash(ctx.secret, "round", str(form.get("csrf")), 40),
    )
    rt = ctx.core.runtime
    today = ctx.today()

    def run() -> tuple[int | None, str | None]:
        try:
            return open_and_queue(rt, req, today).round_id, None
        except RoundError as exc:
            return None, str(exc)

    round_id, error = await run_in_threadpool(run)
    if error:
        return _round_form(request, officer, form, f"Chưa mở được đợt báo cáo: {error}.", 422)
    log.info("officer %s opened round %s", officer.user.login, round_id)
    _dispatch(ctx, background)
    return RedirectResponse(f"/officers/rounds/{round_id}?ok=round", status_code=303)


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(round_id: int, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    today = ctx.today()
    with Session(ctx.core.engine) as session:
        rnd = session.get(ReportRound, round_id)
        if rnd is None:
            return error_page(request, 404, "Không tìm thấy", "Không có đợt báo cáo này.")
        cycles = list(session.execute(select(Cycle).where(Cycle.round_id == round_id).order_by(Cycle.id)).scalars())
        items = []
        for c in cycles:
            d = _cycle_details(session, c, today)
            d["subject_name"] = _subject_name(session, c)
            items.append(d)
    return page(request, officer, "officers/round_view.html", {"round": rnd, "items": items, "today": today})


# --------------------------------------------------------------------------------------------------
# Dead messages
# --------------------------------------------------------------------------------------------------


@router.get("/messages/dead", response_class=HTMLResponse)
def dead_messages(request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    with Session(ctx.core.engine) as session:
        rows = list(
            session.execute(
                select(Notification, Agency.name)
                .join(Agency, Agency.id == Notification.agency_id, isouter=True)
                .where(Notification.status == NotificationStatus.dead)
                .order_by(Notification.id.desc())  # type: ignore[union-attr]
                .limit(500)
            ).all()
        )
    items = [
        {
            "n": n,
            "agency": name or "",
            "channel": CHANNEL_TEXT.get(n.channel, n.channel),
            "address": mask_address(n.address),
        }
        for n, name in rows
    ]
    return page(request, officer, "officers/dead.html", {"items": items})


@router.post("/messages/retry")
async def retry_messages(request: Request, officer: OfficerDep, background: BackgroundTasks) -> Response:
    ctx = ctx_of(request)
    form = await officer_form(request, officer)
    if form is None:
        return csrf_refused(request)
    raw = form.get("id") or []
    ids = [int(v) for v in (raw if isinstance(raw, list) else [raw]) if str(v).isdigit()]
    everything = form.get("all") == "1"
    if not everything and not ids:
        return RedirectResponse("/officers/messages/dead", status_code=303)

    def run() -> int:
        with Session(ctx.core.engine) as session:
            count = decisions.retry_dead(session, None if everything else ids)
            session.commit()
            return count

    count = await run_in_threadpool(run)
    log.info("officer %s put %s dead messages back in the queue", officer.user.login, count)
    _dispatch(ctx, background)
    return RedirectResponse("/officers/messages/dead?ok=retried", status_code=303)


# --------------------------------------------------------------------------------------------------
# Files: the report, attachments
# --------------------------------------------------------------------------------------------------

REPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/report.{fmt}")
def report_file(fmt: str, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    if fmt not in REPORT_TYPES:
        return error_page(request, 404, "Không tìm thấy", "Định dạng báo cáo không có (xlsx, json, csv).")
    today = ctx.today()
    with Session(ctx.core.engine) as session:
        plan = find_plan(session, request.query_params.get("plan"))
        if plan is None:
            return error_page(request, 404, "Chưa có kế hoạch", "Cơ sở dữ liệu chưa có kế hoạch nào.")
        report = build_report(session, plan, today, ctx.core.runtime.directory)
    if fmt == "xlsx":
        buf = io.BytesIO()
        write_xlsx(report, buf)
        body = buf.getvalue()
    elif fmt == "json":
        text = io.StringIO()
        write_json(report, text)
        body = text.getvalue().encode("utf-8")
    else:
        body = ("\ufeff" + csv_text(report)).encode("utf-8")  # BOM: Excel then reads UTF-8
    stem = f"bao-cao-{plan.number.replace('/', '-')}-{today:%Y%m%d}"
    return Response(
        body,
        media_type=REPORT_TYPES[fmt],
        headers={"Content-Disposition": f"attachment; filename=\"{stem}.{fmt}\"; filename*=UTF-8''{quote(stem)}.{fmt}"},
    )


@router.get("/answers/{answer_id}/attachment")
def attachment(answer_id: int, request: Request, officer: OfficerDep) -> Response:
    ctx = ctx_of(request)
    with Session(ctx.core.engine) as session:
        answer = session.get(Answer, answer_id)
    if answer is None or not answer.attachment_path:
        return error_page(request, 404, "Không tìm thấy", "Báo cáo này không có tệp đính kèm.")
    try:
        path = resolve(ctx.data_dir, answer.attachment_path)
    except UploadError:
        return error_page(request, 404, "Không tìm thấy", "Tệp đính kèm không hợp lệ.")
    if not path.exists():
        return error_page(request, 404, "Không tìm thấy", "Tệp đính kèm không còn trên máy chủ.")
    return FileResponse(
        path,
        media_type=answer.attachment_type or "application/octet-stream",
        filename=answer.attachment_name or "tep-dinh-kem",
        content_disposition_type="attachment",
    )
