"""The officers' pages (login required), one module per group of pages: ``auth`` (log in, log out),
``overview`` (where the plan stands), ``agencies`` (one agency's side of a plan), ``subjects`` (a task, an
indicator, a cycle), ``actions`` (decisions on a cycle), ``review`` (answers awaiting a decision),
``rounds`` (ad hoc rounds), ``messages`` (dead messages), ``files`` (the report files, attachments),
``charts`` (each chart as SVG or PNG), ``plans`` (upload a plan, preview it, correct a column's role,
import), ``system`` (the system's status, "Tình trạng hệ thống"). What they share is ``web.officers.common``.
``indicators``: the plan's indicators against their targets (``/officers/indicators``).
``directory``: the agencies, their successors and review marks (``/officers/directory``).

Every POST carries a CSRF token bound to the officer's session; every read and decision is a call to
``models.services`` (``officer_views``, ``officer_actions``, ``officer_accounts``, ``rounds``).
"""

from fastapi import APIRouter

from web.officers import (
    actions,
    agencies,
    auth,
    charts,
    directory,
    files,
    indicators,
    messages,
    overview,
    plans,
    review,
    rounds,
    subjects,
    system,
)

router = APIRouter()
for _group in (
    auth,
    overview,
    agencies,
    indicators,
    subjects,
    actions,
    review,
    rounds,
    messages,
    files,
    charts,
    plans,
    system,
    directory,
):
    router.include_router(_group.router)
