"""Pure rules of the consolidated message (models.domain.consolidated) and of the cost estimate
(models.domain.costs)."""

from datetime import date, timedelta

from models.domain import consolidated as cd
from models.domain.costs import Prices, sms_segments, summarise

TODAY = date(2026, 12, 2)


def _item(n: int, days: int, *, opened: bool = False, situation: bool = False, short: str = "") -> cd.Item:
    return cd.Item(
        cycle_id=n, agency="Sở Y tế", agency_code="so-y-te", subject=f"Nhiệm vụ {n}", short=short or f"NV{n}",
        title="Tiêu đề", plan="25/KH-UBND", role="chủ trì", due=TODAY + timedelta(days=days), opened=opened,
        situation=situation, track_from=TODAY if situation else None,
    )  # fmt: skip


def test_sections_overdue_first_then_situation_soon_opened_later() -> None:
    items = [_item(1, 20), _item(2, 3), _item(3, -9), _item(4, 25, opened=True), _item(5, -400, situation=True)]
    items.append(_item(6, -30))
    order = cd.order_items(items, TODAY)
    assert [name for name, _ in order] == ["overdue", "situation", "soon", "opened", "later"]
    assert [i.cycle_id for i in order[0][1]] == [6, 3]  # most days overdue first
    assert cd.item_line(order[0][1][0], TODAY).endswith("quá hạn 30 ngày")


def test_summary_names_the_counts_that_are_not_zero() -> None:
    items = [_item(i, -i) for i in range(1, 13)] + [_item(20 + i, i) for i in range(1, 4)]
    assert cd.summary("Sở Y tế", items, TODAY) == "Sở Y tế có 12 nhiệm vụ quá hạn, 3 đến hạn trong 7 ngày"
    mixed = [_item(1, -1), _item(2, -2, short="CT8.1")]
    assert cd.summary("Sở Y tế", mixed, TODAY) == "Sở Y tế có 2 nội dung quá hạn"


def test_cut_at_a_word_with_an_ellipsis() -> None:
    assert cd.cut_words("một hai ba bốn", 100) == "một hai ba bốn"
    cut = cd.cut_words("Sở Y tế có 12 nhiệm vụ quá hạn, 3 đến hạn trong 7 ngày", 30)
    assert len(cut) <= 30 and cut.endswith("…") and cut[:-1] in "Sở Y tế có 12 nhiệm vụ quá hạn, 3 đến hạn"
    assert not cut[:-1].endswith(",")


def test_message_key_day_recipient_slot_channel() -> None:
    key = cd.message_key_for(TODAY, "so-y-te#head", cd.REMINDERS, 1, "zalo")
    assert key == "m20261202:so-y-te#head:r1:zalo" and key.startswith(cd.slot_prefix(TODAY, "so-y-te#head", "r"))


def test_sms_segments_and_cost() -> None:
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2 and sms_segments("ă" * 70) == 1
    assert sms_segments("ă" * 71) == 2
    summary = summarise(
        [("2026-12-02", "zalo", "x"), ("2026-12-02", "sms", "a" * 200), ("2026-12-03", "email", "")], Prices()
    )
    day = summary.as_json()["days"]["2026-12-02"]
    assert day["zalo"] == {"messages": 1, "units": 1, "cost": 300.0} and day["sms"]["units"] == 2
    assert summary.as_json()["months"]["2026-12"]["email"]["cost"] == 0


def test_items_due_the_same_day_are_in_number_order() -> None:
    shorts = ["CT10", "CT2", "CT8.10", "CT8.2", "CT1"]
    items = [_item(n, -5, short=s) for n, s in enumerate(shorts, 1)]
    [(_, listed)] = cd.order_items(items, TODAY)
    assert [i.short for i in listed] == ["CT1", "CT2", "CT8.2", "CT8.10", "CT10"]
