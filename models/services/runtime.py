"""``Runtime``: what every use case needs besides the database session — the directory, the deadline
rules and reporting policy, the working calendar, the message templates and the channel preferences.

Built once per run by the composition root (``config.app.build_app``) and passed to the services; it
also keeps the caches that make a 100,000-cycle day cheap (rules, due dates, schedules, routing epochs).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from models.domain import deadlines as dl
from models.domain.channels import STANDARD_CHANNELS, ChannelSpec
from models.domain.messages import Templates


@dataclass
class Runtime:
    """Everything the evaluation needs, built once per flow run."""

    engine: Engine
    directory: Any  # models.agencies.Directory
    config: Any  # config.policy.PolicyConfig: horizon, overrides, calendar
    policy: dl.ReportingPolicy
    calendar: dl.WorkingCalendar
    templates: Templates
    public_base_url: str
    channel_order: list[str] = field(default_factory=lambda: ["zalo", "sms", "email"])
    email_copy: bool = False
    # The channels' specs (address field, body form) by name: ``notifiers/table.py`` in a real run.
    channels: dict[str, ChannelSpec] = field(default_factory=lambda: dict(STANDARD_CHANNELS))
    lookahead_days: int = 30
    batch_size: int = 500
    _rule_cache: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    _due_cache: dict[tuple[Any, ...], list[dl.Due]] = field(default_factory=dict)
    _schedule_cache: dict[tuple[Any, ...], list[dl.Reminder]] = field(default_factory=dict)
    _subjects_cache: Any = None  # plan rows, task/indicator roles and dues: loaded once per runtime
    _existing: set[tuple[str, int, str, str]] | None = None
    _last_epoch: date | None = None
    _change_days: list[date] | None = None

    def routing_epoch(self, on: date) -> date:
        """The last day on or before ``on`` when the directory changed (an agency began, ended or was
        succeeded): routing is the same on every day of one epoch, so it is cached per epoch."""
        if self._change_days is None:
            days: set[date] = set()
            for entry in [*self.directory.agencies.values(), *self.directory.groups.values()]:
                for d in (entry.valid_from, entry.succeeded_on):
                    if d:
                        days.add(d)
                if entry.valid_to:
                    days.add(entry.valid_to + timedelta(days=1))
            self._change_days = sorted(days)
        epoch = date.min
        for d in self._change_days:
            if d <= on:
                epoch = d
        return epoch

    def forget(self) -> None:
        """Drop caches of database content (after a plan import in the same process)."""
        self._subjects_cache = None
        self._existing = None

    escalation_urgent: bool = False

    @property
    def horizon(self) -> date:
        return self.config.horizon
