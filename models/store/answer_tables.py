"""Tables of the answers agencies send through their links, the officers' reviews, and officers' accounts.

- ``answer``: every answer is kept, never overwritten (a new answer is a new row); the receipt's reference
  number is unique. A double submit of one form (same ``submission_key``) records one answer.
- ``answerreview``: an officer's decision on a cycle's answer (accept, return, extension granted or
  refused, reassigned). The cycle's own state changes are in ``cycleevent``, as for every change.
- ``officeruser`` / ``officersession``: officers log in with a password (hashed with argon2id); a session
  is a random cookie stored only as its SHA-256 hash, and expires when idle.
"""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class Answer(SQLModel, table=True):
    """One answer of one agency for one cycle, as sent through its response link."""

    __table_args__ = (Index("ix_answer_cycle_created", "cycle_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True, index=True)  # printed on the receipt
    # The random nonce of the form that sent it: a double click or a resent POST records one answer.
    submission_key: str = Field(max_length=64, unique=True)
    cycle_id: int = Field(foreign_key="cycle.id")
    agency_id: int = Field(foreign_key="agency.id", index=True)
    token_id: int | None = Field(default=None, foreign_key="responsetoken.id")
    cycle_status_before: str = Field(max_length=16)  # the cycle's state when the answer came
    status: str | None = Field(default=None, max_length=16)  # AnswerStatus (None: only a request)
    progress: int | None = None  # percent, 0..100
    done_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    document_number: str | None = Field(default=None, max_length=128)
    document_date: date | None = None
    link_url: str | None = Field(default=None, max_length=1000)
    # An attachment lives under data_dir/attachments/ with a random name (never served by name).
    attachment_path: str | None = Field(default=None, max_length=255)  # relative to data_dir
    attachment_name: str | None = Field(default=None, max_length=255)  # the name the agency uploaded
    attachment_type: str | None = Field(default=None, max_length=100)  # detected from the content
    attachment_size: int | None = None
    attachment_sha256: str | None = Field(default=None, max_length=64)
    extension_to: date | None = None  # requested new due date
    extension_reason: str | None = Field(default=None, sa_column=Column(Text))
    other_agency: str | None = Field(default=None, max_length=255)  # "belongs to another agency", as typed
    other_agency_id: int | None = Field(default=None, foreign_key="agency.id")  # when the name matched
    indicator_value: str | None = Field(default=None, max_length=255)
    indicator_source: str | None = Field(default=None, max_length=500)
    created_at: datetime
    client_ip_hash: str | None = Field(default=None, max_length=64)  # keyed hash: abuse checks, not tracking


class AnswerReview(SQLModel, table=True):
    """An officer's decision on a cycle (and the answer it was about, when any)."""

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: int = Field(foreign_key="cycle.id", index=True)
    answer_id: int | None = Field(default=None, foreign_key="answer.id", index=True)
    decision: str = Field(max_length=24)  # Decision
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    new_due: date | None = None  # extension granted
    officer: str = Field(max_length=64)  # login
    at: datetime


class OfficerUser(SQLModel, table=True):
    """An officer of the standing agency who may use the officers' pages."""

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    password_hash: str = Field(max_length=255)
    active: bool = True
    created_at: datetime
    last_login_at: datetime | None = None


class OfficerSession(SQLModel, table=True):
    """A logged-in browser: the cookie holds a random token, the database only its SHA-256 hash."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="officeruser.id", index=True)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # idle expiry, pushed forward while the officer works
    absolute_expires_at: datetime  # hard limit whatever the activity
    revoked_at: datetime | None = None
