import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiedao.lib.crypto import DecryptionError, blind_index, decrypt, encrypt

SECRET = "test-secret"
PROPERTY = settings(deadline=None, database=None, max_examples=50)
# Made once by this module: values already stored must keep decrypting and keep their index.
STORED_TOKEN = "v1:4LzpMoDa9SmV1qso5vV0om8GgBvCiZLhDOwYogO4TX2kVUGGThSng3nIJRoQKQ=="
STORED_PLAINTEXT = "张三 13812341234"
PHONE_INDEX = "fa84baa9fbc2f850dac60dcaefd5ad52b251bdf190302bc9d2f9c08243a8b8bb"


def raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token.removeprefix("v1:"))


def token_of(data: bytes) -> str:
    return "v1:" + base64.urlsafe_b64encode(data).decode()


@pytest.mark.parametrize(
    "plaintext", ["", "13812341234", "11010519491231002X", "北京市朝阳区建国路88号", "🙂"]
)
def test_round_trip(plaintext: str) -> None:
    token = encrypt(plaintext, SECRET)
    assert re.fullmatch(r"v1:[A-Za-z0-9_-]+=*", token)
    assert len(raw(token)) == 12 + len(plaintext.encode()) + 16  # nonce + ciphertext + tag
    assert decrypt(token, SECRET) == plaintext


@PROPERTY
@given(st.text())
def test_round_trip_any_text(plaintext: str) -> None:
    assert decrypt(encrypt(plaintext, SECRET), SECRET) == plaintext


def test_stored_values_stay_readable() -> None:
    assert decrypt(STORED_TOKEN, SECRET) == STORED_PLAINTEXT
    assert blind_index("13812341234", SECRET) == PHONE_INDEX


def test_equal_plaintexts_get_different_nonces() -> None:
    first, second = encrypt("13812341234", SECRET), encrypt("13812341234", SECRET)
    assert first != second
    assert raw(first)[:12] != raw(second)[:12]


def test_every_altered_byte_is_detected() -> None:
    data = raw(encrypt("13812341234", SECRET))
    for i in range(len(data)):
        altered = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]
        with pytest.raises(DecryptionError, match="altered"):
            decrypt(token_of(altered), SECRET)


def test_truncated_or_extended_is_detected() -> None:
    data = raw(encrypt("13812341234", SECRET))
    for altered in (data[:-1], data + b"\x00", data[:12] + data[13:]):
        with pytest.raises(DecryptionError):
            decrypt(token_of(altered), SECRET)


def test_wrong_secret() -> None:
    with pytest.raises(DecryptionError, match="another secret"):
        decrypt(encrypt("13812341234", SECRET), "other-secret")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "not a v1"),
        ("13812341234", "not a v1"),  # a plaintext stored by mistake
        ("v2:" + STORED_TOKEN[3:], "not a v1"),
        ("v1:not base64!", "base64"),
        ("v1:" + base64.standard_b64encode(b"\xfb\xff" * 20).decode(), "base64"),  # "+/" alphabet
        ("v1:" + STORED_TOKEN[3:].rstrip("="), "base64"),  # padding dropped
        (token_of(b"\x00" * 27), "too short"),
    ],
)
def test_malformed_tokens(token: str, message: str) -> None:
    with pytest.raises(DecryptionError, match=message):
        decrypt(token, SECRET)


def test_decryption_error_is_a_value_error() -> None:
    assert issubclass(DecryptionError, ValueError)


def test_empty_secret_is_refused() -> None:
    for call in (lambda: encrypt("x", ""), lambda: decrypt(STORED_TOKEN, ""), lambda: blind_index("x", "")):
        with pytest.raises(ValueError, match="secret"):
            call()


def test_blind_index() -> None:
    index = blind_index("13812341234", SECRET)
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert blind_index("13812341234", SECRET) == index
    assert blind_index("13812341235", SECRET) != index
    assert blind_index("13812341234", "other-secret") != index
