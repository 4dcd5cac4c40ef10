"""The pure core: dondoc's rules, testable without a database, a server or a network.

What lives here: text and clock helpers, reading plans (``plan_reader``), deadline rules (``deadlines``),
the agency directory, the states of cycles, answers and messages (``states``), reminder decisions,
message templates, answer-form checks, report states.

May import: the standard library and pure libraries (PyYAML, Jinja2's sandbox, dateutil, holidays,
openpyxl, pydantic). Never sqlalchemy/sqlmodel, prefect, httpx, fastapi, ``models.store``,
``models.services`` or ``notifiers`` — ``tests/test_layers.py`` fails if it does.
"""
