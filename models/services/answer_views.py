"""What the answer link (``/r/{token}``) reads and records: whether a presented token is live, everything
its page shows of the token's cycle (and nothing of any other cycle), the form checked against the cycle,
the one transaction that records an answer (``models.services.answers.record_answer``), and the receipt.

GET never changes anything here (mail scanners and Zalo's link previews open links).
"""

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from models.domain.answer_form import AnswerInput, CleanAnswer, StoredFile, validate_answer
from models.domain.indicators import default_period, format_value, period_choices, period_label, unit_rule
from models.domain.states import (
    ANSWER_STATUS_TEXT,
    ANSWERABLE,
    DECISION_TEXT,
    AnswerStatus,
    CycleKind,
    Role,
    role_label,
)
from models.domain.subjects import subject_name
from models.services.answers import Recorded, record_answer
from models.services.officer_views import agency_choices, agency_id_for_name, answer_status_text
from models.services.plan_view import INDICATOR, TASK, RoutedRole, routed_roles
from models.services.runtime import Runtime
from models.store.answer_tables import Answer, AnswerReview
from models.store.cycle_tables import Cycle, ReportRound
from models.store.indicator_tables import IndicatorValue
from models.store.plan_tables import Agency, Indicator, Plan, Task
from models.store.tokens import TokenCheck, check_token

# A request's one session: the web opens it (:func:`request_session`) and hands it to the ``*_in`` functions.
RequestSession = Session


def request_session(rt: Runtime) -> Session:
    """One session — one pooled connection — for all of a request's reads and its counters' write (a page
    checks its token, reads, counts and commits on it); what it loaded stays readable after the commit."""
    return Session(rt.engine, expire_on_commit=False)


def check_link(rt: Runtime, token: str) -> TokenCheck:
    """Whether ``token`` is a live link (its row), or why not: unknown, expired, revoked."""
    with Session(rt.engine) as session:
        return check_link_in(session, token)


def check_link_in(session: Session, token: str) -> TokenCheck:
    """:func:`check_link` in the caller's session (a page that reads, counts and renders on one connection)."""
    return check_token(session, token)


def answer_page(rt: Runtime, cycle_id: int, today: date) -> dict[str, Any]:
    """Everything the answer page shows for the token's cycle, as the template names it."""
    with Session(rt.engine) as session:
        return answer_page_in(session, rt, cycle_id, today)


def answer_page_in(session: Session, rt: Runtime, cycle_id: int, today: date) -> dict[str, Any]:
    """:func:`answer_page` in the caller's session."""
    return _page_data(session, rt, cycle_id, today)


def receipt_page(rt: Runtime, cycle_id: int, reference: str, today: date) -> dict[str, Any] | None:
    """The answer page's data plus the answer with this receipt number (of this cycle only), or None."""
    with Session(rt.engine) as session:
        return receipt_page_in(session, rt, cycle_id, reference, today)


def receipt_page_in(session: Session, rt: Runtime, cycle_id: int, reference: str, today: date) -> dict[str, Any] | None:
    """:func:`receipt_page` in the caller's session."""
    answer = session.execute(
        select(Answer).where(Answer.reference == reference[:32], Answer.cycle_id == cycle_id)
    ).scalar()
    if answer is None:
        return None
    data = _page_data(session, rt, cycle_id, today)
    data.update(answer=answer, status_text=answer_status_text(answer.status))
    return data


def _page_data(session: Session, rt: Runtime, cycle_id: int, today: date) -> dict[str, Any]:
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    data: dict[str, Any] = {
        "cycle": cycle,
        "role_text": role_label(cycle.role),
        "today": today,
        "days_left": (cycle.due - today).days,
        "answerable": cycle.status in ANSWERABLE,
        "is_indicator": cycle.indicator_id is not None,
        "is_round": cycle.kind == CycleKind.adhoc,
        "statuses": [(s.value, ANSWER_STATUS_TEXT[s]) for s in AnswerStatus],
    }
    data.update(_subject_info(session, rt, cycle, today))
    data["history"] = _history(session, cycle)
    if cycle.indicator_id is not None:
        data.update(_value_form(session, cycle, today))
    return data


def _value_form(session: Session, cycle: Cycle, today: date) -> dict[str, Any]:
    """What the indicator part of the form shows: the periods to pick (the cycle's first), the plausible
    range of a value in the unit, and the values reported before (newest first)."""
    indicator = session.get(Indicator, cycle.indicator_id)
    assert indicator is not None
    rule = unit_rule(indicator.unit_raw, indicator.target_value, indicator.target_value_max)
    low = format_value(rule.low) if rule.low is not None else None
    high = format_value(rule.high) if rule.high is not None else None
    if low is not None and high is not None:
        value_range = f"từ {low} đến {high}"
    elif low is not None:
        value_range = f"từ {low} trở lên"
    else:
        value_range = ""
    values = session.execute(
        select(IndicatorValue)
        .where(IndicatorValue.indicator_id == cycle.indicator_id)
        .order_by(IndicatorValue.period_end.desc(), IndicatorValue.id.desc())  # type: ignore[attr-defined, union-attr]
        .limit(8)
    ).scalars()
    return {
        "default_period": default_period(cycle.period_key, today),
        "periods": period_choices(default_period(cycle.period_key, today), today),
        "value_range": value_range + (" (số nguyên)" if rule.whole and value_range else ""),
        "value_history": [
            {"period": period_label(v.period_key), "value": format_value(v.value), "source": v.source} for v in values
        ],
    }


# The task's text, its agencies as written and as routed today, the directory's names: the same for every
# link of a task on a given day, and most of a page's queries. Kept a few minutes (a re-imported plan or a
# directory change shows up after that).
_INFO_TTL = 300.0
_info_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}


def _subject_info(session: Session, rt: Runtime, cycle: Cycle, today: date) -> dict[str, Any]:
    key = (id(rt), cycle.subject, cycle.plan_id, cycle.agency_id, cycle.round_id, today)
    now = time.monotonic()
    hit = _info_cache.get(key)
    if hit is not None and now - hit[0] < _INFO_TTL:
        return hit[1]
    if len(_info_cache) > 5000:
        _info_cache.clear()
    info = _load_subject_info(session, rt.directory, cycle, today)
    _info_cache[key] = (now, info)
    return info


def _load_subject_info(session: Session, directory: Any, cycle: Cycle, today: date) -> dict[str, Any]:
    data: dict[str, Any] = {"agency": session.get(Agency, cycle.agency_id), "plan": session.get(Plan, cycle.plan_id)}
    if cycle.task_id:
        data.update(_task_info(session, directory, cycle.task_id, today))
    else:
        data.update(_indicator_info(session, directory, cycle.indicator_id, today))
    if cycle.round_id:
        data["round"] = session.get(ReportRound, cycle.round_id)
    data["agency_names"] = [name for _, name in agency_choices(directory, today)]
    for value in data.values():  # detached copies: the cache outlives the session
        if hasattr(value, "_sa_instance_state"):
            session.expunge(value)
    return data


def _task_info(session: Session, directory: Any, task_id: int, today: date) -> dict[str, Any]:
    task = session.get(Task, task_id)
    assert task is not None
    entries = routed_roles(session, directory, today, [(TASK, task.id or 0)]).get((TASK, task.id or 0), [])
    return {
        "subject_name": subject_name(task=task.number),
        "title": task.title,
        "output": task.output_raw,
        "deadline_raw": task.deadline_raw,
        "section": f"{task.section}. {task.section_title}",
        "lead": _agencies([e for e in entries if e.role == Role.lead]),
        "coordinating": _agencies([e for e in entries if e.role == Role.coordinating]),
        "lead_raw": task.lead_raw,
        "coordinating_raw": task.coordinating_raw,
    }


def _indicator_info(session: Session, directory: Any, indicator_id: int | None, today: date) -> dict[str, Any]:
    indicator = session.get(Indicator, indicator_id)
    assert indicator is not None
    key = (INDICATOR, indicator.id or 0)
    monitors = routed_roles(session, directory, today, [key]).get(key, [])
    return {
        "subject_name": subject_name(indicator=indicator.code),
        "title": indicator.title,
        "output": " ".join(p for p in (indicator.target_raw, indicator.unit_raw) if p),
        "deadline_raw": "Báo cáo định kỳ" + (f" (mốc năm {indicator.horizon})" if indicator.horizon else ""),
        "section": f"{indicator.group_code}. {indicator.group_title}",
        "unit": indicator.unit_raw,
        "target": indicator.target_raw,
        "lead": _agencies(monitors),
        "coordinating": [],
        "lead_raw": indicator.monitor_raw,
        "coordinating_raw": "",
    }


def _agencies(entries: list[RoutedRole]) -> list[dict[str, Any]]:
    """Each agency as the plan wrote it, beside the agencies that hold it today."""
    out = []
    for entry in entries:
        now = [a.name for a in entry.routed]
        changed = bool(now) and now != [entry.as_written]
        # Each agency with its marks (the "cần xác nhận" / "mẫu" badges of web/templates/_macros.html).
        items = [{"name": a.name, "review": a.review, "sample": a.sample} for a in entry.routed]
        out.append({"raw": entry.as_written, "now": now, "now_items": items, "changed": changed, "many": len(now) > 3})
    return out


def _history(session: Session, cycle: Cycle) -> list[dict[str, Any]]:
    """The cycle's answers and the officers' decisions, oldest first."""
    items: list[dict[str, Any]] = []
    for a in session.execute(select(Answer).where(Answer.cycle_id == cycle.id).order_by(Answer.id)).scalars():
        items.append({"kind": "answer", "at": a.created_at, "answer": a, "status_text": answer_status_text(a.status)})
    for r in session.execute(
        select(AnswerReview).where(AnswerReview.cycle_id == cycle.id).order_by(AnswerReview.id)
    ).scalars():
        items.append({"kind": "review", "at": r.at, "review": r, "text": DECISION_TEXT.get(r.decision, r.decision)})  # type: ignore[call-overload]
    items.sort(key=lambda item: item["at"])
    return items


# --------------------------------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------------------------------


@dataclass
class CheckedAnswer:
    """The form checked against its cycle: the clean answer (with its errors) and the agency it named."""

    clean: CleanAnswer
    other_agency_id: int | None  # the agency the answer says the work belongs to, when the name matched


def check_answer(rt: Runtime, cycle_id: int, form: AnswerInput, today: date) -> CheckedAnswer | None:
    """``form`` validated for the cycle; None when the cycle takes no more answers (it is closed)."""
    with Session(rt.engine) as session:
        return check_answer_in(session, rt, cycle_id, form, today)


def check_answer_in(
    session: Session, rt: Runtime, cycle_id: int, form: AnswerInput, today: date
) -> CheckedAnswer | None:
    """:func:`check_answer` in the caller's session (then :func:`record_in` on the same connection)."""
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    if cycle.status not in ANSWERABLE:
        return None
    indicator = session.get(Indicator, cycle.indicator_id) if cycle.indicator_id is not None else None
    clean = validate_answer(
        cycle,
        form,
        today,
        is_indicator=indicator is not None,
        indicator=indicator,
        period=default_period(cycle.period_key, today),
    )
    other = agency_id_for_name(session, rt.directory, clean.other_agency) if clean.other_agency else None
    return CheckedAnswer(clean, other)


def record(
    rt: Runtime,
    checked: CheckedAnswer,
    *,
    cycle_id: int,
    agency_id: int,
    submission_key: str,
    token_id: int | None,
    attachment: StoredFile | None,
    client_ip_hash: str | None,
) -> Recorded:
    """Record the checked answer in one transaction (``record_answer``; ``DecisionError`` when refused)."""
    with Session(rt.engine, expire_on_commit=False) as session:
        return record_in(
            session,
            checked,
            cycle_id=cycle_id,
            agency_id=agency_id,
            submission_key=submission_key,
            token_id=token_id,
            attachment=attachment,
            client_ip_hash=client_ip_hash,
        )


def record_in(
    session: Session,
    checked: CheckedAnswer,
    *,
    cycle_id: int,
    agency_id: int,
    submission_key: str,
    token_id: int | None,
    attachment: StoredFile | None,
    client_ip_hash: str | None,
) -> Recorded:
    """:func:`record` in the caller's session, committed here (rolled back by the caller's session on
    ``DecisionError``)."""
    recorded = record_answer(
        session,
        cycle_id=cycle_id,
        agency_id=agency_id,
        answer=checked.clean,
        submission_key=submission_key,
        token_id=token_id,
        attachment=attachment,
        client_ip_hash=client_ip_hash,
        other_agency_id=checked.other_agency_id,
    )
    session.commit()
    return recorded
