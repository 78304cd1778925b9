"""Field encryption at rest (密评) for important personal data such as ID and phone numbers.

Values are sealed with AES-256-GCM under a key derived from an application secret with HKDF-SHA256; a blind
index (HMAC-SHA256 under a separately derived key) lets code find a row by an encrypted value without
decrypting. ``secret`` must be a high-entropy string (like Django's SECRET_KEY), not a human password: HKDF
does not slow down guessing. The "v1:" prefix leaves room for another scheme, such as SM4, beside this one.
"""

import base64
import binascii
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PREFIX = "v1:"
_NONCE_BYTES = 12  # 96 bits, the size GCM is specified for
_TAG_BYTES = 16
# Distinct HKDF labels give independent keys: a leaked blind-index key must not decrypt anything.
_ENCRYPTION_INFO = b"jiedao field encryption v1 aes-256-gcm"
_BLIND_INDEX_INFO = b"jiedao blind index v1 hmac-sha256"


class DecryptionError(ValueError):
    """A token is malformed, was altered, or was made with another secret."""


@functools.lru_cache(maxsize=16)  # the same few keys for every value: derive each once per process
def _derive_key(secret: str, info: bytes) -> bytes:
    if not secret:
        raise ValueError("secret must not be empty")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode("utf-8"))


@functools.lru_cache(
    maxsize=16
)  # reused for every value: setting a key up costs more than sealing a phone number
def _cipher(secret: str) -> AESGCM:
    return AESGCM(_derive_key(secret, _ENCRYPTION_INFO))


def encrypt(plaintext: str, secret: str) -> str:
    """Encrypt ``plaintext`` into a "v1:" token; equal plaintexts give different tokens (random nonce)."""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _cipher(secret).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str, secret: str) -> str:
    """Decrypt a token made by :func:`encrypt`; raise :class:`DecryptionError` if it does not authenticate."""
    cipher = _cipher(secret)
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise DecryptionError("not a v1 encrypted value")
    encoded = token[len(_PREFIX) :]
    try:
        raw = base64.b64decode(encoded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionError("encrypted value is not valid base64") from None
    # b64decode also takes "+/" and stray padding bits; accept only the one spelling encrypt() produces.
    if base64.urlsafe_b64encode(raw).decode("ascii") != encoded:
        raise DecryptionError("encrypted value is not valid base64")
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise DecryptionError("encrypted value is too short")
    try:
        plaintext = cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None)
    except InvalidTag:
        raise DecryptionError("encrypted value was altered or made with another secret") from None
    return plaintext.decode("utf-8")


def blind_index(value: str, secret: str) -> str:
    """Hex HMAC-SHA256 of ``value`` for equality lookups of encrypted values.

    Deterministic by design, so normalise ``value`` the same way on write and on lookup (e.g. digits only for
    a phone, upper case for an ID number).
    """
    mac = hmac.HMAC(_derive_key(secret, _BLIND_INDEX_INFO), hashes.SHA256())
    mac.update(value.encode("utf-8"))
    return mac.finalize().hex()
