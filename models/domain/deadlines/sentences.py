"""Deadline cells written as sentences: lines, sentences and clauses, each part accounted for.

Real plans write "Ban hành trong quý I năm 2026. Thực hiện rà soát, điều chỉnh (nếu có)", "Thường xuyên,
định kỳ hằng quý báo cáo về Sở Tài chính", "- Giai đoạn 1: năm 2025\\n- Giai đoạn 2: năm 2026-2027" or
"Hoàn thành việc đầu tư … trong năm 2026". :func:`read_sentences` cuts a cell into lines, sentences
(". ") and clauses ("," ";" "và" "(…)"), then reads, left to right, the longest run of clauses that the
grammar understands (:mod:`.grammar`), or one clause as a *follow-up*. Every clause must be one of:

* a **dated part** — a date, period, window or recurrence; a phase label in front ("Giai đoạn 1:") is
  dropped; several dated parts combine in order (phases → one window);
* an **ongoing** clause — "Thường xuyên", "Liên tục", "Triển khai thường xuyên", optionally bounded
  ("Liên tục đến năm 2030", "Thường xuyên trong giai đoạn 2026 - 2030");
* a **report** clause — "định kỳ hằng quý báo cáo về Sở Tài chính", "báo cáo UBND tỉnh": the frequency
  becomes a report kind, the recipient is kept as written (``report_to``);
* a **follow-up** — a clause led by a verb of work (rà soát, điều chỉnh, cập nhật, vận hành, báo cáo…)
  with no number and no time word: kept as the rule's ``note``; one that continues ("vận hành thường
  xuyên", "cập nhật hằng năm") makes the dated part ``then_ongoing``;
* a **verb and its object before the date** — "Hoàn thành việc đầu tư hệ thống … trong năm 2026": the
  date after the object is the due date, the object is kept as the note.

A clause that is none of these (a number or time word not understood, an event, free words) leaves the
whole cell unread (:class:`.grammar.Invalid`, ``soft``): nothing is guessed and nothing is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from models.domain.text import nfc

from .grammar import (
    DIGIT,
    RE_NEXT_YEARS,
    TAIL_WORDS,
    Dated,
    Invalid,
    combine,
    normalize_nfc,
    parse_dated,
    single,
    window,
)
from .rules import DeadlineRule, Kind, Recurrence, Unit, Window

# Enum members read through their class (Unit.YEAR) cost many times a global lookup on Python 3.11: the
# hot paths use these aliases.
_U_MONTH, _U_QUARTER, _U_HALF, _U_YEAR = Unit.MONTH, Unit.QUARTER, Unit.HALF, Unit.YEAR
_K_ONE_OFF, _K_RECURRING, _K_RANGE, _K_ONGOING = Kind.ONE_OFF, Kind.RECURRING, Kind.RANGE, Kind.ONGOING

MAX_CLAUSES = 8
_SENTENCE = re.compile(r"(?<=\S)\.\s+(?=\S)|\n+")
_CLAUSE_SEP = re.compile(
    r"\s*[,;]\s*(?:(?:và|va|sau đó|sau do|rồi|roi|đồng thời|dong thoi)\s+)?"
    r"|\s+(?:và|va|sau đó|sau do|rồi|roi|đồng thời|dong thoi)\s+|\s*\(\s*|\s*\)\s*",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\s*\(([^()]*)\)")
_FILLER = {"", "neu co", "neu can", "if any"}
_BULLET = "-+•*–— \t"

# A phase label in front of a dated part: "Giai đoạn 1:", "GĐ II", "Bước 2", "Đợt 1".
_PHASE = re.compile(r"(?:giai doan|gd|buoc|dot|phase) (?:\d{1,2}|[ivx]{1,4})(?![\d/])\s*")
# Ongoing clauses (comparison form).
_ONGOING_CORE = (
    r"(?:(?:nhiem vu|cong viec|trien khai|thuc hien|to chuc thuc hien|to chuc|duy tri|tiep tuc|duoc thuc hien)"
    r" )?(?:thuong xuyen|lien tuc|hang ngay)(?:(?:,? va |, )(?:thuong xuyen|lien tuc|kip thoi|hang ngay))?"
)
_TAIL_WHOLE = re.compile(
    rf"(?:{RE_NEXT_YEARS.pattern})|{_ONGOING_CORE}(?: (?:trong |vao )?(?:cac|nhung) nam (?:tiep theo|sau))?"
)
_ONGOING = re.compile(
    _ONGOING_CORE + r"(?:,? (?P<freq>hang nam|hang quy|hang thang|moi nam))?"
    r"(?:,? (?:theo quy dinh|theo ke hoach(?: duoc giao)?|kip thoi|co hieu qua|hieu qua))?(?:,? (?P<bound>.+))?"
)
_BOUND_UNTIL = re.compile(r"(?:den|toi) (?:het )?(.+)")
_BOUND_FROM_ONLY = re.compile(r"(?:bat dau |ke )?tu (.+?)(?: tro di)?")
# A start with no end written "từ … trở đi".
_FROM_ONWARDS = re.compile(r"(.*\btu .+) tro (?:di|ve sau)")
# Report clauses and their frequency words.
_REPORT = re.compile(r"\bbao cao\b")
_SIX_MONTHS = re.compile(r"\b6 thang\b")
_FREQ_KINDS = (
    (re.compile(r"\b(?:hang|moi|dinh ky) thang\b|\bbao cao thang\b"), "monthly"),
    (re.compile(r"\b(?:hang|moi|dinh ky) qu[yi]\b|\bbao cao qu[yi]\b"), "quarterly"),
    (re.compile(r"\b(?:6|sau) thang\b|\bnua nam\b"), "six_month"),
    (re.compile(r"\b(?:hang|moi|dinh ky|ca) nam\b|\bbao cao nam\b"), "annual"),
)
_RECIPIENT = re.compile(
    r"\b(?:báo cáo|bao cao)\b(?:.*?\s)?(?:về|ve|cho|gửi|gui|lên|len|tới|toi|đến|den)\s+(?P<to>.+)$"
    r"|\b(?:báo cáo|bao cao)\s+(?P<direct>(?:UBND|Ủy ban|Uỷ ban|HĐND|Hội đồng|Sở|Bộ|Ban|Văn phòng|Chủ tịch|"
    r"Tỉnh ủy|Tỉnh uỷ|Thủ tướng|Chính phủ|Thường trực)\b.+)$",
    re.IGNORECASE,
)
_RECIPIENT_END = re.compile(r"\s+(?:để|de|theo|trước|truoc|khi)\s.*$", re.IGNORECASE)
# Words naming a time, a period or an event: a follow-up may not carry them unread.
_TIME_WORDS = re.compile(
    r"\b(?:nam|quy|qui|thang|tuan|ngay|truoc|khi|ky hop|ky bao cao|dau nam|cuoi nam|giua nam|dot xuat)\b"
)
# A frequency in front of a follow-up verb: "định kỳ hằng quý báo cáo …", "hằng năm báo cáo …".
_FREQ_LEAD = re.compile(
    r"(?:(?:(?:dinh ky|hang|moi)(?: (?:quy|qui|thang|nam|6 thang|sau thang))?"
    r"|(?:trong |vao )?(?:cac|nhung) nam (?:tiep theo|sau)),? )+"
)
# Verbs that lead a follow-up clause (comparison form).
_FOLLOW_VERBS = (
    "thuc hien|ra soat|dieu chinh|sua doi|bo sung|cap nhat|hoan thien|duy tri|van hanh|tiep tuc|trien khai"
    "|bao cao|tong ket|so ket|danh gia|kiem tra|giam sat|theo doi|don doc|to chuc|ban hanh|xay dung|nhan rong"
    "|tong hop|huong dan|khai thac|quan ly|bao tri|nang cap|mo rong|phoi hop|tham muu|de xuat|trinh|ap dung"
    "|hoan thanh|dau tu|lap|phe duyet|chuyen doi|ket noi|tich hop|dao tao|tuyen truyen|boi duong|nop|gui"
)
_FOLLOW_VERB = re.compile(rf"(?:va |dong thoi |sau do |tiep tuc )?(?:{_FOLLOW_VERBS})\b")
# Where the date starts after a verb and its object: "… trong năm 2026", "… trước ngày 30/6/2026".
_WHEN_WORDS = re.compile(
    r"(?:trong|vao|truoc|cham nhat|muon nhat|den het|den|xong truoc|xong trong|trong thoi gian|tu|nam|thang"
    r"|qu[yi]|giai doan|ngay|dip) "
)


@dataclass(frozen=True, slots=True)
class _Piece:
    """One run of clauses: a main rule, or a follow-up (note, reports) — or a filler ("(nếu có)")."""

    rule: DeadlineRule | None = None
    note: str = ""
    ongoing: bool = False
    reports: tuple[str, ...] = ()
    report_to: str = ""


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a sentence (separators excluded)."""
    spans, pos = [], 0
    for m in _CLAUSE_SEP.finditer(sentence):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(sentence)))
    return [(a, b) for a, b in spans if sentence[a:b].strip()]


def _bounded_ongoing(text: str, bound: str | None) -> DeadlineRule | None:
    """An ongoing rule, bounded by "đến …", "từ …", "trong (giai đoạn) …" when given (None if not read)."""
    if bound is None:
        return DeadlineRule(text, _K_ONGOING)
    if m := _BOUND_UNTIL.fullmatch(bound):
        until = single(m.group(1))
        if until is None or until.from_:
            return None
        return DeadlineRule(text, _K_ONGOING, ongoing_until=until.period.last)
    if m := _BOUND_FROM_ONLY.fullmatch(bound):
        start = single(m.group(1))
        if start is not None:
            return DeadlineRule(text, _K_ONGOING, ongoing_from=start.period.first)
    win = window(bound)
    if win is not None:
        return DeadlineRule(text, _K_ONGOING, ongoing_from=win.start.first, ongoing_until=win.end.last)
    one = single(bound)  # "Thường xuyên trong năm 2025"
    if one is not None and not one.from_ and bound.startswith("trong "):
        return DeadlineRule(text, _K_ONGOING, ongoing_from=one.period.first, ongoing_until=one.period.last)
    return None


def ongoing_clause(text: str, s: str) -> DeadlineRule | None:
    """An ongoing clause ("Thường xuyên", "Liên tục đến năm 2030"), or None."""
    m = _ONGOING.fullmatch(s)
    if m is None:
        return None
    rule = _bounded_ongoing(text, m.group("bound"))
    if rule is not None and m.group("freq"):
        rule = replace(rule, reports=_report_kinds(m.group("freq")))
    return rule


def _report_kinds(s: str) -> tuple[str, ...]:
    return tuple(kind for pattern, kind in _FREQ_KINDS if pattern.search(s))


def _verb_and_date(text: str, s: str) -> DeadlineRule | None:
    """ "Hoàn thành việc đầu tư … trong năm 2026": a verb-led object, then the date (the object is the note);
    or the date, then a verb-led object ("Năm 2026 hoàn thành …"). None when it is not that shape."""
    if not _FOLLOW_VERB.match(s) and not DIGIT.match(s) and not _WHEN_WORDS.match(s):
        return None
    for m in _WHEN_WORDS.finditer(s):
        k = m.start()
        if k == 0 or s[k - 1] != " ":
            continue
        head, when = s[: k - 1], s[k:]
        if DIGIT.search(head) or not _FOLLOW_VERB.match(head) or _TIME_WORDS.search(head):
            continue
        rule = _dated_only(text, when)
        shown_head = _shown_head(text, head)
        if rule is not None and shown_head is not None:
            return replace(rule, note=shown_head)
    for m in _FOLLOW_VERB.finditer(s):  # "Tháng 9/2025 trình HĐND tỉnh": the date, then the work
        k = m.start()
        if k == 0 or s[k - 1] != " ":
            continue
        when, tail = s[: k - 1].rstrip(" ,;:"), s[k:]
        if DIGIT.search(tail) or _TIME_WORDS.search(tail):
            continue
        rule = _dated_only(text, when)
        shown_when = _shown_head(text, when)
        if rule is not None and shown_when is not None:
            return replace(rule, note=text[len(shown_when) :].strip(" ,;:."))
    return None


def _shown_head(text: str, head: str) -> str | None:
    """The first words of ``text`` whose comparison form is ``head`` (None when no run of words is)."""
    words = text.split()
    for k in range(1, len(words) + 1):
        shown = " ".join(words[:k])
        if normalize_nfc(shown) == head:
            return shown.rstrip(" ,;:")
    return None


def _dated_only(text: str, s: str) -> DeadlineRule | None:
    try:
        rule = parse_dated(text, s)
    except Invalid as exc:
        if exc.soft:
            return None
        raise
    if rule is None or rule.kind not in (_K_ONE_OFF, _K_RANGE):
        return None
    return rule


def core(text: str, known: str = "", folded: str | None = None) -> DeadlineRule | None:
    """The rule of one run of clauses, as the grammar reads it (None when it does not). Raises Invalid for
    impossible values. ``known`` is a comparison form the grammar already read as nothing (the whole cell):
    it is not read twice; ``folded`` is the comparison form of ``text`` when the caller has it."""
    s = normalize_nfc(text) if folded is None else folded
    if not s:
        return None
    if m := _PHASE.match(s):
        s = s[m.end() :].strip(" .;,-")
        while s.startswith("(") and s.endswith(")") and s.count("(") == 1:
            s = s[1:-1].strip()
        if not s:
            return None
    if m := _FROM_ONWARDS.fullmatch(s):
        s = m.group(1)
    try:
        rule = parse_dated(text, s) if s != known else None
    except Invalid as exc:
        if not exc.soft:
            raise
        rule = None
    if rule is not None:
        return with_tail_note(rule, text) if rule.then_ongoing else rule
    return ongoing_clause(text, s) or _verb_and_date(text, s)


def with_tail_note(rule: DeadlineRule, text: str) -> DeadlineRule | None:
    """A compound read whole by the grammar ("Năm 2026 và duy trì, vận hành thường xuyên") keeps its
    ongoing tail as the note, and the tail's frequency ("cập nhật hằng quý") as a report kind. None when
    the tail is not a follow-up this module accepts (see :func:`_follow_up`)."""
    folded = rule.note  # the grammar's tail, in comparison form: find the same words as written
    for m in _CLAUSE_SEP.finditer(text) if folded else ():
        tail = text[m.end() :].strip(" .;,")
        if normalize_nfc(tail) == folded:
            if _follow_up(tail) is None:
                return None  # "Năm 2025 và c~c năm tiếp theo": a continuity word among words not understood
            return replace(rule, note=tail, reports=_report_kinds(folded))
    rule = replace(rule, note="")
    for m in _CLAUSE_SEP.finditer(text):  # the first cut whose tail has no number: the dated part ends there
        tail = text[m.end() :].strip(" .;,")
        if not tail or DIGIT.search(tail):
            continue
        try:
            head = _dated_only(text, normalize_nfc(text[: m.start()]))
        except Invalid:
            continue
        if head is not None and not head.then_ongoing:
            if _follow_up(tail) is None:
                return None  # "Năm 2025 và c~c năm tiếp theo": a continuity word among words not understood
            return replace(rule, note=tail, reports=_report_kinds(normalize_nfc(tail)))
    return rule


def _follow_up(shown: str) -> _Piece | None:
    """A clause that is not a deadline, as a follow-up piece (None when it is not one either)."""
    t = normalize_nfc(shown)
    if t in _FILLER:
        return _Piece()
    if DIGIT.search(_SIX_MONTHS.sub("", t)) or len(t) > 200:
        return None
    reports = _report_kinds(t)
    report_to = ""
    if _REPORT.search(t) and (m := _RECIPIENT.search(shown)):
        report_to = _RECIPIENT_END.sub("", m.group("to") or m.group("direct")).strip(" .;,:")
    ongoing = bool(TAIL_WORDS.search(t))
    if not (ongoing or reports) and _TIME_WORDS.search(t):
        return None  # a time or an event this reader does not understand
    # Led by a verb of work (after "định kỳ hằng quý" and the like), or an ongoing tail as a whole
    # ("các năm tiếp theo", "thường xuyên, liên tục"): other words are not guessed at.
    if not (_FOLLOW_VERB.match(_FREQ_LEAD.sub("", t, count=1)) or _TAIL_WHOLE.fullmatch(t)):
        return None
    if reports and not (_REPORT.search(t) or ongoing):
        return None  # "hằng quý" alone is a recurrence, read by the grammar, not a follow-up
    return _Piece(note=shown.strip(_BULLET + ".;,"), ongoing=ongoing, reports=reports, report_to=report_to)


_REPORT_VERB = re.compile(
    r"\b(?:gửi |nộp |gui |nop )?(?:báo cáo|bao cao)(?: kết quả| tình hình| tiến độ| ket qua| tinh hinh| tien do)?"
    r"(?: thực hiện| thuc hien)?(?:\s+(?:về|ve|cho|gửi|gui|lên|len)\s+(?P<to>[^,;()]+?))?\s+"
    r"(?=(?:trước|truoc|trong|vào|vao|chậm nhất|cham nhat|ngày|ngay|tháng|thang|quý|quy|định kỳ|dinh ky|hằng|hàng"
    r"|hang)\b)",
    re.IGNORECASE,
)


def _sentence_pieces(sentence: str, known: str, *, again: bool = True) -> list[_Piece]:
    """The pieces of one sentence, left to right (raises Invalid, soft, for a clause not accounted for).

    A report verb in front of a date ("Hằng năm, báo cáo trước ngày 15/12", "báo cáo kết quả về Sở Nội vụ
    trước ngày 15/12 hằng năm") is read as a follow-up (note and recipient) and the date without it."""
    try:
        return _clause_pieces(sentence, known)
    except Invalid:
        m = _REPORT_VERB.search(sentence) if again else None
        if m is None:
            raise
        reduced = (sentence[: m.start()] + sentence[m.end() :]).strip()
        pieces = _sentence_pieces(reduced, known, again=False)
        to = (m.group("to") or "").strip()
        return [*pieces, _Piece(note=m.group(0).strip(), report_to=to)]


_OUTER_INNER = re.compile(r"(.+?)\s*\(([^()]*)\)\s*")


def _refined(sentence: str) -> DeadlineRule | None:
    """ "Năm 2025 (hoàn thành trước ngày 30/11/2025)": a date in parentheses inside the period before it
    is the precise deadline (the period is kept as the note). None when the sentence is not that shape."""
    m = _OUTER_INNER.fullmatch(sentence)
    if m is None or not DIGIT.search(m.group(2)):
        return None
    outer, inner = core(m.group(1)), core(m.group(2))
    if outer is None or inner is None or _K_ONE_OFF not in (outer.kind, inner.kind):
        return None
    if outer.kind is not inner.kind or len(outer.periods) != 1 or len(inner.periods) != 1:
        return None
    big, small = outer.periods[0], inner.periods[0]
    if not big.first <= small.last <= big.last or small == big:
        return None
    return replace(inner, note=_joined(m.group(1).strip(), inner.note))


def _clause_pieces(sentence: str, known: str) -> list[_Piece]:
    if "(" in sentence and (refined := _refined(sentence)) is not None:
        return [_Piece(rule=refined)]
    if "(" in sentence:
        # "Hằng năm (trước ngày 15/12)" means "Hằng năm, trước ngày 15/12".
        flat = _PAREN.sub(lambda m: "" if normalize_nfc(m.group(1)) in _FILLER else f", {m.group(1)}", sentence)
        whole = core(flat) if flat != sentence else None
        if whole is not None:
            return [_Piece(rule=whole)]
    spans = _clauses(sentence)
    if len(spans) > MAX_CLAUSES:
        raise Invalid("too many clauses to read", "quá nhiều vế để đọc", soft=True)
    pieces: list[tuple[_Piece, int, int]] = []  # with the span of sentence they cover
    i = 0
    while i < len(spans):
        if pieces and pieces[-1][0].rule is None and pieces[-1][0].note:
            # Adjacent follow-ups are one note, as written ("báo cáo 6 tháng và hằng năm về Sở Kế hoạch và Đầu
            # tư" is cut at each "và"): the run is read again as one follow-up, before anything else.
            _, a, _ = pieces[-1]
            piece = _follow_up(_closed(sentence[a : spans[i][1]]))
            if piece is not None:
                pieces[-1] = (piece, a, spans[i][1])
                i += 1
                continue
        for j in range(len(spans), i, -1):
            rule = core(sentence[spans[i][0] : spans[j - 1][1]], known)
            if rule is not None:
                pieces.append((_Piece(rule=rule), spans[i][0], spans[j - 1][1]))
                i = j
                break
        else:
            piece = _follow_up(sentence[spans[i][0] : spans[i][1]])
            if piece is None:
                what = sentence[spans[i][0] :].strip()
                raise Invalid(f"not understood: {what!r}", f"không hiểu được phần: «{what}»", soft=True)
            pieces.append((piece, spans[i][0], spans[i][1]))
            i += 1
    return [p for p, _, _ in pieces]


def _closed(note: str) -> str:
    """A closing parenthesis ends a clause span but belongs to the note: "điều chỉnh (nếu có)"."""
    return note + ")" if note.count("(") > note.count(")") else note


def _parts(rule: DeadlineRule) -> list[Dated]:
    return list(rule.periods) if rule.kind is _K_ONE_OFF else [rule.window] if rule.window else []


_FINER = (_U_YEAR, _U_HALF, _U_QUARTER, _U_MONTH)
_KIND_OF_UNIT = {_U_MONTH: "monthly", _U_QUARTER: "quarterly", _U_HALF: "six_month", _U_YEAR: "annual"}


def _plain(rec: Recurrence | None) -> bool:
    return rec is not None and not rec.anchors and not rec.lead_years and rec.first_year is rec.last_year is None


def _unbounded(rule: DeadlineRule) -> bool:
    return rule.ongoing_from is None and rule.ongoing_until is None


def _joined(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _main(text: str, mains: list[DeadlineRule]) -> DeadlineRule:
    """One rule from the main pieces of a cell (raises Invalid, soft, when they do not combine)."""
    if len(mains) == 1:
        return replace(mains[0], text=text)
    kinds = {r.kind for r in mains}
    if kinds <= {_K_ONE_OFF, _K_RANGE} and not any(r.then_ongoing for r in mains[:-1]):
        parts = [p for r in mains for p in _parts(r)]
        return combine(text, parts, then_ongoing=mains[-1].then_ongoing)
    if kinds == {_K_RECURRING} and all(_plain(r.recurrence) for r in mains):
        # "Định kỳ 6 tháng, hằng năm": every year end is also a half-year end — the finest frequency.
        unit = max((r.recurrence.unit for r in mains if r.recurrence), key=_FINER.index)
        return DeadlineRule(text, _K_RECURRING, recurrence=Recurrence(unit))
    if kinds == {_K_ONGOING, _K_RECURRING} and mains[0].kind is _K_ONGOING and len(mains) == 2:
        rec = mains[1].recurrence
        if _plain(rec) and rec is not None:  # "Thường xuyên, định kỳ hằng quý": ongoing, quarterly reports
            return replace(mains[0], text=text, reports=(*mains[0].reports, _KIND_OF_UNIT[rec.unit]))
        if _unbounded(mains[0]):  # "Thường xuyên; báo cáo trước ngày 15/12 hằng năm": the dated reports
            return replace(mains[1], text=text, note=_joined(mains[0].text, mains[1].note))
    last = mains[-1]
    dated = mains[:-1]
    then_from = last.kind is _K_ONGOING and last.ongoing_until is None and bool(dated)
    if then_from and {r.kind for r in dated} <= {_K_ONE_OFF, _K_RANGE} and not any(r.then_ongoing for r in dated):
        # "Quý III/2025; tổ chức triển khai từ Quý IV/2025": the dated part, then ongoing from after it.
        rule = combine(text, [p for r in dated for p in _parts(r)], then_ongoing=True)
        ends = [p.last if not isinstance(p, Window) else p.end.last for p in _parts(rule)]
        if last.ongoing_from is None or last.ongoing_from > max(ends):
            return replace(rule, reports=last.reports, note=last.text)
    raise Invalid(
        "several deadlines that do not combine into one rule", "nhiều thời hạn không gộp được thành một", soft=True
    )


def read_sentences(text: str, known: str = "") -> DeadlineRule | None:
    """The rule of a cell written as sentences and clauses (see the module docstring); None when no part of
    it is a deadline (it may still be an event or an external phrase). Raises Invalid.

    The cell is read first as one paragraph, because a PDF or a narrow Word column breaks lines anywhere
    ("Thường\nxuyên"); only when that fails are its lines read as separate items (bullet lists of phases).
    """
    shown = nfc(text)
    if "\n" not in text.strip() and known and not _ANY_CUT.search(shown):
        return _read_one_clause(shown, known)
    try:
        rule = _read(shown, [shown], known)
    except Invalid as exc:
        if "\n" not in text.strip():
            raise
        try:
            return _read_lines(text)
        except Invalid:
            raise exc from None
    if rule is None and "\n" in text.strip():
        return _read_lines(text)
    return rule


_ANY_CUT = re.compile(r"[,;()]|\.\s|\s(?:và|va|sau đó|sau do|rồi|roi|đồng thời|dong thoi)\s", re.IGNORECASE)


def _read_one_clause(shown: str, folded: str) -> DeadlineRule | None:
    """A cell of one clause (no separator at all): what :func:`_read` does, without cutting it (fast path
    for the many cells that are one short phrase)."""
    rule = core(shown, folded, folded)
    if rule is not None:
        return replace(rule, text=shown)
    if not _REPORT.search(folded):
        raise Invalid(f"not understood: {shown!r}", f"không hiểu được phần: «{shown}»", soft=True)
    return _read(shown, [shown], folded)


def _read_lines(text: str) -> DeadlineRule | None:
    # The rule's text keeps the line breaks (each line in NFC): read again, it means the same.
    lines = [line for line in (nfc(raw) for raw in text.splitlines()) if line]
    return _read("\n".join(lines), lines, "")


def _read(shown: str, lines: list[str], known: str) -> DeadlineRule | None:
    cleaned = [nfc(line).strip(_BULLET) for line in lines]
    sentences = [s for line in cleaned if line for s in _SENTENCE.split(line) if s.strip(_BULLET + ".")]
    if not sentences:
        return None
    pieces = [p for s in sentences for p in _sentence_pieces(s.strip(_BULLET), known)]
    mains = [p.rule for p in pieces if p.rule is not None]
    if not mains:
        freq = [p for p in pieces if p.reports and _REPORT.search(normalize_nfc(p.note))]
        if len(freq) != 1 or len(pieces) != 1:
            return None
        # "Định kỳ hằng quý báo cáo về Sở Tài chính": the report itself recurs, at the finest frequency.
        unit = max((u for u, k in _KIND_OF_UNIT.items() if k in freq[0].reports), key=_FINER.index)
        mains = [DeadlineRule(freq[0].note, _K_RECURRING, recurrence=Recurrence(unit))]
    rule = _main(shown, mains)
    follow = [p for p in pieces if p.rule is None and p.note]
    notes = list(dict.fromkeys(n for n in (rule.note, *(r.note for r in mains), *(p.note for p in follow)) if n))
    reports = tuple(dict.fromkeys((*rule.reports, *(k for p in follow for k in p.reports))))
    report_to = rule.report_to or next((p.report_to for p in follow if p.report_to), "")
    then_ongoing = rule.then_ongoing or (rule.kind in (_K_ONE_OFF, _K_RANGE) and any(p.ongoing for p in follow))
    if rule.kind is _K_RECURRING and reports and not follow:
        reports = ()
    return replace(rule, note="; ".join(notes), reports=reports, report_to=report_to, then_ongoing=then_ongoing)
