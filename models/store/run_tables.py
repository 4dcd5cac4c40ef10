"""The record of dondoc's own runs: one ``dailyrun`` row per daily run (start, end, result, figures,
error), written by the ``daily`` flow whether it runs through Prefect or directly
(``DONDOC_PREFECT_MODE``). So ``dondoc status``, ``/metrics`` and the officers' "Tình trạng hệ thống" page
know whether today's run happened without asking a Prefect server (there may be none)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel


class DailyRun(SQLModel, table=True):
    """One run of the daily evaluation and dispatch for ``day`` (a rerun of a day is a row of its own)."""

    __table_args__ = (Index("ix_dailyrun_day_status", "day", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    day: date
    # running → completed | failed. A run whose process was killed stays *running*: the status shows how
    # long ago it started, so an operator sees it never ended.
    status: str = Field(max_length=16)
    mode: str = Field(max_length=16)  # "server" (a Prefect flow run) or "direct" (the flow code, no Prefect)
    started_at: datetime
    finished_at: datetime | None = None
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text))
    host: str = Field(default="", max_length=64)
    pid: int = 0


class MaterialiseMark(SQLModel, table=True):
    """How far the daily run created cycles, and from what (``models.services.materialise_mark``): the
    next run skips working out every due of every task when nothing it depends on changed and no new
    cycle can open within its look-ahead. One row per ``scope`` ("daily")."""

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=32, unique=True)
    # A digest of everything the wanted cycles depend on besides the date: the plans' rows, the directory,
    # the policy, the code that expands deadlines, the cycle table's size.
    fingerprint: str = Field(max_length=64)
    through: date  # the look-ahead limit covered: every wanted cycle opening by then exists
    next_open: date  # the first opening day after ``through`` of a wanted cycle (9999-12-31: none)
    epoch: date  # the routing epoch checked (a directory change starts a new one)
    updated_at: datetime
