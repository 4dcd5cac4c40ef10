"""Delivery reports from providers → ``deliveryevent`` rows and ``notification`` status updates.

- **Zalo** posts webhook events. ``X-ZEvent-Signature: mac=<hex>`` is SHA-256 of
  (app id + raw body + the event's ``timestamp`` + OA secret key); sources disagree whether the first
  term is the app id or the OA id, so both are accepted and the one that matched is logged. A bad MAC
  changes nothing. ``user_received_message`` carries ``message.msg_id``, ``message.tracking_id`` (our
  outbox key or its digest, see ``notifiers.registry.short_id``) and ``message.delivery_time`` (ms).
- **eSMS** calls our CallbackUrl with GET ``SMSID``, ``SendStatus`` (5 sent, 4 rejected; 1/2/7 on the
  way), ``SendSuccess``/``SendFailed`` and ``RequestId`` (often empty). eSMS signs nothing, so the URL
  we give it ends with a secret (:func:`callback_url`, ``DONDOC_SMS_CALLBACK_SECRET``) that the web
  side checks before anything is read; notifications are then found by ``SMSID`` among SMS rows only.
  Only the fields eSMS documents are kept (each cut short), never the phone number.

A report only ever matches rows of its own channel (an SMS report never touches a Zalo row).

Every report is idempotent: ``deliveryevent`` is unique on (provider, event id); a repeated report
changes nothing (a report first received before its notification could be matched is linked when
the provider repeats it). A *delivered* report wins over any outbox state except *delivered* itself:
it also stops a re-send of a message whose first send timed out but did arrive.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from models.domain.clock import utcnow
from models.domain.states import NotificationStatus
from models.store.channel_tables import DeliveryEvent
from models.store.cycle_tables import Notification
from notifiers.http import short_id

log = logging.getLogger("dondoc.notifiers.delivery")

E = DeliveryEvent.__table__  # type: ignore[attr-defined]
N = Notification.__table__  # type: ignore[attr-defined]
# Rows whose message may still be in flight: where a digest tracking id is looked for.
_OPEN = (
    NotificationStatus.sending,
    NotificationStatus.sent,
    NotificationStatus.failed,
    NotificationStatus.dead,
    NotificationStatus.unknown,  # a delivery report is what confirms an unknown outcome
    NotificationStatus.unconfirmed,
)


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a report did: ``updated`` | ``duplicate`` | ``unmatched`` | ``ignored``."""

    result: str
    notification_id: int | None = None
    status: str | None = None


# --------------------------------------------------------------------------------------- Zalo
def zalo_mac(first: str, body: bytes, timestamp: str, secret: str) -> str:
    data = first.encode() + body + str(timestamp).encode() + secret.encode()
    return hashlib.sha256(data).hexdigest()


def verify_zalo_signature(
    body: bytes, header: str | None, *, app_id: str | None, oa_id: str | None, secret: str
) -> str | None:
    """Which id made the MAC valid ("app_id" or "oa_id"), or None when it is not valid."""
    if not header or not secret:
        return None
    given = header.strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    try:
        timestamp = str(json.loads(body).get("timestamp", ""))
    except (ValueError, AttributeError):
        return None
    for label, first in (("app_id", app_id), ("oa_id", oa_id)):
        if first and hmac.compare_digest(zalo_mac(first, body, timestamp, secret), given.lower()):
            return label
    return None


def _ms(value: Any) -> datetime | None:
    try:
        ms = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms > 0 else None


def apply_zalo_event(engine: Engine, event: dict[str, Any], raw: bytes | str = b"") -> DeliveryOutcome:
    """Record one verified Zalo event; ``user_received_message`` marks its notification delivered."""
    if event.get("event_name") != "user_received_message":
        return DeliveryOutcome("ignored")
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    msg_id = str(message.get("msg_id") or event.get("msg_id") or "")
    tracking = str(message.get("tracking_id") or event.get("tracking_id") or "")
    if not msg_id and not tracking:
        return DeliveryOutcome("ignored")
    when = _ms(message.get("delivery_time") or event.get("delivery_time")) or _ms(event.get("timestamp"))
    raw_text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    with engine.begin() as conn:
        nid = _find(conn, "zalo", msg_id, tracking)
        return _record(conn, "zalo", f"{msg_id or tracking}:received", nid, "delivered", when, raw_text, msg_id)


# --------------------------------------------------------------------------------------- eSMS
# The callback fields eSMS documents, the only ones kept in the raw copy (never ``phonenumber``).
ESMS_FIELDS = (
    "SMSID", "SendStatus", "SendSuccess", "SendFailed", "RequestId", "TypeId", "telcoid",
    "TotalPrice", "TotalReceiver", "TotalSent",
)  # fmt: skip


def callback_url(base: str | None, secret: str | None) -> str | None:
    """The delivery-report URL to give a gateway: ``base`` with ``secret`` as its last path segment
    (``https://host/hooks/sms/esms`` → ``…/hooks/sms/esms/<secret>``); None without either — a report
    without the secret would be refused, so none is asked for."""
    if not base or not secret:
        return None
    parts = urlsplit(base)
    path = parts.path.rstrip("/") + "/" + quote(secret, safe="")
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def apply_esms_callback(engine: Engine, params: Mapping[str, str]) -> DeliveryOutcome:
    """Record one eSMS delivery callback (the GET query parameters; the caller checked the secret)."""
    sms_id = (params.get("SMSID") or "").strip()
    if not sms_id or len(sms_id) > 128:
        return DeliveryOutcome("ignored")
    send_status = (params.get("SendStatus") or "").strip()
    success = _int(params.get("SendSuccess"))
    failed = _int(params.get("SendFailed"))
    if send_status == "5" and not (failed and not success):
        status = "delivered"
    elif send_status == "4" or (send_status == "5" and failed and not success):
        status = "rejected"
    else:
        status = f"status-{send_status or 'unknown'}"  # pending approval / waiting / at the carrier
    # The phone number in the callback is personal data: not kept in the raw copy, nor anything unknown.
    raw = json.dumps({k: str(params[k])[:64] for k in ESMS_FIELDS if k in params}, ensure_ascii=False)
    with engine.begin() as conn:
        nid = _find(conn, "esms", sms_id, None)
        return _record(conn, "esms", f"{sms_id}:{send_status or '?'}", nid, status, utcnow(), raw, sms_id)


def _int(value: str | None) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


# --------------------------------------------------------------------------------------- shared
# Which channel's rows a provider's reports may match.
PROVIDER_CHANNEL = {"zalo": "zalo", "esms": "sms"}


def _find(conn: Connection, provider: str, provider_id: str, tracking: str | None) -> int | None:
    """The notification a report is about, among its own channel's rows: by provider message id, else by
    tracking id (= key or digest)."""
    channel = N.c.channel == PROVIDER_CHANNEL[provider]
    if provider_id:
        found = conn.execute(select(N.c.id).where(N.c.provider_message_id == provider_id, channel)).scalar()
        if found:
            return int(found)
    if not tracking:
        return None
    found = conn.execute(select(N.c.id).where(N.c.key == tracking, channel)).scalar()
    if found:
        return int(found)
    if tracking.startswith("sha-"):
        # A digest of a long key: compare with the digests of the rows that may be in flight.
        candidates = conn.execute(
            select(N.c.id, N.c.key).where(channel, N.c.status.in_([s.value for s in _OPEN]))
        ).all()
        for row_id, key in candidates:
            if short_id(key) == tracking:
                return int(row_id)
    return None


def _insert_event(conn: Connection, values: dict[str, Any]) -> bool:
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(E).values(**values).on_conflict_do_nothing(index_elements=["provider", "event_id"])
    # RETURNING, not rowcount: with psycopg an INSERT … ON CONFLICT reports rowcount −1.
    return conn.execute(stmt.returning(E.c.id)).first() is not None


def _record(
    conn: Connection,
    provider: str,
    event_id: str,
    nid: int | None,
    status: str,
    when: datetime | None,
    raw: str,
    provider_id: str,
) -> DeliveryOutcome:
    event_id = event_id[:128]
    inserted = _insert_event(
        conn,
        {
            "provider": provider,
            "event_id": event_id,
            "notification_id": nid,
            "status": status,
            "occurred_at": when,
            "received_at": utcnow(),
            "raw": raw[:20000],
        },
    )
    if not inserted:
        linked = conn.execute(
            select(E.c.notification_id).where(E.c.provider == provider, E.c.event_id == event_id)
        ).scalar()
        if linked is not None or nid is None:
            return DeliveryOutcome("duplicate", linked, status)
        # Received before its notification was known; the provider repeated it: link and apply now.
        conn.execute(update(E).where(E.c.provider == provider, E.c.event_id == event_id).values(notification_id=nid))
    if nid is None:
        log.info("%s report %s matches no notification", provider, event_id)
        return DeliveryOutcome("unmatched", None, status)
    _apply(conn, nid, status, when, provider_id)
    return DeliveryOutcome("updated", nid, status)


def _apply(conn: Connection, nid: int, status: str, when: datetime | None, provider_id: str) -> None:
    values: dict[str, Any]
    if status == "delivered":
        values = {"status": NotificationStatus.delivered.value, "delivered_at": when or utcnow()}
        cond = [N.c.id == nid, N.c.status != NotificationStatus.delivered.value]
    elif status == "rejected":
        # The carrier refused it after the gateway accepted it: visible to officers in the dead list.
        values = {
            "status": NotificationStatus.dead.value,
            "error_class": "permanent",
            "last_error": "rejected by the carrier after the gateway accepted it (delivery report)",
        }
        cond = [N.c.id == nid, N.c.status == NotificationStatus.sent.value]
    else:
        return
    conn.execute(update(N).where(*cond).values(**values))
    if provider_id:
        conn.execute(
            update(N)
            .where(N.c.id == nid, N.c.provider_message_id.is_(None))
            .values(provider_message_id=provider_id[:128])
        )
