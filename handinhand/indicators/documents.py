"""A school's report card as a Word document (.docx)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from handinhand.core.docx import BODY_FALLBACK, BODY_FONT, HEADING_FONT, TITLE_FONT, set_font
from handinhand.indicators.selectors import ReportCard


def _n(value: Decimal | None) -> str:
    return "—" if value is None else format(value.normalize(), "f")


def _row(table: object, values: list[str], *, bold: bool = False) -> None:
    cells = table.add_row().cells  # type: ignore[attr-defined]
    for cell, text in zip(cells, values, strict=True):
        face = HEADING_FONT if bold else BODY_FONT
        set_font(cell.paragraphs[0].add_run(text), face, BODY_FALLBACK, 11, bold=bold)


def report_card_docx(card: ReportCard) -> bytes:
    evaluation = card.evaluation
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(
        title.add_run(
            _("%(school)s %(cycle)s党建工作评估报告")
            % {"school": evaluation.school.name, "cycle": evaluation.cycle.name}
        ),
        TITLE_FONT,
        "SimHei",
        20,
    )
    summary = doc.add_paragraph()
    set_font(
        summary.add_run(
            (
                _("指标体系：%(framework)s；状态：%(status)s；")
                + _("总分 %(total)s / %(max)s，等级：%(grade)s。")
            )
            % {
                "framework": evaluation.cycle.framework,
                "status": evaluation.get_status_display(),
                "total": _n(card.total),
                "max": _n(card.max_total),
                "grade": card.grade,
            }
        ),
        BODY_FONT,
        BODY_FALLBACK,
        14,
    )
    heading = doc.add_paragraph()
    set_font(heading.add_run(_("一、一级指标得分与比较")), HEADING_FONT, "SimHei", 16)
    table = doc.add_table(rows=0, cols=6)
    table.style = "Table Grid"
    _row(
        table,
        [_("一级指标"), _("分值"), _("得分"), _("县区平均"), _("设区市平均"), _("全省平均")],
        bold=True,
    )
    for r in card.l1:
        _row(
            table,
            [r.title, _n(r.max_score), _n(r.score), _n(r.county), _n(r.city), _n(r.province)],
        )
    heading = doc.add_paragraph()
    set_font(heading.add_run(_("二、各项指标得分")), HEADING_FONT, "SimHei", 16)
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    _row(table, [_("编码"), _("指标"), _("分值"), _("得分")], bold=True)
    for row in card.rows:
        _row(
            table,
            [
                row.indicator.code,
                row.indicator.title,
                _n(row.max_score),
                _n(card.final[row.indicator.code]),
            ],
            bold=row.indicator.level == 1,
        )
    heading = doc.add_paragraph()
    set_font(heading.add_run(_("三、指导员意见")), HEADING_FONT, "SimHei", 16)
    for indicator, comment in card.comments or []:
        p = doc.add_paragraph()
        set_font(
            p.add_run(f"{indicator.code} {indicator.title}：{comment}"),
            BODY_FONT,
            BODY_FALLBACK,
            12,
        )
    if not card.comments:
        p = doc.add_paragraph()
        set_font(p.add_run(_("（暂无）")), BODY_FONT, BODY_FALLBACK, 12)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
