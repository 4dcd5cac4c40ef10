"""Reminder decisions: given one cycle's facts, the reporting policy and the working calendar, what is due
today, to whom, on which channel and under which template. No database here: the daily run
(``models.services.reminders``) loads the facts, asks :func:`plan_cycle`, and writes what it says.

The rules, in the order :func:`plan_cycle` applies them:

1. **Schedule** (:func:`cycle_schedule`): the policy's steps for the cycle's due date — open, before_N, due,
   overdue_k (at most ``overdue_max_reminders``), escalation. A coordinating agency works to its internal
   deadline and gets no overdue chain (it answers to the lead agency); an ad hoc round opens under its own
   template ("round"). A re-planned schedule (an extension) names its steps "before_7@v1" (:func:`versioned`)
   so that the ledger does not mistake them for the old schedule's.
2. **Catch-up, not "today == due − N"**: a step is due when its day has passed and the ledger has not
   recorded it for that recipient; after missed days the passed steps are **folded** into one message.
3. **Recipients** (:func:`contacts_for`): the agency always; its head and the standing agency join at the
   escalation step only.
4. **Expired**: a coordinator whose internal deadline has passed is no longer reminded (the lead agency
   answers from there): its steps are recorded, nothing is sent.
5. **Channels** (:func:`channels_for`): the first channel of the configured order for which the contact has
   an address, plus an email copy when configured. No channel: the steps are recorded, nothing is sent.
6. **Template** (:func:`message_kind`): the step's own, except that a message sent late speaks of today —
   never "due today" about a date already past.
7. **Tracking from** (a plan adopted mid-way, ``plan.track_from``): reminder moments before that date are
   never sent. A recipient whose pending steps all lie before it is "before_tracking" (recorded, nothing
   sent) — except the agency itself the first time, whose cycle is then listed once in its first message
   as the situation on that date (``models.domain.consolidated``: "tình hình đến ngày …"), not as nags.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any, Literal, Protocol

from models.domain import deadlines as dl
from models.domain.channels import ChannelSpec

FAR_FUTURE = date(9999, 12, 31)  # "no more steps": the cycle is parked until a state change re-plans it


@cache  # a handful of distinct step names, asked about a million times in a large catch-up
def step_kind(step: str) -> str:
    """Template kind of a reminder step: before_7 → reminder, overdue_2 → overdue …"""
    step = step.partition("@")[0]  # "before_7@v1": a step of a re-planned schedule
    if step.startswith("before_"):
        return "reminder"
    if step.startswith("overdue"):
        return "overdue"
    if step.startswith("coord_"):
        return step_kind(step[len("coord_") :])
    return step if step in {"open", "due", "escalation", "round", "digest"} else "reminder"


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
    """The outbox key of a reminder: unique per (cycle, step, recipient, channel)."""
    return f"c{cycle_id}:{step}:{recipient}:{channel}"


def key_on_channel(key: str, channel: str) -> str:
    """The same message's key on another channel (the fallback): only the last part, the channel, changes."""
    return f"{message_key(key)}:{channel}"


def message_key(key: str) -> str:
    """What the rows of one message share on every channel: the key without its channel part — (cycle or
    digest, step, recipient)."""
    return key.rpartition(":")[0]


# --------------------------------------------------------------------------------------------------
# 1. The schedule
# --------------------------------------------------------------------------------------------------


def opens_on(due_effective: date, policy: dl.ReportingPolicy) -> date:
    """The day a cycle opens: ``open_days_before`` calendar days before its effective due date."""
    return due_effective - timedelta(days=policy.open_days_before)


def coordinating_due(due: dl.Due, policy: dl.ReportingPolicy, calendar: dl.WorkingCalendar) -> dl.Due:
    """A coordinating agency's internal deadline: N working days before the lead's effective date."""
    internal = dl.internal_deadline(due, role="coordinating", policy=policy, calendar=calendar)
    return dl.Due(
        nominal=internal, effective=internal, label=due.label, period_key=due.period_key, is_final=due.is_final
    )


@dataclass(frozen=True)
class ScheduleFacts:
    """What a cycle's schedule depends on (hashable: cycles sharing these share one schedule)."""

    due: date  # the due date reminders follow (the extended one when granted)
    opens_on: date
    coordinating: bool  # a coordinating cycle already carries its internal deadline as its due date
    adhoc: bool  # an officer's round: announced at once under its own template


def beyond_cap(step: str, cap: int) -> bool:
    """Whether an overdue step is past the policy's ``overdue_max_reminders``."""
    if not step.startswith("overdue_"):
        return False
    number = step.removeprefix("overdue_")
    return number.isdigit() and int(number) > cap


def cycle_schedule(facts: ScheduleFacts, policy: dl.ReportingPolicy, calendar: dl.WorkingCalendar) -> list[dl.Reminder]:
    """Every reminder step of a cycle, in date order (before any re-planning: see :func:`versioned`).

    Overdue reminders stop at ``overdue_max_reminders``: after the escalation the cycle is the head's and
    the standing agency's business, and it stays in the weekly digest until answered. Coordinating agencies
    get no overdue chain and no escalation (they answer to the lead agency).
    """
    base = dl.Due(nominal=facts.due, effective=facts.due, label="", period_key="")  # steps follow ``effective``
    steps = dl.reminder_schedule(base, role="lead", policy=policy, calendar=calendar, until=None)
    if facts.coordinating:
        steps = [r for r in steps if not r.step.startswith("overdue") and r.step != "escalation"]
    else:
        steps = [r for r in steps if not beyond_cap(r.step, policy.overdue_max_reminders)]
    steps = [r for r in steps if r.date >= facts.opens_on or r.step == "open"]
    if facts.adhoc:
        steps = [dl.Reminder(facts.opens_on, "round") if r.step == "open" else r for r in steps]
    return steps


def versioned(schedule: list[dl.Reminder], version: int) -> list[dl.Reminder]:
    """Step names of a re-planned schedule carry its version: "before_7@v1"."""
    if not version:
        return schedule
    return [dl.Reminder(r.date, f"{r.step}@v{version}") for r in schedule]


# --------------------------------------------------------------------------------------------------
# 3. Recipients and 5. channels
# --------------------------------------------------------------------------------------------------


class AgencyLike(Protocol):
    """What the rules read of an agency (a row of the directory table, or any object with these)."""

    id: int | None
    code: str
    name: str
    phone: str | None
    email: str | None
    head_phone: str | None
    head_email: str | None


RecipientKind = Literal["agency", "head", "standing"]


@dataclass(frozen=True)
class Contact:
    """One recipient of a cycle's messages."""

    agency: Any  # AgencyLike: the agency the contact belongs to (the standing agency for "standing")
    recipient: str  # "<code>", "<code>#head", "<standing code>#standing"
    kind: RecipientKind
    phone: str | None
    email: str | None

    def address(self, spec: ChannelSpec) -> str | None:
        """This contact's address on ``spec``'s channel (None: the channel cannot reach it)."""
        if spec.address == "phone":
            return self.phone
        if spec.address == "email":
            return self.email
        return self.recipient


def contacts_for(agency: AgencyLike, standing: AgencyLike | None, *, escalate: bool) -> list[Contact]:
    """The agency; with ``escalate``, also its head (when it has a contact) and the standing agency."""
    out = [Contact(agency, agency.code, "agency", agency.phone, agency.email)]
    if escalate:
        if agency.head_phone or agency.head_email:
            out.append(Contact(agency, f"{agency.code}#head", "head", agency.head_phone, agency.head_email))
        if standing is not None and standing.id != agency.id:
            out.append(Contact(standing, f"{standing.code}#standing", "standing", standing.phone, standing.email))
    return out


def contact_of(agency: AgencyLike, recipient: str) -> Contact:
    """The contact a recipient string names ("<code>", "<code>#head", "<code>#standing") in ``agency``."""
    kind = recipient.partition("#")[2] or "agency"
    if kind == "head":
        return Contact(agency, recipient, "head", agency.head_phone, agency.head_email)
    return Contact(agency, recipient, "standing" if kind == "standing" else "agency", agency.phone, agency.email)


@dataclass(frozen=True)
class ChannelPrefs:
    """The configured channel preferences: the order of instant channels, and whether email copies."""

    order: tuple[str, ...]
    channels: dict[str, ChannelSpec]
    email_copy: bool = False


def channels_for(contact: Contact, prefs: ChannelPrefs) -> list[tuple[ChannelSpec, str]]:
    """(channel, address) pairs for a contact: the first channel of the configured order it has an address
    for, plus an email copy when configured (a written trail officers can file)."""
    chosen: list[tuple[ChannelSpec, str]] = []
    for name in prefs.order:
        spec = prefs.channels.get(name)
        address = contact.address(spec) if spec else None
        if spec and address:
            chosen.append((spec, address))
            break
    email = prefs.channels.get("email")
    if prefs.email_copy and email and contact.email and all(spec.name != email.name for spec, _ in chosen):
        chosen.append((email, contact.email))
    return chosen


# --------------------------------------------------------------------------------------------------
# The decision for one cycle
# --------------------------------------------------------------------------------------------------


Outcome = Literal["send", "expired", "no_contact", "before_tracking"]


@dataclass(frozen=True)
class RecipientPlan:
    """What to do for one recipient: its pending steps, folded into one message on ``pairs``."""

    contact: Contact
    pending: list[dl.Reminder]  # the steps whose day has passed and that are not recorded; the last one speaks
    outcome: Outcome
    kind: str  # the template of the message
    pairs: list[tuple[ChannelSpec, str]] = field(default_factory=list)

    @property
    def last(self) -> dl.Reminder:
        return self.pending[-1]


@dataclass(frozen=True)
class CyclePlan:
    next_reminder_on: date  # the day of the next step not yet due (FAR_FUTURE: none left)
    recipients: list[RecipientPlan]


def plan_cycle(
    schedule: list[dl.Reminder],
    *,
    recorded: set[tuple[str, str]],
    agency: AgencyLike,
    standing: AgencyLike | None,
    coordinating: bool,
    due: date,
    today: date,
    prefs: ChannelPrefs,
    track_from: date | None = None,
) -> CyclePlan:
    """Steps 2–7 of the module docstring for one cycle. ``recorded``: (step, recipient) the ledger holds."""
    passed = [r for r in schedule if r.date <= today]
    upcoming = next((r.date for r in schedule if r.date > today), FAR_FUTURE)
    escalate = any(step_kind(r.step) == "escalation" for r in passed)
    plans: list[RecipientPlan] = []
    for contact in contacts_for(agency, standing, escalate=escalate):
        # The head and the standing agency join at the escalation step only.
        relevant = passed if contact.kind == "agency" else [r for r in passed if step_kind(r.step) == "escalation"]
        pending = [r for r in relevant if (r.step, contact.recipient) not in recorded]
        if not pending:
            continue
        kind = message_kind(pending[-1].step, due, today)
        if track_from is not None and pending[-1].date < track_from:
            # Moments before tracking started: never sent. The agency's cycle is listed once (the situation
            # on that date) unless something of it was recorded for it already.
            first = contact.kind == "agency" and not any(who == contact.recipient for _, who in recorded)
            if not first:
                plans.append(RecipientPlan(contact, pending, "before_tracking", kind))
                continue
        if coordinating and due < today:
            plans.append(RecipientPlan(contact, pending, "expired", kind))
            continue
        pairs = channels_for(contact, prefs)
        plans.append(RecipientPlan(contact, pending, "send" if pairs else "no_contact", kind, pairs))
    return CyclePlan(upcoming, plans)
