"""The values agencies report for the indicators of Phụ lục I, as numbers, with their history.

One row per reported value: an answer to an indicator cycle writes one (``answer_id`` unique), and a later
answer about the same period writes another — nothing is overwritten, so the history per period stays; the
read side takes the latest recorded value of each period (``models.services.indicator_status``).

Three models, as in the FastAPI full-stack template: ``IndicatorValueIn`` is what a use case hands in
(validated on construction, which a table model is not — see ../shared/NOTES-stack.md), the table
``IndicatorValue`` what is stored, ``IndicatorValueOut`` what the read side gives back.
"""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class IndicatorValueBase(SQLModel):
    """The fields of a reported value shared by input, table and output."""

    indicator_id: int = Field(foreign_key="indicator.id")
    agency_id: int = Field(foreign_key="agency.id", index=True)
    period_key: str = Field(max_length=16)  # "2026", "2026-H1", "2026-Q3" (models.domain.indicators)
    period_end: date  # the period's last day: the value's date on a trend
    value: float
    value_raw: str = Field(max_length=64)  # as typed ("41,5")
    unit: str = Field(default="", max_length=255)  # the indicator's unit when it was reported
    source: str = Field(min_length=1, max_length=500)  # document number or statistics publication
    note: str = Field(default="", max_length=5000)


class IndicatorValueIn(IndicatorValueBase):
    """A value to record, validated (``IndicatorValueIn.model_validate``), with the answer it came with."""

    cycle_id: int | None = None
    answer_id: int | None = None


class IndicatorValue(IndicatorValueBase, table=True):
    """One reported value of one indicator for one period (history: never updated, never deleted)."""

    __table_args__ = (Index("ix_indicatorvalue_indicator_period", "indicator_id", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int | None = Field(default=None, foreign_key="cycle.id", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answer.id", unique=True)
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    recorded_at: datetime


class IndicatorValueOut(IndicatorValueBase):
    """A stored value as the read side gives it."""

    id: int
    cycle_id: int | None
    answer_id: int | None
    recorded_at: datetime
