"""Step 3 of the daily evaluation: queue the reminders that are due, batch by batch.

:func:`queue_batch` handles one batch of cycles in ONE transaction, in five steps:

1. **Claim** the batch for the day: ``UPDATE cycle SET evaluated_on = today WHERE id IN (…) AND
   evaluated_on < today AND status IN (reminding) RETURNING id``. A concurrent run claims nothing twice; a
   crash rolls the claim back with the messages, so the next run does the batch again.
2. **Load the facts** of the claimed cycles: the cycles, the ledger's recorded steps, the agencies and the
   standing agency, how their subjects are named, their rounds.
3. **Decide** (pure: ``models.domain.reminders.plan_cycle``): for each cycle and recipient, the pending
   steps folded into one message, its template and channels — or why nothing is sent.
4. **Build the rows**: ledger steps and each cycle's next reminder day. In the daily run (``direct``
   False) a step to send is recorded as waiting (``PENDING``) for the day's ONE message per contact, which
   ``models.services.compose`` builds once every batch is done. An officer's action (a round, a
   re-assignment: ``direct`` True) queues its messages at once, one per cycle: response-link tokens and
   outbox rows (one per channel, unique key (cycle, step, recipient, channel)).
5. **Write** them: inserts that ignore what exists, one executemany for the next reminder days.

Sending is the outbox's job (``notifiers.outbox``).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from models.domain.channels import body_for
from models.domain.clock import utcnow
from models.domain.consolidated import PENDING
from models.domain.reminders import CyclePlan, RecipientPlan, notification_key, plan_cycle, step_kind
from models.domain.states import REMINDING, Role
from models.domain.tokens import link_for, token_expiry
from models.services.day_report import DayReport
from models.services.message_context import message_context, rounds_of, subject_texts
from models.services.runtime import Runtime
from models.store.cycle_tables import (
    Cycle,
    CycleRow,
    Notification,
    ReminderLedger,
    ReportRound,
    ResponseToken,
    cycle_rows,
)
from models.store.plan_tables import Agency, Plan
from models.store.tokens import new_link_row
from models.store.writes import bulk_insert_ignore, insert_ignore, outbox_row

log = logging.getLogger("dondoc.reminders")


def reminding_candidates(session: Session, today: date) -> list[int]:
    """Ids of the cycles that may have a reminder due today: reminding, open by today, not yet evaluated
    today, and whose next step (if known) has come."""
    return list(
        session.execute(
            select(Cycle.id)
            .where(
                Cycle.status.in_(list(REMINDING)),  # type: ignore[attr-defined]
                (Cycle.evaluated_on.is_(None)) | (Cycle.evaluated_on < today),  # type: ignore[union-attr]
                Cycle.opens_on <= today,
                (Cycle.next_reminder_on.is_(None)) | (Cycle.next_reminder_on <= today),  # type: ignore[union-attr]
            )
            .order_by(Cycle.id)
        ).scalars()
    )


def queue_cycles(
    rt: Runtime,
    cycle_ids: Sequence[int],
    today: date,
    session: Session | None = None,
    *,
    direct: bool = True,
    warn: bool = True,
) -> DayReport:
    """Queue the reminders of ``cycle_ids`` for ``today``, ``rt.batch_size`` cycles per transaction.
    ``warn`` False: the caller logs the recipients without a contact (:func:`warn_no_contact`) itself."""
    report = DayReport(day=today.isoformat())
    for start in range(0, len(cycle_ids), rt.batch_size):
        batch = list(cycle_ids[start : start + rt.batch_size])
        report.add(queue_batch(rt, batch, today, session, direct=direct, warn=False))
    if warn:
        warn_no_contact(report)
    return report


def warn_no_contact(report: DayReport) -> None:
    """One warning per recipient without an address on any channel: its reminders are recorded, not sent."""
    for who, n in sorted(report.no_contact_by.items()):
        log.warning("no contact for %s: %d reminders recorded, not sent (no address on any channel)", who, n)


def queue_batch(
    rt: Runtime,
    cycle_ids: list[int],
    today: date,
    session: Session | None = None,
    *,
    direct: bool = True,
    warn: bool = True,
) -> DayReport:
    """Claim ``cycle_ids`` for ``today`` and queue their reminders, in one transaction.

    ``direct`` False (the daily run): record the steps to send as waiting for the day's consolidated
    message instead of queueing one message per cycle. With ``session`` given (dry runs), work inside it
    and leave committing to the caller.
    """
    if session is not None:
        report = _queue_batch(rt, cycle_ids, today, session, direct)
    else:
        with Session(rt.engine, expire_on_commit=False) as own:
            report = _queue_batch(rt, cycle_ids, today, own, direct)
            own.commit()  # the claim and the messages it queues commit together
    if warn:
        warn_no_contact(report)
    return report


def _queue_batch(rt: Runtime, cycle_ids: list[int], today: date, session: Session, direct: bool) -> DayReport:
    report = DayReport(day=today.isoformat())
    claimed = _claim(session, cycle_ids, today)
    if not claimed:
        report.skipped_batches += 1
        return report
    facts = _load_facts(rt, session, claimed)
    rows = _Rows()
    for cycle in facts.cycles:
        plan = plan_cycle(
            rt.schedule(cycle),
            recorded=facts.recorded.get(cycle.id or 0, set()),
            agency=facts.agencies[cycle.agency_id],
            standing=facts.standing,
            coordinating=cycle.role == Role.coordinating,
            due=cycle.due,
            today=today,
            prefs=rt.prefs,
            track_from=facts.track_from.get(cycle.plan_id),
        )
        _build_rows(rt, facts, cycle, plan, today, rows, report, direct)
    _write(session, rows, report)
    return report


# -- 1. claim ------------------------------------------------------------------------------------------
def _claim(session: Session, cycle_ids: list[int], today: date) -> list[int]:
    return list(
        session.execute(
            update(Cycle)
            .where(
                Cycle.id.in_(cycle_ids),  # type: ignore[union-attr]
                (Cycle.evaluated_on.is_(None)) | (Cycle.evaluated_on < today),  # type: ignore[union-attr]
                Cycle.status.in_(list(REMINDING)),  # type: ignore[attr-defined]
            )
            .values(evaluated_on=today)
            .returning(Cycle.id)
            .execution_options(synchronize_session=False)  # the batch's cycles are read as rows, not objects
        ).scalars()
    )


# -- 2. facts ------------------------------------------------------------------------------------------
@dataclass
class _Facts:
    cycles: list[CycleRow]
    recorded: dict[int, set[tuple[str, str]]]  # cycle id → (step, recipient) in the ledger, folded ones too
    agencies: dict[int, Agency]
    standing: Agency | None
    subjects: dict[str, dict[str, str]]
    rounds: dict[int, ReportRound]
    track_from: dict[int, date] = field(default_factory=dict)  # plan id → tracking date (plans adopted mid-way)


def _load_facts(rt: Runtime, session: Session, claimed: list[int]) -> _Facts:
    cycles = cycle_rows(session, claimed)
    recorded: dict[int, set[tuple[str, str]]] = {}
    L = ReminderLedger
    for cycle_id, step, recipient, folded in session.execute(
        select(L.cycle_id, L.step, L.recipient, L.folded).where(L.cycle_id.in_(claimed))  # type: ignore[attr-defined]
    ):
        steps = recorded.setdefault(cycle_id, set())
        steps.add((step, recipient))
        steps.update((f, recipient) for f in folded.split())
    agencies = {a.id: a for a in session.execute(select(Agency)).scalars()}
    standing = next((a for a in agencies.values() if a.code == rt.directory.standing_agency), None)
    tracked = dict(session.execute(select(Plan.id, Plan.track_from).where(Plan.track_from.is_not(None))).all())  # type: ignore[union-attr]
    subjects = subject_texts(session, cycles)  # type: ignore[arg-type]
    return _Facts(cycles, recorded, agencies, standing, subjects, rounds_of(session, cycles), tracked)  # type: ignore[arg-type]


# -- 4. rows -------------------------------------------------------------------------------------------
@dataclass
class _Rows:
    ledger: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)
    next_days: list[dict[str, Any]] = field(default_factory=list)


def _build_rows(
    rt: Runtime,
    facts: _Facts,
    cycle: Cycle,
    plan: CyclePlan,
    today: date,
    rows: _Rows,
    report: DayReport,
    direct: bool = True,
) -> None:
    assert cycle.id is not None
    # No more steps: the cycle is parked far ahead; a state change resets it to None.
    rows.next_days.append({"b_id": cycle.id, "b_next": plan.next_reminder_on})
    for recipient in plan.recipients:
        first = recipient.pairs[0][0].name if recipient.pairs else None
        key = notification_key(cycle.id, recipient.last.step, recipient.contact.recipient, first) if first else None
        if not direct and step_kind(recipient.last.step) != "round":
            key = PENDING  # the day's consolidated message (``models.services.compose``) will carry it
        # One ledger row for the recipient's message: the last step, and the earlier ones folded into it.
        rows.ledger.append(
            {
                "cycle_id": cycle.id,
                "step": recipient.last.step,
                "recipient": recipient.contact.recipient,
                "due_on": recipient.last.date,
                "recorded_on": today,
                "notification_key": key if recipient.outcome == "send" else None,
                "folded": " ".join(r.step for r in recipient.pending[:-1]),
            }
        )
        if recipient.outcome == "before_tracking":
            report.before_tracking += 1  # a moment before the plan was tracked: recorded, never sent
        elif recipient.outcome == "expired":
            # A coordinator's internal deadline has passed: the lead agency answers from here on.
            report.expired += 1
        elif recipient.outcome == "no_contact":
            report.no_contact += 1
            who = recipient.contact.recipient
            report.no_contact_by[who] = report.no_contact_by.get(who, 0) + 1
        else:
            report.folded += len(recipient.pending) - 1
            if key != PENDING:
                rows.outbox.extend(_messages(rt, facts, cycle, recipient, today, rows))


def _messages(
    rt: Runtime, facts: _Facts, cycle: Cycle, recipient: RecipientPlan, today: date, rows: _Rows
) -> list[dict[str, Any]]:
    """The outbox rows of one recipient's message (one per channel), with a fresh answer link (stored as
    a reference: ``models.domain.tokens``)."""
    now = utcnow()
    agency = facts.agencies[cycle.agency_id]
    # The rows keep a reference, not the token: the outbox puts the real link in when it sends.
    expires = token_expiry(cycle.due, now)
    ref, token_row = new_link_row(
        rt.link_key, cycle_id=cycle.id or 0, agency_id=agency.id or 0, expires_at=expires, now=now
    )
    rows.tokens.append(token_row)
    link = link_for(rt.public_base_url, ref)
    step = recipient.last.step
    context = message_context(
        cycle,
        agency=agency,
        contact=recipient.contact,
        subject=facts.subjects[cycle.subject],
        step=step,
        today=today,
        link=link,
        standing=facts.standing,
        round_=facts.rounds.get(cycle.round_id or 0),
        folded=len(recipient.pending),
    )
    bodies = {spec.body for spec, _ in recipient.pairs}
    rendered = rt.templates.render(recipient.kind, context, html="email" in bodies, sms="sms" in bodies)
    return [
        outbox_row(
            key=notification_key(cycle.id or 0, step, recipient.contact.recipient, spec.name),
            cycle_id=cycle.id,
            step=step,
            folded_steps=[r.step for r in recipient.pending],
            agency_id=recipient.contact.agency.id,
            recipient=recipient.contact.recipient,
            channel=spec.name,
            address=address,
            subject=rendered.subject,
            body=body_for(spec, text=rendered.text, html=rendered.html, sms=rendered.sms, params=rendered.params),
            template=recipient.kind,
            link=link,
            urgent=step_kind(step) == "escalation" and rt.escalation_urgent,
            context=context,
            now=now,
        )
        for spec, address in recipient.pairs
    ]


# -- 5. write ------------------------------------------------------------------------------------------
def _write(session: Session, rows: _Rows, report: DayReport) -> None:
    if rows.tokens:
        session.execute(insert(ResponseToken.__table__), rows.tokens)  # type: ignore[attr-defined]
    if rows.next_days:
        table = Cycle.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id")).values(next_reminder_on=bindparam("b_next")),
            rows.next_days,
        )
    bulk_insert_ignore(session, ReminderLedger, rows.ledger)
    report.queued += insert_ignore(session, Notification, rows.outbox)
