"""Tables of the reporting work: cycles and their history, ad hoc rounds, the reminder ledger,
the outbox of notifications, and response-link tokens.

Identity and idempotency live here, in unique constraints, not in Prefect:
- a cycle is unique per (subject, agency, role, period_key) — ``subject`` is "task:<id>" or
  "indicator:<id>" so the constraint never involves NULLs (PostgreSQL treats NULLs as distinct);
- a reminder step is recorded once per (cycle, step, recipient) in ``reminderledger``: the daily run asks
  "has this step's moment passed and is it not recorded?", so a missed day is caught up, never lost. Steps
  folded into one message share one row: ``step`` is the last (the one that speaks), ``folded`` names the
  earlier ones — a 17-month catch-up writes one row per (cycle, recipient), not one per step;
- a notification is unique by ``key`` = (cycle, step, recipient, channel): re-running a day inserts
  nothing new.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, select
from sqlmodel import Field, Session, SQLModel

from models.domain.states import CycleStatus, NotificationStatus


class Cycle(SQLModel, table=True):
    """One reporting period owed by one agency on one task or indicator."""

    __table_args__ = (
        UniqueConstraint("subject", "agency_id", "role", "period_key", name="uq_cycle_identity"),
        Index("ix_cycle_status_opens", "status", "opens_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    subject: str = Field(max_length=32)  # "task:<id>" | "indicator:<id>"
    task_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    indicator_id: int | None = Field(default=None, foreign_key="indicator.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)
    role: str = Field(max_length=16)  # lead | coordinating | monitoring
    kind: str = Field(max_length=16)  # CycleKind
    round_id: int | None = Field(default=None, foreign_key="reportround.id", index=True)
    period_key: str = Field(max_length=64)
    label: str = Field(max_length=255)
    opens_on: date
    due_nominal: date
    due_effective: date
    # An extension replaces the effective due date for reminders; the original stays for reports.
    due_extended: date | None = None
    # Bumped when the due date changes (an extension): the reminder steps of the new schedule are new
    # steps ("before_7@v1"), so the ledger does not mistake them for the old schedule's.
    schedule_version: int = 0
    status: str = Field(default=CycleStatus.scheduled, max_length=16)
    # The last day whose reminders were queued for this cycle: a batch of cycles is claimed for a day by
    # a conditional UPDATE on this column, in the same transaction as the messages it queues, so two
    # concurrent runs never queue the same day's reminders twice.
    evaluated_on: date | None = None
    # The day of the next reminder step not yet recorded (None: evaluate at the next run). Anything that
    # changes the schedule — an answer returned, an extension, a new due date — sets it to None.
    next_reminder_on: date | None = Field(default=None, index=True)
    status_changed_at: datetime
    created_at: datetime
    answered_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def due(self) -> date:
        """The due date reminders follow: the extended one when granted."""
        return self.due_extended or self.due_effective


@dataclass(frozen=True, slots=True)
class CycleRow:
    """A read-only snapshot of the columns of one ``cycle`` row that the reminder decisions and messages
    read (not its timestamps: SQLite parses each from text), for the daily run's batches, which read tens
    of thousands of cycles and change them only by conditional UPDATEs: loading ORM objects cost 40 µs a
    row (3.3 s of a 38 s first run at 10,000 tasks, plus 1.6 s of instrumented attribute reads)."""

    id: int
    plan_id: int
    subject: str
    task_id: int | None
    indicator_id: int | None
    agency_id: int
    role: str
    kind: str
    round_id: int | None
    period_key: str
    label: str
    opens_on: date
    due_nominal: date
    due_effective: date
    due_extended: date | None
    schedule_version: int
    status: str

    @property
    def due(self) -> date:
        """The due date reminders follow: the extended one when granted."""
        return self.due_extended or self.due_effective


_ROW_COLUMNS = [Cycle.__table__.c[f.name] for f in fields(CycleRow)]  # type: ignore[attr-defined]
ROW_CHUNK = 900  # ids per IN (…): below SQLite's parameter limit


def cycle_rows(session: Session, ids: Iterable[int]) -> list[CycleRow]:
    """The cycles ``ids`` as :class:`CycleRow` snapshots, in id order."""
    wanted = sorted(set(ids))
    out: list[CycleRow] = []
    table = Cycle.__table__  # type: ignore[attr-defined]
    for start in range(0, len(wanted), ROW_CHUNK):
        chunk = wanted[start : start + ROW_CHUNK]
        stmt = select(*_ROW_COLUMNS).where(table.c.id.in_(chunk)).order_by(table.c.id)
        out.extend(CycleRow(*row) for row in session.connection().execute(stmt))
    return out


class CycleEvent(SQLModel, table=True):
    """History of a cycle: every state change with who/what, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    at: datetime
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor: str = Field(max_length=64)  # "daily", "round", "officer:<login>", "agency"
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))


class ReportRound(SQLModel, table=True):
    """An ad hoc reporting round (báo cáo đột xuất, sơ kết 6 tháng) opened by an officer."""

    id: int | None = Field(default=None, primary_key=True)
    # The same key opens the same round once (a double click, a retried deployment run).
    idempotency_key: str = Field(max_length=128, unique=True, index=True)
    title: str = Field(max_length=255)
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    due_on: date
    created_by: str = Field(max_length=64)
    created_at: datetime
    selection: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ReminderLedger(SQLModel, table=True):
    """The reminder steps handled together for one recipient of one cycle: ``step`` (the last, the one the
    message speaks of) and the earlier steps ``folded`` into the same message, space-separated."""

    __table_args__ = (UniqueConstraint("cycle_id", "step", "recipient", name="uq_ledger_step"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    step: str = Field(max_length=32)
    recipient: str = Field(max_length=96)  # "<agency code>" or "<agency code>#head"
    due_on: date  # the step's moment
    recorded_on: date  # the day of the run that recorded it
    notification_key: str | None = Field(default=None, max_length=200)  # the message that carried it
    # Earlier steps recorded with this one (folded into its message), space-separated; "" when none.
    folded: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))

    def steps(self) -> list[str]:
        """Every step this row records, in schedule order."""
        return [*self.folded.split(), self.step]


class Notification(SQLModel, table=True):
    """The outbox: one message to one recipient through one channel."""

    __table_args__ = (Index("ix_notification_status_next", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True, index=True)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    step: str = Field(max_length=32)
    folded_steps: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    recipient: str = Field(max_length=96)
    channel: str = Field(max_length=16)  # a name of the channel table (notifiers/table.py): zalo | sms | email …
    address: str = Field(max_length=255)  # phone / email / zalo id: personal data, never logged
    subject: str = Field(default="", max_length=255)
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    body_html: str | None = Field(default=None, sa_column=Column(Text))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The template variables the message was rendered with: the channel fallback renders the same message
    # for another channel from them (None on rows queued before migration 0004).
    context: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    template: str | None = Field(default=None, max_length=32)  # logical template: reminder, escalation…
    link: str | None = Field(default=None, max_length=255)
    urgent: bool = False
    status: str = Field(default=NotificationStatus.pending, max_length=16)
    attempts: int = 0  # real tries: sends that reached (or may have reached) the provider
    # Sends whose outcome was unknown (timeout after the request left, a worker killed mid-send): the
    # channel's on_unknown policy decides from it whether the same key is sent again (migration 0005).
    unknown_sends: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    next_attempt_at: datetime
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = None
    # Set just before the provider is called (None while only claimed): a worker that died with it set
    # left an unknown outcome; without it, the claim never reached the provider and costs no try.
    send_started_at: datetime | None = None
    created_at: datetime
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    transport: str | None = Field(default=None, max_length=32)  # "file", "smtp", "zalo-zbs", "esms"…
    provider_message_id: str | None = Field(default=None, max_length=128)
    provider_ref: str | None = Field(default=None, max_length=128)  # e.g. the SMTP server's queue id
    error_class: str | None = Field(default=None, max_length=16)  # retryable | permanent | auth
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    fallback_of: int | None = Field(default=None, foreign_key="notification.id")


class ResponseToken(SQLModel, table=True):
    """A response link's token, stored only as a SHA-256 hash; scoped to one agency's cycle, or — with no
    cycle (migration 0007) — to one agency's open cycles (the agency page of a consolidated reminder)."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    agency_id: int = Field(foreign_key="agency.id")
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
