"""Configuration of tracking (终端、责任区、班次) and terminal registration; every change is audited."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction

from jiedao.core import audit, clock
from jiedao.core.actor import Actor
from jiedao.tracking.models import Device, DeviceKind, Position, Protocol, Shift, Zone, ZoneEvent
from jiedao.tracking.zones import bump_zone_version

AUTH_CODE_BYTES = 8


def normalize_identifier(protocol: str, raw: str) -> str:
    """JT/T 808 phone numbers are zero-padded BCD (12 or 20 digits); keep them without leading zeros."""
    value = raw.strip()
    if protocol == Protocol.JT808:
        return value.lstrip("0") or "0"
    return value


def new_auth_code() -> str:
    return secrets.token_hex(AUTH_CODE_BYTES).upper()


def auto_register_enabled() -> bool:
    return bool(settings.JIEDAO["TRACKING_AUTO_REGISTER"])


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(_plain(v) for v in value)
    if value is None or isinstance(value, bool | int | float | str | dict):
        return value
    return str(value)


SECRET_FIELDS = {"auth_code"}


def snapshot(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of field values for the audit log (objects become their keys, secrets are masked)."""
    return {name: "***" if name in SECRET_FIELDS else _plain(value) for name, value in values.items()}


def record_config_change(
    actor: Actor | None,
    obj: Device | Zone | Shift,
    *,
    created: bool,
    old: dict[str, Any],
    new: dict[str, Any],
) -> None:
    """Audit a saved device, zone or shift; zones and shifts also refresh every process's zone index."""
    kind = obj._meta.model_name
    action = f"tracking.{kind}.{'create' if created else 'update'}"
    audit.record(actor, action, f"tracking.{kind}", obj.pk, old=snapshot(old), new=snapshot(new))
    if isinstance(obj, Zone | Shift):
        bump_zone_version()


def delete_config(actor: Actor | None, obj: Device | Zone | Shift) -> None:
    kind = obj._meta.model_name
    with transaction.atomic():
        pk = obj.pk
        audit.record(actor, f"tracking.{kind}.delete", f"tracking.{kind}", pk, old={"name": str(obj)})
        obj.delete()
        if isinstance(obj, Zone | Shift):
            bump_zone_version()


def register_terminal(protocol: str, raw_identifier: str, info: dict[str, Any]) -> Device | None:
    """The device answering to a terminal's registration, created when auto-registration is on.

    Returns None for an unknown terminal while auto-registration is off, and for a disabled device. A device
    without an auth code gets one. Creation is audited with the system as actor.
    """
    identifier = normalize_identifier(protocol, raw_identifier)
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(identifier=identifier).first()
        if device is None:
            if not auto_register_enabled():
                return None
            plate = str(info.get("plate", ""))[:30]
            device = Device.objects.create(
                identifier=identifier,
                protocol=protocol,
                kind=DeviceKind.PERSON if protocol == Protocol.OSMAND else DeviceKind.VEHICLE,
                name=plate or f"终端 {identifier}",
                plate=plate,
                auth_code=new_auth_code() if protocol == Protocol.JT808 else "",
                info=snapshot(info),
                created_at=clock.now(),
            )
            audit.record(
                None,
                "tracking.device.auto_register",
                "tracking.device",
                device.pk,
                new={"identifier": identifier, "protocol": protocol, "info": snapshot(info)},
            )
            return device
        if not device.active:
            return None
        if protocol == Protocol.JT808 and not device.auth_code:
            device.auth_code = new_auth_code()
            device.info = {**device.info, **snapshot(info)}
            device.save(update_fields=["auth_code", "info"])
            audit.record(
                None,
                "tracking.device.issue_auth_code",
                "tracking.device",
                device.pk,
                new={"auth_code": "***"},
            )
        return device


def authenticate_terminal(raw_identifier: str, code: str) -> Device | None:
    """The active JT/T 808 device whose auth code matches, else None (鉴权)."""
    identifier = normalize_identifier(Protocol.JT808, raw_identifier)
    device = Device.objects.filter(identifier=identifier, active=True).first()
    if device is None or not device.auth_code or not secrets.compare_digest(device.auth_code, code):
        return None
    return device


def device_for_phone_app(raw_identifier: str) -> Device | None:
    """The active device of an OsmAnd id, auto-registered when that is on."""
    identifier = normalize_identifier(Protocol.OSMAND, raw_identifier)
    device = Device.objects.filter(identifier=identifier).first()
    if device is None:
        return register_terminal(Protocol.OSMAND, identifier, {})
    return device if device.active else None


def purge_old_positions(now: datetime | None = None) -> int:
    """Delete positions and zone events older than TRACKING_RETENTION_DAYS (PIPL: keep tracks only as long as
    needed); returns the number of positions deleted. Audited with the system as actor."""
    days = settings.JIEDAO["TRACKING_RETENTION_DAYS"]
    cutoff = (now or clock.now()) - timedelta(days=days)
    with transaction.atomic():
        deleted, _ = Position.objects.filter(fixed_at__lt=cutoff).delete()
        events, _ = ZoneEvent.objects.filter(at__lt=cutoff).delete()
        if deleted or events:
            audit.record(
                None,
                "tracking.purge_positions",
                "tracking.position",
                "*",
                new={"before": cutoff.isoformat(), "positions": deleted, "zone_events": events, "days": days},
            )
    return deleted
