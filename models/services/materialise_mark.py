"""Incremental materialisation: remember how far the daily run created cycles, and from what.

Working out the wanted cycles means expanding every due of every task and routing every agency: 1.4 s
of a 1.5 s rerun of the same day in a fresh process at 10,000 tasks, most of a next-day run
(bench/bench_daily.py), though on most days nothing new opens. After a full materialise the run stores
a **mark** (``materialisemark``):

- ``fingerprint`` — a digest of everything the wanted cycles depend on besides the date: the columns the
  evaluation reads of plans, tasks, indicators, their agencies, the agencies' and groups' codes; the
  directory (officers' decisions applied) and the policy as loaded (routing, overrides, holidays,
  horizon, look-ahead);
  the source of the code that expands deadlines and routes; the number and the largest id of cycles
  (cycles created or removed by anything else — a round, a revision — count as a change);
- ``through`` — the look-ahead limit covered, and ``next_open`` — the first opening day after it of a
  wanted cycle (9999-12-31: none);
- ``epoch`` — the routing epoch checked (a directory change by date starts a new one).

The next run skips the work when the fingerprint and the epoch are the same and its own limit is before
``next_open``: every cycle it would want exists already, and none lost its agency. Anything else — a
changed plan, an edited deadline, a new policy, a new day on which cycles open — runs the whole
materialise again and stores a new mark. The fingerprint reads the values themselves (not counts or
timestamps), so an edit that keeps a row's length ("Tháng 7/2025" → "Tháng 8/2025") still counts.
"""

import hashlib
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.domain.clock import today_local, utcnow
from models.services.runtime import Runtime
from models.store.cycle_tables import Cycle
from models.store.plan_tables import (
    Agency,
    AgencyGroup,
    Indicator,
    IndicatorAgency,
    Plan,
    Task,
    TaskAgency,
)
from models.store.run_tables import MaterialiseMark
from models.store.writes import insert_ignore

SCOPE = "daily"
NONE_LEFT = date(9999, 12, 31)
# The columns ``materialise.load_subjects`` reads — all the wanted cycles are made of, besides the
# runtime's directory and policy. Keep the two in step: a column read there and missing here would let a
# changed plan go unnoticed until its next cycle opens.
INPUT_COLUMNS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (Plan, ("id", "number", "issued_on", "retired_at", "track_from")),
    (Task, ("id", "plan_id", "number", "deadline_raw", "withdrawn")),
    (TaskAgency, ("id", "task_id", "role", "position", "agency_id", "group_id")),
    (Indicator, ("id", "plan_id", "withdrawn")),
    (IndicatorAgency, ("id", "indicator_id", "role", "position", "agency_id", "group_id")),
    (Agency, ("id", "code")),
    (AgencyGroup, ("id", "code")),
)


def inputs_digest(rt: Runtime, session: Session) -> str:
    """The digest of the plans' and the directory's rows, the runtime's configuration and the code."""
    digest = hashlib.blake2b(digest_size=32)
    digest.update(_static_part(rt).encode())
    conn = session.connection()
    quote = conn.dialect.identifier_preparer.quote
    cursor = conn.connection.cursor()  # the driver's tuples, in the session's transaction: no Row objects
    for table, names in INPUT_COLUMNS:
        core = table.__table__
        columns = ", ".join(quote(core.c[name].name) for name in names)
        # The driver's own values, unconverted (a digest needs no Python dates), one repr per table.
        cursor.execute(f"SELECT {columns} FROM {quote(core.name)} ORDER BY id")
        digest.update(f"\x1e{core.name}{cursor.fetchall()!r}".encode())
    cursor.close()
    if session.execute(select(func.count()).where(Plan.issued_on.is_(None))).scalar_one():  # type: ignore[union-attr]
        digest.update(f"\x1etoday {today_local()}".encode())  # dues then count from today: no skipping
    return digest.hexdigest()


def fingerprint(session: Session, inputs: str) -> str:
    """The mark's fingerprint: ``inputs`` (:func:`inputs_digest`) and the cycle table's size and top id."""
    count, top = session.execute(select(func.count(), func.max(Cycle.id))).one()
    return hashlib.blake2b(f"{inputs} {count} {top}".encode(), digest_size=32).hexdigest()


def _static_part(rt: Runtime) -> str:
    """What a runtime carries: the directory and the policy as loaded, the look-ahead, the code. Only the
    directory's part is kept between runs (per directory object: ``replace_directory`` gives a new one);
    the policy is read each time, a test or an officer may change it on a live runtime."""
    cached = rt._mark_static
    if cached is None or cached[0] is not rt.directory:
        directory = rt.directory
        parts = [repr(sorted(directory.agencies.items())), repr(sorted(directory.groups.items()))]
        text = "\x1f".join([*parts, directory.standing_agency])
        cached = rt._mark_static = (directory, text)
    policy = [rt.config.model_dump_json(), repr(rt.policy), str(rt.lookahead_days), str(rt.horizon)]
    return "\x1f".join([cached[1], *policy, _code_digest()])


@cache
def _code_digest() -> str:
    """The source of the modules that turn plan rows into wanted cycles: an upgrade of dondoc that
    changes how deadlines expand re-plans on its first run."""
    root = Path(__file__).resolve().parents[1]
    files = [
        *sorted((root / "domain" / "deadlines").glob("*.py")),
        root / "domain" / "reminders.py",
        root / "domain" / "agencies" / "directory.py",
        root / "services" / "materialise.py",
        root / "services" / "runtime.py",
        Path(__file__).resolve(),
    ]
    digest = hashlib.blake2b(digest_size=16)
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def unchanged(session: Session, print_: str, limit: date, epoch: date) -> bool:
    """Whether the stored mark says that materialising up to ``limit`` would create and cancel nothing."""
    mark = session.execute(select(MaterialiseMark).where(MaterialiseMark.scope == SCOPE)).scalar_one_or_none()
    return mark is not None and mark.fingerprint == print_ and mark.epoch == epoch and limit < mark.next_open


def store(session: Session, print_: str, through: date, next_open: date, epoch: date) -> None:
    """Record the mark of a full materialise (in its transaction: it commits with the cycles it made)."""
    values: dict[str, Any] = {
        "fingerprint": print_,
        "through": through,
        "next_open": next_open,
        "epoch": epoch,
        "updated_at": utcnow(),
    }
    if not insert_ignore(session, MaterialiseMark, [{"scope": SCOPE, **values}]):
        session.execute(
            MaterialiseMark.__table__.update()  # type: ignore[attr-defined]
            .where(MaterialiseMark.__table__.c.scope == SCOPE)  # type: ignore[attr-defined]
            .values(**values)
        )


def forget_mark(engine: Engine) -> None:
    """``dondoc daily --full``: drop the mark, in a transaction of its own."""
    with Session(engine) as session:
        forget(session)
        session.commit()


def forget(session: Session) -> None:
    """Drop the mark: the next run materialises in full."""
    session.execute(MaterialiseMark.__table__.delete().where(MaterialiseMark.__table__.c.scope == SCOPE))  # type: ignore[attr-defined]
