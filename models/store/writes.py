"""The few writes every use case shares, each written once:

- :func:`insert_ignore` — ``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL (idempotent
  creation: cycles, ledger steps, outbox rows, all keyed by unique constraints); :func:`bulk_insert_ignore`
  the same for the daily run's large row sets, straight to the driver's ``executemany``;
- :func:`set_status` — the one conditional state change of cycles: ``UPDATE … WHERE status = <the state we
  saw>`` plus its ``cycleevent`` row; a change that lost a race changes nothing and says so;
- :func:`write_events` — the history rows (``cycleevent``) of those changes, and of events that keep the
  state (a further answer, a revoked link) or create a cycle;
- :func:`outbox_row` — the one shape of an outbox row, whoever queues it (reminders, decisions, the
  digest, the channel fallback).
"""

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from models.domain.channels import Body
from models.domain.clock import utcnow
from models.domain.states import CLOSED, REMINDING, NotificationStatus, may_move
from models.store.cycle_tables import Cycle, CycleEvent

CHUNK = 1000  # rows per statement: far below SQLite's and PostgreSQL's parameter limits
BULK_CHUNK = 20_000  # rows per executemany: one statement's parameters each, so only memory bounds it


def insert_ignore(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
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
    for start in range(0, len(rows), CHUNK):
        inserted += len(conn.execute(stmt, rows[start : start + CHUNK]).all())
    return inserted


def bulk_insert_ignore(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
    """:func:`insert_ignore` for many rows whose ids nobody needs: one ``executemany`` of plain tuples on
    the driver (sqlite3's loop in C; psycopg's pipeline), no ``RETURNING``, values converted once per
    column by the column type's own bind processor. SQLAlchemy's per-row parameter handling cost more than
    SQLite's own work (10.1 s of a 48 s first run at 10,000 tasks: bench/bench_daily.py). Returns the
    rows inserted as the driver counts them (conflicts are not counted)."""
    if not rows:
        return 0
    core = table.__table__
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    # Python-side defaults of the columns the rows leave out (SQLAlchemy applies them; a raw statement
    # does not): constants once, callables per row.
    defaults: dict[str, Any] = {}
    for column in core.c:
        if column.name in rows[0] or column.default is None:
            continue
        if not (column.default.is_scalar or column.default.is_callable):
            raise ValueError(f"bulk_insert_ignore: {core.name}.{column.name} has a default it cannot apply")
        defaults[column.name] = column.default
        names.append(column.name)
    columns = [core.c[name] for name in names]
    converters = [_converter(column.type, dialect) for column in columns]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    sql = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(core)} ({quoted}) "
        f"VALUES ({', '.join([mark] * len(names))}) ON CONFLICT DO NOTHING"
    )
    convert = [(i, f) for i, f in enumerate(converters) if f is not None]
    inserted = 0
    for start in range(0, len(rows), BULK_CHUNK):
        params = []
        for row in rows[start : start + BULK_CHUNK]:
            values = [row[name] if name in row else _default(defaults[name]) for name in names]
            for i, f in convert:
                if values[i] is not None:
                    values[i] = f(values[i])
            params.append(tuple(values))
        result = conn.exec_driver_sql(sql, params)
        inserted += max(result.rowcount, 0)
    return inserted


def _default(default: Any) -> Any:
    return default.arg if default.is_scalar else default.arg(None)  # SQLAlchemy wraps callables to take a context


def _converter(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """How a value of ``type_`` goes to the driver: SQLite stores dates as ISO text (``isoformat`` is what
    SQLAlchemy's own processor writes, 4× faster); everything else as the type's bind processor says."""
    try:
        python_type = type_.python_type
    except NotImplementedError:  # a type that does not say: its processor decides
        python_type = None
    if dialect.name == "sqlite" and python_type is date:
        return date.isoformat
    return type_.dialect_impl(dialect).bind_processor(dialect)


def analyze(session: Session, table: Any) -> None:
    """Refresh the query planner's statistics of ``table`` (``ANALYZE``, SQLite and PostgreSQL)."""
    conn = session.connection()
    conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.format_table(table.__table__)}")


def vacuum(engine: Engine, tables: Sequence[Any]) -> None:
    """After a run that rewrote most rows of ``tables``: ``VACUUM (ANALYZE)`` on PostgreSQL, so that the
    next updates reuse the dead row versions' space (HOT updates) and the planner sees the new rows.

    Autovacuum does this on a server that runs it, a while later; where it is off or lagging (this
    project's test machines run without it) every update of a 300,000-row table wrote past 1.1 million
    dead versions: the next day took 32.7 s at 100,000 tasks, 11.3 s after a vacuum (bench/bench_daily.py).
    ``VACUUM`` cannot run inside a transaction: its own connection, autocommit. A database user that does
    not own the tables gets PostgreSQL's warning and nothing else. SQLite has no dead row versions: no-op."""
    if engine.dialect.name != "postgresql" or not tables:
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        prep = conn.dialect.identifier_preparer
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(prep.format_table(t.__table__) for t in tables)}")


def write_events(
    session: Session,
    cycle_ids: Iterable[int],
    old: str | None,
    new: str,
    actor: str,
    reason: str,
    at: datetime | None = None,
) -> None:
    """``cycleevent`` rows — who or what changed each cycle, when and why (the one place they are built).

    ``old`` == ``new``: history that keeps the state (a further answer, a revoked link); ``old`` None:
    the first row of a cycle just created.
    """
    at = at or utcnow()
    rows = [
        {"cycle_id": cid, "at": at, "from_status": old, "to_status": new, "actor": actor[:64], "reason": reason}
        for cid in cycle_ids
    ]
    if rows:
        bulk_insert_ignore(session, CycleEvent, rows)  # a catch-up writes tens of thousands at once


def set_status(
    session: Session,
    ids: int | Sequence[int],
    old: str,
    new: str,
    actor: str,
    reason: str,
    **values: Any,
) -> list[int]:
    """Move the cycles ``ids`` from ``old`` to ``new`` — only those still in ``old`` — with their history.

    ``values`` are other columns changed in the same conditional update (an extension's new due date,
    say). Returns the ids that changed: empty when someone else was faster. Entering a reminding state
    clears ``next_reminder_on`` (the schedule may have changed: the next run re-plans); entering a closed
    state sets ``closed_at``.
    """
    if not may_move(old, new):
        raise ValueError(f"a cycle cannot go from {old!r} to {new!r}")
    wanted = [ids] if isinstance(ids, int) else list(ids)
    if not wanted:
        return []
    now = utcnow()
    values = {"status": new, "status_changed_at": now, **values}
    if new in CLOSED:
        values.setdefault("closed_at", now)
    if new in REMINDING:
        values.setdefault("next_reminder_on", None)
    changed: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        stmt = update(Cycle).where(Cycle.id.in_(chunk), Cycle.status == old).values(**values).returning(Cycle.id)  # type: ignore[union-attr]
        changed.extend(row[0] for row in session.execute(stmt))
    write_events(session, changed, old, new, actor, reason, now)
    return changed


def outbox_row(
    *,
    key: str,
    cycle_id: int | None,
    step: str,
    agency_id: int | None,
    recipient: str,
    channel: str,
    address: str,
    subject: str,
    body: Body,
    template: str | None,
    link: str | None,
    folded_steps: Iterable[str] = (),
    urgent: bool = False,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The one shape of a new outbox row (``notification``), pending and due now."""
    now = now or utcnow()
    return {
        "key": key[:200],
        "cycle_id": cycle_id,
        "step": step,
        "folded_steps": list(folded_steps),
        "agency_id": agency_id,
        "recipient": recipient,
        "channel": channel,
        "address": address,
        "subject": subject[:255],
        "body_text": body.text,
        "body_html": body.html,
        "params": body.params,
        "template": template,
        "link": link,
        "urgent": urgent,
        "context": context,
        "status": NotificationStatus.pending,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
