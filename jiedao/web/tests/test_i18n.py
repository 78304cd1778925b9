"""The pages' scripts speak the page's language: their strings (domain djangojs) are translated, compiled and
served by the instance's JavaScript catalog in the request's language."""

from __future__ import annotations

import gettext
import re

from django.conf import settings

MESSAGES = settings.BASE_DIR / "locale" / "en" / "LC_MESSAGES"


def test_every_script_string_has_an_english_translation_and_the_mo_is_compiled_from_it():
    po = (MESSAGES / "djangojs.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in po  # a fuzzy entry is left out of the .mo
    with open(MESSAGES / "djangojs.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # One-line strings, as ours are; the header (empty msgid) left out.
    singles = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', po, flags=re.MULTILINE)
    plurals = re.findall(
        r'^msgid "(.+)"\nmsgid_plural "(.*)"\nmsgstr\[0\] "(.*)"\nmsgstr\[1\] "(.*)"$', po, flags=re.MULTILINE
    )
    assert ("更新于 %(time)s", "Updated %(time)s") in singles and plurals
    for msgid, msgstr in singles:
        assert msgstr, f"no English for {msgid!r}"
        assert compiled.gettext(msgid) == msgstr, f"djangojs.mo is older than djangojs.po ({msgid!r})"
    for msgid, plural, one, many in plurals:
        assert one and many, f"no English for {msgid!r}"
        assert (compiled.ngettext(msgid, plural, 1), compiled.ngettext(msgid, plural, 2)) == (one, many)


def test_the_catalog_is_served_in_the_request_language(client, db):
    english = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert english["Content-Type"].startswith("text/javascript")
    assert '"Updated %(time)s"' in english.content.decode()
    chinese = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Updated" not in chinese.content.decode()  # Chinese pages keep the msgids, which are Chinese
    assert "globals.gettext = django.gettext" in chinese.content.decode()
