"""Defect 6 (import denial of service): a small .xlsx that unpacks to a sheet of a million
blank rows is refused at once, with a Chinese message, and writes nothing."""

from __future__ import annotations

import re
import time
import zipfile
from io import BytesIO
from typing import Any

import pytest

from handinhand.core.models import AuditEvent
from handinhand.core.spreadsheets import (
    SpreadsheetLimitError,
    count_rows_in_xml,
    counted_rows,
    too_many_rows_message,
    too_slow_message,
)
from handinhand.orgs.imports import import_roster
from handinhand.orgs.models import School
from handinhand.orgs.tests.test_imports import school_row, xlsx

pytestmark = pytest.mark.django_db

BLANK_ROWS = 1_200_000


def blank_row_bomb(rows: int = BLANK_ROWS, *, styled: bool = True) -> bytes:
    """A genuine workbook (headers and one school) whose sheet then holds `rows` blank rows,
    each with an empty styled cell, as a spreadsheet program writes a formatted column."""
    source = zipfile.ZipFile(BytesIO(xlsx([school_row(1)])))
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = content.decode()
                text = re.sub(r"<dimension[^>]*/>", "", text)
                # Row and cell references are optional in the format: without them the
                # rows are all alike and compress a thousand to one.
                cell = '<c s="0"/>' if styled else ""
                blank = f'<row spans="1:10">{cell}</row>' * rows
                text = text.replace("</sheetData>", blank + "</sheetData>")
                content = text.encode()
            target.writestr(info.filename, content)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return blank_row_bomb()


def test_the_bomb_is_small_and_unpacks_large(bomb: bytes) -> None:
    assert len(bomb) < 1024 * 1024
    with zipfile.ZipFile(BytesIO(bomb)) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 30 * 1024 * 1024


def test_a_million_blank_rows_are_refused_quickly(cast: Any, bomb: bytes) -> None:
    schools, events = School.objects.count(), AuditEvent.objects.count()
    started = time.monotonic()
    result = import_roster(actor=cast.county_user, data=bomb, filename="花名册.xlsx")
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"took {elapsed:.1f} s"
    assert not result.ok
    message = result.errors[0].message
    assert "行" in message and ("上限" in message or "过大" in message), message
    assert School.objects.count() == schools
    assert AuditEvent.objects.count() == events


def test_blank_rows_count_towards_the_row_limit(cast: Any) -> None:
    """Under the unpacked-size limit, blank rows still count: the limit is on rows read."""
    data = blank_row_bomb(200, styled=False)
    result = import_roster(actor=cast.county_user, data=data, filename="花名册.xlsx", max_rows=100)
    assert not result.ok
    assert "100" in result.errors[0].message and "行" in result.errors[0].message
    assert not School.objects.filter(name__startswith="湘东区测试学校").exists()


def test_a_few_trailing_blank_rows_are_fine(cast: Any) -> None:
    data = blank_row_bomb(50, styled=False)
    result = import_roster(actor=cast.county_user, data=data, filename="花名册.xlsx")
    assert result.ok, result.errors
    assert result.created == 1


def test_blank_rows_are_counted_while_parsing_too(cast: Any) -> None:
    """Within the raw count's allowance for title lines, the parser's own count still stops."""
    data = blank_row_bomb(105, styled=False)
    result = import_roster(actor=cast.county_user, data=data, filename="花名册.xlsx", max_rows=100)
    assert [e.message for e in result.errors] == [too_many_rows_message(100)]


def test_reading_stops_at_the_deadline() -> None:
    rows = ((n, (None,)) for n in range(1, 10_000))
    with pytest.raises(SpreadsheetLimitError) as refused:
        list(counted_rows(rows, first_row=1, max_rows=50_000, deadline=time.monotonic() - 1))
    assert str(refused.value) == too_slow_message()


def test_rows_are_counted_across_chunk_boundaries() -> None:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("s.xml", '<row r="1"><c/></row><x:row/>' * 300_000)
    assert count_rows_in_xml(out.getvalue(), "s.xml", 10**9) == 600_000
    with pytest.raises(SpreadsheetLimitError):
        count_rows_in_xml(out.getvalue(), "s.xml", 1000)


def test_the_framework_import_refuses_the_bomb_too(bomb: bytes) -> None:
    from handinhand.indicators.excel import read_nodes
    from handinhand.orgs.imports import _FileError

    started = time.monotonic()
    with pytest.raises(_FileError) as refused:
        read_nodes(bomb, "指标体系.xlsx")
    assert time.monotonic() - started < 2.0
    assert "行的上限" in str(refused.value)
