"""Display masking (脱敏) of personal information, as PIPL practice expects on screens and exports.

Every function accepts None, empty or blank input and returns "". A value too short to keep its ends and still
hide a meaningful part is masked entirely, so a short value is never shown in full.
"""

_MIN_HIDDEN = 4  # fewest characters that must stay hidden when both ends of a number are kept


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _keep_ends(value: str | None, head: int, tail: int) -> str:
    value = _clean(value)
    hidden = len(value) - head - tail
    if hidden < _MIN_HIDDEN:
        return "*" * len(value)
    return value[:head] + "*" * hidden + value[-tail:]


def mask_phone(phone: str | None) -> str:
    """Keep the first 3 and last 4 characters: "13812341234" → "138****1234"; shorter than 11 → all "*"."""
    return _keep_ends(phone, 3, 4)


def mask_id_number(id_number: str | None) -> str:
    """Keep the first 3 and last 4 characters: "11010519491231002X" → "110***********002X"."""
    return _keep_ends(id_number, 3, 4)


def mask_name(name: str | None) -> str:
    """Keep the first character: "张三丰" → "张**"; a one-character name becomes "*"."""
    name = _clean(name)
    if len(name) < 2:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


def mask_address(address: str | None) -> str:
    """Keep the first 6 characters and append "****"; an address of 6 characters or fewer becomes "****"."""
    address = _clean(address)
    if not address:
        return ""
    if len(address) <= 6:
        return "****"
    return address[:6] + "****"
