"""Parser: a Vietnamese deadline phrase ("Thời gian hoàn thành") → a typed :class:`DeadlineRule`.

:func:`parse_deadline` never raises and never guesses. A phrase it does not fully understand becomes an
``unrecognized`` rule whose ``reason`` (English) and ``reason_vi`` (Vietnamese) say why, so that an officer
reads it. Impossible calendar values ("Tháng 13/2025", "31/02/2027", "Quý V/2025") are unrecognized too.

How phrases are compared: NFC, Vietnamese diacritics removed ("Hằng"/"Hàng" → "hang", "Quý"/"Quí" →
"quy"/"qui"), case-folded, whitespace collapsed, every dash ("–", "—", "−") read as "-", no spaces around
"-" and "/", surrounding punctuation and stray hyphens dropped, "(nếu có)" dropped. Phrases typed without
diacritics are therefore understood as well. Every pattern is a full match of a short, linear regular
expression (no nested quantifiers) over a string of at most :data:`MAX_PHRASE_CHARS` characters: parsing is
fast on any input.

What is understood (the meaning of each kind is documented in :mod:`models.domain.deadlines.rules` and
:mod:`models.domain.deadlines.expand`):

* a **date**: "28/02/2027", "Ngày 30/6/2025", "ngày 30 tháng 6 năm 2025";
* a **month**: "Tháng 7/2025", "Tháng 07/2025", "tháng 7 năm 2025", bare "9/2027" → the month's last day;
* a **quarter**: "Quý I/2025", "Quý 3 năm 2025", "Quí III-2027" → the quarter's last day;
* a **half year**: "6 tháng đầu năm 2025" → 30/06, "6 tháng cuối năm 2025" → 31/12; "giữa năm 2026" →
  30/06/2026; "cuối năm 2026" → 31/12/2026;
* a **year**: "Năm 2025", "Trong năm 2025", "Hoàn thành trong năm 2027.", bare "2027" → 31/12;
* "**Trước** X" means *strictly before* X: by the end of the period just before — "Trước năm 2028" →
  31/12/2027, "Trước tháng 7/2025" → 30/06/2025, "Trước ngày 15/12/2027" → 14/12/2027 (decision: the literal
  reading, consistent with "Trước năm 2028"; "Chậm nhất ngày 15/12/2027" gives 15/12/2027);
* a **window / phase** (kind ``range``): "2025 - 2026", "Năm 2025- 2026", "Giai đoạn 2027 - 2029",
  "Quý III/2026 - Quý I/2027", "Từ năm 2025 đến năm 2030", and "Năm 2025 và giai đoạn 2026 - 2030"
  (→ window 2025–2030);
* **recurrences** (kind ``recurring``): "Hằng năm", "Hàng năm", "Hằng quý", "Hằng tháng", "Định kỳ 6 tháng",
  "Tháng 6 hằng năm", "Trước ngày 15/12 hằng năm", "Ngày 15 hằng tháng", "Năm 2025 và những năm tiếp theo",
  "Từ năm 2025 và các năm tiếp theo", "Hằng năm, giai đoạn 2025 - 2030"; and relative rules: "Tháng 11 của
  năm trước" (the work for year Y is due in November of Y−1, every year);
* **ongoing**: "Thường xuyên", "Nhiệm vụ thường xuyên", "Triển khai thường xuyên", "Liên tục";
* **external / event-driven** (``needs_officer``): "Đột xuất", "Khi có yêu cầu", "Khi phát sinh",
  "Theo lộ trình của Bộ, ngành", "Theo hướng dẫn của …", "Theo quy định";
* **compounds**: a dated part, then "và" / "," / ";" and an ongoing tail ("… và rà soát, cập nhật trong các
  năm tiếp theo (nếu có)", "… và vận hành thường xuyên, liên tục") → the dated part's kind with
  ``then_ongoing=True``; several dated parts ("Tháng 3/2025 và tháng 9/2025") → one rule with each date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from models.domain.text import nfc, strip_diacritics

from .rules import Anchor, DeadlineRule, Kind, Period, Recurrence, Unit, Window, month_end

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
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_IF_ANY = re.compile(r"\((?:neu co|neu can|if any)\)")
_SPACES = re.compile(r"\s+")
_STRIP = " .;,!-+*•\"'“”‘’"


class _Invalid(Exception):
    """A phrase that has the shape of a deadline but an impossible value (raised inside the parser only)."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en)
        self.en = en
        self.vi = vi


def normalize_phrase(text: str) -> str:
    """The comparison form of a phrase (see the module docstring). Public for tests and diagnostics."""
    return _normalize_nfc(nfc(text))


def _normalize_nfc(shown: str) -> str:
    # ``shown`` is already NFC with whitespace collapsed (models.domain.text.nfc); NFC text has its Vietnamese
    # letters precomposed, which is what the fold table maps.
    s = shown.translate(_FOLD)
    if "(" in s:
        s = _IF_ANY.sub(" ", s)
    if "  " in s:  # left by ":" → " " or by a dropped "(nếu có)"
        s = _SPACES.sub(" ", s)
    s = _AROUND_SEP.sub(r"\1", s)
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
)
_BEFORE = ("truoc",)
_FROM = ("bat dau tu", "ke tu", "tu")
_PREFIX = re.compile(r"(" + "|".join(sorted((*_NEUTRAL, *_BEFORE, *_FROM), key=len, reverse=True)) + r") ")


@dataclass(frozen=True, slots=True)
class _Prefixed:
    rest: str
    before: bool
    from_: bool


def _strip_prefixes(s: str) -> _Prefixed:
    before = from_ = False
    for _ in range(8):  # a handful at most: "hoàn thành trong giai đoạn …"
        m = _PREFIX.match(s)
        if not m:
            break
        word = m.group(1)
        before = before or word in _BEFORE
        from_ = from_ or word in _FROM
        s = s[m.end() :]
    return _Prefixed(s, before, from_)


# --------------------------------------------------------------------------------------------------------
# Single periods.
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# One alternation, one C-level call per candidate (the alternatives are tried in this order).
_RE_PERIOD = re.compile(
    r"(?:ngay )?(?P<d>\d{1,2})[/.-](?P<dm>\d{1,2})[/.-](?P<dy>\d{4})"
    r"|(?:ngay )?(?P<wd>\d{1,2}) thang (?P<wm>\d{1,2})(?: nam |[/-])(?P<wy>\d{4})"
    r"|(?:thang )?(?P<m>\d{1,2})(?:[/-]| nam )(?P<my>\d{4})"
    r"|qu[yi] (?P<q>[ivx]+|\d{1,2})(?:[/-]| nam | )(?P<qy>\d{4})"
    r"|(?:(?:6|sau) thang|nua) (?P<h>dau|cuoi) nam (?P<hy>\d{4})"
    r"|giua nam (?P<gy>\d{4})"
    r"|(?:nam )?(?P<y>\d{4})"
    r"|(?P<early>dau (?:nam|thang|qu[yi])(?: .*)?)"
)


def _year(text: str) -> int:
    y = int(text)
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise _Invalid(
            f"year {y} is outside {MIN_YEAR}–{MAX_YEAR}",
            f"năm {y} nằm ngoài khoảng {MIN_YEAR}–{MAX_YEAR}",
        )
    return y


def _month(text: str) -> int:
    m = int(text)
    if not 1 <= m <= 12:
        raise _Invalid(f"there is no month {m}", f"không có tháng {m}")
    return m


def _quarter(text: str) -> int:
    q = _ROMAN.get(text) if not text.isdigit() else int(text)
    if q is None or not 1 <= q <= 4:
        raise _Invalid(f"there is no quarter {text.upper()}", f"không có quý {text.upper()}")
    return q


def _day_period(d: str, m: str, y: str) -> Period:
    year, month, day = _year(y), _month(m), int(d)
    if not 1 <= day <= month_end(year, month).day:
        raise _Invalid(
            f"{day:02d}/{month:02d}/{year} is not a calendar date",
            f"{day:02d}/{month:02d}/{year} không phải là ngày có thật",
        )
    return Period(Unit.DAY, year, month, day)


def _bare_period(s: str) -> Period | None:
    """A period with no prefix, or None. Raises _Invalid for impossible values."""
    m = _RE_PERIOD.fullmatch(s)
    if m is None:
        return None
    g = m.groupdict()
    if g["dy"]:
        return _day_period(g["d"], g["dm"], g["dy"])
    if g["wy"]:
        return _day_period(g["wd"], g["wm"], g["wy"])
    if g["my"]:
        return Period(Unit.MONTH, _year(g["my"]), _month(g["m"]))
    if g["qy"]:
        return Period(Unit.QUARTER, _year(g["qy"]), _quarter(g["q"]))
    if g["hy"]:
        return Period(Unit.HALF, _year(g["hy"]), 1 if g["h"] == "dau" else 2)
    if g["gy"]:  # "giữa năm" = 30/06 (GLOSSARY)
        return Period(Unit.HALF, _year(g["gy"]), 1)
    if g["y"]:
        return Period(Unit.YEAR, _year(g["y"]))
    raise _Invalid(
        "'đầu …' (early in a period) names no day: set a date",
        "'đầu …' không chỉ rõ ngày nào: cần đặt ngày cụ thể",
    )


@dataclass(frozen=True, slots=True)
class _Single:
    period: Period
    from_: bool


def _single(s: str) -> _Single | None:
    """One period with its prefixes applied ("trước" → the period before), or None."""
    p = _strip_prefixes(s)
    period = _bare_period(p.rest)
    if period is None:
        return None
    return _Single(period.previous() if p.before else period, p.from_)


# --------------------------------------------------------------------------------------------------------
# Windows.
_RANGE_WORD = re.compile(r" (?:den|toi) (?:het )?")


def _window(s: str) -> Window | None:
    """A window "A - B" / "từ A đến B" of two periods, or None."""
    p = _strip_prefixes(s)
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
    first_error: _Invalid | None = None
    for a, b in cuts[:16]:
        try:
            left, right = _single(body[:a]), _single(body[b:])
        except _Invalid as exc:
            first_error = first_error or exc
            continue
        if left is None or right is None or right.from_:
            continue
        start, end = left.period, right.period
        if not (start.first <= end.last and start.last < end.last):
            raise _Invalid(
                f"the window ends ({end.label_en}) before it starts ({start.label_en})",
                f"giai đoạn kết thúc ({end.label}) trước khi bắt đầu ({start.label})",
            )
        return Window(start, end)
    if first_error is not None:
        raise first_error
    return None


# --------------------------------------------------------------------------------------------------------
# Recurrences.
_FREQ = {"nam": Unit.YEAR, "quy": Unit.QUARTER, "qui": Unit.QUARTER, "thang": Unit.MONTH}
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
_RE_NEXT_YEARS = re.compile(
    r"(?:trong |vao |cho )?(?:nhung|cac) nam (?:tiep theo|sau(?: do)?|ke tiep)|tro di|(?:va )?cac nam sau"
)
_RE_BOUND_BOTH = re.compile(r"(.+?),? (?:trong )?(?:giai doan |tu nam |nam |tu )?(\d{4})-(?:nam )?(\d{4})")
_RE_BOUND_FROM = re.compile(r"(.+?),? (?:bat dau |ke )?tu (?:nam )?(\d{4})(?: (?:den|toi) (?:het )?(?:nam )?(\d{4}))?")
_RE_BOUND_UNTIL = re.compile(r"(.+?),? (?:den|toi) (?:het )?(?:nam )?(\d{4})")


def _anchor(s: str, outer_before: bool) -> Anchor | None:
    """Where in the year: "tháng 6", "quý IV", "ngày 15/12", "trước ngày 15/12"."""
    p = _strip_prefixes(s)
    before = outer_before or p.before
    body = p.rest
    if m := _RE_A_MONTH.fullmatch(body):
        return Anchor(Unit.MONTH, _month(m.group(1)), before=before)
    if m := _RE_A_QUARTER.fullmatch(body):
        return Anchor(Unit.QUARTER, _quarter(m.group(1)), before=before)
    if m := _RE_A_DAY.fullmatch(body):
        d, mo = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        day, month = int(d), _month(mo)
        # 2001 is not a leap year: 29/02 does not come every year and is refused.
        if not 1 <= day <= month_end(2001, month).day:
            raise _Invalid(
                f"{day:02d}/{month:02d} does not come every year",
                f"ngày {day:02d}/{month:02d} không có trong mọi năm",
            )
        return Anchor(Unit.DAY, month, day, before=before)
    return None


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


def _recurrence(s: str) -> Recurrence | None:
    if not any(word in s for word in _RECURRENCE_WORDS):
        return None  # cheap test first: most phrases are not recurrences
    body, first, last = _bounds(s)
    if first is not None and last is not None and last < first:
        raise _Invalid(f"the years run backwards ({first}–{last})", f"khoảng năm ngược ({first}–{last})")
    rec = _recurrence_core(body)
    if rec is None:
        return None
    if first is not None or last is not None:
        if rec.lead_years:
            return None  # "tháng 11 của năm trước, giai đoạn …": too unusual to read without guessing
        rec = Recurrence(rec.unit, rec.anchor, rec.lead_years, first, last)
    return rec


def _recurrence_core(s: str) -> Recurrence | None:
    p = _strip_prefixes(s)
    body = p.rest
    if m := _RE_EVERY.fullmatch(body):
        return Recurrence(_FREQ[m.group(1) or m.group(2)])
    if _RE_SIX_MONTHS.fullmatch(body):
        return Recurrence(Unit.HALF)
    if m := _RE_MONTHLY_DAY.fullmatch(body):
        day = int(m.group(2))
        if not 1 <= day <= 31:
            raise _Invalid(f"there is no day {day} in a month", f"không có ngày {day} trong tháng")
        return Recurrence(Unit.MONTH, Anchor(Unit.DAY, 0, day, before=p.before or bool(m.group(1))))
    if m := _RE_PREVIOUS_YEAR.fullmatch(body):
        anchor = _anchor(m.group(1), p.before)
        return Recurrence(Unit.YEAR, anchor, lead_years=1) if anchor else None
    if m := _RE_ANCHOR_FIRST.fullmatch(body):
        anchor = _anchor(m.group(1), p.before)
        if anchor:
            return Recurrence(Unit.YEAR, anchor)
    if m := _RE_ANCHOR_LAST.fullmatch(body):
        anchor = _anchor(m.group(1), p.before)
        if anchor:
            return Recurrence(Unit.YEAR, anchor)
    return None


# --------------------------------------------------------------------------------------------------------
# Compounds: dated parts joined by "và" / "," / ";", possibly followed by an ongoing tail.
_SEP = re.compile(r"\s*[,;]\s*(?:va |sau do |roi )?|\s+(?:va|sau do|roi)\s+")
_TAIL_WORDS = re.compile(
    r"thuong xuyen|lien tuc|tiep theo|cac nam sau|hang (?:nam|quy|thang)|duy tri|van hanh|cap nhat"
    r"|ra soat|dinh ky|tiep tuc"
)
_DIGIT = re.compile(r"\d")

_Dated = Period | Window


def _dated(s: str) -> tuple[_Dated, bool] | None:
    """A single period or a window (and whether it started with "từ"), or None."""
    single = _single(s)
    if single is not None:
        return single.period, single.from_
    window = _window(s)
    return (window, False) if window is not None else None


def _combine(text: str, parts: list[_Dated], then_ongoing: bool) -> DeadlineRule:
    """One rule from several dated parts, which must come in order."""
    lasts = [p.last if isinstance(p, Period) else p.end.last for p in parts]
    if any(b <= a for a, b in pairwise(lasts)):
        raise _Invalid("the dates are not in order", "các mốc thời gian không theo thứ tự")
    if any(isinstance(p, Window) for p in parts):
        start = parts[0].start if isinstance(parts[0], Window) else parts[0]
        end = parts[-1].end if isinstance(parts[-1], Window) else parts[-1]
        return DeadlineRule(text, Kind.RANGE, window=Window(start, end), then_ongoing=then_ongoing)
    periods = tuple(p for p in parts if isinstance(p, Period))
    return DeadlineRule(text, Kind.ONE_OFF, periods=periods, then_ongoing=then_ongoing)


def _compound(text: str, s: str) -> DeadlineRule | None:
    seps = list(_SEP.finditer(s))[:16]
    if not seps:
        return None
    bounds = [0, *[x for m in seps for x in (m.start(), m.end())], len(s)]
    pieces = [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]
    parts: list[_Dated] = []
    from_flags: list[bool] = []
    rest = ""
    for i, (a, b) in enumerate(pieces):
        got = _dated(s[a:b])
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
        return _combine(text, parts, then_ongoing=False)
    if _RE_NEXT_YEARS.fullmatch(rest):
        # "Năm 2025 và những năm tiếp theo": yearly from that year on.
        if len(parts) == 1 and isinstance(parts[0], Period) and parts[0].unit is Unit.YEAR:
            return DeadlineRule(text, Kind.RECURRING, recurrence=Recurrence(Unit.YEAR, first_year=parts[0].year))
        return None
    if _TAIL_WORDS.search(rest) and not _DIGIT.search(rest):
        if any(from_flags):
            return None
        return _combine(text, parts, then_ongoing=True)
    raise _Invalid(
        f"the dated part is understood but not the rest: {rest!r}",
        f"hiểu được phần thời hạn nhưng không hiểu phần còn lại: «{rest}»",
    )


# --------------------------------------------------------------------------------------------------------
# Ongoing and external phrases (checked when nothing dated was understood).
_ONGOING = re.compile(r"thuong xuyen|lien tuc|hang ngay")
_EVENT = re.compile(r"dot xuat|khi co yeu cau|theo yeu cau|khi phat sinh|khi co|khi duoc|sau khi|phat sinh")
_EXTERNAL = re.compile(
    r"theo lo trinh|theo huong dan|theo chi dao|theo ke hoach cua|theo tien do|theo quy dinh|theo van ban"
)


def _unrecognized(text: str, en: str, vi: str) -> DeadlineRule:
    return DeadlineRule(text, Kind.UNRECOGNIZED, needs_officer=True, reason=en, reason_vi=vi)


def parse_deadline(text: str, *, cache: bool = True) -> DeadlineRule:
    """Read a deadline phrase. Never raises; anything not understood is ``unrecognized`` with a reason.

    Rules are immutable, so the result for a given text is memoised (the last :data:`CACHE_SIZE` distinct
    phrases): plans repeat the same few phrases ("Năm 2025" 17 times in 25/KH-UBND). ``cache=False``
    parses afresh (benchmarks).
    """
    if cache and isinstance(text, str) and len(text) <= 4 * MAX_PHRASE_CHARS:
        return _parse_cached(text)
    return _parse_safely(text)


def _parse_safely(text: str) -> DeadlineRule:
    try:
        return _parse(text)
    except Exception as exc:  # a defect here must not stop an import: the officer sees the phrase instead
        shown = text if isinstance(text, str) else repr(text)
        return _unrecognized(
            shown[:MAX_PHRASE_CHARS],
            f"internal error while reading the phrase ({type(exc).__name__})",
            "lỗi nội bộ khi đọc cụm từ",
        )


_parse_cached = lru_cache(maxsize=CACHE_SIZE)(_parse_safely)


def _parse(text: str) -> DeadlineRule:
    if not isinstance(text, str):
        return _unrecognized(repr(text), "not text", "không phải văn bản")
    if len(text) > 4 * MAX_PHRASE_CHARS:
        # Checked before any normalisation so that a huge cell costs nothing.
        return _unrecognized(
            nfc(text[: 4 * MAX_PHRASE_CHARS]),
            f"too long for a deadline phrase ({len(text)} characters)",
            f"quá dài để là một thời hạn ({len(text)} ký tự)",
        )
    shown = nfc(text)
    s = _normalize_nfc(shown)
    if not s:
        return _unrecognized(shown, "empty deadline", "không có thời hạn")
    if len(s) > MAX_PHRASE_CHARS:
        return _unrecognized(
            shown,
            f"too long for a deadline phrase ({len(s)} characters)",
            f"quá dài để là một thời hạn ({len(s)} ký tự)",
        )
    try:
        rule = _parse_dated(shown, s)
    except _Invalid as exc:
        return _unrecognized(shown, exc.en, exc.vi)
    if rule is not None:
        return rule
    if _ONGOING.search(s) and not _DIGIT.search(s):
        return DeadlineRule(shown, Kind.ONGOING)
    if _EVENT.search(s):
        return DeadlineRule(
            shown,
            Kind.EXTERNAL,
            needs_officer=True,
            reason="event-driven: due when the event happens or a request comes",
            reason_vi="phát sinh theo sự việc hoặc khi có yêu cầu",
        )
    if _EXTERNAL.search(s):
        return DeadlineRule(
            shown,
            Kind.EXTERNAL,
            needs_officer=True,
            reason="set by another body: a ministry's roadmap, guidance or a regulation",
            reason_vi="do cơ quan khác quyết định: lộ trình, hướng dẫn của Bộ, ngành hoặc quy định",
        )
    return _unrecognized(shown, "deadline phrase not understood", "không hiểu được cụm từ thời hạn")


def _parse_dated(text: str, s: str) -> DeadlineRule | None:
    if not _DIGIT.search(s):
        # Every dated form names a number; only a recurrence ("Hằng năm") can do without.
        rec = _recurrence(s)
        return DeadlineRule(text, Kind.RECURRING, recurrence=rec) if rec is not None else None
    single = _single(s)
    if single is not None:
        if single.from_:
            raise _Invalid(
                "a start ('từ …') without an end is not a deadline",
                "có thời điểm bắt đầu ('từ …') nhưng không có thời hạn",
            )
        return DeadlineRule(text, Kind.ONE_OFF, periods=(single.period,))
    window = _window(s)
    if window is not None:
        return DeadlineRule(text, Kind.RANGE, window=window)
    rec = _recurrence(s)
    if rec is not None:
        return DeadlineRule(text, Kind.RECURRING, recurrence=rec)
    return _compound(text, s) if _SEP.search(s) else None
