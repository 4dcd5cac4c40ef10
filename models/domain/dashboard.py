"""The officers' overview as lists people can narrow, sort and page through — the pure part.

The filters come from a page's query parameters (``section``, ``agency``, ``state``, ``overdue`` = "quá hạn
hơn N ngày", ``sort``, ``ssort``/``asort`` for the two count tables, ``page``, ``per``). A value that names
nothing (a section the plan does not have, an unknown agency code, a state that does not exist, a page
past the last) is never turned into an empty list: :func:`read_filters` drops it and says why in Vietnamese,
so the page shows the whole list with the message above it.

Sorting is done on the server (the pages need no JavaScript); a key with a leading ``-`` sorts descending.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from models.domain.report_states import PRIORITY, SHOWN, STATE_TEXT, State, Tally

PER_PAGE = (25, 50, 100)  # the page sizes offered; the first is the default
AGENCIES_SHOWN = 10  # the by-agency table shows this many rows before "xem tất cả"
TASK_SORTS = {"tt": "TT", "state": "Tình trạng", "due": "Hạn", "overdue": "Số ngày quá hạn"}
CYCLE_SORTS = {"due": "Hạn", "subject": "Nhiệm vụ", "state": "Tình trạng", "overdue": "Số ngày quá hạn"}
TALLY_SORTS = {"name": "Tên", "total": "Tổng", **{s.value: STATE_TEXT[s] for s in SHOWN}}

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    """What the officer asked to see; empty means "all"."""

    section: str = ""
    agency: str = ""  # an agency code of the directory
    state: str = ""  # a ``State`` value
    overdue: int | None = None  # only what is overdue by more than this many days
    sort: str = ""  # the task (or cycle) list's order: a key of TASK_SORTS / CYCLE_SORTS, "-" for descending
    ssort: str = ""  # the by-section table's order (TALLY_SORTS)
    asort: str = ""  # the by-agency table's order (TALLY_SORTS)
    page: int = 1
    per: int = PER_PAGE[0]

    def query(self, **changes: Any) -> dict[str, str]:
        """The query parameters of these filters with ``changes`` (a new sort, a page), empty ones left out;
        any other change than a page goes back to page 1."""
        values = replace(self, **changes) if changes else self
        if "page" not in changes:
            values = replace(values, page=1)
        out = {
            "section": values.section,
            "agency": values.agency,
            "state": values.state,
            "overdue": "" if values.overdue is None else str(values.overdue),
            "sort": values.sort,
            "ssort": values.ssort,
            "asort": values.asort,
            "page": "" if values.page == 1 else str(values.page),
            "per": "" if values.per == PER_PAGE[0] else str(values.per),
        }
        return {k: v for k, v in out.items() if v}

    def any(self) -> bool:
        """Whether the list is narrowed at all (the page then says so and offers "xem tất cả")."""
        return bool(self.section or self.agency or self.state or self.overdue is not None)


def read_filters(
    params: Mapping[str, str],
    sections: Mapping[str, str],
    agencies: Mapping[str, str],
    *,
    sorts: Mapping[str, str] = TASK_SORTS,
) -> tuple[Filters, list[str]]:
    """The filters ``params`` ask for and, for each value that names nothing, a message saying so (the
    value is then left out). ``sections`` and ``agencies`` map the valid codes to their names."""
    errors: list[str] = []

    def pick(name: str, valid: Mapping[str, str] | Sequence[str], said: str) -> str:
        value = (params.get(name) or "").strip()
        if value and value not in valid:
            errors.append(said.format(value) + " Hãy chọn trong bộ lọc.")
            return ""
        return value

    section = pick("section", sections, "Kế hoạch không có mục «{}»; đã hiển thị mọi mục.")
    agency = pick("agency", agencies, "Không có cơ quan mã «{}» tham gia kế hoạch này; đã hiển thị mọi cơ quan.")
    state = pick("state", [s.value for s in State], "Không có tình trạng «{}»; đã hiển thị mọi tình trạng.")
    unsorted = "Không sắp xếp được theo «{}»; đã giữ thứ tự sẵn có."
    sort = pick("sort", _signed(sorts), unsorted)
    ssort = pick("ssort", _signed(TALLY_SORTS), unsorted)
    asort = pick("asort", _signed(TALLY_SORTS), unsorted)
    overdue = _number(params, "overdue", errors, "Số ngày quá hạn", minimum=0)
    page = _number(params, "page", errors, "Số trang", minimum=1) or 1
    per = _number(params, "per", errors, "Số dòng mỗi trang", minimum=1) or PER_PAGE[0]
    if per not in PER_PAGE:
        errors.append(f"Số dòng mỗi trang {per} không có; chọn {', '.join(map(str, PER_PAGE))}.")
        per = PER_PAGE[0]
    return Filters(section, agency, state, overdue, sort, ssort, asort, page, per), errors


def _signed(keys: Mapping[str, str]) -> list[str]:
    return [*keys, *(f"-{k}" for k in keys)]


def _number(params: Mapping[str, str], name: str, errors: list[str], what: str, *, minimum: int) -> int | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < minimum:
        errors.append(f"{what} «{value}» không hợp lệ: hãy nhập một số nguyên từ {minimum} trở lên.")
        return None
    return int(value)


class Stated(Protocol):
    """A row with a state and a number of days overdue (a task's ``Row``, an agency's ``AgencyRow``)."""

    state: str
    days_overdue: int


def keep(row: Stated, filters: Filters) -> bool:
    """Whether ``row`` passes the state and "quá hạn hơn N ngày" filters (section and agency are the caller's)."""
    if filters.state and row.state != filters.state:
        return False
    return filters.overdue is None or row.days_overdue > filters.overdue


def _due_key(row: Any) -> date:
    text = row.due_extended or row.due_effective
    return date.fromisoformat(text) if text else date.max  # rows with no date last


ROW_KEYS: dict[str, Callable[[Any], Any]] = {
    "state": lambda r: PRIORITY.index(State(r.state)),  # the ones needing action first
    "due": _due_key,
    "overdue": lambda r: r.days_overdue,
    "subject": lambda r: (r.subject, r.due_effective),
}


def sort_rows(rows: list[T], key: str) -> list[T]:
    """``rows`` in the order ``key`` names ("-" first: descending); no key or "tt": as given (the plan's order)."""
    name = key.removeprefix("-")
    if name not in ROW_KEYS:
        return list(reversed(rows)) if key == "-tt" else list(rows)
    return sorted(rows, key=ROW_KEYS[name], reverse=key.startswith("-"))


def sort_tallies(tallies: list[Tally], key: str) -> list[Tally]:
    """The count table's lines in the order ``key`` names; none: as given."""
    name = key.removeprefix("-")
    if not name:
        return list(tallies)
    by: Callable[[Tally], Any]
    if name == "name":
        by = lambda t: t.name  # noqa: E731
    elif name == "total":
        by = lambda t: t.total  # noqa: E731
    else:
        by = lambda t: t.counts[State(name)]  # noqa: E731
    return sorted(tallies, key=by, reverse=key.startswith("-"))


@dataclass
class Page(Generic[T]):
    """One page of a list."""

    items: list[T]
    number: int  # 1-based
    pages: int
    total: int
    per: int
    first: int = 0  # 1-based position of the first item shown (0: empty list)
    last: int = 0


def paginate(rows: list[T], page: int, per: int, errors: list[str] | None = None) -> Page[T]:
    """Page ``page`` of ``rows``; a page past the last is the first, with a message in ``errors``."""
    pages = max(1, -(-len(rows) // per))
    if page > pages:
        if errors is not None:
            errors.append(f"Trang {page} không có: danh sách có {pages} trang; đã hiển thị trang 1.")
        page = 1
    start = (page - 1) * per
    items = rows[start : start + per]
    return Page(items, page, pages, len(rows), per, start + 1 if items else 0, start + len(items))


@dataclass
class Summary:
    """The counts the overview opens with: each task (or cycle) once, in the VPCP states."""

    unit: str  # what is counted: "nhiệm vụ" or "kỳ báo cáo"
    counts: dict[State, int] = field(default_factory=dict)  # the SHOWN states
    others: dict[State, int] = field(default_factory=dict)  # not yet due, no cycle (tasks only)
    total: int = 0


def summary(states: Sequence[str], unit: str) -> Summary:
    """How many of ``states`` are in each state, ``unit`` naming what they are."""
    counts = dict.fromkeys(State, 0)
    for s in states:
        counts[State(s)] += 1
    return Summary(
        unit=unit,
        counts={s: counts[s] for s in SHOWN},
        others={s: counts[s] for s in State if s not in SHOWN and counts[s]},
        total=len(states),
    )
