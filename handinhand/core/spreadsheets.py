"""Guards for reading uploaded .xlsx files without letting one file hold a worker.

An .xlsx is a zip of XML. A crafted one of a few hundred KB can unpack to hundreds of MB of
blank `<row>` elements, which openpyxl parses one by one for minutes (issue 9, defect 6). So a
reader, before openpyxl sees the file: checks the unpacked sizes the archive declares (Python's
zipfile never inflates a member past its declared size, so their sum is an upper bound); counts
the rows — blank ones too — in the raw XML, which is fast, stopping at the limit; and then
counts again while parsing, against a deadline.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterator
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _

from handinhand.core.uploads import ZipBombError, zip_members

# A row element, with or without a namespace prefix (`<row `, `<x:row>`, `<row/>`).
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?row[\s/>]")
_OVERLAP = 32  # bytes carried to the next chunk: longer than any tag the pattern matches
_CHUNK = 1024 * 1024


class SpreadsheetLimitError(Exception):
    """The file is refused as a whole; the message is for the user."""


def check_unpacked_size(data: bytes, max_unpacked_bytes: int) -> None:
    """Refuse an archive whose members declare more than `max_unpacked_bytes` in total."""
    # The one zip guard is core.uploads.zip_members; this adds the size to the message.
    try:
        zip_members(BytesIO(data), max_unpacked=max_unpacked_bytes)
    except zipfile.BadZipFile as exc:
        raise SpreadsheetLimitError(damaged_message()) from exc
    except ZipBombError as exc:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        raise SpreadsheetLimitError(
            _(
                "文件解压后过大（%(size).0f MB，上限 %(max).0f MB），"
                "可能不是正常的表格，已拒绝导入。"
            )
            % {"size": unpacked / 1024 / 1024, "max": max_unpacked_bytes / 1024 / 1024}
        ) from exc


def count_rows_in_xml(data: bytes, member: str, max_rows: int, *, above: int = 0) -> int:
    """The number of `<row` elements of one worksheet, counted while inflating; raises as soon
    as there are more than `max_rows` plus the `above` rows allowed over the data (title and
    header), without inflating the rest."""
    count = 0
    tail = b""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive, archive.open(member) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                window = tail + chunk
                # A tag starting in the last bytes may be cut: it is counted with the next
                # chunk, which starts with those bytes.
                end = len(window) - _OVERLAP if chunk else len(window)
                count += sum(1 for m in _ROW_TAG.finditer(window) if m.start() < end)
                if not chunk:
                    break
                tail = window[end:]
                if count > max_rows + above:
                    raise SpreadsheetLimitError(too_many_rows_message(max_rows))
    except (zipfile.BadZipFile, KeyError) as exc:
        raise SpreadsheetLimitError(damaged_message()) from exc
    return count


def check_row_counts(data: bytes, max_rows: int, *, above: int = 0) -> None:
    """Count the rows of every member of the archive before openpyxl opens it: opening alone
    scans a sheet without a `<dimension>` to its end, and a sheet may live at any path the
    workbook's relationships name, so every member is counted (escaped text holds no tags)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = [info.filename for info in archive.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        raise SpreadsheetLimitError(damaged_message()) from exc
    for member in members:
        count_rows_in_xml(data, member, max_rows, above=above)


def counted_rows(
    rows: Iterator[tuple[int, tuple[Any, ...]]], *, first_row: int, max_rows: int, deadline: float
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """`rows` as they are, refused once more than `max_rows` rows (blank ones too) have been
    read after `first_row`, or once the monotonic clock passes `deadline`."""
    for number, cells in rows:
        if number - first_row > max_rows:
            raise SpreadsheetLimitError(too_many_rows_message(max_rows))
        if number % 512 == 0 and time.monotonic() > deadline:
            raise SpreadsheetLimitError(too_slow_message())
        yield number, cells


def too_many_rows_message(max_rows: int) -> str:
    return _(
        "表格超过 %(max)d 行的上限（空白行也计算在内），请删除多余的行或拆分成多个文件分批导入。"
    ) % {"max": max_rows}


def too_slow_message() -> str:
    return _("文件读取超时，可能含有大量空白行或格式，请删除多余的行后另存为新文件再导入。")


def damaged_message() -> str:
    return _("文件已损坏或不是 Excel 工作簿，无法读取，请重新保存为 .xlsx 后再试。")
