"""The annual report as an official document (.docx): title, 仿宋 body (with a fallback for
machines without 仿宋_GB2312), numbered sections 一、二、三、, and tables of the figures."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from handinhand.core import formats
from handinhand.core.docx import (
    BODY_FALLBACK,
    BODY_FONT,
    HEADING_FONT,
    TITLE_FALLBACK,
    TITLE_FONT,
    body_paragraph,
    set_font,
)
from handinhand.reports.figures import figure_sections
from handinhand.reports.models import AnnualReport

NUMERALS = "一二三四五六七八九十"


def _table(doc: Any, rows: list[tuple[str, Any]]) -> None:
    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("项目", "数据"), strict=True):
        set_font(cell.paragraphs[0].add_run(text), HEADING_FONT, "SimHei", 12, bold=True)
    for label, value in rows:
        cells = table.add_row().cells
        set_font(cells[0].paragraphs[0].add_run(str(label)), BODY_FONT, BODY_FALLBACK, 12)
        set_font(cells[1].paragraphs[0].add_run(str(value)), BODY_FONT, BODY_FALLBACK, 12)


def report_docx(report: AnnualReport) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FALLBACK
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(title.add_run(report.title), TITLE_FONT, TITLE_FALLBACK, 22)

    tables = figure_sections(report.figures or {})
    narrative = {
        "工作开展情况": report.work_summary,
        "负责人履职情况": report.leader_duty,
    }
    sections: list[tuple[str, list[tuple[str, Any]] | None, str]] = [
        (heading, rows, narrative.get(str(heading), "")) for heading, rows in tables
    ]
    sections += [("存在的问题", None, report.problems), ("下一年度工作计划", None, report.plans)]
    for number, (heading, rows, text) in enumerate(sections):
        p = doc.add_paragraph()
        set_font(p.add_run(f"{NUMERALS[number]}、{heading}"), HEADING_FONT, "SimHei", 16)
        for block in (text or "").splitlines():
            if block.strip():
                body_paragraph(doc, block.strip())
        if rows:
            _table(doc, rows)
    signature = doc.add_paragraph()
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    set_font(signature.add_run(report.group.name), BODY_FONT, BODY_FALLBACK, 16)
    if report.submitted_at:
        stamp = doc.add_paragraph()
        stamp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        # The report is a Chinese official document whatever the reader's language.
        with translation.override("zh-hans"):
            when = formats.day(report.submitted_at)
        set_font(stamp.add_run(when), BODY_FONT, BODY_FALLBACK, 16)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
