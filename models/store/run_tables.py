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
