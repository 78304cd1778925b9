"""The rows of an .xlsx file's first worksheet, read with calamine (python-calamine, the Rust reader pandas
also uses): several times faster than openpyxl on a 100,000-row 12345 export, which matters because such an
export is read twice (the preview check, then the import).

Values are as openpyxl's ``iter_rows(values_only=True)`` gives them, so the checks do not care which reader ran:
an empty cell is None (calamine says ""), a whole number is an int, date-styled numbers are datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from python_calamine import CalamineError, CalamineWorkbook


class UnreadableWorkbook(ValueError):
    """Not an .xlsx workbook calamine can read (not a zip, damaged, encrypted, no worksheet)."""


def _value(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def first_sheet_rows(source: str | IO[bytes]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) for every non-empty row of the first worksheet, in order (row 1 = the top)."""
    try:
        workbook = (
            CalamineWorkbook.from_path(source)
            if isinstance(source, str)
            else CalamineWorkbook.from_filelike(source)
        )
        if not workbook.sheet_names:
            raise UnreadableWorkbook("no worksheet")
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, OSError, TypeError) as exc:
        raise UnreadableWorkbook(f"{type(exc).__name__}: {exc}") from exc
    return _rows(rows)


def _rows(rows: list[list[Any]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, raw in enumerate(rows, 1):
        values = tuple(_value(v) for v in raw)
        if any(v is not None for v in values):
            yield number, values
