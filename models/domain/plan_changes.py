"""A plan's life after its first import, as pure rules: from when it is tracked, and what a revised
version changes.

- **Tracking from** (:func:`default_track_from`): a province that adopts dondoc in the middle of a plan
  must not receive a year of reminders on day one. A plan imported for the first time more than
  :data:`LATE_IMPORT_DAYS` days after its issue date is tracked from the import day unless the officer
  says otherwise (``--track-from``); a plan imported soon after it was issued is tracked from the start.
- **A revised version** (:func:`diff_tasks`): the same plan number with other content. Tasks are matched
  by their number; a task is *changed* when one of :data:`TASK_FIELDS` differs (its place in the file —
  position, line — is not a change a person needs to hear about), *added* when the old version did not
  have it (or had withdrawn it), *removed* when the new one lacks it.

No database here: ``models.services.importer`` applies what these rules say.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

LATE_IMPORT_DAYS = 30

# The task fields a revision reports, with their names in Vietnamese for people.
TASK_FIELDS: dict[str, str] = {
    "title": "nội dung",
    "section": "mục",
    "section_title": "tên mục",
    "lead_raw": "cơ quan chủ trì",
    "coordinating_raw": "cơ quan phối hợp",
    "output_raw": "sản phẩm",
    "deadline_raw": "thời hạn",
    "extra": "cột khác",
}


def default_track_from(issued_on: date | None, import_day: date) -> date | None:
    """The tracking day of a plan imported for the first time on ``import_day``: that day when the plan
    was issued more than :data:`LATE_IMPORT_DAYS` days before (None — from the start — otherwise, and
    when the issue date is unknown: nothing to compare with, so nothing is skipped)."""
    if issued_on is None or import_day - issued_on <= timedelta(days=LATE_IMPORT_DAYS):
        return None
    return import_day


@dataclass
class TaskChange:
    """One changed task: its number and, per field, the old and the new value."""

    task: str
    fields: dict[str, tuple[Any, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"task": self.task, "fields": {k: {"old": o, "new": n} for k, (o, n) in self.fields.items()}}


@dataclass
class PlanDiff:
    """What a version of a plan changes against the version in the database (task numbers)."""

    added: list[str] = field(default_factory=list)
    changed: list[TaskChange] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Indicators (Phụ lục I) by code: only added and removed (a changed target is applied, not listed).
    indicators_added: list[str] = field(default_factory=list)
    indicators_removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.indicators_added or self.indicators_removed)

    def deadline_changed(self) -> list[str]:
        """Numbers of the changed tasks whose deadline phrase changed (their cycles are re-planned)."""
        return [c.task for c in self.changed if "deadline_raw" in c.fields]

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "changed": [c.as_json() for c in self.changed],
            "removed": self.removed,
            "indicators": {"added": self.indicators_added, "removed": self.indicators_removed},
        }

    def lines(self) -> list[str]:
        """The change for people, one line per task (Vietnamese, with the English word)."""
        out = [f"+ nhiệm vụ {n} (thêm / added)" for n in self.added]
        for change in self.changed:
            names = ", ".join(TASK_FIELDS.get(f, f) for f in change.fields)
            out.append(f"~ nhiệm vụ {change.task} (sửa / changed): {names}")
            for name, (old, new) in change.fields.items():
                if name == "deadline_raw":
                    out.append(f"    thời hạn: {old!r} → {new!r}")
        out.extend(f"- nhiệm vụ {n} (bỏ / removed)" for n in self.removed)
        out.extend(f"+ chỉ tiêu {c} (thêm / added)" for c in self.indicators_added)
        out.extend(f"- chỉ tiêu {c} (bỏ / removed)" for c in self.indicators_removed)
        return out


def diff_tasks(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> PlanDiff:
    """Compare the tasks of two versions, each {task number: {field: value}} (``old`` holds only the tasks
    not withdrawn). Numbers keep the new version's order; removed ones the old version's."""
    diff = PlanDiff()
    for number, values in new.items():
        before = old.get(number)
        if before is None:
            diff.added.append(number)
            continue
        fields = {
            name: (before.get(name), values.get(name))
            for name in TASK_FIELDS
            if name in values and _norm(before.get(name)) != _norm(values.get(name))
        }
        if fields:
            diff.changed.append(TaskChange(number, fields))
    diff.removed = [number for number in old if number not in new]
    return diff


def diff_codes(old: list[str], new: list[str]) -> tuple[list[str], list[str]]:
    """(added, removed) codes between two versions (indicators), in each version's order."""
    return [c for c in new if c not in set(old)], [c for c in old if c not in set(new)]


def _norm(value: Any) -> Any:
    """Empty text, None and an empty dict are the same "nothing" (a column added by a migration)."""
    return None if value in ("", None, {}) else value
