"""One message per contact and day: how a contact's due reminder steps, across every cycle and plan, become
the items of ONE consolidated message (the way a "công văn đôn đốc" lists what an agency owes).

No database here: ``models.services.compose`` loads the steps the daily run recorded as waiting for a
message (``reminderledger.notification_key = PENDING``), asks :func:`order_items` and :func:`summary`, and
writes the message. The rules:

- **One item per cycle**, whatever number of its steps the message covers (a catch-up after missed days
  folds them; the item speaks of today: overdue N days, due in N days, just opened).
- **Order**: overdue first (most days overdue first), then the current situation on the day tracking
  started ("tình hình đến ngày …": cycles already overdue when the plan started being tracked, listed
  once), then due within :data:`SOON_DAYS` days, then newly opened, then the rest (by due date).
- **Key** (:func:`message_key_for`): (day, recipient, class and slot, channel). A contact gets at most
  ``cap`` messages of a class a day: slot 1 … cap; a message whose slot is taken by another run waits for
  the next free slot or the next day — it is never a second copy of the same items.
- **Short forms**: Zalo parameters and SMS carry the :func:`summary` ("Sở X có 12 nhiệm vụ quá hạn, 3 đến
  hạn trong 7 ngày"), email the list. A cut text ends with "…" at a word (:func:`cut_words`).
- **Long lists**: a message lists at most :data:`LIST_LIMIT` items of a section and
  :data:`ESCALATED_LIMIT` escalated items of an agency, then "… và N nội dung khác"; the counts, the
  summary and the link's page cover them all (:func:`listed`). A letter of thousands of lines is read by
  nobody — the standing agency's escalations at national scale were 170,000 lines, 15 MB of text.
- **Decisions ride along**: an officer's acceptance of an answer is a ledger entry of step
  :data:`ACCEPTED`, waiting like a reminder step. It becomes an item of the contact's message of the day
  (listed first, and first in the summary so that Zalo's 100 characters keep it: "Sở X: báo cáo NV12 đã
  được chấp nhận; còn 3 nhiệm vụ quá hạn"); a contact with nothing else that day gets it alone.
"""

import re
from dataclasses import asdict, dataclass
from datetime import date

SOON_DAYS = 7  # "đến hạn trong 7 ngày"
LIST_LIMIT = 200  # items a message lists per section (the rest: "… và N nội dung khác", all on the page)
ESCALATED_LIMIT = 20  # escalated items a message lists per agency (all on the officers' pages)
PENDING = "pending"  # the ledger's notification_key of a step waiting for the day's consolidated message
REMINDERS = "r"  # message class of the consolidated reminders (the cap counts per class)
# The ledger step of an officer's acceptance: the agency hears of it in its next message of the day.
ACCEPTED = "accepted"
DECISION_STEPS = frozenset({ACCEPTED})

Section = str  # "accepted" | "overdue" | "situation" | "soon" | "opened" | "later"
SECTION_ORDER: tuple[Section, ...] = ("accepted", "overdue", "situation", "soon", "opened", "later")
SECTION_TITLES = {
    "accepted": "Báo cáo đã được chấp nhận",
    "overdue": "Đã quá hạn",
    "situation": "Tình hình đến ngày {track_from} (đã quá hạn khi bắt đầu theo dõi)",
    "soon": f"Đến hạn trong {SOON_DAYS} ngày",
    "opened": "Mới mở kỳ báo cáo",
    "later": "Sắp đến hạn",
}


@dataclass(frozen=True, slots=True)
class Item:
    """One cycle as a consolidated message lists it."""

    cycle_id: int
    agency: str  # the agency that owes the report
    agency_code: str
    subject: str  # "Nhiệm vụ 12"
    short: str  # "NV12"
    title: str  # already shortened
    plan: str  # "25/KH-UBND"
    role: str  # "chủ trì" / "phối hợp"
    due: date
    opened: bool  # the message announces its opening (an "open"/"round" step and nothing later)
    situation: bool  # every step it covers is before the plan's tracking date: the situation then
    track_from: date | None = None
    decision: str | None = None  # ACCEPTED: the item tells of the officer's decision, asks nothing


def section_of(item: Item, today: date) -> Section:
    if item.decision:
        return "accepted"
    if item.situation:
        return "situation"
    if item.due < today:
        return "overdue"
    if item.opened:
        return "opened"
    if (item.due - today).days <= SOON_DAYS:
        return "soon"
    return "later"


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """ "NV2" before "NV10", "CT8.2" before "CT8.10": numbers compare as numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|\D+", text))


def order_items(items: list[Item], today: date) -> list[tuple[Section, list[Item]]]:
    """The non-empty sections in :data:`SECTION_ORDER`, items within each by due date (most overdue first)."""
    grouped: dict[Section, list[Item]] = {}
    for item in items:
        grouped.setdefault(section_of(item, today), []).append(item)
    return [
        (name, sorted(grouped[name], key=lambda i: (i.due, i.plan, _natural(i.short), i.cycle_id)))
        for name in SECTION_ORDER
        if name in grouped
    ]


def item_line(item: Item, today: date, *, with_agency: bool = False) -> str:
    """ "NV12 (KH 25/KH-UBND, chủ trì): <title> — hạn 30/11/2026, quá hạn 2 ngày"."""
    days = (item.due - today).days
    when = f"hạn {item.due:%d/%m/%Y}"
    if item.decision:
        when += ", báo cáo đã được chấp nhận"
    elif days < 0:
        when += f", quá hạn {-days} ngày"
    elif days == 0:
        when += ", hôm nay"
    else:
        when += f", còn {days} ngày"
    who = f"{item.agency}, " if with_agency else ""
    return f"{item.subject} ({who}KH {item.plan}, {item.role}): {item.title} — {when}"


def listed(items: list[Item], today: date, limit: int, *, with_agency: bool = False) -> tuple[list[str], int]:
    """The lines of the first ``limit`` of ``items`` (already in order) and how many are left out."""
    shown = items[:limit]
    return [item_line(i, today, with_agency=with_agency) for i in shown], len(items) - len(shown)


def counts(items: list[Item], today: date) -> dict[str, int]:
    out = dict.fromkeys(SECTION_ORDER, 0)
    for item in items:
        out[section_of(item, today)] += 1
    out["total"] = len(items)
    out["overdue_all"] = out["overdue"] + out["situation"]
    return out


def noun(items: list[Item]) -> str:
    """ "nhiệm vụ" — or "nội dung" when the items mix tasks and indicators (chỉ tiêu)."""
    kinds = {item.short[:2] for item in items}
    if kinds == {"CT"}:
        return "chỉ tiêu"
    return "nhiệm vụ" if kinds <= {"NV"} else "nội dung"


def summary(who: str, items: list[Item], today: date) -> str:
    """ "Sở X có 12 nhiệm vụ quá hạn, 3 đến hạn trong 7 ngày, 2 mới mở" (the parts that are not zero);
    accepted answers first: "Sở X: báo cáo NV12 đã được chấp nhận; còn 3 nhiệm vụ quá hạn"."""
    decided = [i for i in items if i.decision]
    asks = _asks(who, [i for i in items if not i.decision], today)
    if not decided:
        return asks
    what = f"báo cáo {decided[0].short}" if len(decided) == 1 else f"{len(decided)} báo cáo"
    told = f"{who}: {what} đã được chấp nhận"
    return f"{told}; còn {asks.removeprefix(f'{who} có ')}" if asks != who else told


def _asks(who: str, items: list[Item], today: date) -> str:
    c = counts(items, today)
    parts = []
    if c["overdue_all"]:
        parts.append(f"{c['overdue_all']} {{n}} quá hạn")
    if c["soon"]:
        parts.append(f"{c['soon']} {{n}} đến hạn trong {SOON_DAYS} ngày")
    if c["opened"]:
        parts.append(f"{c['opened']} {{n}} mới mở kỳ báo cáo")
    if c["later"]:
        parts.append(f"{c['later']} {{n}} sắp đến hạn")
    word = noun(items)
    parts = [p.replace("{n}", word if i == 0 else "").replace("  ", " ") for i, p in enumerate(parts)]
    return f"{who} có " + ", ".join(parts) if parts else who


def escalation_summary(items: list[Item]) -> str:
    """The standing agency's escalation part: "5 cơ quan chậm báo cáo 12 nhiệm vụ"."""
    agencies = {item.agency_code for item in items}
    return f"{len(agencies)} cơ quan chậm báo cáo {len(items)} {noun(items)} quá hạn"


def by_agency(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """Escalated items grouped by the agency that owes them (most items first)."""
    grouped: dict[str, list[Item]] = {}
    for item in items:
        grouped.setdefault(item.agency, []).append(item)
    return sorted(((name, sorted(its, key=lambda i: i.due)) for name, its in grouped.items()), key=lambda g: -len(g[1]))


def cut_words(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word and ending with "…" when cut."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > 0:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"


def message_key_for(day: date, recipient: str, klass: str, slot: int, channel: str) -> str:
    """The outbox key of a consolidated message: (day, recipient, class + slot, channel). Its items are
    its content; the ledger rows point to it. The last part is the channel (``key_on_channel``)."""
    return f"m{day:%Y%m%d}:{recipient}:{klass}{slot}:{channel}"


def slot_prefix(day: date, recipient: str, klass: str) -> str:
    return f"{day_prefix(day)}{recipient}:{klass}"


def day_prefix(day: date) -> str:
    """What the keys of every consolidated message of ``day`` start with."""
    return f"m{day:%Y%m%d}:"


def item_json(item: Item) -> dict[str, object]:
    """An item as stored in the message's context (JSON: dates as ISO strings)."""
    data = asdict(item)
    data["due"] = item.due.isoformat()
    data["track_from"] = item.track_from.isoformat() if item.track_from else None
    return data
