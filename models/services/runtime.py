"""``Runtime``: what every use case needs besides the database session — the directory, the deadline
rules and reporting policy, the working calendar, the message templates and the channel preferences.

Built once per run by the composition root (``config.app.build_app``) and passed to the services. It also
keeps the caches that make a 100,000-cycle day cheap: rules per (plan, task, phrase), due items per rule,
reminder schedules per (due date, opening, role), routing per directory epoch. Many cycles share each.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from models.domain import deadlines as dl
from models.domain import reminders
from models.domain.channels import STANDARD_CHANNELS, ChannelSpec
from models.domain.messages import Templates
from models.domain.states import CycleKind, Role

SCHEDULE_CACHE_MAX = 50_000


class RuleSource(Protocol):
    """The deadline rules in force (``config.policy.PolicyConfig``): officers' overrides win over phrases."""

    horizon: date

    def rule_for(self, plan: str, task: str | int, phrase: str) -> dl.DeadlineRule: ...


class CycleDates(Protocol):
    """What a schedule reads of a cycle (a ``Cycle`` row has these)."""

    due_effective: date
    due_extended: date | None
    opens_on: date
    role: str
    kind: str
    schedule_version: int


@dataclass
class Runtime:
    """Everything the evaluation needs, built once per flow run."""

    engine: Engine
    directory: Any  # models.domain.agencies.Directory
    config: RuleSource  # horizon, overrides
    policy: dl.ReportingPolicy
    calendar: dl.WorkingCalendar
    templates: Templates
    public_base_url: str
    # The secret key answer links are derived with (``models.domain.tokens``): every process that queues or
    # sends messages must have the same one (``config.app`` reads it from the settings).
    link_key: bytes = field(default=b"", repr=False)
    channel_order: list[str] = field(default_factory=lambda: ["zalo", "sms", "email"])
    email_copy: bool = False
    # The channels' specs (address field, body form) by name: ``notifiers/table.py`` in a real run.
    channels: dict[str, ChannelSpec] = field(default_factory=lambda: dict(STANDARD_CHANNELS))
    lookahead_days: int = 30
    batch_size: int = 500
    escalation_urgent: bool = False
    # Consolidated messages (``models.services.compose``, config/policy.yaml ``messages``): reminder messages
    # per contact and day, and whether the standing agency's escalation digest goes daily or weekly.
    reminder_cap: int = 1
    decision_cap: int = 1
    escalation_digest: str = "daily"
    _rule_cache: dict[tuple[str, str, str], dl.DeadlineRule] = field(default_factory=dict)
    _due_cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    _schedule_cache: dict[reminders.ScheduleFacts, list[dl.Reminder]] = field(default_factory=dict)
    _subjects_cache: Any = None  # plan rows, task/indicator roles and dues: loaded once per runtime
    _existing: set[tuple[str, int, str, str]] | None = None
    _last_epoch: date | None = None
    _change_days: list[date] | None = None
    _mark_static: tuple[Any, str] | None = None  # (directory, its part of the materialise mark's digest)

    @property
    def horizon(self) -> date:
        return self.config.horizon

    @property
    def prefs(self) -> reminders.ChannelPrefs:
        return reminders.ChannelPrefs(tuple(self.channel_order), self.channels, self.email_copy)

    def replace_directory(self, directory: Any) -> None:
        """Use ``directory`` from now on (an officer's decision on ``/officers/directory``): the routing
        epochs, computed from the directory's dates, are recomputed, and the next evaluation checks every
        live cycle's agency again (``materialise`` skips that while the epoch is unchanged)."""
        self.directory = directory
        self._change_days = None
        self._last_epoch = None

    def forget(self) -> None:
        """Drop caches of database content (after a plan import in the same process, after a dry run)."""
        self._subjects_cache = None
        self._existing = None
        self._last_epoch = None

    # -- deadlines ------------------------------------------------------------------------------------
    def rule_for(self, plan_number: str, task_number: str, phrase: str) -> dl.DeadlineRule:
        """The task's deadline rule: the officer's override when configured, else the parsed phrase."""
        key = (plan_number, task_number, phrase)
        rule = self._rule_cache.get(key)
        if rule is None:
            rule = self._rule_cache[key] = self.config.rule_for(plan_number, task_number, phrase)
        return rule

    def task_dues(self, rule: dl.DeadlineRule, start: date) -> list[tuple[str, dl.Due]]:
        """(cycle kind, due) items of a task rule: its due dates, then periodic reports where ongoing."""
        key = ("task", rule.text, rule.kind, rule.overridden, start)
        cached = self._due_cache.get(key)
        if cached is None:
            items: list[tuple[str, dl.Due]] = []
            if rule.kind in (dl.Kind.ONE_OFF, dl.Kind.RECURRING, dl.Kind.RANGE):
                dues = dl.expand(rule, start=start, horizon=self.horizon, calendar=self.calendar)
                items.extend((CycleKind.deadline, d) for d in dues)
            reports = dl.progress_reports(
                rule, start=start, horizon=self.horizon, policy=self.policy, calendar=self.calendar
            )
            items.extend((CycleKind.periodic, d) for d in reports)
            items.sort(key=lambda item: (item[1].effective, item[1].period_key))
            cached = self._due_cache[key] = items
        return cached  # type: ignore[no-any-return]

    def periodic(self, start: date) -> list[dl.Due]:
        """The periodic reports (Decree 09/2019 cut-offs) from ``start`` to the horizon."""
        key = ("periodic", start)
        cached = self._due_cache.get(key)
        if cached is None:
            cached = self._due_cache[key] = dl.periodic_reports(start, self.horizon, self.policy, self.calendar)
        return cached  # type: ignore[no-any-return]

    # -- reminders ------------------------------------------------------------------------------------
    def schedule(self, cycle: CycleDates) -> list[dl.Reminder]:
        """Every reminder step of a cycle, versioned after re-planning (cached: many cycles share one)."""
        facts = reminders.ScheduleFacts(
            due=cycle.due_extended or cycle.due_effective,
            opens_on=cycle.opens_on,
            coordinating=cycle.role == Role.coordinating,
            adhoc=cycle.kind == CycleKind.adhoc,
        )
        steps = self._schedule_cache.get(facts)
        if steps is None:
            if len(self._schedule_cache) > SCHEDULE_CACHE_MAX:
                self._schedule_cache.clear()
            steps = self._schedule_cache[facts] = reminders.cycle_schedule(facts, self.policy, self.calendar)
        return reminders.versioned(steps, cycle.schedule_version)

    # -- routing --------------------------------------------------------------------------------------
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

    def routed_agency_ids(self, codes: list[str], on: date, agency_ids: dict[str, int]) -> list[int]:
        """The database ids of the agencies that hold, on ``on``, the work of the agencies/groups ``codes``
        as the plan wrote them (successors for merged agencies, members for groups), in order, once each."""
        seen: list[int] = []
        for code in codes:
            for agency in self.directory.route(code, on):
                agency_id = agency_ids.get(agency.code)
                if agency_id is not None and agency_id not in seen:
                    seen.append(agency_id)
        return seen
