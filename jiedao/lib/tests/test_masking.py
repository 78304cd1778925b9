import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiedao.lib.masking import mask_address, mask_id_number, mask_name, mask_phone

PROPERTY = settings(deadline=None, database=None)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        (" 13812341234 ", "138****1234"),
        ("010-62345678", "010*****5678"),
        ("1234", "****"),
        ("1381234123", "**********"),  # 10 characters: only 3 would be hidden
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone: str | None, masked: str) -> None:
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [
        ("11010519491231002X", "110***********002X"),
        ("440524188001010014", "440***********0014"),
        ("E12345678", "*********"),  # a passport number is too short to keep both ends
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(id_number: str | None, masked: str) -> None:
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("张三", "张*"), ("欧阳娜娜", "欧***"), ("张", "*"), ("", ""), (None, "")],
)
def test_mask_name(name: str | None, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("北京市朝阳区建国路88号3单元502", "北京市朝阳区****"),
        ("朝阳区建国路1号", "朝阳区建国路****"),
        ("建国路88号", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_address(address: str | None, masked: str) -> None:
    assert mask_address(address) == masked


@PROPERTY
@given(st.text(st.characters(exclude_characters="*"), min_size=1, max_size=30).map(str.strip).filter(bool))
def test_no_value_is_shown_in_full(value: str) -> None:
    for mask in (mask_phone, mask_id_number, mask_name, mask_address):
        assert "*" in mask(value)
