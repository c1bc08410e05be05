"""Issue 15 items 4 and 5: big list exports run as jobs from values() rows, give the same rows
as the export from model objects did, offer no file before they finish; imports ANALYZE."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from handinhand.conftest import make_school
from handinhand.core import exports, statistics
from handinhand.core.listing import query_for
from handinhand.core.models import Job, JobStatus
from handinhand.orgs.models import School
from handinhand.orgs.views import SCHOOL_LIST

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def sheet_rows(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(BytesIO(data), read_only=True).worksheets[0]
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def object_rows(user: Any, query: str = "") -> list[list[Any]]:
    """The rows as the export built them before: one model object at a time, Column.value."""
    qs, _form, _sort = query_for(SCHOOL_LIST, user, QueryDict(query))
    columns = exports.export_columns(SCHOOL_LIST)
    header = [str(c.label) for c in columns]
    return [header, *[[exports._cell(c.value(o)) or "" for c in columns] for o in qs]]


@pytest.fixture
def schools(cast: Any) -> None:
    for i in range(12):
        make_school("360313", f"湘东区第{i}小学", secretary=f"=书记{i}" if i == 3 else "李书记")


def test_values_rows_are_the_object_rows(cast: Any, schools: None, client_for: Any) -> None:
    response = client_for(cast.province_admin).get(reverse("orgs:school_list"), {"export": "xlsx"})
    assert response.status_code == 200
    assert sheet_rows(response.content) == object_rows(cast.province_admin)
    # Choices are written with their labels, and text that looks like a formula stays text.
    assert any(
        row[0] == "湘东区第3小学" and row[6] == "=书记3" for row in sheet_rows(response.content)
    )


def test_big_export_is_a_job_with_a_download(
    cast: Any,
    schools: None,
    client_for: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_INLINE_ROWS = 5
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path
    client = client_for(cast.city_user)
    query = "county=360313&sort=name"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(f"{reverse('orgs:school_list')}?{query}&export=xlsx")
    job = Job.objects.get(kind="export")
    assert response.status_code == 302 and response.url == reverse("core:job_detail", args=[job.pk])
    assert (job.status, job.result["rows"]) == (JobStatus.DONE, 13)
    page = client.get(response.url).content.decode()
    assert reverse("core:job_file", args=[job.pk]) in page
    download = client.get(reverse("core:job_file", args=[job.pk]))
    assert download.status_code == 200
    assert sheet_rows(b"".join(download)) == object_rows(cast.city_user, query)
    # The file is its creator's (and the province's), like the job.
    for user in (cast.instructor_ecjtu, cast.outsider):
        assert client_for(user).get(reverse("core:job_file", args=[job.pk])).status_code == 404


def test_a_job_that_dies_offers_no_file(
    cast: Any,
    schools: None,
    client_for: Any,
    settings: Any,
    tmp_path: Any,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_INLINE_ROWS = 5
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path
    real = exports.export_rows

    def dies_midway(*args: Any, **kwargs: Any) -> Any:
        for n, row in enumerate(real(*args, **kwargs)):
            if n == 6:
                raise OSError("worker lost")
            yield row

    monkeypatch.setattr(exports, "export_rows", dies_midway)
    client = client_for(cast.province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("orgs:school_list"), {"export": "xlsx"})
    job = Job.objects.get(kind="export")
    assert job.status == JobStatus.FAILED and not job.result_file
    assert client.get(reverse("core:job_file", args=[job.pk])).status_code == 404
    assert list(tmp_path.rglob("*.xlsx")) == []
    # A queued (or still running) job offers nothing either.
    queued = exports.export_start(actor=cast.province_admin, spec=SCHOOL_LIST, query="", total=9)
    assert client.get(reverse("core:job_file", args=[queued.pk])).status_code == 404


def test_import_analyzes_the_school_table_on_postgresql(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        names = statistics.analyze([School])
    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert names == ["orgs_school"] and analyzed == ['ANALYZE "orgs_school"']
    else:
        assert names == [] and analyzed == []


def test_big_roster_is_imported_by_a_job(
    cast: Any,
    client_for: Any,
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from handinhand.orgs.tests.test_imports import school_row, xlsx

    settings.IMPORT_INLINE_ROWS = 3
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path
    client = client_for(cast.county_user)
    data = xlsx([school_row(i) for i in range(1, 6)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orgs:school_import"), {"file": SimpleUploadedFile("花名册.xlsx", data)}
        )
    job = Job.objects.get(kind="orgs.roster_import")
    assert response.status_code == 302 and response.url == reverse("core:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.result["created"] == 5
    assert "导入成功" in client.get(response.url).content.decode()
    assert list((tmp_path / "jobs" / "in").iterdir()) == []  # the upload is not kept

    # A file with a bad row: nothing written, the job says which row.
    bad = xlsx([school_row(i) for i in range(6, 10)] + [school_row(10, 学校名称="")])
    before = School.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orgs:school_import"), {"file": SimpleUploadedFile("b.xlsx", bad)})
    failed = Job.objects.filter(kind="orgs.roster_import").order_by("-pk").first()
    assert failed is not None and failed.status == JobStatus.FAILED
    assert "第 " in failed.error and School.objects.count() == before
