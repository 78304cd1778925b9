import pytest

from jiedao.lib import divisions
from jiedao.lib.divisions import Community, Street, UnknownDivision, communities, district_streets, street


def test_street_canglang():
    assert street("320508020") == Street(
        code="320508020",
        name="沧浪街道",
        district_code="320508",
        district_name="姑苏区",
        city_name="苏州市",
        province_name="江苏省",
    )


def test_street_in_a_municipality_has_the_statistical_city_name():
    s = street("110101001")
    assert (s.name, s.district_name, s.city_name, s.province_name) == (
        "东华门街道",
        "东城区",
        "市辖区",
        "北京市",
    )


def test_communities_of_canglang_as_the_data_gives_them():
    found = communities("320508020")
    assert len(found) == 21
    assert [c.code for c in found] == [f"320508020{n:03d}" for n in range(14, 35)]
    assert found[0] == Community("320508020014", "桂花社区居委会")
    assert found[-1] == Community("320508020034", "泰南社区居委会")
    assert Community("320508020033", "胥江社区居委会") in found


def test_communities_at_both_ends_of_the_data_file():
    assert communities("110101001")[0] == Community("110101001001", "多福巷社区居委会")
    assert communities("659012505")[-1] == Community("659012505508", "八连生活区")


def test_communities_returns_a_fresh_list():
    communities("320508020").clear()
    assert len(communities("320508020")) == 21


def test_district_streets_of_gusu():
    names = [s.name for s in district_streets("320508")]
    assert names == [
        "白洋湾街道",
        "平江街道",
        "金阊街道",
        "沧浪街道",
        "双塔街道",
        "虎丘街道",
        "苏锦街道",
        "吴门桥街道",
    ]


@pytest.mark.parametrize(
    "code", ["32050802", "3205080200", "32050802a", "３２０５０８０２０", "", None, 320508020]
)
def test_malformed_street_codes(code):
    with pytest.raises(UnknownDivision, match="9 digits"):
        street(code)
    with pytest.raises(UnknownDivision, match="9 digits"):
        communities(code)


def test_unknown_street_code():
    with pytest.raises(UnknownDivision, match="unknown sub-district"):
        street("320508999")
    with pytest.raises(UnknownDivision, match="unknown sub-district"):
        communities("999999999")


def test_unknown_or_malformed_district():
    with pytest.raises(UnknownDivision, match="unknown district"):
        district_streets("329999")
    with pytest.raises(UnknownDivision, match="6 digits"):
        district_streets("3205")


def test_shipped_data_is_complete_and_consistent():
    tables = divisions._tables()
    assert len(tables.streets) == 41_352
    assert divisions._villages().count(b"\n") - 2 == 620_573  # minus the leading newline and the header
    assert all(code[:6] == parent for code, (_name, parent) in tables.streets.items())
    assert all(parent in tables.areas for _name, parent in tables.streets.values())
