"""What organisation pages need from the programme, which sits above orgs in the layers.

A university is seen through the guidance groups it leads; a region's page lists its groups and
pairings; a school's page shows its districts and instructors. The programme app fills these
slots from ProgrammeConfig.ready() (see core.registry), so orgs never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from handinhand.core.registry import Registry, Slot

if TYPE_CHECKING:
    from handinhand.orgs.models import School

# The guidance groups a user sees (GuidanceGroup.objects.visible_to).
visible_groups: Slot[Callable[[Any], QuerySet[Any]]] = Slot("orgs: visible guidance groups")
# The pairings a user sees (Pairing.objects.visible_to).
visible_pairings: Slot[Callable[[Any], QuerySet[Any]]] = Slot("orgs: visible pairings")
# The programme facts shown on a school's page (programme.selectors.school_programme).
school_programme: Slot[Callable[[Any, School], dict[str, Any]]] = Slot("orgs: school programme")
# Pages about a school that a domain app keeps (the evaluation's report card, say): each
# provider takes (user, school) and answers (label, url) pairs the user may open (issue 14).
school_links: Registry[Callable[[Any, School], list[tuple[str, str]]]] = Registry(
    "orgs: school links"
)
