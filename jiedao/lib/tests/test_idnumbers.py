from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiedao.lib.idnumbers import is_valid_resident_id, is_valid_uscc

PROPERTY = settings(deadline=None, database=None, max_examples=300)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# Reference builders written from the standards' text, independent of the module's tables.
def resident_id(body: str) -> str:
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    return body + "10X98765432"[total % 11]


def uscc(body: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * (3**i % 31) for i, c in enumerate(body))
    return body + USCC_ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize("value", ["11010519491231002X", "11010519491231002x", "440524188001010014"])
def test_valid_resident_ids(value: str) -> None:
    assert is_valid_resident_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17 characters
        "110105194912310021",  # wrong check character
        "110105491231002",  # 15-digit first-generation number
        resident_id("11010519490230002"),  # 30 February, right checksum
        resident_id("11010520231301002"),  # month 13
        resident_id("11010500000101002"),  # year 0
        "11010519491231002X\n",
        " 11010519491231002X",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        "X10105194912310021",
        None,
        110105194912310020,
    ],
)
def test_invalid_resident_ids(value: object) -> None:
    assert not is_valid_resident_id(value)


def test_valid_uscc() -> None:
    assert is_valid_uscc("91350100M000100Y43")
    assert is_valid_uscc(uscc("91110000600037341"))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "91350100M000100Y4",
        "91350100M000100Y44",
        "91350100m000100y43",  # the standard has no lowercase
        uscc("9135A100M000100Y4"),  # letter in the division code, right checksum
        "91350100I000100Y43",  # I is not in the alphabet
        "91350100M000100Y43 ",
        None,
    ],
)
def test_invalid_uscc(value: object) -> None:
    assert not is_valid_uscc(value)


resident_ids = st.builds(
    lambda area, born, seq: resident_id(f"{area:06d}{born:%Y%m%d}{seq:03d}"),
    st.integers(110000, 659999),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.integers(0, 999),
)
usccs = st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2).flatmap(
    lambda head: st.builds(
        lambda division, rest: uscc(f"{head}{division:06d}{rest}"),
        st.integers(0, 999999),
        st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
    )
)


def replace_one(value: str, position: int, alphabet: str, choice: int) -> str:
    candidates = [c for c in alphabet if c != value[position]]
    return value[:position] + candidates[choice % len(candidates)] + value[position + 1 :]


@PROPERTY
@given(value=resident_ids, position=st.integers(0, 17), choice=st.integers(0, 100))
def test_resident_id_single_change_is_caught(value: str, position: int, choice: int) -> None:
    assert is_valid_resident_id(value)
    alphabet = "0123456789X" if position == 17 else "0123456789"
    assert not is_valid_resident_id(replace_one(value, position, alphabet, choice))


@PROPERTY
@given(value=usccs, position=st.integers(0, 17), choice=st.integers(0, 100))
def test_uscc_single_change_is_caught(value: str, position: int, choice: int) -> None:
    assert is_valid_uscc(value)
    assert not is_valid_uscc(replace_one(value, position, USCC_ALPHABET, choice))


@PROPERTY
@given(st.text(max_size=20))
def test_validators_never_raise(value: str) -> None:
    assert isinstance(is_valid_resident_id(value), bool)
    assert isinstance(is_valid_uscc(value), bool)
