"""Read views of a plan: its tasks and indicators with their agencies as the plan wrote them and as routed
on a date.

:func:`routed_roles` is the one "as written → as routed on a date" view of the code base: each agency a
task's or an indicator's cell names (a role row of the import), beside the agencies that hold it on that
day — succession followed and groups expanded by :meth:`models.domain.agencies.Directory.route`. The plan
view (``dondoc plan show``), the officers' report and the answer page all need it; :func:`routed_names`
folds a subject's entries into the names to show. :func:`plan_view` is ``dondoc plan show --json``: its
field names are a public interface (add to them, never rename). :func:`find_plan` is the plan a view
shows: the one of a given number, or the latest imported.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.domain.agencies import Agency as DirectoryAgency
from models.domain.agencies import Directory
from models.domain.states import Role
from models.store.plan_tables import Agency, AgencyGroup, Indicator, IndicatorAgency, Plan, Task, TaskAgency

TASK = "task"
INDICATOR = "indicator"
Subject = tuple[str, int]  # (TASK, task id) or (INDICATOR, indicator id)


@dataclass(frozen=True)
class RoutedRole:
    """One agency a task's or an indicator's cell names: as the plan wrote it, and who holds it on the day."""

    role: str  # Role: lead / coordinating (tasks), monitoring (indicators)
    position: int  # order within the cell of that role
    as_written: str
    code: str | None  # the directory code of the agency or group; None when the name was not resolved
    is_group: bool
    routed: tuple[DirectoryAgency, ...]  # the agencies responsible on the day (empty: none, or unknown code)

    def as_json(self) -> dict[str, Any]:
        """The shape of ``dondoc plan show --json`` (``lead``, ``coordinating``, ``monitoring`` items)."""
        return {
            "as_written": self.as_written,
            "code": self.code,
            "is_group": self.is_group,
            "routed": [{"code": a.code, "name": a.name} for a in self.routed],
        }


def find_plan(session: Session, number: str | None = None) -> Plan | None:
    """The plan with this number, or the latest imported one."""
    query = select(Plan)
    if number:
        query = query.where(Plan.number == number)
    return session.exec(query.order_by(Plan.imported_at.desc())).first()  # type: ignore[attr-defined]


def routed_roles(
    session: Session,
    directory: Directory,
    on: date,
    subjects: Iterable[Subject] | None = None,
    *,
    roles: Collection[str] | None = None,
) -> dict[Subject, list[RoutedRole]]:
    """The agencies of each task and indicator, as written and as routed on ``on``.

    ``subjects``: only these (``("task", id)`` / ``("indicator", id)``); every subject of every plan when
    None. ``roles``: only role rows of these roles (``{Role.lead, Role.monitoring}``: the leads). Each
    subject's entries come in the order of the plan's cell (by position within a role); a subject without
    role rows is absent from the result.
    """
    wanted = list(subjects) if subjects is not None else None
    agency_code = dict(session.exec(select(Agency.id, Agency.code)).all())
    group_code = dict(session.exec(select(AgencyGroup.id, AgencyGroup.code)).all())
    routes: dict[str, tuple[DirectoryAgency, ...]] = {}  # routing is the same for every cell naming a code

    def routed(code: str | None) -> tuple[DirectoryAgency, ...]:
        if not code or code not in directory:
            return ()
        if code not in routes:
            routes[code] = tuple(directory.route(code, on))
        return routes[code]

    out: dict[Subject, list[RoutedRole]] = defaultdict(list)
    for kind, table, owner in (
        (TASK, TaskAgency, TaskAgency.task_id),
        (INDICATOR, IndicatorAgency, IndicatorAgency.indicator_id),
    ):
        query = select(table).order_by(owner, table.position, table.id)  # type: ignore[arg-type]
        if wanted is not None:
            ids = [id_ for k, id_ in wanted if k == kind]
            if not ids:
                continue
            query = query.where(owner.in_(ids))  # type: ignore[attr-defined]
        if roles is not None:
            query = query.where(table.role.in_(list(roles)))  # type: ignore[attr-defined]
        for row in session.exec(query):
            code = agency_code.get(row.agency_id) if row.agency_id else group_code.get(row.group_id)
            entry = RoutedRole(row.role, row.position, row.raw_name, code, row.group_id is not None, routed(code))
            out[(kind, getattr(row, owner.key))].append(entry)
    return dict(out)


def routed_names(entries: Iterable[RoutedRole]) -> list[str]:
    """The names of the agencies the entries are routed to, each once, in order."""
    names: list[str] = []
    for entry in entries:
        for agency in entry.routed:
            if agency.name not in names:
                names.append(agency.name)
    return names


def _of_role(entries: list[RoutedRole], role: str) -> list[RoutedRole]:
    return [e for e in entries if e.role == role]


def _task_view(task: Task, entries: list[RoutedRole]) -> dict[str, Any]:
    lead, coordinating = _of_role(entries, Role.lead), _of_role(entries, Role.coordinating)
    return {
        "number": task.number,
        "section": task.section,
        "section_title": task.section_title,
        "title": task.title,
        "lead_raw": task.lead_raw,
        "coordinating_raw": task.coordinating_raw,
        "output_raw": task.output_raw,
        "deadline_raw": task.deadline_raw,
        "deadline_kind": task.deadline_kind,
        "extra": dict(task.extra or {}),  # the plan's extra columns ("Nguồn kinh phí", "Tiến độ" …)
        "lead": [e.as_json() for e in lead],
        "coordinating": [e.as_json() for e in coordinating],
        "lead_today": routed_names(lead),
        "coordinating_today": routed_names(coordinating),
    }


def _indicator_view(indicator: Indicator, entries: list[RoutedRole]) -> dict[str, Any]:
    monitoring = _of_role(entries, Role.monitoring)
    return {
        "code": indicator.code,
        "parent_code": indicator.parent_code,
        "horizon": indicator.horizon,
        "title": indicator.title,
        "unit_raw": indicator.unit_raw,
        "target_raw": indicator.target_raw,
        "target_op": indicator.target_op,
        "target_value": indicator.target_value,
        "target_value_max": indicator.target_value_max,
        "monitor_raw": indicator.monitor_raw,
        "monitoring": [e.as_json() for e in monitoring],
        "monitoring_today": routed_names(monitoring),
    }


def plan_view(engine: Engine, directory: Directory, *, number: str | None, on: date) -> dict[str, Any] | None:
    """The plan ``number`` (default: the latest imported) as data: its tasks and indicators in order,
    withdrawn ones left out, with agencies as written and as routed on ``on``. None when there is no plan."""
    with Session(engine) as session:
        plan = find_plan(session, number)
        if plan is None:
            return None
        roles = routed_roles(session, directory, on)
        tasks = session.exec(
            select(Task).where(Task.plan_id == plan.id, Task.withdrawn.is_(False)).order_by(Task.position)  # type: ignore[attr-defined]
        )
        indicators = session.exec(
            select(Indicator)
            .where(Indicator.plan_id == plan.id, Indicator.withdrawn.is_(False))  # type: ignore[attr-defined]
            .order_by(Indicator.position)
        )
        return {
            "plan": plan.number,
            "title": plan.title,
            "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
            "routed_on": on.isoformat(),
            "tasks": [_task_view(t, roles.get((TASK, t.id or 0), [])) for t in tasks],
            "indicators": [_indicator_view(i, roles.get((INDICATOR, i.id or 0), [])) for i in indicators],
        }
