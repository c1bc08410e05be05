"""Appointment letters (.docx, 公文 layout as the incentives letters): the person's 聘书 and the
group's 任命通知 listing all its members, from the content fixed when the letter was issued."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn

from handinhand.appointments.models import AppointmentLetter, LetterKind, SetKind
from handinhand.core.docx import BODY_FALLBACK, BODY_FONT, TITLE_FALLBACK, TITLE_FONT
from handinhand.core.docx import body_paragraph as paragraph
from handinhand.core.docx import set_font as font

_VERB = {SetKind.RENEWAL: "续聘", SetKind.REPLACEMENT: "增补聘任", SetKind.INITIAL: "聘任"}


def _heading(doc: object, title: str, number: str) -> None:
    p = doc.add_paragraph()  # type: ignore[attr-defined]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(p.add_run(title), TITLE_FONT, TITLE_FALLBACK, 22)
    n = doc.add_paragraph()  # type: ignore[attr-defined]
    n.alignment = WD_ALIGN_PARAGRAPH.CENTER
    font(n.add_run(number), BODY_FONT, BODY_FALLBACK, 16)


def _signature(doc: object, issuer: str, date: str) -> None:
    for text in (issuer, date):
        p = doc.add_paragraph()  # type: ignore[attr-defined]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        font(p.add_run(text), BODY_FONT, BODY_FALLBACK, 16)


def letter_docx(letter: AppointmentLetter) -> bytes:
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FALLBACK
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    c = letter.content
    verb = _VERB.get(SetKind(c.get("kind", SetKind.INITIAL)), "聘任")
    if letter.kind == LetterKind.PERSON:
        _heading(doc, "聘 书", letter.number)
        paragraph(doc, f"{c['name']}同志：", indent=False)
        paragraph(
            doc,
            f"经所在单位推荐、审核批准，{verb}您为{c['group']}{c['role']}，"
            f"任期自{c['term_start']}至{c['term_end']}。",
        )
        paragraph(doc, f"所在单位/部门：{c['unit']} {c['department']}；职称/职务：{c['title']}。")
        paragraph(doc, "望按照《全省中小学校党建指导工作办法》履行职责，下得去、指导好。")
    else:
        _heading(doc, f"关于{verb}{c['group']}成员的通知", letter.number)
        paragraph(doc, "各有关单位：", indent=False)
        paragraph(
            doc,
            f"经推荐、审核，现将{c['group']}成员名单通知如下，"
            f"本次聘任任期自{c['term_start']}至{c['term_end']}：",
        )
        members = c.get("members", [])
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells, ("序号", "姓名", "组内职务", "所在单位", "任期"), strict=True
        ):
            cell.text = text
        for i, m in enumerate(members, start=1):
            row = table.add_row().cells
            for cell, text in zip(
                row, (str(i), m["name"], m["role"], m["unit"], m["term"]), strict=True
            ):
                cell.text = text
        paragraph(doc, f"共{len(members)}人。特此通知。")
    _signature(doc, c.get("issuer", ""), c.get("date", ""))
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def letter_filename(letter: AppointmentLetter) -> str:
    who = letter.content.get("name") or letter.content.get("group", "")
    label = "聘书" if letter.kind == LetterKind.PERSON else "任命通知"
    return f"{label}-{who}-{letter.number}.docx"
