"""Imports every table module so that ``SQLModel.metadata`` knows the whole schema (Alembic, tests)."""

from models import channel_tables, cycle_tables, tables  # noqa: F401
