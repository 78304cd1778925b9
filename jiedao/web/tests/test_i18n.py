"""The pages' scripts speak the page's language: their strings (domain djangojs) are translated, compiled and
served by the instance's JavaScript catalog in the request's language."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

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


def _msgids(po: Path, *flags: str) -> list[str]:
    """The msgids ``msgattrib`` (GNU gettext, as makemessages uses) selects with ``flags``, header left out."""
    out = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", str(po)], capture_output=True, text=True, check=True
    )
    return [m for m in re.findall(r'^msgid "(.*)"$', out.stdout, flags=re.MULTILINE) if m]


def test_the_english_catalogues_cover_every_string_of_the_code(tmp_path):
    """makemessages over a copy of the code adds nothing untranslated: no page string is left in Chinese."""
    base = settings.BASE_DIR
    for folder in ("jiedao", "templates", "locale", "static/js"):
        shutil.copytree(
            base / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "tests")
        )
    shutil.copy(base / "manage.py", tmp_path)
    for domain in ("django", "djangojs"):
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "en", "-d", domain, "--no-location"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )
        po = tmp_path / "locale" / "en" / "LC_MESSAGES" / f"{domain}.po"
        assert not _msgids(po, "--untranslated"), f"{domain}.po: run makemessages and translate these"
        assert not _msgids(po, "--only-fuzzy"), f"{domain}.po: check these guesses of makemessages"


def test_the_catalog_is_served_in_the_request_language(client, db):
    english = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    assert english["Content-Type"].startswith("text/javascript")
    assert '"Updated %(time)s"' in english.content.decode()
    chinese = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert "Updated" not in chinese.content.decode()  # Chinese pages keep the msgids, which are Chinese
    assert "globals.gettext = django.gettext" in chinese.content.decode()
