"""The overview's filters, sorting and pages (``models.domain.dashboard``): values that name nothing are
said and dropped, the query keeps what the officer chose, sorting and paging do what the headers say."""

from dataclasses import dataclass

from models.domain.dashboard import Filters, keep, paginate, read_filters, sort_rows, sort_tallies, summary
from models.domain.report_states import State, Tally

SECTIONS = {"I": "Nâng cao nhận thức", "II": "Khẩn trương"}
AGENCIES = {"so-y-te": "Sở Y tế"}


@dataclass
class R:
    state: str
    days_overdue: int
    due_effective: str = ""
    due_extended: str = ""
    subject: str = ""


def test_good_values_are_read() -> None:
    params = {"section": "II", "agency": "so-y-te", "state": "overdue", "overdue": "30", "sort": "-due", "page": "2"}
    filters, errors = read_filters(params | {"per": "50"}, SECTIONS, AGENCIES)
    assert errors == []
    assert filters == Filters("II", "so-y-te", "overdue", 30, "-due", "", "", 2, 50)
    assert filters.any()
    assert not read_filters({}, SECTIONS, AGENCIES)[0].any()


def test_values_that_name_nothing_are_said_and_dropped() -> None:
    params = {"section": "IX", "agency": "x", "state": "late", "overdue": "-1", "per": "7", "page": "0", "asort": "y"}
    filters, errors = read_filters(params, SECTIONS, AGENCIES)
    assert filters == Filters()
    assert len(errors) == 7 and any("«IX»" in e for e in errors) and any("«late»" in e for e in errors)
    assert len(read_filters({"sort": "x", "ssort": "y"}, SECTIONS, AGENCIES)[1]) == 2  # one message a value


def test_the_query_keeps_the_choice_and_a_new_choice_goes_back_to_page_one() -> None:
    filters = Filters(section="II", state="overdue", page=3, per=50)
    assert filters.query() == {"section": "II", "state": "overdue", "per": "50"}
    assert filters.query(page=4) == {"section": "II", "state": "overdue", "page": "4", "per": "50"}
    assert filters.query(sort="-overdue", state="") == {"section": "II", "sort": "-overdue", "per": "50"}


def test_keep_sort_and_pages() -> None:
    rows = [R("overdue", 40, "2025-05-01"), R("in_time", 0, "2025-07-01"), R("overdue", 5, "", "2025-06-01")]
    assert [r.days_overdue for r in rows if keep(r, Filters(overdue=10))] == [40]
    assert [r.state for r in rows if keep(r, Filters(state="in_time"))] == ["in_time"]
    assert [r.days_overdue for r in sort_rows(rows, "-overdue")] == [40, 5, 0]
    assert [r.days_overdue for r in sort_rows(rows, "due")] == [40, 5, 0]  # the extended date counts
    assert sort_rows(rows, "-tt") == rows[::-1] and sort_rows(rows, "") == rows
    errors: list[str] = []
    page = paginate(list(range(68)), 3, 25, errors)
    assert (page.items[0], len(page.items), page.pages, page.first, page.last) == (50, 18, 3, 51, 68)
    assert errors == []
    assert paginate(list(range(68)), 4, 25, errors).number == 1 and "Trang 4 không có" in errors[0]
    assert paginate([], 1, 25).pages == 1


def test_tallies_sort_and_summaries_count_once() -> None:
    a, b = Tally("Sở A"), Tally("Sở B")
    a.add(State.overdue)
    b.add(State.in_time)
    b.add(State.in_time)
    assert [t.name for t in sort_tallies([a, b], "-total")] == ["Sở B", "Sở A"]
    assert [t.name for t in sort_tallies([b, a], "name")] == ["Sở A", "Sở B"]
    assert [t.name for t in sort_tallies([b, a], "-overdue")] == ["Sở A", "Sở B"]
    s = summary(["overdue", "in_time", "not_yet", "not_yet"], "nhiệm vụ")
    assert s.total == 4 and s.counts[State.overdue] == 1 and s.others == {State.not_yet: 2}
    assert list(s.counts)[:4] == [State.done_on_time, State.done_late, State.in_time, State.overdue]
