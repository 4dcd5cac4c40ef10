"""The daily evaluation: which cycles exist, which open, which are overdue, which reminders are due.

``evaluate_day(runtime, today)`` runs these steps, each safe to repeat and to run concurrently:

1. **Materialise** the cycles whose opening date is within the look-ahead: one per (task or indicator)
   × responsible agency (routed on ``today``: succession-aware) × period. Inserts skip existing rows
   (``ON CONFLICT DO NOTHING``). A cycle whose agency no longer holds the task (succeeded, dissolved) is
   *cancelled* and its successor gets its own cycle.
2. **Transition**: *scheduled* → *open* when its opening date has come; *open*/*returned*/*extended* →
   *overdue* once its (extended) due date has passed. Every change is written to ``cycleevent``.
3. **Queue reminders** in batches: a batch of reminding cycles is claimed for the day with a conditional
   ``UPDATE cycle SET evaluated_on = today WHERE evaluated_on < today … RETURNING id`` — in the same
   transaction as the messages it queues, so a crash rolls both back and a concurrent run skips the
   batch. For each cycle and recipient, the steps whose moment has passed and that the ledger has not
   recorded are folded into **one** message (catch-up after missed days), recorded in the ledger, and
   written to the outbox — one row per channel, with a unique key (cycle, step, recipient, channel).

Sending is the outbox's job (``notifiers.outbox``). This module imports no Prefect and no network code.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.domain import deadlines as dl
from models.domain.clock import utcnow
from models.domain.messages import step_kind
from models.domain.states import CLOSED, REMINDING, ROLE_TEXT, CycleKind, CycleStatus, Role
from models.domain.tokens import TOKEN_LIFETIME, link_for
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, CycleEvent, Notification, ReminderLedger, ReportRound, ResponseToken
from models.store.plan_tables import Agency, AgencyGroup, Indicator, IndicatorAgency, Plan, Task, TaskAgency
from models.store.tokens import new_token_row

log = logging.getLogger("dondoc.cycles")


@dataclass
class DayReport:
    """Counts of one day's evaluation (``dondoc daily --json`` prints it)."""

    day: str
    created: int = 0
    cancelled: int = 0
    opened: int = 0
    overdue: int = 0
    queued: int = 0
    folded: int = 0
    no_contact: int = 0
    expired: int = 0
    skipped_batches: int = 0

    def add(self, other: "DayReport") -> None:
        for key, value in asdict(other).items():
            if key != "day":
                setattr(self, key, getattr(self, key) + value)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------------
# What is due: rules → due items
# --------------------------------------------------------------------------------------------------


def rule_for(rt: Runtime, plan_number: str, task_number: str, phrase: str) -> Any:
    """The task's deadline rule: the officer's override when configured, else the parsed phrase."""
    key = (plan_number, task_number, phrase)
    rule = rt._rule_cache.get(key)
    if rule is None:
        rule = rt.config.rule_for(plan_number, task_number, phrase)
        rt._rule_cache[key] = rule
    return rule


def task_dues(rt: Runtime, rule: Any, start: date) -> list[tuple[str, dl.Due]]:
    """(cycle kind, due) items of a task rule: its due dates, then periodic reports where ongoing."""
    key = ("task", rule.text, rule.kind, rule.overridden, start)
    cached = rt._due_cache.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    items: list[tuple[str, dl.Due]] = []
    if rule.kind in (dl.Kind.ONE_OFF, dl.Kind.RECURRING, dl.Kind.RANGE):
        dues = dl.expand(rule, start=start, horizon=rt.horizon, calendar=rt.calendar)
        items.extend((CycleKind.deadline, d) for d in dues)
    reports = dl.progress_reports(rule, start=start, horizon=rt.horizon, policy=rt.policy, calendar=rt.calendar)
    items.extend((CycleKind.periodic, d) for d in reports)
    items.sort(key=lambda item: (item[1].effective, item[1].period_key))
    rt._due_cache[key] = items  # type: ignore[assignment]
    return items


def periodic(rt: Runtime, start: date) -> list[dl.Due]:
    key = ("periodic", start)
    cached = rt._due_cache.get(key)
    if cached is None:
        cached = dl.periodic_reports(start, rt.horizon, rt.policy, rt.calendar)
        rt._due_cache[key] = cached  # type: ignore[assignment]
    return cached


def coordinating_due(rt: Runtime, due: dl.Due) -> dl.Due:
    """A coordinating agency's internal deadline: N working days before the lead's effective date."""
    internal = rt.calendar.add_working_days(due.effective, -rt.policy.coordinating_lead_working_days)
    return dl.Due(
        nominal=internal, effective=internal, label=due.label, period_key=due.period_key, is_final=due.is_final
    )


def opens_on(rt: Runtime, due_effective: date) -> date:
    return due_effective - timedelta(days=rt.policy.open_days_before)


# --------------------------------------------------------------------------------------------------
# 1. Materialise
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Want:
    plan_id: int
    subject: str
    task_id: int | None
    indicator_id: int | None
    agency_id: int
    role: str
    kind: str
    period_key: str
    label: str
    opens_on: date
    due_nominal: date
    due_effective: date

    @property
    def identity(self) -> tuple[str, int, str, str]:
        return (self.subject, self.agency_id, self.role, self.period_key)


def _insert_ignore(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on both backends; returns how many rows were inserted.

    A Core statement on the table (not the ORM entity), so that many rows go in one multi-row INSERT.
    """
    if not rows:
        return 0
    core = table.__table__
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(core) if dialect == "postgresql" else sqlite.insert(core)
    stmt = ins.on_conflict_do_nothing().returning(core.c.id)
    conn = session.connection()
    inserted = 0
    for chunk_start in range(0, len(rows), 1000):
        chunk = rows[chunk_start : chunk_start + 1000]
        inserted += len(conn.execute(stmt, chunk).all())
    return inserted


def _routed_agency_ids(rt: Runtime, codes: Iterable[str], on: date, agency_ids: dict[str, int]) -> list[int]:
    seen: list[int] = []
    for code in codes:
        for agency in rt.directory.route(code, on):
            agency_id = agency_ids.get(agency.code)
            if agency_id is not None and agency_id not in seen:
                seen.append(agency_id)
    return seen


@dataclass
class _Subjects:
    """What the evaluation needs of the plans, loaded once per runtime: ids, agency codes by role, dues."""

    agency_ids: dict[str, int]
    tasks: list[tuple[int, int, dict[str, list[str]], list[tuple[str, dl.Due]]]]  # id, plan, roles, dues
    indicators: list[tuple[int, int, list[str], list[dl.Due]]]  # id, plan, monitor codes, dues


def _load_subjects(rt: Runtime, session: Session) -> _Subjects:
    if rt._subjects_cache is not None:
        return rt._subjects_cache  # type: ignore[no-any-return]
    agency_ids = {code: id_ for id_, code in session.execute(select(Agency.id, Agency.code))}
    agency_code = {id_: code for code, id_ in agency_ids.items()}
    group_code = dict(session.execute(select(AgencyGroup.id, AgencyGroup.code)).all())
    plans = {p.id: p for p in session.execute(select(Plan)).scalars()}

    def code_of(agency_id: int | None, group_id: int | None) -> str | None:
        return agency_code.get(agency_id) if agency_id else group_code.get(group_id)  # type: ignore[arg-type]

    roles: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for task_id, role, agency_id, group_id in session.execute(
        select(TaskAgency.task_id, TaskAgency.role, TaskAgency.agency_id, TaskAgency.group_id).order_by(
            TaskAgency.task_id, TaskAgency.position
        )
    ):
        code = code_of(agency_id, group_id)
        if code:
            roles[task_id][role].append(code)
    tasks = []
    for task_id, plan_id, number, phrase in session.execute(
        select(Task.id, Task.plan_id, Task.number, Task.deadline_raw).where(Task.withdrawn.is_(False))
    ):
        plan = plans[plan_id]
        rule = rule_for(rt, plan.number, number, phrase)
        dues = task_dues(rt, rule, plan.issued_on or date.today())
        if dues:
            tasks.append((task_id, plan_id, roles[task_id], dues))
    monitors: dict[int, list[str]] = defaultdict(list)
    for indicator_id, agency_id, group_id in session.execute(
        select(IndicatorAgency.indicator_id, IndicatorAgency.agency_id, IndicatorAgency.group_id).order_by(
            IndicatorAgency.indicator_id, IndicatorAgency.position
        )
    ):
        code = code_of(agency_id, group_id)
        if code:
            monitors[indicator_id].append(code)
    indicators = []
    for indicator_id, plan_id in session.execute(
        select(Indicator.id, Indicator.plan_id).where(Indicator.withdrawn.is_(False))
    ):
        if indicator_id in monitors:
            start = plans[plan_id].issued_on or date.today()
            indicators.append((indicator_id, plan_id, monitors[indicator_id], periodic(rt, start)))
    rt._subjects_cache = _Subjects(agency_ids, tasks, indicators)
    return rt._subjects_cache  # type: ignore[no-any-return]


def wanted_cycles(rt: Runtime, session: Session, today: date) -> list[_Want]:
    """Every cycle that should exist by ``today`` (opening date within the look-ahead)."""
    limit = today + timedelta(days=rt.lookahead_days)
    subjects = _load_subjects(rt, session)
    epoch = rt.routing_epoch(today)
    route_cache: dict[tuple[str, ...], list[int]] = {}

    def routed(codes: list[str]) -> list[int]:
        key = tuple(codes)
        if key not in route_cache:
            route_cache[key] = _routed_agency_ids(rt, codes, epoch, subjects.agency_ids)
        return route_cache[key]

    out: list[_Want] = []
    for task_id, plan_id, roles, items in subjects.tasks:
        leads = routed(roles.get(Role.lead, []))
        coords = [a for a in routed(roles.get(Role.coordinating, [])) if a not in leads]
        for kind, due in items:
            open_day = opens_on(rt, due.effective)
            if open_day > limit:
                break  # items are sorted by date
            for agency_id in leads:
                out.append(
                    _Want(
                        plan_id,
                        f"task:{task_id}",
                        task_id,
                        None,
                        agency_id,
                        Role.lead,
                        kind,
                        due.period_key,
                        due.label,
                        open_day,
                        due.nominal,
                        due.effective,
                    )
                )
            if kind == CycleKind.deadline and coords:
                internal = coordinating_due(rt, due)
                for agency_id in coords:
                    out.append(
                        _Want(
                            plan_id,
                            f"task:{task_id}",
                            task_id,
                            None,
                            agency_id,
                            Role.coordinating,
                            kind,
                            due.period_key,
                            due.label,
                            min(open_day, internal.effective),
                            internal.nominal,
                            internal.effective,
                        )
                    )
    for indicator_id, plan_id, codes, dues in subjects.indicators:
        agencies = routed(codes)
        for due in dues:
            open_day = opens_on(rt, due.effective)
            if open_day > limit:
                break
            for agency_id in agencies:
                out.append(
                    _Want(
                        plan_id,
                        f"indicator:{indicator_id}",
                        None,
                        indicator_id,
                        agency_id,
                        Role.monitoring,
                        CycleKind.periodic,
                        due.period_key,
                        due.label,
                        open_day,
                        due.nominal,
                        due.effective,
                    )
                )
    return out


def materialise(rt: Runtime, session: Session, today: date) -> tuple[int, int]:
    """Create wanted cycles; cancel open ones whose agency no longer holds the work. (created, cancelled)"""
    wanted = wanted_cycles(rt, session, today)
    if rt._existing is None:
        rt._existing = set(
            session.execute(select(Cycle.subject, Cycle.agency_id, Cycle.role, Cycle.period_key)).all()  # type: ignore[arg-type]
        )
    existing = rt._existing
    missing = [w for w in wanted if w.identity not in existing]
    now = utcnow()
    rows = [
        {
            "plan_id": w.plan_id,
            "subject": w.subject,
            "task_id": w.task_id,
            "indicator_id": w.indicator_id,
            "agency_id": w.agency_id,
            "role": w.role,
            "kind": w.kind,
            "period_key": w.period_key,
            "label": w.label,
            "opens_on": w.opens_on,
            "due_nominal": w.due_nominal,
            "due_effective": w.due_effective,
            "status": CycleStatus.scheduled,
            "status_changed_at": now,
            "created_at": now,
        }
        for w in missing
    ]
    # ON CONFLICT DO NOTHING: a concurrent run may have created some of them a moment ago.
    created = _insert_ignore(session, Cycle, rows)
    existing.update(w.identity for w in missing)

    epoch = rt.routing_epoch(today)
    if not missing and rt._last_epoch == epoch:
        return created, 0  # nothing new and routing unchanged: no cycle can have lost its agency
    rt._last_epoch = epoch
    # Cycles of the same subject/role/period held by an agency no longer routed: cancel them.
    want_by_slot: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for w in wanted:
        want_by_slot[(w.subject, w.role, w.period_key)].add(w.agency_id)
    live = session.execute(
        select(Cycle.id, Cycle.subject, Cycle.role, Cycle.period_key, Cycle.agency_id, Cycle.status).where(
            Cycle.kind != CycleKind.adhoc,
            Cycle.status.in_([CycleStatus.scheduled, CycleStatus.open, CycleStatus.overdue, CycleStatus.returned]),  # type: ignore[attr-defined]
        )
    ).all()
    by_status: dict[str, list[int]] = defaultdict(list)
    for cid, subject, role, period_key, agency_id, status in live:
        slot = (subject, role, period_key)
        if slot in want_by_slot and agency_id not in want_by_slot[slot]:
            by_status[status].append(cid)
    cancelled = 0
    for status, ids in by_status.items():
        cancelled += _set_status_many(
            session,
            ids,
            status,
            CycleStatus.cancelled,
            "daily",
            "cơ quan không còn chủ trì (sáp nhập, giải thể) — chuyển cho cơ quan kế thừa / routed to successor",
        )
    return created, cancelled


# --------------------------------------------------------------------------------------------------
# 2. Transitions
# --------------------------------------------------------------------------------------------------


def set_status(session: Session, cycle_id: int, old: str, new: str, actor: str, reason: str) -> bool:
    """Conditional state change (only from ``old``) with its history row; False when someone was faster."""
    now = utcnow()
    values: dict[str, Any] = {"status": new, "status_changed_at": now}
    if new in CLOSED:
        values["closed_at"] = now
    if new in REMINDING:
        values["next_reminder_on"] = None  # the schedule may have changed: evaluate at the next run
    changed = session.execute(update(Cycle).where(Cycle.id == cycle_id, Cycle.status == old).values(**values)).rowcount  # type: ignore[attr-defined]
    if changed:
        session.add(CycleEvent(cycle_id=cycle_id, at=now, from_status=old, to_status=new, actor=actor, reason=reason))
    return bool(changed)


def _set_status_many(session: Session, ids: list[int], old: str, new: str, actor: str, reason: str) -> int:
    """``set_status`` for many cycles in one statement (plus their history rows)."""
    if not ids:
        return 0
    now = utcnow()
    values: dict[str, Any] = {"status": new, "status_changed_at": now}
    if new in CLOSED:
        values["closed_at"] = now
    if new in REMINDING:
        values["next_reminder_on"] = None
    changed: list[int] = []
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        changed.extend(
            row[0]
            for row in session.execute(
                update(Cycle)
                .where(Cycle.id.in_(chunk), Cycle.status == old)  # type: ignore[union-attr]
                .values(**values)
                .returning(Cycle.id)
            )
        )
    if changed:
        session.execute(
            sa_insert(CycleEvent.__table__),  # type: ignore[attr-defined]
            [
                {"cycle_id": cid, "at": now, "from_status": old, "to_status": new, "actor": actor, "reason": reason}
                for cid in changed
            ],
        )
    return len(changed)


def transition(session: Session, today: date, actor: str = "daily") -> tuple[int, int]:
    """Open cycles whose day has come; mark overdue those past due. Returns (opened, overdue)."""
    to_open = [
        r[0]
        for r in session.execute(select(Cycle.id).where(Cycle.status == CycleStatus.scheduled, Cycle.opens_on <= today))
    ]
    opened = _set_status_many(
        session, to_open, CycleStatus.scheduled, CycleStatus.open, actor, f"mở kỳ báo cáo ngày {today:%d/%m/%Y}"
    )
    late: dict[str, list[int]] = defaultdict(list)
    for cid, status in session.execute(
        select(Cycle.id, Cycle.status).where(
            Cycle.status.in_([CycleStatus.open, CycleStatus.returned, CycleStatus.extended]),  # type: ignore[attr-defined]
            func.coalesce(Cycle.due_extended, Cycle.due_effective) < today,
        )
    ):
        late[status].append(cid)
    overdue = sum(
        _set_status_many(session, ids, status, CycleStatus.overdue, actor, f"quá hạn (ngày {today:%d/%m/%Y})")
        for status, ids in late.items()
    )
    return opened, overdue


# --------------------------------------------------------------------------------------------------
# 3. Reminders
# --------------------------------------------------------------------------------------------------


def full_schedule(rt: Runtime, cycle: Cycle) -> list[dl.Reminder]:
    """Every reminder step of a cycle, in date order (cached: many cycles share a due date).

    Overdue reminders are capped at ``overdue_max_reminders``: after the escalation the cycle is the
    head's and the standing agency's business, and it stays in the weekly digest until answered.
    Coordinating agencies get no overdue chain (they answer to the lead agency).
    """
    due = cycle.due_extended or cycle.due_effective
    # A coordinating cycle already carries its internal deadline as its due date: same schedule shape.
    role = "coordinating" if cycle.role == Role.coordinating else "lead"
    key = (due, cycle.opens_on, role, cycle.kind == CycleKind.adhoc)
    cached = rt._schedule_cache.get(key)
    if cached is None:
        base = dl.Due(nominal=cycle.due_nominal, effective=due, label=cycle.label, period_key=cycle.period_key)
        cached = dl.reminder_schedule(base, role="lead", policy=rt.policy, calendar=rt.calendar, until=None)
        if role == "coordinating":
            cached = [r for r in cached if not r.step.startswith("overdue") and r.step != "escalation"]
        else:
            cached = [r for r in cached if not _beyond_cap(r.step, rt.policy.overdue_max_reminders)]
        cached = [r for r in cached if r.date >= cycle.opens_on or r.step == "open"]
        if cycle.kind == CycleKind.adhoc:  # a round is announced at once, under its own template
            cached = [dl.Reminder(cycle.opens_on, "round") if r.step == "open" else r for r in cached]
        if len(rt._schedule_cache) > 50_000:
            rt._schedule_cache.clear()
        rt._schedule_cache[key] = cached
    return cached


def schedule_for(rt: Runtime, cycle: Cycle, today: date) -> list[dl.Reminder]:
    """The reminder steps of a cycle whose moment has come by ``today``."""
    return [r for r in versioned(full_schedule(rt, cycle), cycle.schedule_version) if r.date <= today]


def versioned(schedule: list[dl.Reminder], version: int) -> list[dl.Reminder]:
    """Step names of a re-planned schedule carry its version: "before_7@v1"."""
    if not version:
        return schedule
    return [dl.Reminder(r.date, f"{r.step}@v{version}") for r in schedule]


def _beyond_cap(step: str, cap: int) -> bool:
    if not step.startswith("overdue_"):
        return False
    number = step.removeprefix("overdue_")
    return number.isdigit() and int(number) > cap


@dataclass
class _Contact:
    agency: Agency
    recipient: str  # "<code>", "<code>#head", "<standing code>#standing"
    kind: str  # agency | head | standing
    phone: str | None
    email: str | None
    zalo: str | None


def _contacts(rt: Runtime, agency: Agency, standing: Agency | None, escalate: bool) -> list[_Contact]:
    out = [_Contact(agency, agency.code, "agency", agency.phone, agency.email, agency.phone)]
    if escalate:
        if agency.head_phone or agency.head_email:
            out.append(
                _Contact(agency, f"{agency.code}#head", "head", agency.head_phone, agency.head_email, agency.head_phone)
            )
        if standing is not None and standing.id != agency.id:
            out.append(
                _Contact(
                    standing, f"{standing.code}#standing", "standing", standing.phone, standing.email, standing.phone
                )
            )
    return out


def channels_for(rt: Runtime, contact: _Contact) -> list[tuple[str, str]]:
    """(channel, address) pairs for a contact: the first instant channel available in the configured
    order, plus an email copy when configured (a written trail officers can file)."""
    addresses = {"zalo": contact.zalo, "sms": contact.phone, "email": contact.email}
    chosen: list[tuple[str, str]] = []
    for name in rt.channel_order:
        if addresses.get(name):
            chosen.append((name, addresses[name]))  # type: ignore[arg-type]
            break
    if rt.email_copy and contact.email and all(name != "email" for name, _ in chosen):
        chosen.append(("email", contact.email))
    return chosen


def message_kind(step: str, due: date, today: date) -> str:
    """The template of a message: the step's own, except that a message sent late (catch-up after missed
    days) speaks of the situation today — never "due today" about a date already past."""
    kind = step_kind(step)
    if kind in {"open", "reminder", "due"}:
        if today > due:
            return "overdue"
        if today == due:
            return "due"
    return kind


def notification_key(cycle_id: int, step: str, recipient: str, channel: str) -> str:
    return f"c{cycle_id}:{step}:{recipient}:{channel}"


def _context(
    rt: Runtime,
    cycle: Cycle,
    contact: _Contact,
    subject: dict[str, Any],
    step: str,
    folded: int,
    today: date,
    link: str | None,
    standing: Agency | None,
    rounds: dict[int, ReportRound],
) -> dict[str, Any]:
    due = cycle.due_extended or cycle.due_effective
    rnd = rounds.get(cycle.round_id or 0)
    subject_name = subject["name"]
    return {
        "plan": subject["plan"],
        "agency": contact.agency.name if contact.kind != "standing" else subject["agency_name"],
        "agency_short": subject["agency_code"].upper().replace("-", "")[:12],
        "subject_name": subject_name,
        "subject_short": subject["short"],
        "title": subject["title"],
        "label": cycle.label,
        "deadline_raw": subject["deadline_raw"],
        "due": f"{due:%d/%m/%Y}",
        "due_nominal": f"{cycle.due_nominal:%d/%m/%Y}",
        "days_left": (due - today).days,
        "role_text": ROLE_TEXT.get(cycle.role, cycle.role),  # type: ignore[call-overload]
        "link": link,
        "standing": standing.name if standing else "Cơ quan thường trực",
        "folded": folded,
        "round_title": rnd.title if rnd else "",
        "round_message": rnd.message if rnd else "",
        "recipient_kind": contact.kind,
        "step": step,
    }


def _subjects(session: Session, cycles: Sequence[Cycle]) -> dict[str, dict[str, Any]]:
    """Display data of the tasks/indicators of a batch of cycles, keyed by subject."""
    task_ids = {c.task_id for c in cycles if c.task_id}
    ind_ids = {c.indicator_id for c in cycles if c.indicator_id}
    plans = dict(session.execute(select(Plan.id, Plan.number)).all())
    out: dict[str, dict[str, Any]] = {}
    if task_ids:
        for t in session.execute(select(Task).where(Task.id.in_(task_ids))).scalars():  # type: ignore[union-attr]
            out[f"task:{t.id}"] = {
                "plan": plans[t.plan_id],
                "name": f"Nhiệm vụ {t.number}",
                "short": f"NV{t.number}",
                "title": _shorten(t.title, 200),
                "deadline_raw": t.deadline_raw,
            }
    if ind_ids:
        for i in session.execute(select(Indicator).where(Indicator.id.in_(ind_ids))).scalars():  # type: ignore[union-attr]
            out[f"indicator:{i.id}"] = {
                "plan": plans[i.plan_id],
                "name": f"Chỉ tiêu {i.code}",
                "short": f"CT{i.code}",
                "title": _shorten(i.title, 200),
                "deadline_raw": "Báo cáo định kỳ",
            }
    return out


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def reminding_candidates(session: Session, today: date) -> list[int]:
    """Ids of the cycles that may have a reminder due today: reminding, open by today, not yet evaluated
    today, and whose next step (if known) has come."""
    due_next = (Cycle.next_reminder_on.is_(None)) | (Cycle.next_reminder_on <= today)  # type: ignore[union-attr]
    return [
        row[0]
        for row in session.execute(
            select(Cycle.id)
            .where(
                Cycle.status.in_(list(REMINDING)),  # type: ignore[attr-defined]
                (Cycle.evaluated_on.is_(None)) | (Cycle.evaluated_on < today),  # type: ignore[union-attr]
                Cycle.opens_on <= today,
                due_next,
            )
            .order_by(Cycle.id)
        )
    ]


def queue_reminders(rt: Runtime, today: date, *, actor: str = "daily") -> DayReport:
    """Queue today's reminders, batch by batch (each batch one transaction, claimed atomically)."""
    report = DayReport(day=today.isoformat())
    with Session(rt.engine) as session:
        candidates = reminding_candidates(session, today)
    for start in range(0, len(candidates), rt.batch_size):
        report.add(queue_batch(rt, candidates[start : start + rt.batch_size], today))
    return report


def queue_batch(rt: Runtime, cycle_ids: list[int], today: date, session: Session | None = None) -> DayReport:
    """Claim ``cycle_ids`` for ``today`` and queue their reminders, in one transaction.

    With ``session`` given (dry runs), work inside it and leave committing to the caller.
    """
    if session is not None:
        return _queue_batch(rt, cycle_ids, today, session, commit=False)
    with Session(rt.engine, expire_on_commit=False) as own:
        return _queue_batch(rt, cycle_ids, today, own, commit=True)


def _queue_batch(rt: Runtime, cycle_ids: list[int], today: date, session: Session, *, commit: bool) -> DayReport:
    report = DayReport(day=today.isoformat())
    if True:  # one transaction: the claim and the messages it queues commit together
        claimed = [
            row[0]
            for row in session.execute(
                update(Cycle)
                .where(
                    Cycle.id.in_(cycle_ids),  # type: ignore[union-attr]
                    (Cycle.evaluated_on.is_(None)) | (Cycle.evaluated_on < today),  # type: ignore[union-attr]
                    Cycle.status.in_(list(REMINDING)),  # type: ignore[attr-defined]
                )
                .values(evaluated_on=today)
                .returning(Cycle.id)
            )
        ]
        if not claimed:
            report.skipped_batches += 1
            if commit:
                session.rollback()
            return report
        cycles = list(session.execute(select(Cycle).where(Cycle.id.in_(claimed))).scalars())  # type: ignore[union-attr]
        recorded: set[tuple[int, str, str]] = set(
            session.execute(
                select(ReminderLedger.cycle_id, ReminderLedger.step, ReminderLedger.recipient).where(
                    ReminderLedger.cycle_id.in_(claimed)  # type: ignore[attr-defined]
                )
            ).all()
        )
        agencies = {a.id: a for a in session.execute(select(Agency)).scalars()}
        standing = next((a for a in agencies.values() if a.code == rt.directory.standing_agency), None)
        subjects = _subjects(session, cycles)
        round_ids = {c.round_id for c in cycles if c.round_id}
        rounds = (
            {r.id: r for r in session.execute(select(ReportRound).where(ReportRound.id.in_(round_ids))).scalars()}  # type: ignore[union-attr]
            if round_ids
            else {}
        )
        now = utcnow()
        ledger_rows: list[dict[str, Any]] = []
        outbox_rows: list[dict[str, Any]] = []
        token_rows: list[dict[str, Any]] = []
        next_dates: list[dict[str, Any]] = []
        for cycle in cycles:
            assert cycle.id is not None
            agency = agencies[cycle.agency_id]
            schedule = versioned(full_schedule(rt, cycle), cycle.schedule_version)
            steps = [r for r in schedule if r.date <= today]
            upcoming = next((r.date for r in schedule if r.date > today), None)
            # No more steps: park the cycle far ahead; a state change resets it to None.
            next_dates.append({"b_id": cycle.id, "b_next": upcoming or date(9999, 12, 31)})
            escalate_seen = any(step_kind(r.step) == "escalation" for r in steps)
            subject = dict(subjects[cycle.subject], agency_name=agency.name, agency_code=agency.code)
            for contact in _contacts(rt, agency, standing, escalate_seen):
                # The head and the standing agency join at the escalation step only.
                relevant = (
                    steps if contact.kind == "agency" else [r for r in steps if step_kind(r.step) == "escalation"]
                )
                pending = [r for r in relevant if (cycle.id, r.step, contact.recipient) not in recorded]
                if not pending:
                    continue
                last = pending[-1]
                due_day = cycle.due_extended or cycle.due_effective
                if cycle.role == Role.coordinating and due_day < today:
                    # A coordinator's internal deadline has passed: reminding it now helps nobody (the lead
                    # agency answers from here on). Record the steps, send nothing.
                    ledger_rows.extend(
                        {
                            "cycle_id": cycle.id,
                            "step": r.step,
                            "recipient": contact.recipient,
                            "due_on": r.date,
                            "recorded_on": today,
                            "notification_key": None,
                        }
                        for r in pending
                    )
                    report.expired += 1
                    continue
                pairs = channels_for(rt, contact)
                first_key = notification_key(cycle.id, last.step, contact.recipient, pairs[0][0]) if pairs else None
                for r in pending:
                    ledger_rows.append(
                        {
                            "cycle_id": cycle.id,
                            "step": r.step,
                            "recipient": contact.recipient,
                            "due_on": r.date,
                            "recorded_on": today,
                            "notification_key": first_key,
                        }
                    )
                if not pairs:
                    report.no_contact += 1
                    log.warning(
                        "no contact for %s (cycle %s): reminder %s recorded, not sent",
                        contact.recipient,
                        cycle.id,
                        last.step,
                    )
                    continue
                report.folded += len(pending) - 1
                token, token_row = new_token_row(
                    cycle_id=cycle.id, agency_id=agency.id or 0, expires_at=now + TOKEN_LIFETIME
                )
                token_rows.append(token_row)
                link = link_for(rt.public_base_url, token)
                ctx = _context(rt, cycle, contact, subject, last.step, len(pending), today, link, standing, rounds)
                names = {name for name, _ in pairs}
                rendered = rt.templates.render(
                    message_kind(last.step, due_day, today), ctx, html="email" in names, sms="sms" in names
                )
                for channel, address in pairs:
                    outbox_rows.append(
                        {
                            "key": notification_key(cycle.id, last.step, contact.recipient, channel),
                            "cycle_id": cycle.id,
                            "step": last.step,
                            "folded_steps": [r.step for r in pending],
                            "agency_id": contact.agency.id,
                            "recipient": contact.recipient,
                            "channel": channel,
                            "address": address,
                            "subject": rendered.subject,
                            "body_text": rendered.sms if channel == "sms" else rendered.text,
                            "body_html": rendered.html if channel == "email" else None,
                            "params": rendered.params if channel == "zalo" else {},
                            "template": message_kind(last.step, due_day, today),
                            "link": link,
                            "urgent": step_kind(last.step) == "escalation" and rt.escalation_urgent,
                            "status": "pending",
                            "attempts": 0,
                            "next_attempt_at": now,
                            "created_at": now,
                        }
                    )
        if token_rows:
            session.execute(sa_insert(ResponseToken.__table__), token_rows)  # type: ignore[attr-defined]
        if next_dates:
            table = Cycle.__table__  # type: ignore[attr-defined]
            session.connection().execute(
                update(table).where(table.c.id == bindparam("b_id")).values(next_reminder_on=bindparam("b_next")),
                next_dates,
            )
        _insert_ignore(session, ReminderLedger, ledger_rows)
        report.queued += _insert_ignore(session, Notification, outbox_rows)
        if commit:
            session.commit()
        else:
            session.flush()
    return report


def evaluate_day(rt: Runtime, today: date, *, actor: str = "daily") -> DayReport:
    """Steps 1–3 for one day (sending is separate: ``notifiers.outbox``)."""
    report = DayReport(day=today.isoformat())
    with Session(rt.engine) as session:
        report.created, report.cancelled = materialise(rt, session, today)
        session.commit()
    with Session(rt.engine) as session:
        report.opened, report.overdue = transition(session, today, actor)
        session.commit()
    report.add(queue_reminders(rt, today, actor=actor))
    return report
