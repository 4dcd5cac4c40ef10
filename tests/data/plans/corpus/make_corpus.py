"""Writes the reader's corpus: small plans in the layouts real documents have, each in a format people
send (.docx, .xlsx, .html, .pdf, .md), and beside each ``NAME.expected.json`` — the tasks a person reads
in it (numbers, titles, leads, deadlines, sections, extra fields), written here by hand, not by the reader.

Run from the repository root: ``.venv/bin/python tests/data/plans/corpus/make_corpus.py`` (the files
are committed; the test ``tests/domain/test_plan_corpus.py`` reads them). All data is made up.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from plan_docs import WRITERS, C, Spec, SpecTable, cells  # noqa: E402

HEADING = ["ỦY BAN NHÂN DÂN", "TỈNH HÀ GIANG", "Số: 12/KH-UBND", "Hà Giang, ngày 10 tháng 3 năm 2025", "KẾ HOẠCH"]


def heading(number: str = "12/KH-UBND", place: str = "Hà Giang", title: str = "Triển khai chuyển đổi số năm 2025"):
    return [
        "ỦY BAN NHÂN DÂN",
        f"TỈNH {place.upper()}",
        f"Số: {number}",
        f"{place}, ngày 10 tháng 3 năm 2025",
        "KẾ HOẠCH",
        title,
    ]


def task(number, title, lead, deadline, section="", **more):
    return {"number": number, "title": title, "lead": lead, "deadline": deadline, "section": section, **more}


LAYOUTS: dict[str, tuple[Spec, dict]] = {}

# 1. sub-sections in italics (one cell over the row) under bold Roman sections; numbering restarts in each
#    sub-section; a deadline cell covering two tasks (rowspan). The italic row must not end the table.
H5 = ("TT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành")
LAYOUTS["01-italic-subsections.docx"] = (
    Spec(
        heading(),
        [
            SpecTable(
                [
                    cells(*H5, bold=True),
                    [C("I. NHIỆM VỤ CHUNG", colspan=5, bold=True)],
                    [C("1. Lĩnh vực công nghiệp", colspan=5, italic=True)],
                    cells(
                        "1", "Xây dựng kế hoạch số hóa doanh nghiệp", "Sở Công Thương", "Các sở, ngành", "Quý II/2025"
                    ),
                    cells(
                        "2", "Tổ chức hội nghị chuyển đổi số ngành công nghiệp", "Sở Công Thương", "", "Tháng 9/2025"
                    ),
                    [C("2. Lĩnh vực nông nghiệp", colspan=5, italic=True)],
                    cells("1", "Số hóa dữ liệu vùng trồng", "Sở Nông nghiệp và Môi trường", "UBND các xã", "Năm 2025"),
                    cells(
                        "2",
                        "Xây dựng sàn giao dịch nông sản",
                        "Sở Nông nghiệp và Môi trường",
                        "Sở Công Thương",
                        "Năm 2026",
                    ),
                    [C("II. NHIỆM VỤ CỤ THỂ", colspan=5, bold=True)],
                    [
                        *cells("1", "Rà soát thủ tục hành chính", "Văn phòng UBND tỉnh", "Các sở, ngành"),
                        C("Tháng 6/2025", rowspan=2),
                    ],
                    cells(
                        "2",
                        "Công bố danh mục dịch vụ công trực tuyến",
                        "Văn phòng UBND tỉnh",
                        "Sở Khoa học và Công nghệ",
                    ),
                ]
            )
        ],
    ),
    {
        "number": "12/KH-UBND",
        "issued": "2025-03-10",
        "tasks": [
            task("I.1.1", "Xây dựng kế hoạch số hóa doanh nghiệp", "Sở Công Thương", "Quý II/2025", "I.1"),
            task("I.1.2", "Tổ chức hội nghị chuyển đổi số ngành công nghiệp", "Sở Công Thương", "Tháng 9/2025", "I.1"),
            task("I.2.1", "Số hóa dữ liệu vùng trồng", "Sở Nông nghiệp và Môi trường", "Năm 2025", "I.2"),
            task("I.2.2", "Xây dựng sàn giao dịch nông sản", "Sở Nông nghiệp và Môi trường", "Năm 2026", "I.2"),
            task("II.1", "Rà soát thủ tục hành chính", "Văn phòng UBND tỉnh", "Tháng 6/2025", "II"),
            task("II.2", "Công bố danh mục dịch vụ công trực tuyến", "Văn phòng UBND tỉnh", "Tháng 6/2025", "II"),
        ],
        "rows": {"tasks": 6, "merged": 0, "headings": 4},
    },
)

# 2. a task split over two rows (empty STT: a page break) and unnumbered "- …" sub-rows under a task.
LAYOUTS["02-continuation-subitems.docx"] = (
    Spec(
        heading("20/KH-UBND", "Cao Bằng"),
        [
            SpecTable(
                [
                    cells(*H5, bold=True),
                    cells(
                        "1", "Xây dựng cơ sở dữ liệu đất đai", "Sở Nông nghiệp và Môi trường", "UBND các xã", "Năm 2025"
                    ),
                    cells("", "tỉnh giai đoạn 2025 - 2026", "", "Sở Tài chính", ""),
                    cells("2", "Triển khai nền tảng số dùng chung", "Sở Khoa học và Công nghệ", "", "Quý IV/2025"),
                    cells("", "- Xây dựng quy chế khai thác", "", "", ""),
                    cells("", "- Tập huấn cho cán bộ cấp xã", "", "", "Tháng 11/2025"),
                    cells(
                        "3", "Đánh giá kết quả thực hiện", "Sở Khoa học và Công nghệ", "Các sở, ngành", "Tháng 12/2025"
                    ),
                ]
            )
        ],
    ),
    {
        "number": "20/KH-UBND",
        "tasks": [
            task(
                "1",
                "Xây dựng cơ sở dữ liệu đất đai tỉnh giai đoạn 2025 - 2026",
                "Sở Nông nghiệp và Môi trường",
                "Năm 2025",
                coordinating="UBND các xã; Sở Tài chính",
            ),
            task(
                "2",
                "Triển khai nền tảng số dùng chung",
                "Sở Khoa học và Công nghệ",
                "Quý IV/2025",
                extra={"Nội dung cụ thể": "- Xây dựng quy chế khai thác\n- Tập huấn cho cán bộ cấp xã — Tháng 11/2025"},
            ),
            task("3", "Đánh giá kết quả thực hiện", "Sở Khoa học và Công nghệ", "Tháng 12/2025"),
        ],
        "rows": {"tasks": 3, "merged": 3, "headings": 0},
    },
)

# 3. a two-row header (Thời gian over Bắt đầu / Hoàn thành) and extra columns kept per task.
LAYOUTS["03-two-row-header.docx"] = (
    Spec(
        heading("31/KH-UBND", "Lạng Sơn"),
        [
            SpecTable(
                [
                    [
                        C("STT", rowspan=2, bold=True),
                        C("Nhiệm vụ", rowspan=2, bold=True),
                        C("Đơn vị chủ trì", rowspan=2, bold=True),
                        C("Thời gian", colspan=2, bold=True),
                        C("Người đứng đầu chịu trách nhiệm", rowspan=2, bold=True),
                        C("Nguồn kinh phí", rowspan=2, bold=True),
                    ],
                    cells("Bắt đầu", "Hoàn thành", bold=True),
                    cells(
                        "1",
                        "Nâng cấp trung tâm dữ liệu tỉnh",
                        "Sở Khoa học và Công nghệ",
                        "01/2025",
                        "12/2025",
                        "Giám đốc Sở",
                        "Ngân sách tỉnh",
                    ),
                    cells(
                        "2",
                        "Triển khai hóa đơn điện tử",
                        "Thuế tỉnh",
                        "03/2025",
                        "Quý III/2025",
                        "Trưởng Thuế tỉnh",
                        "Ngân sách trung ương",
                    ),
                ]
            )
        ],
    ),
    {
        "number": "31/KH-UBND",
        "tasks": [
            task(
                "1",
                "Nâng cấp trung tâm dữ liệu tỉnh",
                "Sở Khoa học và Công nghệ",
                "12/2025",
                extra={
                    "Thời gian Bắt đầu": "01/2025",
                    "Người đứng đầu chịu trách nhiệm": "Giám đốc Sở",
                    "Nguồn kinh phí": "Ngân sách tỉnh",
                },
            ),
            task(
                "2",
                "Triển khai hóa đơn điện tử",
                "Thuế tỉnh",
                "Quý III/2025",
                extra={
                    "Thời gian Bắt đầu": "03/2025",
                    "Người đứng đầu chịu trách nhiệm": "Trưởng Thuế tỉnh",
                    "Nguồn kinh phí": "Ngân sách trung ương",
                },
            ),
        ],
        "rows": {"tasks": 2, "merged": 0, "headings": 0, "headers": 2},
    },
)

# 4. columns in another order (chủ trì before the task, "Thuộc nhóm nhiệm vụ" before "Nội dung"),
#    an agency cell merged over two tasks (an Excel merged range), "Tiến độ" as the deadline.
LAYOUTS["04-columns-reordered.xlsx"] = (
    Spec(
        heading("44/KH-UBND", "Tuyên Quang"),
        [
            SpecTable(
                [
                    cells(
                        "Cơ quan chủ trì",
                        "TT",
                        "Thuộc nhóm nhiệm vụ",
                        "Nội dung nhiệm vụ",
                        "Cơ quan phối hợp",
                        "Tiến độ",
                        bold=True,
                    ),
                    [
                        C("Sở Tài chính", rowspan=2),
                        *cells("1", "Thể chế", "Ban hành quy chế quản lý dự án số", "Sở Tư pháp", "Quý I/2026"),
                    ],
                    cells("2", "Thể chế", "Bố trí kinh phí chuyển đổi số", "", "Hằng năm"),
                    cells("Công an tỉnh", "3", "Hạ tầng", "Làm sạch dữ liệu dân cư", "UBND các xã", "Tháng 6/2026"),
                ]
            )
        ],
    ),
    {
        "number": "44/KH-UBND",
        "tasks": [
            task(
                "1",
                "Ban hành quy chế quản lý dự án số",
                "Sở Tài chính",
                "Quý I/2026",
                extra={"Thuộc nhóm nhiệm vụ": "Thể chế"},
            ),
            task(
                "2",
                "Bố trí kinh phí chuyển đổi số",
                "Sở Tài chính",
                "Hằng năm",
                extra={"Thuộc nhóm nhiệm vụ": "Thể chế"},
            ),
            task(
                "3", "Làm sạch dữ liệu dân cư", "Công an tỉnh", "Tháng 6/2026", extra={"Thuộc nhóm nhiệm vụ": "Hạ tầng"}
            ),
        ],
        "rows": {"tasks": 3, "merged": 0, "headings": 0},
    },
)

# 5. an appendix excerpt: no "Số: …" line, the number and date only in the "(Kèm theo …)" title line.
LAYOUTS["05-appendix-excerpt.xlsx"] = (
    Spec(
        ["PHỤ LỤC", "DANH MỤC NHIỆM VỤ", "(Kèm theo Kế hoạch số 118/KH-UBND ngày 05/3/2025 của UBND tỉnh Bắc Ninh)"],
        [
            SpecTable(
                [
                    cells(*H5, bold=True),
                    cells("1", "Triển khai định danh điện tử", "Công an tỉnh", "Các sở, ngành", "Tháng 6/2025"),
                    cells("2", "Phát triển kinh tế số", "Sở Tài chính", "", "Năm 2025"),
                ]
            )
        ],
    ),
    {
        "number": "118/KH-UBND",
        "issued": "2025-03-05",
        "issuer": "Tỉnh Bắc Ninh",
        "tasks": [
            task("1", "Triển khai định danh điện tử", "Công an tỉnh", "Tháng 6/2025"),
            task("2", "Phát triển kinh tế số", "Sở Tài chính", "Năm 2025"),
        ],
        "rows": {"tasks": 2, "merged": 0, "headings": 0},
    },
)

# 6. three appendices: indicators (Phụ lục I), tasks (II), tasks again with other columns (III) whose
#    numbering restarts: qualified by the appendix.
IND = ("TT", "Chỉ tiêu", "Đơn vị tính", "Mục tiêu năm 2025", "Cơ quan theo dõi")
LAYOUTS["06-three-appendices.html"] = (
    Spec(
        heading("52/KH-UBND", "Thái Bình"),
        [
            SpecTable(
                [cells(*IND, bold=True), cells("1", "Tỷ lệ hồ sơ xử lý trực tuyến", "%", "80", "Văn phòng UBND tỉnh")],
                ["PHỤ LỤC I", "CHỈ TIÊU"],
            ),
            SpecTable(
                [
                    cells(*H5, bold=True),
                    cells("1", "Xây dựng kho dữ liệu mở", "Sở Khoa học và Công nghệ", "", "Năm 2025"),
                    cells("2", "Đào tạo kỹ năng số", "Sở Nội vụ", "", "Năm 2025"),
                ],
                ["PHỤ LỤC II", "NHIỆM VỤ TRỌNG TÂM"],
            ),
            SpecTable(
                [
                    cells("STT", "Nhiệm vụ", "Đơn vị chủ trì", "Tiến độ", "Chỉ tiêu đạt được", bold=True),
                    cells(
                        "1",
                        "Phổ cập điện thoại thông minh",
                        "Sở Khoa học và Công nghệ",
                        "Quý IV/2025",
                        "90% hộ gia đình",
                    ),
                    cells(
                        "2",
                        "Thanh toán không dùng tiền mặt",
                        "Ngân hàng Nhà nước chi nhánh tỉnh",
                        "Năm 2025",
                        "70% giao dịch",
                    ),
                ],
                ["PHỤ LỤC III", "NHIỆM VỤ THƯỜNG XUYÊN"],
            ),
        ],
    ),
    {
        "number": "52/KH-UBND",
        "indicators": 1,
        "tasks": [
            task("1", "Xây dựng kho dữ liệu mở", "Sở Khoa học và Công nghệ", "Năm 2025"),
            task("2", "Đào tạo kỹ năng số", "Sở Nội vụ", "Năm 2025"),
            task(
                "PLIII.1",
                "Phổ cập điện thoại thông minh",
                "Sở Khoa học và Công nghệ",
                "Quý IV/2025",
                extra={"Chỉ tiêu đạt được": "90% hộ gia đình"},
            ),
            task(
                "PLIII.2",
                "Thanh toán không dùng tiền mặt",
                "Ngân hàng Nhà nước chi nhánh tỉnh",
                "Năm 2025",
                extra={"Chỉ tiêu đạt được": "70% giao dịch"},
            ),
        ],
        "rows": {"tasks": 4, "indicators": 1, "merged": 0, "headings": 0},
    },
)

# 7. <br> inside cells, a lead agency covering three tasks (rowspan), lettered headings over the row,
#    the header repeated mid-table without its STT text.
H4 = ("TT", "Nội dung công việc", "Cơ quan chủ trì", "Thời hạn")
LAYOUTS["07-rowspan-br-repeated-header.html"] = (
    Spec(
        heading("61/KH-UBND", "Yên Bái"),
        [
            SpecTable(
                [
                    cells(*H4, bold=True),
                    [C("A. HOÀN THIỆN THỂ CHẾ", colspan=4, bold=True)],
                    [
                        *cells("1", "Ban hành quy định\nvề dữ liệu số"),
                        C("Sở Tư pháp", rowspan=3),
                        C("Quý II/2025\n(trình UBND tỉnh)"),
                    ],
                    cells("2", "Rà soát văn bản quy phạm", "Tháng 8/2025"),
                    cells("3", "Hướng dẫn thi hành", "Tháng 10/2025"),
                    cells("", "Nội dung công việc", "Cơ quan chủ trì", "Thời hạn", bold=True),
                    [C("B. PHÁT TRIỂN HẠ TẦNG", colspan=4, bold=True)],
                    cells("4", "Phủ sóng 5G khu công nghiệp", "Sở Khoa học và Công nghệ", "Năm 2026"),
                ]
            )
        ],
    ),
    {
        "number": "61/KH-UBND",
        "tasks": [
            task("1", "Ban hành quy định về dữ liệu số", "Sở Tư pháp", "Quý II/2025 (trình UBND tỉnh)", "A"),
            task("2", "Rà soát văn bản quy phạm", "Sở Tư pháp", "Tháng 8/2025", "A"),
            task("3", "Hướng dẫn thi hành", "Sở Tư pháp", "Tháng 10/2025", "A"),
            task("4", "Phủ sóng 5G khu công nghiệp", "Sở Khoa học và Công nghệ", "Năm 2026", "B"),
        ],
        "rows": {"tasks": 4, "merged": 0, "headings": 2, "headers": 2},
    },
)

# 8. a PDF table over several pages, its header repeated on each page, Roman sections.
MANY = [
    ("Sở Khoa học và Công nghệ", "Quý I/2026"),
    ("Sở Tài chính", "Tháng 6/2026"),
    ("Sở Nội vụ", "Năm 2026"),
]
rows8: list[list[C]] = [cells(*H5, bold=True)]
expected8 = []
for k in range(1, 31):
    if k in (1, 11, 21):
        roman = {1: "I", 11: "II", 21: "III"}[k]
        rows8.append([C(f"{roman}. NHÓM NHIỆM VỤ {roman}", colspan=5, bold=True)])
    lead, deadline = MANY[k % 3]
    title = f"Nhiệm vụ số {k}: triển khai nội dung chuyển đổi số tại cơ quan, đơn vị theo kế hoạch năm"
    rows8.append(cells(str(k), title, lead, "Các sở, ngành; UBND các xã, phường", deadline))
    expected8.append(task(str(k), title, lead, deadline, {1: "I", 2: "II", 3: "III"}[(k - 1) // 10 + 1]))
LAYOUTS["08-multipage.pdf"] = (
    Spec(heading("70/KH-UBND", "Điện Biên"), [SpecTable(rows8)]),
    {"number": "70/KH-UBND", "tasks": expected8, "rows": {"tasks": 30, "merged": 0, "headings": 3}},
)

# 9. dotted sections (III.1, III.2) in bold with numbering restarting under each, in a PDF.
LAYOUTS["09-dotted-sections.pdf"] = (
    Spec(
        heading("83/KH-UBND", "Lai Châu"),
        [
            SpecTable(
                [
                    cells(*H5, bold=True),
                    [C("III. NHIỆM VỤ, GIẢI PHÁP", colspan=5, bold=True)],
                    [C("III.1", bold=True), C("Về thể chế", bold=True), C(""), C(""), C("")],
                    cells("1", "Sửa đổi quy chế phối hợp", "Sở Tư pháp", "", "Quý II/2025"),
                    cells("2", "Ban hành danh mục dữ liệu", "Sở Khoa học và Công nghệ", "", "Quý III/2025"),
                    [C("III.2", bold=True), C("Về hạ tầng", bold=True), C(""), C(""), C("")],
                    cells("1", "Nâng cấp mạng truyền số liệu chuyên dùng", "Sở Khoa học và Công nghệ", "", "Năm 2025"),
                ]
            )
        ],
    ),
    {
        "number": "83/KH-UBND",
        "tasks": [
            task("III.1.1", "Sửa đổi quy chế phối hợp", "Sở Tư pháp", "Quý II/2025", "III.1"),
            task("III.1.2", "Ban hành danh mục dữ liệu", "Sở Khoa học và Công nghệ", "Quý III/2025", "III.1"),
            task(
                "III.2.1", "Nâng cấp mạng truyền số liệu chuyên dùng", "Sở Khoa học và Công nghệ", "Năm 2025", "III.2"
            ),
        ],
        "rows": {"tasks": 3, "merged": 0, "headings": 3},
    },
)

# 11. markdown pipes: a continuation row, "- …" sub-rows, an extra column, a note under the table.
LAYOUTS["11-pipes.md"] = (
    Spec(
        heading("90/KH-UBND", "Sơn La"),
        [
            SpecTable(
                [
                    cells("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian hoàn thành", "Nguồn kinh phí", bold=True),
                    [C("I. NHIỆM VỤ TRỌNG TÂM", bold=True), *cells("", "", "", "")],
                    cells("1", "Xây dựng chính quyền số", "Sở Khoa học và Công nghệ", "Năm 2025", "Ngân sách tỉnh"),
                    cells("", "- Triển khai hệ thống họp trực tuyến", "", "", ""),
                    cells("", "- Số hóa hồ sơ lưu trữ", "", "", ""),
                    cells("2", "Phát triển xã hội số", "Sở Văn hóa, Thể thao và Du lịch", "Năm 2026", "Xã hội hóa"),
                    cells("", "và kinh tế số nông thôn", "", "", ""),
                    [C("Ghi chú: kinh phí theo dự toán được giao hằng năm", italic=True), *cells("", "", "", "")],
                ]
            )
        ],
    ),
    {
        "number": "90/KH-UBND",
        "tasks": [
            task(
                "1",
                "Xây dựng chính quyền số",
                "Sở Khoa học và Công nghệ",
                "Năm 2025",
                "I",
                extra={
                    "Nguồn kinh phí": "Ngân sách tỉnh",
                    "Nội dung cụ thể": "- Triển khai hệ thống họp trực tuyến\n- Số hóa hồ sơ lưu trữ",
                },
            ),
            task(
                "2",
                "Phát triển xã hội số và kinh tế số nông thôn",
                "Sở Văn hóa, Thể thao và Du lịch",
                "Năm 2026",
                "I",
                extra={"Nguồn kinh phí": "Xã hội hóa"},
            ),
        ],
        "rows": {"tasks": 2, "merged": 3, "headings": 1, "ignored": 1},
    },
)

# 12. a task table without an STT column: tasks numbered in their order.
LAYOUTS["12-no-number-column.docx"] = (
    Spec(
        heading("95/KH-UBND", "Hòa Bình"),
        [
            SpecTable(
                [
                    cells("Nội dung công việc", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện", bold=True),
                    cells("Khảo sát mức độ sẵn sàng chuyển đổi số", "Sở Khoa học và Công nghệ", "", "Quý I/2025"),
                    cells(
                        "Tổ chức ngày chuyển đổi số của tỉnh",
                        "Sở Khoa học và Công nghệ",
                        "Các sở, ngành",
                        "Tháng 10/2025",
                    ),
                ]
            )
        ],
    ),
    {
        "number": "95/KH-UBND",
        "tasks": [
            task("1", "Khảo sát mức độ sẵn sàng chuyển đổi số", "Sở Khoa học và Công nghệ", "Quý I/2025"),
            task("2", "Tổ chức ngày chuyển đổi số của tỉnh", "Sở Khoa học và Công nghệ", "Tháng 10/2025"),
        ],
        "rows": {"tasks": 2, "merged": 0, "headings": 0},
    },
)

# 13. the heading in a two-column layout table (as Word plans have it), a column-numbering row under the
#     header, "Tiến độ" next to "Thời hạn hoàn thành" (kept as extra).
LAYOUTS["13-heading-table.docx"] = (
    Spec(
        [],
        [
            SpecTable(
                [
                    cells(
                        "ỦY BAN NHÂN DÂN\nTỈNH CAO BẰNG",
                        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
                    ),
                    cells("Số: 45/KH-UBND", "Cao Bằng, ngày 2 tháng 4 năm 2025"),
                ]
            ),
            SpecTable(
                [
                    cells(
                        "TT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Thời hạn hoàn thành", "Tiến độ thực hiện", bold=True
                    ),
                    cells("(1)", "(2)", "(3)", "(4)", "(5)"),
                    cells("1", "Xây dựng đề án đô thị thông minh", "Sở Xây dựng", "Năm 2026", "Đang triển khai"),
                ],
                ["KẾ HOẠCH", "Phát triển đô thị thông minh"],
            ),
        ],
    ),
    {
        "number": "45/KH-UBND",
        "issued": "2025-04-02",
        "tasks": [
            task(
                "1",
                "Xây dựng đề án đô thị thông minh",
                "Sở Xây dựng",
                "Năm 2026",
                extra={"Tiến độ thực hiện": "Đang triển khai"},
            ),
        ],
        "rows": {"tasks": 1, "merged": 0, "headings": 0, "headers": 2},
    },
)

# 14. lettered parts holding Roman sections; numbering restarts in part B.
H4b = ("TT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian hoàn thành")
LAYOUTS["14-letter-parts.html"] = (
    Spec(
        heading("101/KH-UBND", "Hà Nam"),
        [
            SpecTable(
                [
                    cells(*H4b, bold=True),
                    [C("A. NHIỆM VỤ NĂM 2025", colspan=4, bold=True)],
                    [C("I. Thể chế", colspan=4, bold=True)],
                    cells("1", "Ban hành quy chế", "Sở Tư pháp", "Quý II/2025"),
                    [C("II. Hạ tầng", colspan=4, bold=True)],
                    cells("2", "Nâng cấp đường truyền", "Sở Khoa học và Công nghệ", "Quý III/2025"),
                    [C("B. NHIỆM VỤ NĂM 2026", colspan=4, bold=True)],
                    [C("I. Thể chế", colspan=4, bold=True)],
                    cells("1", "Đánh giá quy chế", "Sở Tư pháp", "Quý II/2026"),
                ]
            )
        ],
    ),
    {
        "number": "101/KH-UBND",
        "tasks": [
            task("A.I.1", "Ban hành quy chế", "Sở Tư pháp", "Quý II/2025", "I"),
            task("A.II.2", "Nâng cấp đường truyền", "Sở Khoa học và Công nghệ", "Quý III/2025", "II"),
            task("B.I.1", "Đánh giá quy chế", "Sở Tư pháp", "Quý II/2026", "I"),
        ],
        "rows": {"tasks": 3, "merged": 0, "headings": 5},
    },
)


# 15. lettered sub-tasks "a)", "b)" with their own agencies under a task; a plain title-only row as a
#     sub-heading (numbering restarts under it); a "1 | 2 | 3 | 4" column-numbering row; the table split in
#     two in the Word file (the second part without header, its first row continuing the last task).
H4c = ("TT", "Nội dung", "Cơ quan chủ trì", "Thời gian")
LAYOUTS["15-lettered-subtasks-split.docx"] = (
    Spec(
        heading("120/KH-UBND", "Phú Thọ"),
        [
            SpecTable(
                [
                    cells(*H4c, bold=True),
                    cells("1", "2", "3", "4"),
                    [C("I. NHIỆM VỤ CHUNG", colspan=4, bold=True)],
                    cells("1", "Triển khai phần mềm quản lý văn bản", "Văn phòng UBND tỉnh", "Năm 2025"),
                    cells("a)", "Nâng cấp phần mềm", "Sở Khoa học và Công nghệ", "Quý I/2025"),
                    cells("b)", "Tập huấn người dùng", "Sở Nội vụ", "Quý II/2025"),
                    cells("", "Lĩnh vực văn hóa", "", ""),
                    cells("1", "Số hóa di sản văn hóa", "Sở Văn hóa, Thể thao và Du lịch", "Năm 2026"),
                ]
            ),
            SpecTable(
                [
                    cells("", "và lưu trữ số", "", ""),
                    cells("2", "Xây dựng bảo tàng số", "Sở Văn hóa, Thể thao và Du lịch", "Năm 2027"),
                ]
            ),
        ],
    ),
    {
        "number": "120/KH-UBND",
        "tasks": [
            task("I.1", "Triển khai phần mềm quản lý văn bản", "Văn phòng UBND tỉnh", "Năm 2025", "I"),
            task("I.1.1", "a) Nâng cấp phần mềm", "Sở Khoa học và Công nghệ", "Quý I/2025", "I"),
            task("I.1.2", "b) Tập huấn người dùng", "Sở Nội vụ", "Quý II/2025", "I"),
            task(
                "I.(1).1", "Số hóa di sản văn hóa và lưu trữ số", "Sở Văn hóa, Thể thao và Du lịch", "Năm 2026", "I.(1)"
            ),
            task("I.(1).2", "Xây dựng bảo tàng số", "Sở Văn hóa, Thể thao và Du lịch", "Năm 2027", "I.(1)"),
        ],
        "rows": {"tasks": 5, "merged": 1, "headings": 2, "headers": 2},
    },
)


def write_extractor(spec: Spec, path: Path) -> Path:
    """The layout text extractors make of legal-document pages: a lone "|" before each cell, "| |" ending
    a row, **bold** and *italic* markers, <br> in cells."""
    out = list(spec.heading)
    for table in spec.tables:
        out += table.title
        for row in table.rows:
            for cell in row:
                out.append("|")
                text = cell.text.replace("\n", "<br>")
                if cell.bold and text:
                    text = f"**{text}**"
                if cell.italic and text:
                    text = f"*{text}*"
                out.append(text)
            out.append("| |")
    out += spec.after
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


# 10. the extractor markdown: bold Roman sections, an italic numbered sub-section, <br> in a cell.
LAYOUTS["10-extractor.md"] = (
    Spec(
        heading("33/KH-UBND", "Bắc Kạn"),
        [
            SpecTable(
                [
                    cells("TT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", bold=True),
                    [C("I. NÂNG CAO NHẬN THỨC", bold=True)],
                    cells(
                        "1",
                        "Tuyên truyền về chuyển đổi số",
                        "Sở Văn hóa, Thể thao và Du lịch",
                        "Báo và Phát thanh, Truyền hình tỉnh",
                        "Thường xuyên",
                    ),
                    [C("II. PHÁT TRIỂN HẠ TẦNG", bold=True)],
                    [C("1. Hạ tầng viễn thông", italic=True)],
                    cells(
                        "1",
                        "Phát triển hạ tầng băng rộng\ncố định",
                        "Sở Khoa học và Công nghệ",
                        "Các doanh nghiệp viễn thông",
                        "Năm 2025",
                    ),
                    cells("2", "Xóa vùng lõm sóng", "Sở Khoa học và Công nghệ", "UBND các xã", "Quý IV/2025"),
                ]
            )
        ],
    ),
    {
        "number": "33/KH-UBND",
        "tasks": [
            task("I.1", "Tuyên truyền về chuyển đổi số", "Sở Văn hóa, Thể thao và Du lịch", "Thường xuyên", "I"),
            task("II.1.1", "Phát triển hạ tầng băng rộng cố định", "Sở Khoa học và Công nghệ", "Năm 2025", "II.1"),
            task("II.1.2", "Xóa vùng lõm sóng", "Sở Khoa học và Công nghệ", "Quý IV/2025", "II.1"),
        ],
        "rows": {"tasks": 3, "merged": 0, "headings": 3},
    },
)


def main() -> None:
    for name, (spec, expected) in LAYOUTS.items():
        path = HERE / name
        if name == "10-extractor.md":
            write_extractor(spec, path)
        else:
            WRITERS[path.suffix.lstrip(".")](spec, path)
        (HERE / f"{name}.expected.json").write_text(
            json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        print("wrote", path.name)


if __name__ == "__main__":
    main()
