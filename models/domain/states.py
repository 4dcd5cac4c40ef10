"""The states of dondoc's work and their names in Vietnamese: one vocabulary for every page, message and file.

- A **cycle** (kỳ báo cáo) is one period one agency owes a report for. Its life::

      scheduled ──open──▶ open ──due passed──▶ overdue
                           │  ▲                  │
                    answer ▼  │ returned         │ answer
                        answered ◀───────────────┘
                           │ accepted            (extension: any open state → extended)
                           ▼                     (cancelled: the agency no longer holds the work)
                        accepted

  :data:`TRANSITIONS` lists every allowed change; :func:`may_move` checks one. The store's one
  conditional ``set_status`` is the only writer of a cycle's state.
- An agency's **role** on a task: chủ trì (lead), phối hợp (coordinating), theo dõi (monitoring).
- An **answer** says how far the work is; an officer's **decision** closes or reopens it.
- An outbox row (**notification**) is pending → sending → sent/delivered, or failed → … → dead; when a
  send's outcome is not known (a timeout after the request left, a lost connection during DATA, a worker
  killed mid-send) it is *unknown* (re-sent with the same key as the channel's ``on_unknown`` policy says)
  and, when no more re-sends are allowed, *unconfirmed* — never *dead*, never falling back (see
  :data:`OUTCOME_UNKNOWN`).

Plain ``StrEnum`` values: the database stores them as strings (see ``models/store``). People never read
a code: every page, message and CLI line names states, steps, kinds and actors through the tables and
functions here (``*_TEXT``, :func:`vi_text`, :func:`step_text`, :func:`actor_text`); ``--json`` keeps
the codes.
"""

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """An agency's role on a task or indicator."""

    lead = "lead"
    coordinating = "coordinating"
    monitoring = "monitoring"


# The one wording of roles (messages say "với vai trò chủ trì"; tables capitalise it: ``role_label``).
ROLE_TEXT = {Role.lead: "chủ trì", Role.coordinating: "phối hợp", Role.monitoring: "theo dõi, đánh giá"}


def role_label(role: str) -> str:
    """A role as a table cell shows it: "Chủ trì", "Phối hợp", "Theo dõi, đánh giá"."""
    text = ROLE_TEXT.get(role, role)  # type: ignore[call-overload]
    return text[:1].upper() + text[1:]


class CycleStatus(StrEnum):
    """States of a reporting cycle (kỳ báo cáo)."""

    scheduled = "scheduled"  # known, not yet open
    open = "open"  # reminders run
    answered = "answered"  # the agency answered; awaiting the officer's review; reminders stop
    accepted = "accepted"  # the officer accepted the answer: closed
    overdue = "overdue"  # past its effective (or extended) due date without an answer
    extended = "extended"  # an extension was granted; reminders follow the new date
    returned = "returned"  # the officer returned the answer; reminders start again
    cancelled = "cancelled"  # withdrawn (task withdrawn, agency succeeded, round cancelled)


STATUS_TEXT = {
    CycleStatus.scheduled: "Chưa mở",
    CycleStatus.open: "Đang mở",
    CycleStatus.answered: "Đã báo cáo – chờ xem xét",
    CycleStatus.accepted: "Đã chấp nhận",
    CycleStatus.overdue: "Quá hạn",
    CycleStatus.extended: "Đã gia hạn",
    CycleStatus.returned: "Đã trả lại",
    CycleStatus.cancelled: "Đã hủy",
}

# Deadline rule kinds (models.domain.deadlines.Kind values) as people read them.
DEADLINE_KIND_TEXT = {
    "one_off": "một lần",
    "recurring": "định kỳ",
    "range": "theo giai đoạn",
    "ongoing": "thường xuyên",
    "external": "theo văn bản/sự kiện khác — cán bộ đặt hạn",
    "unrecognized": "chưa đọc được — cán bộ đặt hạn",
}


def vi_text(code: str | None, table: "dict[Any, str]") -> str:
    """A stored code in Vietnamese from one of the tables here (the code itself when it is not in it:
    nothing is hidden, and ``--json`` keeps the codes)."""
    if code is None:
        return "—"
    return table.get(code, code)


# States in which the daily run keeps reminding the agency.
REMINDING = frozenset({CycleStatus.open, CycleStatus.overdue, CycleStatus.extended, CycleStatus.returned})
CLOSED = frozenset({CycleStatus.accepted, CycleStatus.cancelled})
# States in which an agency may still answer (a closed cycle shows its receipts, takes no answer).
ANSWERABLE = frozenset({*REMINDING, CycleStatus.answered, CycleStatus.scheduled})
# States an officer may grant an extension from.
EXTENDABLE = frozenset({*REMINDING, CycleStatus.answered, CycleStatus.scheduled})

_S = CycleStatus
# Every allowed change of a cycle's state (from → the states it may move to).
TRANSITIONS: dict[str, frozenset[str]] = {
    _S.scheduled: frozenset({_S.open, _S.answered, _S.extended, _S.cancelled}),
    _S.open: frozenset({_S.overdue, _S.answered, _S.extended, _S.cancelled}),
    _S.overdue: frozenset({_S.answered, _S.extended, _S.cancelled}),
    _S.extended: frozenset({_S.overdue, _S.answered, _S.extended, _S.cancelled}),
    _S.returned: frozenset({_S.overdue, _S.answered, _S.extended, _S.cancelled}),
    # answered → accepted / returned by the officer; → extended when granted; → the state before an
    # extension request when it is refused (open or overdue …); → cancelled when reassigned.
    _S.answered: frozenset({_S.accepted, _S.returned, _S.extended, _S.open, _S.overdue, _S.cancelled}),
    _S.accepted: frozenset(),
    _S.cancelled: frozenset(),
}


def may_move(old: str, new: str) -> bool:
    """Whether a cycle may go from ``old`` to ``new`` (see :data:`TRANSITIONS`)."""
    return new in TRANSITIONS.get(old, frozenset())


class CycleKind(StrEnum):
    deadline = "deadline"  # a due date of the task's deadline rule
    periodic = "periodic"  # a periodic progress report (ongoing tasks, indicators)
    adhoc = "adhoc"  # an officer's reporting round


CYCLE_KIND_TEXT = {
    CycleKind.deadline: "theo thời hạn của Kế hoạch",
    CycleKind.periodic: "báo cáo định kỳ",
    CycleKind.adhoc: "đợt báo cáo đột xuất",
}

# The steps of a cycle's reminder calendar (models.domain.deadlines.policy) and the other messages'
# steps (officers' decisions, the day's consolidated message, the weekly digest, a test send).
STEP_TEXT = {
    "open": "Thông báo mở kỳ báo cáo",
    "due": "Nhắc đúng ngày đến hạn",
    "escalation": "Báo cáo chậm tới Thủ trưởng và cơ quan thường trực",
    "round": "Đề nghị báo cáo đột xuất",
    "digest": "Tổng hợp tuần",
    "daily": "Tin tổng hợp trong ngày",
    "returned": "Trả lại báo cáo",
    "extended": "Chấp thuận gia hạn",
    "refused": "Không chấp thuận gia hạn",
    "resend": "Gửi lại đường dẫn",
    "accepted": "Báo cáo đã được chấp nhận",
    "test": "Tin thử",
}


def step_text(step: str | None) -> str:
    """A step as people read it: "before_7" → "Nhắc trước hạn 7 ngày làm việc", "overdue_2" → "Nhắc quá hạn
    lần 2", "before_7@v1" → "… (lịch theo hạn mới)", "coord_due" → "… (hạn nội bộ của cơ quan phối hợp)"."""
    if not step:
        return "—"
    base, _, version = step.partition("@")
    coord = base.startswith("coord_")
    base = base.removeprefix("coord_")
    kind, _, number = base.partition("_")
    if kind == "before" and number.isdigit():
        text = f"Nhắc trước hạn {number} ngày làm việc"
    elif kind == "overdue" and number.isdigit():
        text = f"Nhắc quá hạn lần {number}"
    else:
        text = STEP_TEXT.get(base, base)
    if coord:
        text += " (hạn nội bộ của cơ quan phối hợp)"
    if version:
        text += " (lịch theo hạn mới)"
    return text


# Who changed a cycle (``cycleevent.actor``): "officer:<login>", "round:<login>", or a part of dondoc.
ACTOR_TEXT = {
    "daily": "hệ thống (chạy hằng ngày)",
    "agency": "cơ quan báo cáo",
    "import": "nhập kế hoạch",
    "cli": "lệnh quản trị",
    "system": "hệ thống",
}


def actor_text(actor: str | None) -> str:
    """ "officer:an" → "cán bộ an"; "round:an" → "đợt báo cáo (cán bộ an)"; "daily" → "hệ thống (…)"."""
    if not actor:
        return "—"
    kind, _, who = actor.partition(":")
    if kind == "officer" and who:
        return f"cán bộ {who}"
    if kind == "round" and who:
        return f"đợt báo cáo (cán bộ {who})"
    return ACTOR_TEXT.get(actor, actor)


class AnswerStatus(StrEnum):
    """How far the agency says the work is (the three words of Vietnamese progress reports)."""

    not_started = "not_started"  # chưa triển khai
    in_progress = "in_progress"  # đang triển khai
    done = "done"  # hoàn thành


ANSWER_STATUS_TEXT = {
    AnswerStatus.not_started: "Chưa triển khai",
    AnswerStatus.in_progress: "Đang triển khai",
    AnswerStatus.done: "Hoàn thành",
}


class Decision(StrEnum):
    """An officer's decision on a cycle's answer."""

    accepted = "accepted"
    returned = "returned"
    extension_granted = "extension_granted"
    extension_refused = "extension_refused"
    reassigned = "reassigned"


DECISION_TEXT = {
    Decision.accepted: "Cơ quan thường trực đã chấp nhận báo cáo",
    Decision.returned: "Cơ quan thường trực trả lại báo cáo, đề nghị bổ sung",
    Decision.extension_granted: "Đã chấp thuận gia hạn",
    Decision.extension_refused: "Không chấp thuận gia hạn",
    Decision.reassigned: "Đã chuyển cho cơ quan khác",
}


class NotificationStatus(StrEnum):
    """States of an outbox row."""

    pending = "pending"
    sending = "sending"  # claimed by a worker; outcome not yet recorded
    sent = "sent"
    delivered = "delivered"
    failed = "failed"  # retry later (next_attempt_at)
    dead = "dead"  # gave up; shown to officers
    # A send reached the provider (or may have) and no answer came back: re-sent with the same key at
    # next_attempt_at, as the channel's on_unknown policy allows.
    unknown = "unknown"
    # Sent, outcome never confirmed, and no further re-send allowed: final unless a delivery report comes.
    unconfirmed = "unconfirmed"


NOTIFICATION_TEXT = {
    NotificationStatus.pending: "Chờ gửi",
    NotificationStatus.sending: "Đang gửi",
    NotificationStatus.sent: "Đã gửi",
    NotificationStatus.delivered: "Đã nhận",
    NotificationStatus.failed: "Lỗi, sẽ gửi lại",
    NotificationStatus.dead: "Không gửi được",
    NotificationStatus.unknown: "Đã gửi, chưa rõ kết quả (sẽ gửi lại cùng mã)",
    NotificationStatus.unconfirmed: "Đã gửi, chưa rõ kết quả",
}

# Why a send failed (``notification.error_class``), as the officers' pages and the CLI name it.
ERROR_CLASS_TEXT = {
    "permanent": "lỗi không gửi lại được",
    "retryable": "lỗi tạm thời",
    "auth": "lỗi xác thực với nhà cung cấp",
    "unknown": "chưa rõ kết quả",
}

# The states in which a message may have reached its recipient without the provider saying so: such a
# row is never dead and never falls back to another channel.
OUTCOME_UNKNOWN = frozenset({NotificationStatus.unknown, NotificationStatus.unconfirmed})
# The states the outbox claims rows from (when next_attempt_at is due).
CLAIMABLE = frozenset({NotificationStatus.pending, NotificationStatus.failed, NotificationStatus.unknown})
