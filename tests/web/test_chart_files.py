"""A chart as SVG and PNG (``web.chart_files``): the SVG parses, is accessible (title, desc, a title per
bar), scales with its container and has a bar per non-zero part; the PNG decodes at the layout's size and
is drawn where the SVG draws."""

import io
import xml.etree.ElementTree as ET

from PIL import Image

from models.domain.chart_layout import layout
from models.domain.charts import COLORS, Chart, Series, State, completion_by_section
from models.domain.report_states import Report, Row
from web.chart_files import SCALE, chart_png, chart_svg, svg_file

NS = {"s": "http://www.w3.org/2000/svg"}


def chart() -> Chart:
    rows = [
        Row("task", 1, "1", "I", "Nâng cao nhận thức <và> hành động", "", "", "", "", "", "done_on_time", ""),
        Row("task", 2, "2", "I", "Nâng cao nhận thức <và> hành động", "", "", "", "", "", "overdue", "",
            days_overdue=9),
        Row("task", 3, "3", "II", "Chuyển đổi số & dữ liệu", "", "", "", "", "", "in_time", ""),
    ]  # fmt: skip
    return completion_by_section([Report("25/KH-UBND", "", "2025-10-15", tasks=rows)])


def test_svg_is_well_formed_accessible_and_has_the_bars() -> None:
    root = ET.fromstring(svg_file(chart()))
    assert root.get("width") == "100%" and root.get("viewBox").startswith("0 0 400 ")
    assert root.get("role") == "img" and root.get("aria-labelledby") == "chart-by-section-title chart-by-section-desc"
    assert root.find("s:title", NS).text == "Tình hình thực hiện nhiệm vụ theo mục của Kế hoạch"
    assert "I. Nâng cao nhận thức <và> hành động: 2 nhiệm vụ" in root.find("s:desc", NS).text
    bars = [
        r for r in root.findall("s:rect", NS) if r.find("s:title", NS) is not None and "—" in r.find("s:title", NS).text
    ]
    assert [b.get("fill") for b in bars] == [COLORS[State.done_on_time], COLORS[State.overdue], COLORS[State.in_time]]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert (
        "I. Nâng cao nhận thức <và> hành động" in texts and "II. Chuyển đổi số & dữ liệu" in texts
    )  # escaped, read back
    assert all(float(t.get("font-size")) >= 12 for t in root.iter("{http://www.w3.org/2000/svg}text"))


def test_empty_chart_says_so() -> None:
    empty = Chart("ageing", "Quá hạn", "kỳ báo cáo", ("0–30 ngày",), (Series("x", (0.0,), "#c62828"),), True)
    root = ET.fromstring(chart_svg(empty))
    assert "Chưa có số liệu." in [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_png_decodes_at_the_layout_size_with_the_bars_where_the_svg_has_them() -> None:
    c = chart()
    image = Image.open(io.BytesIO(chart_png(c)))
    image.load()
    d = layout(c)
    assert image.format == "PNG" and image.size == (round(d.width * SCALE), round(d.height * SCALE))
    bar = next(m for m in d.marks if getattr(m, "fill", "") == COLORS[State.overdue] and "—" in getattr(m, "title", ""))
    centre = (round((bar.x + bar.w / 2) * SCALE), round((bar.y + 2) * SCALE))
    assert "#{:02x}{:02x}{:02x}".format(*image.convert("RGB").getpixel(centre)) == COLORS[State.overdue]
    assert image.convert("RGB").getpixel((1, 1)) == (255, 255, 255)


def test_png_draws_vietnamese_with_dejavu() -> None:
    # Two renders of titles that differ only by a diacritic differ: the font has the letters (no tofu boxes).
    a = Chart("x", "Hoàn thành", "", ("a",), (Series("s", (1.0,), "#2e7d32"),), True)
    b = Chart("x", "Hoàn thanh", "", ("a",), (Series("s", (1.0,), "#2e7d32"),), True)
    assert chart_png(a) != chart_png(b)
    assert chart_png(a) == chart_png(a)  # same input, same bytes
