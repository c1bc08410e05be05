"""What account pages need from the programme, which sits above accounts in the layers.

"Instructor" is not a role assignment but a current guidance-group membership; the programme
app fills this slot from ProgrammeConfig.ready() (see core.registry), so accounts never imports
it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

from handinhand.core.registry import Slot

# Current memberships (Membership.objects.current()): a queryset with a `user` field.
current_memberships: Slot[Callable[[], QuerySet[Any]]] = Slot("accounts: current memberships")
