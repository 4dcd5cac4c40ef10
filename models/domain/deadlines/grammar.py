"""The grammar of deadline phrases: normalisation, periods, windows, recurrences and compounds.

Everything here works on the *comparison form* of a phrase (:func:`normalize_nfc`) and either returns a
meaning, returns None ("not this form") or raises :class:`Invalid` ("this form, but an impossible value", or
with ``soft`` set: "a dated part followed by words not understood"). :mod:`.phrases` (the entry point) and
:mod:`.sentences` (cells written as sentences, lines and clauses) build on it. What each form means is
listed in :mod:`.phrases`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from itertools import pairwise

from models.domain.text import strip_diacritics

from .rules import Anchor, DeadlineRule, Kind, Period, Recurrence, Unit, Window, month_end

# Enum members read through their class (Unit.YEAR) cost many times a global lookup on Python 3.11: the
# hot paths use these aliases.
_U_DAY, _U_MONTH, _U_QUARTER, _U_HALF, _U_YEAR = Unit.DAY, Unit.MONTH, Unit.QUARTER, Unit.HALF, Unit.YEAR
_K_ONE_OFF, _K_RECURRING, _K_RANGE, _K_ONGOING = Kind.ONE_OFF, Kind.RECURRING, Kind.RANGE, Kind.ONGOING

MAX_PHRASE_CHARS = 400  # the longest phrase of real plans is ~100 characters
CACHE_SIZE = 4096
MIN_YEAR, MAX_YEAR = 2000, 2100


def _fold_table() -> dict[int, str]:
    """One ``str.translate`` table doing what ``strip_diacritics(...).casefold()`` does to Latin letters,
    plus dashes → "-" and ":" → " " (a single C-level pass instead of NFD + a Python loop per phrase)."""
    table: dict[int, str] = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"}
    table[ord(":")] = " "
    for cp in (*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        ch = chr(cp)
        folded = strip_diacritics(ch).casefold()
        if folded != ch:
            table[cp] = folded
    return table


_FOLD = _fold_table()
_AROUND_SEP = re.compile(r"\s*([-/])\s*")
_SPACE_AT_SEP = re.compile(r"\s[-/]|[-/]\s")  # where _AROUND_SEP changes something
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_LETTER_AT_DIGIT = re.compile(r"[a-z]\d|\d[a-z]")  # where _LETTER_DIGIT changes something
_IF_ANY = re.compile(r"\((?:neu co|neu can|if any)\)")
_SPACES = re.compile(r"\s+")
_STRIP = " .;,!-+*•\"'“”‘’"


class Invalid(Exception):
    """A phrase that has the shape of a deadline but an impossible value (raised inside the parser only).

    ``soft`` marks "a dated part is understood, but not the words after it": a reader of sentences may still
    account for those words (a note, a report clause); an impossible value is never soft."""

    def __init__(self, en: str, vi: str, *, soft: bool = False) -> None:
        super().__init__(en)
        self.en = en
        self.vi = vi
        self.soft = soft


def normalize_nfc(shown: str) -> str:
    """The comparison form of ``shown``, a text already in NFC with whitespace collapsed."""
    # ``shown`` is already NFC with whitespace collapsed (models.domain.text.nfc); NFC text has its Vietnamese
    # letters precomposed, which is what the fold table maps.
    s = shown.translate(_FOLD)
    if "(" in s:
        s = _IF_ANY.sub(" ", s)
    if "  " in s:  # left by ":" → " " or by a dropped "(nếu có)"
        s = _SPACES.sub(" ", s)
    # Each substitution only where it changes something (a regex search, or a substring test, is cheaper
    # than a substitution that finds nothing; the template "\1" costs a Python call per substitution).
    if ("-" in s or "/" in s) and _SPACE_AT_SEP.search(s):
        s = _AROUND_SEP.sub(r"\1", s)
    if _LETTER_AT_DIGIT.search(s):
        s = _LETTER_DIGIT.sub(" ", s)
    s = s.strip(_STRIP)
    # Outer parentheses around the whole phrase carry no meaning: "(Năm 2025)".
    while s.startswith("(") and s.endswith(")") and s.count("(") == 1:
        s = s[1:-1].strip(_STRIP)
    return s


# --------------------------------------------------------------------------------------------------------
# Prefixes: verbs and prepositions in front of the time expression. "truoc" (before) and "tu" (from) change
# the meaning and are reported; the others do not ("Hoàn thành trong năm 2027" = "Năm 2027").
_NEUTRAL = (
    "hoan thanh",
    "thuc hien",
    "trien khai",
    "xay dung",
    "ban hanh",
    "to chuc",
    "trinh",
    "nop",
    "gui",
    "trong thoi gian",
    "trong",
    "vao",
    "den het",
    "den",
    "het",
    "toi",
    "cham nhat la",
    "cham nhat vao",
    "cham nhat",
    "muon nhat",
    "cuoi",
    "giai doan",
    "thoi han",
    "thoi gian",
    "han",
    "xong",
    "du kien",
    "ket thuc",
    "hoan tat",
    "phan dau",
)
_BEFORE = ("truoc",)
_FROM = ("bat dau tu", "ke tu", "tu")


@dataclass(frozen=True, slots=True)
class Prefixed:
    rest: str
    before: bool
    from_: bool


_PREFIX = re.compile(r"(" + "|".join(sorted((*_NEUTRAL, *_BEFORE, *_FROM), key=len, reverse=True)) + r") ")


def strip_prefixes(s: str) -> Prefixed:
    m = _PREFIX.match(s)
    if m is None:
        return Prefixed(s, False, False)  # most phrases: no prefix
    before = from_ = False
    for _ in range(8):  # a handful at most: "hoàn thành trong giai đoạn …"
        word = m.group(1)
        before = before or word in _BEFORE
        from_ = from_ or word in _FROM
        s = s[m.end() :]
        m = _PREFIX.match(s)
        if m is None:
            break
    return Prefixed(s, before, from_)


# --------------------------------------------------------------------------------------------------------
# Single periods.
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# One alternation, one C-level call per candidate (the alternatives are tried in this order).
_RE_PERIOD = re.compile(
    r"(?:ngay )?(?P<d>\d{1,2})[/.-](?P<dm>\d{1,2})[/.-](?P<dy>\d{4})"
    r"|(?:ngay )?(?P<wd>\d{1,2}) thang (?P<wm>\d{1,2})(?: nam |[/-])(?P<wy>\d{4})"
    r"|thang (?P<m>\d{1,2})(?:[/-]| nam )(?P<my>\d{4})"
    r"|(?P<bm>\d{1,2})[/-](?P<by>\d{4})"  # bare "9/2027"; never "2 năm 2026" (that is not a month)
    r"|(?:qu[yi]|q) (?P<q>[ivx]+|\d{1,2})(?:[/-]| nam | )(?P<qy>\d{4})"
    r"|(?:(?:6|sau) thang|nua) (?P<h>dau|cuoi) nam (?P<hy>\d{4})"
    r"|giua nam (?P<gy>\d{4})"
    r"|(?:nam )?(?P<y>\d{4})"
    r"|(?P<early>dau (?:nam|thang|qu[yi])(?: .*)?)"
)


def _year(text: str) -> int:
    y = int(text)
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise Invalid(
            f"year {y} is outside {MIN_YEAR}–{MAX_YEAR}",
            f"năm {y} nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}",
        )
    return y


def _month(text: str) -> int:
    m = int(text)
    if not 1 <= m <= 12:
        raise Invalid(f"there is no month {m}", f"không có tháng {m}")
    return m


def _quarter(text: str) -> int:
    q = _ROMAN.get(text) if not text.isdigit() else int(text)
    if q is None or not 1 <= q <= 4:
        raise Invalid(f"there is no quarter {text.upper()}", f"không có quý {text.upper()}")
    return q


def _day_period(d: str, m: str, y: str) -> Period:
    year, month, day = _year(y), _month(m), int(d)
    if not 1 <= day <= month_end(year, month).day:
        raise Invalid(
            f"{day:02d}/{month:02d}/{year} is not a calendar date",
            f"{day:02d}/{month:02d}/{year} không phải là ngày có thật",
        )
    return Period(_U_DAY, year, month, day)


def _bare_period(s: str) -> Period | None:
    """A period with no prefix, or None. Raises Invalid for impossible values."""
    m = _RE_PERIOD.fullmatch(s)
    if m is None:
        return None
    # The alternative that matched is named by its last group (no group is nested; a dict of every group
    # is not built).
    last = m.lastgroup
    if last == "y":
        return Period(_U_YEAR, _year(m.group("y")))
    if last == "my":
        return Period(_U_MONTH, _year(m.group("my")), _month(m.group("m")))
    if last == "dy":
        return _day_period(m.group("d"), m.group("dm"), m.group("dy"))
    if last == "wy":
        return _day_period(m.group("wd"), m.group("wm"), m.group("wy"))
    if last == "by":
        return Period(_U_MONTH, _year(m.group("by")), _month(m.group("bm")))
    if last == "qy":
        return Period(_U_QUARTER, _year(m.group("qy")), _quarter(m.group("q")))
    if last == "hy":
        return Period(_U_HALF, _year(m.group("hy")), 1 if m.group("h") == "dau" else 2)
    if last == "gy":  # "giữa năm" = 30/06 (GLOSSARY)
        return Period(_U_HALF, _year(m.group("gy")), 1)
    raise Invalid(
        "'đầu …' (early in a period) names no day: set a date",
        "'đầu …' không chỉ rõ ngày nào: cần đặt ngày cụ thể",
    )


@dataclass(frozen=True, slots=True)
class Single:
    period: Period
    from_: bool


def single(s: str) -> Single | None:
    """One period with its prefixes applied ("trước" → the period before), or None."""
    p = strip_prefixes(s)
    period = _bare_period(p.rest)
    if period is None:
        return None
    if p.before:
        prev = period.previous()  # built directly: dataclasses.replace is slow on this hot path
        return Single(Period(prev.unit, prev.year, prev.number, prev.day, before=True), p.from_)
    return Single(period, p.from_)


# --------------------------------------------------------------------------------------------------------
# Windows.
_RANGE_WORD = re.compile(r" (?:den|toi) (?:het )?")


def window(s: str) -> Window | None:
    """A window "A - B" / "từ A đến B" of two periods, or None."""
    p = strip_prefixes(s)
    if p.before:
        return None
    body = p.rest
    if "-" not in body and " den " not in body and " toi " not in body:
        return None
    cuts: list[tuple[int, int]] = [(m.start(), m.end()) for m in _RANGE_WORD.finditer(body)]
    i = body.find("-")
    while i >= 0 and len(cuts) < 16:
        cuts.append((i, i + 1))
        i = body.find("-", i + 1)
    first_error: Invalid | None = None
    for a, b in cuts[:16]:
        try:
            left, right = single(body[:a]), single(body[b:])
        except Invalid as exc:
            first_error = first_error or exc
            continue
        if left is None or right is None or right.from_:
            continue
        start, end = left.period, right.period
        if not (start.first <= end.last and start.last < end.last):
            raise Invalid(
                f"the window ends ({end.label_en}) before it starts ({start.label_en})",
                f"giai đoạn kết thúc ({end.label}) trước khi bắt đầu ({start.label})",
            )
        return Window(start, end)
    if first_error is not None:
        raise first_error
    return None


# --------------------------------------------------------------------------------------------------------
# Recurrences.
_FREQ = {"nam": _U_YEAR, "quy": _U_QUARTER, "qui": _U_QUARTER, "thang": _U_MONTH}
_RE_EVERY = re.compile(r"(?:dinh ky )?(?:hang|moi) (nam|quy|qui|thang)|dinh ky (nam|quy|qui|thang)")
_RE_SIX_MONTHS = re.compile(
    r"(?:dinh ky )?(?:hang |moi )?(?:6|sau) thang(?: mot lan| 1 lan|/lan|/1 lan)?|dinh ky nua nam"
)
_RE_ANCHOR_FIRST = re.compile(r"(.+?),? (?:hang|moi) nam")
_RE_ANCHOR_LAST = re.compile(r"(?:dinh ky )?(?:hang|moi) nam,? (.+)")
_RE_PREVIOUS_YEAR = re.compile(r"(.+?) (?:cua|trong) nam truoc(?: lien ke| do)?")
_RE_MONTHLY_DAY = re.compile(r"(?:(truoc) )?(?:ngay )?(\d{1,2}) (?:hang|moi) thang")
_RE_A_MONTH = re.compile(r"thang (\d{1,2})")
_RE_A_QUARTER = re.compile(r"qu[yi] ([ivx]+|\d{1,2})")
_RE_A_DAY = re.compile(r"(?:ngay )?(\d{1,2})/(\d{1,2})|ngay (\d{1,2}) thang (\d{1,2})")
RE_NEXT_YEARS = re.compile(
    r"(?:trong |vao |cho )?(?:nhung|cac) nam (?:tiep theo|sau(?: do)?|ke tiep)|tro di|(?:va )?cac nam sau"
)
_RE_BOUND_BOTH = re.compile(r"(.+?),? (?:trong )?(?:giai doan |tu nam |nam |tu )?(\d{4})-(?:nam )?(\d{4})")
_RE_BOUND_FROM = re.compile(r"(.+?),? (?:bat dau |ke )?tu (?:nam )?(\d{4})(?: (?:den|toi) (?:het )?(?:nam )?(\d{4}))?")
_RE_BOUND_UNTIL = re.compile(r"(.+?),? (?:den|toi) (?:het )?(?:nam )?(\d{4})")


def _anchor(s: str, outer_before: bool) -> Anchor | None:
    """Where in the year: "tháng 6", "quý IV", "ngày 15/12", "trước ngày 15/12"."""
    p = strip_prefixes(s)
    before = outer_before or p.before
    body = p.rest
    if m := _RE_A_MONTH.fullmatch(body):
        return Anchor(_U_MONTH, _month(m.group(1)), before=before)
    if m := _RE_A_QUARTER.fullmatch(body):
        return Anchor(_U_QUARTER, _quarter(m.group(1)), before=before)
    if m := _RE_A_DAY.fullmatch(body):
        d, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        day, month = int(d), _month(mo)
        # 2001 is not a leap year: 29/02 does not come every year and is refused.
        if not 1 <= day <= month_end(2001, month).day:
            raise Invalid(
                f"{day:02d}/{month:02d} does not come every year",
                f"ngày {day:02d}/{month:02d} không có trong mọi năm",
            )
        return Anchor(_U_DAY, month, day, before=before)
    return None


def _anchors(s: str, outer_before: bool) -> tuple[Anchor, ...] | None:
    """Several anchors in one year, in order: "tháng 6 và tháng 12", "quý I, quý III", "tháng 6 và 12"."""
    texts = [t for t in SEP.split(s) if t]
    if not 2 <= len(texts) <= 12:
        return None
    out: list[Anchor] = []
    for t in texts:
        anchor = _anchor(t, outer_before)
        if anchor is None and out and _BARE_NUMBER.fullmatch(t):
            word = {_U_MONTH: "thang", _U_QUARTER: "quy"}.get(out[0].unit)
            anchor = _anchor(f"{word} {t}", outer_before) if word else None
        if anchor is None or (out and anchor.unit is not out[0].unit):
            return None
        out.append(anchor)
    ends = [a.period(2001).last for a in out]
    if any(b <= a for a, b in pairwise(ends)):
        raise Invalid("the dates are not in order", "các mốc thời gian không theo thứ tự")
    return tuple(out)


def _bounds(s: str) -> tuple[str, int | None, int | None]:
    """Split a bound off a recurrence: "hằng năm, giai đoạn 2025-2030" → ("hang nam", 2025, 2030)."""
    if m := _RE_BOUND_BOTH.fullmatch(s):
        return m.group(1), _year(m.group(2)), _year(m.group(3))
    if m := _RE_BOUND_FROM.fullmatch(s):
        return m.group(1), _year(m.group(2)), _year(m.group(3)) if m.group(3) else None
    if m := _RE_BOUND_UNTIL.fullmatch(s):
        return m.group(1), None, _year(m.group(2))
    return s, None, None


_RECURRENCE_WORDS = ("hang ", "moi ", "dinh ky", "nam truoc", "thang")


def recurrence(s: str) -> Recurrence | None:
    if "hang " not in s and "moi " not in s and "dinh ky" not in s and "nam truoc" not in s and "thang" not in s:
        return None  # cheap test first (the words of _RECURRENCE_WORDS): most phrases are not recurrences
    body, first, last = _bounds(s)
    if first is not None and last is not None and last < first:
        raise Invalid(f"the years run backwards ({first}–{last})", f"khoảng năm ngược ({first}–{last})")
    rec = _recurrence_core(body)
    if rec is None:
        return None
    if first is not None or last is not None:
        if rec.lead_years:
            return None  # "tháng 11 của năm trước, giai đoạn …": too unusual to read without guessing
        rec = replace(rec, first_year=first, last_year=last)
    return rec


def _recurrence_core(s: str) -> Recurrence | None:
    p = strip_prefixes(s)
    body = p.rest
    if m := _RE_EVERY.fullmatch(body):
        return Recurrence(_FREQ[m.group(1) or m.group(2)])
    if _RE_SIX_MONTHS.fullmatch(body):
        return Recurrence(_U_HALF)
    if m := _RE_MONTHLY_DAY.fullmatch(body):
        day = int(m.group(2))
        if not 1 <= day <= 31:
            raise Invalid(f"there is no day {day} in a month", f"không có ngày {day} trong tháng")
        return Recurrence(_U_MONTH, Anchor(_U_DAY, 0, day, before=p.before or bool(m.group(1))))
    if m := _RE_PREVIOUS_YEAR.fullmatch(body):
        anchor = _anchor(m.group(1), p.before)
        return Recurrence(_U_YEAR, anchor, lead_years=1) if anchor else None
    if m := _RE_ANCHOR_FIRST.fullmatch(body):
        anchor = _anchor(m.group(1), p.before)
        if anchor:
            return Recurrence(_U_YEAR, anchor)
        anchors = _anchors(m.group(1), p.before)
        if anchors:
            return Recurrence(_U_YEAR, anchors[0], more_anchors=anchors[1:])
    if m := _RE_ANCHOR_LAST.fullmatch(body):
        anchor = _anchor(m.group(1), p.before)
        if anchor:
            return Recurrence(_U_YEAR, anchor)
    return None


# --------------------------------------------------------------------------------------------------------
# Compounds: dated parts joined by "và" / "," / ";", possibly followed by an ongoing tail.
SEP = re.compile(r"\s*[,;]\s*(?:va |sau do |roi )?|\s+(?:va|sau do|roi)\s+")
TAIL_WORDS = re.compile(
    r"thuong xuyen|lien tuc|tiep theo|cac nam sau|hang (?:nam|quy|thang)|duy tri|van hanh|cap nhat"
    r"|ra soat|dinh ky|tiep tuc"
)
DIGIT = re.compile(r"\d")

Dated = Period | Window


def dated(s: str) -> tuple[Dated, bool] | None:
    """A single period or a window (and whether it started with "từ"), or None."""
    one = single(s)
    if one is not None:
        return one.period, one.from_
    win = window(s)
    return (win, False) if win is not None else None


def combine(text: str, parts: list[Dated], then_ongoing: bool) -> DeadlineRule:
    """One rule from several dated parts, which must come in order."""
    lasts = [p.last if isinstance(p, Period) else p.end.last for p in parts]
    if any(b <= a for a, b in pairwise(lasts)):
        raise Invalid("the dates are not in order", "các mốc thời gian không theo thứ tự")
    if any(isinstance(p, Window) for p in parts):
        start = parts[0].start if isinstance(parts[0], Window) else parts[0]
        end = parts[-1].end if isinstance(parts[-1], Window) else parts[-1]
        return DeadlineRule(text, _K_RANGE, window=Window(start, end), then_ongoing=then_ongoing)
    periods = tuple(p for p in parts if isinstance(p, Period))
    return DeadlineRule(text, _K_ONE_OFF, periods=periods, then_ongoing=then_ongoing)


_YEAR_IN = re.compile(r"\d{4}")
_BARE_NUMBER = re.compile(r"[ivx]+|\d{1,2}")
_UNIT_WORD = re.compile(r"(thang|qu[yi]) ")


def _elliptic(piece: str, last: str) -> tuple[Dated, bool] | None:
    """A part that borrows the year (and the unit word) of the last part: "Quý I và Quý III/2026" reads
    "Quý I" as "Quý I/2026"; "Tháng 6, 9 và tháng 12/2025" reads "9" as "tháng 9/2025". None otherwise."""
    if _YEAR_IN.search(piece):
        return None
    end = single(last)
    if end is None or end.period.unit not in (_U_MONTH, _U_QUARTER):
        return None
    word = "thang" if end.period.unit is _U_MONTH else "qu"
    if _BARE_NUMBER.fullmatch(piece):
        if not _UNIT_WORD.match(last):
            return None  # "6 và 12/2026": no unit word anywhere
        piece = f"{'thang' if word == 'thang' else 'quy'} {piece}"
    elif not piece.startswith(word):
        return None  # "Năm … và tháng 6/2026": a year part never borrows a month's year
    one = single(f"{piece}/{end.period.year}")
    return (one.period, one.from_) if one is not None else None


_RE_YEARLY_TAIL = re.compile(r"(?:dinh ky )?(?:hang|moi) nam|lap lai hang nam")


def _yearly_from(period: Period) -> Recurrence | None:
    """The yearly rule whose first occurrence is ``period`` ("Quý IV/2025" → Quý IV every year from 2025)."""
    if period.unit is _U_YEAR:
        return Recurrence(_U_YEAR, first_year=period.year)
    if period.unit is _U_HALF:
        return None
    limit = period
    if period.before:  # "trước ngày 15/12/2025" was stored as 14/12: the anchor is the limit itself
        limit = Period.of_day(period.last + timedelta(days=1)) if period.unit is _U_DAY else _next(period)
    if limit.unit is _U_DAY and (limit.number, limit.day) == (2, 29):
        return None  # 29/02 does not come every year
    number = limit.number
    anchor = Anchor(limit.unit, number, limit.day if limit.unit is _U_DAY else 0, before=period.before)
    return Recurrence(_U_YEAR, anchor, first_year=limit.year)


def _next(period: Period) -> Period:
    per_year = {_U_MONTH: 12, _U_QUARTER: 4}[period.unit]
    if period.number < per_year:
        return Period(period.unit, period.year, period.number + 1)
    return Period(period.unit, period.year + 1, 1)


def compound(text: str, s: str) -> DeadlineRule | None:
    seps = list(SEP.finditer(s))[:16]
    if not seps:
        return None
    bounds = [0, *[x for m in seps for x in (m.start(), m.end())], len(s)]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    parts: list[Dated] = []
    from_flags: list[bool] = []
    rest = ""
    for i, (a, b) in enumerate(pieces):
        got = dated(s[a:b])
        if got is None and i < len(pieces) - 1:
            got = _elliptic(s[a:b], s[pieces[-1][0] : pieces[-1][1]])
        if got is None:
            rest = s[a:]
            if i == 0:
                return None
            break
        parts.append(got[0])
        from_flags.append(got[1])
    if not rest:
        if any(from_flags):
            return None
        return combine(text, parts, then_ongoing=False)
    if RE_NEXT_YEARS.fullmatch(rest):
        # "Năm 2025 và những năm tiếp theo": yearly from that year on.
        if len(parts) == 1 and isinstance(parts[0], Period) and parts[0].unit is _U_YEAR:
            return DeadlineRule(text, _K_RECURRING, recurrence=Recurrence(_U_YEAR, first_year=parts[0].year))
        # "2025 - 2026 và những năm tiếp theo": the window, then ongoing (its final date is kept).
        if len(parts) == 1 and isinstance(parts[0], Window) and not from_flags[0]:
            return combine(text, parts, then_ongoing=True)
        return None
    if _RE_YEARLY_TAIL.fullmatch(rest) and len(parts) == 1 and isinstance(parts[0], Period) and not from_flags[0]:
        # "Quý IV/2025 và hằng năm", "Trước ngày 15/12/2025 và hằng năm": the same day every year from then.
        rec = _yearly_from(parts[0])
        return DeadlineRule(text, _K_RECURRING, recurrence=rec) if rec is not None else None
    if TAIL_WORDS.search(rest) and not DIGIT.search(rest):
        if any(from_flags):
            return None
        # The tail goes in ``note`` in its comparison form; :func:`.sentences.with_tail_note` puts back the
        # words as written (and checks them).
        return replace(combine(text, parts, then_ongoing=True), note=rest)
    raise Invalid(
        f"the dated part is understood but not the rest: {rest!r}",
        f"hiểu được phần thời hạn nhưng không hiểu phần còn lại: «{rest}»",
        soft=True,
    )


def parse_dated(text: str, s: str) -> DeadlineRule | None:
    """The rule of a whole phrase in one of the grammar's forms, or None (raises Invalid)."""
    if not DIGIT.search(s):
        # Every dated form names a number; only a recurrence ("Hằng năm") can do without.
        rec = recurrence(s)
        return DeadlineRule(text, _K_RECURRING, recurrence=rec) if rec is not None else None
    one = single(s)
    if one is not None:
        if one.from_:
            # "Triển khai từ năm 2026": a start and no end — an ongoing task from that day on.
            return DeadlineRule(text, _K_ONGOING, ongoing_from=one.period.first)
        return DeadlineRule(text, _K_ONE_OFF, periods=(one.period,))
    win = window(s)
    if win is not None:
        return DeadlineRule(text, _K_RANGE, window=win)
    rec = recurrence(s)
    if rec is not None:
        return DeadlineRule(text, _K_RECURRING, recurrence=rec)
    return compound(text, s) if SEP.search(s) else None
