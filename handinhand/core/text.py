from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalise_text(value: object) -> str:
    """Full-width digits, letters and spaces to half-width (NFKC), trimmed, inner runs of
    whitespace folded: what users paste from Word and WPS."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).replace("\u3000", " ")
    return _SPACES.sub(" ", text).strip()
