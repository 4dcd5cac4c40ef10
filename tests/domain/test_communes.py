"""The communes and wards (models/domain/agencies/communes.py): the shipped list of Nghị quyết
1683/NQ-UBTVQH15 and a loaded fixture list; a former district's task routes, from 01/07/2025, to that
district's successor communes only, "UBND các huyện, thành phố" to every commune."""

from datetime import date
from pathlib import Path

import pytest
import yaml

from config.files import SHIPPED_AGENCIES
from models.domain.agencies import Directory, DirectoryError

ON = date(2025, 7, 2)
FIXTURE = Path(__file__).parent.parent / "data" / "communes" / "communes_fixture.csv"
DISTRICTS = [
    "ubnd-tp-thai-nguyen", "ubnd-tp-song-cong", "ubnd-tp-pho-yen", "ubnd-huyen-phu-binh", "ubnd-huyen-phu-luong",
    "ubnd-huyen-dong-hy", "ubnd-huyen-vo-nhai", "ubnd-huyen-dinh-hoa", "ubnd-huyen-dai-tu",
]  # fmt: skip


@pytest.fixture(scope="module")
def shipped() -> Directory:
    return Directory.load(SHIPPED_AGENCIES)


def _with_communes(tmp_path: Path, csv_text: str | None = None) -> Directory:
    """The shipped directory with its ``communes`` key pointing at a copy of ``csv_text`` (the fixture)."""
    data = yaml.safe_load(SHIPPED_AGENCIES.read_text(encoding="utf-8"))
    data["national_bodies"] = str(SHIPPED_AGENCIES.parent / data["national_bodies"])
    (tmp_path / "communes.csv").write_text(csv_text or FIXTURE.read_text(encoding="utf-8"), encoding="utf-8")
    data["communes"] = "communes.csv"
    return Directory.from_dict(data, source="test", base=tmp_path)


def names(directory: Directory, code: str, on: date = ON) -> list[str]:
    return [a.name for a in directory.route(code, on)]


# ---- the shipped list ----------------------------------------------------------------------------------


@pytest.mark.parametrize("district", DISTRICTS)
def test_a_district_task_on_2_july_goes_to_its_own_communes_only(shipped: Directory, district: str) -> None:
    name = shipped.agencies[district].name.removeprefix("UBND ").lower()
    routed = shipped.route(district, ON)
    assert routed, district
    for agency in routed:
        assert name in [d.lower() for d in agency.former_districts], (district, agency.name)
    # ... and every commune formed from this district's units gets it.
    own = {a.code for a in shipped.agencies.values() if name in [d.lower() for d in a.former_districts]}
    assert {a.code for a in routed} == own


def test_examples_of_the_resolution(shipped: Directory) -> None:
    # khoản 28: xã Đại Từ from Bình Thuận, Khôi Kỳ, Mỹ Yên, Lục Ba (all of huyện Đại Từ).
    assert "UBND xã Đại Từ" in names(shipped, "ubnd-huyen-dai-tu")
    assert "UBND xã Đại Từ" not in names(shipped, "ubnd-huyen-phu-binh")
    assert "UBND xã Phú Bình" not in names(shipped, "ubnd-huyen-dai-tu")
    # khoản 2: xã Đại Phúc from thị trấn Hùng Sơn (Đại Từ), Phúc Xuân, Phúc Trìu (TP Thái Nguyên), Tân Thái
    # (Đại Từ) and Phúc Tân (Phổ Yên): a successor of each of the three.
    for district in ("ubnd-huyen-dai-tu", "ubnd-tp-thai-nguyen", "ubnd-tp-pho-yen"):
        assert "UBND xã Đại Phúc" in names(shipped, district)
    # khoản 82-84: Sông Công's wards; khoản 1: xã Tân Cương took xã Bình Sơn of Sông Công.
    assert sorted(names(shipped, "ubnd-tp-song-cong")) == sorted(
        ["UBND phường Sông Công", "UBND phường Bá Xuyên", "UBND phường Bách Quang", "UBND xã Tân Cương"]
    )
    # Before 01/07/2025 the district itself.
    assert names(shipped, "ubnd-huyen-dai-tu", date(2025, 6, 30)) == ["UBND huyện Đại Từ"]


def test_the_district_group_goes_to_every_commune(shipped: Directory) -> None:
    every = {a.code for a in shipped.agencies.values() if a.kind == "ubnd_xa"}
    assert len(every) == 92
    assert {a.code for a in shipped.route("ubnd-cap-huyen", ON)} == every  # "UBND các huyện, thành phố"
    assert {a.code for a in shipped.route("ubnd-cap-xa", ON)} == every
    # "UBND các thành phố": the three cities' successors, not the districts'.
    cities = {a.code for c in DISTRICTS[:3] for a in shipped.route(c, ON)}
    assert {a.code for a in shipped.route("ubnd-cac-thanh-pho", ON)} == cities
    assert "ubnd-x-phu-binh" not in cities


def test_a_cell_naming_a_district_routes_to_its_communes(shipped: Directory) -> None:
    [routing] = shipped.route_cell("UBND huyện Phú Lương", ON)
    assert sorted(a.name for a in routing.agencies) == sorted(
        ["UBND xã Phú Lương", "UBND xã Vô Tranh", "UBND xã Yên Trạch", "UBND xã Hợp Thành"]
    )  # khoản 18-21
    assert [s.to_code for s in routing.steps] == ["xa-sau-ubnd-huyen-phu-luong"]


def test_bac_kan_communes_keep_their_former_district_as_text(shipped: Directory) -> None:
    ba_be = shipped.agencies["ubnd-x-ba-be"]
    assert ba_be.former_districts == ("Huyện Ba Bể",)  # not a district of this directory: no group
    assert "xa-sau-ubnd-huyen-ba-be" not in shipped.groups


# ---- a loaded list -------------------------------------------------------------------------------------


def test_a_loaded_list_routes_each_district_to_its_rows(tmp_path: Path) -> None:
    d = _with_communes(tmp_path)
    assert names(d, "ubnd-huyen-dai-tu") == ["UBND xã Alpha", "UBND phường Beta"]
    assert names(d, "ubnd-tp-song-cong") == ["UBND phường Beta"]
    assert names(d, "ubnd-huyen-phu-binh") == ["UBND xã Gamma"]
    # No row names Định Hóa: its work routes nowhere until an officer chooses (the directory page).
    assert names(d, "ubnd-huyen-dinh-hoa") == []
    assert d.agencies["ubnd-x-gamma"].sample and not d.agencies["ubnd-x-alpha"].sample
    assert d.agencies["ubnd-x-alpha"].phone == "+84900009001"


def test_an_unsourced_commune_is_reached_by_no_district(tmp_path: Path) -> None:
    d = _with_communes(tmp_path)
    assert d.agencies["ubnd-x-delta"].former_districts == ()
    assert all("UBND xã Delta" not in names(d, c) for c in DISTRICTS)
    assert "UBND xã Delta" in names(d, "ubnd-cap-xa")  # "UBND các xã, phường": every commune


def test_bad_rows_are_reported_by_line(tmp_path: Path) -> None:
    text = "code,name,kind\nubnd-x-a,UBND xã A,thôn\nubnd-x-b,,xã\n"
    with pytest.raises(DirectoryError) as err:
        _with_communes(tmp_path, text)
    problems = " ".join(err.value.problems)
    assert "line 2" in problems and "line 3" in problems
