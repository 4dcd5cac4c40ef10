"""Agencies of other issuers (issue 10 point 6): national bodies, the issuer's scope, names that contain
"số"/"và"/"thành phố", lists and distributions, and suggestions instead of fuzzy routing. Pure: no database.

The table below holds agency cells as they are written in national documents (Government, Prime
Minister, ministries) and in other provinces' plans, with the resolution each must get."""

import copy
import unicodedata
from datetime import date
from typing import Any

import pytest
import yaml

from config.files import SHIPPED_AGENCIES
from models.domain.agencies import Directory, DirectoryError

AFTER_MERGER = date(2025, 9, 1)
BEFORE_MERGER = date(2025, 2, 1)
NATIONAL_FILE = SHIPPED_AGENCIES.parent / "national_bodies.yaml"


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


@pytest.fixture(scope="module")
def shipped_data() -> dict[str, Any]:
    return yaml.safe_load(SHIPPED_AGENCIES.read_text(encoding="utf-8"))


def _sugg(*pairs: tuple[str, str]) -> list[tuple[str, str]]:
    return list(pairs)


# (scope, cell, codes resolved, names left unresolved, suggestions (code, why))
CELLS: list[tuple[str, str, list[str], list[str], list[tuple[str, str]]]] = [
    # ---- national documents: ministries as reorganised in 2025 and the ones they absorbed ----------
    ("national", "Bộ Khoa học và Công nghệ", ["tw-bo-khcn"], [], []),
    ("national", "Bộ Thông tin và Truyền thông", ["tw-bo-tttt"], [], []),
    ("national", "Bộ Kế hoạch và Đầu tư, Bộ Tài chính", ["tw-bo-khdt", "tw-bo-tai-chinh"], [], []),
    (
        "national",
        "Bộ Công an, Bộ Tài chính, Bộ Nội vụ và các bộ, ngành",
        ["tw-bo-cong-an", "tw-bo-tai-chinh", "tw-bo-noi-vu", "tw-bo-nganh"],
        [],
        [],
    ),
    ("national", "Bộ Nông nghiệp và Môi trường", ["tw-bo-nnmt"], [], []),
    (
        "national",
        "Bộ Tài nguyên và Môi trường; Bộ Nông nghiệp và Phát triển nông thôn",
        ["tw-bo-tnmt", "tw-bo-nnptnt"],
        [],
        [],
    ),
    ("national", "Bộ Văn hóa, Thể thao và Du lịch", ["tw-bo-vhttdl"], [], []),
    ("national", "Bộ Lao động - Thương binh và Xã hội", ["tw-bo-ldtbxh"], [], []),
    ("national", "Bộ GD&ĐT", ["tw-bo-gddt"], [], []),
    ("national", "Bộ Y tế, Bảo hiểm xã hội Việt Nam", ["tw-bo-y-te", "tw-bhxh-viet-nam"], [], []),
    ("national", "Ngân hàng Nhà nước Việt Nam", ["tw-nhnn"], [], []),
    ("national", "Văn phòng Chính phủ, Thanh tra Chính phủ", ["tw-vpcp", "tw-thanh-tra-chinh-phu"], [], []),
    ("national", "NHNN, VPCP", ["tw-nhnn", "tw-vpcp"], [], []),
    ("national", "Ủy ban Dân tộc", ["tw-uy-ban-dan-toc"], [], []),
    # ---- national documents: courts, audit, Front, government agencies ----------------------------
    (
        "national",
        "Tòa án nhân dân tối cao, Viện kiểm sát nhân dân tối cao",
        ["tw-tand-toi-cao", "tw-vksnd-toi-cao"],
        [],
        [],
    ),
    ("national", "Kiểm toán nhà nước", ["tw-kiem-toan-nha-nuoc"], [], []),
    ("national", "Ủy ban Trung ương Mặt trận Tổ quốc Việt Nam", ["tw-ubtw-mttq"], [], []),
    (
        "national",
        "Đài Truyền hình Việt Nam, Đài Tiếng nói Việt Nam, Thông tấn xã Việt Nam",
        ["tw-dai-truyen-hinh", "tw-dai-tieng-noi", "tw-thong-tan-xa"],
        [],
        [],
    ),
    (
        "national",
        "Viện Hàn lâm Khoa học và Công nghệ Việt Nam; Viện Hàn lâm Khoa học xã hội Việt Nam",
        ["tw-vien-han-lam-khcn", "tw-vien-han-lam-khxh"],
        [],
        [],
    ),
    (
        "national",
        "Đại học Quốc gia Hà Nội, Đại học Quốc gia Thành phố Hồ Chí Minh",
        ["tw-dhqg-ha-noi", "tw-dhqg-hcm"],
        [],
        [],
    ),
    ("national", "Bộ Quốc phòng (Ban Cơ yếu Chính phủ)", ["tw-bo-quoc-phong"], ["Ban Cơ yếu Chính phủ"], []),
    # ---- national documents: the provinces are this province ---------------------------------------
    ("national", "Các bộ, ngành, địa phương", ["tw-bo-nganh-dia-phuong"], [], []),
    ("national", "Các bộ, ngành và địa phương", ["tw-bo-nganh-dia-phuong"], [], []),
    ("national", "UBND các tỉnh, thành phố trực thuộc trung ương", ["tw-dia-phuong"], [], []),
    ("national", "Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương", ["tw-dia-phuong"], [], []),
    ("national", "Các địa phương", ["tw-dia-phuong"], [], []),
    (
        "national",
        "Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ, UBND các tỉnh, thành phố trực thuộc trung ương",
        ["tw-bo-nganh-dia-phuong"],
        [],
        [],
    ),
    ("national", "Sở Tài chính các tỉnh, thành phố", ["so-tai-chinh"], [], []),
    ("national", "Công an các tỉnh, thành phố", ["cong-an-tinh"], [], []),
    ("national", "Đài Phát thanh - Truyền hình các tỉnh", ["dai-ptth"], [], []),
    ("national", "Trung tâm Chuyển đổi số các tỉnh", [], ["Trung tâm Chuyển đổi số các tỉnh"], []),
    ("national", "UBND các tỉnh, TP trực thuộc TW", ["tw-dia-phuong"], [], []),  # "TW" = "Trung ương"
    ("national", "Các bộ, ngành TW", ["tw-bo-nganh"], [], []),
    (
        "national",
        "Ủy ban Trung ương MTTQ Việt Nam, Tổng Liên đoàn Lao động Việt Nam",
        ["tw-ubtw-mttq", "tw-tong-ldld"],
        [],
        [],
    ),
    ("national", "Liên minh Hợp tác xã Việt Nam", ["tw-lien-minh-htx"], [], []),
    ("own", "Liên minh Hợp tác xã tỉnh", ["lien-minh-htx"], [], []),
    # ---- national documents: lists, distributions, unknown names -----------------------------------
    (
        "national",
        "Các Bộ: Công an, Quốc phòng, Ngoại giao",
        ["tw-bo-cong-an", "tw-bo-quoc-phong", "tw-bo-ngoai-giao"],
        [],
        [],
    ),
    ("national", "Các Bộ: Tài chính, Kế hoạch và Đầu tư", ["tw-bo-tai-chinh", "tw-bo-khdt"], [], []),
    (
        "national",
        "Các Cục: Chuyển đổi số quốc gia, Bưu điện Trung ương",
        [],
        ["Cục Chuyển đổi số quốc gia", "Cục Bưu điện Trung ương"],
        [],
    ),
    (
        "national",
        "Bộ Khoa học và Công nghệ chủ trì, các bộ, ngành phối hợp",
        ["tw-bo-khcn", "tw-bo-nganh"],
        [],  # "chủ trì", "phối hợp" are remarks, not agencies
        [],
    ),
    (
        "national",
        "Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và Công nghệ)",
        ["tw-bo-tttt", "tw-bo-khcn"],
        [],
        [],
    ),
    ("national", "Bộ Công an (chủ trì), Bộ Quốc phòng", ["tw-bo-cong-an", "tw-bo-quoc-phong"], [], []),
    ("national", "1. Bộ Công an; 2. Bộ Quốc phòng, v.v.", ["tw-bo-cong-an", "tw-bo-quoc-phong"], [], []),
    ("own", "Kho bạc Nhà nước khu vực 5", [], ["Kho bạc Nhà nước khu vực 5"], []),
    ("national", "Các bộ, ngành theo chức năng, nhiệm vụ được giao", ["tw-bo-nganh"], [], []),
    ("national", "Tổng cục Thống kê (Bộ Tài chính)", ["tw-bo-tai-chinh"], ["Tổng cục Thống kê"], []),
    ("own", "Sở Khoa học và Công nghệ (cơ quan thường trực)", ["so-khcn"], [], []),
    ("own", "Cơ quan thường trực Ban Chỉ đạo tỉnh", [], ["Cơ quan thường trực Ban Chỉ đạo tỉnh"], []),
    (
        "national",
        "Trung tâm Chuyển đổi số Thành phố Hồ Chí Minh",
        [],
        ["Trung tâm Chuyển đổi số Thành phố Hồ Chí Minh"],
        [],
    ),
    (
        "national",
        "Tập đoàn Công nghiệp - Viễn thông Quân đội (Viettel), Tập đoàn Bưu chính Viễn thông Việt Nam (VNPT)",
        [],
        ["Tập đoàn Công nghiệp - Viễn thông Quân đội (Viettel)", "Tập đoàn Bưu chính Viễn thông Việt Nam (VNPT)"],
        [],
    ),
    ("national", "Bo Tai chinh", [], ["Bo Tai chinh"], [("tw-bo-tai-chinh", "no-diacritics")]),
    # ---- another province's plan: its provincial names are its own -------------------------------
    ("other_province", "Sở Tài chính", [], ["Sở Tài chính"], [("so-tai-chinh", "other-province")]),
    (
        "other_province",
        "Sở Thông tin và Truyền thông; UBND các huyện, thị xã, thành phố",
        [],
        ["Sở Thông tin và Truyền thông", "UBND các huyện, thị xã, thành phố"],
        [("so-tttt", "other-province"), ("ubnd-cap-huyen", "other-province")],
    ),
    ("other_province", "Sở Khoa học và Công nghệ tỉnh Thái Nguyên", ["so-khcn"], [], []),
    (
        "other_province",
        "Bộ Khoa học và Công nghệ, Sở Khoa học và Công nghệ",
        ["tw-bo-khcn"],
        ["Sở Khoa học và Công nghệ"],
        [("so-khcn", "other-province")],
    ),
    (
        "other_province",
        "Các sở, ban, ngành; UBND các xã, phường",
        [],
        ["Các sở, ban, ngành", "UBND các xã, phường"],
        [("so-ban-nganh", "other-province"), ("ubnd-cap-xa", "other-province")],
    ),
    ("other_province", "UBND các phường, xã", [], ["UBND các phường, xã"], [("ubnd-cap-xa", "other-province")]),
    ("other_province", "Trung tâm Chuyển đổi số Thành phố", [], ["Trung tâm Chuyển đổi số Thành phố"], []),
    ("other_province", "Công an tỉnh", [], ["Công an tỉnh"], [("cong-an-tinh", "other-province")]),
    ("other_province", "Đại học Thái Nguyên", ["dai-hoc-thai-nguyen"], [], []),
    (
        "other_province",
        "Tòa án nhân dân tối cao; Tòa án nhân dân tỉnh",
        ["tw-tand-toi-cao"],
        ["Tòa án nhân dân tỉnh"],
        [("tand-tinh", "other-province")],
    ),
    # ---- this province's plans: the splits and folds fixed -----------------------------------------
    ("own", "Trung tâm Chuyển đổi số Thành phố", [], ["Trung tâm Chuyển đổi số Thành phố"], []),
    (
        "own",
        "Trung tâm Chuyển đổi số tỉnh và Sở Khoa học và Công nghệ",
        ["so-khcn"],
        ["Trung tâm Chuyển đổi số tỉnh"],
        [],
    ),
    ("own", "Sở Tư pháp Thành phố", ["so-tu-phap"], [], []),
    ("own", "UBND các phường, xã", ["ubnd-cap-xa"], [], []),
    ("own", "UBND các phường, xã, thị trấn", ["ubnd-cap-xa"], [], []),
    (
        "own",
        "Sở Tài chính thành phố Hà Nội",
        [],
        ["Sở Tài chính thành phố Hà Nội"],
        [("so-tai-chinh", "other-place")],
    ),
    ("own", "UBND tỉnh Bắc Ninh", [], ["UBND tỉnh Bắc Ninh"], [("ubnd-tinh", "other-place")]),
    ("own", "Công an tỉnh Bắc Kạn", ["cong-an-tinh"], [], []),  # Bắc Kạn merged into Thái Nguyên
    ("own", "Các Sở: Tài chính, Xây dựng, Nội vụ", ["so-tai-chinh", "so-xay-dung", "so-noi-vu"], [], []),
    ("own", "Các Cục: Thống kê, Hải quan", [], ["Cục Thống kê", "Cục Hải quan"], []),
    (
        "own",
        "Cục Thống kê, Cục Hải quan và Kho bạc Nhà nước khu vực",
        [],
        ["Cục Thống kê", "Cục Hải quan", "Kho bạc Nhà nước khu vực"],
        [],
    ),
    ("own", "So Tai chinh", [], ["So Tai chinh"], [("so-tai-chinh", "no-diacritics")]),
    ("own", "Tòa án nhân dân tối cao", ["tw-tand-toi-cao"], [], []),
    ("own", "Viện kiểm sát nhân dân tối cao", ["tw-vksnd-toi-cao"], [], []),
    ("own", "Bộ Tài chính, Sở Tài chính", ["tw-bo-tai-chinh", "so-tai-chinh"], [], []),
    (
        "own",
        "Trung tâm Giám sát, điều hành đô thị thông minh",
        [],
        ["Trung tâm Giám sát, điều hành đô thị thông minh"],
        [],
    ),
    ("own", "Công ty CP Viễn thông", [], ["Công ty CP Viễn thông"], []),
    ("own", "Các bộ, ngành, địa phương", ["tw-bo-nganh", "cac-dia-phuong"], [], []),
]


def test_the_table_is_large_enough() -> None:
    assert len(CELLS) >= 40
    assert {scope for scope, *_ in CELLS} == {"own", "national", "other_province"}


@pytest.mark.parametrize(("scope", "cell", "codes", "unresolved", "suggestions"), CELLS, ids=[c[1][:50] for c in CELLS])
def test_real_looking_cells(
    directory: Directory,
    scope: str,
    cell: str,
    codes: list[str],
    unresolved: list[str],
    suggestions: list[tuple[str, str]],
) -> None:
    result = directory.resolve_cell(cell, scope=scope)
    assert result.codes == codes
    assert result.unresolved == unresolved
    assert [(s.code, s.why) for s in result.suggestions] == suggestions


# --------------------------------------------------------------------------------------------------
# Each defect of the issue
# --------------------------------------------------------------------------------------------------


def test_chuyen_doi_so_is_never_split_into_a_so(directory: Directory) -> None:
    for cell in (
        "Trung tâm Chuyển đổi số Thành phố",
        "Trung tâm Chuyển đổi số Y tế",
        "Trung tâm Chuyển đổi số thành phố Hồ Chí Minh",
    ):
        result = directory.resolve_cell(cell)
        assert result.codes == [] and result.unresolved == [cell] and result.suggestions == [], cell


def test_thanh_pho_is_never_tu_phap(directory: Directory) -> None:
    assert directory.resolve_cell("Sở, Thành phố").codes == []
    assert directory.resolve_cell("Sở TP").codes == []
    assert directory.match("Sở TP") is None


def test_an_alias_with_a_two_letter_short_form_the_name_lacks_is_refused(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    tu_phap = next(a for a in data["agencies"] if a["code"] == "so-tu-phap")
    tu_phap["aliases"] = ["Sở TP"]
    with pytest.raises(DirectoryError) as info:
        Directory.from_dict(data, base=SHIPPED_AGENCIES.parent)
    assert "'Sở TP'" in str(info.value) and "thành phố" in str(info.value)


def test_supreme_court_and_procuracy_are_national_not_provincial(directory: Directory) -> None:
    for cell, code in (
        ("Tòa án nhân dân tối cao", "tw-tand-toi-cao"),
        ("Viện kiểm sát nhân dân tối cao", "tw-vksnd-toi-cao"),
    ):
        for scope in ("own", "national", "other_province"):
            assert directory.resolve_cell(cell, scope=scope).codes == [code]
        entry = directory.match(cell)
        assert entry is not None and entry.national
    assert directory.resolve_cell("Tòa án nhân dân tỉnh").codes == ["tand-tinh"]  # the province's own


def test_national_phrases_route_to_the_focal_agency_not_the_communes(directory: Directory) -> None:
    assert directory.focal_agency == "so-khcn"
    for cell in ("Các bộ, ngành, địa phương", "UBND các tỉnh, thành phố", "Các địa phương"):
        routed = [a.code for r in directory.route_cell(cell, AFTER_MERGER, scope="national") for a in r.agencies]
        assert routed == ["so-khcn"], cell
    # the same words in this province's own plan still mean its localities
    own = [a.code for r in directory.route_cell("Các địa phương", AFTER_MERGER) for a in r.agencies]
    assert own and all(directory.agencies[c].kind == "ubnd_xa" for c in own)


def test_the_focal_agency_is_a_setting(shipped_data: dict[str, Any]) -> None:
    data = copy.deepcopy(shipped_data)
    data["national_focal_agency"] = "vp-ubnd-tinh"
    changed = Directory.from_dict(data, base=SHIPPED_AGENCIES.parent)
    routed = [a.code for r in changed.route_cell("Các địa phương", AFTER_MERGER, scope="national") for a in r.agencies]
    assert routed == ["vp-ubnd-tinh"]
    del data["national_focal_agency"]
    default = Directory.from_dict(data, base=SHIPPED_AGENCIES.parent)
    assert default.focal_agency == default.standing_agency
    data["national_focal_agency"] = "so-khong-co"
    with pytest.raises(DirectoryError) as info:
        Directory.from_dict(data, base=SHIPPED_AGENCIES.parent)
    assert "so-khong-co" in str(info.value)


def test_phuong_xa_in_either_order(directory: Directory) -> None:
    for cell in ("UBND các xã, phường", "UBND các phường, xã", "UBND các phường, xã, thị trấn"):
        assert directory.resolve_cell(cell).codes == ["ubnd-cap-xa"], cell
    assert directory.resolve_cell("UBND các thành phố, huyện").codes == ["ubnd-cap-huyen"]


def test_unknown_lists_split_at_agency_words_only(directory: Directory) -> None:
    assert directory.resolve_cell("Cục A, Cục B và Vụ C").unresolved == ["Cục A", "Cục B", "Vụ C"]
    assert directory.resolve_cell("Trung tâm Thông tin và Chuyển đổi số").unresolved == [
        "Trung tâm Thông tin và Chuyển đổi số"
    ]


def test_distribution_over_a_colon(directory: Directory) -> None:
    result = directory.resolve_cell("Các Cục: Thuế, Hải quan; Sở Y tế")
    assert result.codes == ["cuc-thue", "so-y-te"]
    assert result.unresolved == ["Cục Hải quan"]
    assert [e.raw for e in result.entries] == ["Cục Thuế", "Sở Y tế"]
    # a name of its own ends the list
    result = directory.resolve_cell("Các Sở: Tài chính, Xây dựng và UBND các xã")
    assert result.codes == ["so-tai-chinh", "so-xay-dung", "ubnd-cap-xa"]


def test_match_refuses_another_provinces_body(directory: Directory) -> None:
    assert directory.match("UBND tỉnh Bắc Ninh") is None
    assert directory.match("Sở Tài chính thành phố Hà Nội") is None
    entry = directory.match("Sở Tài chính tỉnh Thái Nguyên")
    assert entry is not None and entry.code == "so-tai-chinh"


def test_fuzzy_matches_are_suggestions_never_routes(directory: Directory) -> None:
    assert directory.route_cell("So Tai chinh", AFTER_MERGER) == []
    assert directory.match("So Tai chinh") is None
    suggested = directory.suggest("So Tai chinh")
    assert suggested is not None and suggested.code == "so-tai-chinh"
    assert directory.suggest("Sở Tài chính") is None  # an exact name needs no suggestion


# --------------------------------------------------------------------------------------------------
# The national bodies list
# --------------------------------------------------------------------------------------------------

MINISTRIES_2025 = [
    "Bộ Quốc phòng", "Bộ Công an", "Bộ Ngoại giao", "Bộ Nội vụ", "Bộ Tư pháp", "Bộ Tài chính", "Bộ Công Thương",
    "Bộ Nông nghiệp và Môi trường", "Bộ Xây dựng", "Bộ Văn hóa, Thể thao và Du lịch", "Bộ Khoa học và Công nghệ",
    "Bộ Giáo dục và Đào tạo", "Bộ Y tế", "Bộ Dân tộc và Tôn giáo",
    "Ngân hàng Nhà nước Việt Nam", "Thanh tra Chính phủ", "Văn phòng Chính phủ",
]  # fmt: skip


def test_the_government_of_2025_has_14_ministries_and_3_ministry_level_bodies(directory: Directory) -> None:
    current = sorted(
        a.name for a in directory.agencies.values() if a.kind == "bo_nganh" and a.is_valid_on(AFTER_MERGER)
    )
    assert current == sorted(MINISTRIES_2025)


@pytest.mark.parametrize(
    ("former", "successor"),
    [
        ("Bộ Kế hoạch và Đầu tư", "tw-bo-tai-chinh"),
        ("Bộ Thông tin và Truyền thông", "tw-bo-khcn"),
        ("Bộ Lao động - Thương binh và Xã hội", "tw-bo-noi-vu"),
        ("Bộ Giao thông vận tải", "tw-bo-xay-dung"),
        ("Bộ Tài nguyên và Môi trường", "tw-bo-nnmt"),
        ("Bộ Nông nghiệp và Phát triển nông thôn", "tw-bo-nnmt"),
        ("Ủy ban Dân tộc", "tw-bo-dttg"),
    ],
)
def test_former_ministries_hand_over_on_1_march_2025(directory: Directory, former: str, successor: str) -> None:
    entry = directory.match(former)
    assert entry is not None and entry.national
    assert [a.code for a in directory.route(entry.code, BEFORE_MERGER)] == [entry.code]
    assert [a.code for a in directory.route(entry.code, AFTER_MERGER)] == [successor]


def test_labour_ministry_says_where_its_other_parts_went(directory: Directory) -> None:
    notes = directory.agencies["tw-bo-ldtbxh"].notes or ""
    assert "Bộ Giáo dục và Đào tạo" in notes and "Bộ Y tế" in notes


def test_national_bodies_have_no_contacts_and_join_no_provincial_group(directory: Directory) -> None:
    assert unicodedata.is_normalized("NFC", NATIONAL_FILE.read_text(encoding="utf-8"))
    national = [a for a in directory.agencies.values() if a.national]
    assert len(national) >= 30
    for agency in national:
        assert (agency.email, agency.phone, agency.zalo_user_id) == (None, None, None), agency.code
    provincial = set(directory.members("so-ban-nganh")) | set(directory.members("cac-doan-the"))
    assert not provincial & {a.code for a in national}


def test_a_national_file_with_a_provincial_kind_or_a_reused_code_is_refused(shipped_data: dict[str, Any]) -> None:
    national = yaml.safe_load(NATIONAL_FILE.read_text(encoding="utf-8"))
    bad_kind = copy.deepcopy(national)
    bad_kind["agencies"][0]["kind"] = "so"
    data = copy.deepcopy(shipped_data)
    data["national_bodies"] = bad_kind
    with pytest.raises(DirectoryError) as info:
        Directory.from_dict(data)
    assert "is not national" in str(info.value)
    clash = copy.deepcopy(national)
    clash["agencies"][0]["code"] = "so-y-te"
    data["national_bodies"] = clash
    with pytest.raises(DirectoryError) as info:
        Directory.from_dict(data)
    assert "so-y-te" in str(info.value)
    data["national_bodies"] = "no-such-file.yaml"
    with pytest.raises(DirectoryError) as info:
        Directory.from_dict(data, base=SHIPPED_AGENCIES.parent)
    assert "no-such-file.yaml" in str(info.value)


# --------------------------------------------------------------------------------------------------
# The issuer's scope
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "number", "scope"),
    [
        ("Tỉnh Thái Nguyên", "25/KH-UBND", "own"),
        ("UBND tỉnh Thái Nguyên", None, "own"),
        ("ỦY BAN NHÂN DÂN TỈNH BẮC KẠN", "12/KH-UBND", "own"),  # merged into Thái Nguyên
        ("ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "118/KH-UBND", "other_province"),
        ("UBND thành phố Hà Nội", "5/KH-UBND", "other_province"),
        ("Tỉnh Lào Cai", None, "other_province"),
        ("Thủ tướng Chính phủ", "1131/QĐ-TTg", "national"),
        ("Chính phủ", "66/NQ-CP", "national"),
        ("Bộ Khoa học và Công nghệ", None, "national"),
        ("BỘ TÀI CHÍNH", None, "national"),
        (None, "999/QĐ-TTg", "national"),
        (None, "1234/KH-BKHCN", "national"),
        ("Sở Khoa học và Công nghệ tỉnh Bắc Ninh", "7/KH-SKHCN", "other_province"),
        ("Sở Khoa học và Công nghệ", "7/KH-SKHCN", "own"),
        (None, "57-NQ/TW", "national"),
        ("UBND thành phố Phổ Yên", "30/KH-UBND", "own"),  # a former city of this province
        ("UBND huyện Đại Từ", None, "own"),
        (None, "25/KH-UBND", "own"),
        (None, None, "own"),
    ],
)
def test_issuer_scope(directory: Directory, issuer: str | None, number: str | None, scope: str) -> None:
    found = directory.issuer_scope(issuer, number)
    assert found.scope == scope
    assert found.why


def test_cells_addressing_the_provinces_make_a_document_national(directory: Directory) -> None:
    assert directory.issuer_scope(None, "12/KH-XYZ").known is False
    found = directory.scope_from_cells(["Bộ Công an", "UBND các tỉnh, thành phố trực thuộc trung ương"])
    assert found is not None and found.scope == "national" and "UBND các tỉnh" in found.why
    assert directory.scope_from_cells(["Sở Tài chính", "UBND các xã, phường", "Các địa phương"]) is None


def test_an_unknown_scope_is_refused(directory: Directory) -> None:
    with pytest.raises(ValueError, match="scope"):
        directory.resolve_cell("Sở Y tế", scope="foreign")
