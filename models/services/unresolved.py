"""The names the plans' cells left unresolved, with what the directory suggests for each
(``dondoc agencies unresolved``): the officer's list of agency names to settle.

An import keeps every name it could not route (a role row with neither an agency nor a group) — an
unknown name, a name matched only without diacritics, a provincial name of another province's plan.
Here they are gathered per plan and name, each with where it is written and the directory's suggestion
read in the plan's scope (the issuer's, :meth:`models.domain.agencies.Directory.issuer_scope`). The
officer settles a name by adding it to ``confirmed_names`` in the directory file (the line is given)
or as an alias of the right agency, then imports the plan again. Read-only.
"""

import json
from collections import defaultdict
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.domain.agencies import Directory
from models.store.plan_tables import Indicator, IndicatorAgency, Plan, Task, TaskAgency


def _rows(session: Session) -> list[tuple[int, str, str]]:
    """(plan id, where, raw name) of every unresolved role row of the plans' current tasks and indicators."""
    tasks = session.exec(
        select(Task.plan_id, Task.number, TaskAgency.role, TaskAgency.raw_name)
        .join(TaskAgency, TaskAgency.task_id == Task.id)  # type: ignore[arg-type]
        .where(TaskAgency.agency_id.is_(None), TaskAgency.group_id.is_(None), Task.withdrawn.is_(False))  # type: ignore[union-attr,attr-defined]
        .order_by(Task.plan_id, Task.position, TaskAgency.role, TaskAgency.position)
    ).all()
    indicators = session.exec(
        select(Indicator.plan_id, Indicator.code, IndicatorAgency.role, IndicatorAgency.raw_name)
        .join(IndicatorAgency, IndicatorAgency.indicator_id == Indicator.id)  # type: ignore[arg-type]
        .where(
            IndicatorAgency.agency_id.is_(None),  # type: ignore[union-attr]
            IndicatorAgency.group_id.is_(None),  # type: ignore[union-attr]
            Indicator.withdrawn.is_(False),  # type: ignore[attr-defined]
        )
        .order_by(Indicator.plan_id, Indicator.position, IndicatorAgency.position)
    ).all()
    return [(p, f"task {n} ({role})", raw) for p, n, role, raw in tasks] + [
        (p, f"indicator {c} ({role})", raw) for p, c, role, raw in indicators
    ]


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML string


def unresolved_names(engine: Engine, directory: Directory) -> list[dict[str, Any]]:
    """Per plan and name: ``plan``, ``name``, ``where`` (tasks and indicators), ``scope`` (the plan's),
    ``suggestion`` (``{"code", "agency", "why"}`` or None), ``resolves_now`` (codes the directory gives
    the name today, e.g. after a confirmation: import the plan again) and ``confirm`` (the YAML line)."""
    with Session(engine) as session:
        plans = {p.id: p for p in session.exec(select(Plan))}
        found: dict[tuple[int, str], list[str]] = defaultdict(list)
        for plan_id, where, raw in _rows(session):
            found[(plan_id, raw)].append(where)
    out = []
    for (plan_id, raw), where in found.items():
        plan = plans[plan_id]
        scope = directory.issuer_scope(plan.issuer, plan.number).scope
        result = directory.resolve_cell(raw, scope=scope, plan=plan.number)
        suggestion = result.suggestions[0] if len(result.suggestions) == 1 else None
        code = suggestion.code if suggestion else "<code>"
        out.append(
            {
                "plan": plan.number,
                "name": raw,
                "where": where,
                "scope": scope,
                "suggestion": {
                    "code": suggestion.code,
                    "agency": directory.get(suggestion.code).name,
                    "why": suggestion.why,
                }
                if suggestion
                else None,
                "resolves_now": result.codes,
                "confirm": f"- {{plan: {_quoted(plan.number)}, name: {_quoted(raw)}, code: {code}}}",
            }
        )
    return out
