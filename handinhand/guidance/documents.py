"""A visit record as a Word document (指导活动记录表)."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.shared import Pt

from handinhand.core import formats
from handinhand.core.uploads import serve_generated
from handinhand.guidance.models import Visit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _chinese_date(visit: Visit) -> str:
    # The visit record is a Chinese official document whatever the reader's language.
    with translation.override("zh-hans"):
        return formats.day(visit.date)


def visit_docx(visit: Visit) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(11)
    document.add_heading(_("党建指导活动记录"), level=1)
    rows = [
        (_("活动主题"), visit.title),
        (_("指导组"), visit.group.name),
        (_("活动日期"), _chinese_date(visit)),
        (_("时长（小时）"), f"{visit.duration_hours:g}"),
        (_("活动形式"), visit.form),
        (_("状态"), visit.get_status_display()),
        (_("指导学校"), "、".join(s.name for s in visit.schools.all())),
        (_("参加指导员"), "、".join(str(m.user) for m in visit.instructors.all()) or "—"),
        (_("涉及指标"), "；".join(visit.indicators) or "—"),
        (_("登记人"), str(visit.created_by)),
    ]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = str(label)
        cells[1].text = str(value)
    document.add_heading(_("活动内容"), level=2)
    for paragraph in (visit.content or "—").splitlines() or ["—"]:
        document.add_paragraph(paragraph)
    attachments = list(visit.attachments.all())
    if attachments:
        document.add_heading(_("附件"), level=2)
        for a in attachments:
            document.add_paragraph(a.name, style="List Bullet")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def visit_docx_response(visit: Visit) -> HttpResponse:
    filename = f"指导活动记录-{visit.date:%Y%m%d}-{visit.pk}.docx"
    return serve_generated(visit_docx(visit), "docx", filename)
