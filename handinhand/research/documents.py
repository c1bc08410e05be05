"""立项通知 (.docx) for an approved project and the call's results (.xlsx).

The font helpers and the upload checker are imported from where they live on this branch
(reports.documents, guidance.files); at merge they come from core (core/docx.py)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.utils import timezone, translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from openpyxl import Workbook
from openpyxl.styles import Font

from handinhand.accounts.models import User
from handinhand.core import audit, formats
from handinhand.core.docx import BODY_FALLBACK, BODY_FONT, TITLE_FALLBACK, TITLE_FONT
from handinhand.core.docx import body_paragraph as paragraph
from handinhand.core.docx import set_font as font
from handinhand.core.models import AuditAction
from handinhand.research.models import ResearchApplication, ResearchCall

POOLS = {"separate": "单列计划", "general": "普通计划", "": "—"}


def _date(day: dt.date) -> str:
    # The notice is a Chinese official document whatever the reader's language.
    with translation.override("zh-hans"):
        return formats.day(day)


def notice_docx(app: ResearchApplication) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FALLBACK
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    call = app.call
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(title.add_run("立项通知"), TITLE_FONT, TITLE_FALLBACK, 22)
    applicant = app.applicant.full_name or str(app.applicant)
    unit = app.unit.name if app.unit else "所在单位"
    paragraph(doc, f"{unit}、{applicant}同志：", indent=False)
    pool = "（单列计划）" if app.proposed_pool == "separate" else ""
    paragraph(
        doc,
        f"经单位推荐、专家评审，“{app.title}”列入{call.year}年度{call.catalogue}立项{pool}。"
        f"课题负责人：{applicant}；经费预算：{formats.money(app.budget)}。",
    )
    if app.midterm_due and app.closing_due:
        paragraph(
            doc,
            f"请于{_date(app.midterm_due)}前完成中期检查，{_date(app.closing_due)}前完成结题，"
            "并通过平台提交相关材料。",
        )
    paragraph(doc, "特此通知。")
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    font(sign.add_run("中共江西省委教育工委"), BODY_FONT, BODY_FALLBACK, 16)
    when = doc.add_paragraph()
    when.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    font(when.add_run(_date(app.approved_on or timezone.localdate())), BODY_FONT, BODY_FALLBACK, 16)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


HEADER = [
    "序号",
    "课题名称",
    "申报人",
    "所在单位",
    "单列计划资格",
    "评审得分",
    "计划",
    "名次",
    "建议理由",
    "结果",
    "调整理由",
]


def results_workbook(
    call: ResearchCall, rows: list[ResearchApplication], *, actor: User
) -> Workbook:
    workbook = Workbook()
    sheet = workbook.create_sheet("立项结果", 0)
    workbook.remove(workbook.worksheets[1])
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, r in enumerate(rows, start=1):
        sheet.append(
            [
                i,
                r.title,
                r.applicant.full_name or str(r.applicant),
                r.unit.name if r.unit else "",
                "是" if r.eligible else "否",
                float(r.score) if r.score is not None else None,
                POOLS.get(r.proposed_pool, "—") if r.approved else "—",
                r.proposed_rank,
                r.proposed_reason,
                "立项" if r.approved else "不立项",
                r.override_reason,
            ]
        )
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        instance=call,
        changes={"rows": [None, len(rows)]},
    )
    return workbook
