"""What every generated Word document shares: the official-document fonts (公文 style) and how a
run is set in them, so that reports, report cards and notices look alike."""

from __future__ import annotations

from typing import Any

from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.run import Run

BODY_FONT = "仿宋_GB2312"
BODY_FALLBACK = "FangSong"  # 仿宋 on Windows; Word falls back to it when GB2312 is missing
TITLE_FONT = "方正小标宋简体"
TITLE_FALLBACK = "SimHei"
HEADING_FONT = "黑体"


def set_font(run: Run, east_asian: str, fallback: str, size: float, bold: bool = False) -> None:
    """Set a run in `east_asian` for Chinese text and `fallback` for Latin text, at `size` pt."""
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = fallback
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), fallback)
    fonts.set(qn("w:hAnsi"), fallback)


def body_paragraph(doc: Any, text: str, *, indent: bool = True) -> None:
    """A paragraph of official-document body text: 仿宋 三号, 28 pt lines, first line indented by
    two characters (the layout of GB/T 9704 that every letter and report here follows)."""
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    p.paragraph_format.line_spacing = Pt(28)
    set_font(p.add_run(text), BODY_FONT, BODY_FALLBACK, 16)
