"""Indicators (chỉ tiêu) of Phụ lục I: the target cell read into a comparison and numbers, the values
agencies report (numbers in the indicator's unit, for a period), and where each indicator stands.

Values. ``parse_value`` reads the Vietnamese way of writing numbers (decimal comma "41,5", thousands dot
"1.250"); ``unit_rule`` gives each unit of the plan a plausible range (a share in % is 0–100 unless the
target is above 100, a rank is a whole number 1–63, …) and ``check_value`` refuses a value outside it with
a message the agency can act on. A value measures a period: a year ("2026"), a half ("2026-H1") or a
quarter ("2026-Q3"); its date on a trend is the period's last day.

On track or not (``standing``), for an indicator whose target is a number:

- **đạt** (met): the latest value meets the target. "≥"/">" (tối thiểu, trên) are met by reaching or
  passing the number, "≤"/"<" (tối đa, giảm, a rank "≤ 10") by staying at or under it; a bare number
  ("90") means "reach at least 90" for a share or a count and "at most" for a rank; a range "16-18" is met
  from its lower bound (going past the upper bound of a growth target is not a failure).
- **đúng lộ trình** (on track): not met, but the latest value is on or ahead of the straight line drawn
  from the *first* reported value (at the end of its period) to the target on 31/12 of the horizon year.
  "Ahead" is above the line for an upward target and below it for a downward one.
- **chậm** (behind): not met and under the line (over it, downward); also not met once the horizon has
  passed, and **not met with one value only**. With a single value the line starts at that very point, so
  "on the line" would be true of any number and say nothing; we need a second period to see the pace.
  Calling it *chậm* until then is the cautious reading: the officer asks the agency for its next value
  instead of being told that 12 % of a 85 % target is fine. The reason text says "mới có số liệu của một
  kỳ" so nobody mistakes it for a measured delay.
- **chưa có số liệu** (no data): no value reported yet (or a text target, which no number can measure).

Several agencies may report the same indicator: every value is kept (history per period); for a period
the latest recorded value counts, and the trend runs over the periods in order. When agencies disagree on
a period the officers' pages say so ("cần xác nhận"), so that the choice is never hidden.

Sub-items and their parent (``rollup_kind``): the plan's parents 8 and 18 carry sub-items 8.1–8.12 and
18.1–18.2. A parent with **no target of its own** (8) stands by **all of its sub-items** (met when every
one is met, no data while one has none, otherwise behind if any is behind, else on track). A parent whose
target is a number in the **same countable unit** as all of its sub-items (doanh nghiệp, tỷ đồng …) is
their **sum**. Anything else — a text target such as 18's "Tiên tiến, hiện đại, …" above percentages — is
**unclear**: shown with the all-of-them reading and flagged "cần xác nhận" for an officer, never guessed.
"""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

_TARGET = re.compile(
    r"^\s*(?P<op>≥|>=|≤|<=|>|<|=)?\s*(?P<a>\d+(?:[.,]\d+)?)\s*(?:(?:-|–|đến)\s*(?P<b>\d+(?:[.,]\d+)?))?\s*%?\s*$"
)
_OPS = {"≥": ">=", ">=": ">=", "≤": "<=", "<=": "<=", ">": ">", "<": "<", "=": "="}
# A comparison, a number and words naming what is compared: "≤ 10 các tỉnh, thành trên cả nước" (a rank
# among the provinces). Only with an explicit comparison and no other digit, so nothing is guessed.
_TARGET_WITH_WORDS = re.compile(r"^\s*(?P<op>≥|>=|≤|<=|>|<)\s*(?P<a>\d+(?:[.,]\d+)?)\s+(?P<words>[^\d%]+)$")


def parse_target(raw: str) -> tuple[str, float | None, float | None]:
    """Parse an indicator's target cell: "≥ 85" → (">=", 85, None); "16-18" → ("range", 16, 18);
    "> 0,75" → (">", 0.75, None) (Vietnamese decimal comma); "≤ 10 các tỉnh, thành trên cả nước" →
    ("<=", 10, None); anything else → ("text", None, None)."""
    match = _TARGET.match(raw) or _TARGET_WITH_WORDS.match(raw)
    if not match:
        return "text", None, None

    def num(text: str) -> float:
        return float(text.replace(",", "."))

    low = num(match["a"])
    if match.groupdict().get("b"):
        return "range", low, num(match["b"])
    return _OPS.get(match["op"] or "=", "="), low, None


# --------------------------------------------------------------------------------------------------
# Values as agencies report them
# --------------------------------------------------------------------------------------------------


class BadValue(ValueError):
    """A reported value that cannot be taken; the message is Vietnamese and shown beside the field."""


_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
_POINT_DECIMAL = re.compile(r"^[+-]?\d+\.\d{1,2}$|^[+-]?\d+\.\d{4,}$")


def parse_value(text: str, unit: str = "") -> float:
    """A number as Vietnamese officers write it: decimal comma ("41,5"), thousands dot ("1.250",
    "1.250.000,5"); a trailing unit or "%" is allowed ("41,5 %", "120 tỷ đồng"). A dot followed by other
    than exactly three digits ("41.5") is read as a decimal point: a thousands group always has three.
    Raises :class:`BadValue` with the message to show."""
    raw = (text or "").strip().replace("\u00a0", " ")
    unit_text = (unit or "").strip()
    if unit_text and raw.lower().endswith(unit_text.lower()):
        raw = raw[: -len(unit_text)].strip()
    raw = raw.rstrip("%").strip().replace(" ", "")
    if not raw:
        raise BadValue("Vui lòng ghi giá trị chỉ tiêu (một số).")
    if _NUMBER.match(raw):
        return float(raw.replace(".", "").replace(",", "."))
    if _POINT_DECIMAL.match(raw):
        return float(raw)
    raise BadValue("Giá trị chỉ tiêu phải là một số, ví dụ 41,5 hoặc 1.250 (dấu phẩy cho phần thập phân).")


def format_value(value: float) -> str:
    """A number the Vietnamese way: 41,5 · 1.250 · 0,75 (at most 2 decimals, no trailing zeros)."""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


@dataclass(frozen=True)
class UnitRule:
    """What a unit allows: the plausible range of a value and whether it must be whole."""

    kind: str  # percent | growth | rank | index | per_population | count | money | other
    low: float | None
    high: float | None
    whole: bool = False
    lower_is_better: bool = False


def unit_rule(unit: str, target_value: float | None = None, target_max: float | None = None) -> UnitRule:
    """The plausible range of a value in ``unit`` (the unit cell as the plan writes it).

    - a share in % ("%", "% GRDP", "% dân số"): 0–100, unless the target itself is above 100 (then up to
      ten times the target: "tăng 150%" is a plan's right);
    - a growth rate ("%/năm"): −100 to 1.000 (a count can fall, never below −100 %);
    - a rank ("Thứ bậc", "xếp hạng"): a whole number 1–63 (the provinces before the 2025 merger; the
      2025 rankings have 34), and a lower number is better;
    - an index given with a target at most 1 ("Chỉ số … (HDI)" > 0,75): 0–1;
    - per population ("Người/vạn dân", "…/1000 dân"): 0 to the population base (10.000, 1.000);
    - counts ("doanh nghiệp", "người", "thành phố"): whole, 0 or more; money ("tỷ đồng", "triệu đồng"):
      0 or more. Any other unit: 0 or more, no upper bound.
    """
    text = unit.lower()
    top = max((v for v in (target_value, target_max) if v is not None), default=0.0)
    if "thứ bậc" in text or "xếp hạng" in text:
        return UnitRule("rank", 1, 63, whole=True, lower_is_better=True)
    if "%/năm" in text.replace(" ", ""):
        return UnitRule("growth", -100, 1000)
    if "%" in text:
        return UnitRule("percent", 0, 100 if top <= 100 else top * 10)
    if "chỉ số" in text and 0 < top <= 1:
        return UnitRule("index", 0, 1)
    per = re.search(r"/\s*(vạn|\d[\d.]*)\s*dân", text)
    if per:
        base = 10000.0 if per.group(1) == "vạn" else float(per.group(1).replace(".", ""))
        return UnitRule("per_population", 0, base)
    if "đồng" in text:
        return UnitRule("money", 0, None)
    if any(word in text for word in ("doanh nghiệp", "người", "thành phố", "đơn vị", "xã", "hồ sơ", "sản phẩm")):
        return UnitRule("count", 0, None, whole=True)
    return UnitRule("other", 0, None)


def check_value(value: float, rule: UnitRule, unit: str) -> None:
    """Refuse a value outside ``rule``'s plausible range (:class:`BadValue`, Vietnamese message)."""
    shown = f" {unit}" if unit and rule.kind != "percent" else ""
    if rule.kind == "rank" and (value != int(value) or not (rule.low or 1) <= value <= (rule.high or 63)):
        raise BadValue(
            f"Thứ hạng là một số nguyên từ {format_value(rule.low or 1)} đến {format_value(rule.high or 63)}"
            " (ví dụ 8 nghĩa là xếp thứ 8)."
        )
    if rule.whole and value != int(value):
        raise BadValue(f"Giá trị chỉ tiêu ({unit}) phải là số nguyên.")
    if rule.kind == "percent" and not (rule.low or 0) <= value <= (rule.high or 100):
        raise BadValue(
            f"Giá trị {format_value(value)}% nằm ngoài khoảng hợp lý {format_value(rule.low or 0)}–"
            f"{format_value(rule.high or 100)}%: vui lòng kiểm tra lại số liệu."
        )
    if rule.low is not None and value < rule.low:
        raise BadValue(
            f"Giá trị {format_value(value)}{shown} nhỏ hơn mức thấp nhất hợp lý ({format_value(rule.low)}{shown})."
        )
    if rule.high is not None and value > rule.high:
        raise BadValue(
            f"Giá trị {format_value(value)}{shown} lớn hơn mức cao nhất hợp lý ({format_value(rule.high)}{shown})."
        )


# --------------------------------------------------------------------------------------------------
# The period a value measures
# --------------------------------------------------------------------------------------------------

_PERIOD = re.compile(r"^(?P<y>\d{4})(?:-(?P<p>H1|H2|Q[1-4]))?$")
_QUARTER_END = {"Q1": (3, 31), "Q2": (6, 30), "Q3": (9, 30), "Q4": (12, 31), "H1": (6, 30), "H2": (12, 31)}
_QUARTER_START = {"Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10, "H1": 1, "H2": 7}
_ROMAN = {"Q1": "I", "Q2": "II", "Q3": "III", "Q4": "IV"}


def period_bounds(key: str) -> tuple[date, date] | None:
    """First and last day of a period key: "2026" (year), "2026-H1"/"2026-H2", "2026-Q3"; None if not one."""
    match = _PERIOD.match(key.strip())
    if not match:
        return None
    year, part = int(match["y"]), match["p"]
    if not 2000 <= year <= 2100:
        return None
    if part is None:
        return date(year, 1, 1), date(year, 12, 31)
    month, day = _QUARTER_END[part]
    return date(year, _QUARTER_START[part], 1), date(year, month, day)


def period_label(key: str) -> str:
    """ "Năm 2026", "6 tháng đầu năm 2026", "6 tháng cuối năm 2026", "Quý III/2026"."""
    match = _PERIOD.match(key.strip())
    if not match:
        return key
    year, part = match["y"], match["p"]
    if part is None:
        return f"Năm {year}"
    if part == "H1":
        return f"6 tháng đầu năm {year}"
    if part == "H2":
        return f"6 tháng cuối năm {year}"
    return f"Quý {_ROMAN[part]}/{year}"


def period_of_cycle(period_key: str) -> str | None:
    """The period an indicator cycle asks about, from its key ("report-2026-H1" → "2026-H1")."""
    key = period_key.removeprefix("report-")
    return key if period_bounds(key) else None


def default_period(period_key: str, today: date) -> str:
    """The period a form offers first: the cycle's own ("report-2026-H1" → "2026-H1"), else (a round's
    cycle) the half year or year under way on ``today``."""
    return period_of_cycle(period_key) or (f"{today.year}-H1" if today.month <= 6 else str(today.year))


def period_choices(default: str | None, today: date, first_year: int = 2024) -> list[tuple[str, str]]:
    """The periods an agency may pick, newest first: each year's first half and whole year up to today's."""
    keys: list[str] = []
    for year in range(today.year, first_year - 1, -1):
        keys += [str(year), f"{year}-H1"]
    if default and default not in keys and period_bounds(default):
        keys.insert(0, default)
    return [(k, period_label(k)) for k in keys]


# --------------------------------------------------------------------------------------------------
# On track or not
# --------------------------------------------------------------------------------------------------


class Status(StrEnum):
    """An indicator's standing against its target (values are a public interface: JSON, Excel)."""

    met = "met"
    on_track = "on_track"
    behind = "behind"
    no_data = "no_data"


STATUS_TEXT = {
    Status.met: "Đạt",
    Status.on_track: "Đúng lộ trình",
    Status.behind: "Chậm",
    Status.no_data: "Chưa có số liệu",
}


@dataclass(frozen=True)
class Point:
    """One value at the end of the period it measures."""

    on: date
    value: float


@dataclass(frozen=True)
class Standing:
    """An indicator's status and why (the reason is Vietnamese, shown beside the status)."""

    status: Status
    reason: str
    latest: Point | None = None
    expected: float | None = None  # the value the straight path asks for at the latest value's date


def is_numeric(op: str, value: float | None) -> bool:
    """A target dondoc can measure: a comparison or range with a number (not a text target)."""
    return op != "text" and value is not None


def lower_is_better(op: str, unit: str) -> bool:
    """ "≤ 10" (a rank, "tối đa", a reduction) is met by going down; "=" follows the unit (a rank goes down,
    a share "đạt 90%" goes up); everything else goes up."""
    if op in ("<=", "<"):
        return True
    if op == "=":
        return unit_rule(unit).lower_is_better
    return False


def meets(value: float, op: str, target: float, target_max: float | None, unit: str) -> bool:
    """Whether ``value`` meets the target. "=" on a share means "reach at least" (the plan's "đạt 90%");
    a range "16-18" is met from its lower bound up (the plans' ranges are "at least a, aim for b": going
    past b is not a failure)."""
    if op == ">=":
        return value >= target
    if op == ">":
        return value > target
    if op == "<=":
        return value <= target
    if op == "<":
        return value < target
    if op == "range":
        return value >= target
    return value <= target if lower_is_better(op, unit) else value >= target


def standing(
    points: list[Point], op: str, target: float | None, target_max: float | None, unit: str, horizon: int | None
) -> Standing:
    """Where the indicator stands, from its values (one per period) — the rule is in the module docstring."""
    if target is None or op == "text":
        return Standing(Status.no_data, "Mục tiêu không phải là một con số: không tính được.")
    if not points:
        return Standing(Status.no_data, "Chưa có cơ quan nào báo cáo số liệu.")
    ordered = sorted(points, key=lambda p: p.on)
    first, latest = ordered[0], ordered[-1]
    if meets(latest.value, op, target, target_max, unit):
        return Standing(Status.met, "Đã đạt mục tiêu.", latest)
    end = date(horizon, 12, 31) if horizon else None
    if end is None:
        return Standing(Status.behind, "Chưa đạt; mục tiêu không có mốc thời gian để tính lộ trình.", latest)
    if latest.on >= end:
        return Standing(Status.behind, f"Đã hết mốc năm {horizon} mà chưa đạt.", latest)
    if len(ordered) == 1 or latest.on <= first.on:
        return Standing(
            Status.behind,
            "Mới có số liệu của một kỳ và chưa đạt: cần ít nhất hai kỳ để biết có đúng lộ trình không.",
            latest,
        )
    share = (latest.on - first.on).days / (end - first.on).days
    expected = first.value + (target - first.value) * share
    down = lower_is_better(op, unit)
    ok = latest.value <= expected if down else latest.value >= expected
    need = f"Theo lộ trình, kỳ này cần {format_value(expected)}"
    if ok:
        return Standing(Status.on_track, f"{need}; số liệu mới nhất đạt hoặc vượt.", latest, expected)
    return Standing(Status.behind, f"{need}; số liệu mới nhất chưa tới.", latest, expected)


# --------------------------------------------------------------------------------------------------
# Sub-items and their parent
# --------------------------------------------------------------------------------------------------


class Rollup(StrEnum):
    """How a parent row (8, 18) stands from its sub-items (8.1–8.12, 18.1–18.2)."""

    all_of = "all"  # the parent has no target of its own: it is met when every sub-item is
    sum_of = "sum"  # the parent's target is a number in the sub-items' own (countable) unit: their sum
    unclear = "unclear"  # a text target beside numeric sub-items: shown as "all of them", flagged


def rollup_kind(parent_target_raw: str, parent_op: str, parent_unit: str, child_units: list[str]) -> Rollup:
    """Decide how a parent rolls up (the rule is in the module docstring)."""
    if not parent_target_raw.strip():
        return Rollup.all_of
    same_unit = bool(child_units) and all(u.strip().lower() == parent_unit.strip().lower() for u in child_units)
    if parent_op != "text" and same_unit and unit_rule(parent_unit).kind in ("count", "money", "other"):
        return Rollup.sum_of
    return Rollup.unclear


def rolled_status(children: list[Status]) -> Status:
    """ "All of them": met when every sub-item is met; no data while any has none; otherwise the worst."""
    if not children or any(s == Status.no_data for s in children):
        return Status.no_data
    if all(s == Status.met for s in children):
        return Status.met
    return Status.behind if Status.behind in children else Status.on_track
