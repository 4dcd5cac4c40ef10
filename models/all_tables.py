"""Imports every table module so that ``SQLModel.metadata`` knows the whole schema (Alembic, tests)."""

from models import answer_tables, channel_tables, cycle_tables, tables  # noqa: F401
