"""`{% latest_return obj as r %}`: the record's last return reason and who gave it."""

from __future__ import annotations

from django import template
from django.db import models

from handinhand.core.returns import LatestReturn
from handinhand.core.returns import latest_return as _latest_return

register = template.Library()


@register.simple_tag
def latest_return(instance: models.Model) -> LatestReturn | None:
    return _latest_return(instance)
