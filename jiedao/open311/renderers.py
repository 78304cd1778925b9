"""Open311's two formats. XML element names follow GeoReport v2: a list renders its items under the
singular of its own name (<services><service>, <attributes><attribute>, <values><value> …)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
}


class Open311JSONRenderer(JSONRenderer):
    format = "json"
    ensure_ascii = False


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, ITEM_TAGS.get(element.tag, "value")), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


class Open311XMLRenderer(BaseRenderer):
    """Renders ``data`` under the root element the view names in ``response.xml_root``."""

    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: dict | None = None):
        response = (renderer_context or {}).get("response")
        return to_xml(getattr(response, "xml_root", "response"), data)
