"""Step 4 of the daily evaluation: ONE message per contact, day and channel.

The batches of ``models.services.reminders`` record each due step in the ledger as waiting
(``notification_key = PENDING``). :func:`compose_day` then, in one transaction:

1. **Loads** the waiting entries. Those whose cycle no longer waits for a report (answered, closed since)
   are dropped — recorded, never nagged (``notification_key`` None) — except an officer's decision
   (``cd.DECISION_STEPS``: the answer was accepted), which is news for the agency whatever the state.
   The standing agency's escalation entries wait for the digest day when the policy says ``weekly``.
2. **Groups** them by contact: the agency (its own items), its head (escalated items), and the standing
   agency — whose own items (addressed to its responsible unit: it never asks itself to report to
   itself) and the escalated items of every other agency, by agency, go in the same message.
3. For each contact, picks the message's **slot**: ``m<day>:<recipient>:r<n>:<channel>``, n = 1 … the
   policy's daily cap. A contact over its cap gets nothing more today: its entries stay waiting and go in
   the next message (folded, never lost). Decisions alone never open a second message on a day the
   contact already had one: they wait for the next day's (one message per contact a day).
4. **Claims** the entries for that key with a conditional ``UPDATE … WHERE notification_key = PENDING
   RETURNING id`` — a concurrent run claims each entry once — and builds the message from exactly the
   entries it claimed; then inserts the outbox rows (insert-ignore on the key). If another run took the
   slot meanwhile (0 rows inserted), the claim is given back and the next slot tried.

Sending stays the outbox's job, exactly once per key (``notifiers.outbox``); a crash before the commit
leaves every entry waiting for the next run, after it the message exists and its entries point to it.

Memory: the contacts are taken in **batches** of about :data:`BATCH_ENTRIES` waiting entries (a contact's
entries are never split: one message holds them all). Only a batch's entries, cycles and task texts are in
memory at a time — loading every waiting entry at once held 1.3 GB at 100,000 tasks (bench/bench_daily.py).
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from models.domain import consolidated as cd
from models.domain.channels import body_for
from models.domain.clock import utcnow
from models.domain.reminders import channels_for, contact_of, step_kind
from models.domain.states import REMINDING, ROLE_TEXT
from models.domain.tokens import link_for, token_expiry
from models.services.day_report import DayReport
from models.services.message_context import STANDING_FALLBACK, subject_texts
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle, Notification, ReminderLedger, ResponseToken
from models.store.plan_tables import Agency, Plan
from models.store.tokens import new_link_row
from models.store.writes import insert_ignore, outbox_row

log = logging.getLogger("dondoc.compose")
KIND = "consolidated"  # the template of the message (config/messages.yaml)
STEP = "daily"  # the outbox row's step: a message of the day, not of one cycle's step
CHUNK = 900
# Waiting entries loaded and composed together (a contact with more is one batch on its own).
BATCH_ENTRIES = 20_000
OPENING = frozenset({"open", "round"})  # step kinds that open a cycle
L = ReminderLedger


@dataclass(frozen=True, slots=True)
class _Entry:
    id: int
    cycle_id: int
    step: str
    recipient: str
    due_on: date
    folded: str  # earlier steps recorded with ``step`` (one ledger row per message and recipient)

    def opening(self) -> bool:
        """Whether every step it records opens the cycle (no reminder yet): the item says "mở kỳ"."""
        return step_kind(self.step) in OPENING and all(step_kind(s) in OPENING for s in self.folded.split())


@dataclass(frozen=True, slots=True)
class _Cycle:
    """What a message reads of a cycle (a lighter snapshot than ``CycleRow``: the standing agency's message
    at national scale lists 180,000 cycles)."""

    id: int
    plan_id: int
    subject: str
    task_id: int | None
    indicator_id: int | None
    agency_id: int
    role: str
    due: date  # the extended due date when granted
    status: str


@dataclass
class _Facts:
    cycles: dict[int, _Cycle]
    agencies: dict[int, Agency]
    by_code: dict[str, Agency]
    standing: Agency | None
    subjects: dict[str, dict[str, str]]
    track_from: dict[int, date]
    used_slots: dict[str, set[int]] = field(default_factory=dict)  # recipient → reminder slots taken today


def compose_day(rt: Runtime, today: date, session: Session | None = None) -> DayReport:
    """Build the day's consolidated messages from the waiting ledger entries (one transaction)."""
    if session is not None:
        return _compose(rt, session, today)
    with Session(rt.engine, expire_on_commit=False) as own:
        report = _compose(rt, own, today)
        own.commit()
        return report


def _compose(rt: Runtime, session: Session, today: date) -> DayReport:
    report = DayReport(day=today.isoformat())
    batches = _batches(session)
    if not batches:
        return report
    base = _base_facts(rt, session, today)
    for targets in batches:
        _compose_batch(rt, session, today, targets, base, report)
    return report


def _target_of(recipient: str) -> str:
    """The contact whose message carries ``recipient``'s entries: the standing agency's escalation entries
    (``<code>#standing``) go in its own message (``<code>``)."""
    code, _, kind = recipient.partition("#")
    return code if kind == "standing" else recipient


def _batches(session: Session) -> list[dict[str, list[str]]]:
    """The contacts with waiting entries, in target order, cut into batches of about
    :data:`BATCH_ENTRIES` entries: each batch maps a target to the ledger recipients it carries."""
    waiting: dict[str, dict[str, int]] = defaultdict(dict)
    counted = session.execute(
        select(L.recipient, func.count()).where(L.notification_key == cd.PENDING).group_by(L.recipient)
    )
    for recipient, n in counted:
        waiting[_target_of(recipient)][recipient] = n
    batches: list[dict[str, list[str]]] = []
    batch: dict[str, list[str]] = {}
    size = 0
    for target in sorted(waiting):
        n = sum(waiting[target].values())
        if batch and size + n > BATCH_ENTRIES:
            batches.append(batch)
            batch, size = {}, 0
        batch[target] = sorted(waiting[target])
        size += n
    if batch:
        batches.append(batch)
    return batches


def _compose_batch(
    rt: Runtime,
    session: Session,
    today: date,
    targets: dict[str, list[str]],
    base: _Facts,
    report: DayReport,
) -> None:
    """Steps 1–4 for the contacts ``targets`` (``base``: the facts every batch shares)."""
    recipients = sorted(r for rs in targets.values() for r in rs)
    entries: list[_Entry] = []
    for start in range(0, len(recipients), CHUNK):
        stmt = select(L.id, L.cycle_id, L.step, L.recipient, L.due_on, L.folded).where(
            L.notification_key == cd.PENDING,
            L.recipient.in_(recipients[start : start + CHUNK]),  # type: ignore[attr-defined]
        )
        # Streamed from the connection: the ORM's result buffered every row before the first _Entry.
        entries.extend(_Entry(*row) for row in session.connection().execute(stmt))
    if not entries:
        return
    entries.sort(key=lambda e: e.id)
    cycles = _cycles(session, {e.cycle_id for e in entries})
    facts = replace(base, cycles=cycles, subjects=subject_texts(session, list(cycles.values())))  # type: ignore[arg-type]
    stale: list[int] = []
    digest_waits = rt.escalation_digest == "weekly" and today.weekday() != 0
    groups: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        if not _still_news(entry, facts):
            stale.append(entry.id)
        elif digest_waits and entry.recipient.endswith("#standing"):
            continue  # the standing agency's escalation digest goes on Mondays
        else:  # the standing agency's escalations go in its own message, with its own items
            groups[_target_of(entry.recipient)].append(entry)
    del entries
    _set_key(session, stale, None)
    for target in sorted(groups):
        _compose_one(rt, session, facts, target, groups[target], today, report)


def _still_news(entry: _Entry, facts: _Facts) -> bool:
    """A reminder step while its cycle still waits for a report; a decision always (it tells, asks nothing)."""
    return entry.step in cd.DECISION_STEPS or facts.cycles[entry.cycle_id].status in REMINDING


def _base_facts(rt: Runtime, session: Session, today: date) -> _Facts:
    """What every batch reads (agencies, tracking dates, today's taken slots); cycles and texts per batch."""
    agencies = {a.id: a for a in session.execute(select(Agency)).scalars()}
    by_code = {a.code: a for a in agencies.values()}
    tracked = dict(session.execute(select(Plan.id, Plan.track_from).where(Plan.track_from.is_not(None))).all())  # type: ignore[union-attr]
    return _Facts(
        {},
        agencies,  # type: ignore[arg-type]
        by_code,  # type: ignore[arg-type]
        by_code.get(rt.directory.standing_agency),
        {},
        tracked,  # type: ignore[arg-type]
        _used_slots(session, today),
    )


def _cycles(session: Session, ids: set[int]) -> dict[int, _Cycle]:
    """The cycles ``ids``, streamed a chunk at a time; repeated texts (subject, role, status) shared."""
    c = Cycle.__table__.c  # type: ignore[attr-defined]
    columns = (c.id, c.plan_id, c.subject, c.task_id, c.indicator_id, c.agency_id, c.role)
    due = func.coalesce(c.due_extended, c.due_effective)
    wanted = sorted(ids)
    texts: dict[str, str] = {}
    out: dict[int, _Cycle] = {}
    for start in range(0, len(wanted), CHUNK):
        stmt = select(*columns, due, c.status).where(c.id.in_(wanted[start : start + CHUNK]))
        for id_, plan, subject, task, indicator, agency, role, due_on, status in session.connection().execute(stmt):
            subject = texts.setdefault(subject, subject)
            role = texts.setdefault(role, role)
            status = texts.setdefault(status, status)
            out[id_] = _Cycle(id_, plan, subject, task, indicator, agency, role, due_on, status)
    return out


def _set_key(session: Session, ids: list[int], key: str | None, *, only: str | None = cd.PENDING) -> list[int]:
    """Point the ledger entries ``ids`` (still holding ``only``) to ``key``; returns those changed."""
    changed: list[int] = []
    for start in range(0, len(ids), CHUNK):
        stmt = update(L).where(L.id.in_(ids[start : start + CHUNK]), L.notification_key == only)  # type: ignore[attr-defined]
        # No ledger objects live in the session: synchronising them ("evaluate", the default) walked the
        # whole identity map for each statement — 10 s of a 31 s compose at 10,000 tasks.
        stmt = stmt.values(notification_key=key).returning(L.id).execution_options(synchronize_session=False)
        changed.extend(session.execute(stmt).scalars())
    return changed


def _used_slots(session: Session, today: date) -> dict[str, set[int]]:
    """The reminder slots already taken today, by recipient: one query for the day, not one per contact."""
    day = cd.day_prefix(today)
    keys = session.execute(select(Notification.key).where(Notification.key.startswith(day, autoescape=True))).scalars()  # type: ignore[attr-defined]
    slots: dict[str, set[int]] = defaultdict(set)
    for key in keys:
        parts = key[len(day) :].rsplit(":", 2)  # recipient, class + slot, channel
        if len(parts) == 3 and parts[1].startswith(cd.REMINDERS) and parts[1][len(cd.REMINDERS) :].isdigit():
            slots[parts[0]].add(int(parts[1][len(cd.REMINDERS) :]))
    return slots


def _compose_one(
    rt: Runtime, session: Session, facts: _Facts, target: str, entries: list[_Entry], today: date, report: DayReport
) -> None:
    code = target.partition("#")[0]
    agency = facts.by_code.get(code)
    contact = contact_of(agency, target) if agency else None
    pairs = channels_for(contact, rt.prefs) if contact else []
    if agency is None or contact is None or not pairs:
        _set_key(session, [e.id for e in entries], None)
        report.no_contact += 1
        log.warning("no contact for %s: %d reminder steps recorded, not sent", target, len(entries))
        return
    used = facts.used_slots.get(target, set())
    if used and all(e.step in cd.DECISION_STEPS for e in entries):
        report.waiting += len(entries)  # the day's message went already: the decision goes in the next one
        return
    for slot in range(1, rt.reminder_cap + 1):
        if slot in used:
            continue
        key = cd.message_key_for(today, target, cd.REMINDERS, slot, pairs[0][0].name)
        claimed = set(_set_key(session, [e.id for e in entries], key))
        mine = [e for e in entries if e.id in claimed]
        if not mine:
            return  # another run composed them
        inserted = _queue_message(rt, session, facts, target, agency, pairs, mine, today, slot)
        if inserted:
            report.queued += inserted
            report.recipients += 1
            report.items += len(mine)
            return
        _set_key(session, sorted(claimed), cd.PENDING, only=key)  # the slot was taken: give the claim back
    report.waiting += len(entries)  # over the daily cap: the next message carries them


def _items(facts: _Facts, entries: list[_Entry]) -> list[cd.Item]:
    """One item per cycle of ``entries``."""
    steps: dict[int, list[_Entry]] = defaultdict(list)
    for entry in entries:
        steps[entry.cycle_id].append(entry)
    items = []
    for cycle_id, its in steps.items():
        cycle = facts.cycles[cycle_id]
        decided = any(e.step in cd.DECISION_STEPS for e in its)
        subject = facts.subjects[cycle.subject]
        owner = facts.agencies[cycle.agency_id]
        track_from = facts.track_from.get(cycle.plan_id)
        items.append(
            cd.Item(
                cycle_id=cycle_id,
                agency=owner.name,
                agency_code=owner.code,
                subject=subject["name"],
                short=subject["short"],
                title=cd.cut_words(subject["title"], 90),
                plan=subject["plan"],
                role=ROLE_TEXT.get(cycle.role, cycle.role),  # type: ignore[call-overload]
                due=cycle.due,
                opened=not decided and all(e.opening() for e in its),
                situation=not decided
                and track_from is not None
                and cycle.due < track_from
                and all(e.due_on < track_from for e in its),
                track_from=track_from,
                decision=cd.ACCEPTED if decided else None,
            )
        )
    return items


def _queue_message(
    rt: Runtime,
    session: Session,
    facts: _Facts,
    target: str,
    agency: Agency,
    pairs: list[Any],
    entries: list[_Entry],
    today: date,
    slot: int,
) -> int:
    """Render and insert the message's outbox rows (one per channel) and its agency link; rows inserted."""
    now = utcnow()
    # One pass: the contact's own entries and the escalations it receives as the standing agency. (A
    # membership test against the list of own entries was quadratic: 101 s of a 104 s first run at 10,000
    # tasks, where one message folds about a thousand cycles — bench/bench_daily.py.)
    own: list[_Entry] = []
    standing: list[_Entry] = []
    for entry in entries:
        (standing if entry.recipient.endswith("#standing") else own).append(entry)
    own_items, escalated = _items(facts, own), _items(facts, standing)
    all_items = own_items + escalated
    ref, token = new_link_row(
        rt.link_key,
        cycle_id=None,
        agency_id=agency.id or 0,
        # The link lives until the latest due date it lists (or today, when all are overdue) + GRACE.
        expires_at=token_expiry(max(i.due for i in all_items), now),
        now=now,
    )
    context = _context(rt, facts, target, agency, own_items, escalated, today, link_for(rt.public_base_url, ref))
    bodies = {spec.body for spec, _ in pairs}
    rendered = rt.templates.render(KIND, context, html="email" in bodies, sms="sms" in bodies)
    cycles = sorted({i.cycle_id for i in all_items})
    rows = [
        outbox_row(
            key=cd.message_key_for(today, target, cd.REMINDERS, slot, spec.name),
            cycle_id=cycles[0] if len(cycles) == 1 else None,
            step=STEP,
            folded_steps=[],
            agency_id=agency.id,
            recipient=target,
            channel=spec.name,
            address=address,
            subject=rendered.subject,
            body=body_for(spec, text=rendered.text, html=rendered.html, sms=rendered.sms, params=rendered.params),
            template=KIND,
            link=context["link"],
            context=context,
            now=now,
        )
        for spec, address in pairs
    ]
    inserted = insert_ignore(session, Notification, rows)
    if inserted and own_items:  # an escalation-only message links to the officers' pages, not a token
        session.execute(ResponseToken.__table__.insert(), [token])  # type: ignore[attr-defined]
    return inserted


def _context(
    rt: Runtime,
    facts: _Facts,
    target: str,
    agency: Agency,
    own: list[cd.Item],
    escalated: list[cd.Item],
    today: date,
    link: str,
) -> dict[str, Any]:
    """The template variables of a consolidated message (JSON: it is stored for the channel fallback)."""
    kind = "head" if target.endswith("#head") else "agency"
    own_standing = facts.standing is not None and agency.id == facts.standing.id
    accepted = [i for i in own if i.decision]
    sections = [
        _listing(
            {
                "title": cd.SECTION_TITLES[name].format(
                    track_from=f"{its[0].track_from:%d/%m/%Y}" if its[0].track_from else ""
                )
            },
            its,
            today,
            cd.LIST_LIMIT,
        )
        for name, its in cd.order_items(own, today)
        if name != "accepted"  # told apart: the template thanks before it asks
    ]
    groups = [_listing({"agency": name}, its, today, cd.ESCALATED_LIMIT) for name, its in cd.by_agency(escalated)]
    accepted_lines, accepted_more = cd.listed(
        [i for _, its in cd.order_items(accepted, today) for i in its], today, cd.LIST_LIMIT
    )
    parts = [cd.summary(agency.name, own, today)] if own else []
    if escalated:
        parts.append(cd.escalation_summary(escalated))
    officers = f"{rt.public_base_url.rstrip('/')}/officers"
    plans = sorted({i.plan for i in own + escalated})
    return {
        "plan": ", ".join(plans),
        "agency": agency.name,
        "agency_short": agency.code.upper().replace("-", "")[:12],
        "recipient_kind": "standing" if own_standing else kind,
        "own_standing": own_standing,
        "standing": facts.standing.name if facts.standing else STANDING_FALLBACK,
        "today": f"{today:%d/%m/%Y}",
        "summary": "; ".join(parts),
        "sections": sections,
        "accepted": accepted_lines,
        "accepted_more": accepted_more,
        "escalated": groups,
        "escalate_days": rt.policy.escalate_after_days,
        # An escalation-only message to the standing agency: its officers' pages list those items.
        "link": link if own else officers,
        "officers_link": officers,
        "counts": cd.counts(own + escalated, today),
        "cycles": sorted({i.cycle_id for i in own + escalated}),
        "due": f"{min(i.due for i in own + escalated):%d/%m/%Y}",
        "title": "; ".join(parts),
    }


def _listing(head: dict[str, Any], items: list[cd.Item], today: date, limit: int) -> dict[str, Any]:
    """A section or an agency's group of the message: ``head`` + the lines it lists (at most ``limit``),
    ``count`` (all its items) and ``more`` (those not listed)."""
    lines, more = cd.listed(items, today, limit)
    return {**head, "lines": lines, "count": len(items), "more": more}
