"""SQLModel tables of the plan and the agency directory (the foundation).

Conventions (see ../shared/NOTES-stack.md for why):
- states and kinds are plain string columns checked by the application (``StrEnum``), not database enums;
- datetimes are timezone-aware and stored in UTC (``models.domain.clock.utcnow``); calendar dates are ``date``
  (deadlines are calendar days in Asia/Ho_Chi_Minh);
- every parsed cell keeps its raw text (``*_raw``) beside its parsed form.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Plan(SQLModel, table=True):
    """One plan document (Kế hoạch), identified by its number, e.g. ``25/KH-UBND``."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    kind: str | None = Field(default=None, max_length=64)
    issued_on: date | None = None
    issuer: str | None = Field(default=None, max_length=255)
    signer: str | None = Field(default=None, max_length=255)
    source_name: str = Field(max_length=255)
    content_hash: str = Field(max_length=64)
    imported_at: datetime
    # Reminder moments before this day are never sent (a plan adopted mid-way); None = from the start.
    track_from: date | None = None
    retired_at: datetime | None = None  # the plan was ended: its open cycles cancelled, history kept


class Task(SQLModel, table=True):
    """A row of the plan's task table (Phụ lục II)."""

    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: str = Field(max_length=16)
    position: int
    section: str = Field(max_length=16)
    section_title: str = Field(sa_column=Column(Text, nullable=False))
    title: str = Field(sa_column=Column(Text, nullable=False))
    lead_raw: str = Field(sa_column=Column(Text, nullable=False))
    coordinating_raw: str = Field(sa_column=Column(Text, nullable=False))
    output_raw: str = Field(sa_column=Column(Text, nullable=False))
    deadline_raw: str = Field(sa_column=Column(Text, nullable=False))
    # Parsed form of deadline_raw: the rule kind (one_off, recurring, range, ongoing, external,
    # unrecognized) and, when unrecognized, why — an officer must then set the rule by override.
    deadline_kind: str = Field(max_length=32)
    deadline_note: str | None = Field(default=None, sa_column=Column(Text))
    source_line: int
    withdrawn: bool = False
    # Columns of the task table beyond the known roles ("Nguồn kinh phí", "Người đứng đầu chịu trách
    # nhiệm" …), kept by header text as written.
    extra: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}"))


class Indicator(SQLModel, table=True):
    """A row of the indicator table (Phụ lục I); sub-items (8.1 …) point to their parent by code."""

    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, max_length=16)
    position: int
    group_code: str = Field(max_length=16)
    group_title: str = Field(max_length=255)
    horizon: int | None = None
    title: str = Field(sa_column=Column(Text, nullable=False))
    unit_raw: str = Field(sa_column=Column(Text, nullable=False))
    target_raw: str = Field(sa_column=Column(Text, nullable=False))
    # Parsed target: comparison (">=", ">", "<=", "<", "=", "range", "text") and numbers when any.
    target_op: str = Field(max_length=8)
    target_value: float | None = None
    target_value_max: float | None = None
    monitor_raw: str = Field(sa_column=Column(Text, nullable=False))
    source_line: int
    withdrawn: bool = False


class Agency(SQLModel, table=True):
    """An agency of the directory, past or present. Dissolved agencies point to their successor."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    kind: str = Field(max_length=32)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=32)
    zalo_user_id: str | None = Field(default=None, max_length=64)
    head_name: str | None = Field(default=None, max_length=255)
    head_title: str | None = Field(default=None, max_length=255)
    head_email: str | None = Field(default=None, max_length=255)
    head_phone: str | None = Field(default=None, max_length=32)
    valid_from: date | None = None
    valid_to: date | None = None
    successor_code: str | None = Field(default=None, max_length=64)
    succeeded_on: date | None = None
    legal_basis: str | None = Field(default=None, max_length=255)
    # "directory" while contacts come from config/agencies.yaml; "loaded" once `dondoc agencies load`
    # set them — a later directory sync then leaves them alone.
    contacts_source: str = Field(default="directory", max_length=16)
    contacts_updated_at: datetime | None = None
    # What an officer must confirm (the directory's ``review``: probably reorganised in 2025, change not
    # sourced): pages and the CLI show "cần xác nhận". ``sample``: a sample entry of the directory.
    review: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sample: bool = False


class DirectoryChange(SQLModel, table=True):
    """An officer's decision on the directory (``/officers/directory``): from ``succeeded_on`` the agency
    ``code`` hands its work to ``successor_code`` (None: confirmed as it is, no successor). The latest row
    of a code is in force; every row is kept as the audit trail (who, when, the entry before and after).
    Applied to the directory file's entries whenever a process builds its runtime (``config.app``)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, index=True)
    successor_code: str | None = Field(default=None, max_length=64)
    succeeded_on: date | None = None
    legal_basis: str | None = Field(default=None, max_length=255)
    officer: str = Field(max_length=64)  # login
    at: datetime
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AgencyGroup(SQLModel, table=True):
    """A group phrase of the plans ("Các Sở, ban, ngành") that expands to member agencies."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    # An open-ended group ("các cơ quan, đơn vị có liên quan") has no fixed members: an officer picks.
    open_ended: bool = False


class AgencyGroupMember(SQLModel, table=True):
    """Membership of an agency in a group (expanded from the directory's members and rules)."""

    __table_args__ = (UniqueConstraint("group_id", "agency_id"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="agencygroup.id", index=True)
    agency_id: int = Field(foreign_key="agency.id", index=True)


class AgencyAlias(SQLModel, table=True):
    """A spelling of an agency or group name as plans write it (typos included)."""

    id: int | None = Field(default=None, primary_key=True)
    alias: str = Field(max_length=255)
    alias_key: str = Field(max_length=255, unique=True, index=True)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="agencygroup.id", index=True)


class TaskAgency(SQLModel, table=True):
    """One agency named in a task's lead or coordinating cell: as written, and what it resolved to.

    Neither ``agency_id`` nor ``group_id`` set means the name was not recognised; it is kept and
    reported, never dropped.
    """

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    role: str = Field(max_length=16)
    position: int
    raw_name: str = Field(max_length=512)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="agencygroup.id")


class IndicatorAgency(SQLModel, table=True):
    """One agency named in an indicator's monitoring cell (same conventions as ``TaskAgency``)."""

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    role: str = Field(max_length=16)
    position: int
    raw_name: str = Field(max_length=512)
    agency_id: int | None = Field(default=None, foreign_key="agency.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="agencygroup.id")
