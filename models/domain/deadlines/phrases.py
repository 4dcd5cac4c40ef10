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
* **ongoing**: "Thường xuyên", "Nhiệm vụ thường xuyên", "Triển khai thường xuyên", "Liên tục" — the whole
  phrase (a search for "thường xuyên" among unknown words is not enough: those are flagged);
* **external / event-driven** (``needs_officer``): "Đột xuất", "Khi có yêu cầu", "Khi phát sinh",
  "Theo lộ trình của Bộ, ngành", "Theo hướng dẫn của …", "Theo quy định", "Theo kế hoạch riêng",
  "Ngay sau khi … được ban hành";
* **compounds**: a dated part, then "và" / "," / ";" and an ongoing tail ("… và rà soát, cập nhật trong các
  năm tiếp theo (nếu có)", "… và vận hành thường xuyên, liên tục") → the dated part's kind with
  ``then_ongoing=True`` and the tail as the ``note``; several dated parts ("Tháng 3/2025 và tháng 9/2025")
  → one rule with each date; a part borrows the year of the last ("Quý I và Quý III/2026");
* **starts**: "Triển khai từ năm 2026", "Từ tháng 7/2025", "Từ năm 2026 trở đi" → ongoing from that day
  (``ongoing_from``); "Liên tục đến năm 2030", "Thường xuyên trong giai đoạn 2026 - 2030" → ongoing within
  those bounds; "2025 - 2026 và những năm tiếp theo" → the window, then ongoing;
* **several anchors a year**: "Tháng 6 và tháng 12 hằng năm", "Quý I và quý III hằng năm"; "Định kỳ 6 tháng,
  hằng năm" → every half year (a year end is a half-year end);
* **sentences, lines and clauses** (:mod:`.sentences`): "Ban hành trong quý I năm 2026. Thực hiện rà soát,
  điều chỉnh (nếu có)" (the date, and the follow-up kept as the note), "Hoàn thành việc đầu tư … trong năm
  2026" (the date after the object), "Tháng 9/2025 trình HĐND tỉnh", "Tháng 10/2025 (báo cáo sơ kết)",
  "Hằng năm (trước ngày 15/12)", "Năm 2025 (hoàn thành trước ngày 30/11/2025)" (the precise date wins),
  bullet lists of phases ("- Giai đoạn 1: năm 2025\n- Giai đoạn 2: năm 2026-2027" → one window), and report
  clauses: "Thường xuyên, định kỳ hằng quý báo cáo về Sở Tài chính" → ongoing with quarterly reports
  (``reports``) to Sở Tài chính (``report_to``). A part that is none of these leaves the phrase flagged.

"Trước …" sets a limit: when its day (the day before the limit) is a day off, the effective date rolls
**back** to the previous working day instead of forward past the limit (:mod:`.expand`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from models.domain.text import nfc

from .grammar import MAX_PHRASE_CHARS, Invalid, normalize_nfc, parse_dated
from .rules import DeadlineRule, Kind
from .sentences import ongoing_clause, read_sentences, with_tail_note

# Enum members read through their class (Unit.YEAR) cost many times a global lookup on Python 3.11: the
# hot paths use these aliases.
_K_EXTERNAL, _K_UNRECOGNIZED = Kind.EXTERNAL, Kind.UNRECOGNIZED

__all__ = ["CACHE_SIZE", "MAX_PHRASE_CHARS", "normalize_phrase", "parse_deadline"]

CACHE_SIZE = 4096


def normalize_phrase(text: str) -> str:
    """The comparison form of a phrase (see the module docstring). Public for tests and diagnostics."""
    return normalize_nfc(nfc(text))


# --------------------------------------------------------------------------------------------------------
# Event-driven and external phrases (checked when nothing dated or ongoing was understood).
_ONGOING_WORD = re.compile(r"thuong xuyen|lien tuc|hang ngay")
# ASCII digits only: random text full of other scripts' digits is not worth reading as sentences.
_SENTENCE_HINT = re.compile(r"[0-9]|thuong xuyen|lien tuc|hang ngay|hang |moi |dinh ky|sau thang|nua nam")
_EVENT = re.compile(
    r"dot xuat|khi co yeu cau|theo yeu cau|khi phat sinh|khi co|khi duoc|sau khi|phat sinh|ngay khi|ngay sau"
)
_EXTERNAL = re.compile(
    r"theo lo trinh|theo huong dan|theo chi dao|theo ke hoach|theo tien do|theo quy dinh|theo van ban"
    r"|theo thoi gian|theo thoi han|theo quyet dinh|theo nghi quyet|theo chuong trinh|theo de an|theo thong bao"
)


def _unrecognized(text: str, en: str, vi: str) -> DeadlineRule:
    return DeadlineRule(text, _K_UNRECOGNIZED, needs_officer=True, reason=en, reason_vi=vi)


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
    s = normalize_nfc(shown)
    if not s:
        return _unrecognized(shown, "empty deadline", "không có thời hạn")
    if len(s) > MAX_PHRASE_CHARS:
        return _unrecognized(
            shown,
            f"too long for a deadline phrase ({len(s)} characters)",
            f"quá dài để là một thời hạn ({len(s)} ký tự)",
        )
    error: Invalid | None = None
    try:
        rule = parse_dated(shown, s)
    except Invalid as exc:
        if not exc.soft:
            return _unrecognized(shown, exc.en, exc.vi)
        rule, error = None, exc
    if rule is not None and rule.then_ongoing:
        noted = with_tail_note(rule, shown)
        if noted is None:
            rule, error = (
                None,
                Invalid(
                    "the dated part is understood but not the words after it",
                    "hiểu được phần thời hạn nhưng không hiểu phần còn lại",
                    soft=True,
                ),
            )
        else:
            return noted
    if rule is not None:
        return rule
    if (rule := ongoing_clause(shown, s)) is not None:  # "Thường xuyên": the most common, read at once
        return rule
    # A sentence, lines, clauses: every part accounted for (models.domain.deadlines.sentences). Without a
    # number or a word of repetition or continuity, nothing in it can be a deadline: skipped (fast path).
    if _SENTENCE_HINT.search(s):
        try:
            rule = read_sentences(text, known=s)
        except Invalid as exc:
            if not exc.soft:
                return _unrecognized(shown, exc.en, exc.vi)
            error = error or exc
        if rule is not None:
            return rule
    if _EVENT.search(s):
        return DeadlineRule(
            shown,
            _K_EXTERNAL,
            needs_officer=True,
            reason="event-driven: due when the event happens or a request comes",
            reason_vi="phát sinh theo sự việc hoặc khi có yêu cầu",
        )
    if _EXTERNAL.search(s):
        return DeadlineRule(
            shown,
            _K_EXTERNAL,
            needs_officer=True,
            reason="set by another body: a ministry's roadmap, guidance, a separate plan or a regulation",
            reason_vi="do cơ quan khác hoặc văn bản khác quyết định: lộ trình, hướng dẫn, kế hoạch riêng, quy định",
        )
    if error is not None:
        return _unrecognized(shown, error.en, error.vi)
    if _ONGOING_WORD.search(s):
        return _unrecognized(
            shown,
            "an ongoing task with words not understood: an officer must read them",
            "nhiệm vụ thường xuyên nhưng có phần không hiểu được: cần cán bộ xem",
        )
    return _unrecognized(shown, "deadline phrase not understood", "không hiểu được cụm từ thời hạn")
