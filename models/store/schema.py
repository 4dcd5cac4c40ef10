"""Imports every table module so that ``SQLModel.metadata`` knows the whole schema (Alembic, tests)."""

from models.store import answer_tables, channel_tables, cycle_tables, indicator_tables, run_tables, web_tables  # noqa: F401
