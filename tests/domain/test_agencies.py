"""The agency directory: the shipped YAML, name matching, cell splitting, groups and succession."""

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.files import SHIPPED_AGENCIES
from models.domain.agencies import Agency, Directory, DirectoryError, Group, UnknownCodeError

DISTRICTS = [
    "ubnd-tp-thai-nguyen",
    "ubnd-tp-song-cong",
    "ubnd-tp-pho-yen",
    "ubnd-huyen-phu-binh",
    "ubnd-huyen-phu-luong",
    "ubnd-huyen-dong-hy",
    "ubnd-huyen-vo-nhai",
    "ubnd-huyen-dinh-hoa",
    "ubnd-huyen-dai-tu",
]
BEFORE_MARCH = date(2025, 2, 1)
AFTER_JULY = date(2026, 1, 1)


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


def codes(agencies: list[Agency]) -> list[str]:
    return [a.code for a in agencies]


# --------------------------------------------------------------------------------------------------
# The real plan: every agency cell resolves
# --------------------------------------------------------------------------------------------------


def _cells(text: str) -> list[str]:
    return [c.strip() for c in text.split("|")]


def plan_agency_cells(path: Path) -> dict[str, str]:
    """Agency cells of the plan, keyed "I-8.3 monitor", "II-5 lead", "II-5 coord".

    Table cells end with " |"; Phụ lục I rows are TT, indicator, unit, target, monitoring agency;
    Phụ lục II rows are TT ("5."), task, lead, coordinating, output, deadline.
    """
    text = path.read_text(encoding="utf-8")
    start_1, start_2 = text.index("PHỤ LỤC I:"), text.index("PHỤ LỤC II:")
    out: dict[str, str] = {}
    cells = _cells(text[start_1:start_2])
    i = 0
    while i < len(cells):
        if re.fullmatch(r"\d+(?:\.\d+)?", cells[i]) and i + 4 < len(cells):
            out[f"I-{cells[i]} monitor"] = cells[i + 4]
            i += 5
        else:
            i += 1
    cells = _cells(text[start_2:])
    i = 0
    while i < len(cells):
        if re.fullmatch(r"\d+\.", cells[i]) and i + 5 < len(cells):
            number = cells[i].rstrip(".")
            out[f"II-{number} lead"] = cells[i + 2]
            out[f"II-{number} coord"] = cells[i + 3]
            i += 6
        else:
            i += 1
    return out


def test_plan_extraction_finds_every_row(plan_path: Path) -> None:
    cells = plan_agency_cells(plan_path)
    tasks = sorted({int(k.split()[0][3:]) for k in cells if k.startswith("II-")})
    assert tasks == list(range(1, 69))
    indicators = [k for k in cells if k.startswith("I-")]
    assert len(indicators) == 42  # 1..28 with 8.1–8.12, 18.1, 18.2
    assert cells["II-1 coord"].endswith("Báo Thái Nguyên Trung tâm Thông tin tỉnh")


def test_every_plan_agency_cell_resolves_with_nothing_left_over(directory: Directory, plan_path: Path) -> None:
    problems = {}
    for where, cell in plan_agency_cells(plan_path).items():
        result = directory.resolve_cell(cell)
        if result.unresolved:
            problems[where] = (cell, result.unresolved)
        if cell.strip():
            assert result.entries, where
    assert problems == {}


def test_every_task_has_a_resolved_lead(directory: Directory, plan_path: Path) -> None:
    cells = plan_agency_cells(plan_path)
    for n in range(1, 69):
        assert directory.resolve_cell(cells[f"II-{n} lead"]).entries, n


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Đài phát thanh - truyền hình tỉnh, Báo Thái Nguyên Trung tâm Thông tin tỉnh",
            ["dai-ptth", "bao-thai-nguyen", "tt-thong-tin-tinh"],
        ),
        (
            "Sở Thông tin và Truyền thông và các Sở, ban, ngành; UBND các huyện, thành phố",
            ["so-tttt", "so-ban-nganh", "ubnd-cap-huyen"],
        ),
        ("Sở Khoa học và Công nghệ và các sở ngành, địa phương", ["so-khcn", "so-nganh-dia-phuong"]),
        ("Sở Tài chính và các đơn vị có liên quan", ["so-tai-chinh", "don-vi-lien-quan"]),
        (
            "Sở Thông tin và Truyền thông, Sở Xây dựng. UBND các thành phố: Phổ Yên, Sông Công, Thái Nguyên",
            ["so-tttt", "so-xay-dung", "ubnd-tp-pho-yen", "ubnd-tp-song-cong", "ubnd-tp-thai-nguyen"],
        ),
        (
            "UBND các thành phố: Thái Nguyên, Sông Công, Phổ Yên",
            ["ubnd-tp-thai-nguyen", "ubnd-tp-song-cong", "ubnd-tp-pho-yen"],
        ),
        ("UBND huyện Phú Bình, UBND thành phố Phổ Yên", ["ubnd-huyen-phu-binh", "ubnd-tp-pho-yen"]),
        (
            "Các cơ quan Đảng, HĐND, Tòa án nhân dân, Viện Kiểm sát nhân dân, Công an tỉnh; Sở Tư pháp; Thanh tra tỉnh",
            [
                "co-quan-dang",
                "hdnd-tinh",
                "tand-tinh",
                "vksnd-tinh",
                "cong-an-tinh",
                "so-tu-phap",
                "thanh-tra-tinh",
            ],
        ),
        (
            "Sở Ngoại vụ; các sở, ngành, địa phương, doanh nghiệp liên quan, "
            "các cơ quan đại diện Việt Nam ở nước ngoài",
            ["so-ngoai-vu", "so-nganh-dia-phuong", "dn-lien-quan", "co-quan-dai-dien-nn"],
        ),
        (
            "Sở Khoa học, Công nghệ, Sở Thông tin và Truyền thông, Sở Kế hoạch và Đầu tư",
            ["so-khcn", "so-tttt", "so-khdt"],
        ),
        (
            "Các Sở, ban, ngành, đoàn thể; UBND các huyện, thành phố",
            ["so-ban-nganh-doan-the", "ubnd-cap-huyen"],
        ),
        ("Các Sở, ban, ngành; UBND cấp huyện, thành phố", ["so-ban-nganh", "ubnd-cap-huyen"]),
        (
            "Công an tỉnh, Văn phòng UBND tỉnh; Sở, ban, ngành; UBND các huyện, thành phố",
            ["cong-an-tinh", "vp-ubnd-tinh", "so-ban-nganh", "ubnd-cap-huyen"],
        ),
        ("Chi nhánh Ngân hàng nhà nước Việt Nam, Sở Tài chính", ["nhnn-thai-nguyen", "so-tai-chinh"]),
    ],
)
def test_real_cells_split_into_the_right_names(directory: Directory, cell: str, expected: list[str]) -> None:
    result = directory.resolve_cell(cell)
    assert result.codes == expected
    assert result.unresolved == []


def test_enumeration_keeps_the_wording_per_item(directory: Directory) -> None:
    result = directory.resolve_cell("UBND các thành phố: Thái Nguyên, Sông Công, Phổ Yên")
    assert [e.raw for e in result.entries] == [
        "UBND các thành phố: Thái Nguyên",
        "UBND các thành phố: Sông Công",
        "UBND các thành phố: Phổ Yên",
    ]
    assert {e.via for e in result.entries} == {"enumeration"}
    assert not any(e.is_group for e in result.entries)


def test_enumeration_of_districts_and_departments(directory: Directory) -> None:
    result = directory.resolve_cell("Các Sở: Tư pháp, Nội vụ và Y tế; UBND các huyện, thành phố: Phú Bình, Phổ Yên")
    assert result.codes == ["so-tu-phap", "so-noi-vu", "so-y-te", "ubnd-huyen-phu-binh", "ubnd-tp-pho-yen"]
    assert result.unresolved == []


def test_missing_comma_is_read_as_two_names_with_a_warning(directory: Directory) -> None:
    result = directory.resolve_cell("Báo Thái Nguyên Trung tâm Thông tin tỉnh")
    assert result.codes == ["bao-thai-nguyen", "tt-thong-tin-tinh"]
    assert any("no separator" in w for w in result.warnings)


# --------------------------------------------------------------------------------------------------
# Matching one name
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Sỏ Khoa học và Công nghệ", "so-khcn"),
        ("Sở Khoa học, Công nghệ", "so-khcn"),
        ("Sở KH&CN", "so-khcn"),
        ("Sở Tài nguyên và môi trường", "so-tnmt"),
        ("Sở VHTT&DL", "so-vhttdl"),
        ("Sở VHTT & DL", "so-vhttdl"),
        ("Ban Quản lý các KCN Thái Nguyên", "ban-ql-kcn"),
        ("Ban quản lý các Khu công nghiệp Thái Nguyên", "ban-ql-kcn"),
        ("Chi nhánh Ngân hàng nhà nước Việt Nam", "nhnn-thai-nguyen"),
        ("Ngân hàng nhà nước Việt Nam tỉnh Thái Nguyên", "nhnn-thai-nguyen"),
        ("Đài phát thanh - truyền hình tỉnh", "dai-ptth"),
        ("Báo Thái Nguyên", "bao-thai-nguyen"),
        ("Trung tâm Thông tin tỉnh", "tt-thong-tin-tinh"),
        ("Cục Thuế tỉnh", "cuc-thue"),
        ("Liên minh Hợp tác xã tỉnh", "lien-minh-htx"),
        ("Đại học Thái Nguyên", "dai-hoc-thai-nguyen"),
        ("Đại học Thái nguyên", "dai-hoc-thai-nguyen"),
        ("Văn phòng UBND tỉnh", "vp-ubnd-tinh"),
        ("Trung tâm Phục vụ Hành chính công tỉnh", "ttpv-hcc-tinh"),
        ("Trung tâm Phục vụ hành chính công tỉnh", "ttpv-hcc-tinh"),
        ("Thanh tra tỉnh", "thanh-tra-tinh"),
        ("HĐND", "hdnd-tinh"),
        ("Hội đồng nhân dân tỉnh", "hdnd-tinh"),
        ("Tòa án nhân dân", "tand-tinh"),
        ("Viện Kiểm sát nhân dân", "vksnd-tinh"),
        ("Sở Ngoại vụ", "so-ngoai-vu"),
        ("Sở Lao động - Thương binh và Xã hội", "so-ldtbxh"),
        ("Sở Lao động, Thương binh và Xã hội", "so-ldtbxh"),
        ("Sở Lao động – Thương binh và Xã hội", "so-ldtbxh"),  # en dash
        ("Sở Văn hóa, Thể thao và Du lịch", "so-vhttdl"),
        ("Sở Văn hoá, Thể thao và Du lịch", "so-vhttdl"),  # old-style tone placement
        ("Uỷ ban nhân dân tỉnh Thái Nguyên", "ubnd-tinh"),
        ("UBND TP. Phổ Yên", "ubnd-tp-pho-yen"),
        ("Ủy ban nhân dân thành phố Phổ Yên", "ubnd-tp-pho-yen"),
        ("Sở Tư pháp tỉnh Thái Nguyên", "so-tu-phap"),  # qualifier absorbed
        ("Các Sở, ban, ngành", "so-ban-nganh"),
        ("UBND các huyện, thành phố", "ubnd-cap-huyen"),
        ("UBND cấp huyện, thành phố", "ubnd-cap-huyen"),
        ("UBND các xã, phường", "ubnd-cap-xa"),
        ("các sở, ngành, địa phương", "so-nganh-dia-phuong"),
        ("các sở, ngành có liên quan", "so-nganh-lien-quan"),
        ("các cơ quan, đơn vị có liên quan", "don-vi-lien-quan"),
        ("các đơn vị có liên quan", "don-vi-lien-quan"),
        ("Các cơ quan Đảng", "co-quan-dang"),
        ("các doanh nghiệp viễn thông", "dn-vien-thong"),
        ("doanh nghiệp liên quan", "dn-lien-quan"),
        ("các cơ quan đại diện Việt Nam ở nước ngoài", "co-quan-dai-dien-nn"),
        ("Các Sở, ban, ngành, đoàn thể", "so-ban-nganh-doan-the"),
        ("các địa phương", "cac-dia-phuong"),
        ("so-khcn", "so-khcn"),  # a code is a name too
    ],
)
def test_match_spellings(directory: Directory, name: str, code: str) -> None:
    entry = directory.match(name)
    assert entry is not None, name
    assert entry.code == code


def test_match_ignores_case_spacing_and_normal_form(directory: Directory) -> None:
    target = directory.match("Sở Khoa học và Công nghệ")
    assert target is not None
    assert directory.match("  sở   KHOA học  và\u00a0công NGHỆ ") is target
    assert directory.match(unicodedata.normalize("NFD", "Sở Khoa học và Công nghệ")) is target
    assert directory.match("Sở Khoa học và Công nghệ\u200b") is target


def test_match_keeps_diacritics_meaningful_and_only_suggests_without_them(directory: Directory) -> None:
    # Issue 10 point 6: a match without diacritics never routes; it is a suggestion an officer confirms.
    assert directory.match("So Khoa hoc va Cong nghe") is None
    suggested = directory.suggest("So Khoa hoc va Cong nghe")
    assert suggested is not None and suggested.code == "so-khcn"
    result = directory.resolve_cell("So Tu phap")
    assert result.codes == []
    assert result.unresolved == ["So Tu phap"]
    assert [s.as_json() for s in result.suggestions] == [
        {"name": "So Tu phap", "code": "so-tu-phap", "why": "no-diacritics"}
    ]
    assert any("without diacritics" in w for w in result.warnings)


def test_match_returns_none_for_unknown_or_several(directory: Directory) -> None:
    assert directory.match("Sở Vũ trụ") is None
    assert directory.match("Sở Y tế, Sở Tư pháp") is None
    assert directory.match("") is None
    assert directory.match("Sở Y tế và phòng ban khác") is None


def test_nfd_cell_resolves_like_nfc_and_reports_nfc(directory: Directory, plan_path: Path) -> None:
    for cell in plan_agency_cells(plan_path).values():
        nfd = unicodedata.normalize("NFD", cell)
        a, b = directory.resolve_cell(cell), directory.resolve_cell(nfd)
        assert a.codes == b.codes
        assert [e.raw for e in b.entries] == [e.raw for e in a.entries]
        assert all(unicodedata.is_normalized("NFC", e.raw) for e in b.entries)


def test_names_with_commas_stay_whole(directory: Directory) -> None:
    for cell, code in [
        ("Sở Văn hóa, Thể thao và Du lịch", "so-vhttdl"),
        ("Các Sở, ban, ngành", "so-ban-nganh"),
        ("Sở Lao động - Thương binh và Xã hội", "so-ldtbxh"),
        ("Sở Lao động, Thương binh và Xã hội", "so-ldtbxh"),
    ]:
        assert directory.resolve_cell(cell).codes == [code], cell
    result = directory.resolve_cell("Sở Văn hóa, Thể thao và Du lịch, Sở Lao động - Thương binh và Xã hội, Sở Y tế")
    assert result.codes == ["so-vhttdl", "so-ldtbxh", "so-y-te"]


def test_va_inside_names_and_between_names(directory: Directory) -> None:
    result = directory.resolve_cell("Sở Khoa học và Công nghệ và Sở Kế hoạch và Đầu tư")
    assert result.codes == ["so-khcn", "so-khdt"]
    assert [e.raw for e in result.entries] == ["Sở Khoa học và Công nghệ", "Sở Kế hoạch và Đầu tư"]


def test_semicolon_always_ends_a_name(directory: Directory) -> None:
    # "Sở Văn hóa; Thể thao và Du lịch" is not the department: the ";" splits it.
    result = directory.resolve_cell("Sở Văn hóa; Thể thao và Du lịch")
    assert "so-vhttdl" not in result.codes
    assert result.unresolved == ["Sở Văn hóa", "Thể thao và Du lịch"]


def test_leftovers_are_reported_never_dropped(directory: Directory) -> None:
    result = directory.resolve_cell("Sở Tư pháp, Phòng Cảnh sát kinh tế và Sở Y tế; Ban Vũ trụ tỉnh")
    assert result.codes == ["so-tu-phap", "so-y-te"]
    assert result.unresolved == ["Phòng Cảnh sát kinh tế", "Ban Vũ trụ tỉnh"]
    assert not result.ok


def test_empty_cell(directory: Directory) -> None:
    result = directory.resolve_cell("  ")
    assert (result.entries, result.unresolved, result.warnings) == ([], [], [])


def test_repeated_name_is_kept_once_with_a_warning(directory: Directory) -> None:
    result = directory.resolve_cell("Sở Y tế, Sở Tư pháp, Sở y tế")
    assert result.codes == ["so-y-te", "so-tu-phap"]
    assert any("again" in w for w in result.warnings)


def test_open_ended_groups_resolve_and_warn(directory: Directory) -> None:
    result = directory.resolve_cell("Sở Tài chính và các đơn vị có liên quan")
    group = result.entries[1]
    assert group.is_group and group.open_ended
    assert any("open-ended" in w and "cán bộ" in w for w in result.warnings)
    assert directory.route("don-vi-lien-quan", AFTER_JULY) == []
    assert "so-khcn" in codes(directory.candidates("don-vi-lien-quan", AFTER_JULY))


def test_resolve_with_a_date_warns_about_dissolved_agencies(directory: Directory) -> None:
    result = directory.resolve_cell("Sở Thông tin và Truyền thông; UBND các huyện, thành phố", on=AFTER_JULY)
    assert len(result.warnings) == 2
    assert "Sở Khoa học và Công nghệ" in result.warnings[0]
    assert directory.resolve_cell("Sở Thông tin và Truyền thông", on=BEFORE_MARCH).warnings == []


# --------------------------------------------------------------------------------------------------
# Groups
# --------------------------------------------------------------------------------------------------


def test_district_group_has_the_nine_units(directory: Directory) -> None:
    group = directory.groups["ubnd-cap-huyen"]
    assert list(group.members) == DISTRICTS
    assert codes(directory.route("ubnd-cap-huyen", BEFORE_MARCH)) == DISTRICTS
    assert codes(directory.route("ubnd-cap-huyen", date(2025, 6, 30))) == DISTRICTS


def test_departments_group_follows_the_date(directory: Directory) -> None:
    before = codes(directory.route("so-ban-nganh", BEFORE_MARCH))
    after = codes(directory.route("so-ban-nganh", AFTER_JULY))
    assert "so-tttt" in before and "so-nnmt" not in before
    assert "so-tttt" not in after and "so-nnmt" in after
    assert {"so-khcn", "so-tai-chinh", "ban-ql-kcn", "cong-an-tinh"} <= set(after)
    assert len(after) == len(set(after))
    assert all(directory.agencies[c].kind in ("so", "ban_nganh", "nganh_doc") for c in after)


def test_nested_groups_expand_without_duplicates_in_a_stable_order(directory: Directory) -> None:
    first = codes(directory.route("so-nganh-dia-phuong", BEFORE_MARCH))
    assert first == codes(directory.route("so-nganh-dia-phuong", BEFORE_MARCH))
    assert len(first) == len(set(first))
    assert first[: len(codes(directory.route("so-ban-nganh", BEFORE_MARCH)))] == codes(
        directory.route("so-ban-nganh", BEFORE_MARCH)
    )
    assert first[-9:] == DISTRICTS
    with_doan_the = codes(directory.route("so-ban-nganh-doan-the", AFTER_JULY))
    assert "ubmttq-tinh" in with_doan_the and "ldld-tinh" in with_doan_the


def test_members_lists_every_agency_a_group_can_expand_to(directory: Directory) -> None:
    members = directory.members("so-nganh-dia-phuong")
    assert "so-tttt" in members and "so-nnmt" in members
    assert set(DISTRICTS) <= set(members)
    assert directory.members("so-y-te") == ["so-y-te"]


# --------------------------------------------------------------------------------------------------
# Succession
# --------------------------------------------------------------------------------------------------


def test_route_so_tttt(directory: Directory) -> None:
    after = directory.route("so-tttt", date(2026, 1, 1))
    before = directory.route("so-tttt", date(2025, 2, 1))
    assert [a.name for a in after] == ["Sở Khoa học và Công nghệ"]
    assert [a.name for a in before] == ["Sở Thông tin và Truyền thông"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("so-tttt", "so-khcn"),
        ("so-khdt", "so-tai-chinh"),
        ("so-gtvt", "so-xay-dung"),
        ("so-tnmt", "so-nnmt"),
        ("so-nnptnt", "so-nnmt"),
        ("so-ldtbxh", "so-noi-vu"),
    ],
)
def test_decree_45_successions(directory: Directory, old: str, new: str) -> None:
    agency = directory.agencies[old]
    assert agency.successor == new
    assert agency.valid_to == date(2025, 2, 28)
    assert agency.succeeded_on == date(2025, 3, 1)
    assert agency.legal_basis is not None and "45/2025/NĐ-CP" in agency.legal_basis
    assert codes(directory.route(old, date(2025, 2, 28))) == [old]
    assert codes(directory.route(old, date(2025, 3, 1))) == [new]


def test_new_department_does_not_exist_before_it_was_created(directory: Directory) -> None:
    assert directory.route("so-nnmt", BEFORE_MARCH) == []
    assert directory.predecessors("so-nnmt") == ["so-tnmt", "so-nnptnt"]


@pytest.mark.parametrize("district", DISTRICTS)
def test_district_ubnds_hand_over_to_their_own_communes(directory: Directory, district: str) -> None:
    agency = directory.agencies[district]
    assert (agency.successor, agency.succeeded_on) == (f"xa-sau-{district}", date(2025, 7, 1))
    assert agency.legal_basis is not None and "203/2025/QH15" in agency.legal_basis
    assert codes(directory.route(district, date(2025, 6, 30))) == [district]
    communes = directory.route(district, date(2025, 7, 1))
    # Only the communes formed (at least in part) from this district's units, per config/communes.csv.
    assert communes and all(a.kind == "ubnd_xa" and not a.sample for a in communes)
    name = agency.name.removeprefix("UBND ")
    assert all(any(d.lower() == name.lower() for d in a.former_districts) for a in communes)


def test_district_group_routes_to_commune_group_after_july(directory: Directory) -> None:
    routing = directory.routing("ubnd-cap-huyen", AFTER_JULY)
    assert isinstance(routing.original, Group) and routing.original.name == "UBND các huyện, thành phố"
    assert codes(routing.agencies) == codes(directory.route("ubnd-cap-xa", AFTER_JULY))
    assert [(s.from_code, s.to_code) for s in routing.steps] == [("ubnd-cap-huyen", "ubnd-cap-xa")]
    assert routing.changed
    # "các địa phương" lists the district group: after July it reaches the communes too.
    assert codes(directory.route("cac-dia-phuong", AFTER_JULY)) == codes(routing.agencies)
    assert codes(directory.route("cac-dia-phuong", BEFORE_MARCH)) == DISTRICTS


def test_routing_keeps_the_original_wording(directory: Directory) -> None:
    routings = directory.route_cell("Sở Thông tin và Truyền thông, Sở Y tế", AFTER_JULY)
    assert [(r.raw, r.original.code, codes(r.agencies)) for r in routings] == [
        ("Sở Thông tin và Truyền thông", "so-tttt", ["so-khcn"]),
        ("Sở Y tế", "so-y-te", ["so-y-te"]),
    ]
    assert [r.changed for r in routings] == [True, False]


def test_unknown_code(directory: Directory) -> None:
    with pytest.raises(UnknownCodeError, match="nope"):
        directory.route("nope", AFTER_JULY)


def _mini(**overrides: object) -> dict:
    data: dict = {
        "standing_agency": "a",
        "agencies": [
            {"code": "a", "name": "Sở A", "kind": "so", "valid_to": "2025-02-28", "successor": "b"},
            {"code": "b", "name": "Sở B", "kind": "so", "valid_from": "2025-03-01", "valid_to": "2025-06-30",
             "successor": "c", "legal_basis": "test"},
            {"code": "c", "name": "Sở C", "kind": "so", "valid_from": "2025-07-01"},
            {"code": "d", "name": "Sở D", "kind": "so"},
        ],
        "groups": [
            {"code": "g", "name": "Các sở thử", "members": ["a", "d"]},
        ],
    }  # fmt: skip
    data.update(overrides)
    return data


def test_succession_chains() -> None:
    d = Directory.from_dict(_mini())
    assert d.agencies["a"].succeeded_on == date(2025, 3, 1)  # derived from valid_to
    assert codes(d.route("a", date(2025, 1, 1))) == ["a"]
    assert codes(d.route("a", date(2025, 5, 1))) == ["b"]
    routing = d.routing("a", date(2025, 8, 1))
    assert codes(routing.agencies) == ["c"]
    assert [(s.from_code, s.to_code) for s in routing.steps] == [("a", "b"), ("b", "c")]
    assert d.successor_chain("a") == ["a", "b", "c"]
    assert codes(d.route("g", date(2025, 8, 1))) == ["c", "d"]
    assert codes(d.route("g", date(2025, 1, 1))) == ["a", "d"]


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["agencies"][3].update(successor="zz", valid_to="2025-01-01"),
            "agency 'd': successor 'zz'",
        ),
        (lambda d: d["groups"][0].update(members=["a", "zz"]), "group 'g': member 'zz'"),
        (
            lambda d: d["agencies"].append({"code": "d", "name": "Sở D2", "kind": "so"}),
            "agency 'd': duplicate code",
        ),
        (
            lambda d: d["groups"].append({"code": "a", "name": "Nhóm A", "members": ["d"]}),
            "group 'a': duplicate code",
        ),
        (
            lambda d: d["agencies"][3].update(aliases=["Sở  a"]),
            "agency 'd': alias 'Sở a' also names agency 'a'",
        ),
        (lambda d: d["groups"][0].update(aliases=["SỞ B"]), "group 'g': alias 'SỞ B' also names agency 'b'"),
        (lambda d: d.update(standing_agency="zz"), "standing_agency 'zz'"),
        (lambda d: d["agencies"][2].update(successor="a", valid_to="2026-01-01"), "succession cycle"),
        (lambda d: d["groups"].append({"code": "h", "name": "H", "members": ["g", "h"]}), "group 'h'"),
        (lambda d: d["agencies"][3].update(kind="bogus"), "agency 'd': kind 'bogus'"),
        (lambda d: d["agencies"][3].update(email="not-an-email"), "agency 'd': 'email'"),
        (lambda d: d["agencies"][3].update(phone="123"), "agency 'd': 'phone'"),
        (lambda d: d["agencies"][3].update(code="Sở D"), "must be lower-case ascii"),
        (lambda d: d["agencies"][3].update(colour="red"), "agency 'd': unknown field(s) colour"),
        (lambda d: d["agencies"][3].update(successor="c"), "agency 'd': a successor needs"),
        (lambda d: d["groups"][0].update(members=[]), "group 'g': a group needs"),
    ],
)
def test_validation_errors_name_the_entry(change, message: str) -> None:
    data = _mini()
    change(data)
    with pytest.raises(DirectoryError) as info:
        Directory.from_dict(data)
    assert message in str(info.value)


def test_load_reports_the_file_and_all_problems(tmp_path: Path) -> None:
    data = _mini()
    data["agencies"][3]["successor"] = "zz"
    data["agencies"][3]["valid_to"] = "2025-01-01"
    data["groups"][0]["members"] = ["yy"]
    path = tmp_path / "agencies.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DirectoryError) as info:
        Directory.load(path)
    assert str(path) in str(info.value)
    assert len(info.value.problems) == 2


def test_load_rejects_broken_yaml(tmp_path: Path) -> None:
    path = tmp_path / "agencies.yaml"
    path.write_text("agencies: [\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match="not valid YAML"):
        Directory.load(path)


# --------------------------------------------------------------------------------------------------
# The shipped file
# --------------------------------------------------------------------------------------------------


def test_shipped_directory_basics(directory: Directory) -> None:
    assert directory.source == str(SHIPPED_AGENCIES)
    assert directory.standing_agency == "so-khcn"
    assert directory.standing.name == "Sở Khoa học và Công nghệ"
    for code in ("so-khcn", "so-tttt", "cong-an-tinh", "ubnd-tp-pho-yen"):
        assert code in directory.agencies
    assert "ubnd-cap-xa" in directory.groups
    for entry in directory.entries():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", entry.code)


def test_shipped_names_are_nfc_and_contacts_are_clearly_fake(directory: Directory) -> None:
    raw = SHIPPED_AGENCIES.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    assert "FAKE" in raw.split("version:")[0]
    assert directory.demo is True
    provincial = [a for a in directory.agencies.values() if not a.national]
    for agency in provincial:
        for email in (agency.email, agency.head.email):
            assert email and email.endswith("@thainguyen.example"), agency.code
        for phone in (agency.phone, agency.head.phone):
            assert phone and re.fullmatch(r"\+8490000\d{4}", phone), agency.code
        assert agency.zalo_user_id and agency.zalo_user_id.startswith("demo-")
        assert agency.head.name and "(demo)" in agency.head.name
    phones = [a.phone for a in provincial] + [a.head.phone for a in provincial]
    assert len(phones) == len(set(phones))


def test_shipped_communes_are_the_92_units_of_resolution_1683(directory: Directory) -> None:
    communes = [a for a in directory.agencies.values() if a.kind == "ubnd_xa"]
    assert len(communes) == 92  # Nghị quyết 1683/NQ-UBTVQH15, Điều 1 khoản 91: 77 xã, 15 phường
    assert sum(a.name.startswith("UBND phường ") for a in communes) == 15
    assert all(not a.sample and a.valid_from == date(2025, 7, 1) and a.former_districts for a in communes)
    assert all(a.legal_basis and "1683/NQ-UBTVQH15" in a.legal_basis for a in communes)


def test_with_contacts_replaces_given_fields_only(directory: Directory) -> None:
    class Update:
        code = "so-y-te"

        def fields(self) -> dict[str, str]:
            return {"email": "moi@thainguyen.example", "head_name": "Lê Thị Demo (demo)"}

    updated = directory.with_contacts([Update()])
    agency = updated.agencies["so-y-te"]
    assert agency.email == "moi@thainguyen.example"
    assert agency.head.name == "Lê Thị Demo (demo)"
    assert agency.phone == directory.agencies["so-y-te"].phone
    assert directory.agencies["so-y-te"].email != agency.email  # the original is untouched
    assert updated.match("Sở Y tế") is agency


def test_enumeration_without_colon_needs_two_items(directory: Directory) -> None:
    assert directory.resolve_cell("UBND các huyện, thành phố Thái Nguyên").codes == ["ubnd-cap-huyen"]
    assert directory.resolve_cell("UBND các thành phố Thái Nguyên, Sông Công").codes == [
        "ubnd-tp-thai-nguyen",
        "ubnd-tp-song-cong",
    ]
    assert directory.resolve_cell("UBND các thành phố: Sông Công").codes == ["ubnd-tp-song-cong"]


_KNOWN = [
    "Sở Y tế",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Các Sở, ban, ngành",
    "UBND các huyện, thành phố",
    "Sở Khoa học và Công nghệ",
    "Công an tỉnh",
    "các đơn vị có liên quan",
    "Sở Lao động - Thương binh và Xã hội",
]
_JUNK = ["Phòng Kỹ thuật", "Hội đồng Thẩm định", "Ban Vũ trụ", "Trạm Khí tượng"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.tuples(st.sampled_from(_KNOWN + _JUNK), st.sampled_from([", ", "; ", " và ", ". "])), max_size=6)
)
def test_property_known_names_found_in_order_and_junk_never_dropped(
    directory: Directory, parts: list[tuple[str, str]]
) -> None:
    cell = "".join(name + sep for name, sep in parts)
    result = directory.resolve_cell(cell)
    expected: list[str] = []
    for name, _ in parts:
        if name in _KNOWN:
            entry = directory.match(name)
            assert entry is not None
            if entry.code not in expected:
                expected.append(entry.code)
    assert result.codes == expected
    junk = [name for name, _ in parts if name in _JUNK]
    # Each junk name is reported (adjacent junk names joined by "," or "và" may come as one piece).
    reported = " | ".join(result.unresolved)
    assert all(name in reported for name in junk)
    assert bool(result.unresolved) == bool(junk)
