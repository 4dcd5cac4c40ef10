"""The answer form: what an agency may send through its link, checked before anything is recorded.

``validate_answer`` turns the form's text fields into a :class:`CleanAnswer` with Vietnamese error
messages keyed by field name; ``new_reference`` makes the receipt's number. No database here: the
services record what passes (``models.services.answers``).
"""

import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from models.domain.clock import TZ
from models.domain.indicators import BadValue, check_value, parse_value, period_bounds, unit_rule
from models.domain.states import AnswerStatus


class DecisionError(ValueError):
    """A decision that cannot be made on the cycle as it is now (shown to the officer in Vietnamese)."""


class HasDue(Protocol):
    """What the form needs of a cycle: its due date (the extended one when granted)."""

    @property
    def due(self) -> date: ...


class HasTarget(Protocol):
    """What the form needs of an indicator: its unit and target (the plausible range of a value)."""

    unit_raw: str
    target_value: float | None
    target_value_max: float | None


MAX_TEXT = 5000
MAX_SHORT = 255
_URL = re.compile(r"^https?://[^\s<>\"']{3,990}$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------
# What an agency sends
# --------------------------------------------------------------------------------------------------


@dataclass
class StoredFile:
    """An attachment already checked and written under the data folder (see ``web.uploads``)."""

    path: str  # relative to data_dir
    name: str
    content_type: str
    size: int
    sha256: str


@dataclass
class AnswerInput:
    """The fields of the answer form, as text (validated by :func:`validate_answer`)."""

    status: str = ""
    progress: str = ""
    done_text: str = ""
    document_number: str = ""
    document_date: str = ""
    link_url: str = ""
    extension_to: str = ""
    extension_reason: str = ""
    other_agency: str = ""
    indicator_value: str = ""
    indicator_source: str = ""
    indicator_period: str = ""
    indicator_note: str = ""
    has_attachment: bool = False


@dataclass
class CleanAnswer:
    """A validated answer, ready to record."""

    status: str | None = None
    progress: int | None = None
    done_text: str = ""
    document_number: str | None = None
    document_date: date | None = None
    link_url: str | None = None
    extension_to: date | None = None
    extension_reason: str | None = None
    other_agency: str | None = None
    indicator_value: str | None = None  # as typed: kept on the answer row, as before numbers were read
    indicator_source: str | None = None
    indicator_number: float | None = None  # the value read as a number in the indicator's unit
    indicator_period: str | None = None  # the period it measures ("2026-H1"; models.domain.indicators)
    indicator_note: str | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """What the answer is mainly about: "report", "extension" or "reassign"."""
        if self.other_agency:
            return "reassign"
        if self.extension_to:
            return "extension"
        return "report"


def clean_text(value: str | None, limit: int = MAX_TEXT) -> str:
    """NFC, no control characters except line breaks and tabs, trimmed; cut at ``limit``."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()[:limit]


def parse_form_date(text: str) -> date | None:
    """A date as a browser's date input sends it (YYYY-MM-DD) or as officers type it (DD/MM/YYYY)."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def validate_answer(
    cycle: HasDue,
    form: AnswerInput,
    today: date,
    *,
    is_indicator: bool,
    indicator: HasTarget | None = None,
    period: str | None = None,
) -> CleanAnswer:
    """Check the form; errors (Vietnamese, keyed by field name) in ``CleanAnswer.errors``. An indicator
    cycle's value is read as a number in ``indicator``'s unit and checked against its plausible range; its
    period is the form's, else ``period`` (the cycle's: a form sent without the field, as before)."""
    out = CleanAnswer()
    err = out.errors
    out.other_agency = clean_text(form.other_agency, MAX_SHORT) or None
    out.extension_reason = clean_text(form.extension_reason) or None
    ext_text = form.extension_to.strip()
    if ext_text:
        out.extension_to = parse_form_date(ext_text)
        if out.extension_to is None:
            err["extension_to"] = "Ngày đề nghị gia hạn không hợp lệ (ngày/tháng/năm)."
        elif out.extension_to <= max(cycle.due, today):
            err["extension_to"] = f"Ngày gia hạn phải sau hạn hiện tại ({cycle.due:%d/%m/%Y}) và sau hôm nay."
        elif out.extension_to > today + timedelta(days=3 * 366):
            err["extension_to"] = "Ngày gia hạn quá xa (tối đa 3 năm)."
        if not out.extension_reason:
            err["extension_reason"] = "Vui lòng nêu lý do đề nghị gia hạn."
    elif out.extension_reason:
        err["extension_to"] = "Vui lòng chọn ngày đề nghị gia hạn."

    status = form.status.strip()
    if status:
        if status not in set(AnswerStatus):
            err["status"] = "Vui lòng chọn một tình trạng trong danh sách."
        else:
            out.status = status
    elif not out.other_agency and not out.extension_to:
        err["status"] = "Vui lòng chọn tình trạng thực hiện."

    progress = form.progress.strip().rstrip("%").strip()
    if progress:
        if not progress.isdigit() or not 0 <= int(progress) <= 100:
            err["progress"] = "Tiến độ là một số từ 0 đến 100 (%)."
        else:
            out.progress = int(progress)
    if out.status == AnswerStatus.done:
        out.progress = 100 if out.progress is None else out.progress
        if out.progress != 100 and "progress" not in err:
            err["progress"] = "Nhiệm vụ đã hoàn thành thì tiến độ là 100%."
    elif out.status == AnswerStatus.not_started and out.progress not in (None, 0) and "progress" not in err:
        err["progress"] = "Chưa triển khai thì tiến độ là 0%."

    out.done_text = clean_text(form.done_text)
    if len((form.done_text or "").strip()) > MAX_TEXT:
        err["done_text"] = f"Nội dung dài quá {MAX_TEXT} ký tự."
    _check_document(out, form, today)
    link = (form.link_url or "").strip()
    if link:
        if not _URL.match(link):
            err["link_url"] = "Đường dẫn phải bắt đầu bằng http:// hoặc https://."
        else:
            out.link_url = link

    if is_indicator:
        _check_indicator(out, form, today, indicator, form.indicator_period.strip() or period or "")
    if out.status in (AnswerStatus.in_progress, AnswerStatus.done) and not (
        out.done_text or out.document_number or out.link_url or form.has_attachment or out.indicator_value
    ):
        err["done_text"] = "Vui lòng nêu kết quả đã thực hiện (hoặc gửi kèm văn bản, đường dẫn)."
    return out


def _check_document(out: CleanAnswer, form: AnswerInput, today: date) -> None:
    """The document the answer cites: its number and date (both required when the work is done)."""
    err = out.errors
    out.document_number = clean_text(form.document_number, 128) or None
    doc_date_text = form.document_date.strip()
    if doc_date_text:
        out.document_date = parse_form_date(doc_date_text)
        if out.document_date is None:
            err["document_date"] = "Ngày văn bản không hợp lệ (ngày/tháng/năm)."
        elif out.document_date > today + timedelta(days=1):
            err["document_date"] = "Ngày văn bản không được sau ngày hôm nay."
    if out.status == AnswerStatus.done:
        if not out.document_number:
            err["document_number"] = "Khi báo cáo hoàn thành, vui lòng ghi số hiệu văn bản (ví dụ 123/QĐ-UBND)."
        if not doc_date_text:
            err["document_date"] = "Khi báo cáo hoàn thành, vui lòng ghi ngày ban hành văn bản."


def _check_indicator(
    out: CleanAnswer, form: AnswerInput, today: date, indicator: HasTarget | None, period: str
) -> None:
    """An indicator cycle's part of the form: the value (as typed, and as a number in the indicator's unit),
    its source, the period it measures and a note (errors into ``out``)."""
    err = out.errors
    out.indicator_value = clean_text(form.indicator_value, MAX_SHORT) or None
    out.indicator_source = clean_text(form.indicator_source, 500) or None
    if out.status and out.status != AnswerStatus.not_started and not out.indicator_value:
        err["indicator_value"] = "Vui lòng ghi giá trị chỉ tiêu đạt được."
    if out.indicator_value and not out.indicator_source:
        err["indicator_source"] = "Vui lòng ghi nguồn số liệu (văn bản, cơ quan thống kê…)."
    out.indicator_note = clean_text(form.indicator_note) or None
    if not out.indicator_value:
        return
    unit = indicator.unit_raw if indicator is not None else ""
    try:
        number = parse_value(out.indicator_value or "", unit)
        if indicator is not None:
            check_value(number, unit_rule(unit, indicator.target_value, indicator.target_value_max), unit)
        out.indicator_number = number
    except BadValue as exc:
        out.errors["indicator_value"] = str(exc)
    bounds = period_bounds(period) if period else None
    if not period:
        out.errors["indicator_period"] = "Vui lòng chọn kỳ của số liệu (năm, 6 tháng…)."
    elif bounds is None:
        out.errors["indicator_period"] = "Kỳ số liệu không hợp lệ: vui lòng chọn trong danh sách."
    elif bounds[0] > today:
        out.errors["indicator_period"] = "Kỳ số liệu này chưa bắt đầu: vui lòng chọn kỳ đã có số liệu."
    else:
        out.indicator_period = period


def new_reference(cycle_id: int, now: datetime) -> str:
    """The receipt's reference number: the local date, the cycle and 4 random characters (BC-250815-42-7KQ3)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
    tail = "".join(secrets.choice(alphabet) for _ in range(4))
    return f"BC-{now.astimezone(TZ):%y%m%d}-{cycle_id}-{tail}"
