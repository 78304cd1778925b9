"""Checksums of Chinese identity numbers (证件号码): resident ID and unified social credit code.

Both validators return a bool and never raise, so untrusted input can go straight in. They check form and
checksum only, not whether the number was ever issued.
"""

import re
from datetime import date

_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
# GB 11643 (ISO 7064 MOD 11-2): weight of position i (0-based) is 2^(17−i) mod 11.
_RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RESIDENT_CHECK = "10X98765432"

# GB 32100: 31 characters, without I, O, Z, S, V; positions 3–8 are the administrative division code.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC = re.compile(rf"[{_USCC_ALPHABET}]{{2}}[0-9]{{6}}[{_USCC_ALPHABET}]{{10}}")
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def is_valid_resident_id(s: object) -> bool:
    """Whether ``s`` is an 18-character resident ID number per GB 11643.

    Checks the MOD 11-2 check character and that the 8-digit birth date is a real calendar date. A lowercase
    'x' check character is accepted (store the value upper-cased); 15-digit old numbers are refused.
    """
    if not isinstance(s, str):
        return False
    if s.endswith("x"):
        s = s[:-1] + "X"
    # fullmatch with an explicit [0-9]: str.isdigit() and \d would accept full-width and other Unicode digits.
    if not _RESIDENT_ID.fullmatch(s):
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11] == s[17]


def is_valid_uscc(s: object) -> bool:
    """Whether ``s`` is an 18-character unified social credit code per GB 32100.

    Checks the alphabet, the six-digit division code and the MOD 31 check character. Upper case only: the
    standard has no lowercase form.
    """
    if not isinstance(s, str) or not _USCC.fullmatch(s):
        return False
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(s[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31] == s[17]
