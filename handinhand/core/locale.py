"""The compiled locales (issue 14 point 8): English beside the default Chinese.

The msgids are the Chinese texts of the code and templates; `make messages` extracts them into
handinhand/locale/en/LC_MESSAGES/django.po (Django's makemessages, which needs GNU gettext's
xgettext — developers only), someone translates the new entries, and `make locale` (part of
`make demo`/`make test`) compiles the .po into the .mo Django reads. Compiling is done here with
polib rather than GNU msgfmt, so that installing the app needs nothing beyond Python; the .mo
is a build product and is not committed (a binary that conflicts on every merge of two
branches that both added strings).
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings

# Languages that have a catalogue of the project's own; the default (zh-hans) is the msgids.
TRANSLATED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def catalogues() -> list[Path]:
    """Every .po of the project (django.po, djangojs.po if any) in its locale directories."""
    found: list[Path] = []
    for base in settings.LOCALE_PATHS:
        found.extend(sorted(Path(base).glob("*/LC_MESSAGES/*.po")))
    return found


def compile_catalogue(po_path: Path, *, force: bool = False) -> bool:
    """Write the .mo beside the .po when it is missing or older; True if it was written.

    Fuzzy and untranslated entries are left out (Django then shows the Chinese msgid), like
    msgfmt. Written to a temporary file and renamed, so that parallel test workers compiling
    at once never read half a file."""
    mo_path = po_path.with_suffix(".mo")
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return False
    catalogue = polib.pofile(str(po_path))
    fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
    os.close(fd)
    try:
        catalogue.save_as_mofile(tmp)
        os.replace(tmp, mo_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


def compile_all(*, force: bool = False) -> list[Path]:
    return [po for po in catalogues() if compile_catalogue(po, force=force)]


@dataclass(frozen=True)
class Gap:
    catalogue: Path
    msgid: str
    why: str  # "untranslated", "fuzzy" or "placeholders"


PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _placeholders_differ(entry: polib.POEntry) -> bool:
    if not entry.msgid_plural:
        return _placeholders(entry.msgstr) != _placeholders(entry.msgid)
    wanted = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
    return any(_placeholders(text) != wanted for text in entry.msgstr_plural.values())


def gaps() -> list[Gap]:
    """Entries of the project's catalogues that English readers would see in Chinese."""
    found: list[Gap] = []
    for po_path in catalogues():
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                found.append(Gap(po_path, entry.msgid, "fuzzy"))
            elif not entry.translated():
                found.append(Gap(po_path, entry.msgid, "untranslated"))
            elif "python-format" in entry.flags and _placeholders_differ(entry):
                # A translation that drops or renames %(name)s fails at run time, not here.
                found.append(Gap(po_path, entry.msgid, "placeholders"))
    return found
