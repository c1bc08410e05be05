"""The text a person reads in a response: an HTML page, or the cells of an .xlsx and the
paragraphs of a .docx (both zip archives of XML, whose characters may be written as &#NNNN;)."""

from __future__ import annotations

import html
import io
import zipfile
from typing import Any


def response_text(response: Any) -> str:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return html.unescape(
                "".join(
                    archive.read(name).decode("utf-8", "replace")
                    for name in archive.namelist()
                    if name.endswith(".xml")
                )
            )
    return html.unescape(body.decode("utf-8", "replace"))
