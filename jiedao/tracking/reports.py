"""Attendance of shifts from stored tracks, daily and monthly summaries, and their .xlsx export."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from jiedao.core import clock
from jiedao.core.calendar import get_calendar
from jiedao.lib.workcalendar import SHANGHAI
from jiedao.tracking.analysis import (
    VERDICT_LABELS,
    Attendance,
    Point,
    Verdict,
    attendance,
    inside_mask,
    shift_days,
)
from jiedao.tracking.analysis import shift_window as window_of
from jiedao.tracking.geometry import corridor_coverage, zone_shape
from jiedao.tracking.models import Device, Position, Shift, ZoneKind


def track_points(device_id: int, begin: datetime, end: datetime, limit: int | None = None) -> list[Point]:
    rows = (
        Position.objects.filter(device_id=device_id, fixed_at__gte=begin, fixed_at__lte=end)
        .order_by("fixed_at")
        .values_list("fixed_at", "lon", "lat", "speed_kmh")
    )
    return [Point(*row) for row in (rows[:limit] if limit else rows)]


def shift_devices(shift: Shift) -> list[Device]:
    """The devices a shift judges: those named, and those carried by its crew."""
    devices = {d.pk: d for d in shift.devices.all()}
    crew_ids = [user.pk for user in shift.crew.all()]
    if crew_ids:
        devices.update({d.pk: d for d in Device.objects.filter(crew__in=crew_ids)})
    return sorted(devices.values(), key=lambda d: d.name)


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    shift: Shift
    device: Device
    result: Attendance

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.result.verdict]


def attendance_rows(shifts: Iterable[Shift], first_day: date, last_day: date) -> list[AttendanceRow]:
    """One row per shift, device and day on which the shift ran and had begun by now."""
    calendar = get_calendar()
    now = clock.now()
    rows: list[AttendanceRow] = []
    for shift in shifts:
        zone = shift.zone
        area = zone_shape(zone.kind, zone.geometry, zone.width_m)
        days = shift_days(first_day, last_day, shift.weekdays, shift.working_days_only, calendar)
        for device in shift_devices(shift):
            for day in days:
                begin, end = window_of(day, shift.start, shift.end)
                if begin > now:
                    continue
                points = track_points(device.pk, begin, end)
                coverage = None
                if zone.kind == ZoneKind.CORRIDOR:
                    inside = inside_mask(points, area)
                    lons = np.array([p.lon for p in points])[inside]
                    lats = np.array([p.lat for p in points])[inside]
                    coverage = corridor_coverage(zone.geometry, zone.width_m, lons, lats)
                result = attendance(
                    points, area, day, begin, end, timedelta(minutes=shift.grace_minutes), coverage
                )
                rows.append(AttendanceRow(shift, device, result))
    return rows


@dataclass(slots=True)
class Summary:
    """Totals of attendance rows for one unit or device over a period (汇总)."""

    label: str
    shifts: int = 0
    on_time: int = 0
    late: int = 0
    early: int = 0
    absent: int = 0
    seconds_inside: float = 0.0
    distance_m: float = 0.0
    coverage_sum: float = 0.0
    coverage_count: int = 0

    @property
    def hours_inside(self) -> float:
        return self.seconds_inside / 3600

    @property
    def km(self) -> float:
        return self.distance_m / 1000

    @property
    def attendance_rate(self) -> float | None:
        return (self.shifts - self.absent) / self.shifts if self.shifts else None

    @property
    def coverage(self) -> float | None:
        return self.coverage_sum / self.coverage_count if self.coverage_count else None


def summarise(rows: Iterable[AttendanceRow], by: str) -> list[Summary]:
    """Totals per unit (``by="unit"``) or per device and its crew (``by="device"``)."""
    groups: dict[str, Summary] = {}
    for row in rows:
        if by == "unit":
            label = row.device.unit.name if row.device.unit else "未分配单位"
        else:
            crew = "、".join(str(u) for u in row.device.crew.all())
            label = f"{row.device.name}({crew})" if crew else row.device.name
        total = groups.setdefault(label, Summary(label))
        result = row.result
        total.shifts += 1
        total.on_time += result.verdict == Verdict.ON_TIME
        total.late += result.verdict in (Verdict.LATE, Verdict.LATE_AND_EARLY)
        total.early += result.verdict in (Verdict.EARLY, Verdict.LATE_AND_EARLY)
        total.absent += result.verdict == Verdict.ABSENT
        total.seconds_inside += result.seconds_inside
        total.distance_m += result.distance_m
        if result.coverage is not None:
            total.coverage_sum += result.coverage
            total.coverage_count += 1
    return sorted(groups.values(), key=lambda s: s.label)


def _local(moment: datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%H:%M:%S") if moment else ""


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


SUMMARY_HEADER = [
    "对象",
    "班次数",
    "正常",
    "迟到",
    "早退",
    "缺勤",
    "出勤率",
    "区内时长(小时)",
    "里程(公里)",
    "河道覆盖率",
]


def summary_cells(total: Summary) -> list[object]:
    return [
        total.label,
        total.shifts,
        total.on_time,
        total.late,
        total.early,
        total.absent,
        _percent(total.attendance_rate),
        round(total.hours_inside, 2),
        round(total.km, 2),
        _percent(total.coverage),
    ]


DETAIL_HEADER = [
    "日期",
    "班次",
    "责任区",
    "终端",
    "单位",
    "开始",
    "结束",
    "首次进入",
    "最后在区",
    "区内时长(分钟)",
    "里程(公里)",
    "河道覆盖率",
    "结果",
]


def workbook(title: str, rows: list[AttendanceRow], totals: list[Summary]) -> bytes:
    """An .xlsx with the detail rows (出勤明细) and the totals (汇总)."""
    book = Workbook()
    detail = book.active
    detail.title = "出勤明细"
    detail.append([title])
    detail.append(DETAIL_HEADER)
    for row in rows:
        r = row.result
        detail.append(
            [
                r.day.isoformat(),
                row.shift.name,
                row.shift.zone.name,
                row.device.name,
                row.device.unit.name if row.device.unit else "",
                _local(r.begin),
                _local(r.end),
                _local(r.first_inside),
                _local(r.last_inside),
                round(r.seconds_inside / 60, 1),
                round(r.distance_m / 1000, 2),
                _percent(r.coverage),
                row.verdict_label,
            ]
        )
    sheet = book.create_sheet("汇总")
    sheet.append([title])
    sheet.append(SUMMARY_HEADER)
    for total in totals:
        sheet.append(summary_cells(total))
    for ws in (detail, sheet):
        for column in range(1, ws.max_column + 1):
            ws.column_dimensions[get_column_letter(column)].width = 14
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
