"""The school roster (花名册) import page and its template download."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from handinhand.accounts.types import AuthenticatedHttpRequest
from handinhand.core.exports import xlsx_response
from handinhand.core.forms import StyledFormMixin
from handinhand.core.policy import get_policy
from handinhand.core.views_helpers import require
from handinhand.orgs import tasks
from handinhand.orgs.access import can_create_schools
from handinhand.orgs.imports import (
    ROSTER_COLUMNS,
    RosterImportResult,
    build_template,
    import_roster,
)
from handinhand.orgs.models import Region

ERRORS_SHOWN = 1000  # a page of every error of a 12,000-row file helps nobody


class RosterUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=_lazy("花名册文件（.xlsx）"))

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        max_mb = get_policy().imports.max_file_mb
        # Checked on the upload's size, before a byte of it is read into memory.
        if (upload.size or 0) > max_mb * 1024 * 1024:
            raise forms.ValidationError(
                _("文件大小 %(size).1f MB，超过上限 %(max)g MB，请拆分后分批导入。")
                % {"size": (upload.size or 0) / 1024 / 1024, "max": max_mb}
            )
        return upload


def _list_url(result: RosterImportResult) -> str:
    """The school list narrowed to where the imported schools are."""
    url = reverse("orgs:school_list")
    codes = sorted(result.county_codes)
    if len(codes) == 1:
        return f"{url}?{urlencode({'county': codes[0]})}"
    cities = set(Region.objects.filter(code__in=codes).values_list("parent_id", flat=True))
    if len(cities) == 1:
        return f"{url}?{urlencode({'city': cities.pop()})}"
    return url


@login_required
def school_template(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_create_schools(request.user))
    return xlsx_response(build_template(request.user), _("学校花名册导入模板.xlsx"))


@login_required
def school_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(can_create_schools(request.user))
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    result: RosterImportResult | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload: UploadedFile[bytes] = form.cleaned_data["file"]
            data = upload.read()
            rows = tasks.estimated_rows(data)
            if rows is not None and rows > tasks.inline_limit():
                # A big roster is imported by a worker (issue 15): the page follows the job.
                job = tasks.roster_import_start(
                    actor=request.user, data=data, filename=upload.name or "", rows=rows
                )
                return redirect("core:job_detail", job.pk)
            result = import_roster(actor=request.user, data=data, filename=upload.name or "")
            status = 200 if result.ok else 400
        else:
            status = 400
    policy = get_policy().imports
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "columns": ROSTER_COLUMNS,
        "max_file_mb": f"{policy.max_file_mb:g}",
        "max_rows": policy.max_rows,
        "errors_shown": ERRORS_SHOWN,
    }
    if result is not None:
        context["errors"] = result.errors[:ERRORS_SHOWN]
        if result.ok:
            context["list_url"] = _list_url(result)
    return render(request, "orgs/school_import.html", context, status=status)
