"""The officers' pages (login required), one module per group of pages: ``auth`` (log in, log out),
``overview`` (where the plan stands), ``subjects`` (a task, an indicator, a cycle), ``actions`` (decisions on
a cycle), ``review`` (answers awaiting a decision), ``rounds`` (ad hoc rounds), ``messages`` (dead messages),
``files`` (the report files, attachments), ``plans`` (upload a plan, preview it, correct a column's
role, import), ``directory`` (the agencies, their successors and review marks). What they share is
``web.officers.common``.

Every POST carries a CSRF token bound to the officer's session; every read and decision is a call to
``models.services`` (``officer_views``, ``officer_actions``, ``officer_accounts``, ``rounds``).
"""

from fastapi import APIRouter

from web.officers import actions, auth, directory, files, messages, overview, plans, review, rounds, subjects

router = APIRouter()
for _group in (auth, overview, subjects, actions, review, rounds, messages, files, plans, directory):
    router.include_router(_group.router)
