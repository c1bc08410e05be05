"""考核结果通知书 (.docx) to the person's unit: official layout (title 方正小标宋, body 仿宋,
number under the title), the grade, the priority areas with their validity, and the
verification code with where to check it."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.utils import timezone, translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from handinhand.core import formats
from handinhand.core.docx import BODY_FALLBACK, BODY_FONT, TITLE_FALLBACK, TITLE_FONT
from handinhand.core.docx import body_paragraph as paragraph
from handinhand.core.docx import set_font as font
from handinhand.core.policy import get_policy
from handinhand.incentives.models import Assessment, Letter


def _date(day: dt.date) -> str:
    # The letter is a Chinese official document whatever the reader's language.
    with translation.override("zh-hans"):
        return formats.day(day)


def letter_docx(letter: Letter, assessment: Assessment, areas: list[tuple[str, dt.date]]) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FALLBACK
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    year = assessment.year.year
    person = assessment.user

    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(title.add_run(f"关于{year}年度党建指导员考核结果的通知"), TITLE_FONT, TITLE_FALLBACK, 22)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(number.add_run(letter.number), BODY_FONT, BODY_FALLBACK, 16)

    unit = assessment.unit.name if assessment.unit else "所在单位"
    paragraph(doc, f"{unit}：", indent=False)
    paragraph(
        doc,
        f"经省级中小学校党建工作指导组考核、公示，贵单位{person.full_name or person}同志"
        f"（{assessment.group.name}成员）{year}年度考核等次为“{assessment.grade}”。",
    )
    top = get_policy().assessment.top_grade
    if assessment.grade == top and areas:
        paragraph(
            doc,
            "根据《全省中小学校党建指导工作办法》，年度考核等次为“优秀”的指导组成员，在本人所在"
            "单位评优评先、培养培训、职称评聘、职务晋升等工作中，同等条件下给予优先考虑。"
            "请贵单位在以下事项中予以落实，并通过平台登记落实情况：",
        )
        for area, until in areas:
            paragraph(doc, f"{area}（有效期至{_date(until)}）")
    paragraph(doc, "特此通知。")
    paragraph(
        doc,
        f"通知书编号：{letter.number}；验证码：{letter.code}。"
        "可在平台“通知书验证”页面输入编号和验证码核验本通知书。",
    )
    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    font(sign.add_run("中共江西省委教育工委"), BODY_FONT, BODY_FALLBACK, 16)
    when = doc.add_paragraph()
    when.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    finalised = assessment.year.finalised_at
    day = timezone.localdate(finalised) if finalised else timezone.localdate()
    font(when.add_run(_date(day)), BODY_FONT, BODY_FALLBACK, 16)
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
