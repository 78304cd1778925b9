"""Template context shared by every page."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from jiedao.org.models import Region


def street_name() -> str:
    """The name of the sub-district this instance serves (shown in every header)."""
    code = settings.JIEDAO["STREET"]
    key = f"jiedao:street-name:{code}"
    name = cache.get(key)
    if name is None:
        name = Region.objects.filter(code=code).values_list("name", flat=True).first()
        if name:
            cache.set(key, name, 300)
    return name or ""


def map_config() -> dict:
    """What the browser needs to draw maps: an optional tile layer and its coordinate system."""
    return {
        "tileUrl": settings.JIEDAO.get("TILE_URL", ""),
        "tileCrs": settings.JIEDAO.get("TILE_CRS", "wgs84"),
        "attribution": settings.JIEDAO.get("TILE_ATTRIBUTION", ""),
    }


def jiedao(request: HttpRequest) -> dict:
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).count()
    return {
        "JIEDAO": settings.JIEDAO,
        "unread_notifications": unread,
        "street_name": street_name(),
        "map_config": map_config(),
    }
