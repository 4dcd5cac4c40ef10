"""The reporting policy file (``config/policy.yaml``) → typed, validated objects.

:func:`load_policy` reads the shipped file or a given path and returns a :class:`PolicyConfig`: the plan
horizon, the :class:`~models.deadlines.ReportingPolicy`, the working-day calendar's extra holidays and
working days, and the officers' deadline overrides. Any problem raises :class:`PolicyError` whose message
names the file and the key ("reporting.report_submit_working_days: Input should be greater than or equal
to 1"), so that the person who edited the YAML can fix it. The defaults are documented in the YAML and in
:mod:`models.deadlines.policy`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from models.domain.deadlines import (
    DeadlineOverride,
    DeadlineRule,
    ReportingPolicy,
    WorkingCalendar,
    apply_override,
    parse_deadline,
    validate_override,
)
from models.domain.text import fold, nfc

SHIPPED_POLICY = Path(__file__).resolve().parent / "policy.yaml"

ReportKind = Literal["monthly", "quarterly", "six_month", "annual"]


class PolicyError(ValueError):
    """The policy file cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportingSection(_Strict):
    """``reporting:`` — see ``config/policy.yaml`` for the meaning and the defaults."""

    open_days_before: int = Field(30, ge=0)
    remind_before_working_days: list[int] = Field(default_factory=lambda: [14, 7, 3, 1])
    remind_on_due: bool = True
    overdue_every_days: int = Field(7, ge=1)
    overdue_max_reminders: int = Field(8, ge=0)
    escalate_after_days: int = Field(14, ge=1)
    escalate_to: list[str] = Field(default_factory=lambda: ["agency_head", "standing_agency"])
    coordinating_lead_working_days: int = Field(5, ge=0)
    periodic_reports: list[ReportKind] = Field(default_factory=lambda: ["six_month", "annual"])
    report_submit_working_days: int = Field(5, ge=1)  # Decree 09/2019 art. 8: at least one working day

    @field_validator("remind_before_working_days")
    @classmethod
    def _positive(cls, value: list[int]) -> list[int]:
        if any(n < 1 for n in value):
            raise ValueError("every offset must be at least 1 working day")
        return value

    def to_domain(self) -> ReportingPolicy:
        """The pure-domain policy."""
        return ReportingPolicy(
            open_days_before=self.open_days_before,
            remind_before_working_days=tuple(self.remind_before_working_days),
            remind_on_due=self.remind_on_due,
            overdue_every_days=self.overdue_every_days,
            overdue_max_reminders=self.overdue_max_reminders,
            escalate_after_days=self.escalate_after_days,
            escalate_to=tuple(self.escalate_to),
            coordinating_lead_working_days=self.coordinating_lead_working_days,
            periodic_reports=tuple(self.periodic_reports),
            report_submit_working_days=self.report_submit_working_days,
        )


class MessagesSection(_Strict):
    """``messages:`` — how many messages a contact gets a day, and the escalation digest's rhythm."""

    reminders_per_day: int = Field(1, ge=1)
    decisions_per_day: int = Field(1, ge=1)
    escalation_digest: Literal["daily", "weekly"] = "daily"


class OverrideEntry(_Strict):
    """One task's override: exactly one of ``date``, ``dates`` or ``rrule``; an optional ``note``."""

    date: dt.date | None = None
    dates: list[dt.date] | None = None
    rrule: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _exactly_one(self) -> OverrideEntry:
        given = [name for name in ("date", "dates", "rrule") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give exactly one of 'date', 'dates' or 'rrule'")
        validate_override(self.to_domain())
        return self

    def to_domain(self) -> DeadlineOverride:
        """The pure-domain override."""
        dates = (self.date,) if self.date else tuple(self.dates or ())
        return DeadlineOverride(dates=dates, rrule=self.rrule, note=nfc(self.note))


def _plan_key(plan: str) -> str:
    return fold(plan).replace(" ", "")


def _task_key(task: str | int) -> str:
    return str(task).strip().rstrip(".")


class PolicyConfig(_Strict):
    """The whole policy file."""

    horizon: dt.date = dt.date(2030, 12, 31)
    reporting: ReportingSection = Field(default_factory=ReportingSection)
    messages: MessagesSection = Field(default_factory=MessagesSection)
    extra_holidays: list[dt.date] = Field(default_factory=list)
    extra_working_days: list[dt.date] = Field(default_factory=list)
    deadline_overrides: dict[str, dict[str, OverrideEntry]] = Field(default_factory=dict)
    _calendar: WorkingCalendar | None = PrivateAttr(default=None)

    @field_validator("deadline_overrides", mode="before")
    @classmethod
    def _string_keys(cls, value: Any) -> Any:
        # YAML reads `33:` as an integer; task numbers are compared as text.
        if isinstance(value, dict):
            return {
                str(plan): {str(task): entry for task, entry in tasks.items()} if isinstance(tasks, dict) else tasks
                for plan, tasks in value.items()
            }
        return value

    @field_validator("horizon")
    @classmethod
    def _sane_horizon(cls, value: dt.date) -> dt.date:
        if not 2000 <= value.year <= 2100:
            raise ValueError("the horizon must be between 2000 and 2100")
        return value

    @model_validator(mode="after")
    def _disjoint_days(self) -> PolicyConfig:
        both = sorted(set(self.extra_holidays) & set(self.extra_working_days))
        if both:
            raise ValueError(
                "dates listed both in extra_holidays and extra_working_days: " + ", ".join(d.isoformat() for d in both)
            )
        return self

    def reporting_policy(self) -> ReportingPolicy:
        """The reporting policy (pure domain object)."""
        return self.reporting.to_domain()

    def calendar(self) -> WorkingCalendar:
        """The working-day calendar with this file's extra holidays and working days (built once)."""
        if self._calendar is None:
            self._calendar = WorkingCalendar(
                extra_holidays=self.extra_holidays, extra_working_days=self.extra_working_days
            )
        return self._calendar

    def override_for(self, plan: str, task: str | int) -> DeadlineOverride | None:
        """The override of task ``task`` of plan ``plan`` ("25/KH-UBND", compared without case/spaces)."""
        wanted = _plan_key(plan)
        for plan_number, tasks in self.deadline_overrides.items():
            if _plan_key(plan_number) == wanted:
                for number, entry in tasks.items():
                    if _task_key(number) == _task_key(task):
                        return entry.to_domain()
        return None

    def rule_for(self, plan: str, task: str | int, phrase: str) -> DeadlineRule:
        """The rule in force for a task: its phrase parsed, replaced by the officer's override if any."""
        rule = parse_deadline(phrase)
        override = self.override_for(plan, task)
        return apply_override(rule, override) if override is not None else rule


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        msg = err["msg"].removeprefix("Value error, ")
        lines.append(f"{source}: {loc or '(top level)'}: {msg}")
    return "\n".join(lines)


def load_policy(path: str | Path | None = None) -> PolicyConfig:
    """Load and validate the policy file (the shipped ``config/policy.yaml`` when ``path`` is None)."""
    source = Path(path) if path is not None else SHIPPED_POLICY
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PolicyError(f"{source}: policy file not found") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{source}: not valid YAML: {exc}") from exc
    except ValueError as exc:  # PyYAML builds dates itself: "2030-13-01" fails inside the loader
        raise PolicyError(f"{source}: invalid value (a date?): {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: the top level must be a mapping of keys, not {type(raw).__name__}")
    try:
        return PolicyConfig.model_validate(raw)
    except ValidationError as exc:
        raise PolicyError(_format_errors(str(source), exc)) from exc
